// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu PCI configuration space, as a guest (through QEMU) sees it: the
 * identity, accesses of every size at every offset, which bits can be
 * written, BAR sizing, and that read-only fields ignore writes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "mdgpu_harness.h"

FIXTURE(cfg) {
	struct mdgpu_inst in;
};

FIXTURE_VARIANT(cfg) {
	int type;
	bool cdev;
};

FIXTURE_VARIANT_ADD(cfg, group_64M) { .type = 0, .cdev = false };
/* 512M on sim0 (vram_mb=1024), 256M on the test VMs' PCI parent. */
FIXTURE_VARIANT_ADD(cfg, group_largest) {
	.type = MDGPU_TYPE_LARGEST, .cdev = false
};
FIXTURE_VARIANT_ADD(cfg, cdev_64M) { .type = 0, .cdev = true };

FIXTURE_SETUP(cfg)
{
	mdgpu_inst_setup(_metadata, &self->in, variant->type, variant->cdev);
}

FIXTURE_TEARDOWN_PARENT(cfg)
{
	mdgpu_inst_teardown(_metadata, &self->in);
}

#define CFG_FD(self)	((self)->in.v.device)
#define VRAM_SIZE(self)	(mdgpu_types[(self)->in.type].size)

/* Bits of the MSI capability (64-bit, one vector, no masking) at 0x40. */
#define MSI_CAP_LEN	(PCI_MSI_DATA_64 + 2)

static uint32_t rd(int fd, uint32_t off, size_t len)
{
	uint32_t val = 0;

	if (mdgpu_cfg_read(fd, off, &val, len))
		return 0xdeadbeef;
	return val;
}

static int wr(int fd, uint32_t off, uint32_t val, size_t len)
{
	return mdgpu_cfg_write(fd, off, &val, len);
}

TEST_F(cfg, identity)
{
	int fd = CFG_FD(self);
	uint32_t bar;
	uint16_t msi;
	int i;

	EXPECT_EQ(MDGPU_PCI_VENDOR_ID, rd(fd, PCI_VENDOR_ID, 2));
	EXPECT_EQ(0x1234, rd(fd, PCI_VENDOR_ID, 2));
	EXPECT_EQ(MDGPU_PCI_DEVICE_ID, rd(fd, PCI_DEVICE_ID, 2));
	EXPECT_EQ(0x1111, rd(fd, PCI_DEVICE_ID, 2));
	EXPECT_EQ(0x030000, rd(fd, PCI_CLASS_PROG, 4) & 0xffffff);
	EXPECT_EQ(0x0300, rd(fd, PCI_CLASS_DEVICE, 2));
	EXPECT_EQ(MDGPU_PCI_REVISION, rd(fd, PCI_REVISION_ID, 1));
	EXPECT_EQ(PCI_HEADER_TYPE_NORMAL, rd(fd, PCI_HEADER_TYPE, 1));
	EXPECT_EQ(0x1234, rd(fd, PCI_SUBSYSTEM_VENDOR_ID, 2));
	EXPECT_EQ(0x6d67, rd(fd, PCI_SUBSYSTEM_ID, 2));
	EXPECT_EQ(0, rd(fd, PCI_COMMAND, 2));
	EXPECT_EQ(PCI_STATUS_CAP_LIST, rd(fd, PCI_STATUS, 2));
	EXPECT_EQ(1, rd(fd, PCI_INTERRUPT_PIN, 1));

	/* The capability list: MSI, and nothing after it. */
	EXPECT_EQ(0x40, rd(fd, PCI_CAPABILITY_LIST, 1));
	EXPECT_EQ(PCI_CAP_ID_MSI, rd(fd, 0x40 + PCI_CAP_LIST_ID, 1));
	EXPECT_EQ(0, rd(fd, 0x40 + PCI_CAP_LIST_NEXT, 1));
	msi = rd(fd, 0x40 + PCI_MSI_FLAGS, 2);
	EXPECT_TRUE(msi & PCI_MSI_FLAGS_64BIT);
	EXPECT_EQ(0, msi & PCI_MSI_FLAGS_QMASK) TH_LOG("more than one vector");
	EXPECT_EQ(0, msi & PCI_MSI_FLAGS_ENABLE);

	/* BARs at power-on: 64-bit prefetchable VRAM, 32-bit registers. */
	bar = rd(fd, PCI_BASE_ADDRESS_0, 4);
	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
		  PCI_BASE_ADDRESS_MEM_PREFETCH, bar);
	EXPECT_EQ(0xc, bar);
	EXPECT_EQ(0, rd(fd, PCI_BASE_ADDRESS_1, 4));
	EXPECT_EQ(0, rd(fd, PCI_BASE_ADDRESS_2, 4));
	for (i = PCI_BASE_ADDRESS_3; i <= PCI_BASE_ADDRESS_5; i += 4)
		EXPECT_EQ(0, rd(fd, i, 4));
	EXPECT_EQ(0, rd(fd, PCI_ROM_ADDRESS, 4));
}

/*
 * Reads and writes of 1, 2, 4 and 8 bytes at every offset: inside the 256
 * bytes they work and see exactly the bytes of a whole-space read, however
 * misaligned; crossing the end they are refused with EINVAL.
 */
TEST_F(cfg, every_offset_every_size)
{
	static const size_t sizes[] = { 1, 2, 4, 8 };
	uint8_t snap[MDGPU_CFG_SIZE], after[MDGPU_CFG_SIZE], buf[8];
	static const uint32_t beyond[] = { 256, 257, 260, 511, 4096, 0xffffff };
	int fd = CFG_FD(self);
	uint32_t off;
	size_t s, i;
	ssize_t want, got;

	ASSERT_OK(mdgpu_cfg_read(fd, 0, snap, sizeof(snap)));
	for (off = 0; off < MDGPU_CFG_SIZE; off++) {
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			want = off + sizes[s] <= MDGPU_CFG_SIZE ?
			       (ssize_t)sizes[s] : -EINVAL;
			memset(buf, 0xee, sizeof(buf));
			got = mdgpu_region_read(fd, VFIO_PCI_CONFIG_REGION_INDEX,
						off, buf, sizes[s]);
			EXPECT_EQ(want, got)
				TH_LOG("read %zu at 0x%x", sizes[s], off);
			if (got > 0) {
				EXPECT_EQ(0, memcmp(snap + off, buf, got))
					TH_LOG("read %zu at 0x%x", sizes[s], off);
			}

			/* Writing back what is there changes nothing. */
			memcpy(buf, snap + off,
			       want > 0 ? sizes[s] : MDGPU_CFG_SIZE - off);
			got = mdgpu_region_write(fd, VFIO_PCI_CONFIG_REGION_INDEX,
						 off, buf, sizes[s]);
			EXPECT_EQ(want, got)
				TH_LOG("write %zu at 0x%x", sizes[s], off);
		}
	}
	for (i = 0; i < ARRAY_SIZE(beyond); i++) {
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			EXPECT_EQ(-EINVAL,
				  mdgpu_region_read(fd, VFIO_PCI_CONFIG_REGION_INDEX,
						    beyond[i], buf, sizes[s]));
			EXPECT_EQ(-EINVAL,
				  mdgpu_region_write(fd,
						     VFIO_PCI_CONFIG_REGION_INDEX,
						     beyond[i], buf, sizes[s]));
		}
	}
	ASSERT_OK(mdgpu_cfg_read(fd, 0, after, sizeof(after)));
	EXPECT_EQ(0, memcmp(snap, after, sizeof(snap)));
}

/*
 * The guest-writable bits of each byte that the spec pins down; -1 marks
 * bytes whose writability is the device's choice (cache line size, latency
 * timer, interrupt line, the MSI address and data).
 */
static void expected_wmask(int wmask[MDGPU_CFG_SIZE], uint64_t vram_size)
{
	uint64_t bar01 = ~(vram_size - 1) & ~(uint64_t)0xf;
	uint32_t bar2 = ~(uint32_t)(MDGPU_REGS_SIZE - 1);
	int i;

	for (i = 0; i < MDGPU_CFG_SIZE; i++)
		wmask[i] = 0;
	wmask[PCI_COMMAND] = (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			      PCI_COMMAND_PARITY) & 0xff;
	wmask[PCI_COMMAND + 1] = (PCI_COMMAND_SERR |
				  PCI_COMMAND_INTX_DISABLE) >> 8;
	wmask[PCI_CACHE_LINE_SIZE] = -1;
	wmask[PCI_LATENCY_TIMER] = -1;
	for (i = 0; i < 8; i++)
		wmask[PCI_BASE_ADDRESS_0 + i] = (bar01 >> (8 * i)) & 0xff;
	for (i = 0; i < 4; i++)
		wmask[PCI_BASE_ADDRESS_2 + i] = (bar2 >> (8 * i)) & 0xff;
	wmask[PCI_INTERRUPT_LINE] = -1;
	/* MSI: only the enable bit of the control word is pinned down. */
	wmask[0x40 + PCI_MSI_FLAGS] = -2;
	for (i = PCI_MSI_ADDRESS_LO; i < MSI_CAP_LEN; i++)
		wmask[0x40 + i] = -1;
}

/*
 * Probe every byte on its own: write all-ones, then all-zeroes, then the
 * old value back. The bits that followed both writes are the writable ones;
 * all other bits must keep their value.
 */
TEST_F(cfg, writable_bits_of_every_byte)
{
	uint8_t snap[MDGPU_CFG_SIZE], after[MDGPU_CFG_SIZE];
	int wmask[MDGPU_CFG_SIZE];
	int fd = CFG_FD(self);
	uint32_t off;

	expected_wmask(wmask, VRAM_SIZE(self));
	ASSERT_OK(mdgpu_cfg_read(fd, 0, snap, sizeof(snap)));
	for (off = 0; off < MDGPU_CFG_SIZE; off++) {
		uint8_t ones = 0xff, zero = 0, hi = 0, lo = 0, w;

		ASSERT_OK(mdgpu_cfg_write(fd, off, &ones, 1));
		ASSERT_OK(mdgpu_cfg_read(fd, off, &hi, 1));
		ASSERT_OK(mdgpu_cfg_write(fd, off, &zero, 1));
		ASSERT_OK(mdgpu_cfg_read(fd, off, &lo, 1));
		ASSERT_OK(mdgpu_cfg_write(fd, off, &snap[off], 1));
		w = hi & ~lo;

		EXPECT_EQ(snap[off] & ~w, hi & ~w)
			TH_LOG("0x%02x: read-only bits changed by 0xff", off);
		EXPECT_EQ(snap[off] & ~w, lo & ~w)
			TH_LOG("0x%02x: read-only bits changed by 0x00", off);
		if (wmask[off] >= 0) {
			EXPECT_EQ(wmask[off], w)
				TH_LOG("0x%02x: writable bits", off);
		} else if (wmask[off] == -2) {
			EXPECT_TRUE(w & PCI_MSI_FLAGS_ENABLE)
				TH_LOG("MSI enable is not writable");
		}
	}
	ASSERT_OK(mdgpu_cfg_read(fd, 0, after, sizeof(after)));
	EXPECT_EQ(0, memcmp(snap, after, sizeof(snap)));
}

TEST_F(cfg, command_register)
{
	const uint16_t writable = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
				  PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
				  PCI_COMMAND_INTX_DISABLE;
	int fd = CFG_FD(self);

	ASSERT_OK(wr(fd, PCI_COMMAND, 0xffff, 2));
	EXPECT_EQ(writable, rd(fd, PCI_COMMAND, 2));
	EXPECT_EQ(0x0546, rd(fd, PCI_COMMAND, 2));
	/* No I/O BAR, no VGA palette snooping, no special cycles. */
	ASSERT_OK(wr(fd, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_SPECIAL |
		     PCI_COMMAND_VGA_PALETTE, 2));
	EXPECT_EQ(0, rd(fd, PCI_COMMAND, 2));
	ASSERT_OK(wr(fd, PCI_COMMAND, PCI_COMMAND_MEMORY, 2));
	EXPECT_EQ(PCI_COMMAND_MEMORY, rd(fd, PCI_COMMAND, 2));
	/* A dword write hits command and status together. */
	ASSERT_OK(wr(fd, PCI_COMMAND, 0xffff0000 | PCI_COMMAND_MASTER, 4));
	EXPECT_EQ(PCI_COMMAND_MASTER, rd(fd, PCI_COMMAND, 2));
	/* Status: error bits are write-one-to-clear, so they stay clear. */
	EXPECT_EQ(PCI_STATUS_CAP_LIST, rd(fd, PCI_STATUS, 2));
}

/* Firmware sizes BARs by writing all-ones and reading back. */
TEST_F(cfg, bar_sizing)
{
	uint64_t mask = ~(VRAM_SIZE(self) - 1), bar64 = ~0ULL;
	int fd = CFG_FD(self);
	uint32_t off;

	ASSERT_OK(wr(fd, PCI_BASE_ADDRESS_0, 0xffffffff, 4));
	EXPECT_EQ(((uint32_t)mask & 0xfffffff0) | 0xc,
		  rd(fd, PCI_BASE_ADDRESS_0, 4));
	ASSERT_OK(wr(fd, PCI_BASE_ADDRESS_1, 0xffffffff, 4));
	EXPECT_EQ((uint32_t)(mask >> 32), rd(fd, PCI_BASE_ADDRESS_1, 4));
	ASSERT_OK(wr(fd, PCI_BASE_ADDRESS_2, 0xffffffff, 4));
	EXPECT_EQ(0xfffff000, rd(fd, PCI_BASE_ADDRESS_2, 4));
	for (off = PCI_BASE_ADDRESS_3; off <= PCI_BASE_ADDRESS_5; off += 4) {
		ASSERT_OK(wr(fd, off, 0xffffffff, 4));
		EXPECT_EQ(0, rd(fd, off, 4)) TH_LOG("BAR at 0x%x", off);
	}
	ASSERT_OK(wr(fd, PCI_ROM_ADDRESS, 0xffffffff, 4));
	EXPECT_EQ(0, rd(fd, PCI_ROM_ADDRESS, 4));

	/* The same through one 64-bit access to BAR0/1. */
	ASSERT_OK(mdgpu_cfg_write(fd, PCI_BASE_ADDRESS_0, &bar64, 8));
	bar64 = 0;
	ASSERT_OK(mdgpu_cfg_read(fd, PCI_BASE_ADDRESS_0, &bar64, 8));
	EXPECT_EQ((mask & ~0xfULL) | 0xc, bar64);

	/* Then an address is programmed, and reads back aligned. */
	bar64 = 0x0000000480000000ULL | 0x12345;
	ASSERT_OK(mdgpu_cfg_write(fd, PCI_BASE_ADDRESS_0, &bar64, 8));
	bar64 = 0;
	ASSERT_OK(mdgpu_cfg_read(fd, PCI_BASE_ADDRESS_0, &bar64, 8));
	EXPECT_EQ(((0x0000000480000000ULL | 0x12345) & mask) | 0xc, bar64);
	ASSERT_OK(wr(fd, PCI_BASE_ADDRESS_2, 0xfebf1234, 4));
	EXPECT_EQ(0xfebf1000, rd(fd, PCI_BASE_ADDRESS_2, 4));
}

/* Writes of every size to the read-only fields leave them as they were. */
TEST_F(cfg, readonly_fields_ignore_writes)
{
	static const struct {
		uint32_t off;
		uint32_t len;
		const char *name;
	} fields[] = {
		{ PCI_VENDOR_ID, 2, "vendor" },
		{ PCI_DEVICE_ID, 2, "device" },
		{ PCI_STATUS, 2, "status" },
		{ PCI_REVISION_ID, 1, "revision" },
		{ PCI_CLASS_PROG, 3, "class" },
		{ PCI_HEADER_TYPE, 1, "header type" },
		{ PCI_BASE_ADDRESS_3, 12, "BAR3-5" },
		{ PCI_SUBSYSTEM_VENDOR_ID, 2, "subsystem vendor" },
		{ PCI_SUBSYSTEM_ID, 2, "subsystem" },
		{ PCI_ROM_ADDRESS, 4, "ROM" },
		{ PCI_CAPABILITY_LIST, 1, "capability pointer" },
		{ PCI_INTERRUPT_PIN, 1, "interrupt pin" },
		{ 0x40 + PCI_CAP_LIST_ID, 1, "MSI capability ID" },
		{ 0x40 + PCI_CAP_LIST_NEXT, 1, "MSI next pointer" },
		{ 0x40 + MSI_CAP_LEN, MDGPU_CFG_SIZE - 0x40 - MSI_CAP_LEN,
		  "after the capabilities" },
	};
	static const uint8_t vals[] = { 0xff, 0x00, 0x5a };
	uint8_t snap[MDGPU_CFG_SIZE], now[MDGPU_CFG_SIZE], buf[8];
	static const size_t sizes[] = { 1, 2, 4, 8 };
	int fd = CFG_FD(self);
	size_t f, v, s;
	uint32_t off;

	ASSERT_OK(mdgpu_cfg_read(fd, 0, snap, sizeof(snap)));
	for (f = 0; f < ARRAY_SIZE(fields); f++) {
		uint32_t start = fields[f].off, end = start + fields[f].len;

		for (v = 0; v < ARRAY_SIZE(vals); v++) {
			for (s = 0; s < ARRAY_SIZE(sizes); s++) {
				/* Only accesses entirely inside the field. */
				for (off = start; off + sizes[s] <= end;
				     off += sizes[s]) {
					memset(buf, vals[v], sizeof(buf));
					ASSERT_OK(mdgpu_cfg_write(fd, off, buf,
								  sizes[s]));
				}
			}
		}
		ASSERT_OK(mdgpu_cfg_read(fd, 0, now, sizeof(now)));
		EXPECT_EQ(0, memcmp(snap + start, now + start, fields[f].len))
			TH_LOG("%s changed", fields[f].name);
		EXPECT_EQ(0, memcmp(snap, now, sizeof(now)))
			TH_LOG("writing %s changed other bytes", fields[f].name);
	}
}

TEST_HARNESS_MAIN
