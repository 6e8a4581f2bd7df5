/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarative register tables for mdgpu's trapped register BAR.
 *
 * A table says what each register is: a constant, a 32-bit field of the
 * context (the instance), or a pair of handlers; whether the guest may
 * write it; and whether an access needs the context's lock. At load a
 * direct index is built from the table (mdgpu_reg_index_init()), so that
 * finding the register an access hits is one array load, whatever the
 * table's size. Dispatch is pure: the handlers get an opaque context and
 * run under whatever lock the caller holds.
 */
#ifndef _MDGPU_REGS_H
#define _MDGPU_REGS_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/barrier.h>

/* Access sizes a register accepts (MDGPU_REG_SZ1 | ...). */
#define MDGPU_REG_SZ1		BIT(0)
#define MDGPU_REG_SZ2		BIT(1)
#define MDGPU_REG_SZ4		BIT(2)

/* The register can be written by the guest. */
#define MDGPU_REG_F_WRITE	BIT(0)
/*
 * An access needs no lock: the value is one aligned 32-bit field, read
 * whole with acquire semantics (smp_load_acquire(), so a writer that
 * publishes other data with it uses smp_store_release()) and written whole
 * (WRITE_ONCE()), with no side effect. Constants never need one.
 */
#define MDGPU_REG_F_LOCKLESS	BIT(1)

/**
 * enum mdgpu_reg_kind - where a register's value comes from
 * @MDGPU_REG_CALL: the @read handler (NULL: reads zero)
 * @MDGPU_REG_CONST: the constant in &mdgpu_reg.arg
 * @MDGPU_REG_FIELD: the u32 at byte &mdgpu_reg.arg of the context; a write
 *		     stores the value there unless the entry has a @write
 *		     handler
 *
 * CONST and FIELD entries are one 4-byte register taking 4-byte accesses.
 */
enum mdgpu_reg_kind {
	MDGPU_REG_CALL,
	MDGPU_REG_CONST,
	MDGPU_REG_FIELD,
};

/**
 * struct mdgpu_reg - one register, or an array of like registers
 * @offset: byte offset in the BAR
 * @len: bytes the entry spans; an access must lie inside it
 * @sizes: MDGPU_REG_SZ* bits: the access sizes accepted; an access must be
 *	   aligned to its own size
 * @flags: MDGPU_REG_F_* bits
 * @name: name for debug messages
 * @read: for MDGPU_REG_CALL: returns the value at byte @off of the entry,
 *	  @size bytes wide; NULL reads as zero
 * @write: takes a guest write at byte @off of the entry; only called if
 *	   MDGPU_REG_F_WRITE is set. Required for writable entries other
 *	   than MDGPU_REG_FIELD ones.
 * @kind: an &enum mdgpu_reg_kind (0: MDGPU_REG_CALL)
 * @arg: the constant, or the field's byte offset in the context
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
	u8 kind;
	u32 arg;
};

/* Most entries an index can hold (its slots are u8, 0 meaning none). */
#define MDGPU_REG_INDEX_MAX	255

/**
 * struct mdgpu_reg_index - direct index of a register table
 * @tab: the table, as checked by mdgpu_reg_table_check()
 * @slot: one byte per byte of the register file: 1 + the index in @tab of
 *	  the entry holding that byte, 0 if none does
 * @size: bytes of the register file (of @slot)
 */
struct mdgpu_reg_index {
	const struct mdgpu_reg *tab;
	const u8 *slot;
	u32 size;
};

int mdgpu_reg_table_check(const struct mdgpu_reg *tab, size_t n);
int mdgpu_reg_index_init(struct mdgpu_reg_index *idx,
			 const struct mdgpu_reg *tab, size_t n, u8 *slot,
			 u32 size);

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
 * mdgpu_reg_lookup() - find the entry an access hits, in O(1)
 * @idx: an index made by mdgpu_reg_index_init()
 * @offset: access offset
 * @size: access size
 *
 * Return: the entry, or NULL if the access hits none as a whole: outside
 * the register file, in a gap, of a size the entry does not take,
 * misaligned, or running past the entry's end.
 */
static inline const struct mdgpu_reg *
mdgpu_reg_lookup(const struct mdgpu_reg_index *idx, u32 offset, u32 size)
{
	const struct mdgpu_reg *r;
	u8 s;

	if (offset >= idx->size)
		return NULL;
	s = idx->slot[offset];
	if (!s)
		return NULL;
	r = &idx->tab[s - 1];
	/*
	 * @offset lies inside the entry (the slot says so), so what is left
	 * of it is at least one byte, and the entry does not wrap (checked).
	 * An entry shorter than an access size it accepts takes no such
	 * access.
	 */
	if (!mdgpu_reg_size_ok(r->sizes, size) || offset & (size - 1) ||
	    size > r->offset + r->len - offset)
		return NULL;
	return r;
}

/* The context's u32 field behind a MDGPU_REG_FIELD entry. */
static inline u32 *mdgpu_reg_field(const struct mdgpu_reg *r, void *ctx)
{
	return (u32 *)((u8 *)ctx + r->arg);
}

/**
 * mdgpu_reg_needs_lock() - whether an access to @r needs the context's lock
 * @r: an entry
 *
 * Return: false for constants and MDGPU_REG_F_LOCKLESS entries.
 */
static inline bool mdgpu_reg_needs_lock(const struct mdgpu_reg *r)
{
	return r->kind != MDGPU_REG_CONST && !(r->flags & MDGPU_REG_F_LOCKLESS);
}

/**
 * mdgpu_reg_get() - the value an access hitting @r reads
 * @r: the entry mdgpu_reg_lookup() returned
 * @ctx: passed to the handler
 * @offset: access offset
 * @size: access size
 *
 * The caller holds the context's lock if mdgpu_reg_needs_lock() says so.
 *
 * Return: the value.
 */
static inline u32 mdgpu_reg_get(const struct mdgpu_reg *r, void *ctx,
				u32 offset, u32 size)
{
	switch (r->kind) {
	case MDGPU_REG_CONST:
		return r->arg;
	case MDGPU_REG_FIELD:
		/* Pairs with the writer's smp_store_release() (FENCE_LAST). */
		return smp_load_acquire(mdgpu_reg_field(r, ctx));
	}
	return r->read ? r->read(ctx, r, offset - r->offset, size) : 0;
}

/**
 * mdgpu_reg_put() - carry out a write hitting @r
 * @r: the entry mdgpu_reg_lookup() returned
 * @ctx: passed to the handler
 * @offset: access offset
 * @size: access size
 * @val: the value written
 *
 * Writes to read-only entries are dropped. The caller holds the context's
 * lock if mdgpu_reg_needs_lock() says so.
 */
static inline void mdgpu_reg_put(const struct mdgpu_reg *r, void *ctx,
				 u32 offset, u32 size, u32 val)
{
	if (!(r->flags & MDGPU_REG_F_WRITE))
		return;
	if (r->write)
		r->write(ctx, r, offset - r->offset, size, val);
	else
		WRITE_ONCE(*mdgpu_reg_field(r, ctx), val);
}

/**
 * mdgpu_reg_read() - dispatch a register read
 * @idx: the index
 * @ctx: passed to the handler
 * @offset: access offset
 * @size: access size
 * @val: the value read; zero for unknown accesses
 *
 * Return: true if an entry was hit.
 */
static inline bool mdgpu_reg_read(const struct mdgpu_reg_index *idx,
				  void *ctx, u32 offset, u32 size, u32 *val)
{
	const struct mdgpu_reg *r = mdgpu_reg_lookup(idx, offset, size);

	*val = r ? mdgpu_reg_get(r, ctx, offset, size) : 0;
	return r;
}

/**
 * mdgpu_reg_write() - dispatch a register write
 * @idx: the index
 * @ctx: passed to the handler
 * @offset: access offset
 * @size: access size
 * @val: the value written
 *
 * Writes to read-only entries hit but are dropped.
 *
 * Return: true if an entry was hit.
 */
static inline bool mdgpu_reg_write(const struct mdgpu_reg_index *idx,
				   void *ctx, u32 offset, u32 size, u32 val)
{
	const struct mdgpu_reg *r = mdgpu_reg_lookup(idx, offset, size);

	if (r)
		mdgpu_reg_put(r, ctx, offset, size, val);
	return r;
}

#endif /* _MDGPU_REGS_H */
