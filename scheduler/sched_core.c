// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler core: the engine's entry points. It brings every entity's
 * accounting up to the time the engine passes, then dispatches: round robin
 * for best effort, the ranking of sched_policy.c for the fair policies. See
 * include/mdgpu_sched.h for the calling protocol; the caller serialises
 * every call. Every function is O(number of entities) and allocates
 * nothing.
 */
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "sched_internal.h"

/**
 * mdgpu_sched_init() - set up an empty scheduler
 * @s: the scheduler
 *
 * Best effort, the default time slice, the default watchdog.
 */
void mdgpu_sched_init(struct mdgpu_sched *s)
{
	memset(s, 0, sizeof(*s));
	INIT_LIST_HEAD(&s->entities);
	s->timeslice_ns = MDGPU_SCHED_TIMESLICE_DEFAULT_NS;
	s->watchdog_ns = MDGPU_SCHED_WATCHDOG_DEFAULT_NS;
	s->policy = MDGPU_SCHED_BEST_EFFORT;
}

/**
 * mdgpu_sched_entity_init() - set up an entity before mdgpu_sched_add()
 * @e: the entity
 *
 * Default tunables (weight 100, no minimum, no cap, priority 0) and a fixed
 * share of the whole engine until mdgpu_sched_entity_set_share().
 */
void mdgpu_sched_entity_init(struct mdgpu_sched_entity *e)
{
	memset(e, 0, sizeof(*e));
	INIT_LIST_HEAD(&e->node);
	e->params.weight = MDGPU_SCHED_WEIGHT_DEFAULT;
	e->share = MDGPU_SCHED_SHARE_ONE;
}

/**
 * mdgpu_sched_entity_set_share() - set the fixed share of an entity's type
 * @e: the entity, before mdgpu_sched_add()
 * @max_instances: how many instances of its type fit the parent; the share
 *		   is 1 / @max_instances (0 or 1: the whole engine)
 */
void mdgpu_sched_entity_set_share(struct mdgpu_sched_entity *e,
				  unsigned int max_instances)
{
	e->share = max_instances > 1 ? MDGPU_SCHED_SHARE_ONE / max_instances :
				       MDGPU_SCHED_SHARE_ONE;
}

/**
 * mdgpu_sched_update() - bring an entity's accounting up to @now
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns; earlier times than the last update count as 0
 */
void mdgpu_sched_update(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 now)
{
	u64 dt = now > e->last_update ? now - e->last_update : 0;

	mdgpu_sched_account(e, e == s->cur, dt);
	mdgpu_sched_accrue(s, e, dt);
	mdgpu_sched_bound_lag(s, e);
	if (now > e->last_update)
		e->last_update = now;
}

/**
 * mdgpu_sched_update_all() - bring every entity up to @now
 * @s: the scheduler
 * @now: current time, ns
 */
void mdgpu_sched_update_all(struct mdgpu_sched *s, u64 now)
{
	struct mdgpu_sched_entity *e;

	list_for_each_entry(e, &s->entities, node)
		mdgpu_sched_update(s, e, now);
}

/**
 * mdgpu_sched_add() - make an entity known to the scheduler, not runnable
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns
 */
void mdgpu_sched_add(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		     u64 now)
{
	e->last_update = now;
	e->runnable = false;
	e->tokens = mdgpu_sched_burst(s);
	e->min_credit = 0;
	mdgpu_sched_place(s, e, true);
	list_add_tail(&e->node, &s->entities);
	s->nr_entities++;
}

/**
 * mdgpu_sched_remove() - forget an entity
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns
 */
void mdgpu_sched_remove(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 now)
{
	mdgpu_sched_update(s, e, now);
	if (s->cur == e)
		s->cur = NULL;
	if (s->last == e)
		s->last = NULL;
	list_del_init(&e->node);
	s->nr_entities--;
	e->runnable = false;
	e->ready = false;
}

/**
 * mdgpu_sched_wake() - the entity has work
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns
 *
 * An entity that slept gets at most one slice of credit for it.
 */
void mdgpu_sched_wake(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		      u64 now)
{
	mdgpu_sched_update(s, e, now);
	if (e->runnable)
		return;
	e->runnable = true;
	mdgpu_sched_place(s, e, false);
	if (e != s->cur)
		mdgpu_sched_mark_ready(e, now);
}

/**
 * mdgpu_sched_sleep() - the entity has no work left
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns
 */
void mdgpu_sched_sleep(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		       u64 now)
{
	mdgpu_sched_update(s, e, now);
	e->runnable = false;
	e->ready = false;
	if (s->cur == e)
		s->cur = NULL;
}

/* The first entity after @from (or the list head) in list order. */
static struct mdgpu_sched_entity *
mdgpu_sched_next(struct mdgpu_sched *s, struct list_head *from)
{
	if (from->next == &s->entities)
		from = &s->entities;
	return list_entry(from->next, struct mdgpu_sched_entity, node);
}

/*
 * Best effort: the first runnable entity after the one that ran last,
 * other than @skip.
 */
static struct mdgpu_sched_entity *
mdgpu_sched_rr(struct mdgpu_sched *s, const struct mdgpu_sched_entity *skip)
{
	struct list_head *pos = s->last ? &s->last->node : &s->entities;
	struct mdgpu_sched_entity *e;
	unsigned int i;

	for (i = 0; i < s->nr_entities; i++) {
		e = mdgpu_sched_next(s, pos);
		pos = &e->node;
		if (e != skip && e->runnable)
			return e;
	}
	return NULL;
}

/* Eligible members of @ref's group: owed, or of the same class. */
static bool mdgpu_sched_group_member(const struct mdgpu_sched *s,
				     const struct mdgpu_sched_entity *ref,
				     const struct mdgpu_sched_entity *e)
{
	return mdgpu_sched_eligible(e) && mdgpu_sched_same_group(s, ref, e);
}

/*
 * Fair policies: in the first group that has an eligible entity (other
 * than @skip), the entity with the earliest virtual deadline among those
 * at or before the group's average virtual time. Ties go to the first
 * after the one that ran last.
 */
static struct mdgpu_sched_entity *
mdgpu_sched_best(struct mdgpu_sched *s, const struct mdgpu_sched_entity *skip)
{
	struct list_head *pos = s->last ? &s->last->node : &s->entities;
	struct mdgpu_sched_entity *e, *top = NULL, *best = NULL;
	unsigned int i;
	s64 avg;

	list_for_each_entry(e, &s->entities, node)
		if (e != skip && mdgpu_sched_eligible(e) &&
		    (!top || mdgpu_sched_group_before(s, e, top)))
			top = e;
	if (!top)
		return NULL;
	avg = mdgpu_sched_avg_key(s, top, mdgpu_sched_group_member, skip);
	for (i = 0; i < s->nr_entities; i++) {
		e = mdgpu_sched_next(s, pos);
		pos = &e->node;
		if (e == skip || !mdgpu_sched_group_member(s, top, e) ||
		    mdgpu_sched_key(s, e) > avg)
			continue;
		if (!best ||
		    mdgpu_sched_deadline(s, e) < mdgpu_sched_deadline(s, best))
			best = e;
	}
	return best ?: top;
}

static struct mdgpu_sched_entity *
mdgpu_sched_choose(struct mdgpu_sched *s, const struct mdgpu_sched_entity *skip)
{
	if (s->policy == MDGPU_SCHED_BEST_EFFORT)
		return mdgpu_sched_rr(s, skip);
	return mdgpu_sched_best(s, skip);
}

/* Start (or renew) a slice of @e at @now. */
static void mdgpu_sched_begin_slice(struct mdgpu_sched *s,
				    struct mdgpu_sched_entity *e, u64 now)
{
	s->cur_owed = mdgpu_sched_owed(s, e);
	if (!s->cur_owed)
		mdgpu_sched_advance_vclock(s, e);
	s->cur = e;
	s->slice_start = now;
	s->slice_budget = mdgpu_sched_budget(s, e, s->cur_owed);
	mdgpu_sched_record_pick(e, now);
}

/**
 * mdgpu_sched_pick() - choose the entity the engine runs next
 * @s: the scheduler
 * @now: current time, ns
 * @budget_ns: set to how long the entity may run before it is asked to
 *	       yield; when nothing is picked, how long the engine may idle
 *	       before asking again (U64_MAX: until an entity wakes)
 *
 * Return: the entity, or NULL if the engine should idle.
 */
struct mdgpu_sched_entity *mdgpu_sched_pick(struct mdgpu_sched *s, u64 now,
					    u64 *budget_ns)
{
	struct mdgpu_sched_entity *e;
	u64 wait = U64_MAX;
	u32 rate;

	mdgpu_sched_update_all(s, now);
	e = mdgpu_sched_choose(s, NULL);
	if (!e) {
		list_for_each_entry(e, &s->entities, node) {
			rate = mdgpu_sched_token_rate(s, e);
			if (e->runnable && e->throttled && rate)
				wait = min(wait,
					   mdgpu_sched_throttle_wait(e, rate));
		}
		s->cur = NULL;
		mdgpu_sched_idle_begin(s, now);
		*budget_ns = wait;
		return NULL;
	}
	mdgpu_sched_idle_end(s, now);
	if (e != s->last)
		s->stats.switches++;
	s->last = e;
	mdgpu_sched_begin_slice(s, e, now);
	*budget_ns = s->slice_budget;
	return e;
}

/**
 * mdgpu_sched_charge() - account engine time an entity used
 * @s: the scheduler
 * @e: the entity that ran
 * @ran_ns: how long it ran since the last charge
 * @now: current time, ns (the end of the run)
 */
void mdgpu_sched_charge(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 ran_ns, u64 now)
{
	mdgpu_sched_update(s, e, now);
	mdgpu_sched_consume(s, e, ran_ns);
	e->stats.run_ns += ran_ns;
	s->stats.busy_ns += ran_ns;
}

/**
 * mdgpu_sched_preempt() - should the running entity yield now?
 * @s: the scheduler
 * @e: the running entity
 * @now: current time, ns
 *
 * Called between chunks. Yes when @e has no work, when its bucket is
 * empty (the engine may then idle), when an owed or higher-priority entity
 * waits, and when its slice is used up and the policy would pick another
 * entity. When its slice is up but it would be picked again, its slice is
 * renewed.
 *
 * Return: true if the engine must stop running @e and pick again.
 */
bool mdgpu_sched_preempt(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			 u64 now)
{
	struct mdgpu_sched_entity *best;
	bool slice_over, paying;

	mdgpu_sched_update_all(s, now);
	if (!e->runnable) {
		if (s->cur == e)
			s->cur = NULL;
		return true;
	}
	slice_over = now < s->slice_start ||
		     now - s->slice_start >= s->slice_budget;
	if (e->throttled)
		goto yield;
	if (s->policy == MDGPU_SCHED_BEST_EFFORT) {
		if (slice_over && mdgpu_sched_rr(s, e))
			goto yield;
	} else {
		best = mdgpu_sched_best(s, NULL);
		/* An entity paying back its minimum finishes that slice. */
		paying = s->cur_owed && e->min_credit > 0;
		if (best && best != e &&
		    (slice_over || (!paying &&
				    mdgpu_sched_group_before(s, best, e))))
			goto yield;
	}
	if (slice_over)
		mdgpu_sched_begin_slice(s, e, now);
	return false;

yield:
	e->stats.preemptions++;
	mdgpu_sched_mark_ready(e, now);
	if (s->cur == e)
		s->cur = NULL;
	return true;
}
