// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of register table dispatch.
 */
#include <kunit/test.h>

#include "../reg_table.c"

struct fake_dev {
	u32 a, b;
	int reads, writes;
};

static u32 fake_read(void *ctx, const struct mdgpu_reg *reg)
{
	struct fake_dev *d = ctx;

	d->reads++;
	return reg->offset == 0x10 ? d->a : d->b;
}

static void fake_write(void *ctx, const struct mdgpu_reg *reg, u32 val)
{
	struct fake_dev *d = ctx;

	d->writes++;
	if (reg->offset == 0x10)
		d->a = val;
	else
		d->b = val;
}

static const struct mdgpu_reg fake_regs[] = {
	{ 0x00, 4, 0, "ID", NULL },
	{ 0x10, 4, MDGPU_REG_F_WRITE, "A", fake_read, fake_write },
	{ 0x14, 2, MDGPU_REG_F_WRITE, "B", fake_read, fake_write },
	{ 0x16, 1, 0, "C", fake_read },
};

static void reg_table_valid(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(fake_regs,
						    ARRAY_SIZE(fake_regs)), 0);
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
	bad[1].offset = 0x15;		/* misaligned 2-byte register */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].offset = 0x14;
	bad[1].size = 3;		/* no such access size */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
	bad[1].size = 2;
	bad[1].write = NULL;		/* writable without a handler */
	KUNIT_EXPECT_EQ(test, mdgpu_reg_table_check(bad, 2), -EINVAL);
}

static void reg_find_exact_only(struct kunit *test)
{
	const size_t n = ARRAY_SIZE(fake_regs);

	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_find(fake_regs, n, 0x10, 4),
			    &fake_regs[1]);
	KUNIT_EXPECT_PTR_EQ(test, mdgpu_reg_find(fake_regs, n, 0x16, 1),
			    &fake_regs[3]);
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, n, 0x10, 2));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, n, 0x11, 1));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, n, 0x12, 2));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, n, 0x20, 4));
	KUNIT_EXPECT_NULL(test, mdgpu_reg_find(fake_regs, n, U32_MAX, 4));
}

static void reg_dispatch(struct kunit *test)
{
	const size_t n = ARRAY_SIZE(fake_regs);
	struct fake_dev d = { .a = 7, .b = 9 };
	u32 v = 1;

	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(fake_regs, n, &d, 0x10, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 7U);
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(fake_regs, n, &d, 0x14, 2, 5));
	KUNIT_EXPECT_EQ(test, d.b, 5U);
	/* A register without a read handler reads zero. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_read(fake_regs, n, &d, 0x00, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0U);
	/* Writes to read-only registers hit but change nothing. */
	KUNIT_EXPECT_TRUE(test, mdgpu_reg_write(fake_regs, n, &d, 0x16, 1, 3));
	KUNIT_EXPECT_EQ(test, d.writes, 1);
	/* Unknown accesses read zero, drop writes, and report a miss. */
	v = 1;
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_read(fake_regs, n, &d, 0x40, 4, &v));
	KUNIT_EXPECT_EQ(test, v, 0U);
	KUNIT_EXPECT_FALSE(test, mdgpu_reg_write(fake_regs, n, &d, 0x12, 2, 1));
	KUNIT_EXPECT_EQ(test, d.writes, 1);
	KUNIT_EXPECT_EQ(test, d.a, 7U);
}

static struct kunit_case mdgpu_reg_cases[] = {
	KUNIT_CASE(reg_table_valid),
	KUNIT_CASE(reg_table_invalid),
	KUNIT_CASE(reg_find_exact_only),
	KUNIT_CASE(reg_dispatch),
	{}
};

static struct kunit_suite mdgpu_reg_suite = {
	.name = "mdgpu_reg_table",
	.test_cases = mdgpu_reg_cases,
};

kunit_test_suite(mdgpu_reg_suite);
