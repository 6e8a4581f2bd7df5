// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the progress watchdog's verdict (mdgpu_engine_hung()): a
 * sleeping engine that finishes nothing is hung, a starved one is not.
 */
#include <kunit/test.h>
#include <linux/time64.h>

#include "mdgpu.h"

#define TIMEOUT	(2000 * NSEC_PER_MSEC)

/* Before the timeout nothing is hung, whatever the thread did. */
static void hang_not_before_timeout(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, mdgpu_engine_hung(0, 0, false, TIMEOUT));
	KUNIT_EXPECT_FALSE(test, mdgpu_engine_hung(TIMEOUT - 1, TIMEOUT, true,
						   TIMEOUT));
	KUNIT_EXPECT_FALSE(test, mdgpu_engine_hung(TIMEOUT - 1, 0, false,
						   TIMEOUT));
}

/* A thread asleep with work (waiting for the engine) is hung at the timeout. */
static void hang_sleeping(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, mdgpu_engine_hung(TIMEOUT, 0, false, TIMEOUT));
	KUNIT_EXPECT_TRUE(test, mdgpu_engine_hung(10 * TIMEOUT, 1, false,
						  TIMEOUT));
}

/*
 * A runnable thread is hung only after a timeout's worth of CPU: one the
 * host did not run for ten timeouts, with a little CPU, is starved.
 */
static void hang_runnable_needs_cpu(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, mdgpu_engine_hung(10 * TIMEOUT, 0, true,
						   TIMEOUT));
	KUNIT_EXPECT_FALSE(test, mdgpu_engine_hung(10 * TIMEOUT, TIMEOUT - 1,
						   true, TIMEOUT));
	KUNIT_EXPECT_TRUE(test, mdgpu_engine_hung(TIMEOUT, TIMEOUT, true,
						  TIMEOUT));
	KUNIT_EXPECT_TRUE(test, mdgpu_engine_hung(U64_MAX, U64_MAX, true,
						  TIMEOUT));
}

static struct kunit_case mdgpu_engine_hang_cases[] = {
	KUNIT_CASE(hang_not_before_timeout),
	KUNIT_CASE(hang_sleeping),
	KUNIT_CASE(hang_runnable_needs_cpu),
	{}
};

static struct kunit_suite mdgpu_engine_hang_suite = {
	.name = "mdgpu_engine_hang",
	.test_cases = mdgpu_engine_hang_cases,
};

kunit_test_suite(mdgpu_engine_hang_suite);
