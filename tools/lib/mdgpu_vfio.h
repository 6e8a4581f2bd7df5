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
#include <linux/vfio.h>

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

/**
 * struct mdgpu_scanout - the primary plane, mapped for reading
 * @plane: what VFIO_DEVICE_QUERY_GFX_PLANE described
 * @dmabuf: the plane is a dma-buf (else the BAR0 region)
 * @pix: the first visible pixel; lines are @plane.stride bytes apart
 * @map: the mapping, @map_len bytes
 * @map_len: its length
 * @fd: the dma-buf fd, or -1
 */
struct mdgpu_scanout {
	struct vfio_device_gfx_plane_info plane;
	int dmabuf;
	const uint8_t *pix;
	void *map;
	size_t map_len;
	int fd;
};

int mdgpu_scanout_map(int device, struct mdgpu_scanout *s);
void mdgpu_scanout_unmap(struct mdgpu_scanout *s);
int mdgpu_dev_open(struct mdgpu_dev *dev, const char *uuid);
void mdgpu_dev_close(struct mdgpu_dev *dev);
off_t mdgpu_region_offset(unsigned int index);
int mdgpu_reg_read32(struct mdgpu_dev *dev, uint32_t off, uint32_t *val);
int mdgpu_reg_write32(struct mdgpu_dev *dev, uint32_t off, uint32_t val);
int mdgpu_reg_write16(struct mdgpu_dev *dev, uint32_t off, uint16_t val);
void *mdgpu_map_vram(struct mdgpu_dev *dev, size_t len);
int mdgpu_set_mode(struct mdgpu_dev *dev, unsigned int w, unsigned int h,
		   unsigned int bpp);
int mdgpu_mig_flags(int device, uint64_t *flags);
int mdgpu_mig_get_state(int device, uint32_t *state);
int mdgpu_mig_set_state(int device, uint32_t state, int *data_fd);
const char *mdgpu_mig_state_name(uint32_t state);

#endif
