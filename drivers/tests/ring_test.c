// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of command ring placement checks and pointer arithmetic.
 */
#include <kunit/test.h>
#include <linux/sizes.h>

#include "../ring.c"

static void ring_placement(struct kunit *test)
{
	const u64 vram = SZ_64M;
	u32 size;

	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0, SZ_4K, vram), MDGPU_ERR_NONE);
	for (size = MDGPU_RING_SIZE_MIN; size <= MDGPU_RING_SIZE_MAX; size <<= 1)
		KUNIT_EXPECT_EQ(test, mdgpu_ring_check(vram - size, size, vram),
				MDGPU_ERR_NONE);
	/* Size: zero, not a power of two, below and above the limits. */
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0, 0, vram), MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0, SZ_8K + SZ_4K, vram),
			MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0, SZ_2K, vram), MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0, SZ_2M, vram), MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0, 0x80000000, vram),
			MDGPU_ERR_RING);
	/* Base: misaligned, partly or wholly outside VRAM, huge. */
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(SZ_4K + 4, SZ_4K, vram),
			MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0x800, SZ_4K, vram),
			MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(vram - SZ_4K, SZ_8K, vram),
			MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(vram, SZ_4K, vram),
			MDGPU_ERR_RING);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(~0ULL << 12, SZ_4K, vram),
			MDGPU_ERR_RING);
	/* A ring exactly as large as a tiny VRAM. */
	KUNIT_EXPECT_EQ(test, mdgpu_ring_check(0, SZ_4K, SZ_4K), MDGPU_ERR_NONE);
}

static void ring_pointers(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, mdgpu_ring_ptr_valid(0, SZ_4K));
	KUNIT_EXPECT_TRUE(test, mdgpu_ring_ptr_valid(SZ_4K - 4, SZ_4K));
	KUNIT_EXPECT_FALSE(test, mdgpu_ring_ptr_valid(SZ_4K, SZ_4K));
	KUNIT_EXPECT_FALSE(test, mdgpu_ring_ptr_valid(2, SZ_4K));
	KUNIT_EXPECT_FALSE(test, mdgpu_ring_ptr_valid(SZ_4K - 1, SZ_4K));
	KUNIT_EXPECT_FALSE(test, mdgpu_ring_ptr_valid(0xfffffffc, SZ_4K));
}

static void ring_wraparound(struct kunit *test)
{
	const u32 size = SZ_4K;
	u32 head, tail, i;

	KUNIT_EXPECT_EQ(test, mdgpu_ring_used(0, 0, size), 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_used(0, 16, size), 16U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_used(size - 8, 8, size), 16U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_used(8, 4, size), size - 4);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_advance(size - 4, 4, size), 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_advance(size - 8, 28, size), 20U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_advance(100, size, size), 100U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_contig(size - 8, 28, size), 8U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_contig(0, 28, size), 28U);
	KUNIT_EXPECT_EQ(test, mdgpu_ring_contig(size - 28, 28, size), 28U);

	/* Walk commands of 9 dwords around the ring several times. */
	head = 0;
	tail = 0;
	for (i = 0; i < 2000; i++) {
		u32 first;

		tail = mdgpu_ring_advance(tail, 36, size);
		KUNIT_ASSERT_EQ(test, mdgpu_ring_used(head, tail, size), 36U);
		first = mdgpu_ring_contig(head, 36, size);
		KUNIT_ASSERT_LE(test, first, 36U);
		KUNIT_ASSERT_EQ(test, head + first <= size, true);
		KUNIT_ASSERT_EQ(test, first == 36, head + 36 <= size);
		head = mdgpu_ring_advance(head, 36, size);
		KUNIT_ASSERT_EQ(test, head, tail);
		KUNIT_ASSERT_TRUE(test, mdgpu_ring_ptr_valid(head, size));
	}
	KUNIT_EXPECT_EQ(test, head, (2000U * 36) % size);
}

static struct kunit_case mdgpu_ring_cases[] = {
	KUNIT_CASE(ring_placement),
	KUNIT_CASE(ring_pointers),
	KUNIT_CASE(ring_wraparound),
	{}
};

static struct kunit_suite mdgpu_ring_suite = {
	.name = "mdgpu_ring",
	.test_cases = mdgpu_ring_cases,
};

kunit_test_suite(mdgpu_ring_suite);
