// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of register table dispatch.
 */
#include <kunit/test.h>

#include "../reg_table.c"

struct fake_dev {
	u32 a;
	u16 arr[4];
	int reads, writes;
	u32 last_off, last_size;
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
};

#define N_FAKE ARRAY_SIZE(fake_regs)

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
}

static void reg_find_rules(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x10, 4),
			    &fake_regs[1]);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x26, 2),
			    &fake_regs[2]);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x4f, 1),
			    &fake_regs[3]);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x4c, 4),
			    &fake_regs[3]);
	/* Wrong size, misaligned, straddling the end, or in a gap. */
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x10, 2));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x24, 4));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x21, 2));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x4e, 4));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x50, 1));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x14, 4));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x42, 3));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, 0x40, 8));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, U32_MAX, 1));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, N_FAKE, U32_MAX - 3, 4));
}

/* Found by selftests/fuzz: the length check must not wrap around. */
static void reg_find_short_entry(struct kunit *test)
{
	static const struct mdgpu_reg short_regs[] = {
		{ 0x100, 3, MDGPU_REG_SZ1 | MDGPU_REG_SZ4, 0, "SHORT", NULL },
	};

	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(short_regs, 1), 0);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_find(short_regs, 1, 0x102, 1),
			    &short_regs[0]);
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(short_regs, 1, 0x100, 4));
}

static void reg_dispatch(struct kunit *test)
{
	struct fake_dev d = { .a = 7 };
	u32 v = 1;

	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(fake_regs, N_FAKE, &d, 0x10, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 7U);
	/* Array entries get the offset inside the entry. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(fake_regs, N_FAKE, &d, 0x24, 2, 5));
	KUNIT_EXPECT_EQ(test, d.arr[2], (u16)5);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(fake_regs, N_FAKE, &d, 0x24, 2, &v));
	KUNIT_EXPECT_EQ(test, v, 5U);
	KUNIT_EXPECT_EQ(test, d.last_off, 4U);
	KUNIT_EXPECT_EQ(test, d.last_size, 2U);
	/* An entry without a read handler reads zero. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(fake_regs, N_FAKE, &d, 0x00, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0U);
	/* Writes to read-only entries hit but change nothing. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(fake_regs, N_FAKE, &d, 0x40, 1, 3));
	KUNIT_EXPECT_EQ(test, d.writes, 1);
	/* Unknown accesses read zero, drop writes, and report a miss. */
	v = 1;
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_read(fake_regs, N_FAKE, &d, 0x80, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0U);
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_write(fake_regs, N_FAKE, &d, 0x12, 2, 1));
	KUNIT_EXPECT_EQ(test, d.writes, 1);
	KUNIT_EXPECT_EQ(test, d.a, 7U);
}

static struct kunit_case mdgpu_reg_cases[] = {
	KUNIT_CASE(reg_table_valid),
	KUNIT_CASE(reg_table_invalid),
	KUNIT_CASE(reg_find_rules),
	KUNIT_CASE(reg_find_short_entry),
	KUNIT_CASE(reg_dispatch),
	{}
};

static struct kunit_suite mdgpu_reg_suite = {
	.name = "mdgpu_reg_table",
	.test_cases = mdgpu_reg_cases,
};

kunit_test_suite(mdgpu_reg_suite);
