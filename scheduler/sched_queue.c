// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler queues: which entities may run, kept ordered so that a
 * decision costs O(log n), and the timers of the changes time brings.
 *
 * An entity that may run (it has work and no bucket holds it back) is in
 * one queue (sched_tree.c): under best effort the round-robin queue, in
 * the order entities were added; under the fair policies the queue of its
 * group, owed (its minimum share) or its priority class, ordered by
 * virtual time and keeping the earliest virtual deadline of each subtree.
 * Each fair queue also keeps the sum of its weights and of weight x key,
 * so its weighted average key (the EEVDF eligibility limit) is O(1):
 *
 * - a class queue's keys are virtual times less the class's clock; when
 *   the clock moves by d every key moves by -d, and the sum by -d x the
 *   sum of weights. Virtual times are kept within their lag limit of the
 *   clock (sched_policy.c), and a queued entity never leaves it: only the
 *   running entity's virtual time grows (and is bounded at once), and the
 *   clock moves only to the virtual time of the entity picked, which is at
 *   most one slice of any other queued entity's virtual time ahead of it
 *   (it has the earliest deadline among those at or before the average),
 *   far less than the limit. So the sums are exact, and equal the sums of
 *   the clamped keys the policy defines.
 * - the owed queue's keys are relative to each entity's class clock. No
 *   class clock moves while an entity is owed and may run: the owed ones
 *   run before any class, and an owed pick does not move a clock.
 *
 * Time changes what an entity may do in two ways only: a bucket that held
 * it back fills up, and a minimum-share credit reaches a full slice. Both
 * happen at a time known when the entity was last brought up to date, so
 * each entity with such a change ahead is in the timer queue, and a pick
 * or preemption brings up to date only the entities whose time has come
 * (and the one it looks at), not all.
 */
#include <linux/list.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/string.h>

#include "sched_internal.h"

static struct mdgpu_sched_entity *mdgpu_run_entity(struct mdgpu_sched_node *n)
{
	return n ? container_of(n, struct mdgpu_sched_entity, run) : NULL;
}

/* The virtual time a fair queue's keys are relative to. */
static u64 mdgpu_sched_base(const struct mdgpu_sched *s, unsigned int q)
{
	return q <= MDGPU_SCHED_PRIO_MAX ? s->vclock[q] : 0;
}

/**
 * mdgpu_sched_want_queue() - the queue an entity belongs in now
 * @s: the scheduler
 * @e: the entity, updated
 *
 * Return: MDGPU_SCHED_Q_RR, MDGPU_SCHED_Q_OWED, its class, or
 * MDGPU_SCHED_Q_NONE if it may not run.
 */
unsigned int mdgpu_sched_want_queue(const struct mdgpu_sched *s,
				    const struct mdgpu_sched_entity *e)
{
	if (!e->runnable)
		return MDGPU_SCHED_Q_NONE;
	if (s->policy == MDGPU_SCHED_BEST_EFFORT)
		return MDGPU_SCHED_Q_RR;
	if (e->throttled)
		return MDGPU_SCHED_Q_NONE;
	if (mdgpu_sched_owed(s, e))
		return MDGPU_SCHED_Q_OWED;
	return mdgpu_sched_class(s, e);
}

/* Position of @e in fair queue @q: its virtual time, or its key if owed. */
static u64 mdgpu_sched_pos(const struct mdgpu_sched *s,
			   const struct mdgpu_sched_entity *e, unsigned int q)
{
	return mdgpu_sched_base(s, q) + (u64)mdgpu_sched_key(s, e);
}

static void mdgpu_sched_enqueue(struct mdgpu_sched *s,
				struct mdgpu_sched_entity *e, unsigned int q)
{
	u64 pos, wkey;
	u32 w;

	e->queue = q;
	if (q == MDGPU_SCHED_Q_NONE)
		return;
	if (q == MDGPU_SCHED_Q_RR) {
		mdgpu_sched_tree_insert(&s->queues[q], &e->run, e->seq, 0, 0);
		return;
	}
	w = mdgpu_sched_weight(s, e);
	pos = mdgpu_sched_pos(s, e, q);
	/* Modulo 2^64: the true sums fit an s64 ("Bounded arithmetic"). */
	wkey = (u64)mdgpu_sched_key(s, e) * w;
	e->qweight = w;
	e->qclass = mdgpu_sched_class(s, e);
	s->qsum[q] += wkey;
	s->qweight[q] += w;
	if (q == MDGPU_SCHED_Q_OWED) {
		s->owed_sum[e->qclass] += wkey;
		s->owed_weight[e->qclass] += w;
	}
	mdgpu_sched_tree_insert(&s->queues[q], &e->run, pos,
				pos + mdgpu_sched_slice_vtime(s, e), e->picked);
}

/**
 * mdgpu_sched_dequeue() - take an entity out of its queue
 * @s: the scheduler
 * @e: the entity
 */
void mdgpu_sched_dequeue(struct mdgpu_sched *s, struct mdgpu_sched_entity *e)
{
	unsigned int q = e->queue;
	u64 wkey;

	if (q == MDGPU_SCHED_Q_NONE)
		return;
	if (q != MDGPU_SCHED_Q_RR) {
		wkey = (e->run.key - mdgpu_sched_base(s, q)) * e->qweight;
		s->qsum[q] -= wkey;
		s->qweight[q] -= e->qweight;
		if (q == MDGPU_SCHED_Q_OWED) {
			s->owed_sum[e->qclass] -= wkey;
			s->owed_weight[e->qclass] -= e->qweight;
		}
	}
	mdgpu_sched_tree_erase(&s->queues[q], &e->run);
	e->queue = MDGPU_SCHED_Q_NONE;
}

/*
 * When time next changes what @e may do: its bucket lets it run again, or
 * its credit makes it owed. False if nothing does.
 */
static bool mdgpu_sched_due(const struct mdgpu_sched *s,
			    const struct mdgpu_sched_entity *e, u64 *due)
{
	u32 rate = mdgpu_sched_token_rate(s, e), mrate;
	u64 need;

	if (!e->runnable)
		return false;
	if (e->throttled && rate) {
		*due = e->last_update + mdgpu_sched_throttle_wait(e, rate);
		return true;
	}
	if (s->policy != MDGPU_SCHED_WEIGHTED || !e->params.min_share ||
	    e->throttled || mdgpu_sched_owed(s, e))
		return false;
	/* Credit grows by floor(dt x rate): owed once that covers @need. */
	mrate = e->params.min_share;
	need = s->timeslice_ns - e->min_credit;
	*due = e->last_update +
	       div_u64(need * MDGPU_SCHED_SHARE_ONE + mrate - 1, mrate);
	return true;
}

/**
 * mdgpu_sched_requeue() - put an entity where it belongs after a change
 * @s: the scheduler
 * @e: the entity, updated (its state, virtual time or tunables changed)
 *
 * Moves it to the queue it belongs in (or out of all), to its new place
 * in it, and re-arms its timer. O(log n).
 */
void mdgpu_sched_requeue(struct mdgpu_sched *s, struct mdgpu_sched_entity *e)
{
	unsigned int q = mdgpu_sched_want_queue(s, e);
	u64 due;
	bool timed;

	if (q != e->queue ||
	    (q <= MDGPU_SCHED_Q_OWED && (e->run.key != mdgpu_sched_pos(s, e, q) ||
					 e->run.tie != e->picked ||
					 e->qweight != mdgpu_sched_weight(s, e)))) {
		mdgpu_sched_dequeue(s, e);
		mdgpu_sched_enqueue(s, e, q);
	}
	timed = mdgpu_sched_due(s, e, &due);
	if (e->timed && (!timed || due != e->timer.key)) {
		mdgpu_sched_tree_erase(&s->timers, &e->timer);
		e->timed = false;
	}
	if (timed && !e->timed) {
		mdgpu_sched_tree_insert(&s->timers, &e->timer, due, due, 0);
		e->timed = true;
	}
}

/**
 * mdgpu_sched_rebuild() - fill every queue and timer from scratch
 * @s: the scheduler, after a change that moves every entity (policy, time
 *     slice); O(n log n)
 */
void mdgpu_sched_rebuild(struct mdgpu_sched *s)
{
	struct mdgpu_sched_entity *e;
	unsigned int q;

	for (q = 0; q < MDGPU_SCHED_NR_QUEUES; q++)
		mdgpu_sched_tree_init(&s->queues[q]);
	mdgpu_sched_tree_init(&s->timers);
	memset(s->qsum, 0, sizeof(s->qsum));
	memset(s->qweight, 0, sizeof(s->qweight));
	memset(s->owed_sum, 0, sizeof(s->owed_sum));
	memset(s->owed_weight, 0, sizeof(s->owed_weight));
	list_for_each_entry(e, &s->entities, node) {
		e->queue = MDGPU_SCHED_Q_NONE;
		e->timed = false;
	}
	list_for_each_entry(e, &s->entities, node)
		mdgpu_sched_requeue(s, e);
}

/**
 * mdgpu_sched_queue_avg() - weighted average key of a fair queue
 * @s: the scheduler
 * @q: the queue, not empty
 *
 * Return: the average (rounded towards zero).
 */
s64 mdgpu_sched_queue_avg(const struct mdgpu_sched *s, unsigned int q)
{
	return div64_s64((s64)s->qsum[q], (s64)s->qweight[q]);
}

/**
 * mdgpu_sched_class_avg() - weighted average key of a class's entities
 *			     that may run, owed or not
 * @s: the scheduler
 * @c: the class
 *
 * Return: the average, or 0 (the class's clock) if there are none.
 */
s64 mdgpu_sched_class_avg(const struct mdgpu_sched *s, unsigned int c)
{
	u64 w = s->qweight[c] + s->owed_weight[c];

	if (!w)
		return 0;
	return div64_s64((s64)(s->qsum[c] + s->owed_sum[c]), (s64)w);
}

/**
 * mdgpu_sched_shift_class() - a class's clock moved forward
 * @s: the scheduler
 * @c: the class
 * @by: how far, in virtual time
 *
 * Every key of the class is @by smaller: so are the sums.
 */
void mdgpu_sched_shift_class(struct mdgpu_sched *s, unsigned int c, s64 by)
{
	s->qsum[c] -= (u64)by * s->qweight[c];
	s->owed_sum[c] -= (u64)by * s->owed_weight[c];
}

/**
 * mdgpu_sched_queue_best() - the fair policies' choice
 * @s: the scheduler
 *
 * In the first group with an entity that may run (owed, then the classes
 * from 7 down), the one with the earliest virtual deadline among those
 * whose key is at or before the group's weighted average; of equal
 * deadlines the one picked least recently (as round robin would), then
 * the one of the smallest key, then the one queued first.
 *
 * Return: the entity, or NULL if none may run.
 */
struct mdgpu_sched_entity *mdgpu_sched_queue_best(const struct mdgpu_sched *s)
{
	const struct mdgpu_sched_tree *t;
	struct mdgpu_sched_node *n;
	int q = MDGPU_SCHED_Q_OWED;

	while (q >= 0 && !s->queues[q].nr)
		q--;
	if (q < 0)
		return NULL;
	t = &s->queues[q];
	n = mdgpu_sched_tree_eevdf(t, mdgpu_sched_base(s, q) +
				   (u64)mdgpu_sched_queue_avg(s, q));
	return mdgpu_run_entity(n ?: mdgpu_sched_tree_first(t));
}

/**
 * mdgpu_sched_queue_rr() - best effort's choice
 * @s: the scheduler
 * @skip: an entity not to choose, or NULL
 *
 * Return: the first runnable entity after the one that ran last, in the
 * order entities were added, other than @skip; NULL if there is none.
 */
struct mdgpu_sched_entity *mdgpu_sched_queue_rr(const struct mdgpu_sched *s,
						const struct mdgpu_sched_entity *skip)
{
	const struct mdgpu_sched_tree *t = &s->queues[MDGPU_SCHED_Q_RR];
	struct mdgpu_sched_node *n = NULL;

	if (s->last)
		n = mdgpu_sched_tree_after(t, s->last->seq);
	if (!n)
		n = mdgpu_sched_tree_first(t);
	if (n && skip && mdgpu_run_entity(n) == skip) {
		n = mdgpu_sched_tree_after(t, skip->seq) ?:
		    mdgpu_sched_tree_first(t);
		if (mdgpu_run_entity(n) == skip)
			n = NULL;
	}
	return mdgpu_run_entity(n);
}

/**
 * mdgpu_sched_next_timer() - the time of the earliest timer
 * @s: the scheduler
 *
 * Return: it, or U64_MAX if no timer is armed.
 */
u64 mdgpu_sched_next_timer(const struct mdgpu_sched *s)
{
	struct mdgpu_sched_node *n = mdgpu_sched_tree_first(&s->timers);

	return n ? n->key : U64_MAX;
}

/**
 * mdgpu_sched_timers() - bring up to date the entities whose time came
 * @s: the scheduler
 * @now: current time, ns
 */
void mdgpu_sched_timers(struct mdgpu_sched *s, u64 now)
{
	struct mdgpu_sched_entity *e;
	struct mdgpu_sched_node *n;

	while ((n = mdgpu_sched_tree_first(&s->timers)) &&
	       !mdgpu_vtime_before(now, n->key)) {
		e = container_of(n, struct mdgpu_sched_entity, timer);
		mdgpu_sched_update(s, e, now);
		/* Its change came: the timer it has now is a later one. */
		if (e->timed && !mdgpu_vtime_before(now, e->timer.key)) {
			mdgpu_sched_tree_erase(&s->timers, &e->timer);
			e->timed = false;
		}
	}
}

/**
 * mdgpu_sched_sweep() - bring one more entity up to date
 * @s: the scheduler
 * @now: current time, ns
 *
 * Each pick brings the next entity (in turn) up to date, so that no
 * entity's virtual time is left so far behind its moving class clock that
 * their difference wraps (sched_policy.c, "Bounded arithmetic").
 */
void mdgpu_sched_sweep(struct mdgpu_sched *s, u64 now)
{
	struct mdgpu_sched_entity *e = s->sweep;

	if (list_empty(&s->entities))
		return;
	if (!e)
		e = list_first_entry(&s->entities, struct mdgpu_sched_entity,
				     node);
	mdgpu_sched_update(s, e, now);
	s->sweep = list_is_last(&e->node, &s->entities) ? NULL :
		   list_next_entry(e, node);
}
