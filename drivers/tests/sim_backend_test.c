// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the simulated parent's VRAM: pages appear on first write
 * only, never-written VRAM reads as zeroes, discard frees, and the engine's
 * in-device copy moves bytes page to page without allocating for untouched
 * source pages.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "../sim_backend.c"

#define SIM_VRAM	SZ_4M

/*
 * The core's report of a backing shortage (vram_reclaim.c), counted here:
 * the backend must call it exactly when it refuses a page.
 */
static unsigned int sim_short_calls;

void mdgpu_parent_vram_short(struct mdgpu_parent *parent)
{
	sim_short_calls++;
}

static struct mdgpu_parent *sim_parent(struct kunit *test)
{
	struct mdgpu_parent *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->vram_size = SIM_VRAM;
	/* Offsets up to twice the VRAM, as with vram_ratio 2000. */
	p->vram_max = 2 * SIM_VRAM;
	p->ops = &mdgpu_sim_ops;
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.init(p), 0);
	return p;
}

/* Pages in the index (not counting discarded ones not yet freed). */
static unsigned long sim_pages(struct mdgpu_parent *p)
{
	struct mdgpu_sim *sim = p->backend;
	struct mdgpu_sim_chunk *chunk;
	unsigned long c, i, n = 0;

	xa_for_each(&sim->chunks, c, chunk)
		for (i = 0; i < MDGPU_SIM_CHUNK_PAGES; i++)
			n += !!chunk->pages[i];
	return n;
}

/* The page at VRAM page @idx, or NULL. */
static struct page *sim_page_at(struct mdgpu_parent *p, unsigned long idx)
{
	return mdgpu_sim_page(p->backend, idx, 0);
}

/* @len bytes at @off equal @want (NULL: all zero). */
static void sim_expect(struct kunit *test, struct mdgpu_parent *p, u64 off,
		       const u8 *want, size_t len)
{
	u8 *got = kunit_kmalloc(test, len, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, got);
	memset(got, 0xee, len);
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, off, got, len, false),
			0);
	for (i = 0; i < len; i++) {
		u8 w = want ? want[i] : 0;

		if (got[i] != w) {
			KUNIT_FAIL(test, "VRAM 0x%llx is 0x%02x, want 0x%02x",
				   off + i, got[i], w);
			return;
		}
	}
}

static void sim_lazy_pages(struct kunit *test)
{
	struct mdgpu_parent *p = sim_parent(test);
	u8 buf[100];

	memset(buf, 0x5a, sizeof(buf));
	sim_expect(test, p, 0, NULL, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 0UL);
	/* 100 bytes across the boundary of pages 2 and 3 */
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, 3 * PAGE_SIZE - 50, buf,
						    sizeof(buf), true), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 2UL);
	sim_expect(test, p, 3 * PAGE_SIZE - 50, buf, sizeof(buf));
	sim_expect(test, p, 2 * PAGE_SIZE, NULL, PAGE_SIZE - 50);
	mdgpu_sim_ops.vram_discard(p, 0, SIM_VRAM);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 0UL);
	sim_expect(test, p, 3 * PAGE_SIZE - 50, NULL, sizeof(buf));
	mdgpu_sim_ops.fini(p);
}

static void sim_copy_written(struct kunit *test)
{
	struct mdgpu_parent *p = sim_parent(test);
	size_t len = 2 * PAGE_SIZE + 77;
	u8 *src = kunit_kmalloc(test, len, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < len; i++)
		src[i] = i * 7 + 3;
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, 13, src, len, true), 0);
	/* unaligned on both sides, crossing page boundaries at other offsets */
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_copy(p, 8 * PAGE_SIZE + 1001,
						      13, len), 0);
	sim_expect(test, p, 8 * PAGE_SIZE + 1001, src, len);
	sim_expect(test, p, 8 * PAGE_SIZE, NULL, 1001);
	/* within one page, disjoint */
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_copy(p, 2000, 13, 100), 0);
	sim_expect(test, p, 2000, src, 100);
	sim_expect(test, p, 13, src, 100);
	mdgpu_sim_ops.fini(p);
}

static void sim_copy_untouched(struct kunit *test)
{
	struct mdgpu_parent *p = sim_parent(test);
	u8 *ones = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ones);
	memset(ones, 0xff, PAGE_SIZE);
	/* untouched onto untouched: nothing is allocated */
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_copy(p, 64 * PAGE_SIZE,
						      16 * PAGE_SIZE,
						      8 * PAGE_SIZE + 9), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 0UL);
	sim_expect(test, p, 64 * PAGE_SIZE, NULL, 8 * PAGE_SIZE + 9);
	/* untouched onto written: the range reads zero, its neighbours not */
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, 0, ones, PAGE_SIZE,
						    true), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_copy(p, 100, 32 * PAGE_SIZE,
						      200), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 1UL);
	sim_expect(test, p, 0, ones, 100);
	sim_expect(test, p, 100, NULL, 200);
	sim_expect(test, p, 300, ones, PAGE_SIZE - 300);
	mdgpu_sim_ops.fini(p);
}

/*
 * A move re-indexes the pages: the same pages, holding the same bytes, at
 * the destination; the source reads zero; nothing is allocated or freed.
 */
static void sim_move_pages(struct kunit *test)
{
	struct mdgpu_parent *p = sim_parent(test);
	size_t len = 3 * PAGE_SIZE;
	u8 *src = kunit_kmalloc(test, len, GFP_KERNEL);
	struct page *first;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, src);
	for (i = 0; i < len; i++)
		src[i] = i * 13 + 1;
	/* pages 4 and 6 written, page 5 never: it stays absent */
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, 4 * PAGE_SIZE, src,
						    PAGE_SIZE, true), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, 6 * PAGE_SIZE,
						    src + 2 * PAGE_SIZE,
						    PAGE_SIZE, true), 0);
	memset(src + PAGE_SIZE, 0, PAGE_SIZE);
	first = sim_page_at(p, 4);
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_move(p, 64 * PAGE_SIZE,
						      4 * PAGE_SIZE, len), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 2UL);
	KUNIT_EXPECT_PTR_EQ(test, sim_page_at(p, 64), first);
	KUNIT_EXPECT_NULL(test, sim_page_at(p, 65));
	sim_expect(test, p, 64 * PAGE_SIZE, src, len);
	sim_expect(test, p, 4 * PAGE_SIZE, NULL, len);
	/* and back, downwards */
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_move(p, 0, 64 * PAGE_SIZE,
						      len), 0);
	sim_expect(test, p, 0, src, len);
	sim_expect(test, p, 64 * PAGE_SIZE, NULL, len);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 2UL);
	mdgpu_sim_ops.fini(p);
}

/* A bad page on either side refuses the move and changes nothing. */
static void sim_move_bad(struct kunit *test)
{
	struct mdgpu_parent *p = sim_parent(test);
	u8 *ones = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ones);
	memset(ones, 0xff, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, 0, ones, PAGE_SIZE,
						    true), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_poison(p, 33 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_move(p, 32 * PAGE_SIZE, 0,
						      4 * PAGE_SIZE), -EIO);
	sim_expect(test, p, 0, ones, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_poison(p, 2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_move(p, 16 * PAGE_SIZE, 0,
						      4 * PAGE_SIZE), -EIO);
	sim_expect(test, p, 0, ones, PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, mdgpu_sim_ops.vram_bad(p, 2 * PAGE_SIZE, 1));
	KUNIT_EXPECT_FALSE(test, mdgpu_sim_ops.vram_bad(p, 16 * PAGE_SIZE,
							4 * PAGE_SIZE));
	mdgpu_sim_ops.fini(p);
}

/*
 * A discard takes whole chunks out of the index at once and frees the
 * pages of a chunk it covers in part; the populated count keeps the
 * unindexed pages until vram_reap frees them.
 */
static void sim_discard_detaches(struct kunit *test)
{
	struct mdgpu_parent *p = sim_parent(test);
	u8 *ones = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	u64 off;

	KUNIT_ASSERT_NOT_NULL(test, ones);
	memset(ones, 0xff, PAGE_SIZE);
	/* every page of the first 3 MiB */
	for (off = 0; off < 3 * SZ_1M; off += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, off, ones,
							    PAGE_SIZE, true),
				0);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_populated(p), 3ULL * SZ_1M);
	/* the end of chunk 0, all of chunk 1, the start of chunk 2 */
	mdgpu_sim_ops.vram_discard(p, SZ_1M - 2 * PAGE_SIZE,
				   SZ_1M + 5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 768UL - 2 - 256 - 3);
	sim_expect(test, p, SZ_1M - 2 * PAGE_SIZE, NULL,
		   SZ_1M + 5 * PAGE_SIZE);
	sim_expect(test, p, SZ_1M - 3 * PAGE_SIZE, ones, PAGE_SIZE);
	sim_expect(test, p, 2 * SZ_1M + 3 * PAGE_SIZE, ones, PAGE_SIZE);
	/* the chunk's pages are counted until reaped, then freed */
	mdgpu_sim_ops.vram_reap(p);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_populated(p),
			(u64)sim_pages(p) << PAGE_SHIFT);
	mdgpu_sim_ops.vram_discard(p, 0, SIM_VRAM);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 0UL);
	mdgpu_sim_ops.vram_reap(p);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_populated(p), 0ULL);
	mdgpu_sim_ops.fini(p);
}

/*
 * Oversubscribed: offsets past the VRAM size work, but no more than the
 * VRAM size is ever populated; zeroes cost nothing; reclaim frees the
 * pages that hold only zeroes and nothing else.
 */
static void sim_backing_limit(struct kunit *test)
{
	struct mdgpu_parent *p = sim_parent(test);
	struct mdgpu_sim *sim = p->backend;
	const unsigned long limit = SIM_VRAM / PAGE_SIZE;
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned long pfn, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	sim_short_calls = 0;
	/* Zeroes written anywhere allocate nothing. */
	memset(buf, 0, PAGE_SIZE);
	for (i = 0; i < 2 * limit; i += 64)
		KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, i * PAGE_SIZE,
							    buf, PAGE_SIZE,
							    true), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(p), 0UL);
	/* Fill the whole VRAM size, half of it past the VRAM's end. */
	memset(buf, 0x3c, PAGE_SIZE);
	for (i = 0; i < limit; i++)
		KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, (limit / 2 + i) *
							    PAGE_SIZE, buf,
							    PAGE_SIZE, true),
				0);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_populated(p),
			(u64)SIM_VRAM);
	KUNIT_EXPECT_EQ(test, sim_short_calls, 0U);
	/* One page more: refused by every path, and reported. */
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_rw(p, 0, buf, 8, true),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_pfn(p, PAGE_SIZE, &pfn),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_copy(p, 2 * PAGE_SIZE,
						      limit * PAGE_SIZE,
						      PAGE_SIZE), -ENOMEM);
	KUNIT_EXPECT_NULL(test, mdgpu_sim_ops.vram_page(p, 3 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, sim_short_calls, 4U);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_populated(p),
			(u64)SIM_VRAM);
	sim_expect(test, p, 0, NULL, 4 * PAGE_SIZE);
	/* Written pages go on working. */
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_rw(p, limit * PAGE_SIZE + 5,
						    buf, 8, true), 0);
	/* Pages cleared to zeroes: reclaim frees them, and only them. */
	memset(buf, 0, PAGE_SIZE);
	for (i = 0; i < 10; i++)
		KUNIT_ASSERT_EQ(test, mdgpu_sim_ops.vram_rw(p, (limit + i) *
							    PAGE_SIZE, buf,
							    PAGE_SIZE, true),
				0);
	KUNIT_EXPECT_EQ(test, sim_pages(p), limit);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_reclaim(p, 0, p->vram_max),
			10 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, sim_pages(p), limit - 10);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&sim->populated),
			(long)(limit - 10));
	sim_expect(test, p, limit * PAGE_SIZE, NULL, 10 * PAGE_SIZE);
	memset(buf, 0x3c, PAGE_SIZE);
	sim_expect(test, p, (limit + 10) * PAGE_SIZE, buf, PAGE_SIZE);
	/* Room again. */
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_rw(p, 0, buf, 8, true), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_sim_ops.vram_reclaim(p, 0, p->vram_max),
			0ULL);
	mdgpu_sim_ops.fini(p);
}

static struct kunit_case sim_backend_cases[] = {
	KUNIT_CASE(sim_lazy_pages),
	KUNIT_CASE(sim_backing_limit),
	KUNIT_CASE(sim_copy_written),
	KUNIT_CASE(sim_copy_untouched),
	KUNIT_CASE(sim_move_pages),
	KUNIT_CASE(sim_move_bad),
	KUNIT_CASE(sim_discard_detaches),
	{}
};

static struct kunit_suite sim_backend_suite = {
	.name = "mdgpu_sim_backend",
	.test_cases = sim_backend_cases,
};

kunit_test_suite(sim_backend_suite);
