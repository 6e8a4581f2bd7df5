/* SPDX-License-Identifier: GPL-2.0-only */
#include "../sched_shim.h"
