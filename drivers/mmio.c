// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the trapped register file of BAR2, as one declarative table.
 *
 * The map follows QEMU's std VGA MMIO BAR (EDID blob, VGA ports, Bochs
 * DISPI, QEMU extended registers) so the guest's bochs driver works, with
 * mdgpu's own registers above 0x800. Unknown accesses read zero, drop
 * writes and are logged at debug level, rate-limited. Handlers run under
 * vgpu->lock.
 */
#include "mdgpu.h"

static u32 reg_read_const(void *ctx, const struct mdgpu_reg *reg, u32 off,
			  u32 size)
{
	struct mdgpu_vgpu *vgpu = ctx;

	switch (reg->offset) {
	case MDGPU_REG_ID:
		return MDGPU_ID_MAGIC;
	case MDGPU_REG_VERSION:
		return MDGPU_DEVICE_VERSION;
	case MDGPU_REG_VRAM_SIZE_LO:
		return lower_32_bits(vgpu->vram_size);
	case MDGPU_REG_VRAM_SIZE_HI:
		return upper_32_bits(vgpu->vram_size);
	case MDGPU_REG_RESET_COUNT:
		return vgpu->reset_count;
	case MDGPU_REG_DISPLAY_STATUS:
		return mdgpu_display_status(vgpu);
	case MDGPU_REG_MODE_ERRORS:
		return vgpu->display.mode_errors;
	}
	return 0;
}

static u32 reg_read_scratch(void *ctx, const struct mdgpu_reg *reg, u32 off,
			    u32 size)
{
	return ((struct mdgpu_vgpu *)ctx)->scratch;
}

static void reg_write_scratch(void *ctx, const struct mdgpu_reg *reg, u32 off,
			      u32 size, u32 val)
{
	((struct mdgpu_vgpu *)ctx)->scratch = val;
}

#define SZ_ANY	(MDGPU_REG_SZ1 | MDGPU_REG_SZ2 | MDGPU_REG_SZ4)
#define RO32(o, n)	{ o, 4, MDGPU_REG_SZ4, 0, n, reg_read_const }
/* Engine registers (engine_regs.c). */
#define ENG_RO(o, n)	{ o, 4, MDGPU_REG_SZ4, 0, n, mdgpu_engine_reg_read }
#define ENG_RW(o, n)	{ o, 4, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, n,	\
			  mdgpu_engine_reg_read, mdgpu_engine_reg_write }

/* Sorted by offset; checked by mdgpu_reg_table_check() at load. */
static const struct mdgpu_reg mdgpu_bar2_regs[] = {
	{ MDGPU_BAR2_EDID, MDGPU_BAR2_EDID_SIZE, SZ_ANY, 0, "EDID",
	  mdgpu_edid_blob_read },
	{ MDGPU_BAR2_VGA, 0x20, MDGPU_REG_SZ1 | MDGPU_REG_SZ2,
	  MDGPU_REG_F_WRITE, "VGA", mdgpu_vga_read, mdgpu_vga_write },
	{ MDGPU_BAR2_DISPI, 2 * MDGPU_DISPI_NR, MDGPU_REG_SZ2,
	  MDGPU_REG_F_WRITE, "DISPI", mdgpu_dispi_read, mdgpu_dispi_write },
	{ MDGPU_BAR2_QEXT, 8, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, "QEXT",
	  mdgpu_qext_read, mdgpu_qext_write },
	RO32(MDGPU_REG_ID, "ID"),
	RO32(MDGPU_REG_VERSION, "VERSION"),
	RO32(MDGPU_REG_VRAM_SIZE_LO, "VRAM_SIZE_LO"),
	RO32(MDGPU_REG_VRAM_SIZE_HI, "VRAM_SIZE_HI"),
	{ MDGPU_REG_SCRATCH, 4, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, "SCRATCH",
	  reg_read_scratch, reg_write_scratch },
	RO32(MDGPU_REG_RESET_COUNT, "RESET_COUNT"),
	RO32(MDGPU_REG_DISPLAY_STATUS, "DISPLAY_STATUS"),
	RO32(MDGPU_REG_MODE_ERRORS, "MODE_ERRORS"),
	ENG_RW(MDGPU_REG_RING_BASE_LO, "RING_BASE_LO"),
	ENG_RW(MDGPU_REG_RING_BASE_HI, "RING_BASE_HI"),
	ENG_RW(MDGPU_REG_RING_SIZE, "RING_SIZE"),
	ENG_RO(MDGPU_REG_RING_HEAD, "RING_HEAD"),
	ENG_RW(MDGPU_REG_RING_TAIL, "RING_TAIL"),
	ENG_RW(MDGPU_REG_RING_CTRL, "RING_CTRL"),
	ENG_RO(MDGPU_REG_ENGINE_STATUS, "ENGINE_STATUS"),
	ENG_RO(MDGPU_REG_FENCE_LAST, "FENCE_LAST"),
	ENG_RO(MDGPU_REG_ERR_CODE, "ERR_CODE"),
	ENG_RO(MDGPU_REG_ERR_HEAD, "ERR_HEAD"),
	ENG_RO(MDGPU_REG_ERR_HEADER, "ERR_HEADER"),
	ENG_RW(MDGPU_REG_IRQ_STATUS, "IRQ_STATUS"),
	ENG_RW(MDGPU_REG_IRQ_MASK, "IRQ_MASK"),
	ENG_RO(MDGPU_REG_TIMESTAMP_LO, "TIMESTAMP_LO"),
	ENG_RO(MDGPU_REG_TIMESTAMP_HI, "TIMESTAMP_HI"),
	ENG_RO(MDGPU_REG_CMDS_DONE, "CMDS_DONE"),
};

/**
 * mdgpu_regs_check() - validate the BAR2 register table
 *
 * Return: 0, or -EINVAL if the table is malformed (a driver bug).
 */
int mdgpu_regs_check(void)
{
	return mdgpu_reg_table_check(mdgpu_bar2_regs,
				     ARRAY_SIZE(mdgpu_bar2_regs));
}

/**
 * mdgpu_regs_reset() - put the register file in its power-on state
 * @vgpu: the instance; caller holds vgpu->lock
 */
void mdgpu_regs_reset(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	vgpu->scratch = 0;
	mdgpu_display_reset(vgpu);
	mdgpu_engine_ctx_reset_locked(vgpu);
}

static void mdgpu_le_store(u8 *buf, u32 val, u32 size)
{
	u32 i;

	for (i = 0; i < size; i++)
		buf[i] = val >> (8 * i);
}

static u32 mdgpu_le_load(const u8 *buf, u32 size)
{
	u32 i, val = 0;

	for (i = 0; i < size; i++)
		val |= (u32)buf[i] << (8 * i);
	return val;
}

/**
 * mdgpu_bar2_access() - one naturally aligned BAR2 access
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in BAR2
 * @buf: @size bytes, little-endian
 * @size: 1, 2 or 4
 * @write: direction
 */
void mdgpu_bar2_access(struct mdgpu_vgpu *vgpu, u32 off, u8 *buf, u32 size,
		       bool write)
{
	const size_t n = ARRAY_SIZE(mdgpu_bar2_regs);
	bool hit;
	u32 val;

	lockdep_assert_held(&vgpu->lock);
	if (write) {
		val = mdgpu_le_load(buf, size);
		hit = mdgpu_reg_write(mdgpu_bar2_regs, n, vgpu, off, size, val);
	} else {
		hit = mdgpu_reg_read(mdgpu_bar2_regs, n, vgpu, off, size, &val);
		mdgpu_le_store(buf, val, size);
	}
	if (!hit)
		dev_dbg_ratelimited(vgpu->vdev.dev,
				    "unknown BAR2 %s at 0x%x size %u\n",
				    write ? "write" : "read", off, size);
}
