// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler, end to end: vGPUs saturate the real engine with
 * synthetic COMPUTE jobs while the test sets the parent's policy and the
 * per-vGPU QoS through sysfs, and the engine time each vGPU gets (counted
 * by the device itself, CMDS_DONE x job length) is compared with what the
 * policy promises. Also: validation of the tunables, live retuning, the
 * wake-up latency of a light vGPU beside saturated ones, and that the
 * scheduler's own statistics agree with what the vGPUs measured.
 *
 * Tolerances are wider than the benchmark's targets (make bench) because
 * the VMs run under software emulation next to other work; a test fails
 * when the policy is clearly not applied, not on noise.
 *
 * run-guest.sh loads vram_mb=512: eight 64M instances fill the parent, so
 * the fixed share of a 64M vGPU is 1/8.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mdgpu_selftest.h"
#include "mdgpu_load.h"

/* (mdgpu_harness.h's helpers clash with libmdgpu's names; the few used.) */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180
#define ASSERT_OK(expr)		ASSERT_EQ(0, (long)(expr))
#define EXPECT_OK(expr)		EXPECT_EQ(0, (long)(expr))
#define EXPECT_ERR(err, expr)	EXPECT_EQ(-(long)(err), (long)(expr))

static void first_parent(struct __test_metadata *_metadata,
			 char parent[MDGPU_NAME_LEN])
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	int n = mdgpu_parent_names(names, MDGPU_MAX_PARENTS);

	ASSERT_LT(0, n) TH_LOG("no mdgpu parent: is mdgpu.ko loaded? (%d)", n);
	strcpy(parent, names[0]);
}

#define JOB_US		500
#define WINDOW_MS	1500
#define WARMUP_MS	300
#define MAX_VGPUS	8
/* Absolute share error allowed in these tests (fraction of engine time). */
#define TOL		0.06

#define EXPECT_NEAR_SHARE(got, want)					\
	EXPECT_TRUE(fabs((got) - (want)) <= TOL)			\
		TH_LOG("share %.3f, expected %.3f +- %.2f", (double)(got), \
		       (double)(want), TOL)

FIXTURE(sched) {
	char parent[MDGPU_NAME_LEN];
	struct mdgpu_uuid_list list;
	struct mdgpu_load load[MAX_VGPUS];
	double eng[MAX_VGPUS];	/* engine_time_us share of the last window */
	int n;
};

FIXTURE_VARIANT(sched) {
	int n;
};

FIXTURE_VARIANT_ADD(sched, two) { .n = 2 };
FIXTURE_VARIANT_ADD(sched, four) { .n = 4 };
FIXTURE_VARIANT_ADD(sched, eight) { .n = 8 };

static int parent_attr_write(const char *parent, const char *attr,
			     const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDGPU_CLASS_DIR "/%s/%s", parent, attr);
	return mdgpu_write_file(path, val);
}

static int parent_attr_read(const char *parent, const char *attr, char *buf,
			    size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDGPU_CLASS_DIR "/%s/%s", parent, attr);
	return mdgpu_read_file(path, buf, len);
}

static int vgpu_attr_write(const char *uuid, const char *attr, long val)
{
	char path[PATH_MAX], num[32];

	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/mdgpu/%s", uuid,
		 attr);
	snprintf(num, sizeof(num), "%ld", val);
	return mdgpu_write_file(path, num);
}

static long vgpu_attr_read(const char *uuid, const char *attr)
{
	char path[PATH_MAX];
	uint64_t v;

	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/mdgpu/%s", uuid,
		 attr);
	return mdgpu_read_u64(path, &v) ? -1 : (long)v;
}

/* Policy names, as the module spells them (underscores or dashes). */
static int set_policy(const char *parent, const char *name)
{
	char alt[32];
	size_t i;
	int ret;

	ret = parent_attr_write(parent, "policy", name);
	if (ret != -EINVAL)
		return ret;
	snprintf(alt, sizeof(alt), "%s", name);
	for (i = 0; alt[i]; i++)
		if (alt[i] == '_')
			alt[i] = '-';
	return parent_attr_write(parent, "policy", alt);
}

FIXTURE_SETUP(sched)
{
	char uuid[MDGPU_UUID_LEN + 1];
	int i;

	memset(&self->list, 0, sizeof(self->list));
	first_parent(_metadata, self->parent);
	self->n = variant->n;
	ASSERT_OK(set_policy(self->parent, "best_effort"));
	ASSERT_OK(parent_attr_write(self->parent, "timeslice_us", "2000"));
	for (i = 0; i < self->n; i++) {
		ASSERT_OK(mdgpu_create_tracked(&self->list, self->parent,
					       "64M", uuid));
		ASSERT_OK(mdgpu_load_open(&self->load[i], uuid, JOB_US));
	}
}

FIXTURE_TEARDOWN(sched)
{
	int i;

	for (i = 0; i < self->n; i++)
		mdgpu_load_close(&self->load[i]);
	mdgpu_remove_all(&self->list);
	set_policy(self->parent, "best_effort");
	parent_attr_write(self->parent, "timeslice_us", "2000");
	parent_attr_write(self->parent, "watchdog_ms", "2000");
}

/* Saturate every vGPU in @busy (all if NULL), warm up, then measure. */
/*
 * Saturate every vGPU in @busy (all if NULL), warm up, then measure. With
 * @rel, shares are returned relative to the engine time all vGPUs got
 * (what a policy divides), else as fractions of wall time.
 */
static double measure_shares(struct __test_metadata *_metadata,
			     FIXTURE_DATA(sched) *self, const bool *busy,
			     double *share, bool rel)
{
	double warm[MAX_VGPUS], sum = 0, t0, t1;
	long e0[MAX_VGPUS];
	int i;

	for (i = 0; i < self->n; i++)
		self->load[i].busy = busy ? busy[i] : true;
	EXPECT_OK(mdgpu_load_measure(self->load, self->n, WARMUP_MS, warm));
	t0 = mdgpu_now();
	for (i = 0; i < self->n; i++)
		e0[i] = vgpu_attr_read(self->load[i].uuid, "engine_time_us");
	EXPECT_OK(mdgpu_load_measure(self->load, self->n, WINDOW_MS, share));
	for (i = 0; i < self->n; i++) {
		long e1 = vgpu_attr_read(self->load[i].uuid, "engine_time_us");

		EXPECT_LE(0, e0[i]);
		self->eng[i] = (double)(e1 - e0[i]);
	}
	t1 = mdgpu_now();
	for (i = 0; i < self->n; i++) {
		self->eng[i] /= (t1 - t0) * 1e6;
		sum += share[i];
	}
	for (i = 0; i < self->n; i++) {
		TH_LOG("vGPU %d: jobs %.1f %% of wall time (%.1f %% of all jobs), engine_time_us %.1f %% of wall time",
		       i, 100 * share[i], sum > 0 ? 100 * share[i] / sum : 0,
		       100 * self->eng[i]);
		/*
		 * The scheduler's own accounting agrees with the device's:
		 * the jobs' time is the vGPU's engine time less per-chunk
		 * overhead.
		 */
		EXPECT_TRUE(share[i] <= self->eng[i] + 0.03 &&
			    share[i] >= 0.4 * self->eng[i] - 0.01)
			TH_LOG("vGPU %d: job time %.3f vs engine_time_us %.3f",
			       i, share[i], self->eng[i]);
		if (rel && sum > 0)
			share[i] /= sum;
	}
	TH_LOG("engine busy with jobs: %.1f %%", 100 * sum);
	return sum;
}

#define measure(m, self, busy, share) measure_shares(m, self, busy, share, true)

/* Best effort: equal demand, equal shares, and the engine never idles. */
TEST_F(sched, best_effort_equal)
{
	double share[MAX_VGPUS], busy;
	int i;

	busy = measure(_metadata, self, NULL, share);
	for (i = 0; i < self->n; i++)
		EXPECT_NEAR_SHARE(share[i], 1.0 / self->n);
	EXPECT_LT(0.4, busy);
	EXPECT_LT(0.98, mdgpu_jain(share, self->n));
}

/* Weighted fair: shares proportional to weights 1, 2, ..., n. */
TEST_F(sched, weighted_proportional)
{
	double share[MAX_VGPUS], sum = 0;
	int i;

	ASSERT_OK(set_policy(self->parent, "weighted"));
	for (i = 0; i < self->n; i++) {
		ASSERT_OK(vgpu_attr_write(self->load[i].uuid, "weight",
					  100 * (i + 1)));
		sum += i + 1;
	}
	EXPECT_LT(0.4, measure(_metadata, self, NULL, share));
	for (i = 0; i < self->n; i++)
		EXPECT_NEAR_SHARE(share[i], (i + 1) / sum);
}

/* A cap is a hard limit; the rest of the engine goes to the others. */
TEST_F(sched, cap_limits_and_stays_work_conserving)
{
	double share[MAX_VGPUS];
	int i;

	ASSERT_OK(set_policy(self->parent, "weighted"));
	ASSERT_OK(vgpu_attr_write(self->load[0].uuid, "weight", 1000));
	ASSERT_OK(vgpu_attr_write(self->load[0].uuid, "cap", 20));
	EXPECT_EQ(20, vgpu_attr_read(self->load[0].uuid, "cap"));
	/*
	 * A cap is of engine time (the scheduler's engine_time_us, which
	 * includes the engine's per-chunk overhead), per wall-clock time.
	 */
	EXPECT_LT(0.4, measure_shares(_metadata, self, NULL, share, true));
	EXPECT_GE(0.20 + 0.02, self->eng[0])
		TH_LOG("capped at 20 %%: %.3f", self->eng[0]);
	EXPECT_LT(0.20 - TOL, self->eng[0]);
	for (i = 1; i < self->n; i++)
		EXPECT_LT(0.5 * (1 - share[0]) / (self->n - 1), share[i]);
}

/* A guaranteed minimum holds even against a much larger weight. */
TEST_F(sched, min_share_guaranteed)
{
	double share[MAX_VGPUS];
	int i;

	ASSERT_OK(set_policy(self->parent, "weighted"));
	ASSERT_OK(vgpu_attr_write(self->load[0].uuid, "weight", 1));
	for (i = 1; i < self->n; i++)
		ASSERT_OK(vgpu_attr_write(self->load[i].uuid, "weight",
					  10000));
	ASSERT_OK(vgpu_attr_write(self->load[0].uuid, "min_share", 30));
	EXPECT_LT(0.4, measure_shares(_metadata, self, NULL, share, true));
	EXPECT_LT(0.30 - TOL, self->eng[0]);
}

/* Strict priority: a busy higher class leaves the others nothing. */
TEST_F(sched, priority_is_strict)
{
	double share[MAX_VGPUS];
	int i;

	ASSERT_OK(set_policy(self->parent, "weighted"));
	ASSERT_OK(vgpu_attr_write(self->load[0].uuid, "priority", 3));
	measure(_metadata, self, NULL, share);
	EXPECT_LT(0.90, share[0]);
	for (i = 1; i < self->n; i++)
		EXPECT_GT(0.05, share[i]);
}

/* Equal share: every running vGPU gets 1/n. */
TEST_F(sched, equal_share)
{
	double share[MAX_VGPUS];
	int i;

	ASSERT_OK(set_policy(self->parent, "equal_share"));
	for (i = 0; i < self->n; i++)
		ASSERT_OK(vgpu_attr_write(self->load[i].uuid, "weight",
					  100 * (i + 1)));
	measure(_metadata, self, NULL, share);
	for (i = 0; i < self->n; i++)
		EXPECT_NEAR_SHARE(share[i], 1.0 / self->n);
	EXPECT_LT(0.98, mdgpu_jain(share, self->n));
}

/*
 * Fixed share: a vGPU gets 1/(max instances of its type) even when it is
 * the only one with work; the engine idles for the rest.
 */
TEST_F(sched, fixed_share_idles_rather_than_give_away)
{
	double share[MAX_VGPUS], want;
	bool busy[MAX_VGPUS] = { true };
	uint64_t vram;
	int i;

	ASSERT_OK(mdgpu_parent_u64(self->parent, "vram_total", &vram));
	want = (64.0 * SZ_1M) / vram;
	ASSERT_OK(set_policy(self->parent, "fixed_share"));
	measure_shares(_metadata, self, busy, share, false);
	/*
	 * Of engine time (engine_time_us), per wall-clock time. Never more
	 * than its share (the engine idles instead); at least its share less
	 * the suite's tolerance (TOL): time the VM does not run is lost, as the
	 * bucket holds at most two slices.
	 */
	EXPECT_TRUE(self->eng[0] <= want + 0.03 && self->eng[0] >= want - TOL)
		TH_LOG("fixed share %.3f, expected %.3f", self->eng[0], want);
	for (i = 1; i < self->n; i++)
		EXPECT_GT(0.01, share[i]);
}

/* Changing weights while the vGPUs run takes effect within one window. */
TEST_F(sched, retune_weights_live)
{
	double share[MAX_VGPUS];
	int i;

	ASSERT_OK(set_policy(self->parent, "weighted"));
	for (i = 0; i < self->n; i++)
		ASSERT_OK(vgpu_attr_write(self->load[i].uuid, "weight", 100));
	measure(_metadata, self, NULL, share);
	for (i = 0; i < self->n; i++)
		EXPECT_NEAR_SHARE(share[i], 1.0 / self->n);
	ASSERT_OK(vgpu_attr_write(self->load[0].uuid, "weight", 300));
	measure(_metadata, self, NULL, share);
	EXPECT_NEAR_SHARE(share[0], 3.0 / (self->n + 2));
	for (i = 1; i < self->n; i++)
		EXPECT_NEAR_SHARE(share[i], 1.0 / (self->n + 2));
}

/* Switching policy under load disturbs nobody: no errors, all progress. */
TEST_F(sched, policy_switch_under_load)
{
	static const char *const policies[] = {
		"weighted", "equal_share", "fixed_share", "best_effort",
	};
	double share[MAX_VGPUS];
	unsigned int p;
	int i;

	for (i = 0; i < self->n; i++)
		self->load[i].busy = true;
	for (p = 0; p < ARRAY_SIZE(policies); p++) {
		ASSERT_OK(set_policy(self->parent, policies[p]));
		ASSERT_OK(mdgpu_load_measure(self->load, self->n, 400, share));
		for (i = 0; i < self->n; i++) {
			EXPECT_LT(0.0, share[i]) TH_LOG("%s: vGPU %d starved",
							policies[p], i);
			EXPECT_EQ(0, mdgpu_rd(&self->load[i].g,
					      MDGPU_REG_ERR_CODE));
		}
	}
}

/* Out-of-range tunables are refused and change nothing. */
TEST_F(sched, tunables_validated)
{
	const char *u0 = self->load[0].uuid;
	char before[64], after[64];
	long w;
	int i;

	ASSERT_OK(set_policy(self->parent, "weighted"));
	ASSERT_OK(vgpu_attr_write(u0, "weight", 200));
	EXPECT_ERR(EINVAL, vgpu_attr_write(u0, "weight", 0));
	EXPECT_NE(0, vgpu_attr_write(u0, "weight", -5));
	EXPECT_NE(0, vgpu_attr_write(u0, "weight", 100000000));
	EXPECT_EQ(200, vgpu_attr_read(u0, "weight"));

	ASSERT_OK(vgpu_attr_write(u0, "min_share", 20));
	EXPECT_NE(0, vgpu_attr_write(u0, "cap", 10));	/* cap below min */
	EXPECT_NE(0, vgpu_attr_write(u0, "min_share", 101));
	EXPECT_EQ(20, vgpu_attr_read(u0, "min_share"));
	w = vgpu_attr_read(u0, "cap");
	EXPECT_TRUE(w == 0 || w == 100) TH_LOG("cap changed to %ld", w);

	/* Minimums may not add up past 100 %. */
	for (i = 1; i < self->n; i++)
		if (vgpu_attr_write(self->load[i].uuid, "min_share", 90))
			break;
	if (self->n > 1)
		EXPECT_GT(self->n, i) TH_LOG("mins added up past 100 %%");
	ASSERT_OK(vgpu_attr_write(u0, "min_share", 0));

	ASSERT_OK(parent_attr_read(self->parent, "timeslice_us", before,
				   sizeof(before)));
	EXPECT_NE(0, parent_attr_write(self->parent, "timeslice_us", "99"));
	EXPECT_NE(0, parent_attr_write(self->parent, "timeslice_us",
				       "100001"));
	EXPECT_NE(0, parent_attr_write(self->parent, "timeslice_us", "abc"));
	ASSERT_OK(parent_attr_read(self->parent, "timeslice_us", after,
				   sizeof(after)));
	EXPECT_STREQ(before, after);
	EXPECT_OK(parent_attr_write(self->parent, "timeslice_us", "100"));
	EXPECT_OK(parent_attr_write(self->parent, "timeslice_us", "100000"));

	ASSERT_OK(parent_attr_read(self->parent, "policy", before,
				   sizeof(before)));
	EXPECT_NE(0, parent_attr_write(self->parent, "policy", "bogus"));
	ASSERT_OK(parent_attr_read(self->parent, "policy", after,
				   sizeof(after)));
	EXPECT_STREQ(before, after);
	EXPECT_NE(0, vgpu_attr_write(u0, "priority", 100));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * A light vGPU that submits one fence now and then, beside saturated
 * ones, under the weighted policy, waits for the engine at most about two
 * slices plus one chunk (Documentation/scheduler.rst): the bound asserted
 * on the median here is ten slices, to stay clear of emulation noise.
 */
TEST_F(sched, light_vgpu_wakes_promptly)
{
	struct mdgpu_load *light = &self->load[self->n - 1];
	double lat[20], t0, share[MAX_VGPUS];
	int64_t seq;
	int i;

	if (self->n < 2)
		SKIP(return, "needs two vGPUs");
	ASSERT_OK(set_policy(self->parent, "weighted"));
	for (i = 0; i < self->n - 1; i++)
		self->load[i].busy = true;
	ASSERT_OK(mdgpu_load_measure(self->load, self->n, WARMUP_MS, share));
	for (i = 0; i < (int)ARRAY_SIZE(lat); i++) {
		ASSERT_OK(mdgpu_load_refill(&self->load[i % (self->n - 1)]));
		usleep(7000);
		t0 = mdgpu_now();
		seq = mdgpu_fence(&light->g, 0, 0);
		ASSERT_LE(0, seq);
		ASSERT_OK(mdgpu_wait_fence(&light->g, seq, 5000));
		lat[i] = (mdgpu_now() - t0) * 1e3;
	}
	qsort(lat, ARRAY_SIZE(lat), sizeof(lat[0]), cmp_double);
	TH_LOG("light vGPU fence latency: p50 %.2f ms, max %.2f ms (slice 2 ms)",
	       lat[ARRAY_SIZE(lat) / 2], lat[ARRAY_SIZE(lat) - 1]);
	EXPECT_GT(20.0, lat[ARRAY_SIZE(lat) / 2]);
}

/*
 * The watchdog stops a job that runs past the parent's per-job limit: its
 * vGPU ends in the error state with reason WATCHDOG at that command, the
 * scheduler counts it, and the others keep running.
 */
TEST_F(sched, watchdog_stops_a_long_job)
{
	struct mdgpu_load *victim = &self->load[0];
	double share[MAX_VGPUS];
	struct mdgpu_error err;
	uint32_t dw[MDGPU_COMPUTE_NDW];
	int i;

	ASSERT_OK(parent_attr_write(self->parent, "watchdog_ms", "50"));
	EXPECT_EQ(0, vgpu_attr_read(victim->uuid, "watchdog_count"));
	for (i = 1; i < self->n; i++)
		self->load[i].busy = true;
	ASSERT_OK(mdgpu_submit(&victim->g, dw, mdgpu_cmd_compute(dw, 800000),
			       1000));
	ASSERT_EQ(MDGPU_ERR_WATCHDOG, mdgpu_wait_error(&victim->g, 20000));
	mdgpu_error(&victim->g, &err);
	EXPECT_EQ(0, err.head);
	EXPECT_EQ(MDGPU_OP_COMPUTE, MDGPU_CMD_OP(err.header));
	EXPECT_TRUE(err.status & MDGPU_ENGINE_ERROR);
	EXPECT_EQ(1, vgpu_attr_read(victim->uuid, "watchdog_count"));
	/* The others are unaffected and keep the engine. */
	ASSERT_OK(mdgpu_load_measure(self->load, self->n, 500, share));
	for (i = 1; i < self->n; i++) {
		EXPECT_LT(0.0, share[i]);
		EXPECT_EQ(0, mdgpu_rd(&self->load[i].g, MDGPU_REG_ERR_CODE));
	}
	/* A ring reset recovers the victim; a short job then completes. */
	ASSERT_OK(mdgpu_ring_reset(&victim->g));
	ASSERT_OK(mdgpu_submit(&victim->g, dw, mdgpu_cmd_compute(dw, 1000),
			       1000));
	ASSERT_OK(mdgpu_wait_idle(&victim->g, 20000));
	EXPECT_EQ(0, mdgpu_rd(&victim->g, MDGPU_REG_ERR_CODE));
}

TEST_HARNESS_MAIN
