// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: register table dispatch.
 *
 * A register file is a table of entries sorted by offset; an entry is one
 * register or an array of them. An access hits an entry when it lies inside
 * the entry, has a size the entry accepts and is aligned to that size;
 * anything else is an unknown access, which the caller answers by reading
 * zero and dropping the write. The table is indexed once, at load, one
 * byte per byte of the register file, so a lookup costs the same for every
 * register.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "mdgpu_regs.h"

/**
 * mdgpu_reg_table_check() - validate a register table
 * @tab: the table
 * @n: number of entries
 *
 * Return: 0 if every entry is non-empty, accepts at least one access size,
 * has a known kind, has a write handler if writable (or is a writable
 * field), is one 4-byte register taking 4-byte accesses if a constant or a
 * field (whose context offset is 4-byte aligned), and the table is sorted
 * without overlaps; -EINVAL otherwise.
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
		if (r->flags & ~(MDGPU_REG_F_WRITE | MDGPU_REG_F_LOCKLESS))
			return -EINVAL;
		if (r->kind > MDGPU_REG_FIELD)
			return -EINVAL;
		if (r->kind != MDGPU_REG_CALL &&
		    (r->len != 4 || r->sizes != MDGPU_REG_SZ4 || r->offset & 3))
			return -EINVAL;
		if (r->kind == MDGPU_REG_FIELD && r->arg & 3)
			return -EINVAL;
		if ((r->flags & MDGPU_REG_F_WRITE) && !r->write &&
		    r->kind != MDGPU_REG_FIELD)
			return -EINVAL;
		if (i && tab[i - 1].offset + tab[i - 1].len > r->offset)
			return -EINVAL;
	}
	return 0;
}

/**
 * mdgpu_reg_index_init() - check a register table and build its index
 * @idx: filled in
 * @tab: the table; it must outlive @idx
 * @n: number of entries, at most MDGPU_REG_INDEX_MAX
 * @slot: @size bytes, filled in; it must outlive @idx
 * @size: bytes of the register file
 *
 * Return: 0, or -EINVAL if mdgpu_reg_table_check() refuses the table, it
 * has too many entries or an entry reaches past @size.
 */
int mdgpu_reg_index_init(struct mdgpu_reg_index *idx,
			 const struct mdgpu_reg *tab, size_t n, u8 *slot,
			 u32 size)
{
	size_t i;

	if (n > MDGPU_REG_INDEX_MAX || mdgpu_reg_table_check(tab, n))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (tab[i].len > size || tab[i].offset > size - tab[i].len)
			return -EINVAL;
	memset(slot, 0, size);
	for (i = 0; i < n; i++)
		memset(slot + tab[i].offset, i + 1, tab[i].len);
	idx->tab = tab;
	idx->slot = slot;
	idx->size = size;
	return 0;
}
