/* SPDX-License-Identifier: GPL-2.0-only */
/* The uAPI types (__u32, __le32) and the kernel's own (u32). */
#include_next <linux/types.h>
#include "../mdgpu_shim.h"
