// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing register table dispatch (drivers/reg_table.c and the inline
 * lookup in include/mdgpu_regs.h): tables of any shape are checked, and
 * every access to an accepted table must hit exactly the entry a plain
 * linear search finds, with the handler seeing an offset and size inside
 * that entry.
 *
 * Input: first offset (u32), entry count (u8), per entry { offset delta
 * u16, len u16, sizes u8, flags u8 }, then accesses of { offset u32,
 * size u8, value u32 }.
 */
#include "fuzz.h"
#include "mdgpu_regs.h"

#define MAX_REGS 8

struct fake_dev {
	const struct mdgpu_reg *expect;
	u32 off, size;
	int calls;
};

static void handler_check(void *ctx, const struct mdgpu_reg *reg, u32 off,
			  u32 size)
{
	struct fake_dev *d = ctx;

	FZ_CHECK(reg == d->expect, "handler of the wrong entry");
	FZ_CHECK(size == d->size && off == d->off - reg->offset,
		 "handler got %u+%u", off, size);
	FZ_CHECK(off < reg->len && size <= reg->len - off,
		 "access %u+%u outside entry of %u bytes", off, size, reg->len);
	d->calls++;
}

static u32 fake_read(void *ctx, const struct mdgpu_reg *reg, u32 off,
		     u32 size)
{
	handler_check(ctx, reg, off, size);
	return 0x5a5a5a5a;
}

static void fake_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		       u32 size, u32 val)
{
	(void)val;
	handler_check(ctx, reg, off, size);
}

/* What mdgpu_reg_table_check() promises, checked the slow way. */
static bool ref_table_ok(const struct mdgpu_reg *tab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct mdgpu_reg *r = &tab[i];

		if (!r->len || (u64)r->offset + r->len > U32_MAX)
			return false;
		if (!r->sizes || r->sizes & ~7)
			return false;
		if ((r->flags & MDGPU_REG_F_WRITE) && !r->write)
			return false;
		if (i && (u64)tab[i - 1].offset + tab[i - 1].len > r->offset)
			return false;
	}
	return true;
}

static const struct mdgpu_reg *ref_find(const struct mdgpu_reg *tab, size_t n,
					u32 off, u32 size)
{
	size_t i;

	if (size != 1 && size != 2 && size != 4)
		return NULL;
	if (off % size)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct mdgpu_reg *r = &tab[i];

		if (off >= r->offset && (u64)off + size <= (u64)r->offset + r->len &&
		    (r->sizes & (size == 1 ? MDGPU_REG_SZ1 :
				 size == 2 ? MDGPU_REG_SZ2 : MDGPU_REG_SZ4)))
			return r;
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz_input in = { data, size };
	struct mdgpu_reg *tab;
	u32 off = fz_u32(&in);
	size_t n = fz_u8(&in) % (MAX_REGS + 1), i;
	int ops = 0;
	bool ok;

	/* Exactly n entries, so ASan sees any read past the table. */
	tab = malloc(n ? n * sizeof(*tab) : 1);
	if (!tab)
		abort();
	for (i = 0; i < n; i++) {
		u8 flags;

		if (i)
			off += fz_u16(&in);
		tab[i].offset = off;
		tab[i].len = fz_u16(&in);
		tab[i].sizes = fz_u8(&in) & 0xf;
		flags = fz_u8(&in);
		tab[i].flags = flags & MDGPU_REG_F_WRITE;
		tab[i].name = "fuzz";
		tab[i].read = flags & 2 ? fake_read : NULL;
		tab[i].write = flags & 4 ? fake_write : NULL;
	}
	ok = !mdgpu_reg_table_check(tab, n);
	FZ_CHECK(ok == ref_table_ok(tab, n), "table check said %d", ok);
	if (!ok)
		goto out;

	while (in.left && ops++ < 64) {
		struct fake_dev d = { 0 };
		const struct mdgpu_reg *r;
		u32 aoff = fz_u32(&in), asize = fz_u8(&in) % 9;
		u32 val = fz_u32(&in), got;
		bool hit;

		/* Stay near the table half of the time. */
		if (n && aoff & 0x80000000)
			aoff = tab[aoff % n].offset + (aoff >> 16 & 0x7f) - 8;
		r = mdgpu_reg_find(tab, n, aoff, asize);
		FZ_CHECK(r == ref_find(tab, n, aoff, asize),
			 "access %#x+%u: found entry %td", aoff, asize,
			 r ? r - tab : -1);
		d.expect = r;
		d.off = aoff;
		d.size = asize;
		hit = mdgpu_reg_read(tab, n, &d, aoff, asize, &got);
		FZ_CHECK(hit == !!r, "read hit %d", hit);
		FZ_CHECK(got == (r && r->read ? 0x5a5a5a5a : 0),
			 "read returned %#x", got);
		FZ_CHECK(d.calls == (r && r->read), "read handler calls %d",
			 d.calls);
		d.calls = 0;
		hit = mdgpu_reg_write(tab, n, &d, aoff, asize, val);
		FZ_CHECK(hit == !!r, "write hit %d", hit);
		FZ_CHECK(d.calls == (r && (r->flags & MDGPU_REG_F_WRITE)),
			 "write handler calls %d", d.calls);
	}
out:
	free(tab);
	return 0;
}
