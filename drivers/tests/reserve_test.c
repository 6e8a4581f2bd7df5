// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of reserved capacity: the ``reservations`` syntax and rules
 * (drivers/reserve_spec.c) and how a reserved VRAM range leaves exactly
 * that much less to ordinary creates (the allocator, linked from
 * vram_alloc_test.c). The engine share admission against minimum shares
 * is tested with the scheduler, in scheduler/tests/sched_reserve_test.c.
 */
#include <kunit/test.h>
#include <linux/sizes.h>

#include "../reserve_spec.c"
#include "mdgpu_vram.h"

#define U1 "6b7f7f90-4f6c-4a8e-9a63-2a4bde0c0001"

static void resv_parse_lines(struct kunit *test)
{
	char buf[MDGPU_RESV_LINE_MAX + 8];
	struct mdgpu_resv_spec s;
	guid_t u;

	KUNIT_ASSERT_EQ(test, guid_parse(U1, &u), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 ":256:300000:7\n", &s), 0);
	KUNIT_EXPECT_TRUE(test, guid_equal(&s.uuid, &u));
	KUNIT_EXPECT_EQ(test, s.vram_mb, 256U);
	KUNIT_EXPECT_EQ(test, s.share, 300000U);
	KUNIT_EXPECT_EQ(test, s.priority, 7U);
	KUNIT_EXPECT_FALSE(test, s.remove);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 ":0:0:0", &s), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse("-" U1 "\n", &s), 0);
	KUNIT_EXPECT_TRUE(test, s.remove);
	KUNIT_EXPECT_TRUE(test, guid_equal(&s.uuid, &u));

	/* Hostile or sloppy lines. */
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse("", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse("\n", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse("-", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse("-" U1 "0", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 ":256:300000", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 ":256:300000:7:1", &s),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 ":256:-1:7", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 ":256:4294967296:7", &s),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 ":2x6:0:7", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(U1 " :256:0:7", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse("6b7f7f90-4f6c-4a8e-9a63-2a4bde0c000g:1:0:0",
					       &s), -EINVAL);
	/* Longer than any valid line: refused before it is looked at. */
	memset(buf, ' ', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	memcpy(buf, U1 ":256:300000:7", strlen(U1 ":256:300000:7"));
	KUNIT_EXPECT_EQ(test, mdgpu_resv_parse(buf, &s), -EINVAL);
}

static void resv_spec_rules(struct kunit *test)
{
	struct mdgpu_resv_spec s = { .vram_mb = 256, .share = 300000,
				     .priority = 7 };

	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), 0);
	s.vram_mb = 0;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), 0);
	s.share = 0;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), -EINVAL);
	s.remove = true;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), 0);
	s.remove = false;
	s.vram_mb = 96;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), -EINVAL);
	s.vram_mb = 2 * MDGPU_RESV_VRAM_MAX_MB;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), -ERANGE);
	s.vram_mb = 64;
	s.share = MDGPU_SCHED_SHARE_ONE + 1;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), -ERANGE);
	s.share = MDGPU_SCHED_SHARE_ONE;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), 0);
	s.share = 1;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), 0);
	s.share = 0;
	s.priority = MDGPU_SCHED_PRIO_MAX + 1;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_spec_check(&s), -ERANGE);
}

static void resv_vram_rules(struct kunit *test)
{
	struct mdgpu_resv_spec s = { .vram_mb = 128 };

	/* Reservations hold at most the parent's own VRAM. */
	KUNIT_EXPECT_EQ(test, mdgpu_resv_vram_admit(SZ_256M, 0, SZ_256M), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_vram_admit(SZ_256M, SZ_128M, SZ_128M),
			0);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_vram_admit(SZ_256M, SZ_128M + SZ_64M,
						    SZ_128M), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_vram_admit(SZ_256M, SZ_512M, 0),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_vram_admit(SZ_256M, 0, U64_MAX),
			-ENOSPC);
	/* An instance fits a range as large or larger, at its start. */
	KUNIT_EXPECT_EQ(test, mdgpu_resv_fit(&s, SZ_128M), 1);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_fit(&s, SZ_64M), 1);
	KUNIT_EXPECT_EQ(test, mdgpu_resv_fit(&s, SZ_256M), -ENOSPC);
	s.vram_mb = 0;
	KUNIT_EXPECT_EQ(test, mdgpu_resv_fit(&s, SZ_256M), 0);
}

/*
 * A reserved range is allocated from the map: every size's free slots (the
 * available_instances of its type) drop by exactly what the range covers,
 * ordinary allocations then fill the rest, and the range is still there.
 */
static void resv_vram_exact(struct kunit *test)
{
	struct mdgpu_vram_map map = {};
	u64 resv, off;
	u32 i;

	KUNIT_ASSERT_EQ(test, mdgpu_vram_map_init(&map, SZ_256M, 20), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 4U);
	KUNIT_ASSERT_EQ(test, mdgpu_vram_alloc(&map, SZ_128M, &resv), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 2U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_128M), 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_256M), 0U);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &off), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_alloc(&map, SZ_64M, &off), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_vram_free_slots(&map, SZ_64M), 0U);
	/* The reserved range never went to an ordinary allocation. */
	KUNIT_EXPECT_EQ(test, mdgpu_vram_claim(&map, resv, SZ_128M), -EBUSY);
	mdgpu_vram_map_fini(&map);
}

static struct kunit_case mdgpu_resv_cases[] = {
	KUNIT_CASE(resv_parse_lines),
	KUNIT_CASE(resv_spec_rules),
	KUNIT_CASE(resv_vram_rules),
	KUNIT_CASE(resv_vram_exact),
	{}
};

static struct kunit_suite mdgpu_resv_suite = {
	.name = "mdgpu_reserve",
	.test_cases = mdgpu_resv_cases,
};

kunit_test_suite(mdgpu_resv_suite);
