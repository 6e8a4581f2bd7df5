// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the trapped register file of BAR2, as one declarative table.
 *
 * The map follows QEMU's std VGA MMIO BAR (EDID blob, VGA ports, Bochs
 * DISPI, QEMU extended registers) so the guest's bochs driver works, with
 * mdgpu's own registers above 0x800. Unknown accesses read zero, drop
 * writes and are logged at debug level, rate-limited. Handlers and field
 * reads run under vgpu->lock; constants and MDGPU_REG_F_LOCKLESS registers
 * are accessed without it.
 */
#include <linux/indirect_call_wrapper.h>

#include "mdgpu.h"

/* STATE32 registers; caller holds vgpu->lock. */
static u32 reg_read_state(void *ctx, const struct mdgpu_reg *reg, u32 off,
			  u32 size)
{
	struct mdgpu_vgpu *vgpu = ctx;

	lockdep_assert_held(&vgpu->lock);
	switch (reg->offset) {
	case MDGPU_REG_VRAM_SIZE_LO:
		return lower_32_bits(vgpu->vram_size);
	case MDGPU_REG_VRAM_SIZE_HI:
		return upper_32_bits(vgpu->vram_size);
	case MDGPU_REG_DISPLAY_STATUS:
		return mdgpu_display_status(vgpu);
	}
	return 0;
}

#define SZ_ANY	(MDGPU_REG_SZ1 | MDGPU_REG_SZ2 | MDGPU_REG_SZ4)
/* A u32 member of struct mdgpu_vgpu (see below), as a field offset. */
#define VGPU_U32(m)	offsetof(struct mdgpu_vgpu, m)
#define CONST32(o, n, v)	{ o, 4, MDGPU_REG_SZ4, 0, n,		\
			  .kind = MDGPU_REG_CONST, .arg = v }
#define STATE32(o, n)	{ o, 4, MDGPU_REG_SZ4, 0, n, reg_read_state }
/* A read-only u32 field, read under vgpu->lock. */
#define FIELD_RO(o, m, n)	{ o, 4, MDGPU_REG_SZ4, 0, n,		\
			  .kind = MDGPU_REG_FIELD, .arg = VGPU_U32(m) }
/* Engine registers (engine_regs.c): a field read, or the engine's handlers. */
#define ENG_RO(o, n)	{ o, 4, MDGPU_REG_SZ4, 0, n, mdgpu_engine_reg_read }
#define ENG_RO_F(o, m, n)	FIELD_RO(o, engine.m, n)
#define ENG_RW(o, n)	{ o, 4, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, n,	\
			  mdgpu_engine_reg_read, mdgpu_engine_reg_write }
#define ENG_RW_F(o, m, n)	{ o, 4, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, n,	\
			  NULL, mdgpu_engine_reg_write,			\
			  .kind = MDGPU_REG_FIELD, .arg = VGPU_U32(engine.m) }

/*
 * Sorted by offset; checked and indexed by mdgpu_regs_init() at load.
 * Handlers and field reads run under vgpu->lock, except for constants and
 * MDGPU_REG_F_LOCKLESS entries.
 */
static const struct mdgpu_reg mdgpu_bar2_regs[] = {
	{ MDGPU_BAR2_EDID, MDGPU_BAR2_EDID_SIZE, SZ_ANY, 0, "EDID",
	  mdgpu_edid_blob_read },
	{ MDGPU_BAR2_VGA, 0x20, MDGPU_REG_SZ1 | MDGPU_REG_SZ2,
	  MDGPU_REG_F_WRITE, "VGA", mdgpu_vga_read, mdgpu_vga_write },
	{ MDGPU_BAR2_DISPI, 2 * MDGPU_DISPI_NR, MDGPU_REG_SZ2,
	  MDGPU_REG_F_WRITE, "DISPI", mdgpu_dispi_read, mdgpu_dispi_write },
	{ MDGPU_BAR2_QEXT, 8, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, "QEXT",
	  mdgpu_qext_read, mdgpu_qext_write },
	CONST32(MDGPU_REG_ID, "ID", MDGPU_ID_MAGIC),
	CONST32(MDGPU_REG_VERSION, "VERSION", MDGPU_DEVICE_VERSION),
	STATE32(MDGPU_REG_VRAM_SIZE_LO, "VRAM_SIZE_LO"),
	STATE32(MDGPU_REG_VRAM_SIZE_HI, "VRAM_SIZE_HI"),
	/* The guest's own value, related to nothing else. */
	{ MDGPU_REG_SCRATCH, 4, MDGPU_REG_SZ4,
	  MDGPU_REG_F_WRITE | MDGPU_REG_F_LOCKLESS, "SCRATCH",
	  .kind = MDGPU_REG_FIELD, .arg = VGPU_U32(scratch) },
	FIELD_RO(MDGPU_REG_RESET_COUNT, reset_count, "RESET_COUNT"),
	STATE32(MDGPU_REG_DISPLAY_STATUS, "DISPLAY_STATUS"),
	FIELD_RO(MDGPU_REG_MODE_ERRORS, display.mode_errors, "MODE_ERRORS"),
	ENG_RW(MDGPU_REG_RING_BASE_LO, "RING_BASE_LO"),
	ENG_RW(MDGPU_REG_RING_BASE_HI, "RING_BASE_HI"),
	ENG_RW_F(MDGPU_REG_RING_SIZE, ring_size, "RING_SIZE"),
	ENG_RO_F(MDGPU_REG_RING_HEAD, head, "RING_HEAD"),
	/*
	 * The doorbell: published without the lock, taken and checked by the
	 * engine thread (engine_regs.c); reads return the tail last written.
	 */
	{ MDGPU_REG_RING_TAIL, 4, MDGPU_REG_SZ4,
	  MDGPU_REG_F_WRITE | MDGPU_REG_F_LOCKLESS, "RING_TAIL",
	  NULL, mdgpu_engine_doorbell,
	  .kind = MDGPU_REG_FIELD, .arg = VGPU_U32(engine.db_tail) },
	ENG_RW(MDGPU_REG_RING_CTRL, "RING_CTRL"),
	ENG_RO(MDGPU_REG_ENGINE_STATUS, "ENGINE_STATUS"),
	/* What a driver polls: published by smp_store_release() in engine_exec.c. */
	{ MDGPU_REG_FENCE_LAST, 4, MDGPU_REG_SZ4, MDGPU_REG_F_LOCKLESS,
	  "FENCE_LAST", .kind = MDGPU_REG_FIELD,
	  .arg = VGPU_U32(engine.fence_last) },
	ENG_RO_F(MDGPU_REG_ERR_CODE, err_code, "ERR_CODE"),
	ENG_RO_F(MDGPU_REG_ERR_HEAD, err_head, "ERR_HEAD"),
	ENG_RO_F(MDGPU_REG_ERR_HEADER, err_header, "ERR_HEADER"),
	ENG_RW_F(MDGPU_REG_IRQ_STATUS, irq_status, "IRQ_STATUS"),
	ENG_RW_F(MDGPU_REG_IRQ_MASK, irq_mask, "IRQ_MASK"),
	ENG_RO(MDGPU_REG_TIMESTAMP_LO, "TIMESTAMP_LO"),
	ENG_RO_F(MDGPU_REG_TIMESTAMP_HI, ts_hi, "TIMESTAMP_HI"),
	ENG_RO_F(MDGPU_REG_CMDS_DONE, cmds_done, "CMDS_DONE"),
};

/* A MDGPU_REG_FIELD register is read and written 4 bytes at a time. */
#define VGPU_IS_U32(m)	static_assert(sizeof_field(struct mdgpu_vgpu, m) == 4)
VGPU_IS_U32(scratch);
VGPU_IS_U32(reset_count);
VGPU_IS_U32(display.mode_errors);
VGPU_IS_U32(engine.ring_size);
VGPU_IS_U32(engine.head);
VGPU_IS_U32(engine.db_tail);
VGPU_IS_U32(engine.fence_last);
VGPU_IS_U32(engine.err_code);
VGPU_IS_U32(engine.err_head);
VGPU_IS_U32(engine.err_header);
VGPU_IS_U32(engine.irq_status);
VGPU_IS_U32(engine.irq_mask);
VGPU_IS_U32(engine.ts_hi);
VGPU_IS_U32(engine.cmds_done);

/* The index of mdgpu_bar2_regs, built at load and read-only after. */
static u8 mdgpu_bar2_slot[MDGPU_REGS_SIZE] __ro_after_init;
static struct mdgpu_reg_index mdgpu_bar2_index __ro_after_init;

/**
 * mdgpu_regs_init() - check the BAR2 register table and index it
 *
 * Called once, at module load.
 *
 * Return: 0, or -EINVAL if the table is malformed (a driver bug).
 */
int __init mdgpu_regs_init(void)
{
	return mdgpu_reg_index_init(&mdgpu_bar2_index, mdgpu_bar2_regs,
				    ARRAY_SIZE(mdgpu_bar2_regs),
				    mdgpu_bar2_slot, MDGPU_REGS_SIZE);
}

/**
 * mdgpu_regs_reset() - put the register file in its power-on state
 * @vgpu: the instance; caller holds vgpu->lock
 */
void mdgpu_regs_reset(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	WRITE_ONCE(vgpu->scratch, 0);
	mdgpu_display_reset(vgpu);
	mdgpu_engine_ctx_reset_locked(vgpu);
}

static void mdgpu_bar2_unknown(struct mdgpu_vgpu *vgpu, u32 off, u32 size,
			       bool write)
{
	dev_dbg_ratelimited(vgpu->vdev.dev, "unknown BAR2 %s at 0x%x size %u\n",
			    write ? "write" : "read", off, size);
}

/**
 * mdgpu_bar2_access() - one naturally aligned BAR2 access
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in BAR2
 * @buf: @size bytes, little-endian
 * @size: 1, 2 or 4
 * @write: direction
 *
 * The general path (accesses of 1 or 2 bytes, or several registers in one
 * pread); 4-byte accesses take mdgpu_bar2_read32() and mdgpu_bar2_write32().
 */
void mdgpu_bar2_access(struct mdgpu_vgpu *vgpu, u32 off, u8 *buf, u32 size,
		       bool write)
{
	__le32 v32;
	__le16 v16;
	u32 val = 0;
	bool hit;

	lockdep_assert_held(&vgpu->lock);
	/* memcpy() of a fixed size: one (unaligned) load or store. */
	if (write) {
		if (size == 4) {
			memcpy(&v32, buf, 4);
			val = le32_to_cpu(v32);
		} else if (size == 2) {
			memcpy(&v16, buf, 2);
			val = le16_to_cpu(v16);
		} else {
			val = *buf;
		}
		hit = mdgpu_reg_write(&mdgpu_bar2_index, vgpu, off, size, val);
	} else {
		hit = mdgpu_reg_read(&mdgpu_bar2_index, vgpu, off, size, &val);
		if (size == 4) {
			v32 = cpu_to_le32(val);
			memcpy(buf, &v32, 4);
		} else if (size == 2) {
			v16 = cpu_to_le16(val);
			memcpy(buf, &v16, 2);
		} else {
			*buf = val;
		}
	}
	if (!hit)
		mdgpu_bar2_unknown(vgpu, off, size, write);
}

/*
 * The value and the write of a 4-byte access: mdgpu_reg_get()/_put(), the
 * engine's handlers and the doorbell (the registers with side effects a
 * driver hits most) called directly rather than through a retpoline.
 */
static __always_inline u32 mdgpu_bar2_get32(const struct mdgpu_reg *r,
					    struct mdgpu_vgpu *vgpu, u32 off)
{
	if (r->kind == MDGPU_REG_CALL && r->read)
		return INDIRECT_CALL_1(r->read, mdgpu_engine_reg_read, vgpu, r,
				       off - r->offset, 4);
	return mdgpu_reg_get(r, vgpu, off, 4);
}

static __always_inline void mdgpu_bar2_put32(const struct mdgpu_reg *r,
					     struct mdgpu_vgpu *vgpu, u32 off,
					     u32 val)
{
	if ((r->flags & MDGPU_REG_F_WRITE) && r->write)
		INDIRECT_CALL_2(r->write, mdgpu_engine_doorbell,
				mdgpu_engine_reg_write, vgpu, r,
				off - r->offset, 4, val);
	else
		mdgpu_reg_put(r, vgpu, off, 4, val);
}

/**
 * mdgpu_bar2_read32() - a 4-byte read of BAR2 through the device file
 * @vgpu: the instance
 * @ubuf: user buffer
 * @off: offset in BAR2, 4-byte aligned and inside it
 *
 * The hot path of a trapping guest: one index lookup, the value straight
 * from the table or the instance, the lock only for registers that need it.
 *
 * Return: 4, or -EFAULT.
 */
ssize_t mdgpu_bar2_read32(struct mdgpu_vgpu *vgpu, __le32 __user *ubuf,
			  u32 off)
{
	const struct mdgpu_reg *r = mdgpu_reg_lookup(&mdgpu_bar2_index, off, 4);
	u32 val;

	if (unlikely(!r)) {
		mdgpu_bar2_unknown(vgpu, off, 4, false);
		val = 0;
	} else if (!mdgpu_reg_needs_lock(r)) {
		val = mdgpu_bar2_get32(r, vgpu, off);
	} else {
		mutex_lock(&vgpu->lock);
		val = mdgpu_bar2_get32(r, vgpu, off);
		mutex_unlock(&vgpu->lock);
	}
	if (put_user(cpu_to_le32(val), ubuf))
		return -EFAULT;
	return 4;
}

/**
 * mdgpu_bar2_write32() - a 4-byte write of BAR2 through the device file
 * @vgpu: the instance
 * @ubuf: user buffer
 * @off: offset in BAR2, 4-byte aligned and inside it
 *
 * Return: 4, or -EFAULT.
 */
ssize_t mdgpu_bar2_write32(struct mdgpu_vgpu *vgpu,
			   const __le32 __user *ubuf, u32 off)
{
	const struct mdgpu_reg *r;
	__le32 val;

	if (get_user(val, ubuf))
		return -EFAULT;
	r = mdgpu_reg_lookup(&mdgpu_bar2_index, off, 4);
	if (unlikely(!r)) {
		mdgpu_bar2_unknown(vgpu, off, 4, true);
	} else if (!mdgpu_reg_needs_lock(r)) {
		mdgpu_bar2_put32(r, vgpu, off, le32_to_cpu(val));
	} else {
		mutex_lock(&vgpu->lock);
		mdgpu_bar2_put32(r, vgpu, off, le32_to_cpu(val));
		mutex_unlock(&vgpu->lock);
	}
	return 4;
}
