// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of register table dispatch: the table check, the direct
 * index built from a table, lookup through it (against a linear search of
 * the table, at every offset and size) and the value kinds.
 */
#include <kunit/test.h>

#include "../reg_table.c"

struct fake_dev {
	u32 a;
	u16 arr[4];
	int reads, writes;
	u32 last_off, last_size;
	u32 field;
	u32 lockless;
};

static u32 fake_read(void *ctx, const struct mdgpu_reg *reg, u32 off, u32 size)
{
	struct fake_dev *d = ctx;

	d->reads++;
	d->last_off = off;
	d->last_size = size;
	return reg->offset == 0x10 ? d->a : d->arr[off / 2];
}

static void fake_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		       u32 size, u32 val)
{
	struct fake_dev *d = ctx;

	d->writes++;
	if (reg->offset == 0x10)
		d->a = val;
	else
		d->arr[off / 2] = val;
}

static const struct mdgpu_reg fake_regs[] = {
	{ 0x00, 4, MDGPU_REG_SZ4, 0, "ID", NULL },
	{ 0x10, 4, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, "A", fake_read, fake_write },
	{ 0x20, 8, MDGPU_REG_SZ2, MDGPU_REG_F_WRITE, "ARR", fake_read, fake_write },
	{ 0x40, 0x10, MDGPU_REG_SZ1 | MDGPU_REG_SZ2 | MDGPU_REG_SZ4, 0, "BLOB",
	  fake_read },
	{ 0x50, 4, MDGPU_REG_SZ4, 0, "MAGIC", .kind = MDGPU_REG_CONST,
	  .arg = 0xfeedf00d },
	{ 0x54, 4, MDGPU_REG_SZ4, 0, "FIELD_RO", .kind = MDGPU_REG_FIELD,
	  .arg = offsetof(struct fake_dev, field) },
	{ 0x58, 4, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE | MDGPU_REG_F_LOCKLESS,
	  "FIELD_RW", .kind = MDGPU_REG_FIELD,
	  .arg = offsetof(struct fake_dev, lockless) },
	/* A field read, a write through a handler (a doorbell). */
	{ 0x5c, 4, MDGPU_REG_SZ4, MDGPU_REG_F_WRITE, "BELL", NULL, fake_write,
	  .kind = MDGPU_REG_FIELD, .arg = offsetof(struct fake_dev, field) },
};

#define N_FAKE ARRAY_SIZE(fake_regs)
#define FAKE_SIZE 0x80

/* The index of fake_regs, for a test. */
static struct mdgpu_reg_index *fake_index(struct kunit *test)
{
	struct mdgpu_reg_index *idx = kunit_kzalloc(test, sizeof(*idx),
						    GFP_KERNEL);
	u8 *slot = kunit_kzalloc(test, FAKE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, idx);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_ASSERT_EQ(test, mdgpu_reg_index_init(idx, fake_regs, N_FAKE, slot,
						   FAKE_SIZE), 0);
	return idx;
}

/* The entry an access hits, by the rules, the slow way. */
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
		    mdgpu_reg_size_ok(r->sizes, size))
			return r;
	}
	return NULL;
}

static void reg_table_valid(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(fake_regs, N_FAKE), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(fake_regs, 0), 0);
}

static void reg_table_invalid(struct kunit *test)
{
	struct mdgpu_reg bad[2];

	memcpy(bad, &fake_regs[1], sizeof(bad));
	bad[1].offset = 0x12;		/* overlaps A */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].offset = 0x08;		/* unsorted */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].offset = 0x20;
	bad[1].len = 0;			/* empty */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].len = 8;
	bad[1].sizes = 0;		/* no access size */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].sizes = BIT(3);		/* 8-byte accesses are not offered */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].sizes = MDGPU_REG_SZ2;
	bad[1].write = NULL;		/* writable without a handler */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].write = fake_write;
	bad[1].offset = U32_MAX - 2;	/* wraps around */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].offset = 0x20;
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), 0);
	bad[1].flags |= BIT(5);		/* unknown flag */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].flags = MDGPU_REG_F_WRITE;
	bad[1].kind = MDGPU_REG_FIELD + 1;	/* unknown kind */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
}

/* Constants and fields are one 4-byte register; only fields are written. */
static void reg_table_kinds(struct kunit *test)
{
	struct mdgpu_reg r = { 0x10, 4, MDGPU_REG_SZ4, 0, "K",
			       .kind = MDGPU_REG_CONST, .arg = 1 };

	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(&r, 1), 0);
	r.flags = MDGPU_REG_F_WRITE;	/* a writable constant, no handler */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(&r, 1), -EINVAL);
	r.kind = MDGPU_REG_FIELD;	/* a writable field needs none */
	r.arg = 4;
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(&r, 1), 0);
	r.arg = 6;			/* a misaligned field */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(&r, 1), -EINVAL);
	r.arg = 4;
	r.len = 8;			/* two registers in one entry */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(&r, 1), -EINVAL);
	r.len = 4;
	r.sizes |= MDGPU_REG_SZ2;	/* sub-word accesses */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(&r, 1), -EINVAL);
	r.sizes = MDGPU_REG_SZ4;
	r.offset = 0x12;		/* a misaligned register */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(&r, 1), -EINVAL);
}

/* The index refuses what the check refuses, and what it cannot hold. */
static void reg_index_refuses(struct kunit *test)
{
	static const struct mdgpu_reg past_end[] = {
		{ 0x7c, 8, MDGPU_REG_SZ4, 0, "PAST", NULL },
	};
	struct mdgpu_reg_index idx = { 0 };
	struct mdgpu_reg *many;
	u8 *slot = kunit_kzalloc(test, 0x1000, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_EQ(test, mdgpu_reg_index_init(&idx, past_end, 1, slot,
						   FAKE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_reg_index_init(&idx, past_end, 1, slot,
						   0x84), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_reg_index_init(&idx, fake_regs, N_FAKE,
						   slot, 0x5f), -EINVAL);
	/* A table the check refuses (unsorted) is not indexed. */
	many = kunit_kcalloc(test, MDGPU_REG_INDEX_MAX + 1, sizeof(*many),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, many);
	many[0] = fake_regs[1];
	many[1] = fake_regs[0];
	KUNIT_EXPECT_EQ(test, mdgpu_reg_index_init(&idx, many, 2, slot, 0x1000),
			-EINVAL);
	/* One entry more than a slot byte can name. */
	for (i = 0; i <= MDGPU_REG_INDEX_MAX; i++)
		many[i] = (struct mdgpu_reg){ i * 4, 4, MDGPU_REG_SZ4, 0, "R" };
	KUNIT_EXPECT_EQ(test, mdgpu_reg_index_init(&idx, many,
						   MDGPU_REG_INDEX_MAX + 1,
						   slot, 0x1000), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_reg_index_init(&idx, many,
						   MDGPU_REG_INDEX_MAX, slot,
						   0x1000), 0);
	/* The last entry is found through its slot (255). */
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_lookup(&idx, 254 * 4, 4),
			    (const struct mdgpu_reg *)&many[254]);
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(&idx, 255 * 4, 4));
}

/* At every offset of the file and beyond, every size: as the slow way. */
static void reg_index_matches_table(struct kunit *test)
{
	struct mdgpu_reg_index *idx = fake_index(test);
	u32 off, size;

	for (off = 0; off < FAKE_SIZE + 8; off++)
		for (size = 0; size <= 8; size++)
			KUNIT_EXPECT_PTR_EQ_MSG(test, mdgpu_reg_lookup(idx, off, size),
						ref_find(fake_regs, N_FAKE, off, size),
						"access 0x%x+%u", off, size);
}

static void reg_find_rules(struct kunit *test)
{
	struct mdgpu_reg_index *idx = fake_index(test);

	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_lookup(idx, 0x10, 4),
			    &fake_regs[1]);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_lookup(idx, 0x26, 2),
			    &fake_regs[2]);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_lookup(idx, 0x4f, 1),
			    &fake_regs[3]);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_lookup(idx, 0x4c, 4),
			    &fake_regs[3]);
	/* Wrong size, misaligned, straddling the end, or in a gap. */
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x10, 2));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x24, 4));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x21, 2));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x4e, 4));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x50, 1));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x14, 4));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x42, 3));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, 0x40, 8));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, U32_MAX, 1));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(idx, U32_MAX - 3, 4));
}

/* Found by selftests/fuzz: the length check must not wrap around. */
static void reg_find_short_entry(struct kunit *test)
{
	static const struct mdgpu_reg short_regs[] = {
		{ 0x100, 3, MDGPU_REG_SZ1 | MDGPU_REG_SZ4, 0, "SHORT", NULL },
	};

	struct mdgpu_reg_index idx;
	u8 *slot = kunit_kzalloc(test, 0x200, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(short_regs, 1), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_reg_index_init(&idx, short_regs, 1, slot,
						   0x200), 0);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_lookup(&idx, 0x102, 1),
			    &short_regs[0]);
	KUNIT_EXPECT_NULL(test, mdgpu_reg_lookup(&idx, 0x100, 4));
}

static void reg_dispatch(struct kunit *test)
{
	struct mdgpu_reg_index *idx = fake_index(test);
	struct fake_dev d = { .a = 7 };
	u32 v = 1;

	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x10, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 7U);
	/* Array entries get the offset inside the entry. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(idx, &d, 0x24, 2, 5));
	KUNIT_EXPECT_EQ(test, d.arr[2], (u16)5);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x24, 2, &v));
	KUNIT_EXPECT_EQ(test, v, 5U);
	KUNIT_EXPECT_EQ(test, d.last_off, 4U);
	KUNIT_EXPECT_EQ(test, d.last_size, 2U);
	/* An entry without a read handler reads zero. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x00, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0U);
	/* Writes to read-only entries hit but change nothing. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(idx, &d, 0x40, 1, 3));
	KUNIT_EXPECT_EQ(test, d.writes, 1);
	/* Unknown accesses read zero, drop writes, and report a miss. */
	v = 1;
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_read(idx, &d, 0x80, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0U);
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_write(idx, &d, 0x12, 2, 1));
	KUNIT_EXPECT_EQ(test, d.writes, 1);
	KUNIT_EXPECT_EQ(test, d.a, 7U);
}

static void reg_dispatch_kinds(struct kunit *test)
{
	struct mdgpu_reg_index *idx = fake_index(test);
	struct fake_dev d = { .field = 0x1234, .lockless = 5 };
	u32 v;

	/* A constant reads its value, takes no write, needs no lock. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x50, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0xfeedf00dU);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(idx, &d, 0x50, 4, 1));
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x50, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0xfeedf00dU);
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_needs_lock(&fake_regs[4]));
	/* A read-only field follows the context, drops writes, is locked. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x54, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0x1234U);
	d.field = 0x4321;
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x54, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0x4321U);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(idx, &d, 0x54, 4, 9));
	KUNIT_EXPECT_EQ(test, d.field, 0x4321U);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_needs_lock(&fake_regs[5]));
	/* A writable lockless field stores the value. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(idx, &d, 0x58, 4, 0xabcd));
	KUNIT_EXPECT_EQ(test, d.lockless, 0xabcdU);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x58, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0xabcdU);
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_needs_lock(&fake_regs[6]));
	/* A field with a write handler: the handler takes the write. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(idx, &d, 0x5c, 4, 0x77));
	KUNIT_EXPECT_EQ(test, d.writes, 1);
	KUNIT_EXPECT_EQ(test, d.field, 0x4321U);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(idx, &d, 0x5c, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0x4321U);
	/* Fields take 4-byte accesses only. */
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_read(idx, &d, 0x58, 2, &v));
	KUNIT_EXPECT_EQ(test, v, 0U);
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_write(idx, &d, 0x5a, 2, 1));
	KUNIT_EXPECT_EQ(test, d.lockless, 0xabcdU);
	KUNIT_EXPECT_EQ(test, d.reads, 0);
}

static struct kunit_case mdgpu_reg_cases[] = {
	KUNIT_CASE(reg_table_valid),
	KUNIT_CASE(reg_table_invalid),
	KUNIT_CASE(reg_table_kinds),
	KUNIT_CASE(reg_index_refuses),
	KUNIT_CASE(reg_index_matches_table),
	KUNIT_CASE(reg_find_rules),
	KUNIT_CASE(reg_find_short_entry),
	KUNIT_CASE(reg_dispatch),
	KUNIT_CASE(reg_dispatch_kinds),
	{}
};

static struct kunit_suite mdgpu_reg_suite = {
	.name = "mdgpu_reg_table",
	.test_cases = mdgpu_reg_cases,
};

kunit_test_suite(mdgpu_reg_suite);
