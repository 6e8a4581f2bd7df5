/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu tracepoints: the scheduler's switches and preemptions, emitted by
 * the engine (drivers/engine.c) right after mdgpu_sched_pick() returned an
 * entity other than the one that ran before, and after
 * mdgpu_sched_preempt() returned true for an entity that still has work.
 * Defined once, in drivers/sched_trace.c. vGPUs are named by their mdev
 * UUID (NULL: none, shown as zeroes). Events: mdgpu:mdgpu_sched_switch,
 * mdgpu:mdgpu_sched_preempt.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mdgpu

#if !defined(_MDGPU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MDGPU_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uuid.h>

TRACE_EVENT(mdgpu_sched_switch,
	TP_PROTO(unsigned int parent, const guid_t *prev, const guid_t *next,
		 u64 budget_ns),
	TP_ARGS(parent, prev, next, budget_ns),
	TP_STRUCT__entry(
		__field(unsigned int, parent)
		__array(u8, prev, 16)
		__array(u8, next, 16)
		__field(u64, budget_ns)
	),
	TP_fast_assign(
		__entry->parent = parent;
		if (prev)
			memcpy(__entry->prev, prev, 16);
		else
			memset(__entry->prev, 0, 16);
		if (next)
			memcpy(__entry->next, next, 16);
		else
			memset(__entry->next, 0, 16);
		__entry->budget_ns = budget_ns;
	),
	TP_printk("sim%u prev=%pUl next=%pUl budget_ns=%llu", __entry->parent,
		  __entry->prev, __entry->next, __entry->budget_ns)
);

TRACE_EVENT(mdgpu_sched_preempt,
	TP_PROTO(unsigned int parent, const guid_t *vgpu, u64 slice_ran_ns,
		 bool throttled),
	TP_ARGS(parent, vgpu, slice_ran_ns, throttled),
	TP_STRUCT__entry(
		__field(unsigned int, parent)
		__array(u8, vgpu, 16)
		__field(u64, slice_ran_ns)
		__field(bool, throttled)
	),
	TP_fast_assign(
		__entry->parent = parent;
		if (vgpu)
			memcpy(__entry->vgpu, vgpu, 16);
		else
			memset(__entry->vgpu, 0, 16);
		__entry->slice_ran_ns = slice_ran_ns;
		__entry->throttled = throttled;
	),
	TP_printk("sim%u vgpu=%pUl slice_ran_ns=%llu throttled=%d",
		  __entry->parent, __entry->vgpu, __entry->slice_ran_ns,
		  __entry->throttled)
);

#endif /* _MDGPU_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mdgpu_trace
#include <trace/define_trace.h>
