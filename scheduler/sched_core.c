// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler core: the engine's entry points. Each brings up to the
 * time the engine passes the entities it touches and those whose timer
 * came (sched_queue.c), then dispatches: round robin for best effort, the
 * ranking of sched_policy.c for the fair policies, both over the queues of
 * the entities that may run. See include/mdgpu_sched.h for the calling
 * protocol; the caller serialises every call. Pick, preempt, charge, wake
 * and sleep are O(log n) and nothing allocates.
 */
#include <kunit/visibility.h>
#include <linux/export.h>
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
	mdgpu_sched_rebuild(s);
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_init);

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
	e->queue = MDGPU_SCHED_Q_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_entity_init);

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
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_entity_set_share);

/**
 * mdgpu_sched_update() - bring an entity's accounting up to @now
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns; earlier times than the last update count as 0
 *
 * Its statistics, bucket and credit are linear in time between two
 * updates (nothing but time changed meanwhile), so they are brought up to
 * date only when needed; then it is moved to the queue it belongs in.
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
	mdgpu_sched_requeue(s, e);
}

/**
 * mdgpu_sched_update_all() - bring every entity up to @now
 * @s: the scheduler
 * @now: current time, ns
 *
 * O(n log n): only for changes that concern every entity.
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
	e->seq = s->next_seq++;
	e->queue = MDGPU_SCHED_Q_NONE;
	e->timed = false;
	e->last_update = now;
	e->runnable = false;
	e->tokens = mdgpu_sched_burst(s);
	e->min_credit = 0;
	mdgpu_sched_place(s, e, true);
	list_add_tail(&e->node, &s->entities);
	s->nr_entities++;
	s->min_share_sum += e->params.min_share;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_add);

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
	e->runnable = false;
	e->ready = false;
	mdgpu_sched_requeue(s, e);
	if (s->cur == e)
		s->cur = NULL;
	if (s->last == e)
		s->last = NULL;
	if (s->sweep == e)
		s->sweep = list_is_last(&e->node, &s->entities) ? NULL :
			   list_next_entry(e, node);
	list_del_init(&e->node);
	s->nr_entities--;
	s->min_share_sum -= e->params.min_share;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_remove);

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
	mdgpu_sched_requeue(s, e);
	if (e != s->cur)
		mdgpu_sched_mark_ready(e, now);
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_wake);

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
	mdgpu_sched_requeue(s, e);
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_sleep);

static struct mdgpu_sched_entity *
mdgpu_sched_choose(struct mdgpu_sched *s, const struct mdgpu_sched_entity *skip)
{
	if (s->policy == MDGPU_SCHED_BEST_EFFORT)
		return mdgpu_sched_queue_rr(s, skip);
	return mdgpu_sched_queue_best(s);
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
	e->picked = ++s->picks;
	mdgpu_sched_requeue(s, e);
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
	u64 next;

	mdgpu_sched_timers(s, now);
	mdgpu_sched_sweep(s, now);
	if (s->cur)
		mdgpu_sched_update(s, s->cur, now);
	e = mdgpu_sched_choose(s, NULL);
	if (!e) {
		/* Only buckets that fill up have timers now: wait for one. */
		next = mdgpu_sched_next_timer(s);
		s->cur = NULL;
		mdgpu_sched_idle_begin(s, now);
		*budget_ns = next == U64_MAX ? U64_MAX :
			     next > now ? next - now : 1;
		return NULL;
	}
	/* Book its wait up to now before it becomes the running one. */
	mdgpu_sched_update(s, e, now);
	mdgpu_sched_idle_end(s, now);
	if (e != s->last)
		s->stats.switches++;
	s->last = e;
	mdgpu_sched_begin_slice(s, e, now);
	*budget_ns = s->slice_budget;
	return e;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_pick);

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
	mdgpu_sched_bound_lag(s, e);
	mdgpu_sched_requeue(s, e);
	e->stats.run_ns += ran_ns;
	s->stats.busy_ns += ran_ns;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_charge);

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

	mdgpu_sched_timers(s, now);
	mdgpu_sched_update(s, e, now);
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
		if (slice_over && mdgpu_sched_queue_rr(s, e))
			goto yield;
	} else {
		best = mdgpu_sched_queue_best(s);
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
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_preempt);
