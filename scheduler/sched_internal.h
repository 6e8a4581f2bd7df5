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
s64 mdgpu_sched_avg_key(const struct mdgpu_sched *s,
			const struct mdgpu_sched_entity *ref,
			bool (*member)(const struct mdgpu_sched *s,
				       const struct mdgpu_sched_entity *ref,
				       const struct mdgpu_sched_entity *e),
			const struct mdgpu_sched_entity *skip);
void mdgpu_sched_place(struct mdgpu_sched *s, struct mdgpu_sched_entity *e,
		       bool fresh);
void mdgpu_sched_advance_vclock(struct mdgpu_sched *s,
				const struct mdgpu_sched_entity *e);
void mdgpu_sched_rebase(struct mdgpu_sched *s);
u64 mdgpu_sched_budget(const struct mdgpu_sched *s,
		       const struct mdgpu_sched_entity *e, bool owed);
u64 mdgpu_sched_throttle_wait(const struct mdgpu_sched_entity *e, u32 rate);

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
