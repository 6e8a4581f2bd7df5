/* SPDX-License-Identifier: GPL-2.0-only */
#include "../mdgpu_shim.h"
