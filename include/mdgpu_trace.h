/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu tracepoints: the scheduler's switches and preemptions, emitted by
 * the engine (drivers/engine_sched.c) right after mdgpu_sched_pick() returned an
 * entity other than the one that ran before, and after
 * mdgpu_sched_preempt() returned true for an entity that still has work.
 * Defined once, in drivers/sched_trace.c. vGPUs are named by their mdev
 * UUID (the previous one: zeroes before the first switch).
 *
 * These are bare tracepoints (DECLARE_TRACE), not trace events: attach to
 * them with BPF (e.g. bpftrace's rawtracepoint probes) or a probe module.
 * Trace events were tried and dropped: their tracefs files are created at
 * module load, and the 6.12 trace core WARNs when one of those allocations
 * fails, which made module loading under fault injection (the
 * module_lifecycle selftest) trip panic_on_warn in the debug kernel.
 */
#ifndef _MDGPU_TRACE_H
#define _MDGPU_TRACE_H

#include <linux/tracepoint.h>
#include <linux/uuid.h>

DECLARE_TRACE(mdgpu_sched_switch,
	      TP_PROTO(unsigned int parent, const guid_t *prev, const guid_t *next,
		       u64 budget_ns),
	      TP_ARGS(parent, prev, next, budget_ns));

DECLARE_TRACE(mdgpu_sched_preempt,
	      TP_PROTO(unsigned int parent, const guid_t *vgpu, u64 slice_ran_ns,
		       bool throttled),
	      TP_ARGS(parent, vgpu, slice_ran_ns, throttled));

#endif /* _MDGPU_TRACE_H */
