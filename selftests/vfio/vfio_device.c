// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu VFIO device: device and region info, region access bounds, the BAR2
 * register file, the BAR0 framebuffer (isolation between instances and
 * zeroing on reuse) and device reset. Every test runs on a small and a
 * large type through the group/container path, and on the small type
 * through the cdev/iommufd path where the kernel has it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "mdgpu_harness.h"

FIXTURE(dev) {
	struct mdgpu_inst in;
};

FIXTURE_VARIANT(dev) {
	int type;
	bool cdev;
};

FIXTURE_VARIANT_ADD(dev, group_64M) { .type = 0, .cdev = false };
/* 512M on sim0 (vram_mb=1024), 256M on the test VMs' PCI parent. */
FIXTURE_VARIANT_ADD(dev, group_largest) {
	.type = MDGPU_TYPE_LARGEST, .cdev = false
};
FIXTURE_VARIANT_ADD(dev, cdev_64M) { .type = 0, .cdev = true };

FIXTURE_SETUP(dev)
{
	mdgpu_inst_setup(_metadata, &self->in, variant->type, variant->cdev);
}

FIXTURE_TEARDOWN_PARENT(dev)
{
	mdgpu_inst_teardown(_metadata, &self->in);
}

#define VFIO_DEV(self)	((self)->in.v.device)
#define VRAM_SIZE(self)	(mdgpu_types[(self)->in.type].size)

/*
 * Where Documentation/device-spec.rst puts region @index in the device
 * file. Only the tests of that layout and of the kernel's decoding of file
 * positions use it; everything else goes through libmdgpu, which takes the
 * offsets from VFIO_DEVICE_GET_REGION_INFO.
 */
#define SPEC_REGION_SHIFT	40
#define SPEC_REGION_OFFSET(index)	((uint64_t)(index) << SPEC_REGION_SHIFT)

/* The nine vfio-pci regions come first; device-specific ones may follow. */
static uint32_t num_regions(int fd)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	if (ioctl(fd, VFIO_DEVICE_GET_INFO, &info))
		return 0;
	return info.num_regions;
}

TEST_F(dev, device_info)
{
	struct {
		struct vfio_device_info info;
		uint8_t tail[64];	/* a newer, larger argsz is fine */
	} big;
	struct vfio_device_info info;
	int fd = VFIO_DEV(self);

	memset(&info, 0xa5, sizeof(info));
	info.argsz = sizeof(info);
	ASSERT_OK(ioctl(fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, info.flags);
	EXPECT_LE(VFIO_PCI_NUM_REGIONS, info.num_regions);
	EXPECT_EQ(5, info.num_irqs);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, info.num_irqs);

	memset(&big, 0, sizeof(big));
	big.info.argsz = sizeof(big);
	ASSERT_OK(ioctl(fd, VFIO_DEVICE_GET_INFO, &big));
	EXPECT_EQ(info.num_regions, big.info.num_regions);

	/* The minimal size still works. */
	memset(&info, 0, sizeof(info));
	info.argsz = offsetof(struct vfio_device_info, num_irqs) +
		     sizeof(info.num_irqs);
	ASSERT_OK(ioctl(fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(5, info.num_irqs);
}

TEST_F(dev, device_info_short_argsz)
{
	const uint32_t minsz = offsetof(struct vfio_device_info, num_irqs) +
			       sizeof(uint32_t);
	const uint32_t sizes[] = { 0, 4, minsz - 1 };
	struct vfio_device_info info;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&info, 0, sizeof(info));
		info.argsz = sizes[i];
		EXPECT_EQ(-1, ioctl(VFIO_DEV(self), VFIO_DEVICE_GET_INFO, &info));
		EXPECT_EQ(EINVAL, errno) TH_LOG("argsz %u", sizes[i]);
		/* Nothing is reported back to a refused caller. */
		EXPECT_EQ(0, info.num_regions);
	}
}

/* What each region index reports: size, and whether it is accessible. */
static uint64_t region_size(FIXTURE_DATA(dev) *self, unsigned int index)
{
	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		return VRAM_SIZE(self);
	case VFIO_PCI_BAR2_REGION_INDEX:
		return MDGPU_REGS_SIZE;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return MDGPU_CFG_SIZE;
	}
	return 0;
}

TEST_F(dev, region_info)
{
	const uint32_t rw = VFIO_REGION_INFO_FLAG_READ |
			    VFIO_REGION_INFO_FLAG_WRITE;
	const uint32_t n = num_regions(VFIO_DEV(self));
	const uint32_t bad[] = { n, n + 1, 0x7fffffff, 0xffffffff };
	struct vfio_region_info info;
	unsigned int i;

	ASSERT_LE(VFIO_PCI_NUM_REGIONS, n);
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		uint64_t size = region_size(self, i);

		memset(&info, 0xa5, sizeof(info));
		info.argsz = sizeof(info);
		info.index = i;
		ASSERT_OK(ioctl(VFIO_DEV(self), VFIO_DEVICE_GET_REGION_INFO,
				&info)) TH_LOG("region %u", i);
		EXPECT_EQ(i, info.index);
		EXPECT_EQ(size, info.size) TH_LOG("region %u", i);
		EXPECT_EQ(SPEC_REGION_OFFSET(i), info.offset)
			TH_LOG("region %u", i);
		if (size) {
			EXPECT_EQ(rw, info.flags & rw) TH_LOG("region %u", i);
		} else {
			EXPECT_EQ(0, info.flags) TH_LOG("region %u", i);
		}
		/* No capability chain: no stale bytes in cap_offset. */
		EXPECT_FALSE(info.flags & VFIO_REGION_INFO_FLAG_CAPS);
		EXPECT_EQ(0, info.cap_offset) TH_LOG("region %u", i);
	}

	/* Regions past the PCI ones say what they are, as QEMU requires. */
	for (i = VFIO_PCI_NUM_REGIONS; i < n; i++) {
		union {
			struct vfio_region_info info;
			uint8_t buf[256];
		} u;
		struct vfio_info_cap_header *cap;

		memset(&u, 0, sizeof(u));
		u.info.argsz = sizeof(u);
		u.info.index = i;
		ASSERT_OK(ioctl(VFIO_DEV(self), VFIO_DEVICE_GET_REGION_INFO, &u))
			TH_LOG("region %u", i);
		EXPECT_TRUE(u.info.flags & VFIO_REGION_INFO_FLAG_CAPS)
			TH_LOG("region %u has no capability chain", i);
		ASSERT_LE(sizeof(u.info), u.info.cap_offset) TH_LOG("region %u", i);
		ASSERT_GE(sizeof(u) - sizeof(*cap), u.info.cap_offset);
		cap = (void *)(u.buf + u.info.cap_offset);
		EXPECT_EQ(VFIO_REGION_INFO_CAP_TYPE, cap->id) TH_LOG("region %u", i);
	}

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&info, 0, sizeof(info));
		info.argsz = sizeof(info);
		info.index = bad[i];
		EXPECT_EQ(-1, ioctl(VFIO_DEV(self), VFIO_DEVICE_GET_REGION_INFO,
				    &info));
		EXPECT_EQ(EINVAL, errno) TH_LOG("index %u", bad[i]);
	}

	for (i = 0; i < sizeof(info); i += 4) {
		memset(&info, 0, sizeof(info));
		info.argsz = i;
		info.index = VFIO_PCI_CONFIG_REGION_INDEX;
		EXPECT_EQ(-1, ioctl(VFIO_DEV(self), VFIO_DEVICE_GET_REGION_INFO,
				    &info));
		EXPECT_EQ(EINVAL, errno) TH_LOG("argsz %u", i);
		EXPECT_EQ(0, info.size);
	}
}

/* pread/pwrite at the spec's position: reaches the kernel for any index. */
/*
 * libmdgpu's region table is what the kernel reports, index by index, and
 * its accessors land where the report says: a register read through the
 * library equals a pread at the reported offset, and a byte written through
 * the library into VRAM is read back by pread at the reported offset.
 */
TEST_F(dev, library_regions_as_reported)
{
	const uint32_t n = num_regions(VFIO_DEV(self));
	uint32_t via_lib = 0, raw = ~0u;
	struct vfio_region_info info;
	struct mdgpu_region lib;
	int fd = VFIO_DEV(self);
	uint8_t byte = 0;
	unsigned int i;
	off_t pos;

	ASSERT_LE(VFIO_PCI_NUM_REGIONS, n);
	for (i = 0; i < n && i < MDGPU_MAX_REGIONS; i++) {
		memset(&info, 0, sizeof(info));
		info.argsz = sizeof(info);
		info.index = i;
		ASSERT_OK(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &info))
			TH_LOG("region %u", i);
		ASSERT_OK(mdgpu_region_info(fd, i, &lib)) TH_LOG("region %u", i);
		EXPECT_EQ(info.offset, lib.offset) TH_LOG("region %u", i);
		EXPECT_EQ(info.size, lib.size) TH_LOG("region %u", i);
		EXPECT_EQ(info.flags, lib.flags) TH_LOG("region %u", i);
		ASSERT_OK(mdgpu_region_pos(fd, i, 8, &pos));
		EXPECT_EQ(info.offset + 8, (uint64_t)pos) TH_LOG("region %u", i);
	}
	EXPECT_ERR(EINVAL, mdgpu_region_info(fd, n, &lib));

	ASSERT_OK(mdgpu_region_info(fd, VFIO_PCI_BAR2_REGION_INDEX, &lib));
	ASSERT_OK(mdgpu_reg_read32(fd, MDGPU_REG_ID, &via_lib));
	ASSERT_EQ(4, pread(fd, &raw, 4, lib.offset + MDGPU_REG_ID));
	EXPECT_EQ(MDGPU_ID_MAGIC, via_lib);
	EXPECT_EQ(raw, via_lib);

	ASSERT_OK(mdgpu_region_info(fd, VFIO_PCI_BAR0_REGION_INDEX, &lib));
	byte = 0x6b;
	ASSERT_EQ(1, mdgpu_region_write(fd, VFIO_PCI_BAR0_REGION_INDEX, 4097,
					&byte, 1));
	byte = 0;
	ASSERT_EQ(1, pread(fd, &byte, 1, lib.offset + 4097));
	EXPECT_EQ(0x6b, byte);
}

static ssize_t spec_rw(int fd, bool write, unsigned int index, uint64_t off,
		       void *buf, size_t len)
{
	off_t pos = SPEC_REGION_OFFSET(index) + off;
	ssize_t n = write ? pwrite(fd, buf, len, pos) : pread(fd, buf, len, pos);

	return n < 0 ? -errno : n;
}

static void expect_rw_result(struct __test_metadata *_metadata, int fd,
			     unsigned int index, uint64_t off, size_t len,
			     ssize_t want)
{
	uint8_t buf[64];

	ASSERT_LE(len, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(want, spec_rw(fd, false, index, off, buf, len))
		TH_LOG("read region %u at 0x%llx, %zu bytes", index,
		       (unsigned long long)off, len);
	EXPECT_EQ(want, spec_rw(fd, true, index, off, buf, len))
		TH_LOG("write region %u at 0x%llx, %zu bytes", index,
		       (unsigned long long)off, len);
}

TEST_F(dev, region_access_bounds)
{
	const unsigned int regions[] = { VFIO_PCI_CONFIG_REGION_INDEX,
					 VFIO_PCI_BAR0_REGION_INDEX,
					 VFIO_PCI_BAR2_REGION_INDEX };
	const uint64_t last_off = (1ULL << SPEC_REGION_SHIFT) - 1;
	int fd = VFIO_DEV(self);
	const uint32_t n = num_regions(fd);
	const unsigned int empty[] = { 1, 3, 4, 5, 6, 8, n, n + 1, 0x7fffff };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(regions); i++) {
		unsigned int r = regions[i];
		uint64_t size = region_size(self, r);

		expect_rw_result(_metadata, fd, r, 0, 1, 1);
		expect_rw_result(_metadata, fd, r, size - 1, 1, 1);
		expect_rw_result(_metadata, fd, r, size - 4, 4, 4);
		expect_rw_result(_metadata, fd, r, 0, 0, 0);
		expect_rw_result(_metadata, fd, r, size - 1, 0, 0);
		/* Beyond the end, or partly beyond: refused as a whole. */
		expect_rw_result(_metadata, fd, r, size, 1, -EINVAL);
		expect_rw_result(_metadata, fd, r, size, 4, -EINVAL);
		expect_rw_result(_metadata, fd, r, size - 1, 2, -EINVAL);
		expect_rw_result(_metadata, fd, r, size - 4, 8, -EINVAL);
		expect_rw_result(_metadata, fd, r, size - 2, 64, -EINVAL);
		expect_rw_result(_metadata, fd, r, size + 4096, 4, -EINVAL);
		expect_rw_result(_metadata, fd, r, last_off, 1, -EINVAL);
		expect_rw_result(_metadata, fd, r, last_off - 3, 4, -EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(empty); i++) {
		expect_rw_result(_metadata, fd, empty[i], 0, 1, -EINVAL);
		expect_rw_result(_metadata, fd, empty[i], 0, 4, -EINVAL);
		expect_rw_result(_metadata, fd, empty[i], 4096, 8, -EINVAL);
	}
}

/* A write that does not fit changes nothing, not even its in-range part. */
TEST_F(dev, refused_write_changes_nothing)
{
	uint64_t end = VRAM_SIZE(self);
	uint32_t old = 0x11223344, val;
	uint8_t ones[16];
	int fd = VFIO_DEV(self);

	memset(ones, 0xff, sizeof(ones));
	ASSERT_EQ(4, mdgpu_region_write(fd, VFIO_PCI_BAR0_REGION_INDEX,
					end - 4, &old, 4));
	EXPECT_EQ(-EINVAL, mdgpu_region_write(fd, VFIO_PCI_BAR0_REGION_INDEX,
					      end - 4, ones, 8));
	EXPECT_EQ(-EINVAL, mdgpu_region_write(fd, VFIO_PCI_BAR0_REGION_INDEX,
					      end - 2, ones, 16));
	ASSERT_EQ(4, mdgpu_region_read(fd, VFIO_PCI_BAR0_REGION_INDEX,
				       end - 4, &val, 4));
	EXPECT_EQ(old, val);

	/* Config space: the last dword holds nothing writable, use BAR2. */
	ASSERT_OK(mdgpu_reg_write(fd, MDGPU_REG_SCRATCH, old));
	EXPECT_EQ(-EINVAL, mdgpu_region_write(fd, VFIO_PCI_BAR2_REGION_INDEX,
					      MDGPU_REGS_SIZE - 4, ones, 8));
	EXPECT_EQ(old, mdgpu_reg_read(fd, MDGPU_REG_SCRATCH));
}

TEST_F(dev, bar2_registers)
{
	int fd = VFIO_DEV(self);
	uint64_t size64 = 0, resets;

	EXPECT_EQ(MDGPU_ID_MAGIC, mdgpu_reg_read(fd, MDGPU_REG_ID));
	EXPECT_EQ(MDGPU_DEVICE_VERSION, mdgpu_reg_read(fd, MDGPU_REG_VERSION));
	EXPECT_EQ((uint32_t)VRAM_SIZE(self),
		  mdgpu_reg_read(fd, MDGPU_REG_VRAM_SIZE_LO));
	EXPECT_EQ((uint32_t)(VRAM_SIZE(self) >> 32),
		  mdgpu_reg_read(fd, MDGPU_REG_VRAM_SIZE_HI));
	/* A 64-bit access is two 32-bit ones: LO then HI. */
	ASSERT_EQ(8, mdgpu_region_read(fd, VFIO_PCI_BAR2_REGION_INDEX,
				       MDGPU_REG_VRAM_SIZE_LO, &size64, 8));
	EXPECT_EQ(VRAM_SIZE(self), size64);
	EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_SCRATCH));
	ASSERT_OK(mdgpu_instance_u64(self->in.uuid, "reset_count", &resets));
	EXPECT_EQ(resets, mdgpu_reg_read(fd, MDGPU_REG_RESET_COUNT));

	ASSERT_OK(mdgpu_reg_write(fd, MDGPU_REG_SCRATCH, 0x12345678));
	EXPECT_EQ(0x12345678, mdgpu_reg_read(fd, MDGPU_REG_SCRATCH));
	ASSERT_OK(mdgpu_reg_write(fd, MDGPU_REG_SCRATCH, 0xffffffff));
	EXPECT_EQ(0xffffffff, mdgpu_reg_read(fd, MDGPU_REG_SCRATCH));
}

TEST_F(dev, bar2_readonly_registers)
{
	const uint32_t ro[] = { MDGPU_REG_ID, MDGPU_REG_VERSION,
				MDGPU_REG_VRAM_SIZE_LO, MDGPU_REG_VRAM_SIZE_HI,
				MDGPU_REG_RESET_COUNT };
	const uint32_t vals[] = { 0, 0xffffffff, 0x5a5a5a5a };
	int fd = VFIO_DEV(self);
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		uint32_t before = mdgpu_reg_read(fd, ro[i]);

		for (j = 0; j < ARRAY_SIZE(vals); j++) {
			ASSERT_OK(mdgpu_reg_write(fd, ro[i], vals[j]));
			EXPECT_EQ(before, mdgpu_reg_read(fd, ro[i]))
				TH_LOG("register 0x%x after writing 0x%x",
				       ro[i], vals[j]);
		}
	}
}

/* Only whole, aligned 32-bit accesses reach a register. */
TEST_F(dev, bar2_partial_accesses_miss)
{
	const uint32_t regs[] = { MDGPU_REG_ID, MDGPU_REG_VERSION,
				  MDGPU_REG_VRAM_SIZE_LO, MDGPU_REG_SCRATCH,
				  MDGPU_REG_RESET_COUNT };
	const uint32_t scratch = 0x89abcdef;
	uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };
	int fd = VFIO_DEV(self);
	size_t i;
	uint32_t b;

	ASSERT_OK(mdgpu_reg_write(fd, MDGPU_REG_SCRATCH, scratch));
	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		uint32_t r = regs[i], val;

		for (b = 0; b < 4; b++) {
			val = 0xdeadbeef;
			ASSERT_EQ(1, mdgpu_region_read(fd, 2, r + b, &val, 1));
			EXPECT_EQ(0xdeadbe00, val) TH_LOG("byte at 0x%x", r + b);
		}
		for (b = 0; b < 4; b += 2) {
			val = 0xdeadbeef;
			ASSERT_EQ(2, mdgpu_region_read(fd, 2, r + b, &val, 2));
			EXPECT_EQ(0xdead0000, val) TH_LOG("word at 0x%x", r + b);
		}
		for (b = 1; b < 4; b++) {
			val = 0xdeadbeef;
			ASSERT_EQ(4, mdgpu_region_read(fd, 2, r + b, &val, 4));
			EXPECT_EQ(0, val) TH_LOG("dword at 0x%x", r + b);
		}
	}
	/* Partial writes to SCRATCH are dropped. */
	for (b = 0; b < 4; b++)
		ASSERT_EQ(1, mdgpu_region_write(fd, 2, MDGPU_REG_SCRATCH + b,
						ones, 1));
	ASSERT_EQ(2, mdgpu_region_write(fd, 2, MDGPU_REG_SCRATCH, ones, 2));
	ASSERT_EQ(2, mdgpu_region_write(fd, 2, MDGPU_REG_SCRATCH + 2, ones, 2));
	ASSERT_EQ(4, mdgpu_region_write(fd, 2, MDGPU_REG_SCRATCH + 1, ones, 4));
	EXPECT_EQ(scratch, mdgpu_reg_read(fd, MDGPU_REG_SCRATCH));
}

/*
 * The holes of the BAR2 map (see uapi/mdgpu.h) read zero and drop writes,
 * with accesses of every size.
 */
TEST_F(dev, bar2_unknown_offsets)
{
	static const struct {
		uint32_t start;
		uint32_t end;
	} holes[] = {
		{ MDGPU_BAR2_VGA + 0x20, MDGPU_BAR2_DISPI },
		{ MDGPU_BAR2_DISPI + 0x18, MDGPU_BAR2_QEXT },
		{ MDGPU_BAR2_QEXT + 0x8, MDGPU_BAR2_MDGPU },
	};
	static const size_t sizes[] = { 1, 2, 4, 8 };
	uint8_t ones[8], back[8], zero[8] = { 0 };
	int fd = VFIO_DEV(self);
	size_t h, s;
	uint32_t off;
	bool bad = false;

	memset(ones, 0xff, sizeof(ones));
	for (h = 0; h < ARRAY_SIZE(holes) && !bad; h++) {
		for (off = holes[h].start; off < holes[h].end && !bad; off += 8) {
			for (s = 0; s < ARRAY_SIZE(sizes); s++) {
				ASSERT_EQ((ssize_t)sizes[s],
					  mdgpu_region_write(fd, 2, off, ones,
							     sizes[s]));
				memset(back, 0xee, sizeof(back));
				ASSERT_EQ((ssize_t)sizes[s],
					  mdgpu_region_read(fd, 2, off, back,
							    sizes[s]));
				bad |= memcmp(zero, back, sizes[s]) != 0;
				EXPECT_EQ(0, memcmp(zero, back, sizes[s]))
					TH_LOG("BAR2 0x%x, %zu bytes", off,
					       sizes[s]);
			}
		}
	}
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = seed >> 16;
	}
}

static void expect_vram(struct __test_metadata *_metadata, int fd,
			uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *want = malloc(len), *got = malloc(len);

	ASSERT_TRUE(want && got);
	if (seed)
		fill_pattern(want, len, seed);
	else
		memset(want, 0, len);
	memset(got, 0xee, len);
	EXPECT_EQ((ssize_t)len, mdgpu_region_read(fd, 0, off, got, len));
	EXPECT_EQ(0, memcmp(want, got, len))
		TH_LOG("VRAM at 0x%llx, %zu bytes, %s", (unsigned long long)off,
		       len, seed ? "pattern" : "zeroes");
	free(want);
	free(got);
}

static void write_vram(struct __test_metadata *_metadata, int fd,
		       uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	fill_pattern(buf, len, seed);
	EXPECT_EQ((ssize_t)len, mdgpu_region_write(fd, 0, off, buf, len));
	free(buf);
}

/* Spots of VRAM the framebuffer tests write: edges, odd sizes, big spans. */
struct vram_spot {
	uint64_t off;
	size_t len;
};

static void vram_spots(uint64_t size, struct vram_spot spots[5])
{
	spots[0] = (struct vram_spot){ 0, 4 };
	spots[1] = (struct vram_spot){ size - 4, 4 };
	spots[2] = (struct vram_spot){ size / 2 + 1, 3 };
	/* Crosses pages and the driver's bounce buffer, unaligned. */
	spots[3] = (struct vram_spot){ 4095, (1 << 20) + 3 };
	spots[4] = (struct vram_spot){ size - 8192 - 7, 8192 };
}

TEST_F(dev, bar0_read_write)
{
	struct vram_spot spots[5];
	int fd = VFIO_DEV(self);
	size_t i;

	vram_spots(VRAM_SIZE(self), spots);
	/* A new instance's framebuffer is blank. */
	for (i = 0; i < ARRAY_SIZE(spots); i++)
		expect_vram(_metadata, fd, spots[i].off, spots[i].len, 0);
	for (i = 0; i < ARRAY_SIZE(spots); i++)
		write_vram(_metadata, fd, spots[i].off, spots[i].len, i + 1);
	for (i = 0; i < ARRAY_SIZE(spots); i++)
		expect_vram(_metadata, fd, spots[i].off, spots[i].len, i + 1);
	/* Untouched VRAM between the spots stays blank. */
	expect_vram(_metadata, fd, VRAM_SIZE(self) / 4, 65536, 0);
}

TEST_F(dev, bar0_instances_isolated)
{
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio other = MDGPU_VFIO_INIT;
	struct vram_spot spots[5];
	uint64_t off_a, off_b;
	int fd = VFIO_DEV(self);
	size_t i;

	if (mdgpu_type_available(self->in.parent,
				 mdgpu_types[self->in.type].name) < 1)
		SKIP(return, "no room for a second instance");
	mdgpu_inst_another(_metadata, &self->in, self->in.type, uuid, &other);
	ASSERT_OK(mdgpu_instance_u64(self->in.uuid, "vram_offset", &off_a));
	ASSERT_OK(mdgpu_instance_u64(uuid, "vram_offset", &off_b));
	EXPECT_NE(off_a, off_b);

	vram_spots(VRAM_SIZE(self), spots);
	for (i = 0; i < ARRAY_SIZE(spots); i++) {
		write_vram(_metadata, fd, spots[i].off, spots[i].len, 100 + i);
		/* The other instance does not see it... */
		expect_vram(_metadata, other.device, spots[i].off,
			    spots[i].len, 0);
		write_vram(_metadata, other.device, spots[i].off, spots[i].len,
			   200 + i);
	}
	/* ...and its own writes did not land in ours. */
	for (i = 0; i < ARRAY_SIZE(spots); i++) {
		expect_vram(_metadata, fd, spots[i].off, spots[i].len, 100 + i);
		expect_vram(_metadata, other.device, spots[i].off,
			    spots[i].len, 200 + i);
	}
	mdgpu_vfio_close(&other);
}

/*
 * Remove an instance that wrote its framebuffer, with the parent otherwise
 * full: the next instance of the type must get the same VRAM range, and it
 * must read blank.
 */
TEST_F(dev, bar0_zeroed_for_next_owner)
{
	const char *type = mdgpu_types[self->in.type].name;
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio next = MDGPU_VFIO_INIT;
	struct vram_spot spots[5];
	uint64_t off_old, off_new;
	long avail, i;

	vram_spots(VRAM_SIZE(self), spots);
	for (i = 0; i < (long)ARRAY_SIZE(spots); i++)
		write_vram(_metadata, VFIO_DEV(self), spots[i].off,
			   spots[i].len, 300 + i);
	ASSERT_OK(mdgpu_instance_u64(self->in.uuid, "vram_offset", &off_old));

	avail = mdgpu_type_available(self->in.parent, type);
	for (i = 0; i < avail; i++)
		ASSERT_OK(mdgpu_create_tracked(&self->in.created,
					       self->in.parent, type, uuid));
	ASSERT_EQ(0, mdgpu_type_available(self->in.parent, type));

	mdgpu_vfio_close(&self->in.v);
	ASSERT_OK(mdgpu_remove_tracked(&self->in.created, self->in.uuid));
	mdgpu_inst_another(_metadata, &self->in, self->in.type, uuid, &next);
	ASSERT_OK(mdgpu_instance_u64(uuid, "vram_offset", &off_new));
	ASSERT_EQ(off_old, off_new);
	for (i = 0; i < (long)ARRAY_SIZE(spots); i++)
		expect_vram(_metadata, next.device, spots[i].off, spots[i].len,
			    0);
	mdgpu_vfio_close(&next);
}

TEST_F(dev, reset)
{
	uint8_t power_on[MDGPU_CFG_SIZE], now[MDGPU_CFG_SIZE];
	const uint32_t bar0 = 0xc000000c, bar2 = 0xfebf0000;
	int fd = VFIO_DEV(self);
	uint64_t resets, after;
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, msi;
	int i;

	ASSERT_OK(mdgpu_cfg_read(fd, 0, power_on, sizeof(power_on)));
	ASSERT_OK(mdgpu_instance_u64(self->in.uuid, "reset_count", &resets));

	/* Change everything a user can change. */
	ASSERT_OK(mdgpu_cfg_write(fd, PCI_COMMAND, &cmd, 2));
	ASSERT_OK(mdgpu_cfg_write(fd, PCI_BASE_ADDRESS_0, &bar0, 4));
	ASSERT_OK(mdgpu_cfg_write(fd, PCI_BASE_ADDRESS_2, &bar2, 4));
	ASSERT_OK(mdgpu_cfg_read(fd, MDGPU_CFG_MSI_CAP + PCI_MSI_FLAGS, &msi, 2));
	msi |= PCI_MSI_FLAGS_ENABLE;
	ASSERT_OK(mdgpu_cfg_write(fd, MDGPU_CFG_MSI_CAP + PCI_MSI_FLAGS, &msi, 2));
	ASSERT_OK(mdgpu_cfg_read(fd, 0, now, sizeof(now)));
	ASSERT_NE(0, memcmp(power_on, now, sizeof(now)));
	ASSERT_OK(mdgpu_reg_write(fd, MDGPU_REG_SCRATCH, 0xcafef00d));
	write_vram(_metadata, fd, 0, 4096, 7);
	write_vram(_metadata, fd, VRAM_SIZE(self) - 4096, 4096, 8);

	for (i = 1; i <= 2; i++) {
		ASSERT_OK(ioctl(fd, VFIO_DEVICE_RESET));
		ASSERT_OK(mdgpu_cfg_read(fd, 0, now, sizeof(now)));
		EXPECT_EQ(0, memcmp(power_on, now, sizeof(now)))
			TH_LOG("config space differs from power-on after reset");
		EXPECT_EQ(0, mdgpu_cfg_read32(fd, PCI_COMMAND) & 0xffff);
		EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_SCRATCH));
		expect_vram(_metadata, fd, 0, 4096, 0);
		expect_vram(_metadata, fd, VRAM_SIZE(self) - 4096, 4096, 0);
		ASSERT_OK(mdgpu_instance_u64(self->in.uuid, "reset_count",
					     &after));
		EXPECT_EQ(resets + i, after);
		EXPECT_EQ(resets + i, mdgpu_reg_read(fd, MDGPU_REG_RESET_COUNT));
	}
	/* The device works after a reset. */
	ASSERT_OK(mdgpu_reg_write(fd, MDGPU_REG_SCRATCH, 1));
	EXPECT_EQ(1, mdgpu_reg_read(fd, MDGPU_REG_SCRATCH));
	write_vram(_metadata, fd, 0, 64, 9);
	expect_vram(_metadata, fd, 0, 64, 9);
}

static bool bar0_mmap_offered(int fd)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};

	return !ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &info) &&
	       (info.flags & VFIO_REGION_INFO_FLAG_MMAP);
}

/* Map BAR0 (where the region says it can be mapped), or SKIP. */
static uint8_t *map_bar0(struct __test_metadata *_metadata,
			 FIXTURE_DATA(dev) *self, uint64_t off, size_t len)
{
	void *p;

	if (!bar0_mmap_offered(VFIO_DEV(self)))
		SKIP(return NULL, "BAR0 does not offer mmap");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, VFIO_DEV(self),
		 SPEC_REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX) + off);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap BAR0 at 0x%llx: %s",
					(unsigned long long)off,
					strerror(errno));
	return p;
}

/* A mapping and pread/pwrite see the same VRAM. */
TEST_F(dev, bar0_mmap_coherent)
{
	uint64_t size = VRAM_SIZE(self);
	uint8_t *map = map_bar0(_metadata, self, 0, size);
	uint8_t buf[64], want[16];
	int fd = VFIO_DEV(self);

	if (!map)
		return;
	/* Blank, then written through the mapping, read with pread... */
	EXPECT_EQ(0, map[0]);
	EXPECT_EQ(0, map[size - 1]);
	memset(map + 4096 - 8, 0x5a, 16);
	memset(map + size - 16, 0xa5, 16);
	memset(want, 0x5a, 16);
	ASSERT_EQ(16, mdgpu_region_read(fd, 0, 4096 - 8, buf, 16));
	EXPECT_EQ(0, memcmp(want, buf, 16));
	memset(want, 0xa5, 16);
	ASSERT_EQ(16, mdgpu_region_read(fd, 0, size - 16, buf, 16));
	EXPECT_EQ(0, memcmp(want, buf, 16));
	/* ...and written with pwrite, seen through the mapping. */
	memset(buf, 0x3c, sizeof(buf));
	ASSERT_EQ(64, mdgpu_region_write(fd, 0, size / 2 - 32, buf, 64));
	EXPECT_EQ(0x3c, map[size / 2 - 32]);
	EXPECT_EQ(0x3c, map[size / 2 + 31]);
	EXPECT_EQ(0, map[size / 2 + 32]);
	munmap(map, size);
}

/* Mappings that are not entirely inside BAR0, or not shared, are refused. */
TEST_F(dev, bar0_mmap_refused)
{
	const uint64_t size = VRAM_SIZE(self), page = 4096;
	const struct {
		unsigned int index;
		uint64_t off;
		uint64_t len;
		int flags;
		const char *what;
	} bad[] = {
		{ 0, 0, size + page, MAP_SHARED, "longer than BAR0" },
		{ 0, size, page, MAP_SHARED, "at the end of BAR0" },
		{ 0, size - page, 2 * page, MAP_SHARED, "across the end" },
		{ 0, 1ULL << 39, page, MAP_SHARED, "far beyond BAR0" },
		{ 0, 0, page, MAP_PRIVATE, "private" },
		{ VFIO_PCI_BAR2_REGION_INDEX, 0, page, MAP_SHARED, "BAR2" },
		{ VFIO_PCI_CONFIG_REGION_INDEX, 0, page, MAP_SHARED, "config" },
		{ VFIO_PCI_ROM_REGION_INDEX, 0, page, MAP_SHARED, "ROM" },
		{ 20, 0, page, MAP_SHARED, "no such region" },
	};
	size_t i;
	void *p;

	if (!bar0_mmap_offered(VFIO_DEV(self)))
		SKIP(return, "BAR0 does not offer mmap");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = mmap(NULL, bad[i].len, PROT_READ | PROT_WRITE, bad[i].flags,
			 VFIO_DEV(self),
			 SPEC_REGION_OFFSET(bad[i].index) + bad[i].off);
		EXPECT_EQ(MAP_FAILED, p) TH_LOG("%s", bad[i].what);
		if (p != MAP_FAILED) {
			munmap(p, bad[i].len);
		} else {
			EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i].what);
		}
	}
}

/* BAR0 can be mapped again, and several times at once (QEMU remaps BARs). */
TEST_F(dev, bar0_mmap_again)
{
	const size_t len = 16 * 4096;
	uint8_t *a, *b, *c;

	a = map_bar0(_metadata, self, 0, len);
	if (!a)
		return;
	a[0] = 1;
	munmap(a, len);
	b = map_bar0(_metadata, self, 0, len);
	EXPECT_EQ(1, b[0]);
	c = map_bar0(_metadata, self, len, len);
	c[0] = 2;
	a = map_bar0(_metadata, self, 0, 2 * len);
	EXPECT_EQ(1, a[0]);
	EXPECT_EQ(2, a[len]);
	munmap(a, 2 * len);
	munmap(b, len);
	munmap(c, len);
}

/* A reset blanks VRAM for mappings too; they keep working afterwards. */
TEST_F(dev, bar0_mmap_reset)
{
	const size_t len = 1 << 20;
	uint8_t *map = map_bar0(_metadata, self, 0, len);
	uint8_t b;

	if (!map)
		return;
	memset(map, 0x77, len);
	ASSERT_OK(ioctl(VFIO_DEV(self), VFIO_DEVICE_RESET));
	EXPECT_EQ(0, map[0]);
	EXPECT_EQ(0, map[len - 1]);
	expect_vram(_metadata, VFIO_DEV(self), 0, 4096, 0);
	map[4096] = 0x11;
	ASSERT_EQ(1, mdgpu_region_read(VFIO_DEV(self), 0, 4096, &b, 1));
	EXPECT_EQ(0x11, b);
	munmap(map, len);
}

/*
 * A mapping outlives the device fd: it keeps working after close, and the
 * instance is only removed once it is gone too.
 */
/*
 * A persistent instance handed to the next VFIO user: close and open again
 * without a reset. Nothing the first user wrote may be readable, through
 * pread or a mapping.
 */
TEST_F(dev, bar0_zeroed_on_reopen)
{
	struct vram_spot spots[5];
	uint8_t *map;
	size_t i;

	vram_spots(VRAM_SIZE(self), spots);
	for (i = 0; i < ARRAY_SIZE(spots); i++)
		write_vram(_metadata, VFIO_DEV(self), spots[i].off,
			   spots[i].len, 400 + i);
	map = map_bar0(_metadata, self, 0, 4096);
	if (!map)
		return;
	map[4095] = 0x5a;
	munmap(map, 4096);
	mdgpu_vfio_close(&self->in.v);

	ASSERT_TRUE(mdgpu_open(_metadata, self->in.uuid, self->in.cdev,
			       &self->in.v));
	for (i = 0; i < ARRAY_SIZE(spots); i++)
		expect_vram(_metadata, VFIO_DEV(self), spots[i].off,
			    spots[i].len, 0);
	map = map_bar0(_metadata, self, 0, 4096);
	if (!map)
		return;
	EXPECT_EQ(0, map[4095]) TH_LOG("the last user's mapping writes survived");
	munmap(map, 4096);
}

TEST_F(dev, bar0_mmap_outlives_fd)
{
	const size_t len = 64 * 4096;
	uint8_t *map = map_bar0(_metadata, self, 0, len);
	size_t i;

	if (!map)
		return;
	for (i = 0; i < len; i += 4096)
		map[i] = i / 4096 + 1;
	mdgpu_vfio_close(&self->in.v);
	for (i = 0; i < len; i += 4096)
		EXPECT_EQ((uint8_t)(i / 4096 + 1), map[i]);
	map[len - 1] = 0xee;
	EXPECT_EQ(0xee, map[len - 1]);
	munmap(map, len);
	/* Now nothing holds the device: removal does not wait. */
	ASSERT_OK(mdgpu_remove_tracked(&self->in.created, self->in.uuid));
}

TEST_F(dev, unknown_ioctl)
{
	EXPECT_EQ(-1, ioctl(VFIO_DEV(self), _IO(VFIO_TYPE, VFIO_BASE + 60)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
