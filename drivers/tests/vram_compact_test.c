// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the VRAM compaction planner. The allocator itself comes
 * from vram_alloc_test.c, which includes vram_alloc.c into this module.
 */
#include <kunit/test.h>
#include <linux/prandom.h>

#include "../vram_compact.c"

/* Kernels before 6.6 have no speed attribute. */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name) KUNIT_CASE(test_name)
#endif

#define C_SHIFT		20
#define C_MAX_RANGES	64

/**
 * struct compact_case - one planning case, sizes in granules
 * @name: shown by KUnit
 * @nr: granules in the map
 * @ranges: the ranges that may move
 * @nr_ranges: entries in @ranges
 * @fixed: used ranges that may not move
 * @nr_fixed: entries in @fixed
 * @retired: retired granules
 * @nr_retired: entries in @retired
 * @before: the largest free block before
 * @after: the largest free block once the plan is carried out
 * @max_moves: the most steps the plan may take
 */
struct compact_case {
	const char *name;
	u32 nr;
	struct mdgpu_vram_range ranges[8];
	u32 nr_ranges;
	struct mdgpu_vram_range fixed[4];
	u32 nr_fixed;
	u32 retired[4];
	u32 nr_retired;
	u32 before;
	u32 after;
	u32 max_moves;
};

static const struct compact_case compact_cases[] = {
	{
		.name = "checkerboard of single granules",
		.nr = 8,
		.ranges = { { 0, 1 }, { 2, 1 }, { 4, 1 }, { 6, 1 } },
		.nr_ranges = 4,
		.before = 1, .after = 4, .max_moves = 2,
	},
	{
		.name = "already packed: no step",
		.nr = 8,
		.ranges = { { 0, 4 } },
		.nr_ranges = 1,
		.before = 4, .after = 4, .max_moves = 0,
	},
	{
		.name = "mixed sizes",
		.nr = 16,
		.ranges = { { 2, 2 }, { 5, 1 }, { 8, 4 }, { 13, 1 } },
		.nr_ranges = 4,
		.before = 2, .after = 8, .max_moves = 3,
	},
	{
		.name = "retired granule: the other half is emptied",
		.nr = 8,
		.ranges = { { 0, 1 }, { 4, 1 } },
		.nr_ranges = 2,
		.retired = { 2 },
		.nr_retired = 1,
		.before = 2, .after = 4, .max_moves = 1,
	},
	{
		.name = "a range holding a retired granule stays",
		.nr = 8,
		.ranges = { { 0, 2 }, { 4, 1 } },
		.nr_ranges = 2,
		.retired = { 1 },
		.nr_retired = 1,
		.before = 2, .after = 4, .max_moves = 1,
	},
	{
		.name = "fixed ranges: nothing to gain",
		.nr = 8,
		.fixed = { { 0, 1 }, { 4, 1 } },
		.nr_fixed = 2,
		.before = 2, .after = 2, .max_moves = 0,
	},
	{
		.name = "full",
		.nr = 4,
		.ranges = { { 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 } },
		.nr_ranges = 4,
		.before = 0, .after = 0, .max_moves = 0,
	},
	{
		.name = "making room for a larger range",
		.nr = 16,
		.ranges = { { 5, 1 }, { 8, 4 } },
		.nr_ranges = 2,
		.fixed = { { 0, 1 } },
		.nr_fixed = 1,
		.before = 4, .after = 8, .max_moves = 2,
	},
	{
		.name = "VRAM size not a power of two",
		.nr = 12,
		.ranges = { { 0, 1 }, { 8, 1 } },
		.nr_ranges = 2,
		.before = 4, .after = 8, .max_moves = 1,
	},
	{
		.name = "retired granules: a smaller block is emptied",
		.nr = 8,
		.ranges = { { 0, 1 }, { 4, 1 } },
		.nr_ranges = 2,
		.retired = { 2, 6 },
		.nr_retired = 2,
		.before = 1, .after = 2, .max_moves = 1,
	},
	{
		.name = "retired granules everywhere: no step",
		.nr = 4,
		.ranges = { { 0, 1 } },
		.nr_ranges = 1,
		.retired = { 1, 2 },
		.nr_retired = 2,
		.before = 1, .after = 1, .max_moves = 0,
	},
};

static void compact_case_desc(const struct compact_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(compact, compact_cases, compact_case_desc);

/*
 * Carry out a plan on @map, checking every step against what is live at
 * that point: the range it names is where the step says, and it moves
 * into granules that are neither used nor retired. Returns false (and
 * fails the test) at the first bad step.
 */
static bool replay(struct kunit *test, struct mdgpu_vram_map *map,
		   struct mdgpu_vram_range *ranges, u32 nr_ranges,
		   const struct mdgpu_vram_move *moves, u32 nr_moves)
{
	u32 i;

	for (i = 0; i < nr_moves; i++) {
		const struct mdgpu_vram_move *m = &moves[i];

		KUNIT_ASSERT_LT(test, m->range, nr_ranges);
		KUNIT_EXPECT_EQ(test, ranges[m->range].start, m->from);
		KUNIT_EXPECT_EQ(test, ranges[m->range].n, m->n);
		KUNIT_EXPECT_EQ(test, m->to & (m->n - 1), 0U);
		KUNIT_ASSERT_LE(test, m->to + m->n, map->nr_granules);
		KUNIT_EXPECT_TRUE_MSG(test,
				      block_free(map->used, map->retired,
						 m->to, m->n),
				      "step %u moves into live or retired VRAM",
				      i);
		if (ranges[m->range].start != m->from ||
		    !block_free(map->used, map->retired, m->to, m->n))
			return false;
		bitmap_clear(map->used, m->from, m->n);
		bitmap_set(map->used, m->to, m->n);
		ranges[m->range].start = m->to;
	}
	return true;
}

static void compact_table(struct kunit *test)
{
	const struct compact_case *t = test->param_value;
	struct mdgpu_vram_range ranges[8];
	struct mdgpu_vram_move moves[16];
	struct mdgpu_vram_map map;
	u32 i, nr_moves = 99;

	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_init(&map, (u64)t->nr << C_SHIFT,
						  C_SHIFT), 0);
	for (i = 0; i < t->nr_ranges; i++)
		bitmap_set(map.used, t->ranges[i].start, t->ranges[i].n);
	for (i = 0; i < t->nr_fixed; i++)
		bitmap_set(map.used, t->fixed[i].start, t->fixed[i].n);
	for (i = 0; i < t->nr_retired; i++)
		mdgpu_vram_retire(&map, (u64)t->retired[i] << C_SHIFT);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_largest_free(&map),
			(u64)t->before << C_SHIFT);

	KUNIT_ASSERT_EQ(test, mdgpu_vram_plan_compact(&map, t->ranges,
						      t->nr_ranges, moves,
						      ARRAY_SIZE(moves),
						      &nr_moves), 0);
	KUNIT_EXPECT_LE(test, nr_moves, t->max_moves);
	memcpy(ranges, t->ranges, sizeof(ranges));
	if (replay(test, &map, ranges, t->nr_ranges, moves, nr_moves))
		KUNIT_EXPECT_EQ(test, mdgpu_vram_largest_free(&map),
				(u64)t->after << C_SHIFT);
	mdgpu_vram_map_fini(&map);
}

/* Ranges that are not allocations of the map are refused. */
static void compact_bad_ranges(struct kunit *test)
{
	static const struct mdgpu_vram_range bad[][2] = {
		{ { 1, 2 }, { 4, 1 } },		/* misaligned */
		{ { 0, 3 }, { 4, 1 } },		/* not a power of two */
		{ { 0, 2 }, { 1, 1 } },		/* overlapping */
		{ { 6, 4 }, { 4, 1 } },		/* past the end */
		{ { 2, 1 }, { 4, 1 } },		/* not used in the map */
		{ { 0, 0 }, { 4, 1 } },		/* empty */
	};
	struct mdgpu_vram_move moves[4];
	struct mdgpu_vram_map map;
	u32 i, nr_moves;

	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_init(&map, 8ULL << C_SHIFT,
						  C_SHIFT), 0);
	bitmap_set(map.used, 0, 2);
	bitmap_set(map.used, 4, 1);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    mdgpu_vram_plan_compact(&map, bad[i], 2,
							    moves, 4,
							    &nr_moves),
				    -EINVAL, "case %u", i);
	mdgpu_vram_map_fini(&map);
}

/* Too little room for the steps: no plan, nothing half done. */
static void compact_moves_bounded(struct kunit *test)
{
	const struct compact_case *t = &compact_cases[0];
	struct mdgpu_vram_move moves[1];
	struct mdgpu_vram_map map;
	u32 i, nr_moves = 99;

	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_init(&map, (u64)t->nr << C_SHIFT,
						  C_SHIFT), 0);
	for (i = 0; i < t->nr_ranges; i++)
		bitmap_set(map.used, t->ranges[i].start, t->ranges[i].n);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_plan_compact(&map, t->ranges,
						      t->nr_ranges, moves, 1,
						      &nr_moves), 0);
	/* Two steps are needed for a block of 4; one step gets a block of 2. */
	KUNIT_EXPECT_LE(test, nr_moves, 1U);
	mdgpu_vram_map_fini(&map);
}

/*
 * Random fragmentation, every range movable, no retired granule: packed
 * largest first from granule 0, the ranges leave a free block of the
 * largest power of two that fits in what is free, and the plan reaches it.
 */
static void compact_random_optimal(struct kunit *test)
{
	static const u32 sizes[] = { 1, 1, 1, 2, 2, 4, 8 };
	struct { u64 off; u32 n; } live[C_MAX_RANGES];
	struct mdgpu_vram_range *ranges;
	struct mdgpu_vram_move *moves;
	struct mdgpu_vram_map map;
	struct rnd_state rnd;
	int round;

	ranges = kunit_kcalloc(test, C_MAX_RANGES, sizeof(*ranges), GFP_KERNEL);
	moves = kunit_kcalloc(test, 4 * C_MAX_RANGES, sizeof(*moves),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ranges);
	KUNIT_ASSERT_NOT_NULL(test, moves);
	prandom_seed_state(&rnd, 7);
	for (round = 0; round < 60; round++) {
		u32 nlive = 0, i, step, used, nr_moves, free_g;
		u64 best;

		KUNIT_ASSERT_EQ(test, mdgpu_vram_map_init(&map, 64ULL << C_SHIFT,
							  C_SHIFT), 0);
		for (step = 0; step < 80; step++) {
			u32 n = sizes[prandom_u32_state(&rnd) %
				      ARRAY_SIZE(sizes)];
			u64 off;

			if (nlive && prandom_u32_state(&rnd) % 3 == 0) {
				i = prandom_u32_state(&rnd) % nlive;
				mdgpu_vram_free(&map, live[i].off,
						(u64)live[i].n << C_SHIFT);
				live[i] = live[--nlive];
			} else if (nlive < C_MAX_RANGES &&
				   !mdgpu_vram_alloc(&map, (u64)n << C_SHIFT,
						     &off)) {
				live[nlive].off = off;
				live[nlive++].n = n;
			}
		}
		for (i = 0; i < nlive; i++) {
			ranges[i].start = live[i].off >> C_SHIFT;
			ranges[i].n = live[i].n;
		}
		used = mdgpu_vram_used_bytes(&map) >> C_SHIFT;
		free_g = 64 - used;
		best = free_g ? (u64)rounddown_pow_of_two(free_g) << C_SHIFT : 0;
		KUNIT_ASSERT_EQ(test,
				mdgpu_vram_plan_compact(&map, ranges, nlive,
							moves, 4 * C_MAX_RANGES,
							&nr_moves), 0);
		if (replay(test, &map, ranges, nlive, moves, nr_moves))
			KUNIT_EXPECT_EQ_MSG(test, mdgpu_vram_largest_free(&map),
					    best, "round %d, %u ranges", round,
					    nlive);
		KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map),
				(u64)used << C_SHIFT);
		mdgpu_vram_map_fini(&map);
	}
}

static struct kunit_case mdgpu_compact_cases[] = {
	KUNIT_CASE_PARAM(compact_table, compact_gen_params),
	KUNIT_CASE(compact_bad_ranges),
	KUNIT_CASE(compact_moves_bounded),
	KUNIT_CASE_SLOW(compact_random_optimal),
	{}
};

static struct kunit_suite mdgpu_compact_suite = {
	.name = "mdgpu_vram_compact",
	.test_cases = mdgpu_compact_cases,
};

kunit_test_suite(mdgpu_compact_suite);
