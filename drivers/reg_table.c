// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: register table dispatch.
 *
 * A register file is a table sorted by offset. An access hits a register only
 * when its offset and size match the register exactly; anything else is an
 * unknown access, which the caller answers by reading zero and dropping the
 * write.
 */
#include <linux/bsearch.h>
#include <linux/errno.h>

#include "mdgpu_regs.h"

/**
 * mdgpu_reg_table_check() - validate a register table
 * @tab: the table
 * @n: number of entries
 *
 * Return: 0 if every entry has a valid size, is aligned to it, and the table
 * is sorted without overlaps; -EINVAL otherwise.
 */
int mdgpu_reg_table_check(const struct mdgpu_reg *tab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct mdgpu_reg *r = &tab[i];

		if (r->size != 1 && r->size != 2 && r->size != 4)
			return -EINVAL;
		if (r->offset & (r->size - 1))
			return -EINVAL;
		if ((r->flags & MDGPU_REG_F_WRITE) && !r->write)
			return -EINVAL;
		if (i && tab[i - 1].offset + tab[i - 1].size > r->offset)
			return -EINVAL;
	}
	return 0;
}

static int reg_cmp(const void *key, const void *elt)
{
	u32 off = *(const u32 *)key;
	const struct mdgpu_reg *r = elt;

	if (off < r->offset)
		return -1;
	return off > r->offset;
}

/**
 * mdgpu_reg_find() - look up the register an access hits
 * @tab: a table accepted by mdgpu_reg_table_check()
 * @n: number of entries
 * @offset: access offset
 * @size: access size
 *
 * Return: the register, or NULL if the access matches none exactly.
 */
const struct mdgpu_reg *mdgpu_reg_find(const struct mdgpu_reg *tab, size_t n,
				       u32 offset, u32 size)
{
	const struct mdgpu_reg *r;

	r = bsearch(&offset, tab, n, sizeof(*tab), reg_cmp);
	if (!r || r->size != size)
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
 * Return: true if a register was hit.
 */
bool mdgpu_reg_read(const struct mdgpu_reg *tab, size_t n, void *ctx,
		    u32 offset, u32 size, u32 *val)
{
	const struct mdgpu_reg *r = mdgpu_reg_find(tab, n, offset, size);

	*val = 0;
	if (!r)
		return false;
	if (r->read)
		*val = r->read(ctx, r);
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
 * Writes to read-only registers hit the register but are dropped.
 *
 * Return: true if a register was hit.
 */
bool mdgpu_reg_write(const struct mdgpu_reg *tab, size_t n, void *ctx,
		     u32 offset, u32 size, u32 val)
{
	const struct mdgpu_reg *r = mdgpu_reg_find(tab, n, offset, size);

	if (!r)
		return false;
	if (r->flags & MDGPU_REG_F_WRITE)
		r->write(ctx, r, val);
	return true;
}
