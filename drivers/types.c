// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the table of vGPU types and their descriptions.
 */
#include <linux/kernel.h>
#include <linux/sizes.h>

#include "mdgpu_types.h"
#include "uapi/mdgpu.h"
#include "uapi/mdgpu_migration.h"

/* Sorted by framebuffer size; every size is a power of two. */
const struct mdgpu_type_desc mdgpu_type_descs[] = {
	{ "64M",  "mdgpu 64M",  SZ_64M,  1920, 1080 },
	{ "128M", "mdgpu 128M", SZ_128M, 2560, 1600 },
	{ "256M", "mdgpu 256M", SZ_256M, 3840, 2160 },
	{ "512M", "mdgpu 512M", SZ_512M, 3840, 2400 },
};

const unsigned int mdgpu_nr_type_descs = ARRAY_SIZE(mdgpu_type_descs);

/**
 * mdgpu_type_describe() - format a type's ``description`` attribute
 * @desc: the type
 * @parent_vram: VRAM size of the parent the type is offered on
 * @buf: output buffer
 * @len: size of @buf
 *
 * The description is one line of space-separated ``key=value`` pairs, so
 * management tools can parse it. The migration pairs are the parts of the
 * instances' ``migration_compat`` that the type does not already say.
 *
 * Return: the number of characters written, as scnprintf().
 */
int mdgpu_type_describe(const struct mdgpu_type_desc *desc, u64 parent_vram,
			char *buf, size_t len)
{
	return scnprintf(buf, len,
			 "framebuffer=%lluM max_instances=%llu max_resolution=%ux%u display=bochs-vbe migration=%u device_version=0x%08x regs_layout=%u features=0x%x\n",
			 desc->vram_size >> 20,
			 parent_vram / desc->vram_size,
			 desc->max_width, desc->max_height,
			 MDGPU_MIG_VERSION, MDGPU_DEVICE_VERSION,
			 MDGPU_MIG_REGS_LAYOUT, MDGPU_MIG_FEATURES);
}
