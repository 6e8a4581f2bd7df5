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
