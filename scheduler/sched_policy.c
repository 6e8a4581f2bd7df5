// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler policies: the rules that rank entities, the virtual time
 * of the fair policies, and the token buckets of fixed shares and caps.
 *
 * Virtual time: an entity's vtime grows by the engine time it used divided
 * by its weight (equal weights outside the weighted policy). Within a group
 * (see mdgpu_sched_group_before()) the fair policies pick like EEVDF: among
 * the entities whose vtime is at or before the group's weighted average
 * (those that did not get more than their share), the one whose current
 * slice would end first in virtual time. That bounds every entity's lag
 * by about one slice. An entity that wakes up is placed no further than
 * one slice of its own weighted time behind the average of its class, so
 * sleeping banks at most one slice of credit.
 *
 * Buckets: under fixed share an entity earns its share (ppm) of every
 * nanosecond whether or not it has work, under weighted with a cap it earns
 * its cap; running spends it. It may run only with a positive bucket, and
 * the bucket holds at most two slices, so idling banks at most that.
 *
 * Minimum share (weighted): an entity with work earns min_share of every
 * nanosecond as credit and spends it when it runs; credit is kept between
 * 0 and two slices. Once it holds a full slice the entity is owed, and owed
 * entities run before any priority class.
 *
 * Bounded arithmetic. Virtual times are only ever compared through keys:
 * an entity's vtime less the clock of its priority class (s->vclock[]),
 * kept within its lag limit, MDGPU_SCHED_LAG_MAX_NS of engine time scaled
 * to its own virtual time (mdgpu_sched_key(); mdgpu_sched_bound_lag()
 * writes the bound back at every update). An entity that is held back by
 * something other than fair ordering (a cap or fixed share, a higher
 * class) or that runs out of turn (owed its minimum) would otherwise drift
 * from the others without bound: 1e13 per second for weight 1, which, once
 * multiplied by a weight of 10000 in the weighted average, wraps an s64
 * within minutes. With the bound, over the whole tunable range:
 *
 * - |key| <= LAG_MAX_NS * WEIGHT_MAX / weight <= 1e13, and
 *   weight * |key| <= LAG_MAX_NS * WEIGHT_MAX = 1e13;
 * - the weighted sum of keys of at most MDGPU_SCHED_MAX_ENTITIES (1024)
 *   entities is at most 1.1e16 in magnitude, the sum of weights 1.1e7
 *   (s64 holds 9.2e18);
 * - a deadline or a placement floor is a key plus or minus one slice of
 *   virtual time (at most 1e12): below 1.2e13;
 * - mdgpu_sched_scale() multiplies at most MDGPU_SCHED_CHARGE_MAX_NS (60 s)
 *   by WEIGHT_MAX: 6e14 (u64 holds 1.8e19);
 * - a vtime is at most its limit plus one charge (6e14) from its clock, so
 *   the u64 difference that makes a key is exact although vtimes and clocks
 *   wrap around (after 21 days of weight 1 engine time).
 *
 * The limit (one second of engine time, ten of the longest slices) is far
 * above the lag the fair policies leave between entities in fair ordering
 * (one slice plus one chunk), so it changes no pick among them; it only
 * caps what a capped entity "is owed" and what an owed one "is ahead".
 */
#include <linux/build_bug.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/minmax.h>

#include "sched_internal.h"

/*
 * Accrual at the lowest rate (1 ppm) fills @room in room x 1e6 ns: longer
 * gaps need not be multiplied out.
 */
#define MDGPU_SCHED_ACCRUE_MUL		MDGPU_SCHED_SHARE_ONE
/* Lag limit, in engine time: see "Bounded arithmetic" above. */
#define MDGPU_SCHED_LAG_MAX_NS		(10 * MDGPU_SCHED_TIMESLICE_MAX_NS)
/*
 * Longest run booked at once; a longer one (a stalled chunk) has already
 * emptied every bucket and credit and pushed the vtime to its lag limit.
 */
#define MDGPU_SCHED_CHARGE_MAX_NS	MDGPU_SCHED_WATCHDOG_MAX_NS

static_assert(MDGPU_SCHED_CHARGE_MAX_NS >= MDGPU_SCHED_LAG_MAX_NS);
static_assert(MDGPU_SCHED_CHARGE_MAX_NS >= MDGPU_SCHED_TIMESLICE_MAX_NS);
/* The weighted sum of keys (sched_queue.c) fits an s64. */
static_assert(S64_MAX / 2 > MDGPU_SCHED_MAX_ENTITIES *
	      MDGPU_SCHED_LAG_MAX_NS * MDGPU_SCHED_WEIGHT_MAX);
/* mdgpu_sched_scale() fits a u64, with room for the key's offset. */
static_assert(S64_MAX / 4 > MDGPU_SCHED_CHARGE_MAX_NS *
	      MDGPU_SCHED_WEIGHT_MAX);

/**
 * mdgpu_sched_token_rate() - how fast an entity's bucket fills
 * @s: the scheduler
 * @e: the entity
 *
 * Return: ppm of elapsed time, or 0 if the entity is not rate limited.
 */
u32 mdgpu_sched_token_rate(const struct mdgpu_sched *s,
			   const struct mdgpu_sched_entity *e)
{
	if (s->policy == MDGPU_SCHED_FIXED_SHARE)
		return e->share;
	if (s->policy == MDGPU_SCHED_WEIGHTED && e->params.cap)
		return e->params.cap * MDGPU_SCHED_PERCENT;
	return 0;
}

/**
 * mdgpu_sched_burst() - the most a bucket or min-share credit holds
 * @s: the scheduler
 *
 * Return: two time slices, ns.
 */
s64 mdgpu_sched_burst(const struct mdgpu_sched *s)
{
	return 2 * (s64)s->timeslice_ns;
}

/**
 * mdgpu_sched_class() - an entity's strict priority class
 * @s: the scheduler
 * @e: the entity
 *
 * Return: its priority under the weighted policy, else 0.
 */
unsigned int mdgpu_sched_class(const struct mdgpu_sched *s,
			       const struct mdgpu_sched_entity *e)
{
	if (s->policy != MDGPU_SCHED_WEIGHTED)
		return 0;
	return min_t(u32, e->params.priority, MDGPU_SCHED_PRIO_MAX);
}

/**
 * mdgpu_sched_weight() - an entity's weight in fair ordering
 * @s: the scheduler
 * @e: the entity
 *
 * Return: its weight under the weighted policy, else the default.
 */
u32 mdgpu_sched_weight(const struct mdgpu_sched *s,
		       const struct mdgpu_sched_entity *e)
{
	if (s->policy != MDGPU_SCHED_WEIGHTED || !e->params.weight)
		return MDGPU_SCHED_WEIGHT_DEFAULT;
	return e->params.weight;
}

/* @ns of engine time in the virtual time of @e; @ns <= CHARGE_MAX_NS. */
static u64 mdgpu_sched_scale(const struct mdgpu_sched *s,
			     const struct mdgpu_sched_entity *e, u64 ns)
{
	return div_u64(ns * MDGPU_SCHED_WEIGHT_MAX, mdgpu_sched_weight(s, e));
}

/**
 * mdgpu_sched_slice_vtime() - one time slice in an entity's virtual time
 * @s: the scheduler
 * @e: the entity
 *
 * Return: the time slice scaled by its weight (at most 1e12).
 */
u64 mdgpu_sched_slice_vtime(const struct mdgpu_sched *s,
			    const struct mdgpu_sched_entity *e)
{
	return mdgpu_sched_scale(s, e, s->timeslice_ns);
}

/* How far @e's vtime may be from its class clock, in its virtual time. */
static s64 mdgpu_sched_lag_limit(const struct mdgpu_sched *s,
				 const struct mdgpu_sched_entity *e)
{
	return (s64)mdgpu_sched_scale(s, e, MDGPU_SCHED_LAG_MAX_NS);
}

/**
 * mdgpu_sched_key() - an entity's virtual time relative to its class
 * @s: the scheduler
 * @e: the entity
 *
 * Return: @e's vtime less its class's clock, clamped to its lag limit
 * (at most 1e13 in magnitude; see "Bounded arithmetic").
 */
s64 mdgpu_sched_key(const struct mdgpu_sched *s,
		    const struct mdgpu_sched_entity *e)
{
	s64 lim = mdgpu_sched_lag_limit(s, e);
	s64 key = (s64)(e->vtime - s->vclock[mdgpu_sched_class(s, e)]);

	return clamp(key, -lim, lim);
}

/* Set @e's vtime to the one of @key (clamped) in its class. */
static void mdgpu_sched_set_key(struct mdgpu_sched *s,
				struct mdgpu_sched_entity *e, s64 key)
{
	s64 lim = mdgpu_sched_lag_limit(s, e);

	e->vtime = s->vclock[mdgpu_sched_class(s, e)] + clamp(key, -lim, lim);
}

/**
 * mdgpu_sched_bound_lag() - keep an entity's vtime within its lag limit
 * @s: the scheduler
 * @e: the entity
 *
 * Called at every update, so that no vtime drifts from its class clock by
 * more than its lag limit plus what one charge adds.
 */
void mdgpu_sched_bound_lag(struct mdgpu_sched *s, struct mdgpu_sched_entity *e)
{
	mdgpu_sched_set_key(s, e, mdgpu_sched_key(s, e));
}

/*
 * @level plus @rate ppm of @dt, at most @max (>= @level): exact over any
 * gap, as an entity is brought up to date only when it is needed.
 */
static s64 mdgpu_sched_fill(s64 level, u64 dt, u32 rate, s64 max)
{
	u64 room, add;

	if (level >= max)
		return max;
	room = (u64)(max - level);
	add = mul_u64_u32_div(min_t(u64, dt, room * MDGPU_SCHED_ACCRUE_MUL),
			      rate, MDGPU_SCHED_SHARE_ONE);
	return level + (s64)min(add, room);
}

/**
 * mdgpu_sched_accrue() - fill an entity's bucket and min-share credit
 * @s: the scheduler
 * @e: the entity
 * @dt: time elapsed since its last update, ns
 */
void mdgpu_sched_accrue(const struct mdgpu_sched *s,
			struct mdgpu_sched_entity *e, u64 dt)
{
	s64 burst = mdgpu_sched_burst(s);
	u32 rate = mdgpu_sched_token_rate(s, e);

	if (!rate)
		e->tokens = burst;
	else
		e->tokens = mdgpu_sched_fill(e->tokens, dt, rate, burst);

	if (s->policy == MDGPU_SCHED_WEIGHTED && e->params.min_share &&
	    e->runnable)
		e->min_credit = mdgpu_sched_fill(e->min_credit, dt,
						 e->params.min_share, burst);
	e->throttled = rate && e->tokens <= 0;
}

/**
 * mdgpu_sched_consume() - spend what an entity's run cost it
 * @s: the scheduler
 * @e: the entity
 * @ran_ns: engine time it used
 */
void mdgpu_sched_consume(const struct mdgpu_sched *s,
			 struct mdgpu_sched_entity *e, u64 ran_ns)
{
	ran_ns = min_t(u64, ran_ns, MDGPU_SCHED_CHARGE_MAX_NS);
	e->vtime += mdgpu_sched_scale(s, e, ran_ns);
	if (mdgpu_sched_token_rate(s, e)) {
		e->tokens -= (s64)ran_ns;
		e->throttled = e->tokens <= 0;
	}
	e->min_credit = max_t(s64, e->min_credit - (s64)ran_ns, 0);
}

/**
 * mdgpu_sched_eligible() - may the entity run now?
 * @e: the entity, updated to now
 *
 * Return: true if it has work and no bucket holds it back.
 */
bool mdgpu_sched_eligible(const struct mdgpu_sched_entity *e)
{
	return e->runnable && !e->throttled;
}

/**
 * mdgpu_sched_owed() - is the entity behind its guaranteed minimum?
 * @s: the scheduler
 * @e: the entity, updated to now
 *
 * Return: true under the weighted policy once it is owed a full slice.
 */
bool mdgpu_sched_owed(const struct mdgpu_sched *s,
		      const struct mdgpu_sched_entity *e)
{
	return s->policy == MDGPU_SCHED_WEIGHTED && e->params.min_share &&
	       e->min_credit >= (s64)s->timeslice_ns;
}

/**
 * mdgpu_sched_group_before() - does @a's group run before @b's?
 * @s: the scheduler (a fair policy)
 * @a: an entity, updated to now
 * @b: another entity, updated to now
 *
 * Groups: entities owed their minimum share first, then the priority
 * classes from the highest down.
 *
 * Return: true if @a's group strictly precedes @b's.
 */
bool mdgpu_sched_group_before(const struct mdgpu_sched *s,
			      const struct mdgpu_sched_entity *a,
			      const struct mdgpu_sched_entity *b)
{
	bool oa = mdgpu_sched_owed(s, a), ob = mdgpu_sched_owed(s, b);

	if (oa != ob)
		return oa;
	if (oa)
		return false;
	return mdgpu_sched_class(s, a) > mdgpu_sched_class(s, b);
}

/**
 * mdgpu_sched_same_group() - are @a and @b in the same group?
 * @s: the scheduler
 * @a: an entity
 * @b: another entity
 *
 * Return: true if neither group precedes the other.
 */
bool mdgpu_sched_same_group(const struct mdgpu_sched *s,
			    const struct mdgpu_sched_entity *a,
			    const struct mdgpu_sched_entity *b)
{
	return !mdgpu_sched_group_before(s, a, b) &&
	       !mdgpu_sched_group_before(s, b, a);
}

/**
 * mdgpu_sched_deadline() - key at which an entity's slice ends
 * @s: the scheduler
 * @e: the entity
 *
 * Return: its key plus one slice of its weighted time.
 */
s64 mdgpu_sched_deadline(const struct mdgpu_sched *s,
			 const struct mdgpu_sched_entity *e)
{
	return mdgpu_sched_key(s, e) +
	       (s64)mdgpu_sched_scale(s, e, s->timeslice_ns);
}

/**
 * mdgpu_sched_place() - set the virtual time of an arriving entity
 * @s: the scheduler
 * @e: the entity
 * @fresh: it is new (or changed class): start level with its class;
 *	   otherwise it woke up: at most one slice of credit
 *
 * The reference is the weighted average key of the other entities of its
 * class that may run (owed or not; one its bucket holds back falls behind
 * while it waits, and must not drag the reference with it), or the class's
 * clock if there are none. @e is in no queue.
 */
void mdgpu_sched_place(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		       bool fresh)
{
	s64 clock = mdgpu_sched_class_avg(s, mdgpu_sched_class(s, e)), floor;

	floor = clock - (s64)mdgpu_sched_scale(s, e, s->timeslice_ns);
	if (fresh)
		mdgpu_sched_set_key(s, e, clock);
	else
		mdgpu_sched_set_key(s, e, max(mdgpu_sched_key(s, e), floor));
}

/**
 * mdgpu_sched_advance_vclock() - move a class's clock to a picked entity
 * @s: the scheduler
 * @e: the entity picked by virtual time
 */
void mdgpu_sched_advance_vclock(struct mdgpu_sched *s,
				const struct mdgpu_sched_entity *e)
{
	unsigned int c = mdgpu_sched_class(s, e);
	s64 key = mdgpu_sched_key(s, e);

	if (key > 0) {
		s->vclock[c] += key;
		mdgpu_sched_shift_class(s, c, key);
	}
}

/**
 * mdgpu_sched_rebase() - restart fair ordering after a policy switch
 * @s: the scheduler, every entity updated to now
 *
 * Virtual times of different policies are not comparable: every entity
 * restarts level at the latest clock, with full buckets and no credit.
 * The running entity keeps running.
 */
void mdgpu_sched_rebase(struct mdgpu_sched *s)
{
	struct mdgpu_sched_entity *e;
	u64 clock = s->vclock[0];
	unsigned int c;

	for (c = 1; c <= MDGPU_SCHED_PRIO_MAX; c++)
		if (mdgpu_vtime_before(clock, s->vclock[c]))
			clock = s->vclock[c];
	for (c = 0; c <= MDGPU_SCHED_PRIO_MAX; c++)
		s->vclock[c] = clock;
	list_for_each_entry(e, &s->entities, node) {
		e->vtime = clock;
		e->tokens = mdgpu_sched_burst(s);
		e->min_credit = 0;
		e->throttled = false;
	}
	mdgpu_sched_rebuild(s);
}

/**
 * mdgpu_sched_budget() - length of the slice an entity is given
 * @s: the scheduler
 * @e: the entity
 * @owed: it was picked to pay back its minimum share
 *
 * Return: the time slice, shortened to what its bucket (and, when owed,
 * its credit) allows; at least 1 ns.
 */
u64 mdgpu_sched_budget(const struct mdgpu_sched *s,
		       const struct mdgpu_sched_entity *e, bool owed)
{
	s64 b = (s64)s->timeslice_ns;

	if (mdgpu_sched_token_rate(s, e))
		b = min(b, e->tokens);
	if (owed)
		b = min(b, e->min_credit);
	return b > 0 ? (u64)b : 1;
}

/**
 * mdgpu_sched_throttle_wait() - time until a throttled entity may run
 * @e: the entity, throttled
 * @rate: its bucket's rate, ppm (not 0)
 *
 * Return: ns until its bucket is positive again.
 */
u64 mdgpu_sched_throttle_wait(const struct mdgpu_sched_entity *e, u32 rate)
{
	u64 deficit = e->tokens < 0 ? (u64)-e->tokens : 0;

	return div_u64((deficit + 1) * MDGPU_SCHED_SHARE_ONE + rate - 1, rate);
}
