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
/*
 * Lookup and dispatch are inline: they are the hot path of every trapped
 * register access.
 */
static inline bool mdgpu_reg_size_ok(u8 sizes, u32 size)
{
	switch (size) {
	case 1:
		return sizes & MDGPU_REG_SZ1;
	case 2:
		return sizes & MDGPU_REG_SZ2;
	case 4:
		return sizes & MDGPU_REG_SZ4;
	}
	return false;
}

/**
 * mdgpu_reg_find() - look up the entry an access hits
 * @tab: a table accepted by mdgpu_reg_table_check()
 * @n: number of entries
 * @offset: access offset
 * @size: access size
 *
 * Return: the entry, or NULL if the access hits none as a whole.
 */
static inline const struct mdgpu_reg *
mdgpu_reg_find(const struct mdgpu_reg *tab, size_t n, u32 offset, u32 size)
{
	const struct mdgpu_reg *r;
	size_t lo = 0, hi = n;

	if (!mdgpu_reg_size_ok(MDGPU_REG_SZ1 | MDGPU_REG_SZ2 | MDGPU_REG_SZ4, size) ||
	    offset & (size - 1))
		return NULL;
	/* Binary search for the last entry starting at or before @offset. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tab[mid].offset <= offset)
			lo = mid;
		else
			hi = mid;
	}
	if (!n || tab[lo].offset > offset)
		return NULL;
	r = &tab[lo];
	/*
	 * The access must start inside the entry, then fit in what is left
	 * of it; an entry shorter than an access size it accepts takes no
	 * such access.
	 */
	if (offset - r->offset >= r->len || !mdgpu_reg_size_ok(r->sizes, size) ||
	    size > r->len - (offset - r->offset))
		return NULL;
	return r;
}

/**
 * mdgpu_reg_read() - dispatch a register read
 * @tab: the table
 * @n: number of entries
 * @ctx: passed to the handler
 * @offset: access offset
 * @size: access size
 * @val: the value read; zero for unknown accesses
 *
 * Return: true if an entry was hit.
 */
static inline bool mdgpu_reg_read(const struct mdgpu_reg *tab, size_t n,
				  void *ctx, u32 offset, u32 size, u32 *val)
{
	const struct mdgpu_reg *r = mdgpu_reg_find(tab, n, offset, size);

	*val = 0;
	if (!r)
		return false;
	if (r->read)
		*val = r->read(ctx, r, offset - r->offset, size);
	return true;
}

/**
 * mdgpu_reg_write() - dispatch a register write
 * @tab: the table
 * @n: number of entries
 * @ctx: passed to the handler
 * @offset: access offset
 * @size: access size
 * @val: the value written
 *
 * Writes to read-only entries hit but are dropped.
 *
 * Return: true if an entry was hit.
 */
static inline bool mdgpu_reg_write(const struct mdgpu_reg *tab, size_t n,
				   void *ctx, u32 offset, u32 size, u32 val)
{
	const struct mdgpu_reg *r = mdgpu_reg_find(tab, n, offset, size);

	if (!r)
		return false;
	if (r->flags & MDGPU_REG_F_WRITE)
		r->write(ctx, r, offset - r->offset, size, val);
	return true;
}

#endif /* _MDGPU_REGS_H */
