// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place mdgpu's tracepoints (include/mdgpu_trace.h) are defined.
 */
#define CREATE_TRACE_POINTS
#include "mdgpu_trace.h"
