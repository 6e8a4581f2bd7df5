/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu scheduler interface: which vGPU the parent's engine runs, and for
 * how long.
 *
 * The scheduler is pure logic over plain data: it never sleeps, takes no
 * lock, allocates nothing and reads no clock. The engine (engine_sched.c)
 * owns the locking (it calls every function here with its engine lock held)
 * and passes the current time in nanoseconds, always from ktime_get_ns()
 * (drivers/sched_sysfs.c reads statistics and applies tunables with the
 * same clock). KUnit drives the same
 * functions with a mock engine and a fake clock. Pick, preempt, charge,
 * wake and sleep are O(log n) in the number of entities; changing the
 * policy or the time slice is O(n log n). See Documentation/scheduler.rst.
 *
 * Protocol, as the engine uses it:
 *   mdgpu_sched_entity_init(), then set the entity's fixed share with
 *   mdgpu_sched_entity_set_share() (1 / max instances of its type), then
 *   mdgpu_sched_add() when a vGPU's engine context is created,
 *   mdgpu_sched_remove() before it is freed;
 *   mdgpu_sched_wake() when it gets work (doorbell), mdgpu_sched_sleep()
 *   when it has none left (ring empty, error, reset);
 *   loop: e = mdgpu_sched_pick(); run chunks of e, after each one
 *   mdgpu_sched_charge() with the time it took, then stop running e when
 *   mdgpu_sched_preempt() says so or e went to sleep.
 *   Tracing: trace_mdgpu_sched_switch() when pick returns an entity other
 *   than the one that ran before, trace_mdgpu_sched_preempt() when preempt
 *   returns true for an entity that still has work (include/mdgpu_trace.h).
 *   When mdgpu_sched_pick() returns NULL the engine idles for at most the
 *   budget it returned (U64_MAX: until a wake-up), then picks again; the
 *   fixed-share policy and caps make it idle with work pending.
 *   Watchdog: the engine sums the engine time of the job (command) it is
 *   running and, after each chunk, asks mdgpu_sched_watchdog_expired();
 *   when it says so the engine puts that vGPU into its error state (reason
 *   watchdog), stops its ring, calls mdgpu_sched_watchdog_fire() (which
 *   counts it and puts the entity to sleep) and picks again.
 */
#ifndef _MDGPU_SCHED_H
#define _MDGPU_SCHED_H

#include <linux/list.h>
#include <linux/types.h>

/**
 * enum mdgpu_sched_policy - how a parent's engine time is shared
 * @MDGPU_SCHED_BEST_EFFORT: work-conserving round robin, one slice each
 * @MDGPU_SCHED_EQUAL_SHARE: equal engine time among vGPUs with work
 * @MDGPU_SCHED_FIXED_SHARE: each vGPU at most its type's share, reserved
 *			     even while it is idle (the engine idles)
 * @MDGPU_SCHED_WEIGHTED: strict priority classes, weighted fair within a
 *			  class, with guaranteed minimum shares and caps
 * @MDGPU_SCHED_NR_POLICIES: number of policies
 */
enum mdgpu_sched_policy {
	MDGPU_SCHED_BEST_EFFORT,
	MDGPU_SCHED_EQUAL_SHARE,
	MDGPU_SCHED_FIXED_SHARE,
	MDGPU_SCHED_WEIGHTED,
	MDGPU_SCHED_NR_POLICIES,
};

#define MDGPU_SCHED_TIMESLICE_DEFAULT_NS	(2 * 1000 * 1000ULL)
#define MDGPU_SCHED_TIMESLICE_MIN_NS		(100 * 1000ULL)
#define MDGPU_SCHED_TIMESLICE_MAX_NS		(100 * 1000 * 1000ULL)
#define MDGPU_SCHED_WATCHDOG_DEFAULT_NS		(2000 * 1000 * 1000ULL)
#define MDGPU_SCHED_WATCHDOG_MAX_NS		(60000 * 1000 * 1000ULL)
#define MDGPU_SCHED_WEIGHT_MIN			1
#define MDGPU_SCHED_WEIGHT_MAX			10000
#define MDGPU_SCHED_WEIGHT_DEFAULT		100
#define MDGPU_SCHED_PRIO_MAX			7
/*
 * Most entities on one scheduler: a parent holds at most 65536 MiB of VRAM
 * (mdgpu.vram_mb) and the smallest type 64 MiB. The scheduler's arithmetic
 * is proven safe up to this many (scheduler/sched_policy.c).
 */
#define MDGPU_SCHED_MAX_ENTITIES		1024
/* Shares (fixed share, min_share, cap) in parts per million. */
#define MDGPU_SCHED_SHARE_ONE			1000000U
#define MDGPU_SCHED_PERCENT			10000U
/* Wait-latency histogram: bucket 0 < 2 us, bucket k in [2^k, 2^(k+1)) us. */
#define MDGPU_SCHED_HIST_BUCKETS		16

/**
 * struct mdgpu_sched_params - per-vGPU tunables (used by the weighted policy)
 * @weight: relative share within the priority class, 1..10000
 * @min_share: guaranteed share while the vGPU has work, parts per million
 *	       0..MDGPU_SCHED_SHARE_ONE (sysfs shows it in percent with up to
 *	       four decimals: one part per million)
 * @cap: most engine time the vGPU may use, percent 1..100, 0 = no cap
 * @priority: strict priority class 0..7, 7 runs first
 */
struct mdgpu_sched_params {
	u32 weight;
	u32 min_share;
	u32 cap;
	u32 priority;
};

/**
 * struct mdgpu_sched_entity_stats - accounting of one entity (all ns)
 * @run_ns: engine time used
 * @wait_ns: time it had work, was allowed to run and did not
 * @throttled_ns: time it had work but its cap or fixed share held it back
 * @slices: times it was picked, or its slice renewed
 * @preemptions: times it was told to yield with work left
 * @watchdog: jobs stopped by the watchdog
 * @wait_avg_ns: moving average (1/8) of the wait latencies
 * @wait_sum_ns: sum of the wait latencies counted in @wait_hist
 * @wait_hist: wait latencies (ready to picked), log2 buckets of us
 */
struct mdgpu_sched_entity_stats {
	u64 run_ns;
	u64 wait_ns;
	u64 throttled_ns;
	u64 slices;
	u64 preemptions;
	u64 watchdog;
	u64 wait_avg_ns;
	u64 wait_sum_ns;
	u64 wait_hist[MDGPU_SCHED_HIST_BUCKETS];
};

/**
 * struct mdgpu_sched_node - a place in one of the scheduler's ordered sets
 * @parent: parent node, NULL at the root
 * @left: subtree of smaller keys
 * @right: subtree of equal or larger keys
 * @prio: heap priority (random)
 * @key: position in the set
 * @aug: value whose subtree minimum is kept (a virtual deadline)
 * @tie: orders equal @aug values (when the entity was last picked)
 * @min: smallest @aug in the subtree
 * @min_tie: smallest @tie among the nodes of the subtree whose @aug is @min
 *
 * Written only by scheduler/sched_tree.c, under the engine lock like the
 * rest of the entity.
 */
struct mdgpu_sched_node {
	struct mdgpu_sched_node *parent, *left, *right;
	u32 prio;
	u64 key;
	u64 aug;
	u64 tie;
	u64 min;
	u64 min_tie;
};

/**
 * struct mdgpu_sched_tree - an ordered set of entities (a treap)
 * @root: its root node, or NULL
 * @nr: number of nodes
 * @seed: state of the priority generator
 */
struct mdgpu_sched_tree {
	struct mdgpu_sched_node *root;
	unsigned int nr;
	u32 seed;
};

/* The queues: one per priority class, then the owed ones, then round robin. */
#define MDGPU_SCHED_Q_OWED	(MDGPU_SCHED_PRIO_MAX + 1)
#define MDGPU_SCHED_Q_RR	(MDGPU_SCHED_PRIO_MAX + 2)
#define MDGPU_SCHED_NR_QUEUES	(MDGPU_SCHED_PRIO_MAX + 3)
#define MDGPU_SCHED_Q_NONE	0xff

/**
 * struct mdgpu_sched_entity - one vGPU as the scheduler sees it
 * @node: link in mdgpu_sched::entities
 * @runnable: the vGPU has work
 * @vtime: virtual time used for fair ordering (weighted engine time)
 * @params: tunables, changed only through mdgpu_sched_entity_set_params()
 * @share: fixed share in ppm (1 / max instances of the type)
 * @tokens: cap / fixed-share bucket, ns of engine time it may still use
 * @min_credit: ns of engine time owed to meet its min_share
 * @last_update: time of the last accounting update
 * @ready_since: time it became ready to run (for the wait latency)
 * @ready: @ready_since is armed
 * @throttled: held back by its cap or fixed share at @last_update
 * @stats: accounting
 * @seq: order of mdgpu_sched_add() calls, for round robin
 * @picked: mdgpu_sched::picks when it was last picked (or its slice
 *	    renewed), 0 if never: of equal virtual deadlines the fair
 *	    policies pick the one that ran least recently
 * @queue: the queue @run is in (MDGPU_SCHED_Q_*, a class), or
 *	   MDGPU_SCHED_Q_NONE when it may not run
 * @qclass: its class when it was queued
 * @qweight: its weight when it was queued
 * @run: its place in @queue
 * @timed: @timer is in mdgpu_sched::timers
 * @timer: when its bucket lets it run again or it becomes owed its minimum
 * @reserved: engine share (ppm) reserved for it by its parent
 *	      (scheduler/sched_reserve.c): admission counts its minimum as at
 *	      least this much, so it can always get this much back
 *
 * Like the scheduler, every member is written under the engine lock
 * (mdgpu_engine::lock), by the scheduler's functions only.
 */
struct mdgpu_sched_entity {
	struct list_head node;
	bool runnable;
	u64 vtime;
	struct mdgpu_sched_params params;
	u32 share;
	s64 tokens;
	s64 min_credit;
	u64 last_update;
	u64 ready_since;
	bool ready;
	bool throttled;
	struct mdgpu_sched_entity_stats stats;
	u64 seq;
	u64 picked;
	u8 queue;
	u8 qclass;
	u32 qweight;
	struct mdgpu_sched_node run;
	bool timed;
	struct mdgpu_sched_node timer;
	u32 reserved;
};

/**
 * struct mdgpu_sched_stats - accounting of one parent's engine (ns)
 * @busy_ns: engine time charged to entities
 * @idle_ns: time the engine had nothing picked
 * @switches: picks of an entity other than the previous one
 */
struct mdgpu_sched_stats {
	u64 busy_ns;
	u64 idle_ns;
	u64 switches;
};

/**
 * struct mdgpu_sched - the scheduler of one parent's engine
 * @entities: every entity, runnable or not, in round-robin order
 * @nr_entities: number of entries in @entities
 * @timeslice_ns: how long a vGPU runs before it can be preempted
 * @cur: the entity picked last and not yet preempted, or NULL
 * @last: the entity that ran last (for switch counting), or NULL
 * @slice_start: time @cur was picked or its slice renewed
 * @slice_budget: length of @cur's slice, ns
 * @cur_owed: @cur was picked to pay back its minimum share
 * @policy: enum mdgpu_sched_policy
 * @watchdog_ns: per-job engine time limit, 0 = off
 * @vclock: per priority class, the virtual time of the entity picked last
 * @idle: nothing is picked; @idle_since is when the engine went idle
 * @idle_since: see @idle
 * @stats: accounting
 * @queues: entities that may run: per class (fair policies, ordered by
 *	    virtual time), the owed ones (ordered by key), all runnable
 *	    ones (best effort, in @entities order)
 * @qsum: per fair queue, the sum of weight x key (modulo 2^64: the true
 *	  sum fits an s64, see sched_policy.c)
 * @qweight: per fair queue, the sum of weights
 * @owed_sum: per class, @qsum of its entities in the owed queue
 * @owed_weight: per class, their weights
 * @timers: runnable entities by the time their bucket or credit changes
 *	    what they may do
 * @next_seq: &mdgpu_sched_entity.seq of the next entity added
 * @picks: picks and renewed slices so far
 * @sweep: the next entity brought up to date by a pick (every entity in
 *	   turn, so no virtual time drifts a wraparound away), or NULL
 * @min_share_sum: the entities' minimum shares added up (ppm)
 * @reserved_unheld: engine share (ppm) reserved for instances that do not
 *		     exist (sched_reserve.c): no minimum share may use it
 *
 * Every member is written under the engine lock (mdgpu_engine::lock).
 */
struct mdgpu_sched {
	struct list_head entities;
	unsigned int nr_entities;
	u64 timeslice_ns;
	struct mdgpu_sched_entity *cur;
	struct mdgpu_sched_entity *last;
	u64 slice_start;
	u64 slice_budget;
	bool cur_owed;
	enum mdgpu_sched_policy policy;
	u64 watchdog_ns;
	u64 vclock[MDGPU_SCHED_PRIO_MAX + 1];
	bool idle;
	u64 idle_since;
	struct mdgpu_sched_stats stats;
	struct mdgpu_sched_tree queues[MDGPU_SCHED_NR_QUEUES];
	u64 qsum[MDGPU_SCHED_Q_OWED + 1];
	u64 qweight[MDGPU_SCHED_Q_OWED + 1];
	u64 owed_sum[MDGPU_SCHED_PRIO_MAX + 1];
	u64 owed_weight[MDGPU_SCHED_PRIO_MAX + 1];
	struct mdgpu_sched_tree timers;
	u64 next_seq;
	u64 picks;
	struct mdgpu_sched_entity *sweep;
	u64 min_share_sum;
	u64 reserved_unheld;
};

/* sched_core.c: the engine's calls */
void mdgpu_sched_init(struct mdgpu_sched *s);
void mdgpu_sched_entity_init(struct mdgpu_sched_entity *e);
void mdgpu_sched_entity_set_share(struct mdgpu_sched_entity *e,
				  unsigned int max_instances);
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

/* sched_watchdog.c */
bool mdgpu_sched_watchdog_expired(const struct mdgpu_sched *s,
				  const struct mdgpu_sched_entity *e,
				  u64 job_ns);
void mdgpu_sched_watchdog_fire(struct mdgpu_sched *s,
			       struct mdgpu_sched_entity *e, u64 now);

/* sched_tunables.c: validated changes; on error nothing changes */
const char *mdgpu_sched_policy_name(enum mdgpu_sched_policy policy);
int mdgpu_sched_policy_parse(const char *buf);
int mdgpu_sched_set_policy(struct mdgpu_sched *s, int policy, u64 now);
int mdgpu_sched_check_timeslice(u64 ns);
int mdgpu_sched_set_timeslice(struct mdgpu_sched *s, u64 ns);
int mdgpu_sched_check_watchdog(u64 ns);
int mdgpu_sched_set_watchdog(struct mdgpu_sched *s, u64 ns);
int mdgpu_sched_check_params(const struct mdgpu_sched *s,
			     const struct mdgpu_sched_entity *e,
			     const struct mdgpu_sched_params *p);
int mdgpu_sched_entity_set_params(struct mdgpu_sched *s,
				  struct mdgpu_sched_entity *e,
				  const struct mdgpu_sched_params *p,
				  u64 now);

/*
 * sched_reserve.c: engine share reserved for named instances, admitted
 * against the minimum shares (both in parts per million).
 */
u64 mdgpu_sched_committed(const struct mdgpu_sched *s,
			  const struct mdgpu_sched_entity *e,
			  const struct mdgpu_sched_params *p);
int mdgpu_sched_reserve_check(const struct mdgpu_sched *s,
			      const struct mdgpu_sched_entity *e,
			      const struct mdgpu_sched_params *p);
int mdgpu_sched_reserve_add(struct mdgpu_sched *s, u32 ppm);
void mdgpu_sched_reserve_drop(struct mdgpu_sched *s, u32 ppm);
int mdgpu_sched_reserve_attach(struct mdgpu_sched *s,
			       struct mdgpu_sched_entity *e, u32 ppm,
			       u32 priority, u64 now);
void mdgpu_sched_reserve_detach(struct mdgpu_sched *s,
				struct mdgpu_sched_entity *e, u64 now);

/* sched_stats.c: consistent snapshots, brought up to @now */
void mdgpu_sched_stats_snapshot(struct mdgpu_sched *s, u64 now,
				struct mdgpu_sched_stats *out);
void mdgpu_sched_entity_stats_snapshot(struct mdgpu_sched *s,
				       struct mdgpu_sched_entity *e, u64 now,
				       struct mdgpu_sched_entity_stats *out);

#endif /* _MDGPU_SCHED_H */
