// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of engine share reservations (scheduler/sched_reserve.c):
 * the minimum shares plus the unheld reserved shares never add up past
 * the engine, exactly at the boundary, whoever asks. Built into
 * mdgpu_sched_kunit.ko beside sched_test.c, calling mdgpu.ko's scheduler.
 */
#include <kunit/test.h>

#include "../sched_internal.h"

#define N_ENT	4

static void resv_sched_setup(struct mdgpu_sched *s,
			     struct mdgpu_sched_entity *e)
{
	unsigned int i;

	mdgpu_sched_init(s);
	mdgpu_sched_set_policy(s, MDGPU_SCHED_WEIGHTED, 0);
	for (i = 0; i < N_ENT; i++) {
		mdgpu_sched_entity_init(&e[i]);
		mdgpu_sched_add(s, &e[i], 0);
	}
}

static int resv_set_min(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u32 ppm)
{
	struct mdgpu_sched_params p = e->params;

	p.min_share = ppm;
	return mdgpu_sched_entity_set_params(s, e, &p, 1000);
}

/*
 * sum of minimums + unheld reservations <= the engine, exactly at the
 * boundary, whoever asks: a new reservation, a minimum share, its owner.
 */
static void resv_sched_admission(struct kunit *test)
{
	struct mdgpu_sched_entity *e;
	struct mdgpu_sched *s;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	e = kunit_kcalloc(test, N_ENT, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, e);
	resv_sched_setup(s, e);

	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[0], 500000), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_reserve_add(s, 500001), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_reserve_add(s, 1000001), -ERANGE);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_reserve_add(s, 300000), 0);
	KUNIT_EXPECT_EQ(test, s->reserved_unheld, 300000ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_committed(s, NULL, NULL), 800000ULL);
	/* Ordinary minimums: only what is neither promised nor reserved. */
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[1], 300000), -ERANGE);
	KUNIT_EXPECT_EQ(test, e[1].params.min_share, 0U);
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[1], 200000), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_reserve_add(s, 10000), -ENOSPC);
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[0], 510000), -ERANGE);

	/* The owner comes: it gets the share and the class, nothing moves. */
	KUNIT_EXPECT_EQ(test, mdgpu_sched_reserve_attach(s, &e[3], 300000, 7,
							 2000), 0);
	KUNIT_EXPECT_EQ(test, s->reserved_unheld, 0ULL);
	KUNIT_EXPECT_EQ(test, (u64)e[3].params.min_share,
			300000ULL);
	KUNIT_EXPECT_EQ(test, e[3].params.priority, 7U);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_committed(s, NULL, NULL),
			1000000ULL);
	/* Lowering its minimum does not free the reservation for others... */
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[3], 0), 0);
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[2], 10000), -ERANGE);
	/* ...so it can always take it back; more than that is refused. */
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[3], 300000), 0);
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[3], 310000), -ERANGE);

	/* The owner goes: the share is unheld again, counted once. */
	mdgpu_sched_reserve_detach(s, &e[3], 3000);
	KUNIT_EXPECT_EQ(test, e[3].params.min_share, 0U);
	KUNIT_EXPECT_EQ(test, e[3].reserved, 0U);
	KUNIT_EXPECT_EQ(test, s->reserved_unheld, 300000ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_committed(s, NULL, NULL),
			1000000ULL);
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[2], 10000), -ERANGE);
	/* Deleted: the room is back. */
	mdgpu_sched_reserve_drop(s, 300000);
	KUNIT_EXPECT_EQ(test, resv_set_min(s, &e[2], 300000), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_committed(s, NULL, NULL),
			1000000ULL);
	mdgpu_sched_remove(s, &e[2], 4000);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_committed(s, NULL, NULL), 700000ULL);
}

static struct kunit_case mdgpu_sched_resv_cases[] = {
	KUNIT_CASE(resv_sched_admission),
	{}
};

static struct kunit_suite mdgpu_sched_resv_suite = {
	.name = "mdgpu_sched_reserve",
	.test_cases = mdgpu_sched_resv_cases,
};

kunit_test_suite(mdgpu_sched_resv_suite);
