// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the VRAM dirty tracking bookkeeping (pre-copy rounds).
 */
#include <kunit/test.h>
#include <linux/prandom.h>

#include "../dirty_map.c"

static void dirty_init(struct kunit *test, struct mdgpu_dirty_map *map,
		       unsigned long nr)
{
	KUNIT_ASSERT_EQ(test, mdgpu_dirty_map_init(map, nr), 0);
}

/* Take the whole round's set; check it is ascending; return its size. */
static unsigned long dirty_drain(struct kunit *test, struct mdgpu_dirty_map *map,
				 unsigned long *seen)
{
	unsigned long page, n = 0, last = 0;

	while (mdgpu_dirty_map_next(map, &page)) {
		KUNIT_EXPECT_LT(test, page, map->nr_pages);
		if (n)
			KUNIT_EXPECT_GT(test, page, last);
		if (seen)
			__set_bit(page, seen);
		last = page;
		n++;
	}
	KUNIT_EXPECT_EQ(test, map->nr_round, 0UL);
	return n;
}

static void dirty_init_all_dirty(struct kunit *test)
{
	struct mdgpu_dirty_map map = {};

	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_init(&map, 0), -EINVAL);
	dirty_init(test, &map, 1000);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 1000UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_start_round(&map), 1000UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 1000UL);
	KUNIT_EXPECT_EQ(test, dirty_drain(test, &map, NULL), 1000UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 0UL);
	/* Nothing written since: an empty round. */
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_start_round(&map), 0UL);
	KUNIT_EXPECT_EQ(test, dirty_drain(test, &map, NULL), 0UL);
	mdgpu_dirty_map_fini(&map);
	mdgpu_dirty_map_fini(&map);	/* idempotent */
}

static void dirty_mark_counts_once(struct kunit *test)
{
	struct mdgpu_dirty_map map;
	unsigned long page;

	dirty_init(test, &map, 64);
	mdgpu_dirty_map_start_round(&map);
	dirty_drain(test, &map, NULL);
	mdgpu_dirty_map_mark(&map, 3, 2);
	mdgpu_dirty_map_mark(&map, 4, 1);
	mdgpu_dirty_map_mark(&map, 62, 10);	/* clipped to the map */
	mdgpu_dirty_map_mark(&map, 64, 1);	/* beyond: ignored */
	mdgpu_dirty_map_mark(&map, ULONG_MAX, 2);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 4UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_start_round(&map), 4UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 3UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 4UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 62UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 63UL);
	KUNIT_EXPECT_FALSE(test, mdgpu_dirty_map_next(&map, &page));
	mdgpu_dirty_map_fini(&map);
}

/*
 * A page written while its round is being sent is sent in this round (it
 * is still in the set) and again in the next one; a page written after it
 * was sent only in the next one. Pending counts both.
 */
static void dirty_write_during_round(struct kunit *test)
{
	struct mdgpu_dirty_map map;
	unsigned long page;

	dirty_init(test, &map, 16);
	mdgpu_dirty_map_start_round(&map);
	dirty_drain(test, &map, NULL);
	mdgpu_dirty_map_mark(&map, 2, 1);
	mdgpu_dirty_map_mark(&map, 9, 1);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_start_round(&map), 2UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 2UL);
	mdgpu_dirty_map_mark(&map, 2, 1);	/* already sent */
	mdgpu_dirty_map_mark(&map, 9, 1);	/* not sent yet */
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 3UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 9UL);
	KUNIT_EXPECT_FALSE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_start_round(&map), 2UL);
	KUNIT_EXPECT_EQ(test, dirty_drain(test, &map, NULL), 2UL);
	mdgpu_dirty_map_fini(&map);
}

/* A round started before the last one was sent keeps its leftover pages. */
static void dirty_unfinished_round(struct kunit *test)
{
	struct mdgpu_dirty_map map;
	unsigned long page;

	dirty_init(test, &map, 32);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_start_round(&map), 32UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 1UL);
	mdgpu_dirty_map_mark(&map, 0, 1);	/* sent, written again */
	mdgpu_dirty_map_mark(&map, 5, 1);	/* not sent, written again */
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_start_round(&map), 31UL);
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 0UL);	/* from the start again */
	KUNIT_EXPECT_EQ(test, dirty_drain(test, &map, NULL), 30UL);
	mdgpu_dirty_map_fini(&map);
}

/* Runs of the round's set: consecutive pages, at most @max at a time. */
static void dirty_next_runs(struct kunit *test)
{
	struct mdgpu_dirty_map map;
	unsigned long first, page;

	dirty_init(test, &map, 100);
	mdgpu_dirty_map_start_round(&map);
	dirty_drain(test, &map, NULL);
	mdgpu_dirty_map_mark(&map, 3, 1);
	mdgpu_dirty_map_mark(&map, 10, 7);
	mdgpu_dirty_map_mark(&map, 98, 2);
	mdgpu_dirty_map_start_round(&map);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_next_run(&map, 0, &first), 0UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_next_run(&map, 4, &first), 1UL);
	KUNIT_EXPECT_EQ(test, first, 3UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_next_run(&map, 4, &first), 4UL);
	KUNIT_EXPECT_EQ(test, first, 10UL);
	/* Runs and single pages take from the same set. */
	KUNIT_ASSERT_TRUE(test, mdgpu_dirty_map_next(&map, &page));
	KUNIT_EXPECT_EQ(test, page, 14UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_next_run(&map, 64, &first), 2UL);
	KUNIT_EXPECT_EQ(test, first, 15UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 2UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_next_run(&map, 64, &first), 2UL);
	KUNIT_EXPECT_EQ(test, first, 98UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_next_run(&map, 64, &first), 0UL);
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 0UL);
	mdgpu_dirty_map_fini(&map);
}

struct dirty_run_case {
	const char *name;
	unsigned long marks[6][2];	/* first, nr; nr 0 ends */
	unsigned long runs[6][2];	/* expected runs; nr 0 ends */
};

static const struct dirty_run_case dirty_run_cases[] = {
	{ "none", { { 0, 0 } }, { { 0, 0 } } },
	{ "one page", { { 7, 1 } }, { { 7, 1 } } },
	{ "first and last", { { 0, 1 }, { 199, 1 } },
	  { { 0, 1 }, { 199, 1 } } },
	{ "adjacent marks", { { 10, 3 }, { 13, 2 } }, { { 10, 5 } } },
	{ "gap below the limit merges",
	  { { 10, 1 }, { 11 + MDGPU_DIRTY_MERGE_GAP - 1, 1 } },
	  { { 10, MDGPU_DIRTY_MERGE_GAP + 1 } } },
	{ "gap at the limit splits",
	  { { 10, 1 }, { 11 + MDGPU_DIRTY_MERGE_GAP, 1 } },
	  { { 10, 1 }, { 11 + MDGPU_DIRTY_MERGE_GAP, 1 } } },
	{ "chain of small gaps", { { 20, 1 }, { 22, 1 }, { 25, 2 }, { 30, 1 } },
	  { { 20, 11 } } },
	{ "run to the end", { { 190, 10 } }, { { 190, 10 } } },
};

static void dirty_run_desc(const struct dirty_run_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dirty_run, dirty_run_cases, dirty_run_desc);

static void dirty_runs(struct kunit *test)
{
	const struct dirty_run_case *c = test->param_value;
	struct mdgpu_dirty_map map;
	unsigned long first = 0, nr, i;

	dirty_init(test, &map, 200);
	mdgpu_dirty_map_start_round(&map);
	dirty_drain(test, &map, NULL);
	for (i = 0; i < ARRAY_SIZE(c->marks) && c->marks[i][1]; i++)
		mdgpu_dirty_map_mark(&map, c->marks[i][0], c->marks[i][1]);
	for (i = 0; i < ARRAY_SIZE(c->runs) && c->runs[i][1]; i++) {
		first = mdgpu_dirty_map_run(&map, first, &nr);
		KUNIT_EXPECT_EQ(test, first, c->runs[i][0]);
		KUNIT_EXPECT_EQ(test, nr, c->runs[i][1]);
		first += nr;
	}
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_run(&map, first, &nr), 200UL);
	KUNIT_EXPECT_EQ(test, nr, 0UL);
	mdgpu_dirty_map_fini(&map);
}

/*
 * Random writes over many rounds against a shadow of what was written and
 * not sent since: every written page is sent after its last write, and the
 * runs cover every dirty page (what the mappings lose each round).
 */
static void dirty_random_rounds(struct kunit *test)
{
	const unsigned long nr = 1000;
	unsigned long *owed, *covered;
	struct mdgpu_dirty_map map;
	struct rnd_state rnd;
	unsigned long first, len, i, w, page;
	int round;

	owed = kunit_kcalloc(test, BITS_TO_LONGS(nr), sizeof(long), GFP_KERNEL);
	covered = kunit_kcalloc(test, BITS_TO_LONGS(nr), sizeof(long),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, owed);
	KUNIT_ASSERT_NOT_NULL(test, covered);
	prandom_seed_state(&rnd, 10);
	dirty_init(test, &map, nr);
	bitmap_set(owed, 0, nr);
	for (round = 0; round < 200; round++) {
		bitmap_zero(covered, nr);
		first = 0;
		for (;;) {
			first = mdgpu_dirty_map_run(&map, first, &len);
			if (!len)
				break;
			bitmap_set(covered, first, len);
			first += len;
		}
		/* Every page dirty now loses its mapping. */
		KUNIT_EXPECT_TRUE(test, bitmap_subset(map.dirty, covered, nr));
		mdgpu_dirty_map_start_round(&map);
		/* Send part of the round, write, send the rest. */
		for (i = prandom_u32_state(&rnd) % 50; i; i--) {
			if (!mdgpu_dirty_map_next(&map, &page))
				break;
			__clear_bit(page, owed);
		}
		for (w = prandom_u32_state(&rnd) % 40; w; w--) {
			page = prandom_u32_state(&rnd) % nr;
			len = 1 + prandom_u32_state(&rnd) % 4;
			mdgpu_dirty_map_mark(&map, page, len);
			bitmap_set(owed, page, min(len, nr - page));
		}
		/* Whatever is owed is still to be sent. */
		bitmap_or(covered, map.dirty, map.round, nr);
		KUNIT_EXPECT_TRUE(test, bitmap_subset(owed, covered, nr));
		KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map),
				(unsigned long)(bitmap_weight(map.dirty, nr) +
						bitmap_weight(map.round, nr)));
		/* Every other round is left unfinished. */
		if (round & 1)
			continue;
		while (mdgpu_dirty_map_next(&map, &page))
			__clear_bit(page, owed);
		/* What is still owed was written after it was sent. */
		KUNIT_EXPECT_TRUE(test, bitmap_subset(owed, map.dirty, nr));
	}
	mdgpu_dirty_map_start_round(&map);
	while (mdgpu_dirty_map_next(&map, &page))
		__clear_bit(page, owed);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(owed, nr));
	KUNIT_EXPECT_EQ(test, mdgpu_dirty_map_pending(&map), 0UL);
	mdgpu_dirty_map_fini(&map);
}

static struct kunit_case dirty_map_cases[] = {
	KUNIT_CASE(dirty_init_all_dirty),
	KUNIT_CASE(dirty_mark_counts_once),
	KUNIT_CASE(dirty_write_during_round),
	KUNIT_CASE(dirty_unfinished_round),
	KUNIT_CASE(dirty_next_runs),
	KUNIT_CASE_PARAM(dirty_runs, dirty_run_gen_params),
	KUNIT_CASE(dirty_random_rounds),
	{}
};

static struct kunit_suite dirty_map_suite = {
	.name = "mdgpu_dirty_map",
	.test_cases = dirty_map_cases,
};

kunit_test_suite(dirty_map_suite);
