/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the scheduler's files (scheduler/): the policy rules
 * (sched_policy.c) and the accounting (sched_stats.c). Like the rest of the
 * scheduler they take no lock; the engine serialises every call.
 */
#ifndef _MDGPU_SCHED_INTERNAL_H
#define _MDGPU_SCHED_INTERNAL_H

#include "mdgpu_sched.h"

/* sched_policy.c */
u32 mdgpu_sched_token_rate(const struct mdgpu_sched *s,
			   const struct mdgpu_sched_entity *e);
s64 mdgpu_sched_burst(const struct mdgpu_sched *s);
unsigned int mdgpu_sched_class(const struct mdgpu_sched *s,
			       const struct mdgpu_sched_entity *e);
void mdgpu_sched_accrue(const struct mdgpu_sched *s,
			struct mdgpu_sched_entity *e, u64 dt);
void mdgpu_sched_consume(const struct mdgpu_sched *s,
			 struct mdgpu_sched_entity *e, u64 ran_ns);
bool mdgpu_sched_eligible(const struct mdgpu_sched_entity *e);
bool mdgpu_sched_owed(const struct mdgpu_sched *s,
		      const struct mdgpu_sched_entity *e);
bool mdgpu_sched_group_before(const struct mdgpu_sched *s,
			      const struct mdgpu_sched_entity *a,
			      const struct mdgpu_sched_entity *b);
bool mdgpu_sched_same_group(const struct mdgpu_sched *s,
			    const struct mdgpu_sched_entity *a,
			    const struct mdgpu_sched_entity *b);
s64 mdgpu_sched_key(const struct mdgpu_sched *s,
		    const struct mdgpu_sched_entity *e);
void mdgpu_sched_bound_lag(struct mdgpu_sched *s, struct mdgpu_sched_entity *e);
s64 mdgpu_sched_deadline(const struct mdgpu_sched *s,
			 const struct mdgpu_sched_entity *e);
u32 mdgpu_sched_weight(const struct mdgpu_sched *s,
		       const struct mdgpu_sched_entity *e);
u64 mdgpu_sched_slice_vtime(const struct mdgpu_sched *s,
			    const struct mdgpu_sched_entity *e);
void mdgpu_sched_place(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		       bool fresh);
void mdgpu_sched_advance_vclock(struct mdgpu_sched *s,
				const struct mdgpu_sched_entity *e);
void mdgpu_sched_rebase(struct mdgpu_sched *s);
u64 mdgpu_sched_budget(const struct mdgpu_sched *s,
		       const struct mdgpu_sched_entity *e, bool owed);
u64 mdgpu_sched_throttle_wait(const struct mdgpu_sched_entity *e, u32 rate);

/* sched_queue.c */
unsigned int mdgpu_sched_want_queue(const struct mdgpu_sched *s,
				    const struct mdgpu_sched_entity *e);
void mdgpu_sched_dequeue(struct mdgpu_sched *s, struct mdgpu_sched_entity *e);
void mdgpu_sched_requeue(struct mdgpu_sched *s, struct mdgpu_sched_entity *e);
void mdgpu_sched_rebuild(struct mdgpu_sched *s);
s64 mdgpu_sched_queue_avg(const struct mdgpu_sched *s, unsigned int q);
s64 mdgpu_sched_class_avg(const struct mdgpu_sched *s, unsigned int c);
void mdgpu_sched_shift_class(struct mdgpu_sched *s, unsigned int c, s64 by);
struct mdgpu_sched_entity *mdgpu_sched_queue_best(const struct mdgpu_sched *s);
struct mdgpu_sched_entity *mdgpu_sched_queue_rr(const struct mdgpu_sched *s,
						const struct mdgpu_sched_entity *skip);
u64 mdgpu_sched_next_timer(const struct mdgpu_sched *s);
void mdgpu_sched_timers(struct mdgpu_sched *s, u64 now);
void mdgpu_sched_sweep(struct mdgpu_sched *s, u64 now);

/* sched_tree.c */
void mdgpu_sched_tree_init(struct mdgpu_sched_tree *t);
void mdgpu_sched_tree_insert(struct mdgpu_sched_tree *t,
			     struct mdgpu_sched_node *n, u64 key, u64 aug,
			     u64 tie);
void mdgpu_sched_tree_erase(struct mdgpu_sched_tree *t,
			    struct mdgpu_sched_node *n);
struct mdgpu_sched_node *mdgpu_sched_tree_first(const struct mdgpu_sched_tree *t);
struct mdgpu_sched_node *mdgpu_sched_tree_after(const struct mdgpu_sched_tree *t,
						u64 key);
struct mdgpu_sched_node *mdgpu_sched_tree_eevdf(const struct mdgpu_sched_tree *t,
						u64 limit);

/* sched_stats.c */
void mdgpu_sched_account(struct mdgpu_sched_entity *e, bool running, u64 dt);
void mdgpu_sched_mark_ready(struct mdgpu_sched_entity *e, u64 now);
void mdgpu_sched_record_pick(struct mdgpu_sched_entity *e, u64 now);
unsigned int mdgpu_sched_hist_bucket(u64 wait_ns);
void mdgpu_sched_idle_begin(struct mdgpu_sched *s, u64 now);
void mdgpu_sched_idle_end(struct mdgpu_sched *s, u64 now);

/* sched_core.c */
void mdgpu_sched_update(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
			u64 now);
void mdgpu_sched_update_all(struct mdgpu_sched *s, u64 now);

/* True if virtual time @a is before @b, across wraparound. */
static inline bool mdgpu_vtime_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

#endif /* _MDGPU_SCHED_INTERNAL_H */
