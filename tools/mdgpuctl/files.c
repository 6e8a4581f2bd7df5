// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: the module's files that are neither a statistic (stats.c) nor
 * a tunable (tunables.c), with what mdgpuctl does with each.
 *
 * Together with those two tables this is every file of the module's ABI
 * (Documentation/ABI/testing/) that mdgpuctl knows. The unit tests compare
 * the union with the ABI documents both ways, and check that every file of
 * the module a command touches is in the ABI, so the tool cannot silently
 * drift from the module.
 */
#include "mdgpuctl.h"

#define PARENT "/sys/class/mdgpu/<parent>/"
#define TYPE PARENT "mdev_supported_types/mdgpu-<size>/"
#define VGPU "/sys/bus/mdev/devices/<uuid>/mdgpu/"
#define MODULE "/sys/module/mdgpu/parameters/"

const struct mdg_file mdg_files[] = {
	{ PARENT "backend", "list, show" },
	{ PARENT "vram_total", "list, stats, show, fit, metrics" },
	{ PARENT "vram_used", "list, stats, show, fit, metrics" },
	{ PARENT "instances", "list, stats, show, metrics" },
	{ PARENT "health", "list, stats, show, create, fit, metrics" },
	{ PARENT "health_reason", "list, stats, show" },
	{ PARENT "compact", "compact (writes 1)" },
	{ TYPE "name", "list types" },
	{ TYPE "description", "list types, fit, create, evacuate" },
	{ TYPE "device_api", "list types" },
	{ TYPE "available_instances", "list types, create, fit, metrics" },
	{ TYPE "create", "create (writes the UUID)" },
	{ VGPU "migration_state", "show, checkpoint, restore" },
	{ VGPU "migration_compat", "show, restore, evacuate" },
	{ MODULE "parents", "stats, show" },
	{ MODULE "vram_mb", "stats, show" },
};

const size_t mdg_nr_files = ARRAY_SIZE(mdg_files);
