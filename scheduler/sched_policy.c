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
 */
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/minmax.h>

#include "sched_internal.h"

/* Accrual over longer gaps saturates the buckets anyway. */
#define MDGPU_SCHED_ACCRUE_MAX_NS	(4 * MDGPU_SCHED_TIMESLICE_MAX_NS)

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

static u32 mdgpu_sched_weight(const struct mdgpu_sched *s,
			      const struct mdgpu_sched_entity *e)
{
	if (s->policy != MDGPU_SCHED_WEIGHTED || !e->params.weight)
		return MDGPU_SCHED_WEIGHT_DEFAULT;
	return e->params.weight;
}

/* @ns of engine time in the virtual time of @e. */
static u64 mdgpu_sched_scale(const struct mdgpu_sched *s,
			     const struct mdgpu_sched_entity *e, u64 ns)
{
	return div_u64(ns * MDGPU_SCHED_WEIGHT_MAX, mdgpu_sched_weight(s, e));
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

	dt = min_t(u64, dt, MDGPU_SCHED_ACCRUE_MAX_NS);
	if (!rate)
		e->tokens = burst;
	else
		e->tokens = min_t(s64, e->tokens +
				  (s64)div_u64(dt * rate, MDGPU_SCHED_SHARE_ONE),
				  burst);

	if (s->policy == MDGPU_SCHED_WEIGHTED && e->params.min_share &&
	    e->runnable)
		e->min_credit = min_t(s64, e->min_credit +
				      (s64)div_u64(dt * e->params.min_share *
						   MDGPU_SCHED_PERCENT,
						   MDGPU_SCHED_SHARE_ONE),
				      burst);
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
 * mdgpu_sched_deadline() - virtual time at which an entity's slice ends
 * @s: the scheduler
 * @e: the entity
 *
 * Return: its virtual time plus one slice of its weighted time.
 */
u64 mdgpu_sched_deadline(const struct mdgpu_sched *s,
			 const struct mdgpu_sched_entity *e)
{
	return e->vtime + mdgpu_sched_scale(s, e, s->timeslice_ns);
}

/**
 * mdgpu_sched_avg_vtime() - weighted average virtual time of a set
 * @s: the scheduler
 * @ref: an entity of the set (its vtime is the reference point)
 * @member: predicate selecting the set's entities
 * @skip: an entity to leave out, or NULL
 *
 * The "virtual clock" of the set: an entity with a virtual time at or
 * before it has received no more than its share.
 *
 * Return: the average, or @ref's vtime if the set is empty.
 */
u64 mdgpu_sched_avg_vtime(const struct mdgpu_sched *s,
			  const struct mdgpu_sched_entity *ref,
			  bool (*member)(const struct mdgpu_sched *s,
					 const struct mdgpu_sched_entity *ref,
					 const struct mdgpu_sched_entity *e),
			  const struct mdgpu_sched_entity *skip)
{
	const struct mdgpu_sched_entity *e;
	s64 sum = 0, wsum = 0;
	u32 w;

	list_for_each_entry(e, &s->entities, node) {
		if (e == skip || !member(s, ref, e))
			continue;
		w = mdgpu_sched_weight(s, e);
		sum += (s64)(e->vtime - ref->vtime) * w;
		wsum += w;
	}
	if (!wsum)
		return ref->vtime;
	return ref->vtime + div64_s64(sum, wsum);
}

/* Runnable entities of @ref's priority class. */
static bool mdgpu_sched_class_member(const struct mdgpu_sched *s,
				     const struct mdgpu_sched_entity *ref,
				     const struct mdgpu_sched_entity *e)
{
	return e->runnable &&
	       mdgpu_sched_class(s, e) == mdgpu_sched_class(s, ref);
}

/**
 * mdgpu_sched_place() - set the virtual time of an arriving entity
 * @s: the scheduler
 * @e: the entity
 * @fresh: it is new (or changed class): start level with its class;
 *	   otherwise it woke up: at most one slice of credit
 *
 * The reference is the weighted average virtual time of the other
 * runnable entities of its class, or the class's clock if there are none.
 */
void mdgpu_sched_place(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		       bool fresh)
{
	u64 clock = s->vclock[mdgpu_sched_class(s, e)];
	const struct mdgpu_sched_entity *o;
	u64 floor;

	list_for_each_entry(o, &s->entities, node) {
		if (o != e && mdgpu_sched_class_member(s, e, o)) {
			clock = mdgpu_sched_avg_vtime(s, o,
						      mdgpu_sched_class_member,
						      e);
			break;
		}
	}
	floor = clock - mdgpu_sched_scale(s, e, s->timeslice_ns);
	if (fresh)
		e->vtime = clock;
	else if (mdgpu_vtime_before(e->vtime, floor))
		e->vtime = floor;
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

	if (mdgpu_vtime_before(s->vclock[c], e->vtime))
		s->vclock[c] = e->vtime;
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
