/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu scheduler interface: which vGPU the parent's engine runs, and for
 * how long.
 *
 * The scheduler is pure logic over plain data: it never sleeps, takes no
 * lock and reads no clock. The engine (drivers/engine.c) owns the locking
 * (it calls every function here with its engine lock held) and passes the
 * current time in nanoseconds. KUnit drives the same functions with a mock
 * engine and a fake clock.
 *
 * Protocol, as the engine uses it:
 *   mdgpu_sched_add() when a vGPU's engine context is created,
 *   mdgpu_sched_remove() before it is freed;
 *   mdgpu_sched_wake() when it gets work (doorbell), mdgpu_sched_sleep()
 *   when it has none left (ring empty, error, reset);
 *   loop: e = mdgpu_sched_pick(); run chunks of e, after each one
 *   mdgpu_sched_charge() with the time it took, then stop running e when
 *   mdgpu_sched_preempt() says so or e went to sleep.
 */
#ifndef _MDGPU_SCHED_H
#define _MDGPU_SCHED_H

#include <linux/list.h>
#include <linux/types.h>

/**
 * struct mdgpu_sched_entity - one vGPU as the scheduler sees it
 * @node: link in mdgpu_sched::entities
 * @runnable: the vGPU has work
 * @vtime: virtual time used for fair ordering (policy private)
 */
struct mdgpu_sched_entity {
	struct list_head node;
	bool runnable;
	u64 vtime;
};

/**
 * struct mdgpu_sched - the scheduler of one parent's engine
 * @entities: every entity, runnable or not, in round-robin order
 * @nr_entities: number of entries in @entities
 * @timeslice_ns: how long a vGPU runs before it can be preempted
 * @current: the entity picked last, or NULL
 * @slice_start: time @current was picked
 */
struct mdgpu_sched {
	struct list_head entities;
	unsigned int nr_entities;
	u64 timeslice_ns;
	struct mdgpu_sched_entity *current;
	u64 slice_start;
};

#define MDGPU_SCHED_TIMESLICE_DEFAULT_NS	(2 * 1000 * 1000)

void mdgpu_sched_init(struct mdgpu_sched *s);
void mdgpu_sched_entity_init(struct mdgpu_sched_entity *e);
void mdgpu_sched_add(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		     u64 now);
void mdgpu_sched_remove(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 now);
void mdgpu_sched_wake(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		      u64 now);
void mdgpu_sched_sleep(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		       u64 now);
struct mdgpu_sched_entity *mdgpu_sched_pick(struct mdgpu_sched *s, u64 now,
					    u64 *budget_ns);
void mdgpu_sched_charge(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 ran_ns, u64 now);
bool mdgpu_sched_preempt(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			 u64 now);

#endif /* _MDGPU_SCHED_H */
