// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler tunables: validation and the changes themselves. Every
 * setter checks first and changes nothing when it refuses; a change takes
 * effect at the running entity's next chunk boundary without stopping it.
 *
 * Errors: -EINVAL for a value that is meaningless (unknown policy, weight
 * 0, a cap below the minimum share), -ERANGE for one outside its range
 * (including minimum shares that would add up past 100 %).
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "sched_internal.h"

static const char *const mdgpu_sched_policy_names[MDGPU_SCHED_NR_POLICIES] = {
	[MDGPU_SCHED_BEST_EFFORT] = "best_effort",
	[MDGPU_SCHED_EQUAL_SHARE] = "equal_share",
	[MDGPU_SCHED_FIXED_SHARE] = "fixed_share",
	[MDGPU_SCHED_WEIGHTED] = "weighted",
};

/**
 * mdgpu_sched_policy_name() - the sysfs name of a policy
 * @policy: the policy
 *
 * Return: its name, or "unknown".
 */
const char *mdgpu_sched_policy_name(enum mdgpu_sched_policy policy)
{
	if ((unsigned int)policy >= MDGPU_SCHED_NR_POLICIES)
		return "unknown";
	return mdgpu_sched_policy_names[policy];
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_policy_name);

/**
 * mdgpu_sched_policy_parse() - a policy from its name
 * @buf: the name, optionally followed by a newline
 *
 * Return: the policy, or -EINVAL.
 */
int mdgpu_sched_policy_parse(const char *buf)
{
	unsigned int i;

	for (i = 0; i < MDGPU_SCHED_NR_POLICIES; i++)
		if (sysfs_streq(buf, mdgpu_sched_policy_names[i]))
			return i;
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_policy_parse);

/**
 * mdgpu_sched_set_policy() - switch the policy while vGPUs run
 * @s: the scheduler
 * @policy: enum mdgpu_sched_policy
 * @now: current time, ns
 *
 * Return: 0, or -EINVAL for an unknown policy.
 */
int mdgpu_sched_set_policy(struct mdgpu_sched *s, int policy, u64 now)
{
	if (policy < 0 || policy >= MDGPU_SCHED_NR_POLICIES)
		return -EINVAL;
	if (policy == s->policy)
		return 0;
	/* Book what happened so far under the old rules. */
	mdgpu_sched_update_all(s, now);
	s->policy = policy;
	mdgpu_sched_rebase(s);	/* and the queues of the new policy */
	if (s->cur) {
		s->cur_owed = false;
		s->slice_budget = mdgpu_sched_budget(s, s->cur, false);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_set_policy);

/**
 * mdgpu_sched_check_timeslice() - is @ns a valid time slice?
 * @ns: the slice, ns
 *
 * Return: 0, or -ERANGE outside 100 us .. 100 ms.
 */
int mdgpu_sched_check_timeslice(u64 ns)
{
	if (ns < MDGPU_SCHED_TIMESLICE_MIN_NS ||
	    ns > MDGPU_SCHED_TIMESLICE_MAX_NS)
		return -ERANGE;
	return 0;
}

/**
 * mdgpu_sched_set_timeslice() - change the time slice
 * @s: the scheduler
 * @ns: the slice, ns
 *
 * The running slice is shortened to the new length if it is longer.
 * Deadlines, buckets and credits are measured in slices: every entity is
 * requeued (O(n log n)).
 *
 * Return: 0 or -ERANGE.
 */
int mdgpu_sched_set_timeslice(struct mdgpu_sched *s, u64 ns)
{
	int ret = mdgpu_sched_check_timeslice(ns);

	if (ret)
		return ret;
	s->timeslice_ns = ns;
	s->slice_budget = min(s->slice_budget, ns);
	mdgpu_sched_rebuild(s);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_set_timeslice);

/**
 * mdgpu_sched_check_watchdog() - is @ns a valid per-job limit?
 * @ns: the limit, ns; 0 turns the watchdog off
 *
 * Return: 0, or -ERANGE outside 1 ms .. 60 s.
 */
int mdgpu_sched_check_watchdog(u64 ns)
{
	if (ns && (ns < 1000 * 1000 || ns > MDGPU_SCHED_WATCHDOG_MAX_NS))
		return -ERANGE;
	return 0;
}

/**
 * mdgpu_sched_set_watchdog() - change the per-job limit
 * @s: the scheduler
 * @ns: the limit, ns; 0 turns the watchdog off
 *
 * Return: 0 or -ERANGE.
 */
int mdgpu_sched_set_watchdog(struct mdgpu_sched *s, u64 ns)
{
	int ret = mdgpu_sched_check_watchdog(ns);

	if (ret)
		return ret;
	s->watchdog_ns = ns;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_set_watchdog);

/**
 * mdgpu_sched_check_params() - may @e get the tunables @p?
 * @s: the scheduler (for the other entities' minimum shares)
 * @e: the entity, on @s or about to be added
 * @p: the tunables
 *
 * Return: 0; -EINVAL for weight 0 or a cap below the minimum share;
 * -ERANGE for a weight, share, cap or priority out of range, or minimum
 * shares of all entities adding up past the whole engine (one million
 * parts per million).
 */
int mdgpu_sched_check_params(const struct mdgpu_sched *s,
			     const struct mdgpu_sched_entity *e,
			     const struct mdgpu_sched_params *p)
{
	u64 others = s->min_share_sum;

	if (!p->weight)
		return -EINVAL;
	if (p->weight > MDGPU_SCHED_WEIGHT_MAX ||
	    p->min_share > MDGPU_SCHED_SHARE_ONE || p->cap > 100 ||
	    p->priority > MDGPU_SCHED_PRIO_MAX)
		return -ERANGE;
	if (p->cap && (u64)p->cap * MDGPU_SCHED_PERCENT < p->min_share)
		return -EINVAL;
	/* An entity on @s counts with its new minimum, not its old one. */
	if (!list_empty(&e->node))
		others -= e->params.min_share;
	if (others + p->min_share > MDGPU_SCHED_SHARE_ONE)
		return -ERANGE;
	return 0;
}

/**
 * mdgpu_sched_entity_set_params() - change an entity's tunables
 * @s: the scheduler
 * @e: the entity, added to @s
 * @p: the new tunables
 * @now: current time, ns
 *
 * A new priority class restarts its fair ordering at that class's clock;
 * a new minimum share starts with no credit.
 *
 * Return: 0 or the error of mdgpu_sched_check_params() or
 * mdgpu_sched_reserve_check() (minimum shares past what engine share
 * reservations leave: -ERANGE); on error nothing changes.
 */
int mdgpu_sched_entity_set_params(struct mdgpu_sched *s,
				  struct mdgpu_sched_entity *e,
				  const struct mdgpu_sched_params *p,
				  u64 now)
{
	int ret = mdgpu_sched_check_params(s, e, p);
	bool new_class;

	if (!ret)
		ret = mdgpu_sched_reserve_check(s, e, p);
	if (ret)
		return ret;
	mdgpu_sched_update(s, e, now);
	/* Out of its queue: its weight and class are in the queue's sums. */
	mdgpu_sched_dequeue(s, e);
	new_class = p->priority != e->params.priority;
	if (p->min_share != e->params.min_share)
		e->min_credit = 0;
	if (!list_empty(&e->node))
		s->min_share_sum = s->min_share_sum - e->params.min_share +
				   p->min_share;
	e->params = *p;
	if (new_class)
		mdgpu_sched_place(s, e, true);
	/* Apply a new cap now: fill or cut the bucket by the new rules. */
	mdgpu_sched_accrue(s, e, 0);
	mdgpu_sched_requeue(s, e);
	if (s->cur == e)
		s->slice_budget = min(s->slice_budget,
				      mdgpu_sched_budget(s, e, s->cur_owed));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_entity_set_params);
