// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-schedcost - what one scheduling decision costs, against the number
 * of busy vGPUs.
 *
 * Builds the module's own scheduler (the C files of scheduler/, unchanged) in
 * userspace through the small shim in tools/sched_shim/ and drives it the
 * way the engine thread does (include/mdgpu_sched.h): pick, then after
 * every chunk charge and preempt until preempt says to yield, then pick
 * again; every vGPU always has work. The clock it passes is simulated, so
 * the decisions are those of a real engine whose chunks take CHUNK_US;
 * what it measures with the real clock is only the time spent inside the
 * scheduler's calls. Also the cost of a wake-up (sleep, then wake, of a
 * vGPU that is not running).
 *
 * usage: mdgpu-schedcost [CHUNK_US [N...]]   (100; 1 8 64 256 1024)
 *
 * Prints, per policy and number of busy vGPUs, medians: ns per pick, per
 * chunk (charge + preempt), per wake, and the scheduler's part of the
 * engine's time: (chunk cost + pick cost x picks per chunk) / CHUNK_US.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "include/mdgpu_sched.h"

#define MAX_N		MDGPU_SCHED_MAX_ENTITIES
/* Real time spent per measured point (at least this many decisions). */
#define POINT_NS	300000000ULL
#define MIN_CHUNKS	200

static struct mdgpu_sched_entity ent[MAX_N];
/*
 * Samples: each pick, each slice's chunks (per chunk), each wake-up. The
 * medians are printed: a sample the machine stalled in (an emulated vCPU
 * descheduled by a loaded host still counts as the thread's CPU time) does
 * not move them.
 */
#define MAX_SAMPLES	200000
static double pick_s[MAX_SAMPLES], chunk_s[MAX_SAMPLES], wake_s[MAX_SAMPLES];

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static u64 real_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/*
 * The scheduler's calls are timed with the monotonic clock around a pick
 * and around a slice's chunks, not around every call; medians of those
 * samples are printed, so that the times the process was preempted on a
 * loaded or emulated machine do not move them. (Thread CPU time would not
 * count those either, but in a VM it ticks in whole jiffies.)
 */
static u64 cpu_ns(void)
{
	return real_ns();
}

struct cost {
	double pick_ns, chunk_ns, wake_ns, picks_per_chunk;
};

static void measure(int policy, int n, u64 chunk_ns, struct cost *c)
{
	struct mdgpu_sched_params p = { .weight = 100 };
	u64 now = 1000000, budget, t, c0, picks = 0, chunks = 0, wakes = 0;
	u64 start = real_ns();
	unsigned int np = 0, nc = 0, nw = 0;
	struct mdgpu_sched s;
	struct mdgpu_sched_entity *e;
	unsigned int rnd = 1;
	int i;

	mdgpu_sched_init(&s);
	mdgpu_sched_set_policy(&s, policy, now);
	for (i = 0; i < n; i++) {
		mdgpu_sched_entity_init(&ent[i]);
		mdgpu_sched_entity_set_share(&ent[i], n);
		mdgpu_sched_add(&s, &ent[i], now);
		p.weight = 100 * (1 + i % 4);
		mdgpu_sched_entity_set_params(&s, &ent[i], &p, now);
		mdgpu_sched_wake(&s, &ent[i], now);
	}
	while (chunks < MIN_CHUNKS || real_ns() - start < POINT_NS) {
		/* (A lone vGPU is never preempted: its slice is renewed.) */
		t = cpu_ns();
		e = mdgpu_sched_pick(&s, now, &budget);
		if (np < MAX_SAMPLES)
			pick_s[np++] = cpu_ns() - t;
		picks++;
		if (!e) {
			now += chunk_ns;
			continue;
		}
		t = cpu_ns();
		c0 = chunks;
		do {
			now += chunk_ns;
			mdgpu_sched_charge(&s, e, chunk_ns, now);
			i = mdgpu_sched_preempt(&s, e, now);
			chunks++;
		} while (!i && chunks % 4096);
		if (nc < MAX_SAMPLES)
			chunk_s[nc++] = (double)(cpu_ns() - t) / (chunks - c0);
		/* A wake-up of another vGPU, as a doorbell after it slept. */
		rnd = rnd * 1103515245 + 12345;
		e = &ent[(rnd >> 8) % n];
		if (e != s.cur) {
			t = cpu_ns();
			mdgpu_sched_sleep(&s, e, now);
			mdgpu_sched_wake(&s, e, now);
			if (nw < MAX_SAMPLES)
				wake_s[nw++] = cpu_ns() - t;
			wakes++;
		}
	}
	for (i = 0; i < n; i++)
		mdgpu_sched_remove(&s, &ent[i], now);
	c->pick_ns = median(pick_s, np);
	c->chunk_ns = median(chunk_s, nc);
	c->wake_ns = median(wake_s, nw);
	c->picks_per_chunk = (double)picks / chunks;
}

int main(int argc, char **argv)
{
	static const int def_n[] = { 1, 8, 64, 256, 1024 };
	static const int policies[] = {
		MDGPU_SCHED_BEST_EFFORT, MDGPU_SCHED_WEIGHTED,
	};
	u64 chunk_us = argc > 1 ? strtoull(argv[1], NULL, 0) : 100;
	int nn = argc > 2 ? argc - 2 : 5, i, j, n;
	struct cost c;

	if (!chunk_us) {
		fprintf(stderr, "usage: %s [CHUNK_US [N...]]\n", argv[0]);
		return 2;
	}
	printf("scheduler cost per decision, every vGPU busy, %llu us chunks, 2 ms slices\n",
	       (unsigned long long)chunk_us);
	printf("%-12s %5s %10s %10s %10s %10s\n", "policy", "busy", "pick ns",
	       "chunk ns", "wake ns", "of engine");
	for (j = 0; j < 2; j++) {
		for (i = 0; i < nn; i++) {
			n = argc > 2 ? atoi(argv[i + 2]) : def_n[i];
			if (n < 1 || n > MAX_N) {
				fprintf(stderr, "N must be 1..%d\n", MAX_N);
				return 2;
			}
			measure(policies[j], n, chunk_us * 1000, &c);
			printf("%-12s %5d %10.0f %10.0f %10.0f %9.3f%%\n",
			       mdgpu_sched_policy_name(policies[j]), n,
			       c.pick_ns, c.chunk_ns, c.wake_ns,
			       100 * (c.chunk_ns + c.pick_ns *
				      c.picks_per_chunk) / (chunk_us * 1000));
			fflush(stdout);
		}
	}
	return 0;
}
