/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal helpers to open an mdgpu instance through VFIO from userspace,
 * the way a VMM does (group/container path). The seed of libmdgpu.
 */
#ifndef MDGPU_VFIO_H
#define MDGPU_VFIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * struct mdgpu_dev - an open instance
 * @container: /dev/vfio/vfio fd
 * @group: /dev/vfio/N fd
 * @fd: the device fd
 */
struct mdgpu_dev {
	int container;
	int group;
	int fd;
};

int mdgpu_dev_open(struct mdgpu_dev *dev, const char *uuid);
void mdgpu_dev_close(struct mdgpu_dev *dev);
off_t mdgpu_region_offset(unsigned int index);
int mdgpu_reg_read32(struct mdgpu_dev *dev, uint32_t off, uint32_t *val);
int mdgpu_reg_write32(struct mdgpu_dev *dev, uint32_t off, uint32_t val);
int mdgpu_reg_write16(struct mdgpu_dev *dev, uint32_t off, uint16_t val);
void *mdgpu_map_vram(struct mdgpu_dev *dev, size_t len);
int mdgpu_set_mode(struct mdgpu_dev *dev, unsigned int w, unsigned int h,
		   unsigned int bpp);

#endif
