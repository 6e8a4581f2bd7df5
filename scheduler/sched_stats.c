// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler accounting: per entity, the time it ran, waited with
 * work and was held back by a bucket, its slices and preemptions, and how
 * long it waited from being ready to being picked (a log2 histogram and a
 * moving average); per parent, busy and idle time and switches.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/bitops.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "sched_internal.h"

/**
 * mdgpu_sched_account() - book an interval of an entity's life
 * @e: the entity, in the state it had at the start of the interval
 * @running: it was the running entity
 * @dt: length of the interval, ns
 *
 * Run time is booked by mdgpu_sched_charge(); this books waiting with work,
 * split by whether a bucket held the entity back. A bucket that fills up
 * lets the entity run from the next decision (sched_queue.c brings it up
 * to date then), so a throttled entity is held back until then.
 */
void mdgpu_sched_account(struct mdgpu_sched_entity *e, bool running, u64 dt)
{
	if (!e->runnable || running)
		return;
	if (e->throttled)
		e->stats.throttled_ns += dt;
	else
		e->stats.wait_ns += dt;
}

/**
 * mdgpu_sched_mark_ready() - the entity starts waiting for the engine
 * @e: the entity
 * @now: current time, ns
 */
void mdgpu_sched_mark_ready(struct mdgpu_sched_entity *e, u64 now)
{
	e->ready = true;
	e->ready_since = now;
}

/**
 * mdgpu_sched_hist_bucket() - the wait-latency bucket of a wait
 * @wait_ns: the wait
 *
 * Return: 0 for less than 2 us, k for [2^k, 2^(k+1)) us, the last bucket
 * for everything longer.
 */
unsigned int mdgpu_sched_hist_bucket(u64 wait_ns)
{
	u64 us = wait_ns / 1000;

	if (us < 2)
		return 0;
	return min_t(unsigned int, fls64(us) - 1,
		     MDGPU_SCHED_HIST_BUCKETS - 1);
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_hist_bucket);

/**
 * mdgpu_sched_record_pick() - the entity was picked: book its wait
 * @e: the entity
 * @now: current time, ns
 */
void mdgpu_sched_record_pick(struct mdgpu_sched_entity *e, u64 now)
{
	struct mdgpu_sched_entity_stats *st = &e->stats;
	u64 wait;

	st->slices++;
	if (!e->ready)
		return;
	e->ready = false;
	wait = now > e->ready_since ? now - e->ready_since : 0;
	st->wait_hist[mdgpu_sched_hist_bucket(wait)]++;
	st->wait_sum_ns += wait;
	if (!st->wait_avg_ns)
		st->wait_avg_ns = wait;
	else
		st->wait_avg_ns = st->wait_avg_ns - st->wait_avg_ns / 8 +
				  wait / 8;
}

/**
 * mdgpu_sched_idle_begin() - the engine has nothing to run
 * @s: the scheduler
 * @now: current time, ns
 */
void mdgpu_sched_idle_begin(struct mdgpu_sched *s, u64 now)
{
	if (s->idle)
		return;
	s->idle = true;
	s->idle_since = now;
}

/**
 * mdgpu_sched_idle_end() - the engine runs an entity again
 * @s: the scheduler
 * @now: current time, ns
 */
void mdgpu_sched_idle_end(struct mdgpu_sched *s, u64 now)
{
	if (!s->idle)
		return;
	s->idle = false;
	if (now > s->idle_since)
		s->stats.idle_ns += now - s->idle_since;
}

/**
 * mdgpu_sched_stats_snapshot() - the parent's statistics as of @now
 * @s: the scheduler
 * @now: current time, ns
 * @out: receives the statistics, the current idle period included
 */
void mdgpu_sched_stats_snapshot(struct mdgpu_sched *s, u64 now,
				struct mdgpu_sched_stats *out)
{
	*out = s->stats;
	if (s->idle && now > s->idle_since)
		out->idle_ns += now - s->idle_since;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_stats_snapshot);

/**
 * mdgpu_sched_entity_stats_snapshot() - an entity's statistics as of @now
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns
 * @out: receives the statistics
 */
void mdgpu_sched_entity_stats_snapshot(struct mdgpu_sched *s,
				       struct mdgpu_sched_entity *e, u64 now,
				       struct mdgpu_sched_entity_stats *out)
{
	mdgpu_sched_update(s, e, now);
	memcpy(out, &e->stats, sizeof(*out));
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_entity_stats_snapshot);
