/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarative register tables for mdgpu's trapped register BAR.
 *
 * Pure dispatch over a plain table; the handlers get an opaque context (the
 * instance) and run under whatever lock the caller holds.
 */
#ifndef _MDGPU_REGS_H
#define _MDGPU_REGS_H

#include <linux/bits.h>
#include <linux/types.h>

/* Access sizes a register accepts (MDGPU_REG_SZ1 | ...). */
#define MDGPU_REG_SZ1		BIT(0)
#define MDGPU_REG_SZ2		BIT(1)
#define MDGPU_REG_SZ4		BIT(2)

/* The register can be written by the guest. */
#define MDGPU_REG_F_WRITE	BIT(0)

/**
 * struct mdgpu_reg - one register, or an array of like registers
 * @offset: byte offset in the BAR
 * @len: bytes the entry spans; an access must lie inside it
 * @sizes: MDGPU_REG_SZ* bits: the access sizes accepted; an access must be
 *	   aligned to its own size
 * @flags: MDGPU_REG_F_* bits
 * @name: name for debug messages
 * @read: returns the value at byte @off of the entry, @size bytes wide;
 *	  NULL reads as zero
 * @write: takes a guest write at byte @off of the entry; only called if
 *	   MDGPU_REG_F_WRITE is set
 */
struct mdgpu_reg {
	u32 offset;
	u32 len;
	u8 sizes;
	u8 flags;
	const char *name;
	u32 (*read)(void *ctx, const struct mdgpu_reg *reg, u32 off, u32 size);
	void (*write)(void *ctx, const struct mdgpu_reg *reg, u32 off,
		      u32 size, u32 val);
};

int mdgpu_reg_table_check(const struct mdgpu_reg *tab, size_t n);
const struct mdgpu_reg *mdgpu_reg_find(const struct mdgpu_reg *tab, size_t n,
				       u32 offset, u32 size);
bool mdgpu_reg_read(const struct mdgpu_reg *tab, size_t n, void *ctx,
		    u32 offset, u32 size, u32 *val);
bool mdgpu_reg_write(const struct mdgpu_reg *tab, size_t n, void *ctx,
		     u32 offset, u32 size, u32 val);

#endif /* _MDGPU_REGS_H */
