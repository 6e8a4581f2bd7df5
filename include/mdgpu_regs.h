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

/* The register can be written by the guest. */
#define MDGPU_REG_F_WRITE	BIT(0)

/**
 * struct mdgpu_reg - one register of a register file
 * @offset: byte offset in the BAR, aligned to @size
 * @size: access size in bytes: 1, 2 or 4
 * @flags: MDGPU_REG_F_* bits
 * @name: name for debug messages
 * @read: returns the register's value; NULL reads as zero
 * @write: takes a guest write; only called if MDGPU_REG_F_WRITE is set
 */
struct mdgpu_reg {
	u32 offset;
	u8 size;
	u8 flags;
	const char *name;
	u32 (*read)(void *ctx, const struct mdgpu_reg *reg);
	void (*write)(void *ctx, const struct mdgpu_reg *reg, u32 val);
};

int mdgpu_reg_table_check(const struct mdgpu_reg *tab, size_t n);
const struct mdgpu_reg *mdgpu_reg_find(const struct mdgpu_reg *tab, size_t n,
				       u32 offset, u32 size);
bool mdgpu_reg_read(const struct mdgpu_reg *tab, size_t n, void *ctx,
		    u32 offset, u32 size, u32 *val);
bool mdgpu_reg_write(const struct mdgpu_reg *tab, size_t n, void *ctx,
		     u32 offset, u32 size, u32 val);

#endif /* _MDGPU_REGS_H */
