// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler: engine share reserved for named instances.
 */

/**
 * DOC: Engine share reservations
 *
 * A parent may reserve part of its engine for an instance that does not
 * exist yet (drivers/reserve.c keys reservations by UUID). Under the
 * weighted policy a reservation is a minimum share waiting for its owner:
 *
 * - while the owner does not exist, its share counts in
 *   &mdgpu_sched.reserved_unheld, and no other entity's minimum share may
 *   use it;
 * - when the owner is created, the share moves to its entity
 *   (&mdgpu_sched_entity.reserved), which gets it as its minimum share
 *   and the reservation's priority class (mdgpu_sched_reserve_attach());
 * - its minimum share may be lowered afterwards, but admission still
 *   counts it as at least the reservation, so it can always be raised
 *   back; when the owner goes, the share is unheld again.
 *
 * Admission, in parts per million of the engine, is therefore
 *
 *   reserved_unheld + sum over entities of max(min_share, reserved) <= 1
 *
 * and every setter keeps it (mdgpu_sched_committed()). Minimum shares
 * and reservations are both in ppm.
 */
#include <kunit/visibility.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/minmax.h>

#include "sched_internal.h"

/* What one entity commits of the engine, with minimum share @min. */
static u64 mdgpu_sched_entity_committed(const struct mdgpu_sched_entity *e,
					u32 min)
{
	return max_t(u64, min, e->reserved);
}

/**
 * mdgpu_sched_committed() - engine share promised, in ppm
 * @s: the scheduler
 * @e: an entity whose tunables are about to change, or NULL
 * @p: its new tunables (ignored without @e)
 *
 * O(n) in the entities: it runs only when a tunable or a reservation
 * changes.
 *
 * Return: the unheld reservations plus, for each entity (@e with @p, and
 * @e also when it is not on @s yet), the larger of its minimum share and
 * its reservation.
 */
u64 mdgpu_sched_committed(const struct mdgpu_sched *s,
			  const struct mdgpu_sched_entity *e,
			  const struct mdgpu_sched_params *p)
{
	const struct mdgpu_sched_entity *f;
	u64 sum = s->reserved_unheld;

	list_for_each_entry(f, &s->entities, node)
		sum += mdgpu_sched_entity_committed(f, f == e ?
						    p->min_share :
						    f->params.min_share);
	if (e && list_empty(&e->node))
		sum += mdgpu_sched_entity_committed(e, p->min_share);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_committed);

/**
 * mdgpu_sched_reserve_check() - do @p's minimum share fit the reservations?
 * @s: the scheduler
 * @e: the entity, on @s or about to be added
 * @p: its new tunables, otherwise valid (mdgpu_sched_check_params())
 *
 * Return: 0, or -ERANGE if the engine share committed would pass the
 * whole engine.
 */
int mdgpu_sched_reserve_check(const struct mdgpu_sched *s,
			      const struct mdgpu_sched_entity *e,
			      const struct mdgpu_sched_params *p)
{
	if (mdgpu_sched_committed(s, e, p) > MDGPU_SCHED_SHARE_ONE)
		return -ERANGE;
	return 0;
}

/**
 * mdgpu_sched_reserve_add() - reserve engine share for an absent owner
 * @s: the scheduler
 * @ppm: the share, parts per million
 *
 * Return: 0; -ERANGE for more than the engine; -ENOSPC if the minimum
 * shares and reservations leave less than @ppm.
 */
int mdgpu_sched_reserve_add(struct mdgpu_sched *s, u32 ppm)
{
	if (ppm > MDGPU_SCHED_SHARE_ONE)
		return -ERANGE;
	if (mdgpu_sched_committed(s, NULL, NULL) + ppm > MDGPU_SCHED_SHARE_ONE)
		return -ENOSPC;
	s->reserved_unheld += ppm;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_reserve_add);

/**
 * mdgpu_sched_reserve_drop() - give back a reservation whose owner is absent
 * @s: the scheduler
 * @ppm: what mdgpu_sched_reserve_add() reserved
 */
void mdgpu_sched_reserve_drop(struct mdgpu_sched *s, u32 ppm)
{
	if (WARN_ON_ONCE(ppm > s->reserved_unheld))
		ppm = s->reserved_unheld;
	s->reserved_unheld -= ppm;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_reserve_drop);

/**
 * mdgpu_sched_reserve_attach() - the owner of a reservation was created
 * @s: the scheduler
 * @e: its entity, on @s, with the default tunables
 * @ppm: the reserved share (held in @s->reserved_unheld until now)
 * @priority: the reservation's priority class
 * @now: current time, ns
 *
 * @e gets @ppm as its minimum share and @priority as its class; the share
 * stays reserved for it (&mdgpu_sched_entity.reserved) while it exists.
 *
 * Return: 0, or the error of mdgpu_sched_entity_set_params(); on error
 * nothing changes.
 */
int mdgpu_sched_reserve_attach(struct mdgpu_sched *s,
			       struct mdgpu_sched_entity *e, u32 ppm,
			       u32 priority, u64 now)
{
	struct mdgpu_sched_params p = e->params;
	int ret;

	if (WARN_ON_ONCE(ppm > s->reserved_unheld || e->reserved))
		return -EINVAL;
	p.min_share = max(p.min_share, ppm);
	p.priority = priority;
	s->reserved_unheld -= ppm;
	e->reserved = ppm;
	ret = mdgpu_sched_entity_set_params(s, e, &p, now);
	if (ret) {
		e->reserved = 0;
		s->reserved_unheld += ppm;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_reserve_attach);

/**
 * mdgpu_sched_reserve_detach() - the owner of a reservation is going away
 * @s: the scheduler
 * @e: its entity, still on @s
 * @now: current time, ns
 *
 * Its minimum share drops to 0 and its reservation is unheld again, so
 * the share is counted once until mdgpu_sched_remove().
 */
void mdgpu_sched_reserve_detach(struct mdgpu_sched *s,
				struct mdgpu_sched_entity *e, u64 now)
{
	struct mdgpu_sched_params p = e->params;
	u32 ppm = e->reserved;

	p.min_share = 0;
	/* Lowering a minimum never fails admission. */
	WARN_ON_ONCE(mdgpu_sched_entity_set_params(s, e, &p, now));
	e->reserved = 0;
	s->reserved_unheld += ppm;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_reserve_detach);
