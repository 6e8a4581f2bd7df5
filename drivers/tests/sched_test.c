// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the scheduler (scheduler/) with a mock engine and a fake
 * clock. The mock runs vGPUs in chunks of configurable length, with on/off
 * work patterns, and follows the engine's calling protocol exactly
 * (include/mdgpu_sched.h): pick, run a chunk, charge, sleep when the work
 * ran out, preempt check, pick again; idle for the budget pick returns.
 * The tests compare achieved shares, lag and latencies with what the
 * policies promise (Documentation/scheduler.rst). Each runs twice: with
 * its vGPUs alone on the scheduler, and beside idle ones up to the
 * module's maximum, MDGPU_SCHED_MAX_ENTITIES (n = 1024), where the
 * scheduler's queues are deep.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/math64.h>

#include "../../scheduler/sched_core.c"
#include "../../scheduler/sched_policy.c"
#include "../../scheduler/sched_queue.c"
#include "../../scheduler/sched_stats.c"
#include "../../scheduler/sched_tree.c"
#include "../../scheduler/sched_tunables.c"
#include "../../scheduler/sched_watchdog.c"

#define US(x)	((u64)(x) * 1000)
#define MS(x)	((u64)(x) * 1000 * 1000)
#define MOCK_MAX	8

/**
 * struct mock_vgpu - a vGPU of the mock engine
 * @e: its scheduler entity
 * @present: added to the scheduler
 * @chunk_ns: length of its chunks, 0 for the engine's default
 * @on_ns: with @off_ns, a work pattern: work for @on_ns, none for @off_ns
 * @off_ns: 0 for work all the time
 * @phase_ns: offset of the pattern
 * @period_ns: if set, a job pattern instead: @burst_ns of work arrives every
 *	       @period_ns and stays until it ran
 * @burst_ns: see @period_ns
 * @pending_ns: work of the job pattern not run yet
 * @next_arrival: time the next job of the job pattern arrives
 * @job_len_ns: length of each job (for the watchdog), 0 = short jobs
 * @job_ns: engine time of the job in progress
 * @dead: stopped by the watchdog
 * @base_run: run time at the start of the measured window
 * @max_lag: largest lag against the ideal share seen, ns
 * @max_run: longest run from one pick to the next yield, ns
 * @woke_at: when it last got work (for the wake-up latency)
 * @woken: @woke_at is armed
 * @max_wake_wait: longest wait from getting work to being picked
 */
struct mock_vgpu {
	struct mdgpu_sched_entity e;
	bool present;
	u64 chunk_ns;
	u64 on_ns, off_ns, phase_ns;
	u64 period_ns, burst_ns, pending_ns, next_arrival;
	u64 job_len_ns, job_ns;
	bool dead;
	u64 base_run;
	s64 max_lag;
	u64 max_run;
	u64 woke_at;
	bool woken;
	u64 max_wake_wait;
};

/**
 * struct mock - the mock engine
 * @s: the scheduler
 * @v: its vGPUs
 * @now: the fake clock, ns
 * @chunk_ns: default chunk length
 * @t0: start of the measured window
 * @ideal_ppm: ideal share of each vGPU for the lag measurement, 0 = none
 * @idle_with_work: ns the engine idled while some vGPU had work
 * @test: the test, for expectations inside the engine loop
 * @nr_idle: entities added before the vGPUs that never have work
 * @idle: those entities
 */
struct mock {
	struct mdgpu_sched s;
	struct mock_vgpu v[MOCK_MAX];
	unsigned int nr_idle;
	struct mdgpu_sched_entity *idle;
	u64 now;
	u64 chunk_ns;
	u64 t0;
	u32 ideal_ppm[MOCK_MAX];
	u64 idle_with_work;
	struct kunit *test;
};

/*
 * A mock engine whose scheduler will hold @n entities: the test's vGPUs
 * (up to MOCK_MAX) and n - MOCK_MAX idle ones of assorted weights and
 * classes, added first, that never get work.
 */
static struct mock *mock_new_n(struct kunit *test, int policy, u64 chunk_ns,
			       unsigned int n)
{
	struct mock *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct mdgpu_sched_params p = { .weight = 1 };
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	mdgpu_sched_init(&m->s);
	m->now = MS(1);
	m->chunk_ns = chunk_ns;
	KUNIT_ASSERT_EQ(test, mdgpu_sched_set_policy(&m->s, policy, m->now), 0);
	m->nr_idle = n > MOCK_MAX ? n - MOCK_MAX : 0;
	if (!m->nr_idle)
		return m;
	m->idle = kunit_kcalloc(test, m->nr_idle, sizeof(*m->idle), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->idle);
	for (i = 0; i < m->nr_idle; i++) {
		mdgpu_sched_entity_init(&m->idle[i]);
		mdgpu_sched_entity_set_share(&m->idle[i], n);
		mdgpu_sched_add(&m->s, &m->idle[i], m->now);
		p.weight = 1 + i * 37 % MDGPU_SCHED_WEIGHT_MAX;
		p.priority = i % (MDGPU_SCHED_PRIO_MAX + 1);
		KUNIT_ASSERT_EQ(test, mdgpu_sched_entity_set_params(&m->s,
								    &m->idle[i],
								    &p, m->now),
				0);
	}
	return m;
}

/* Sizes every case but the extremes runs at: its vGPUs alone, and n = 1024. */
static const unsigned int sched_sizes[] = {
	MOCK_MAX, MDGPU_SCHED_MAX_ENTITIES,
};

static void sched_size_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "n = %u", *n);
}

KUNIT_ARRAY_PARAM(sched_size, sched_sizes, sched_size_desc);

/* A mock engine of the size the case runs at (sched_size_gen_params). */
static struct mock *mock_new(struct kunit *test, int policy, u64 chunk_ns)
{
	return mock_new_n(test, policy, chunk_ns,
			  *(const unsigned int *)test->param_value);
}

/* Statistics of vGPU @i brought up to now, as sysfs reads them. */
static struct mdgpu_sched_entity_stats mock_stats(struct mock *m,
						  unsigned int i)
{
	struct mdgpu_sched_entity_stats st;

	mdgpu_sched_entity_stats_snapshot(&m->s, &m->v[i].e, m->now, &st);
	return st;
}

static struct mock_vgpu *mock_add(struct mock *m, unsigned int i,
				  unsigned int max_instances)
{
	struct mock_vgpu *v = &m->v[i];

	mdgpu_sched_entity_init(&v->e);
	mdgpu_sched_entity_set_share(&v->e, max_instances);
	mdgpu_sched_add(&m->s, &v->e, m->now);
	v->present = true;
	v->dead = false;
	v->base_run = 0;
	return v;
}

static void mock_del(struct mock *m, unsigned int i)
{
	mdgpu_sched_remove(&m->s, &m->v[i].e, m->now);
	m->v[i].present = false;
}

/* Tunables as sysfs takes them: @min in parts per million. */
static int mock_params_ppm(struct mock *m, unsigned int i, u32 weight,
			   u32 min, u32 cap, u32 prio)
{
	struct mdgpu_sched_params p = {
		.weight = weight, .min_share = min, .cap = cap, .priority = prio,
	};

	return mdgpu_sched_entity_set_params(&m->s, &m->v[i].e, &p, m->now);
}

/* The same with @min in whole percent. */
static int mock_params(struct mock *m, unsigned int i, u32 weight, u32 min,
		       u32 cap, u32 prio)
{
	return mock_params_ppm(m, i, weight, min * MDGPU_SCHED_PERCENT, cap,
			       prio);
}

static bool mock_wants(const struct mock_vgpu *v, u64 t)
{
	u64 period;

	if (!v->present || v->dead)
		return false;
	if (v->period_ns)
		return v->pending_ns > 0;
	if (!v->off_ns)
		return true;
	div64_u64_rem(t + v->phase_ns, v->on_ns + v->off_ns, &period);
	return period < v->on_ns;
}

/* The next time a vGPU's work pattern changes, after @t. */
static u64 mock_next_change(const struct mock *m, u64 t)
{
	u64 next = U64_MAX, period, pos, c;
	unsigned int i;

	for (i = 0; i < MOCK_MAX; i++) {
		const struct mock_vgpu *v = &m->v[i];

		if (!v->present || v->dead)
			continue;
		if (v->period_ns) {
			next = min(next, v->next_arrival);
			continue;
		}
		if (!v->off_ns)
			continue;
		period = v->on_ns + v->off_ns;
		div64_u64_rem(t + v->phase_ns, period, &pos);
		c = pos < v->on_ns ? t + v->on_ns - pos : t + period - pos;
		next = min(next, c);
	}
	return next;
}

/* Doorbells and empty rings: tell the scheduler what the patterns say. */
static void mock_sync(struct mock *m)
{
	unsigned int i;

	for (i = 0; i < MOCK_MAX; i++) {
		struct mock_vgpu *v = &m->v[i];
		bool want;

		if (!v->present)
			continue;
		while (v->period_ns && m->now >= v->next_arrival) {
			v->pending_ns += v->burst_ns;
			v->next_arrival += v->period_ns;
		}
		want = mock_wants(v, m->now);
		if (want && !v->e.runnable) {
			mdgpu_sched_wake(&m->s, &v->e, m->now);
			v->woke_at = m->now;
			v->woken = true;
		} else if (!want && v->e.runnable) {
			mdgpu_sched_sleep(&m->s, &v->e, m->now);
			v->woken = false;
		}
	}
}

static bool mock_any_work(const struct mock *m)
{
	unsigned int i;

	for (i = 0; i < MOCK_MAX; i++)
		if (m->v[i].present && m->v[i].e.runnable)
			return true;
	return false;
}

static void mock_sample_lag(struct mock *m)
{
	unsigned int i;

	for (i = 0; i < MOCK_MAX; i++) {
		struct mock_vgpu *v = &m->v[i];
		s64 lag;

		if (!m->ideal_ppm[i] || !v->present)
			continue;
		lag = (s64)div_u64((m->now - m->t0) * m->ideal_ppm[i],
				   MDGPU_SCHED_SHARE_ONE) -
		      (s64)(v->e.stats.run_ns - v->base_run);
		v->max_lag = max(v->max_lag, lag);
	}
}

/*
 * Run one picked vGPU until the scheduler or its work stops it, or the
 * clock reaches @end (the engine then keeps it for the next mock_run()).
 */
static void mock_run_slice(struct mock *m, struct mock_vgpu *v, u64 end)
{
	u64 start = m->now, chunk = v->chunk_ns ?: m->chunk_ns;

	if (v->woken) {
		v->max_wake_wait = max(v->max_wake_wait, m->now - v->woke_at);
		v->woken = false;
	}
	for (;;) {
		u64 c = v->period_ns ? min(chunk, v->pending_ns) : chunk;

		m->now += c;
		v->job_ns += c;
		if (v->period_ns)
			v->pending_ns -= c;
		mdgpu_sched_charge(&m->s, &v->e, c, m->now);
		/* Jobs end after job_len_ns, or after each chunk if 0. */
		if (!v->job_len_ns || v->job_ns >= v->job_len_ns)
			v->job_ns = 0;
		mock_sample_lag(m);
		if (mdgpu_sched_watchdog_expired(&m->s, &v->e, v->job_ns)) {
			v->dead = true;
			mdgpu_sched_watchdog_fire(&m->s, &v->e, m->now);
		}
		mock_sync(m);
		if (!v->e.runnable || mdgpu_sched_preempt(&m->s, &v->e, m->now))
			break;
		if (m->now >= end)
			break;
	}
	v->max_run = max(v->max_run, m->now - start);
}

/* Run the engine for @dur ns of fake time. */
static void mock_run(struct mock *m, u64 dur)
{
	u64 end = m->now + dur, budget, until;
	struct mdgpu_sched_entity *e;

	while (m->now < end) {
		mock_sync(m);
		e = mdgpu_sched_pick(&m->s, m->now, &budget);
		if (e) {
			KUNIT_EXPECT_GT(m->test, budget, 0ULL);
			mock_run_slice(m, container_of(e, struct mock_vgpu, e), end);
			continue;
		}
		until = min(end, mock_next_change(m, m->now));
		if (budget != U64_MAX)
			until = min(until, m->now + budget);
		if (mock_any_work(m))
			m->idle_with_work += until - m->now;
		m->now = until;
	}
}

/* Start a measured window: shares, lags and maxima from now on. */
static void mock_window(struct mock *m)
{
	unsigned int i;

	m->t0 = m->now;
	m->idle_with_work = 0;
	for (i = 0; i < MOCK_MAX; i++) {
		m->v[i].base_run = m->v[i].e.stats.run_ns;
		m->v[i].max_lag = 0;
		m->v[i].max_run = 0;
		m->v[i].max_wake_wait = 0;
	}
}

/* Share of the window vGPU @i used, in ppm. */
static u64 mock_share(const struct mock *m, unsigned int i)
{
	return div64_u64((m->v[i].e.stats.run_ns - m->v[i].base_run) *
			 MDGPU_SCHED_SHARE_ONE, m->now - m->t0);
}

#define PCT(x)	((u64)(x) * MDGPU_SCHED_PERCENT)

/* Share of vGPU @i within @tol_ppm of @want_ppm. */
static void expect_share(struct kunit *test, const struct mock *m,
			 unsigned int i, u64 want_ppm, u64 tol_ppm)
{
	u64 got = mock_share(m, i);

	KUNIT_EXPECT_LE_MSG(test, got, want_ppm + tol_ppm,
			    "vGPU %u share %llu ppm", i, got);
	KUNIT_EXPECT_GE_MSG(test, got + tol_ppm, want_ppm,
			    "vGPU %u share %llu ppm", i, got);
}

/* ---- tunables ---------------------------------------------------------- */

static void sched_tunables_validate(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_WEIGHTED, US(500));
	struct mdgpu_sched_params before;

	mock_add(m, 0, 4);
	mock_add(m, 1, 4);
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 200, 40, 50, 3), 0);
	before = m->v[0].e.params;

	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 0, 40, 50, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 10001, 40, 50, 3), -ERANGE);
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 200, 101, 0, 3), -ERANGE);
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 200, 40, 101, 3), -ERANGE);
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 200, 40, 30, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 200, 40, 50, 8), -ERANGE);
	/* Nothing changed. */
	KUNIT_EXPECT_EQ(test, m->v[0].e.params.weight, before.weight);
	KUNIT_EXPECT_EQ(test, m->v[0].e.params.min_share, (u32)PCT(40));
	KUNIT_EXPECT_EQ(test, m->v[0].e.params.cap, 50U);
	KUNIT_EXPECT_EQ(test, m->v[0].e.params.priority, 3U);

	/* Minimum shares: 40 + 60 fits, 40 + 61 does not. */
	KUNIT_EXPECT_EQ(test, mock_params(m, 1, 1, 60, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, mock_params(m, 1, 1, 61, 0, 0), -ERANGE);
	KUNIT_EXPECT_EQ(test, m->v[1].e.params.min_share, (u32)PCT(60));
	/* Raising its own minimum counts only once. */
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 200, 40, 40, 3), 0);
	KUNIT_EXPECT_EQ(test, mock_params(m, 0, 200, 41, 50, 3), -ERANGE);
	/* Extremes are accepted. */
	KUNIT_EXPECT_EQ(test, mock_params(m, 1, 1, 0, 100, 0), 0);
	KUNIT_EXPECT_EQ(test, mock_params(m, 1, 10000, 0, 1, 7), 0);

	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_timeslice(&m->s, US(99)), -ERANGE);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_timeslice(&m->s, MS(100) + 1),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, m->s.timeslice_ns, MDGPU_SCHED_TIMESLICE_DEFAULT_NS);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_timeslice(&m->s, US(100)), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_timeslice(&m->s, MS(100)), 0);
	KUNIT_EXPECT_EQ(test, m->s.timeslice_ns, MS(100));

	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_watchdog(&m->s, US(999)), -ERANGE);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_watchdog(&m->s, MS(60001)),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, m->s.watchdog_ns, MDGPU_SCHED_WATCHDOG_DEFAULT_NS);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_watchdog(&m->s, 0), 0);

	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_policy(&m->s, 4, m->now), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_policy(&m->s, -1, m->now), -EINVAL);
	KUNIT_EXPECT_EQ(test, (int)m->s.policy, MDGPU_SCHED_WEIGHTED);
}

static void sched_policy_names(struct kunit *test)
{
	int i;

	for (i = 0; i < MDGPU_SCHED_NR_POLICIES; i++)
		KUNIT_EXPECT_EQ(test,
				mdgpu_sched_policy_parse(mdgpu_sched_policy_name(i)),
				i);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_policy_parse("weighted\n"),
			MDGPU_SCHED_WEIGHTED);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_policy_parse("best_effort\n"),
			MDGPU_SCHED_BEST_EFFORT);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_policy_parse("best-effort"), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_policy_parse(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_policy_parse("weighted2"), -EINVAL);
	KUNIT_EXPECT_STREQ(test, mdgpu_sched_policy_name(9), "unknown");
}

/* ---- best effort --------------------------------------------------------- */

static void sched_best_effort(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_BEST_EFFORT, US(250));
	unsigned int i;

	for (i = 0; i < 3; i++)
		mock_add(m, i, 8);
	/* vGPU 3 has work 30 % of the time. */
	mock_add(m, 3, 8);
	m->v[3].on_ns = MS(3);
	m->v[3].off_ns = MS(7);
	mock_window(m);
	mock_run(m, MS(2000));
	/* Work conserving: never idle while someone has work. */
	KUNIT_EXPECT_EQ(test, m->idle_with_work, 0ULL);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_GT(test, mock_share(m, i), PCT(28));
	KUNIT_EXPECT_LT(test, mock_share(m, 3), PCT(16));
	KUNIT_EXPECT_GT(test, mock_share(m, 3), PCT(4));

	/* Saturated and equal chunks: equal slices, lag within one slice. */
	mock_del(m, 3);
	for (i = 0; i < 3; i++)
		m->ideal_ppm[i] = MDGPU_SCHED_SHARE_ONE / 3;
	mock_run(m, MS(10));
	mock_window(m);
	mock_run(m, MS(1000));
	for (i = 0; i < 3; i++) {
		expect_share(test, m, i, MDGPU_SCHED_SHARE_ONE / 3, PCT(1));
		KUNIT_EXPECT_LE(test, (u64)m->v[i].max_lag,
				m->s.timeslice_ns + m->chunk_ns);
	}
	/* One vGPU alone keeps the engine: no switches, slices renewed. */
	mock_del(m, 1);
	mock_del(m, 2);
	i = m->s.stats.switches;
	mock_run(m, MS(100));
	KUNIT_EXPECT_LE(test, m->s.stats.switches, (u64)i + 1);
}

/* ---- equal share --------------------------------------------------------- */

static void sched_equal_share(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_EQUAL_SHARE, US(200));
	static const u64 chunks[] = { US(100), US(300), US(700), US(1500) };
	unsigned int i;

	/* Different chunk lengths: round robin would favour long chunks. */
	for (i = 0; i < 4; i++) {
		mock_add(m, i, 8);
		m->v[i].chunk_ns = chunks[i];
		m->ideal_ppm[i] = MDGPU_SCHED_SHARE_ONE / 4;
	}
	mock_run(m, MS(20));
	mock_window(m);
	mock_run(m, MS(2000));
	for (i = 0; i < 4; i++) {
		expect_share(test, m, i, MDGPU_SCHED_SHARE_ONE / 4, PCT(1));
		KUNIT_EXPECT_LE_MSG(test, (u64)m->v[i].max_lag,
				    m->s.timeslice_ns + US(1500),
				    "vGPU %u lag %lld", i, m->v[i].max_lag);
	}
	KUNIT_EXPECT_EQ(test, m->idle_with_work, 0ULL);

	/* Best effort on the same load is measurably less fair. */
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_policy(&m->s,
						     MDGPU_SCHED_BEST_EFFORT,
						     m->now), 0);
	mock_window(m);
	mock_run(m, MS(2000));
	KUNIT_EXPECT_GT(test, mock_share(m, 3), PCT(30));
}

/* ---- fixed share --------------------------------------------------------- */

static void sched_fixed_share(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_FIXED_SHARE, US(250));
	struct mdgpu_sched_entity *e;
	struct mdgpu_sched_stats st;
	u64 budget, busy0, idle0;

	/* Two vGPUs of a type with 4 instances per parent: 25 % each. */
	mock_add(m, 0, 4);
	mock_add(m, 1, 4);
	m->ideal_ppm[0] = PCT(25);
	m->ideal_ppm[1] = PCT(25);
	mock_run(m, MS(10));
	mock_window(m);
	busy0 = m->s.stats.busy_ns;
	mdgpu_sched_stats_snapshot(&m->s, m->now, &st);
	idle0 = st.idle_ns;
	mock_run(m, MS(2000));
	expect_share(test, m, 0, PCT(25), PCT(1));
	expect_share(test, m, 1, PCT(25), PCT(1));
	KUNIT_EXPECT_LE(test, (u64)m->v[0].max_lag,
			m->s.timeslice_ns + m->chunk_ns);
	/* The engine idled the other half, with work pending. */
	KUNIT_EXPECT_GT(test, m->idle_with_work, MS(900));
	KUNIT_EXPECT_GT(test, m->s.stats.busy_ns - busy0, MS(980));
	KUNIT_EXPECT_LT(test, m->s.stats.busy_ns - busy0, MS(1020));
	KUNIT_EXPECT_GT(test, mock_stats(m, 0).throttled_ns, MS(500));

	/* Alone it still gets only its share; pick says how long to idle. */
	mock_del(m, 1);
	m->ideal_ppm[1] = 0;
	mock_window(m);
	mock_run(m, MS(1000));
	expect_share(test, m, 0, PCT(25), PCT(1));
	e = mdgpu_sched_pick(&m->s, m->now, &budget);
	while (e) {
		mock_run_slice(m, container_of(e, struct mock_vgpu, e), U64_MAX);
		e = mdgpu_sched_pick(&m->s, m->now, &budget);
	}
	KUNIT_EXPECT_GT(test, budget, 0ULL);
	KUNIT_EXPECT_LE(test, budget, 4 * m->s.timeslice_ns);
	mdgpu_sched_stats_snapshot(&m->s, m->now, &st);
	KUNIT_EXPECT_GT(test, st.idle_ns - idle0, MS(1500));
}

/* ---- weighted ------------------------------------------------------------ */

static void sched_weighted_shares(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_WEIGHTED, US(500));
	unsigned int i;

	/* Weights 1:2:3:4 give 10/20/30/40 %. */
	for (i = 0; i < 4; i++) {
		mock_add(m, i, 8);
		KUNIT_ASSERT_EQ(test, mock_params(m, i, 100 * (i + 1), 0, 0, 0),
				0);
		m->ideal_ppm[i] = PCT(10 * (i + 1));
		m->v[i].chunk_ns = US(200 + 200 * i);
	}
	mock_run(m, MS(20));
	mock_window(m);
	mock_run(m, MS(3000));
	for (i = 0; i < 4; i++) {
		kunit_info(test, "weight %u share %llu ppm max lag %lld us\n",
			   100 * (i + 1), mock_share(m, i),
			   div_s64(m->v[i].max_lag, 1000));
		expect_share(test, m, i, PCT(10 * (i + 1)), PCT(1));
		KUNIT_EXPECT_LE_MSG(test, (u64)m->v[i].max_lag,
				    m->s.timeslice_ns + US(800),
				    "vGPU %u lag %lld", i, m->v[i].max_lag);
	}
	/* Work conserving when one stops. */
	m->v[3].on_ns = MS(5);
	m->v[3].off_ns = MS(5);
	mock_window(m);
	mock_run(m, MS(1000));
	KUNIT_EXPECT_EQ(test, m->idle_with_work, 0ULL);
}

static void sched_weight_extremes(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_WEIGHTED, US(500));
	u64 slack, ideal;

	mock_add(m, 0, 8);
	mock_add(m, 1, 8);
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 1, 0, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, mock_params(m, 1, 10000, 0, 0, 0), 0);
	mock_window(m);
	mock_run(m, MS(60000));
	/* 1 / 10001 of 60 s is 6 ms: it runs, but not more than that. */
	ideal = div_u64(MS(60000), 10001);
	slack = m->s.timeslice_ns + m->chunk_ns;
	KUNIT_EXPECT_GT(test, m->v[0].e.stats.run_ns - m->v[0].base_run, 0ULL);
	KUNIT_EXPECT_LE(test, m->v[0].e.stats.run_ns - m->v[0].base_run,
			ideal + slack);
	KUNIT_EXPECT_GE(test, m->v[0].e.stats.run_ns - m->v[0].base_run + slack,
			ideal);

	/* Both at the maximum: equal. */
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 10000, 0, 0, 0), 0);
	mock_window(m);
	mock_run(m, MS(1000));
	expect_share(test, m, 0, PCT(50), PCT(1));
	expect_share(test, m, 1, PCT(50), PCT(1));
}

static void sched_caps(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_WEIGHTED, US(250));
	struct mdgpu_sched_entity_stats st;

	mock_add(m, 0, 8);
	mock_add(m, 1, 8);
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 100, 0, 20, 0), 0);
	mock_run(m, MS(10));
	mock_window(m);
	mock_run(m, MS(2000));
	expect_share(test, m, 0, PCT(20), PCT(1));
	expect_share(test, m, 1, PCT(80), PCT(1));
	/* Runnable all the time: throttled or waiting when not running. */
	st = mock_stats(m, 0);
	KUNIT_EXPECT_GT(test, st.throttled_ns, MS(100));
	KUNIT_EXPECT_GE(test, st.throttled_ns + st.wait_ns, MS(1580));
	KUNIT_EXPECT_LE(test, st.throttled_ns + st.wait_ns, MS(1640));

	/* A hard cap: alone, it still gets 30 % and the engine idles. */
	mock_del(m, 1);
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 100, 0, 30, 0), 0);
	mock_window(m);
	mock_run(m, MS(2000));
	expect_share(test, m, 0, PCT(30), PCT(1));
	KUNIT_EXPECT_GT(test, m->idle_with_work, MS(1300));

	/* Cap removed live: it takes the whole engine at once. */
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 100, 0, 0, 0), 0);
	mock_window(m);
	mock_run(m, MS(500));
	expect_share(test, m, 0, PCT(100), PCT(1));
}

static void sched_min_share_and_priority(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_WEIGHTED, US(250));

	/* vGPU 2 is the highest class; vGPU 0 is guaranteed 30 % below it. */
	mock_add(m, 0, 8);
	mock_add(m, 1, 8);
	mock_add(m, 2, 8);
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 100, 30, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, mock_params(m, 1, 100, 0, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, mock_params(m, 2, 100, 0, 0, 7), 0);
	m->ideal_ppm[0] = PCT(30);
	mock_window(m);
	mock_run(m, MS(3000));
	/* Strict priority: vGPU 1 (no minimum) gets nothing. */
	expect_share(test, m, 0, PCT(30), PCT(2));
	expect_share(test, m, 2, PCT(70), PCT(2));
	KUNIT_EXPECT_EQ(test, m->v[1].e.stats.run_ns - m->v[1].base_run, 0ULL);
	KUNIT_EXPECT_LE_MSG(test, (u64)m->v[0].max_lag,
			    m->s.timeslice_ns + m->chunk_ns,
			    "lag %lld", m->v[0].max_lag);

	/*
	 * The high class has work half the time. vGPU 0 still gets its
	 * minimum, the high class most of its half, vGPU 1 the rest.
	 */
	m->v[2].on_ns = MS(10);
	m->v[2].off_ns = MS(10);
	m->ideal_ppm[0] = 0;
	mock_window(m);
	mock_run(m, MS(2000));
	KUNIT_EXPECT_GE(test, mock_share(m, 0), PCT(29));
	KUNIT_EXPECT_GE(test, mock_share(m, 2), PCT(28));
	KUNIT_EXPECT_LE(test, mock_share(m, 2), PCT(37));
	KUNIT_EXPECT_GT(test, mock_share(m, 1), PCT(15));
	KUNIT_EXPECT_EQ(test, m->idle_with_work, 0ULL);
	/* The high class runs promptly when it gets work. */
	KUNIT_EXPECT_LE(test, m->v[2].max_wake_wait, m->chunk_ns);
}

/*
 * Minimum shares finer than a percent: at the module's maximum every vGPU
 * can be guaranteed 976 ppm (0.0976 %), admission counts single parts per
 * million, and a guarantee of 0.5 % under a saturating higher class is
 * served within the usual lag (a slice and a chunk).
 */
static void sched_min_share_fine(struct kunit *test)
{
	const unsigned int n = MDGPU_SCHED_MAX_ENTITIES;
	struct mock *m = mock_new_n(test, MDGPU_SCHED_WEIGHTED, US(250), n);
	struct mdgpu_sched_params p;
	unsigned int i;

	for (i = 0; i < MOCK_MAX; i++) {
		mock_add(m, i, 8);
		KUNIT_ASSERT_EQ(test, mock_params_ppm(m, i, 100, 976, 0, 0), 0);
	}
	for (i = 0; i < m->nr_idle; i++) {
		p = m->idle[i].params;
		p.min_share = 976;
		KUNIT_ASSERT_EQ(test, mdgpu_sched_entity_set_params(&m->s,
								    &m->idle[i],
								    &p, m->now),
				0);
	}
	KUNIT_EXPECT_EQ(test, m->s.min_share_sum, 976ULL * n);
	/* 1024 x 976 = 999424 ppm: 576 left, and not one more. */
	KUNIT_EXPECT_EQ(test, mock_params_ppm(m, 0, 100, 976 + 577, 0, 0),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, m->v[0].e.params.min_share, 976U);
	KUNIT_EXPECT_EQ(test, mock_params_ppm(m, 0, 100, 976 + 576, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, m->s.min_share_sum, (u64)MDGPU_SCHED_SHARE_ONE);
	/* A cap is whole percent: 1 % admits up to 10000 ppm, not 10001. */
	KUNIT_EXPECT_EQ(test, mock_params_ppm(m, 1, 100, 0, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, mock_params_ppm(m, 1, 100, 976, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, mock_params(m, 1, 100, 2, 1, 0), -EINVAL);

	/* Service: 0.5 % at the lowest class against a saturating class 7. */
	m = mock_new_n(test, MDGPU_SCHED_WEIGHTED, US(250), MOCK_MAX);
	mock_add(m, 0, 8);
	mock_add(m, 1, 8);
	KUNIT_ASSERT_EQ(test, mock_params_ppm(m, 0, 1, 5000, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, mock_params_ppm(m, 1, 10000, 0, 0, 7), 0);
	m->ideal_ppm[0] = 5000;
	mock_window(m);
	mock_run(m, MS(4000));
	expect_share(test, m, 0, 5000, 500);
	KUNIT_EXPECT_LE_MSG(test, (u64)m->v[0].max_lag,
			    m->s.timeslice_ns + m->chunk_ns,
			    "lag %lld", m->v[0].max_lag);
}

/* ---- dynamics ------------------------------------------------------------ */

static void sched_policy_switch(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_BEST_EFFORT, US(300));
	struct mdgpu_sched_entity *e;
	u64 budget;

	mock_add(m, 0, 4);
	mock_add(m, 1, 4);
	mock_add(m, 2, 4);
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 100, 0, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, mock_params(m, 1, 300, 0, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, mock_params(m, 2, 600, 0, 0, 0), 0);
	mock_run(m, MS(500));

	/* Switch while vGPU e runs: it is not preempted by the switch. */
	mock_sync(m);
	e = mdgpu_sched_pick(&m->s, m->now, &budget);
	KUNIT_ASSERT_NOT_NULL(test, e);
	m->now += m->chunk_ns;
	mdgpu_sched_charge(&m->s, e, m->chunk_ns, m->now);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_policy(&m->s, MDGPU_SCHED_WEIGHTED,
						     m->now), 0);
	KUNIT_EXPECT_FALSE(test, mdgpu_sched_preempt(&m->s, e, m->now));
	mock_run_slice(m, container_of(e, struct mock_vgpu, e), U64_MAX);

	mock_run(m, MS(20));
	mock_window(m);
	mock_run(m, MS(2000));
	expect_share(test, m, 0, PCT(10), PCT(1));
	expect_share(test, m, 1, PCT(30), PCT(1));
	expect_share(test, m, 2, PCT(60), PCT(1));

	/* And to fixed share (1/4 each): 75 % busy. */
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_policy(&m->s,
						     MDGPU_SCHED_FIXED_SHARE,
						     m->now), 0);
	mock_run(m, MS(20));
	mock_window(m);
	mock_run(m, MS(2000));
	expect_share(test, m, 0, PCT(25), PCT(1));
	expect_share(test, m, 2, PCT(25), PCT(1));

	/* Back to equal share. */
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_policy(&m->s,
						     MDGPU_SCHED_EQUAL_SHARE,
						     m->now), 0);
	mock_run(m, MS(20));
	mock_window(m);
	mock_run(m, MS(1500));
	expect_share(test, m, 0, MDGPU_SCHED_SHARE_ONE / 3, PCT(1));
	expect_share(test, m, 2, MDGPU_SCHED_SHARE_ONE / 3, PCT(1));
}

static void sched_arrivals_departures(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_EQUAL_SHARE, US(400));
	unsigned int i;

	mock_add(m, 0, 8);
	mock_add(m, 1, 8);
	mock_run(m, MS(300));
	/* A newcomer gets its share at once, and no catch-up. */
	mock_add(m, 2, 8);
	mock_window(m);
	mock_run(m, MS(600));
	for (i = 0; i < 3; i++)
		expect_share(test, m, i, MDGPU_SCHED_SHARE_ONE / 3, PCT(1));
	KUNIT_EXPECT_LE(test, m->v[2].max_wake_wait,
			m->s.timeslice_ns + m->chunk_ns);
	/* One leaves: the other two split the engine. */
	mock_del(m, 0);
	mock_window(m);
	mock_run(m, MS(600));
	expect_share(test, m, 1, PCT(50), PCT(1));
	expect_share(test, m, 2, PCT(50), PCT(1));
	KUNIT_EXPECT_EQ(test, m->s.nr_entities, m->nr_idle + 2);
}

static void sched_idle_credit(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_WEIGHTED, US(250));

	mock_add(m, 0, 8);
	mock_add(m, 1, 8);
	/* vGPU 0 sleeps 1 s while vGPU 1 runs alone, then both have work. */
	m->v[0].on_ns = MS(1000);
	m->v[0].off_ns = MS(1000);
	m->v[0].phase_ns = MS(1000);
	mock_run(m, MS(999));
	mock_window(m);
	mock_run(m, MS(200));
	/*
	 * It banked at most one slice: it runs promptly, but vGPU 1 is back
	 * on the engine after one slice plus one chunk of catch-up.
	 */
	KUNIT_EXPECT_LE(test, m->v[0].max_wake_wait,
			m->s.timeslice_ns + m->chunk_ns);
	KUNIT_EXPECT_LE(test, m->v[0].max_run,
			2 * m->s.timeslice_ns + m->chunk_ns);
	KUNIT_EXPECT_LE(test, m->v[1].max_wake_wait, 0ULL);
	expect_share(test, m, 0, PCT(50), PCT(2));

	/* Fixed share: the bucket holds at most two slices after idling. */
	KUNIT_EXPECT_EQ(test, mdgpu_sched_set_policy(&m->s,
						     MDGPU_SCHED_FIXED_SHARE,
						     m->now), 0);
	mock_run(m, MS(2000));
	KUNIT_EXPECT_LE(test, m->v[0].e.tokens, mdgpu_sched_burst(&m->s));
	KUNIT_EXPECT_LE(test, m->v[1].e.tokens, mdgpu_sched_burst(&m->s));
}

static void sched_wake_latency(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_EQUAL_SHARE, US(250));
	unsigned int i, b, peak = 0;
	u64 sum_lo = 0, sum_hi = 0;

	/* Three saturating vGPUs and one light, bursty one. */
	for (i = 0; i < 3; i++)
		mock_add(m, i, 8);
	mock_add(m, 3, 8);
	m->v[3].period_ns = MS(7);
	m->v[3].burst_ns = US(300);
	m->v[3].next_arrival = m->now + MS(3);
	mock_window(m);
	mock_run(m, MS(3000));
	kunit_info(test, "light vGPU: max wait %llu us, mean %llu us\n",
		   div_u64(m->v[3].max_wake_wait, 1000),
		   div_u64(m->v[3].e.stats.wait_avg_ns, 1000));
	/* Bounded wait: at most two slices plus a chunk. */
	KUNIT_EXPECT_LE(test, m->v[3].max_wake_wait,
			2 * m->s.timeslice_ns + m->chunk_ns);
	KUNIT_EXPECT_GT(test, m->v[3].e.stats.slices, 400ULL);
	/* It ran all its work: 300 us every 7 ms. */
	expect_share(test, m, 3, div_u64(US(300) * MDGPU_SCHED_SHARE_ONE,
					 MS(7)), PCT(1));
	/* The histogram holds every wait, in log2 us buckets. */
	for (b = 0; b < MDGPU_SCHED_HIST_BUCKETS; b++)
		if (m->v[3].e.stats.wait_hist[b] > m->v[3].e.stats.wait_hist[peak])
			peak = b;
	KUNIT_EXPECT_LE(test, peak, 11U);	/* < 4.096 ms */
	/* The sum of the waits lies within what the buckets allow. */
	for (b = 0; b < MDGPU_SCHED_HIST_BUCKETS; b++) {
		u64 n = m->v[3].e.stats.wait_hist[b];

		sum_lo += b ? n * US(1ULL << b) : 0;
		sum_hi += b < MDGPU_SCHED_HIST_BUCKETS - 1 ?
			  n * US(2ULL << b) : U64_MAX / 2;
	}
	KUNIT_EXPECT_GE(test, m->v[3].e.stats.wait_sum_ns, sum_lo);
	KUNIT_EXPECT_LT(test, m->v[3].e.stats.wait_sum_ns, sum_hi);
	KUNIT_EXPECT_GT(test, m->v[3].e.stats.wait_sum_ns, 0ULL);
	KUNIT_EXPECT_LE(test, m->v[3].e.stats.wait_avg_ns,
			m->s.timeslice_ns + m->chunk_ns);
	KUNIT_EXPECT_GT(test, mock_stats(m, 0).wait_ns, MS(1500));
	KUNIT_EXPECT_GT(test, m->v[0].e.stats.preemptions, 100ULL);

	KUNIT_EXPECT_EQ(test, mdgpu_sched_hist_bucket(0), 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_hist_bucket(US(1)), 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_hist_bucket(US(2)), 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_hist_bucket(US(1024)), 10U);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_hist_bucket(US(2047)), 10U);
	KUNIT_EXPECT_EQ(test, mdgpu_sched_hist_bucket(MS(10000)),
			MDGPU_SCHED_HIST_BUCKETS - 1);
}

static void sched_timeslice_live(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_BEST_EFFORT, US(100));
	struct mdgpu_sched_stats st;
	u64 sw, elapsed;

	mock_add(m, 0, 8);
	mock_add(m, 1, 8);
	KUNIT_ASSERT_EQ(test, mdgpu_sched_set_timeslice(&m->s, MS(1)), 0);
	mock_run(m, MS(10));
	sw = m->s.stats.switches;
	mock_run(m, MS(1000));
	/* About one switch per millisecond. */
	KUNIT_EXPECT_GE(test, m->s.stats.switches - sw, 900ULL);
	KUNIT_EXPECT_LE(test, m->s.stats.switches - sw, 1010ULL);
	KUNIT_ASSERT_EQ(test, mdgpu_sched_set_timeslice(&m->s, US(200)), 0);
	sw = m->s.stats.switches;
	mock_run(m, MS(1000));
	KUNIT_EXPECT_GE(test, m->s.stats.switches - sw, 4500ULL);
	KUNIT_EXPECT_LE(test, m->s.stats.switches - sw, 5010ULL);
	/* Busy and idle cover the run. */
	m->v[0].on_ns = MS(1);
	m->v[0].off_ns = MS(3);
	m->v[1].on_ns = MS(1);
	m->v[1].off_ns = MS(3);
	mock_run(m, MS(4));
	mdgpu_sched_stats_snapshot(&m->s, m->now, &st);
	elapsed = st.busy_ns + st.idle_ns;
	mock_run(m, MS(1000));
	mdgpu_sched_stats_snapshot(&m->s, m->now, &st);
	KUNIT_EXPECT_GE(test, st.busy_ns + st.idle_ns - elapsed, MS(998));
	KUNIT_EXPECT_LE(test, st.busy_ns + st.idle_ns - elapsed, MS(1002));
}

static void sched_watchdog(struct kunit *test)
{
	struct mock *m = mock_new(test, MDGPU_SCHED_EQUAL_SHARE, US(500));
	unsigned int i;

	KUNIT_EXPECT_FALSE(test, mdgpu_sched_watchdog_expired(&m->s, NULL,
							      MDGPU_SCHED_WATCHDOG_DEFAULT_NS));
	KUNIT_EXPECT_TRUE(test, mdgpu_sched_watchdog_expired(&m->s, NULL,
							     MDGPU_SCHED_WATCHDOG_DEFAULT_NS + 1));
	KUNIT_ASSERT_EQ(test, mdgpu_sched_set_watchdog(&m->s, MS(200)), 0);
	/* vGPU 0 submits one endless job; 1 and 2 have 5 ms jobs. */
	for (i = 0; i < 3; i++)
		mock_add(m, i, 8);
	m->v[0].job_len_ns = U64_MAX;
	m->v[1].job_len_ns = MS(5);
	m->v[2].job_len_ns = MS(5);
	mock_run(m, MS(300));
	/* Its job had run 200 ms of engine time by 600 ms: not yet. */
	KUNIT_EXPECT_FALSE(test, m->v[0].dead);
	mock_run(m, MS(400));
	KUNIT_EXPECT_TRUE(test, m->v[0].dead);
	KUNIT_EXPECT_EQ(test, m->v[0].e.stats.watchdog, 1ULL);
	KUNIT_EXPECT_FALSE(test, m->v[0].e.runnable);
	KUNIT_EXPECT_LE(test, m->v[0].e.stats.run_ns, MS(200) + m->chunk_ns);
	KUNIT_EXPECT_EQ(test, m->v[1].e.stats.watchdog, 0ULL);
	/* The others keep their shares. */
	mock_window(m);
	mock_run(m, MS(1000));
	expect_share(test, m, 1, PCT(50), PCT(1));
	expect_share(test, m, 2, PCT(50), PCT(1));
	/* Off: nothing expires. */
	KUNIT_ASSERT_EQ(test, mdgpu_sched_set_watchdog(&m->s, 0), 0);
	KUNIT_EXPECT_FALSE(test, mdgpu_sched_watchdog_expired(&m->s, NULL,
							      U64_MAX));
}

/* Four saturated vGPUs, 2 ms slices: the lag bound of each fair policy. */
static void sched_lag_bound(struct kunit *test)
{
	static const int policies[] = {
		MDGPU_SCHED_BEST_EFFORT, MDGPU_SCHED_EQUAL_SHARE,
		MDGPU_SCHED_WEIGHTED,
	};
	unsigned int p, i;

	for (p = 0; p < ARRAY_SIZE(policies); p++) {
		struct mock *m = mock_new(test, policies[p], US(700));

		for (i = 0; i < 4; i++) {
			mock_add(m, i, 4);
			m->ideal_ppm[i] = PCT(25);
			/* One vGPU comes and goes: lag is for the others. */
		}
		mock_window(m);
		mock_run(m, MS(4000));
		for (i = 0; i < 4; i++) {
			kunit_info(test, "%s vGPU %u share %llu ppm max lag %lld us\n",
				   mdgpu_sched_policy_name(policies[p]), i,
				   mock_share(m, i),
				   div_s64(m->v[i].max_lag, 1000));
			KUNIT_EXPECT_LE_MSG(test, (u64)m->v[i].max_lag,
					    m->s.timeslice_ns + m->chunk_ns,
					    "policy %u vGPU %u lag %lld", p, i,
					    m->v[i].max_lag);
			expect_share(test, m, i, PCT(25), PCT(1));
		}
	}
}

/* ---- arithmetic at the extremes of the tunables -------------------------- */

/**
 * struct sched_extreme - a load at the extremes of the tunable range
 * @name: description
 * @slice_ns: time slice
 * @chunk_ns: the mock engine's chunk
 * @heavy: number of heavy vGPUs (weight 10000, always busy): 1..5
 * @heavy_cap: their cap (percent), 0 for none
 * @heavy_prio: their priority class
 * @light_min: min_share (percent) of vGPU 0
 * @windows: number of 10 s windows measured, after the first 10 s
 * @n: entities on the scheduler (idle ones beside these), at least MOCK_MAX
 *
 * vGPU 0 (weight 1) always has work, and the heavy vGPUs 1.. too; vGPU 6
 * (weight 1) has work 5 s out of every 10 s. The vGPUs of weight 1 fall
 * behind or run ahead of the heavy ones by about 1e13 of virtual time per
 * second (a cap holds the heavy ones back, a minimum share or a higher
 * class runs the light ones out of turn). Unbounded, that lag drags the
 * weighted average that places a waking vGPU, and once multiplied by the
 * heavy weights it wraps the average's s64 sum (after about 90 s with one
 * heavy vGPU).
 */
struct sched_extreme {
	const char *name;
	u64 slice_ns, chunk_ns;
	unsigned int heavy;
	u32 heavy_cap, heavy_prio, light_min;
	unsigned int windows;
	unsigned int n;
};

static const struct sched_extreme sched_extremes[] = {
	{ "5 capped, 100 ms slice", MS(100), MS(2), 5, 1, 0, 0, 4, MOCK_MAX },
	{ "5 capped, 100 us slice", US(100), MS(1), 5, 1, 0, 0, 4, MOCK_MAX },
	{ "min share, 100 ms slice", MS(100), MS(2), 5, 0, 0, 50, 4, MOCK_MAX },
	{ "min share, 100 us slice", US(100), MS(1), 5, 0, 0, 50, 4, MOCK_MAX },
	{ "5 capped in class 7, min share", MS(100), MS(2), 5, 1, 7, 50, 4,
	  MOCK_MAX },
	{ "1 capped, 100 ms slice, 300 s", MS(100), MS(10), 1, 1, 0, 0, 29,
	  MOCK_MAX },
	{ "5 capped, 100 ms slice, n = 1024", MS(100), MS(2), 5, 1, 0, 0, 4,
	  MDGPU_SCHED_MAX_ENTITIES },
	{ "5 capped, 100 us slice, n = 1024", US(100), MS(1), 5, 1, 0, 0, 4,
	  MDGPU_SCHED_MAX_ENTITIES },
	{ "min share, 100 ms slice, n = 1024", MS(100), MS(2), 5, 0, 0, 50, 4,
	  MDGPU_SCHED_MAX_ENTITIES },
	{ "min share, 100 us slice, n = 1024", US(100), MS(1), 5, 0, 0, 50, 4,
	  MDGPU_SCHED_MAX_ENTITIES },
	{ "5 capped in class 7, min share, n = 1024", MS(100), MS(2), 5, 1, 7,
	  50, 4, MDGPU_SCHED_MAX_ENTITIES },
	{ "1 capped, 100 ms slice, 300 s, n = 1024", MS(100), MS(10), 1, 1, 0,
	  0, 29, MDGPU_SCHED_MAX_ENTITIES },
};

static void sched_extreme_desc(const struct sched_extreme *x, char *desc)
{
	strscpy(desc, x->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sched_extreme, sched_extremes, sched_extreme_desc);

#define EXTREME_PERIOD	MS(10000)

static void sched_extreme_weights(struct kunit *test)
{
	const struct sched_extreme *x = test->param_value;
	struct mock *m = mock_new_n(test, MDGPU_SCHED_WEIGHTED, x->chunk_ns,
				    x->n);
	u64 heavy, light, want0, want6, tol;
	unsigned int i, k;

	KUNIT_ASSERT_EQ(test, mdgpu_sched_set_timeslice(&m->s, x->slice_ns), 0);
	mock_add(m, 0, 8);
	KUNIT_ASSERT_EQ(test, mock_params(m, 0, 1, x->light_min, 0, 0), 0);
	for (i = 1; i <= x->heavy; i++) {
		mock_add(m, i, 8);
		KUNIT_ASSERT_EQ(test, mock_params(m, i, 10000, 0, x->heavy_cap,
						  x->heavy_prio), 0);
	}
	mock_add(m, 6, 8);
	KUNIT_ASSERT_EQ(test, mock_params(m, 6, 1, 0, 0, 0), 0);
	m->v[6].on_ns = EXTREME_PERIOD / 2;
	m->v[6].off_ns = EXTREME_PERIOD / 2;
	m->v[6].phase_ns = EXTREME_PERIOD - m->now;

	/*
	 * What each gets: the heavy vGPUs their cap, or what is left after
	 * vGPU 0's minimum (a class of their own above it, or weights 10000
	 * times larger, leave the light ones nothing else); the light ones
	 * split what is left (vGPU 0 alone while vGPU 6 has no work).
	 */
	if (x->heavy_cap) {
		heavy = PCT(x->heavy_cap);
		light = MDGPU_SCHED_SHARE_ONE - x->heavy * heavy;
		want6 = light / 4;
		want0 = light - want6;
	} else {
		light = PCT(x->light_min);
		heavy = (MDGPU_SCHED_SHARE_ONE - light) / x->heavy;
		want0 = light;
		want6 = 0;
	}
	/* Two slices and two chunks of the window, for the wake-ups. */
	tol = div64_u64(2 * (x->slice_ns + x->chunk_ns) * MDGPU_SCHED_SHARE_ONE,
			EXTREME_PERIOD) + PCT(1) / 2;
	mock_run(m, EXTREME_PERIOD - MS(1));
	for (k = 0; k < x->windows; k++) {
		mock_window(m);
		mock_run(m, EXTREME_PERIOD);
		for (i = 1; i <= x->heavy; i++)
			expect_share(test, m, i, heavy, tol);
		expect_share(test, m, 0, want0, tol);
		if (x->heavy_cap)
			expect_share(test, m, 6, want6, tol);
		else
			KUNIT_EXPECT_LE(test, mock_share(m, 6), tol);
		if (test->status == KUNIT_FAILURE) {
			kunit_info(test, "window %u (%llu s) shares %llu %llu %llu ppm\n",
				   k, div_u64(m->now, 1000000000), mock_share(m, 0),
				   mock_share(m, 1), mock_share(m, 6));
			break;
		}
	}
}

/* ---- queues at the module's maximum ------------------------------------- */

/* A fixed pseudo-random sequence (xorshift32). */
static u32 sched_rand(u32 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * The ordered set against a plain array at n = 1024: random inserts and
 * removals of keys, deadlines and ties with many equal ones, and after
 * each the first node, the first after a key, and the EEVDF query
 * (smallest deadline among keys up to a limit; of equal deadlines the
 * smallest tie, then the smallest key, then the first inserted) compared
 * with a walk over every node.
 */
static void sched_tree_ops(struct kunit *test)
{
	const unsigned int n = MDGPU_SCHED_MAX_ENTITIES;
	struct mdgpu_sched_node *nodes, *got, *want;
	struct mdgpu_sched_tree t;
	u64 *order, seq = 0;
	bool *in;
	unsigned int i, k, step;
	u32 x = 12345;
	u64 lim;

	nodes = kunit_kcalloc(test, n, sizeof(*nodes), GFP_KERNEL);
	in = kunit_kcalloc(test, n, sizeof(*in), GFP_KERNEL);
	order = kunit_kcalloc(test, n, sizeof(*order), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nodes);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, order);
	mdgpu_sched_tree_init(&t);
	for (step = 0; step < 20000; step++) {
		i = sched_rand(&x) % n;
		if (in[i]) {
			mdgpu_sched_tree_erase(&t, &nodes[i]);
			in[i] = false;
		} else {
			/* Keys around the wraparound, 64 distinct values. */
			mdgpu_sched_tree_insert(&t, &nodes[i],
						U64_MAX - 31 + sched_rand(&x) % 64,
						sched_rand(&x) % 256,
						sched_rand(&x) % 4);
			in[i] = true;
			order[i] = seq++;
		}
		lim = U64_MAX - 31 + sched_rand(&x) % 64;
		/* The EEVDF query by brute force. */
		want = NULL;
		for (k = 0; k < n; k++) {
			struct mdgpu_sched_node *c = &nodes[k];

			if (!in[k] || (s64)(c->key - lim) > 0)
				continue;
			if (!want || c->aug < want->aug ||
			    (c->aug == want->aug &&
			     (c->tie < want->tie ||
			      (c->tie == want->tie &&
			       ((s64)(c->key - want->key) < 0 ||
				(c->key == want->key &&
				 order[k] < order[want - nodes]))))))
				want = c;
		}
		got = mdgpu_sched_tree_eevdf(&t, lim);
		KUNIT_ASSERT_PTR_EQ_MSG(test, got, want, "step %u", step);
		/* The first, and the first after @lim. */
		want = NULL;
		for (k = 0; k < n; k++)
			if (in[k] && (!want ||
				      (s64)(nodes[k].key - want->key) < 0 ||
				      (nodes[k].key == want->key &&
				       order[k] < order[want - nodes])))
				want = &nodes[k];
		KUNIT_ASSERT_PTR_EQ(test, mdgpu_sched_tree_first(&t), want);
		want = NULL;
		for (k = 0; k < n; k++)
			if (in[k] && (s64)(nodes[k].key - lim) > 0 &&
			    (!want || (s64)(nodes[k].key - want->key) < 0 ||
			     (nodes[k].key == want->key &&
			      order[k] < order[want - nodes])))
				want = &nodes[k];
		KUNIT_ASSERT_PTR_EQ(test, mdgpu_sched_tree_after(&t, lim), want);
	}
}

/*
 * The scale test's load, on the mock clock: 1024 vGPUs on one parent under
 * the weighted policy, weights 100, 200, 300, 400 repeating, groups of 64
 * busy in turn (the others idle), 100-300 us chunks; in each group's 4 s
 * window every vGPU's engine time is within what the lag bound allows of
 * its weight's part (one slice plus one chunk at either end), and
 * the queues hold exactly the vGPUs that may run, with the sums of their
 * weights and keys that a walk over every vGPU finds.
 */
static void sched_scale_groups(struct kunit *test)
{
	const unsigned int n = MDGPU_SCHED_MAX_ENTITIES, group = 64;
	struct mdgpu_sched_params p = { .weight = 100 };
	struct mdgpu_sched_entity *ent, *e;
	struct mdgpu_sched s;
	u64 now = MS(1), end, budget, c, *run0, sum, tol;
	unsigned int base, i, q;
	u32 x = 1, wsum;
	s64 ksum;

	ent = kunit_kcalloc(test, n, sizeof(*ent), GFP_KERNEL);
	run0 = kunit_kcalloc(test, group, sizeof(*run0), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ent);
	KUNIT_ASSERT_NOT_NULL(test, run0);
	mdgpu_sched_init(&s);
	KUNIT_ASSERT_EQ(test, mdgpu_sched_set_policy(&s, MDGPU_SCHED_WEIGHTED,
						     now), 0);
	for (i = 0; i < n; i++) {
		mdgpu_sched_entity_init(&ent[i]);
		mdgpu_sched_entity_set_share(&ent[i], n);
		mdgpu_sched_add(&s, &ent[i], now);
		p.weight = 100 * (1 + i % 4);
		KUNIT_ASSERT_EQ(test, mdgpu_sched_entity_set_params(&s, &ent[i],
								    &p, now),
				0);
	}
	for (base = 0; base + group <= n; base += 4 * group) {
		for (i = base; i < base + group; i++) {
			mdgpu_sched_wake(&s, &ent[i], now);
			now += US(20);
		}
		/* 0.5 s of warm-up, then the 4 s window. */
		for (end = now + MS(4500); now < end;) {
			if (now >= end - MS(4000) && !run0[group - 1])
				for (i = 0; i < group; i++)
					run0[i] = ent[base + i].stats.run_ns + 1;
			e = mdgpu_sched_pick(&s, now, &budget);
			KUNIT_ASSERT_NOT_NULL(test, e);
			do {
				c = US(100) + sched_rand(&x) % US(200);
				now += c;
				mdgpu_sched_charge(&s, e, c, now);
			} while (!mdgpu_sched_preempt(&s, e, now));
		}
		sum = 0;
		wsum = 0;
		for (i = 0; i < group; i++) {
			sum += ent[base + i].stats.run_ns - run0[i] + 1;
			wsum += 1 + (base + i) % 4;
		}
		for (i = 0; i < group; i++) {
			u64 got = ent[base + i].stats.run_ns - run0[i] + 1;
			u64 want = div_u64(sum * (1 + (base + i) % 4), wsum);

			tol = 2 * (s.timeslice_ns + US(300));
			KUNIT_EXPECT_LE_MSG(test, got, want + tol,
					    "vGPU %u: %llu us, %llu expected",
					    base + i, got / 1000, want / 1000);
			KUNIT_EXPECT_GE_MSG(test, got + tol, want,
					    "vGPU %u: %llu us, %llu expected",
					    base + i, got / 1000, want / 1000);
		}
		/* The class-0 queue against a walk over every vGPU. */
		ksum = 0;
		wsum = 0;
		for (i = 0; i < n; i++) {
			q = mdgpu_sched_eligible(&ent[i]) ? 0 :
							    MDGPU_SCHED_Q_NONE;
			KUNIT_EXPECT_EQ(test, (unsigned int)ent[i].queue, q);
			if (q)
				continue;
			ksum += mdgpu_sched_key(&s, &ent[i]) *
				mdgpu_sched_weight(&s, &ent[i]);
			wsum += mdgpu_sched_weight(&s, &ent[i]);
		}
		KUNIT_EXPECT_EQ(test, (s64)s.qsum[0], ksum);
		KUNIT_EXPECT_EQ(test, s.qweight[0], (u64)wsum);
		KUNIT_EXPECT_EQ(test, s.queues[0].nr, group);
		for (i = base; i < base + group; i++)
			mdgpu_sched_sleep(&s, &ent[i], now);
		memset(run0, 0, group * sizeof(*run0));
	}
	for (i = 0; i < n; i++)
		mdgpu_sched_remove(&s, &ent[i], now);
	KUNIT_EXPECT_EQ(test, s.nr_entities, 0U);
	KUNIT_EXPECT_NULL(test, mdgpu_sched_tree_first(&s.timers));
	for (q = 0; q < MDGPU_SCHED_NR_QUEUES; q++)
		KUNIT_EXPECT_EQ(test, s.queues[q].nr, 0U);
}

static struct kunit_case mdgpu_sched_cases[] = {
	KUNIT_CASE_PARAM(sched_tunables_validate, sched_size_gen_params),
	KUNIT_CASE(sched_policy_names),
	KUNIT_CASE_PARAM(sched_best_effort, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_equal_share, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_fixed_share, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_weighted_shares, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_weight_extremes, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_caps, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_min_share_and_priority, sched_size_gen_params),
	KUNIT_CASE(sched_min_share_fine),
	KUNIT_CASE_PARAM(sched_policy_switch, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_arrivals_departures, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_idle_credit, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_wake_latency, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_timeslice_live, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_watchdog, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_lag_bound, sched_size_gen_params),
	KUNIT_CASE_PARAM(sched_extreme_weights, sched_extreme_gen_params),
	KUNIT_CASE(sched_tree_ops),
	KUNIT_CASE(sched_scale_groups),
	{}
};

static struct kunit_suite mdgpu_sched_suite = {
	.name = "mdgpu_sched",
	.test_cases = mdgpu_sched_cases,
};

kunit_test_suite(mdgpu_sched_suite);
