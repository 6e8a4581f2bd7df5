// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the VRAM range allocator.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/sizes.h>

#include "../vram_alloc.c"

#define G_SHIFT 20	/* 1 MiB granules, as the module uses */

static void vram_init(struct kunit *test, struct mdgpu_vram_map *map, u64 size)
{
	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_init(map, size, G_SHIFT), 0);
}

static void vram_init_params(struct kunit *test)
{
	struct mdgpu_vram_map map = {};

	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_init(&map, 0, G_SHIFT), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_init(&map, SZ_1M + SZ_4K, G_SHIFT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_init(&map, SZ_1G, 11), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_init(&map, SZ_1G, 31), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_init(&map, (u64)SZ_1G << 17, 12),
			-EINVAL);
	vram_init(test, &map, SZ_1G);
	KUNIT_EXPECT_EQ(test, map.nr_granules, 1024U);
	mdgpu_vram_map_fini(&map);
	mdgpu_vram_map_fini(&map);	/* idempotent */
}

static void vram_size_check(struct kunit *test)
{
	struct mdgpu_vram_map map;
	u64 off;

	vram_init(test, &map, SZ_256M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_size_check(&map, SZ_64M), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_size_check(&map, SZ_256M), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_size_check(&map, SZ_512M), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_size_check(&map, 3 * SZ_1M), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_size_check(&map, SZ_512K), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_size_check(&map, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, 3 * SZ_1M, &off), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, 3 * SZ_1M), 0U);
	mdgpu_vram_map_fini(&map);
}

static void vram_exhaustion_and_reuse(struct kunit *test)
{
	struct mdgpu_vram_map map;
	u64 off[4], extra;
	int i;

	vram_init(test, &map, SZ_256M);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &off[i]), 0);
		KUNIT_EXPECT_EQ(test, off[i] % SZ_64M, 0ULL);
		KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M),
				(u32)(3 - i));
	}
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &extra), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map), (u64)SZ_256M);
	mdgpu_vram_free(&map, off[2], SZ_64M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &extra), 0);
	KUNIT_EXPECT_EQ(test, extra, off[2]);
	mdgpu_vram_map_fini(&map);
}

static void vram_mixed_sizes_alignment(struct kunit *test)
{
	struct mdgpu_vram_map map;
	u64 a, b, c;

	vram_init(test, &map, SZ_1G);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &a), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_128M, &b), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_256M, &c), 0);
	KUNIT_EXPECT_EQ(test, b % SZ_128M, 0ULL);
	KUNIT_EXPECT_EQ(test, c % SZ_256M, 0ULL);
	/* Buddy-like: small ranges are carved next to each other. */
	KUNIT_EXPECT_EQ(test, a, 0ULL);
	KUNIT_EXPECT_EQ(test, b, (u64)SZ_128M);
	KUNIT_EXPECT_EQ(test, c, (u64)SZ_256M);
	/* The upper half stays whole for a 512M type. */
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_512M), 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 9U);
	mdgpu_vram_map_fini(&map);
}

static void vram_fragmentation(struct kunit *test)
{
	struct mdgpu_vram_map map;
	u64 off[8], x;
	int i;

	vram_init(test, &map, SZ_512M);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &off[i]), 0);
	for (i = 0; i < 8; i += 2)
		mdgpu_vram_free(&map, off[i], SZ_64M);
	/* Half the VRAM is free, but no aligned 128M range is. */
	KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map), (u64)SZ_256M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 4U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_128M), 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_128M, &x), -ENOSPC);
	mdgpu_vram_free(&map, off[1], SZ_64M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_128M), 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_128M, &x), 0);
	KUNIT_EXPECT_EQ(test, x, 0ULL);
	mdgpu_vram_map_fini(&map);
}

static void vram_non_power_of_two_total(struct kunit *test)
{
	struct mdgpu_vram_map map;
	u64 off;

	vram_init(test, &map, 3ULL * SZ_1G);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_1G), 3U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_2G), 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_size_check(&map, SZ_4G), -EINVAL);
	/* The 1G goes to the tail, keeping the 2G block whole. */
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_1G, &off), 0);
	KUNIT_EXPECT_EQ(test, off, 2ULL * SZ_1G);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_2G), 1U);
	mdgpu_vram_map_fini(&map);
}

/*
 * Random allocate/free sequences: ranges stay aligned and disjoint, and
 * free_slots(size) always equals the number of allocations of that size
 * that then succeed in a row.
 */
static void vram_random_invariants(struct kunit *test)
{
	static const u64 sizes[] = { SZ_64M, SZ_128M, SZ_256M, SZ_512M };
	struct { u64 off, size; } live[32];
	struct mdgpu_vram_map map, probe;
	struct rnd_state rnd;
	int step, nlive = 0;

	prandom_seed_state(&rnd, 42);
	vram_init(test, &map, SZ_2G);
	vram_init(test, &probe, SZ_2G);
	for (step = 0; step < 400; step++) {
		u64 size = sizes[prandom_u32_state(&rnd) % ARRAY_SIZE(sizes)];
		u32 expect, got = 0;
		u64 off;
		int i;

		if (nlive && (prandom_u32_state(&rnd) & 1)) {
			i = prandom_u32_state(&rnd) % nlive;
			mdgpu_vram_free(&map, live[i].off, live[i].size);
			live[i] = live[--nlive];
			continue;
		}
		expect = mdgpu_vram_free_slots(&map, size);
		bitmap_copy(probe.used, map.used, map.nr_granules);
		while (!mdgpu_vram_alloc(&probe, size, &off))
			got++;
		KUNIT_ASSERT_EQ(test, got, expect);
		if (mdgpu_vram_alloc(&map, size, &off))
			continue;
		KUNIT_ASSERT_EQ(test, off % size, 0ULL);
		for (i = 0; i < nlive; i++)
			KUNIT_ASSERT_TRUE(test, off + size <= live[i].off ||
					  live[i].off + live[i].size <= off);
		KUNIT_ASSERT_LT(test, nlive, (int)ARRAY_SIZE(live));
		live[nlive].off = off;
		live[nlive++].size = size;
	}
	mdgpu_vram_map_fini(&probe);
	mdgpu_vram_map_fini(&map);
}

/*
 * A retired granule is never handed out again: not while free, and not
 * after its owner gives its range back; the ranges around it still are.
 */
static void vram_retire(struct kunit *test)
{
	struct mdgpu_vram_map map = {};
	u64 off, a, b;
	int i;

	vram_init(test, &map, 8 * SZ_1M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_retire(&map, 8 * SZ_1M), -EINVAL);
	/* A free granule: 4 MiB ranges left are the other half only. */
	KUNIT_EXPECT_EQ(test, mdgpu_vram_retire(&map, SZ_1M + 5), 1);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_retire(&map, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_retired_bytes(&map), (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map), 0ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_1M), 7U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, 4 * SZ_1M), 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, 8 * SZ_1M), 0U);
	for (i = 0; i < 7; i++) {
		KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_1M, &off), 0);
		KUNIT_EXPECT_NE(test, off, (u64)SZ_1M);
	}
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_1M, &off), -ENOSPC);
	mdgpu_vram_map_fini(&map);

	/* An owned granule: retired when its owner frees the range. */
	vram_init(test, &map, 8 * SZ_1M);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, 4 * SZ_1M, &a), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, 4 * SZ_1M, &b), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_retire(&map, a + 3 * SZ_1M), 1);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map), 8ULL * SZ_1M);
	mdgpu_vram_free(&map, a, 4 * SZ_1M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map), 4ULL * SZ_1M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, 4 * SZ_1M), 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, 4 * SZ_1M, &off), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, 2 * SZ_1M), 1U);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, 2 * SZ_1M, &off), 0);
	KUNIT_EXPECT_EQ(test, off, a);
	mdgpu_vram_map_fini(&map);
}

/* The promise under a ratio: whole granules, never below the VRAM. */
static void vram_ratio_promise(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(999, true), -ERANGE);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(3001, true), -ERANGE);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(0, true), -ERANGE);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(1000, true), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(3000, true), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(1000, false), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(1001, false), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_ratio_valid(4000, false), -ERANGE);

	KUNIT_EXPECT_EQ(test, mdgpu_vram_promise(SZ_256M, 1000, G_SHIFT),
			(u64)SZ_256M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_promise(SZ_256M, 2000, G_SHIFT),
			(u64)SZ_512M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_promise(SZ_256M, 3000, G_SHIFT),
			3ULL * SZ_256M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_promise(SZ_1G, 1500, G_SHIFT),
			3ULL * SZ_512M);
	/* 1.0015 x 65 MiB = 65.0975 MiB: down to whole granules */
	KUNIT_EXPECT_EQ(test, mdgpu_vram_promise(65ULL * SZ_1M, 1001, G_SHIFT),
			65ULL * SZ_1M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_promise(1000ULL * SZ_1M, 1234, G_SHIFT),
			1234ULL * SZ_1M);
	/* 64 TiB x 3 does not overflow */
	KUNIT_EXPECT_EQ(test, mdgpu_vram_promise(64ULL << 40, 3000, G_SHIFT),
			192ULL << 40);
}

/*
 * A map promising 2x its VRAM admits twice the instances; raising is
 * live, lowering below what is owned is refused and changes nothing.
 */
static void vram_oversubscribe_resize(struct kunit *test)
{
	struct mdgpu_vram_map map;
	u64 off[8], extra;
	int i;

	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_init_max(&map, SZ_256M,
						      3ULL * SZ_256M, G_SHIFT),
			0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 4U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_resize(&map, 3ULL * SZ_256M +
						    SZ_1M), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_resize(&map, SZ_512M + SZ_512K),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_resize(&map, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_resize(&map, SZ_512M), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 8U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_512M), 1U);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &off[i]), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &extra), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map), (u64)SZ_512M);
	/* Lowering cuts owned ranges: refused, nothing changes. */
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_resize(&map, SZ_256M), -EBUSY);
	KUNIT_EXPECT_EQ(test, map.nr_granules, 512U);
	/* Raising is live: room at once. */
	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_resize(&map, 3ULL * SZ_256M), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 4U);
	/* Once the upper ranges are free, lowering works. */
	for (i = 0; i < 8; i++)
		if (off[i] >= SZ_256M)
			mdgpu_vram_free(&map, off[i], SZ_64M);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_map_resize(&map, SZ_256M), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_used_bytes(&map), (u64)SZ_256M);
	mdgpu_vram_map_fini(&map);
}

/*
 * The choice the allocator must make, computed the slow, obvious way: for
 * every free aligned range of @n granules, the largest free aligned block
 * around it; the range with the smallest such block, lowest first.
 */
static int ref_pick(const struct mdgpu_vram_map *map, u32 n, u32 *pick)
{
	u32 start, best_block = U32_MAX;

	for (start = 0; start + n <= map->nr_granules; start += n) {
		u32 b = n;

		if (!range_free(map, start, n))
			continue;
		while ((u64)b * 2 <= map->nr_granules) {
			u32 base = start & ~(b * 2 - 1);

			if (base + b * 2 > map->nr_granules ||
			    !range_free(map, base, b * 2))
				break;
			b *= 2;
		}
		if (b < best_block) {
			best_block = b;
			*pick = start;
		}
	}
	return best_block == U32_MAX ? -ENOSPC : 0;
}

/*
 * Random maps of power-of-two and other sizes, with allocations, frees and
 * retired granules: every allocation takes exactly the range ref_pick()
 * names (the tightest fit, lowest address on ties), or fails when it
 * finds none.
 */
static void vram_best_fit_matches_reference(struct kunit *test)
{
	static const u32 totals[] = { 64, 96, 200, 256, 1000, 1024 };
	struct { u64 off, size; } live[64];
	struct mdgpu_vram_map map;
	struct rnd_state rnd;
	unsigned int t;

	prandom_seed_state(&rnd, 7);
	for (t = 0; t < ARRAY_SIZE(totals); t++) {
		int step, nlive = 0;

		vram_init(test, &map, (u64)totals[t] << G_SHIFT);
		for (step = 0; step < 600; step++) {
			u32 r = prandom_u32_state(&rnd);
			u32 n = 1U << (r % 7), pick = 0;
			u64 off = 0;
			int want, got, i;

			if (r % 37 == 0) {
				mdgpu_vram_retire(&map, (u64)(r >> 8) %
						  totals[t] << G_SHIFT);
				continue;
			}
			if (nlive && (r & 0x100)) {
				i = (r >> 9) % nlive;
				mdgpu_vram_free(&map, live[i].off, live[i].size);
				live[i] = live[--nlive];
				continue;
			}
			if (n > totals[t] || nlive == ARRAY_SIZE(live))
				continue;
			want = ref_pick(&map, n, &pick);
			got = mdgpu_vram_alloc(&map, (u64)n << G_SHIFT, &off);
			KUNIT_ASSERT_EQ(test, got, want);
			if (got)
				continue;
			KUNIT_ASSERT_EQ(test, off, (u64)pick << G_SHIFT);
			live[nlive].off = off;
			live[nlive++].size = (u64)n << G_SHIFT;
		}
		mdgpu_vram_map_fini(&map);
	}
}

/*
 * An empty parent of the module's largest size (64 GiB, 65536 granules):
 * the first 64M range goes to offset 0, the next right after it.
 */
static void vram_large_parent(struct kunit *test)
{
	struct mdgpu_vram_map map;
	u64 a, b;

	vram_init(test, &map, (u64)SZ_1G * 64);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &a), 0);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &b), 0);
	KUNIT_EXPECT_EQ(test, a, 0ULL);
	KUNIT_EXPECT_EQ(test, b, (u64)SZ_64M);
	mdgpu_vram_map_fini(&map);
}

static struct kunit_case mdgpu_vram_cases[] = {
	KUNIT_CASE(vram_retire),
	KUNIT_CASE(vram_ratio_promise),
	KUNIT_CASE(vram_oversubscribe_resize),
	KUNIT_CASE(vram_init_params),
	KUNIT_CASE(vram_size_check),
	KUNIT_CASE(vram_exhaustion_and_reuse),
	KUNIT_CASE(vram_mixed_sizes_alignment),
	KUNIT_CASE(vram_fragmentation),
	KUNIT_CASE(vram_non_power_of_two_total),
	KUNIT_CASE(vram_random_invariants),
	KUNIT_CASE(vram_best_fit_matches_reference),
	KUNIT_CASE(vram_large_parent),
	{}
};

static struct kunit_suite mdgpu_vram_suite = {
	.name = "mdgpu_vram_alloc",
	.test_cases = mdgpu_vram_cases,
};

kunit_test_suite(mdgpu_vram_suite);
