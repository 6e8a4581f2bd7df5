// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of chunk charging ("Chunk charging" in
 * include/mdgpu_engine.h): a chunk is charged its work, never the time a
 * loaded host or a stalled VM kept the engine thread from its CPU, and
 * never less than the time the thread slept on the tenant's behalf.
 */
#include <kunit/test.h>
#include <linux/time64.h>

#include "mdgpu.h"

#define US(x)	((u64)(x) * NSEC_PER_USEC)
#define MS(x)	((u64)(x) * NSEC_PER_MSEC)
#define T0	MS(1000)

/**
 * struct charge_case - a CPU chunk as the thread's clocks saw it
 * @name: what it shows
 * @wall: wall time from its start to its end
 * @queued: time the thread waited for a CPU in it
 * @cpu: CPU time the thread got in it (as sum_exec_runtime moved)
 * @preempted: times the thread lost its CPU while runnable in it
 * @have_queued: the kernel keeps the run-queue time
 * @charge: what must be charged
 */
struct charge_case {
	const char *name;
	u64 wall;
	u64 queued;
	u64 cpu;
	unsigned long preempted;
	bool have_queued;
	u64 charge;
};

static const struct charge_case charge_cases[] = {
	{ "on its CPU all along: its wall time",
	  US(300), 0, US(300), 0, true, US(300) },
	{ "a 300 us chunk stalled 450 ms on a run queue: 300 us",
	  MS(450), MS(450) - US(300), US(300), 1, true, US(300) },
	{ "slept 5 ms on its own lock: charged, as no one else ran",
	  MS(5) + US(100), 0, US(100), 0, true, MS(5) + US(100) },
	{ "slept 5 ms, then waited 40 ms for a CPU: the sleep is charged",
	  MS(45) + US(100), MS(40), US(100), 1, true, MS(5) + US(100) },
	{ "run-queue clock ahead of the wall clock: nothing, not a wrap",
	  US(100), US(101), US(100), 1, true, 0 },
	{ "no run-queue time kept, not preempted: its wall time",
	  MS(5), 0, 0, 0, false, MS(5) },
	{ "no run-queue time kept, preempted: its CPU time",
	  MS(450), 0, MS(4), 3, false, MS(4) },
	{ "no run-queue time kept, CPU time ahead of wall: the wall time",
	  US(100), 0, MS(4), 1, false, US(100) },
};

static void charge_case_desc(const struct charge_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(charge_case, charge_cases, charge_case_desc);

static void charge_cpu_chunk(struct kunit *test)
{
	const struct charge_case *c = test->param_value;
	struct mdgpu_thread_time from = {
		.wall = T0, .queued = MS(7), .cpu = MS(30), .preempted = 12,
	};
	struct mdgpu_thread_time to = {
		.wall = from.wall + c->wall,
		.queued = from.queued + c->queued,
		.cpu = from.cpu + c->cpu,
		.preempted = from.preempted + c->preempted,
	};

	KUNIT_EXPECT_EQ(test, mdgpu_chunk_charge(&from, &to, c->have_queued),
			c->charge);
}

/* Clocks read in the wrong order (none should go back) charge nothing. */
static void charge_backwards_is_nothing(struct kunit *test)
{
	struct mdgpu_thread_time from = { .wall = T0, .queued = MS(1),
					  .cpu = MS(1), .preempted = 1 };
	struct mdgpu_thread_time to = { .wall = T0 - 1, .queued = 0,
					.cpu = 0, .preempted = 2 };

	KUNIT_EXPECT_EQ(test, mdgpu_chunk_charge(&from, &to, true), 0ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_chunk_charge(&from, &to, false), 0ULL);
	to.wall = T0 + US(10);
	KUNIT_EXPECT_EQ(test, mdgpu_chunk_charge(&from, &to, true), US(10));
	KUNIT_EXPECT_EQ(test, mdgpu_chunk_charge(&from, &to, false), 0ULL);
}

/* The charge of a chunk of @wall ns, over a grid of the other clocks. */
static void charge_grid(struct kunit *test, u64 wall, const u64 *v,
			unsigned int n)
{
	struct mdgpu_thread_time from = { .wall = T0 }, to;
	unsigned int j, k, p;

	for (j = 0; j < n; j++)
		for (k = 0; k < n; k++)
			for (p = 0; p < 4; p++) {
				to = (struct mdgpu_thread_time) {
					.wall = T0 + wall, .queued = v[j],
					.cpu = v[k], .preempted = p & 1,
				};
				KUNIT_EXPECT_LE(test,
						mdgpu_chunk_charge(&from, &to,
								   p & 2),
						wall);
			}
}

/* Over a grid of clocks the charge never exceeds the wall time. */
static void charge_at_most_wall(struct kunit *test)
{
	static const u64 v[] = { 0, 1, US(100), MS(450), U64_MAX / 4 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		charge_grid(test, v[i], v, ARRAY_SIZE(v));
}

/*
 * COMPUTE does the part of its plan that passed: a sleep that woke 450 ms
 * late did 100 us, one cut short by a doorbell what passed until then.
 */
static void compute_done_is_planned_part(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mdgpu_compute_done(T0, T0 + MS(450), US(100)),
			US(100));
	KUNIT_EXPECT_EQ(test, mdgpu_compute_done(T0, T0 + US(100), US(100)),
			US(100));
	KUNIT_EXPECT_EQ(test, mdgpu_compute_done(T0, T0 + US(40), MS(100)),
			US(40));
	KUNIT_EXPECT_EQ(test, mdgpu_compute_done(T0, T0, US(100)), 0ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_compute_done(T0, T0 - 1, US(100)), 0ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_compute_done(0, U64_MAX, U64_MAX),
			U64_MAX);
}

static struct kunit_case mdgpu_engine_charge_cases[] = {
	KUNIT_CASE_PARAM(charge_cpu_chunk, charge_case_gen_params),
	KUNIT_CASE(charge_backwards_is_nothing),
	KUNIT_CASE(charge_at_most_wall),
	KUNIT_CASE(compute_done_is_planned_part),
	{}
};

static struct kunit_suite mdgpu_engine_charge_suite = {
	.name = "mdgpu_engine_charge",
	.test_cases = mdgpu_engine_charge_cases,
};

kunit_test_suite(mdgpu_engine_charge_suite);
