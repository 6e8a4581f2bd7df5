/* SPDX-License-Identifier: GPL-2.0-only */
/* static_assert() with an optional message, as the kernel has it. */
#ifndef _MDGPU_SHIM_BUILD_BUG_H
#define _MDGPU_SHIM_BUILD_BUG_H
#include "../mdgpu_shim.h"
#undef static_assert
#define static_assert(expr, ...) __mdgpu_static_assert(expr, ##__VA_ARGS__, #expr)
#define __mdgpu_static_assert(expr, msg, ...) _Static_assert(expr, msg)
#endif
