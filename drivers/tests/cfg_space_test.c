// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the emulated PCI configuration space.
 */
#include <kunit/test.h>
#include <linux/sizes.h>

#include "../cfg_space.c"

static u32 cfg_rd32(const struct mdgpu_cfg *cfg, u32 off)
{
	u8 b[4];

	if (mdgpu_cfg_read(cfg, off, b, 4))
		return 0xdeadbeef;
	return b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
}

static u16 cfg_rd16(const struct mdgpu_cfg *cfg, u32 off)
{
	return cfg_rd32(cfg, off & ~3) >> (8 * (off & 2));
}

static int cfg_wr32(struct mdgpu_cfg *cfg, u32 off, u32 v)
{
	u8 b[4] = { v, v >> 8, v >> 16, v >> 24 };

	return mdgpu_cfg_write(cfg, off, b, 4);
}

static void cfg_setup(struct kunit *test, struct mdgpu_cfg *cfg, u64 vram)
{
	struct mdgpu_cfg_layout l = { .vram_size = vram, .regs_size = SZ_4K };

	KUNIT_ASSERT_EQ(test, mdgpu_cfg_layout_check(&l), 0);
	mdgpu_cfg_init(cfg, &l);
}

static void cfg_identity(struct kunit *test)
{
	struct mdgpu_cfg cfg;

	cfg_setup(test, &cfg, SZ_64M);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, 0), 0x11111234U);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_CLASS_REVISION), 0x03000002U);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_SUBSYSTEM_VENDOR_ID),
			0x6d671234U);
	KUNIT_EXPECT_TRUE(test, cfg_rd16(&cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_CAPABILITY_LIST) & 0xff,
			(u32)MDGPU_CFG_MSI_CAP);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_INTERRUPT_LINE) >> 8 & 0xff, 1U);
	/* MSI capability: ID, end of list, 64-bit, one vector, disabled. */
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, MDGPU_CFG_MSI_CAP),
			(u32)PCI_CAP_ID_MSI | (u32)PCI_MSI_FLAGS_64BIT << 16);
	KUNIT_EXPECT_FALSE(test, mdgpu_cfg_msi_enabled(&cfg));
}

static void cfg_bounds(struct kunit *test)
{
	struct mdgpu_cfg cfg;
	u8 b[8] = {};

	cfg_setup(test, &cfg, SZ_64M);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_read(&cfg, 252, b, 4), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_read(&cfg, 253, b, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_read(&cfg, 256, b, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_read(&cfg, 0, b, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_read(&cfg, U32_MAX, b, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_write(&cfg, 250, b, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_write(&cfg, U32_MAX - 1, b, 4), -EINVAL);
	/* A refused write changes nothing. */
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, 0), 0x11111234U);
}

static void cfg_read_only_fields(struct kunit *test)
{
	struct mdgpu_cfg cfg, orig;
	u32 off;

	cfg_setup(test, &cfg, SZ_64M);
	orig = cfg;
	for (off = 0; off < MDGPU_CFG_SIZE; off += 4) {
		if (off == PCI_COMMAND || off == PCI_CACHE_LINE_SIZE ||
		    (off >= PCI_BASE_ADDRESS_0 && off <= PCI_BASE_ADDRESS_2) ||
		    off == PCI_INTERRUPT_LINE ||
		    (off >= MDGPU_CFG_MSI_CAP && off < MDGPU_CFG_MSI_CAP + 16))
			continue;
		KUNIT_EXPECT_EQ(test, cfg_wr32(&cfg, off, 0xffffffff), 0);
		KUNIT_EXPECT_EQ_MSG(test, cfg_rd32(&cfg, off),
				    cfg_rd32(&orig, off), "offset 0x%x", off);
	}
}

static void cfg_command_and_status(struct kunit *test)
{
	struct mdgpu_cfg cfg;

	cfg_setup(test, &cfg, SZ_64M);
	KUNIT_EXPECT_EQ(test, cfg_wr32(&cfg, PCI_COMMAND, 0x0000ffff), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_command(&cfg), (u16)MDGPU_CMD_WMASK);
	/* An error bit set by the device is cleared by writing one. */
	cfg.data[PCI_STATUS + 1] |= PCI_STATUS_SIG_SYSTEM_ERROR >> 8;
	KUNIT_EXPECT_EQ(test, cfg_wr32(&cfg, PCI_COMMAND, 0), 0);
	KUNIT_EXPECT_TRUE(test, cfg_rd16(&cfg, PCI_STATUS) &
			  PCI_STATUS_SIG_SYSTEM_ERROR);
	KUNIT_EXPECT_EQ(test, cfg_wr32(&cfg, PCI_COMMAND,
				       (u32)PCI_STATUS_SIG_SYSTEM_ERROR << 16), 0);
	KUNIT_EXPECT_FALSE(test, cfg_rd16(&cfg, PCI_STATUS) &
			   PCI_STATUS_SIG_SYSTEM_ERROR);
	KUNIT_EXPECT_TRUE(test, cfg_rd16(&cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	mdgpu_cfg_set_intx_status(&cfg, true);
	KUNIT_EXPECT_TRUE(test, cfg_rd16(&cfg, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	mdgpu_cfg_set_intx_status(&cfg, false);
	KUNIT_EXPECT_FALSE(test, cfg_rd16(&cfg, PCI_STATUS) & PCI_STATUS_INTERRUPT);
}

static void cfg_bar_sizing(struct kunit *test)
{
	struct mdgpu_cfg cfg;
	u32 off;

	cfg_setup(test, &cfg, SZ_512M);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_0), 0xcU);
	cfg_wr32(&cfg, PCI_BASE_ADDRESS_0, 0xffffffff);
	cfg_wr32(&cfg, PCI_BASE_ADDRESS_1, 0xffffffff);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_0), 0xe000000cU);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_1), 0xffffffffU);
	cfg_wr32(&cfg, PCI_BASE_ADDRESS_2, 0xffffffff);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_2), 0xfffff000U);
	for (off = PCI_BASE_ADDRESS_3; off <= PCI_BASE_ADDRESS_5; off += 4) {
		cfg_wr32(&cfg, off, 0xffffffff);
		KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, off), 0U);
	}
	cfg_wr32(&cfg, PCI_ROM_ADDRESS, 0xffffffff);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_ROM_ADDRESS), 0U);
	/* An address is kept, minus the bits below the BAR size. */
	cfg_wr32(&cfg, PCI_BASE_ADDRESS_0, 0x12345678);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_0), 0x0000000cU);
	cfg_wr32(&cfg, PCI_BASE_ADDRESS_0, 0xa0000000);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_0), 0xa000000cU);

	/* A BAR of 4 GiB or more sizes through the upper half only. */
	cfg_setup(test, &cfg, SZ_8G);
	cfg_wr32(&cfg, PCI_BASE_ADDRESS_0, 0xffffffff);
	cfg_wr32(&cfg, PCI_BASE_ADDRESS_1, 0xffffffff);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_0), 0xcU);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, PCI_BASE_ADDRESS_1), 0xfffffffeU);
}

static void cfg_unaligned_access(struct kunit *test)
{
	struct mdgpu_cfg cfg;
	u8 b[3] = { 0x34, 0x12, 0x80 };
	u8 r[3];

	cfg_setup(test, &cfg, SZ_64M);
	/* Three bytes across the command/status boundary. */
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_write(&cfg, PCI_COMMAND + 1, b, 3), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_read(&cfg, PCI_COMMAND + 1, r, 3), 0);
	KUNIT_EXPECT_EQ(test, r[0], (u8)(0x34 & (MDGPU_CMD_WMASK >> 8)));
	KUNIT_EXPECT_EQ(test, r[1], (u8)PCI_STATUS_CAP_LIST);
}

static void cfg_msi(struct kunit *test)
{
	struct mdgpu_cfg cfg;

	cfg_setup(test, &cfg, SZ_64M);
	cfg_wr32(&cfg, MDGPU_CFG_MSI_CAP, 0xffffffff);
	KUNIT_EXPECT_TRUE(test, mdgpu_cfg_msi_enabled(&cfg));
	/* Vector count fields stay at one vector; ID and next are fixed. */
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, MDGPU_CFG_MSI_CAP),
			(u32)PCI_CAP_ID_MSI |
			(u32)(PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE) << 16);
	cfg_wr32(&cfg, MDGPU_CFG_MSI_CAP + PCI_MSI_ADDRESS_LO, 0xfee00003);
	KUNIT_EXPECT_EQ(test, cfg_rd32(&cfg, MDGPU_CFG_MSI_CAP + PCI_MSI_ADDRESS_LO),
			0xfee00000U);
	cfg_setup(test, &cfg, SZ_64M);
	KUNIT_EXPECT_FALSE(test, mdgpu_cfg_msi_enabled(&cfg));
}

static void cfg_layout_check(struct kunit *test)
{
	struct mdgpu_cfg_layout l = { .vram_size = SZ_64M, .regs_size = SZ_4K };

	KUNIT_EXPECT_EQ(test, mdgpu_cfg_layout_check(&l), 0);
	l.vram_size = SZ_64M + SZ_4K;
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_layout_check(&l), -EINVAL);
	l.vram_size = SZ_2K;
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_layout_check(&l), -EINVAL);
	l.vram_size = SZ_64M;
	l.regs_size = SZ_2K;
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_layout_check(&l), -EINVAL);
	l.regs_size = 3 * SZ_4K;
	KUNIT_EXPECT_EQ(test, mdgpu_cfg_layout_check(&l), -EINVAL);
}

static struct kunit_case mdgpu_cfg_cases[] = {
	KUNIT_CASE(cfg_identity),
	KUNIT_CASE(cfg_bounds),
	KUNIT_CASE(cfg_read_only_fields),
	KUNIT_CASE(cfg_command_and_status),
	KUNIT_CASE(cfg_bar_sizing),
	KUNIT_CASE(cfg_unaligned_access),
	KUNIT_CASE(cfg_msi),
	KUNIT_CASE(cfg_layout_check),
	{}
};

static struct kunit_suite mdgpu_cfg_suite = {
	.name = "mdgpu_cfg_space",
	.test_cases = mdgpu_cfg_cases,
};

kunit_test_suite(mdgpu_cfg_suite);
