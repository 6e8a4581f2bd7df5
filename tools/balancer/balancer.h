/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu-balancer: the daemon's own data, shared by main.c, input.c and
 * output.c. The decision logic (balance.h) knows nothing of it.
 */
#ifndef MDGPU_BALANCER_H
#define MDGPU_BALANCER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "balance.h"
#include "config.h"
#include "plan.h"
#include "mdgpuctl.h"
#include "relocate.h"

/**
 * struct mdgb_counters - one reading of a vGPU's cumulative statistics
 * @have: the reading is complete
 * @engine_us: engine_time_us
 * @wait_us: wait_time_us
 * @throttled_us: throttled_us
 * @lat_sum_us: wait_latency_sum_us
 * @lat_count: the total of wait_histogram's buckets
 * @lat_ewma_us: wait_latency_us (the module's moving average)
 */
struct mdgb_counters {
	bool have;
	int64_t engine_us;
	int64_t wait_us;
	int64_t throttled_us;
	int64_t lat_sum_us;
	int64_t lat_count;
	int64_t lat_ewma_us;
};

/**
 * struct mdgb_tracked - a vGPU the balancer has seen
 * @uuid: its UUID
 * @parent: its parent
 * @present: seen in this period's reading of sysfs
 * @managed: balancer.conf gives it bounds
 * @have_weight: its weight file was read this period
 * @prev: the previous reading (sysfs input)
 * @v: what mdgb_decide() sees and keeps
 * @d: this period's decision
 * @decisions: decisions per reason since start
 * @changes: weight changes since start
 * @mh: its moves (--move's hysteresis)
 */
struct mdgb_tracked {
	char uuid[MDG_UUID_LEN + 1];
	char parent[MDG_NAME_MAX];
	bool present;
	bool managed;
	bool have_weight;
	struct mdgb_counters prev;
	struct mdgb_vgpu v;
	struct mdgb_decision d;
	uint64_t decisions[MDGB_NR_REASONS];
	uint64_t changes;
	struct mdgb_move_hist mh;
};

/**
 * struct mdgb_parent_seen - a parent's load this period
 * @name: its name
 * @busy_us: engine_busy_us at the previous reading
 * @idle_us: engine_idle_us at the previous reading
 * @have: @busy_us and @idle_us hold a reading
 * @load: busy fraction and summed waiting over the period
 * @accounted: fraction of the period its engine accounted as busy or
 *	       idle, 1 if unknown (see mdgb_sample_account())
 * @policy: its scheduling policy
 */
struct mdgb_parent_seen {
	char name[MDG_NAME_MAX];
	int64_t busy_us;
	int64_t idle_us;
	bool have;
	struct mdgb_parent_load load;
	double accounted;
	char policy[32];
};

/**
 * struct mdgb_run - the daemon's state
 * @cfg: balancer.conf
 * @dry_run: decide and report, write nothing to sysfs
 * @move: perform the proposed moves (--move)
 * @prometheus: base URL of the Prometheus server, NULL = sysfs input
 * @window: range of the rate() queries, e.g. "1m"
 * @textfile: where the metrics go, NULL = nowhere
 * @sys: this period's reading of sysfs
 * @vgpus: every vGPU seen
 * @nr_vgpus: entries in @vgpus
 * @parents: every parent seen
 * @nr_parents: entries in @parents
 * @moves: this period's proposals (indices into @sys)
 * @nr_moves: entries in @moves
 * @unfit: this period's instances that no idle parent had room for
 * @nr_unfit: entries in @unfit
 * @move_results: moves made (--move) per result since start
 * @periods: periods decided so far
 * @last_read: monotonic time of the previous sysfs reading, seconds
 * @log: where decisions are logged (stdout: the journal)
 * @record: where each period's samples are appended (--record), or NULL
 */
struct mdgb_run {
	struct mdgb_config cfg;
	bool dry_run;
	bool move;
	const char *prometheus;
	const char *window;
	const char *textfile;
	struct mdg_system sys;
	struct mdgb_tracked *vgpus;
	size_t nr_vgpus;
	struct mdgb_parent_seen *parents;
	size_t nr_parents;
	struct mdgb_move moves[64];
	size_t nr_moves;
	struct mdgb_unfit unfit[64];
	size_t nr_unfit;
	uint64_t move_results[MDG_RELOC_NR];
	uint64_t periods;
	double last_read;
	FILE *log;
	FILE *record;
};

struct mdgb_tracked *mdgb_track(struct mdgb_run *r, const char *uuid);
struct mdgb_parent_seen *mdgb_parent_seen(struct mdgb_run *r,
					  const char *name);
double mdgb_now(void);
void mdgb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* input.c */
int mdgb_read_sysfs(struct mdgb_run *r);
int mdgb_read_prometheus(struct mdgb_run *r);

/* move.c */
void mdgb_perform_moves(struct mdgb_run *r);

/* output.c */
void mdgb_log_decisions(struct mdgb_run *r);
void mdgb_log_moves(struct mdgb_run *r);
void mdgb_record(struct mdgb_run *r);
int mdgb_write_textfile(const struct mdgb_run *r);

#endif /* MDGPU_BALANCER_H */
