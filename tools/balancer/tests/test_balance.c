// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of mdgpu-balancer's decision logic (balance.c) and its
 * configuration parser (config.c), on synthetic demand traces.
 *
 * The closed-loop tests put mdgb_decide() in front of a model of the
 * module's weighted policy (plant()): vGPUs that offer more load than
 * their weighted share of the engine get that share and wait the rest of
 * the period, the others get what they offer (the same water-filling the
 * scheduler's weighted policy does among runnable vGPUs) and wait behind
 * the others' slices in proportion to the engine time they used. TAP output;
 * tests/mutate.sh breaks each rule once and expects a failure here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../balance.h"
#include "../config.h"
#include "tests/tap.h"	/* mdgpuctl's */

#define MAXV	8

/* Deterministic pseudo-random numbers in [0, 1) (a 64-bit LCG). */
static unsigned long long rng_state;
static double rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng_state >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * The weighted policy over one parent: @load[i] is what vGPU i offers
 * (fraction of the engine it would use alone); writes one period's sample.
 * Contended vGPUs wait for the rest of the period; the wait latency grows
 * with the others' weight relative to the vGPU's own.
 */
static double noise;	/* relative measurement noise of plant()'s samples */

static void plant(struct mdgb_vgpu *v, const double *load, size_t n)
{
	double use[MAXV], left = 1.0, wsum, wall = 0;
	bool done[MAXV] = { false };
	size_t i, progress;

	for (i = 0; i < n; i++)
		wall += load[i] > 0 ? v[i].state.weight : 0;
	do {
		progress = 0;
		wsum = 0;
		for (i = 0; i < n; i++)
			if (!done[i])
				wsum += v[i].state.weight;
		for (i = 0; i < n && wsum > 0; i++) {
			if (done[i] || load[i] > left * v[i].state.weight / wsum)
				continue;
			use[i] = load[i];
			done[i] = true;
			progress++;
		}
		if (progress) {
			left = 1.0;
			for (i = 0; i < n; i++)
				if (done[i])
					left -= use[i];
		}
	} while (progress);
	wsum = 0;
	for (i = 0; i < n; i++)
		if (!done[i])
			wsum += v[i].state.weight;
	for (i = 0; i < n; i++) {
		struct mdgb_sample *s = &v[i].sample;

		if (!done[i])
			use[i] = left * v[i].state.weight / wsum;
		s->valid = true;
		s->period_s = 1.0;
		s->engine_s = use[i];
		/* A satisfied vGPU still waits behind the others' slices. */
		s->wait_s = done[i] ? use[i] * (1.0 - left - use[i]) :
				      1.0 - use[i];
		s->throttled_s = 0;
		s->latency_us = load[i] > 0 ?
			100.0 * (wall - v[i].state.weight) / v[i].state.weight : -1;
		if (noise > 0) {
			s->engine_s *= 1 + noise * (2 * rnd() - 1);
			s->latency_us *= 1 + noise * (2 * rnd() - 1);
		}
	}
}

static struct mdgb_params params(void)
{
	struct mdgb_params p;

	mdgb_params_default(&p);
	return p;
}

static void setup(struct mdgb_vgpu *v, size_t n, unsigned int floor,
		  unsigned int ceiling, unsigned int weight)
{
	size_t i;

	memset(v, 0, sizeof(*v) * n);
	for (i = 0; i < n; i++) {
		v[i].bounds.floor = floor;
		v[i].bounds.ceiling = ceiling;
		v[i].state.weight = weight;
	}
}

/* Open-loop sample: @demand of the period with work, almost all of it
 * running (waiting too little to count as starved).
 */
static void open_sample(struct mdgb_vgpu *v, double demand)
{
	v->sample.valid = true;
	v->sample.period_s = 2.0;
	v->sample.engine_s = 2.0 * demand * 0.995;
	v->sample.wait_s = 2.0 * demand * 0.005;
	v->sample.throttled_s = 0;
	v->sample.latency_us = -1;
}

/* Random traces, random bounds, weights in force outside the bounds,
 * invalid samples: no decision ever leaves the bounds.
 */
static int test_bounds_never_left(void)
{
	struct mdgb_params p = params();
	struct mdgb_vgpu v[MAXV];
	struct mdgb_decision d[MAXV];
	int round, t;
	size_t i;

	rng_state = 1;
	for (round = 0; round < 200; round++) {
		for (i = 0; i < MAXV; i++) {
			unsigned int a = 1 + rnd() * 9999, b = 1 + rnd() * 9999;

			memset(&v[i], 0, sizeof(v[i]));
			v[i].bounds.floor = a < b ? a : b;
			v[i].bounds.ceiling = a < b ? b : a;
			if (i % 3 == 1)
				v[i].bounds.share_pct = 1 + rnd() * 99;
			if (i % 3 == 2)
				v[i].bounds.wait_us = 1 + rnd() * 5000;
			v[i].state.weight = 1 + rnd() * 9999;
			v[i].group = i % 2;
		}
		for (t = 0; t < 50; t++) {
			for (i = 0; i < MAXV; i++) {
				struct mdgb_sample *s = &v[i].sample;

				s->valid = rnd() > 0.1;
				s->period_s = rnd() * 2;
				s->engine_s = rnd() * 2.5;
				s->wait_s = rnd() * 2.5;
				s->throttled_s = rnd() < 0.2 ? rnd() : 0;
				s->latency_us = rnd() * 20000 - 100;
			}
			mdgb_decide(&p, v, MAXV, d);
			for (i = 0; i < MAXV; i++) {
				if (d[i].new_weight < v[i].bounds.floor ||
				    d[i].new_weight > v[i].bounds.ceiling) {
					TAP_DIAG("round %d period %d vGPU %zu: weight %u outside [%u, %u] (%s)",
						 round, t, i, d[i].new_weight,
						 v[i].bounds.floor, v[i].bounds.ceiling,
						 mdgb_reason_name(d[i].reason));
					return TAP_FAIL;
				}
			}
		}
	}
	return TAP_PASS;
}

/* Constant demand: the weight settles near floor + demand x range and
 * then stays.
 */
static int test_demand_converges(void)
{
	static const double demands[] = { 0.1, 0.3, 0.55, 0.8, 1.0 };
	struct mdgb_params p = params();
	struct mdgb_vgpu v[5];
	struct mdgb_decision d[5];
	unsigned int settled[5];
	int t;
	size_t i;

	setup(v, 5, 50, 1050, 500);
	for (t = 0; t < 60; t++) {
		/* Low demand first: the average then approaches the
		 * demands from below (full demand only asymptotically).
		 */
		for (i = 0; i < 5; i++)
			open_sample(&v[i], t < 5 ? 0.05 : demands[i]);
		mdgb_decide(&p, v, 5, d);
		for (i = 0; i < 5; i++) {
			if (t == 20)
				settled[i] = d[i].new_weight;
			if (t > 20 && d[i].new_weight != settled[i]) {
				TAP_DIAG("vGPU %zu (demand %.2f) still moves at period %d: %u -> %u",
					 i, demands[i], t, settled[i], d[i].new_weight);
				return TAP_FAIL;
			}
		}
	}
	for (i = 0; i < 5; i++) {
		double ideal = 50 + 1000 * demands[i];

		if (fabs(settled[i] - ideal) > p.deadband * 1000 + 1) {
			TAP_DIAG("vGPU %zu: demand %.2f settled at %u, expected %.0f +- %.0f",
				 i, demands[i], settled[i], ideal, p.deadband * 1000);
			return TAP_FAIL;
		}
	}
	CHECK_INT(settled[4], 1050);
	return TAP_PASS;
}

/*
 * A vGPU with work all the time on an engine the host stalls 20 % of the
 * time: as the failed VM run of 2026-12-02 measured it (the running vGPU
 * gets no time for a stall), 0.55 of the wall clock running and 0.28
 * waiting. Against the wall clock that is a demand of 0.83 and the weight
 * stays in the middle; against the engine's accounted time (0.8 of the
 * period) it is full demand and the weight reaches the ceiling. A complete
 * or unknown account changes nothing, and a period that is mostly stall is
 * corrected only down to MDGB_MIN_ACCOUNTED.
 */
static int test_stalled_engine_full_demand(void)
{
	struct mdgb_params p = params();
	struct mdgb_vgpu wall, acc;
	struct mdgb_decision d;
	struct mdgb_sample s;
	int t;

	setup(&wall, 1, 10, 1000, 500);
	setup(&acc, 1, 10, 1000, 500);
	for (t = 0; t < 30; t++) {
		struct mdgb_sample m = { .valid = true, .period_s = 2.0,
					 .engine_s = 1.10, .wait_s = 0.56,
					 .latency_us = -1 };

		wall.sample = m;
		acc.sample = m;
		mdgb_sample_account(&acc.sample, 0.8);
		mdgb_decide(&p, &wall, 1, &d);
		mdgb_decide(&p, &acc, 1, &d);
	}
	CHECK(wall.state.weight < 1000);
	CHECK_INT(acc.state.weight, 1000);

	s = (struct mdgb_sample){ .valid = true, .period_s = 2.0 };
	mdgb_sample_account(&s, 1);
	CHECK(s.period_s == 2.0);
	mdgb_sample_account(&s, 0);
	CHECK(s.period_s == 2.0);
	mdgb_sample_account(&s, NAN);
	CHECK(s.period_s == 2.0);
	mdgb_sample_account(&s, 1.3);
	CHECK(s.period_s == 2.0);
	mdgb_sample_account(&s, 0.1);
	CHECK(fabs(s.period_s - 2.0 * MDGB_MIN_ACCOUNTED) < 1e-12);
	s = (struct mdgb_sample){ .valid = false, .period_s = 2.0 };
	mdgb_sample_account(&s, 0.8);
	CHECK(s.period_s == 2.0);
	return TAP_PASS;
}

/* Noisy stationary demand (+-0.08 around 0.5): after settling, the
 * weight changes at most twice in 200 periods and never flips back and
 * forth.
 */
static int test_demand_no_oscillation(void)
{
	struct mdgb_params p = params();
	struct mdgb_vgpu v[1];
	struct mdgb_decision d[1];
	unsigned int prev;
	int t, changes = 0;

	rng_state = 42;
	setup(v, 1, 10, 1010, 100);
	prev = 100;
	for (t = 0; t < 220; t++) {
		open_sample(&v[0], 0.5 + (rnd() - 0.5) * 0.16);
		mdgb_decide(&p, v, 1, d);
		if (t >= 20 && d[0].new_weight != prev)
			changes++;
		prev = d[0].new_weight;
	}
	if (changes > 2) {
		TAP_DIAG("%d weight changes under stationary noisy demand", changes);
		return TAP_FAIL;
	}
	return TAP_PASS;
}

/* Full demand for 30 periods, then none: back at the floor within
 * mdgb_giveback_periods() (6 with the defaults, as documented), in each
 * mode.
 */
static int test_giveback(void)
{
	struct mdgb_params p = params();
	struct mdgb_vgpu v[3];
	struct mdgb_decision d[3];
	unsigned int n = mdgb_giveback_periods(&p);
	int t, back[3] = { -1, -1, -1 };
	size_t i;

	CHECK_INT(n, 6);
	setup(v, 3, 20, 2000, 100);
	v[1].bounds.share_pct = 60;
	v[2].bounds.wait_us = 100;
	for (t = 0; t < 30 + 20; t++) {
		for (i = 0; i < 3; i++) {
			open_sample(&v[i], t < 30 ? 1.0 : 0.0);
			v[i].sample.engine_s = t < 30 ? 0.2 : 0;
			v[i].sample.wait_s = t < 30 ? 1.8 : 0;
			v[i].sample.latency_us = t < 30 ? 5000 : -1;
		}
		mdgb_decide(&p, v, 3, d);
		for (i = 0; i < 3; i++) {
			if (t == 29 && d[i].new_weight <= 20) {
				TAP_DIAG("vGPU %zu not raised under full demand", i);
				return TAP_FAIL;
			}
			if (t >= 30 && back[i] < 0 && d[i].new_weight == 20)
				back[i] = t - 29;
		}
	}
	for (i = 0; i < 3; i++) {
		if (back[i] < 0 || back[i] > (int)n) {
			TAP_DIAG("vGPU %zu back at its floor after %d periods, stated %u",
				 i, back[i], n);
			return TAP_FAIL;
		}
	}
	return TAP_PASS;
}

/* Closed loop: three vGPUs that want the whole engine; A's target share
 * is 50 %. A's share settles within the band, weights stop moving, and
 * the weight never reverses direction more than once.
 */
static int test_share_converges(void)
{
	static const double load[3] = { 1, 1, 1 };
	struct mdgb_params p = params();
	struct mdgb_vgpu v[3];
	struct mdgb_decision d[3];
	unsigned int prev = 100, last = 0;
	int t, reversals = 0, dir = 0, changes_late = 0;

	setup(v, 3, 10, 1000, 100);
	v[1].bounds.ceiling = 100;
	v[2].bounds.ceiling = 100;
	v[0].bounds.share_pct = 50;
	/* Measurements are noisy (+-5 %): the band must absorb that. */
	rng_state = 7;
	noise = 0.05;
	for (t = 0; t < 80; t++) {
		plant(v, load, 3);
		mdgb_decide(&p, v, 3, d);
		if (d[0].new_weight != prev) {
			int nd = d[0].new_weight > prev ? 1 : -1;

			if (dir && nd != dir)
				reversals++;
			dir = nd;
			if (t >= 30)
				changes_late++;
		}
		prev = d[0].new_weight;
		last = prev;
	}
	noise = 0;
	plant(v, load, 3);
	if (fabs(v[0].sample.engine_s - 0.5) > 0.5 * p.band) {
		TAP_DIAG("A's share %.3f, target 0.50 +- %.2f (weight %u)",
			 v[0].sample.engine_s, 0.5 * p.band, last);
		return TAP_FAIL;
	}
	if (changes_late || reversals > 1) {
		TAP_DIAG("A's weight still changing after 30 periods (%d) or reversed %d times",
			 changes_late, reversals);
		return TAP_FAIL;
	}
	return TAP_PASS;
}

/* Closed loop: wait-latency target of 50 us among three busy vGPUs,
 * noisy measurements.
 */
static int test_wait_converges(void)
{
	static const double load[3] = { 1, 1, 1 };
	struct mdgb_params p = params();
	struct mdgb_vgpu v[3];
	struct mdgb_decision d[3];
	unsigned int prev = 100;
	int t, changes_late = 0;

	setup(v, 3, 10, 5000, 100);
	v[1].bounds.ceiling = 100;
	v[2].bounds.ceiling = 100;
	v[0].bounds.wait_us = 50;
	rng_state = 9;
	noise = 0.05;
	for (t = 0; t < 80; t++) {
		plant(v, load, 3);
		mdgb_decide(&p, v, 3, d);
		if (t >= 30 && d[0].new_weight != prev)
			changes_late++;
		prev = d[0].new_weight;
	}
	noise = 0;
	plant(v, load, 3);
	if (v[0].sample.latency_us > 50 * (1 + p.band) ||
	    v[0].sample.latency_us < 25 || changes_late) {
		TAP_DIAG("latency %.1f us (target 50), weight %u, %d late changes",
			 v[0].sample.latency_us, prev, changes_late);
		return TAP_FAIL;
	}
	return TAP_PASS;
}

/* Demand that changes over time (a recorded-like trace): the weights
 * follow each phase and end where the last phase puts them.
 */
static int test_phases(void)
{
	struct mdgb_params p = params();
	struct mdgb_vgpu v[2];
	struct mdgb_decision d[2];
	double load[2];
	int t;

	setup(v, 2, 10, 1000, 100);
	for (t = 0; t < 90; t++) {
		load[0] = t < 30 ? 1.0 : t < 60 ? 0.0 : 0.4;
		load[1] = t < 30 ? 0.0 : 1.0;
		plant(v, load, 2);
		mdgb_decide(&p, v, 2, d);
		if (t == 29)
			CHECK(d[0].new_weight == 1000 && d[1].new_weight == 10);
		if (t >= 75 && d[0].new_weight != d[0].old_weight) {
			TAP_DIAG("A's weight still moves in phase 3: %u -> %u at %d",
				 d[0].old_weight, d[0].new_weight, t);
			return TAP_FAIL;
		}
		if (t == 59 && (d[0].new_weight != 10 || d[1].new_weight != 1000)) {
			TAP_DIAG("after phase 2: %u (%s) %u (%s)", d[0].new_weight,
				 mdgb_reason_name(d[0].reason), d[1].new_weight,
				 mdgb_reason_name(d[1].reason));
			return TAP_FAIL;
		}
	}
	/* A offers 0.4 against B's full load: it gets what it wants. */
	CHECK(v[0].sample.engine_s > 0.39);
	CHECK(d[1].new_weight == 1000);
	return TAP_PASS;
}

/* Capped vGPUs are not raised; no sample holds; out-of-bounds weights
 * come back in with their own reason.
 */
static int test_reasons(void)
{
	struct mdgb_params p = params();
	struct mdgb_vgpu v[1];
	struct mdgb_decision d[1];

	setup(v, 1, 10, 1000, 100);
	v[0].bounds.share_pct = 50;
	open_sample(&v[0], 0.5);
	v[0].sample.engine_s = 0.2;
	v[0].sample.wait_s = 0.5;
	v[0].sample.throttled_s = 1.0;
	mdgb_decide(&p, v, 1, d);
	CHECK_INT(d[0].reason, MDGB_CAPPED);
	CHECK_INT(d[0].new_weight, 100);
	v[0].sample.valid = false;
	mdgb_decide(&p, v, 1, d);
	CHECK_INT(d[0].reason, MDGB_NO_SAMPLE);
	v[0].state.weight = 5000;
	mdgb_decide(&p, v, 1, d);
	CHECK_INT(d[0].reason, MDGB_OUT_OF_BOUNDS);
	CHECK_INT(d[0].new_weight, 1000);
	CHECK(!strcmp(mdgb_reason_name(MDGB_BELOW_SHARE), "below-share"));
	return TAP_PASS;
}

static int test_checks(void)
{
	struct mdgb_params p = params();
	struct mdgb_bounds b = { 10, 100, 0, 0 };

	CHECK_INT(mdgb_params_check(&p), 0);
	p.alpha = 0;
	CHECK_INT(mdgb_params_check(&p), -1);
	CHECK_INT(mdgb_bounds_check(&b), 0);
	b.floor = 200;
	CHECK_INT(mdgb_bounds_check(&b), -1);
	b.floor = 0;
	CHECK_INT(mdgb_bounds_check(&b), -1);
	b.floor = 1;
	b.ceiling = 10001;
	CHECK_INT(mdgb_bounds_check(&b), -1);
	b.ceiling = 100;
	b.share_pct = 20;
	b.wait_us = 5;
	CHECK_INT(mdgb_bounds_check(&b), -1);
	return TAP_PASS;
}

static int test_config(void)
{
	static const char text[] =
		"# example\n"
		"period 5   # seconds\n"
		"alpha 0.25\n"
		"default floor=50 ceiling=200\n"
		"vgpu 6D6F6E00-0000-4000-8000-00000000000A floor=100 ceiling=800 share=40%\n"
		"vgpu 6d6f6e00-0000-4000-8000-00000000000b  floor=10 ceiling=20 wait=2ms\n";
	struct mdgb_config c;
	const struct mdgb_bounds *b;
	char err[256];

	CHECK_INT(mdgb_config_parse(&c, text, err, sizeof(err)), 0);
	CHECK(c.period_s == 5);
	CHECK(c.params.alpha == 0.25);
	b = mdgb_config_bounds(&c, "6d6f6e00-0000-4000-8000-00000000000a");
	CHECK(b && b->floor == 100 && b->ceiling == 800 && b->share_pct == 40);
	b = mdgb_config_bounds(&c, "6d6f6e00-0000-4000-8000-00000000000b");
	CHECK(b && b->wait_us == 2000 && b->ceiling == 20);
	b = mdgb_config_bounds(&c, "6d6f6e00-0000-4000-8000-0000000000ff");
	CHECK(b && b->floor == 50 && b->ceiling == 200);
	mdgb_config_free(&c);

	CHECK(mdgb_config_parse(&c, "vgpu nope floor=1 ceiling=2\n", err, sizeof(err)) < 0);
	CHECK(strstr(err, "line 1"));
	CHECK(mdgb_config_parse(&c, "default floor=300 ceiling=200\n", err, sizeof(err)) < 0);
	CHECK(mdgb_config_parse(&c, "default floor=0 ceiling=200\n", err, sizeof(err)) < 0);
	CHECK(mdgb_config_parse(&c, "default floor=1 ceiling=20000\n", err, sizeof(err)) < 0);
	CHECK(mdgb_config_parse(&c, "default floor=1 ceiling=2 color=red\n", err, sizeof(err)) < 0);
	CHECK(mdgb_config_parse(&c, "period -1\n", err, sizeof(err)) < 0);
	CHECK(mdgb_config_parse(&c, "alpha 2\n", err, sizeof(err)) < 0);
	/* Without a default, unlisted vGPUs are not managed. */
	CHECK_INT(mdgb_config_parse(&c, "\n", err, sizeof(err)), 0);
	CHECK(!mdgb_config_bounds(&c, "6d6f6e00-0000-4000-8000-00000000000a"));
	/* --move's limits: the defaults, then set. */
	CHECK(c.moves.after == 2 && c.moves.cooldown == 30 &&
	      c.moves.max_per_period == 1);
	mdgb_config_free(&c);
	CHECK_INT(mdgb_config_parse(&c, "move_after 3\nmove_cooldown 10\nmax_moves 2\n",
				    err, sizeof(err)), 0);
	CHECK(c.moves.after == 3 && c.moves.cooldown == 10 &&
	      c.moves.max_per_period == 2);
	mdgb_config_free(&c);
	CHECK(mdgb_config_parse(&c, "period 5\nmax_moves 0\n", err, sizeof(err)) < 0);
	CHECK(strstr(err, "line 2"));
	CHECK(mdgb_config_parse(&c, "move_cooldown -1\n", err, sizeof(err)) < 0);
	CHECK(mdgb_config_parse(&c, "move_after x\n", err, sizeof(err)) < 0);
	mdgb_config_free(&c);
	return TAP_PASS;
}

#ifndef MDGB_TRACE_DIR
#define MDGB_TRACE_DIR "tests/traces"
#endif

#define TRACE_MAX_VGPUS	16

/* One vGPU of a recorded trace and what replaying it did. */
struct trace_vgpu {
	char uuid[40];
	struct mdgb_vgpu v;
	unsigned int prev;
	int dir;
	int reversals;
	int busy_phases;
	bool busy;
	int idle_since;		/* first period of the current idle run, -1 */
	int back_after;		/* periods from idle_since to the floor, -1 */
	int worst_back;
};

/* Replay one trace file (mdgpu-balancer --record): every vGPU with the
 * same bounds, [10, 1000], demand-proportional. Open loop: the recorded
 * samples do not respond to the replayed weights. */
static int replay(const char *path)
{
	struct mdgb_params p = params();
	struct trace_vgpu tv[TRACE_MAX_VGPUS];
	struct mdgb_vgpu v[TRACE_MAX_VGPUS];
	struct mdgb_decision d[TRACE_MAX_VGPUS];
	size_t nv = 0, i, in_period;
	unsigned int giveback = mdgb_giveback_periods(&p);
	long long period, cur = -1;
	char line[512], uuid[40], parent[64];
	double ps, e, w, th, lat;
	unsigned int weight;
	int lines = 0, periods = 0;
	bool seen[TRACE_MAX_VGPUS];
	FILE *f = fopen(path, "r");

	if (!f) {
		TAP_DIAG("%s: cannot open", path);
		return TAP_FAIL;
	}
	memset(tv, 0, sizeof(tv));
	memset(seen, 0, sizeof(seen));
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);

		if (!eof && (line[0] == '#' || line[0] == '\n'))
			continue;
		if (!eof && sscanf(line, "%lld,%39[^,],%63[^,],%lf,%lf,%lf,%lf,%lf,%u",
				   &period, uuid, parent, &ps, &e, &w, &th, &lat,
				   &weight) != 9) {
			TAP_DIAG("%s: bad line %s", path, line);
			fclose(f);
			return TAP_FAIL;
		}
		if (eof || period != cur) {
			/* Decide the period gathered so far. */
			in_period = 0;
			for (i = 0; i < nv; i++) {
				if (!seen[i])
					tv[i].v.sample.valid = false;
				v[in_period++] = tv[i].v;
			}
			if (nv) {
				mdgb_decide(&p, v, nv, d);
				periods++;
			}
			for (i = 0; i < nv; i++) {
				struct trace_vgpu *t = &tv[i];
				int nd;

				t->v = v[i];
				if (getenv("MDGB_TRACE_DEBUG"))
					printf("# %d %.8s %u -> %u %s demand %.2f used %.2f\n",
					       periods, t->uuid, d[i].old_weight,
					       d[i].new_weight,
					       mdgb_reason_name(d[i].reason),
					       d[i].demand, d[i].used);
				if (d[i].new_weight < 10 || d[i].new_weight > 1000) {
					TAP_DIAG("%s: %s weight %u out of [10, 1000]",
						 path, t->uuid, d[i].new_weight);
					fclose(f);
					return TAP_FAIL;
				}
				if (d[i].new_weight != t->prev) {
					nd = d[i].new_weight > t->prev ? 1 : -1;
					if (t->dir && nd != t->dir)
						t->reversals++;
					t->dir = nd;
					t->prev = d[i].new_weight;
				}
				if (t->idle_since >= 0 && t->back_after < 0 &&
				    d[i].new_weight == 10) {
					t->back_after = periods - t->idle_since;
					if (t->back_after > t->worst_back)
						t->worst_back = t->back_after;
				}
				seen[i] = false;
			}
			if (eof)
				break;
			cur = period;
		}
		lines++;
		for (i = 0; i < nv && strcmp(tv[i].uuid, uuid); i++)
			;
		if (i == nv) {
			if (nv == TRACE_MAX_VGPUS)
				continue;
			snprintf(tv[nv].uuid, sizeof(tv[nv].uuid), "%s", uuid);
			tv[nv].v.bounds.floor = 10;
			tv[nv].v.bounds.ceiling = 1000;
			tv[nv].v.state.weight = 100;
			tv[nv].prev = 100;
			tv[nv].idle_since = -1;
			tv[nv].back_after = -1;
			nv++;
		}
		seen[i] = true;
		tv[i].v.sample = (struct mdgb_sample){ true, ps, e, w, th, lat };
		/* Busy: at least half the period with work; idle: none. */
		if ((e + w) / ps >= 0.5 && !tv[i].busy) {
			tv[i].busy = true;
			tv[i].busy_phases++;
			tv[i].idle_since = -1;
		} else if ((e + w) / ps < 0.01 && tv[i].busy) {
			tv[i].busy = false;
			tv[i].idle_since = periods;
			tv[i].back_after = -1;
		}
	}
	fclose(f);
	printf("# %s: %d samples, %d periods, %zu vGPUs\n", path, lines,
	       periods, nv);
	for (i = 0; i < nv; i++) {
		const struct trace_vgpu *t = &tv[i];

		printf("#   %s: %d busy phases, %d reversals, back at the floor after %d periods\n",
		       t->uuid, t->busy_phases, t->reversals, t->worst_back);
		/* Each busy phase may move the weight up and down once. */
		if (t->reversals > 2 * t->busy_phases) {
			TAP_DIAG("%s oscillates: %d reversals in %d busy phases",
				 t->uuid, t->reversals, t->busy_phases);
			return TAP_FAIL;
		}
		if (t->worst_back > (int)giveback ||
		    (t->idle_since >= 0 && t->back_after < 0 &&
		     periods - t->idle_since > (int)giveback)) {
			TAP_DIAG("%s: not back at the floor within %u periods",
				 t->uuid, giveback);
			return TAP_FAIL;
		}
	}
	return lines ? TAP_PASS : TAP_FAIL;
}

/* Every recorded trace in tests/traces/ (from make balancer-test). */
static int test_recorded_traces(void)
{
	static const char *const traces[] = {
		MDGB_TRACE_DIR "/vm-stock-6.12.csv",
	};
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(traces); i++) {
		FILE *f = fopen(traces[i], "r");

		if (!f) {
			TAP_DIAG("%s missing", traces[i]);
			return TAP_FAIL;
		}
		fclose(f);
		ret = replay(traces[i]);
		if (ret != TAP_PASS)
			return ret;
	}
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "bounds_never_left", test_bounds_never_left },
	{ "demand_converges", test_demand_converges },
	{ "stalled_engine_full_demand_reaches_ceiling", test_stalled_engine_full_demand },
	{ "demand_no_oscillation", test_demand_no_oscillation },
	{ "giveback_within_stated_periods", test_giveback },
	{ "share_target_converges_without_oscillation", test_share_converges },
	{ "wait_target_converges", test_wait_converges },
	{ "phases_followed", test_phases },
	{ "reasons", test_reasons },
	{ "parameter_and_bounds_checks", test_checks },
	{ "config_parse", test_config },
	{ "recorded_traces", test_recorded_traces },
};

int main(void)
{
	return tap_run(tests, ARRAY_SIZE(tests));
}
