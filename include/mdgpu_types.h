/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vGPU types mdgpu offers on every parent. Plain constant data.
 */
#ifndef _MDGPU_TYPES_H
#define _MDGPU_TYPES_H

#include <linux/types.h>

/**
 * struct mdgpu_type_desc - one vGPU type
 * @sysfs_name: suffix of the type's directory under mdev_supported_types
 * @pretty_name: the type's ``name`` attribute
 * @vram_size: framebuffer (BAR0) size in bytes; a power of two
 * @max_width: largest horizontal resolution the display offers
 * @max_height: largest vertical resolution the display offers
 */
struct mdgpu_type_desc {
	const char *sysfs_name;
	const char *pretty_name;
	u64 vram_size;
	u32 max_width;
	u32 max_height;
};

extern const struct mdgpu_type_desc mdgpu_type_descs[];
extern const unsigned int mdgpu_nr_type_descs;

int mdgpu_type_describe(const struct mdgpu_type_desc *desc, u64 parent_vram,
			char *buf, size_t len);

#endif /* _MDGPU_TYPES_H */
