/* SPDX-License-Identifier: GPL-2.0-only */
#include_next <linux/limits.h>
#include "../sched_shim.h"
