// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: register table dispatch.
 *
 * A register file is a table of entries sorted by offset; an entry is one
 * register or an array of them. An access hits an entry when it lies inside
 * the entry, has a size the entry accepts and is aligned to that size;
 * anything else is an unknown access, which the caller answers by reading
 * zero and dropping the write.
 */
#include <linux/errno.h>

#include "mdgpu_regs.h"

static bool reg_size_ok(u8 sizes, u32 size)
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
 * mdgpu_reg_table_check() - validate a register table
 * @tab: the table
 * @n: number of entries
 *
 * Return: 0 if every entry is non-empty, accepts at least one access size,
 * has a write handler if writable, and the table is sorted without overlaps;
 * -EINVAL otherwise.
 */
int mdgpu_reg_table_check(const struct mdgpu_reg *tab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct mdgpu_reg *r = &tab[i];

		if (!r->len || r->offset + r->len < r->offset)
			return -EINVAL;
		if (!r->sizes || r->sizes & ~(MDGPU_REG_SZ1 | MDGPU_REG_SZ2 |
					      MDGPU_REG_SZ4))
			return -EINVAL;
		if ((r->flags & MDGPU_REG_F_WRITE) && !r->write)
			return -EINVAL;
		if (i && tab[i - 1].offset + tab[i - 1].len > r->offset)
			return -EINVAL;
	}
	return 0;
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
const struct mdgpu_reg *mdgpu_reg_find(const struct mdgpu_reg *tab, size_t n,
				       u32 offset, u32 size)
{
	const struct mdgpu_reg *r;
	size_t lo = 0, hi = n;

	if (!reg_size_ok(MDGPU_REG_SZ1 | MDGPU_REG_SZ2 | MDGPU_REG_SZ4, size) ||
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
	if (offset - r->offset >= r->len || !reg_size_ok(r->sizes, size) ||
	    offset - r->offset > r->len - size)
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
bool mdgpu_reg_read(const struct mdgpu_reg *tab, size_t n, void *ctx,
		    u32 offset, u32 size, u32 *val)
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
bool mdgpu_reg_write(const struct mdgpu_reg *tab, size_t n, void *ctx,
		     u32 offset, u32 size, u32 val)
{
	const struct mdgpu_reg *r = mdgpu_reg_find(tab, n, offset, size);

	if (!r)
		return false;
	if (r->flags & MDGPU_REG_F_WRITE)
		r->write(ctx, r, offset - r->offset, size, val);
	return true;
}
