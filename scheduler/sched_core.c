// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler core: work-conserving round robin between the vGPUs
 * that have work, one time slice each. See include/mdgpu_sched.h for the
 * calling protocol; the caller serialises every call.
 */
#include <linux/limits.h>

#include "mdgpu_sched.h"

/**
 * mdgpu_sched_init() - set up an empty scheduler
 * @s: the scheduler
 */
void mdgpu_sched_init(struct mdgpu_sched *s)
{
	INIT_LIST_HEAD(&s->entities);
	s->nr_entities = 0;
	s->timeslice_ns = MDGPU_SCHED_TIMESLICE_DEFAULT_NS;
	s->current = NULL;
	s->slice_start = 0;
}

/**
 * mdgpu_sched_entity_init() - set up an entity before mdgpu_sched_add()
 * @e: the entity
 */
void mdgpu_sched_entity_init(struct mdgpu_sched_entity *e)
{
	INIT_LIST_HEAD(&e->node);
	e->runnable = false;
	e->vtime = 0;
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
	list_add_tail(&e->node, &s->entities);
	s->nr_entities++;
}

/**
 * mdgpu_sched_remove() - forget an entity; it must not be running
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns
 */
void mdgpu_sched_remove(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 now)
{
	if (s->current == e)
		s->current = NULL;
	list_del_init(&e->node);
	s->nr_entities--;
	e->runnable = false;
}

/**
 * mdgpu_sched_wake() - the entity has work
 * @s: the scheduler
 * @e: the entity
 * @now: current time, ns
 */
void mdgpu_sched_wake(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		      u64 now)
{
	e->runnable = true;
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
	e->runnable = false;
}

/**
 * mdgpu_sched_pick() - choose the entity the engine runs next
 * @s: the scheduler
 * @now: current time, ns
 * @budget_ns: set to how long the entity may run before it is asked to
 *	       yield; when nothing is picked, how long the engine may idle
 *	       before asking again (U64_MAX: until an entity wakes)
 *
 * Round robin: the first runnable entity after the one picked last.
 *
 * Return: the entity, or NULL if the engine should idle.
 */
struct mdgpu_sched_entity *mdgpu_sched_pick(struct mdgpu_sched *s, u64 now,
					    u64 *budget_ns)
{
	struct mdgpu_sched_entity *e, *start = s->current;
	struct list_head *pos;
	unsigned int i;

	pos = start ? &start->node : &s->entities;
	for (i = 0; i <= s->nr_entities; i++) {
		pos = pos->next;
		if (pos == &s->entities)
			continue;
		e = list_entry(pos, struct mdgpu_sched_entity, node);
		if (e->runnable) {
			s->current = e;
			s->slice_start = now;
			*budget_ns = s->timeslice_ns;
			return e;
		}
	}
	*budget_ns = U64_MAX;
	return NULL;
}

/**
 * mdgpu_sched_charge() - account engine time an entity used
 * @s: the scheduler
 * @e: the entity that ran
 * @ran_ns: how long it ran since the last charge
 * @now: current time, ns
 */
void mdgpu_sched_charge(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 ran_ns, u64 now)
{
	e->vtime += ran_ns;
}

/**
 * mdgpu_sched_preempt() - should the running entity yield now?
 * @s: the scheduler
 * @e: the running entity
 * @now: current time, ns
 *
 * Return: true once its slice is used up and another entity has work.
 */
bool mdgpu_sched_preempt(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			 u64 now)
{
	struct mdgpu_sched_entity *o;

	if (now - s->slice_start < s->timeslice_ns)
		return false;
	list_for_each_entry(o, &s->entities, node)
		if (o != e && o->runnable)
			return true;
	return false;
}
