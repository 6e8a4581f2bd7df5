// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of libmdgpu's region handling (tools/lib/mdgpu_vfio.c):
 * no kernel module, no VM. The "device" is a memfd whose regions sit where
 * a fake VFIO_DEVICE_GET_REGION_INFO says (the test links with
 * -Wl,--wrap=ioctl), at offsets that are not the "index << 40" layout
 * mdgpu.ko happens to use, in an order that is not the index order. Every
 * accessor must land where the report says: a hard-coded shift, a cached
 * table that outlives its fd, or an unreported index answered with a guess
 * fails here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../mdgpu_vfio.h"
#include "../../mdgpuctl/tests/tap.h"
#include "uapi/mdgpu.h"

#define PAGE		4096u
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define EDID_INDEX	VFIO_PCI_NUM_REGIONS

/**
 * struct fake_layout - what the fake device reports
 * @num: num_regions
 * @offset: each region's start in the memfd (0: GET_REGION_INFO fails)
 * @size: each region's size
 * @file_size: the memfd's size
 */
struct fake_layout {
	unsigned int num;
	uint64_t offset[MDGPU_MAX_REGIONS];
	uint64_t size[MDGPU_MAX_REGIONS];
	size_t file_size;
};

/* Layout A: config, BAR0, BAR2 and the EDID region, shuffled. */
static const struct fake_layout layout_a = {
	.num = VFIO_PCI_NUM_REGIONS + 1,
	.offset = {
		[VFIO_PCI_BAR0_REGION_INDEX] = 0x40000,
		[VFIO_PCI_BAR2_REGION_INDEX] = 0x13000,
		[VFIO_PCI_CONFIG_REGION_INDEX] = 0x3000,
		[EDID_INDEX] = 0x9000,
	},
	.size = {
		[VFIO_PCI_BAR0_REGION_INDEX] = 0x20000,
		[VFIO_PCI_BAR2_REGION_INDEX] = MDGPU_REGS_SIZE,
		[VFIO_PCI_CONFIG_REGION_INDEX] = MDGPU_CFG_SIZE,
		[EDID_INDEX] = 0x500,
	},
	.file_size = 0x60000,
};

/* Layout B: the same regions elsewhere, no EDID region. */
static const struct fake_layout layout_b = {
	.num = VFIO_PCI_NUM_REGIONS,
	.offset = {
		[VFIO_PCI_BAR0_REGION_INDEX] = 0x10000,
		[VFIO_PCI_BAR2_REGION_INDEX] = 0x5000,
		[VFIO_PCI_CONFIG_REGION_INDEX] = 0x1000,
	},
	.size = {
		[VFIO_PCI_BAR0_REGION_INDEX] = 0x20000,
		[VFIO_PCI_BAR2_REGION_INDEX] = MDGPU_REGS_SIZE,
		[VFIO_PCI_CONFIG_REGION_INDEX] = MDGPU_CFG_SIZE,
	},
	.file_size = 0x30000,
};

/* The fake devices: fd -> layout. */
static struct {
	int fd;
	const struct fake_layout *l;
} fakes[4];
static unsigned int info_calls;

/* glibc's ioctl(), which --wrap=ioctl renames for the fake to call. */
int __real_ioctl(int fd, unsigned long req, ...);

static const struct fake_layout *fake_of(int fd)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fakes); i++)
		if (fakes[i].l && fakes[i].fd == fd)
			return fakes[i].l;
	return NULL;
}

/* The region info the fake reports, with a type capability for EDID. */
static int fake_region_info(const struct fake_layout *l,
			    struct vfio_region_info *ri)
{
	struct vfio_region_info_cap_type *cap;
	uint32_t i = ri->index;

	if (i >= l->num || !l->offset[i])
		return -1;
	ri->offset = l->offset[i];
	ri->size = l->size[i];
	ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		    (i == VFIO_PCI_BAR0_REGION_INDEX ?
		     VFIO_REGION_INFO_FLAG_MMAP : 0);
	ri->cap_offset = 0;
	if (i == EDID_INDEX && ri->argsz >= sizeof(*ri) + sizeof(*cap)) {
		cap = (void *)((uint8_t *)ri + sizeof(*ri));
		memset(cap, 0, sizeof(*cap));
		cap->header.id = VFIO_REGION_INFO_CAP_TYPE;
		cap->header.version = 1;
		cap->type = VFIO_REGION_TYPE_GFX;
		cap->subtype = VFIO_REGION_SUBTYPE_GFX_EDID;
		ri->flags |= VFIO_REGION_INFO_FLAG_CAPS;
		ri->cap_offset = sizeof(*ri);
	}
	return 0;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	const struct fake_layout *l = fake_of(fd);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!l)
		return __real_ioctl(fd, req, arg);
	if (req == VFIO_DEVICE_GET_INFO) {
		struct vfio_device_info *di = arg;

		info_calls++;
		di->flags = VFIO_DEVICE_FLAGS_PCI;
		di->num_regions = l->num;
		di->num_irqs = VFIO_PCI_NUM_IRQS;
		return 0;
	}
	if (req == VFIO_DEVICE_GET_REGION_INFO && !fake_region_info(l, arg))
		return 0;
	errno = EINVAL;
	return -1;
}

/* A memfd laid out as @l, every byte a function of its file position. */
static int fake_open(const struct fake_layout *l, int at)
{
	uint8_t *buf;
	size_t i;
	int fd;

	fd = memfd_create("fake-vfio", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	buf = malloc(l->file_size);
	for (i = 0; buf && i < l->file_size; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 12));
	if (!buf || pwrite(fd, buf, l->file_size, 0) != (ssize_t)l->file_size) {
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	if (at >= 0 && fd != at) {
		if (dup2(fd, at) < 0)
			return -1;
		close(fd);
		fd = at;
	}
	for (i = 0; i < ARRAY_LEN(fakes); i++) {
		if (!fakes[i].l || fakes[i].fd == fd) {
			fakes[i].fd = fd;
			fakes[i].l = l;
			break;
		}
	}
	return fd;
}

static void fake_close(int fd)
{
	struct mdgpu_vfio v = MDGPU_VFIO_INIT;
	size_t i;

	for (i = 0; i < ARRAY_LEN(fakes); i++)
		if (fakes[i].fd == fd)
			fakes[i].l = NULL;
	v.device = fd;
	mdgpu_vfio_close(&v);
}

/* The byte fake_open() put at file position @pos. */
static uint8_t at(uint64_t pos)
{
	return (uint8_t)(pos * 7 + (pos >> 12));
}

static uint32_t at32(uint64_t pos)
{
	return at(pos) | at(pos + 1) << 8 | at(pos + 2) << 16 |
	       (uint32_t)at(pos + 3) << 24;
}

/* The pure part: positions from a table, and what it refuses. */
static int test_table_pos(void)
{
	struct mdgpu_region_table t = { .num = 3 };
	off_t pos = -1;

	t.region[0] = (struct mdgpu_region){ true, 0, 0x1000, 0x7000 };
	t.region[2] = (struct mdgpu_region){ true, 0, 0x100, 0x2000 };
	CHECK_INT(mdgpu_region_table_pos(&t, 0, 0x10, &pos), 0);
	CHECK_INT(pos, 0x7010);
	CHECK_INT(mdgpu_region_table_pos(&t, 2, 0, &pos), 0);
	CHECK_INT(pos, 0x2000);
	/* Past the size is the kernel's to refuse, not the library's. */
	CHECK_INT(mdgpu_region_table_pos(&t, 2, 0x5000, &pos), 0);
	CHECK_INT(pos, 0x7000);
	/* Unreported indices have no position, not a guessed one. */
	CHECK_INT(mdgpu_region_table_pos(&t, 1, 0, &pos), -EINVAL);
	CHECK_INT(mdgpu_region_table_pos(&t, 3, 0, &pos), -EINVAL);
	CHECK_INT(mdgpu_region_table_pos(&t, MDGPU_MAX_REGIONS + 5, 0, &pos),
		  -EINVAL);
	CHECK_INT(mdgpu_region_table_pos(&t, 0, INT64_MAX, &pos), -EOVERFLOW);
	CHECK_INT(mdgpu_region_table_pos(&t, 0, UINT64_MAX, &pos),
		  -EOVERFLOW);
	CHECK_INT(errno, EOVERFLOW);
	return TAP_PASS;
}

/* The table is what GET_DEVICE_INFO and GET_REGION_INFO said. */
static int test_table_load(void)
{
	struct mdgpu_region_table t;
	struct mdgpu_region r;
	int fd = fake_open(&layout_a, -1);
	unsigned int i;

	CHECK(fd >= 0);
	CHECK_INT(mdgpu_region_table_load(fd, &t), 0);
	CHECK_INT(t.num, layout_a.num);
	for (i = 0; i < t.num; i++) {
		CHECK_INT(t.region[i].valid, !!layout_a.offset[i]);
		if (!layout_a.offset[i])
			continue;
		CHECK_INT(t.region[i].offset, layout_a.offset[i]);
		CHECK_INT(t.region[i].size, layout_a.size[i]);
		CHECK_INT(mdgpu_region_info(fd, i, &r), 0);
		CHECK_INT(r.offset, layout_a.offset[i]);
	}
	CHECK_INT(mdgpu_region_info(fd, VFIO_PCI_ROM_REGION_INDEX, &r),
		  -EINVAL);
	CHECK_INT(mdgpu_region_info(fd, t.num, &r), -EINVAL);
	fake_close(fd);
	return TAP_PASS;
}

/* pread/pwrite, config and register accessors land at reported offsets. */
static int test_access(void)
{
	const uint64_t bar2 = layout_a.offset[VFIO_PCI_BAR2_REGION_INDEX];
	const uint64_t cfg = layout_a.offset[VFIO_PCI_CONFIG_REGION_INDEX];
	const uint64_t bar0 = layout_a.offset[VFIO_PCI_BAR0_REGION_INDEX];
	int fd = fake_open(&layout_a, -1);
	uint8_t buf[8], back[8];
	uint32_t val = 0;
	uint16_t w = 0;

	CHECK(fd >= 0);
	CHECK_INT(mdgpu_reg_read(fd, MDGPU_REG_ID), at32(bar2 + MDGPU_REG_ID));
	CHECK_INT(mdgpu_reg_read32(fd, 0x10, &val), 0);
	CHECK_INT(val, at32(bar2 + 0x10));
	CHECK_INT(mdgpu_cfg_read32(fd, 0), at32(cfg));
	CHECK_INT(mdgpu_cfg_read(fd, 0x34, &w, 2), 0);
	CHECK_INT(w, at(cfg + 0x34) | at(cfg + 0x35) << 8);
	CHECK_INT(mdgpu_region_read(fd, VFIO_PCI_BAR0_REGION_INDEX, 0x1234,
				    buf, 8), 8);
	CHECK_INT(buf[0], at(bar0 + 0x1234));
	CHECK_INT(buf[7], at(bar0 + 0x1234 + 7));

	CHECK_INT(mdgpu_reg_write(fd, MDGPU_REG_SCRATCH, 0xc0ffee42), 0);
	CHECK_INT(pread(fd, &val, 4, bar2 + MDGPU_REG_SCRATCH), 4);
	CHECK_INT(val, 0xc0ffee42);
	CHECK_INT(mdgpu_reg_write16(fd, MDGPU_DISPI_REG(1), 0x280), 0);
	CHECK_INT(pread(fd, &w, 2, bar2 + MDGPU_DISPI_REG(1)), 2);
	CHECK_INT(w, 0x280);
	w = 0x0102;
	CHECK_INT(mdgpu_cfg_write(fd, 4, &w, 2), 0);
	CHECK_INT(pread(fd, &w, 2, cfg + 4), 2);
	CHECK_INT(w, 0x0102);
	memset(buf, 0x5a, sizeof(buf));
	CHECK_INT(mdgpu_region_write(fd, VFIO_PCI_BAR0_REGION_INDEX, 0x2000,
				     buf, 8), 8);
	CHECK_INT(pread(fd, back, 8, bar0 + 0x2000), 8);
	CHECK(!memcmp(buf, back, 8));

	/* An index the device did not report is refused, nothing read. */
	CHECK_INT(mdgpu_region_read(fd, VFIO_PCI_ROM_REGION_INDEX, 0, buf, 1),
		  -EINVAL);
	CHECK_INT(mdgpu_region_write(fd, 12, 0, buf, 1), -EINVAL);
	fake_close(fd);
	return TAP_PASS;
}

/* Mappings start at the reported offset (plus the one asked for). */
static int test_mmap(void)
{
	const uint64_t bar0 = layout_a.offset[VFIO_PCI_BAR0_REGION_INDEX];
	int fd = fake_open(&layout_a, -1);
	uint8_t *p;

	CHECK(fd >= 0);
	p = mdgpu_map_vram(fd, 2 * PAGE);
	CHECK(p);
	CHECK_INT(p[0], at(bar0));
	CHECK_INT(p[PAGE + 3], at(bar0 + PAGE + 3));
	munmap(p, 2 * PAGE);
	p = mdgpu_region_mmap(fd, VFIO_PCI_BAR0_REGION_INDEX, 3 * PAGE, PAGE,
			      PROT_READ);
	CHECK(p != MAP_FAILED);
	CHECK_INT(p[5], at(bar0 + 3 * PAGE + 5));
	munmap(p, PAGE);
	CHECK(mdgpu_region_mmap(fd, 11, 0, PAGE, PROT_READ) == MAP_FAILED);
	fake_close(fd);
	return TAP_PASS;
}

/* The EDID region is found by its type capability, not by its index. */
static int test_find(void)
{
	int fd = fake_open(&layout_a, -1);

	CHECK(fd >= 0);
	CHECK_INT(mdgpu_region_find(fd, VFIO_REGION_TYPE_GFX,
				    VFIO_REGION_SUBTYPE_GFX_EDID), EDID_INDEX);
	CHECK_INT(mdgpu_region_find(fd, VFIO_REGION_TYPE_GFX, 99), -ENOENT);
	fake_close(fd);
	fd = fake_open(&layout_b, -1);
	CHECK(fd >= 0);
	CHECK_INT(mdgpu_region_find(fd, VFIO_REGION_TYPE_GFX,
				    VFIO_REGION_SUBTYPE_GFX_EDID), -ENOENT);
	fake_close(fd);
	return TAP_PASS;
}

/*
 * The table is loaded once per device fd, and a closed fd's table goes
 * with it: the same fd number on another device reads that device's.
 */
static int test_table_follows_fd(void)
{
	const uint64_t bar2_b = layout_b.offset[VFIO_PCI_BAR2_REGION_INDEX];
	int fd = fake_open(&layout_a, -1), again;
	unsigned int calls;

	CHECK(fd >= 0);
	calls = info_calls;
	CHECK_INT(mdgpu_reg_read(fd, MDGPU_REG_ID),
		  at32(layout_a.offset[VFIO_PCI_BAR2_REGION_INDEX] +
		       MDGPU_REG_ID));
	mdgpu_reg_read(fd, MDGPU_REG_ID);
	mdgpu_cfg_read32(fd, 0);
	CHECK_INT(info_calls - calls, 1);
	fake_close(fd);
	again = fake_open(&layout_b, fd);
	CHECK_INT(again, fd);
	CHECK_INT(mdgpu_reg_read(fd, MDGPU_REG_ID),
		  at32(bar2_b + MDGPU_REG_ID));
	fake_close(fd);
	return TAP_PASS;
}

/* A device at a high fd number has its table kept too (loaded once). */
static int test_high_fd(void)
{
	const uint64_t bar2 = layout_b.offset[VFIO_PCI_BAR2_REGION_INDEX];
	struct rlimit rl;
	unsigned int calls;
	int fd;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max < 3000)
		return TAP_SKIP;
	rl.rlim_cur = rl.rlim_max;
	CHECK_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fd = fake_open(&layout_b, 2999);
	CHECK_INT(fd, 2999);
	calls = info_calls;
	CHECK_INT(mdgpu_reg_read(fd, MDGPU_REG_ID), at32(bar2 + MDGPU_REG_ID));
	CHECK_INT(mdgpu_reg_read(fd, 0x10), at32(bar2 + 0x10));
	CHECK_INT(info_calls - calls, 1);
	fake_close(fd);
	return TAP_PASS;
}

/* mdgpu_vfio_open() takes a UUID or a sysfs path and fails cleanly. */
static int test_open_names(void)
{
	const char *gone =
		"/sys/bus/mdev/devices/00000000-0000-0000-0000-00000000dead";
	struct mdgpu_vfio v;

	CHECK(mdgpu_vfio_open("", false, &v) == -EINVAL);
	CHECK_INT(v.device, -1);
	CHECK(mdgpu_vfio_open("/sys/bus/mdev/devices/", false, &v) < 0);
	CHECK_INT(v.container, -1);
	CHECK_INT(mdgpu_vfio_open(gone, false, &v), -ENOENT);
	CHECK_INT(v.group, -1);
	CHECK_INT(v.device, -1);
	return TAP_PASS;
}

int main(void)
{
	static const struct tap_test tests[] = {
		{ "region_table_pos", test_table_pos },
		{ "region_table_load", test_table_load },
		{ "access_at_reported_offsets", test_access },
		{ "mmap_at_reported_offsets", test_mmap },
		{ "region_find_by_type", test_find },
		{ "table_follows_fd", test_table_follows_fd },
		{ "table_for_high_fd", test_high_fd },
		{ "open_names", test_open_names },
	};

	return tap_run(tests, ARRAY_LEN(tests));
}
