// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing register table dispatch (drivers/reg_table.c and the inline
 * lookup in include/mdgpu_regs.h): tables of any shape are checked and
 * indexed, and every access through an index must hit exactly the entry a
 * plain linear search of the table finds, with the handler seeing an
 * offset and size inside that entry, and constants and fields read and
 * written where the entry says.
 *
 * Input: first offset (u32), entry count (u8), per entry { offset delta
 * u16, len u16, sizes u8, flags u8, kind u8 }, the register file's size
 * (u16), then accesses of { offset u32, size u8, value u32 }.
 * flags: 1 writable, 2 read handler, 4 write handler, 8 lockless, 16 an
 * unknown flag. kind: bits 0-1 the kind (3: unknown), bits 2-6 the
 * constant or the field's byte offset in the context.
 */
#include "fuzz.h"
#include "mdgpu_regs.h"

#define MAX_REGS 8
#define UNKNOWN_FLAG BIT(4)

struct fake_dev {
	u32 words[8];	/* first: fields are at byte 0-31 of the context */
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
		if (r->flags & UNKNOWN_FLAG || r->kind > MDGPU_REG_FIELD)
			return false;
		if (r->kind != MDGPU_REG_CALL &&
		    (r->len != 4 || r->sizes != MDGPU_REG_SZ4 || r->offset % 4))
			return false;
		if (r->kind == MDGPU_REG_FIELD && r->arg % 4)
			return false;
		if ((r->flags & MDGPU_REG_F_WRITE) && !r->write &&
		    r->kind != MDGPU_REG_FIELD)
			return false;
		if (i && (u64)tab[i - 1].offset + tab[i - 1].len > r->offset)
			return false;
	}
	return true;
}

/* What mdgpu_reg_index_init() promises on top of the table check. */
static bool ref_index_ok(const struct mdgpu_reg *tab, size_t n, u32 size)
{
	size_t i;

	if (n > MDGPU_REG_INDEX_MAX || !ref_table_ok(tab, n))
		return false;
	for (i = 0; i < n; i++)
		if ((u64)tab[i].offset + tab[i].len > size)
			return false;
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

/* The value a read hitting @r must return. */
static u32 ref_value(const struct mdgpu_reg *r, const struct fake_dev *d)
{
	switch (r->kind) {
	case MDGPU_REG_CONST:
		return r->arg;
	case MDGPU_REG_FIELD:
		return d->words[r->arg / 4];
	}
	return r->read ? 0x5a5a5a5a : 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz_input in = { data, size };
	struct mdgpu_reg_index idx;
	struct mdgpu_reg *tab;
	u32 off = fz_u32(&in), file;
	size_t n = fz_u8(&in) % (MAX_REGS + 1), i;
	u8 *slot;
	int ops = 0;
	bool ok;

	/* Exactly n entries, so ASan sees any read past the table. */
	tab = malloc(n ? n * sizeof(*tab) : 1);
	if (!tab)
		abort();
	for (i = 0; i < n; i++) {
		u8 flags, kind;

		if (i)
			off += fz_u16(&in);
		tab[i].offset = off;
		tab[i].len = fz_u16(&in);
		tab[i].sizes = fz_u8(&in) & 0xf;
		flags = fz_u8(&in);
		tab[i].flags = (flags & 1 ? MDGPU_REG_F_WRITE : 0) |
			       (flags & 8 ? MDGPU_REG_F_LOCKLESS : 0) |
			       (flags & 16 ? UNKNOWN_FLAG : 0);
		tab[i].name = "fuzz";
		tab[i].read = flags & 2 ? fake_read : NULL;
		tab[i].write = flags & 4 ? fake_write : NULL;
		kind = fz_u8(&in);
		tab[i].kind = kind & 3;
		tab[i].arg = kind >> 2 & 0x1f;
	}
	ok = !mdgpu_reg_table_check(tab, n);
	FZ_CHECK(ok == ref_table_ok(tab, n), "table check said %d", ok);

	/* The index, over a register file of the size the input gives. */
	file = fz_u16(&in);
	slot = malloc(file ? file : 1);
	if (!slot)
		abort();
	ok = !mdgpu_reg_index_init(&idx, tab, n, slot, file);
	FZ_CHECK(ok == ref_index_ok(tab, n, file), "index init said %d", ok);
	if (!ok)
		goto out;

	while (in.left && ops++ < 64) {
		struct fake_dev d = { .words = { 0x10, 0x11, 0x12, 0x13,
						 0x14, 0x15, 0x16, 0x17 } };
		const struct mdgpu_reg *r;
		u32 aoff = fz_u32(&in), asize = fz_u8(&in) % 9;
		u32 val = fz_u32(&in), got;
		bool hit;

		/* Stay near the table half of the time. */
		if (n && aoff & 0x80000000)
			aoff = tab[aoff % n].offset + (aoff >> 16 & 0x7f) - 8;
		r = mdgpu_reg_lookup(&idx, aoff, asize);
		FZ_CHECK(r == ref_find(tab, n, aoff, asize),
			 "access %#x+%u: found entry %td", aoff, asize,
			 r ? r - tab : -1);
		d.expect = r;
		d.off = aoff;
		d.size = asize;
		hit = mdgpu_reg_read(&idx, &d, aoff, asize, &got);
		FZ_CHECK(hit == !!r, "read hit %d", hit);
		FZ_CHECK(got == (r ? ref_value(r, &d) : 0), "read returned %#x",
			 got);
		FZ_CHECK(d.calls == (r && r->kind == MDGPU_REG_CALL && r->read),
			 "read handler calls %d", d.calls);
		d.calls = 0;
		hit = mdgpu_reg_write(&idx, &d, aoff, asize, val);
		FZ_CHECK(hit == !!r, "write hit %d", hit);
		FZ_CHECK(d.calls == (r && (r->flags & MDGPU_REG_F_WRITE) &&
				     r->write),
			 "write handler calls %d", d.calls);
		for (i = 0; i < 8; i++) {
			bool stored = r && r->kind == MDGPU_REG_FIELD &&
				      (r->flags & MDGPU_REG_F_WRITE) &&
				      !r->write && r->arg / 4 == i;

			FZ_CHECK(d.words[i] == (stored ? val : 0x10 + i),
				 "context word %zu is %#x", i, d.words[i]);
		}
	}
out:
	free(slot);
	free(tab);
	return 0;
}
