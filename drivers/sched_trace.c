// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place mdgpu's tracepoints (include/mdgpu_trace.h) are defined.
 */
#include "mdgpu_trace.h"

DEFINE_TRACE(mdgpu_sched_switch,
	     TP_PROTO(unsigned int parent, const guid_t *prev, const guid_t *next,
		      u64 budget_ns),
	     TP_ARGS(parent, prev, next, budget_ns));

DEFINE_TRACE(mdgpu_sched_preempt,
	     TP_PROTO(unsigned int parent, const guid_t *vgpu, u64 slice_ran_ns,
		      bool throttled),
	     TP_ARGS(parent, vgpu, slice_ran_ns, throttled));
