// SPDX-License-Identifier: GPL-2.0-only
/*
 * Minimal helpers to open an mdgpu instance through VFIO from userspace.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mdgpu_vfio.h"
#include "uapi/mdgpu.h"

/* As the kernel encodes it: region index in the upper bits. */
off_t mdgpu_region_offset(unsigned int index)
{
	return (off_t)index << 40;
}

/* Returns the device fd, or -1 with errno set. */
int mdgpu_dev_open(struct mdgpu_dev *dev, const char *uuid)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[PATH_MAX], link[PATH_MAX];
	const char *num;
	ssize_t n;

	dev->container = dev->group = dev->fd = -1;
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group",
		 uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	num = strrchr(link, '/');
	if (!num) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%s", num + 1);
	dev->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (dev->container < 0)
		return -1;
	dev->group = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group < 0)
		return -1;
	if (ioctl(dev->group, VFIO_GROUP_GET_STATUS, &st))
		return -1;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		return -1;
	}
	if (ioctl(dev->group, VFIO_GROUP_SET_CONTAINER, &dev->container) ||
	    ioctl(dev->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -1;
	dev->fd = ioctl(dev->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	return dev->fd;
}

void mdgpu_dev_close(struct mdgpu_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	if (dev->group >= 0)
		close(dev->group);
	if (dev->container >= 0)
		close(dev->container);
	dev->container = dev->group = dev->fd = -1;
}

static off_t bar2(uint32_t off)
{
	return mdgpu_region_offset(VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS) +
	       off;
}

int mdgpu_reg_read32(struct mdgpu_dev *dev, uint32_t off, uint32_t *val)
{
	return pread(dev->fd, val, 4, bar2(off)) == 4 ? 0 : -1;
}

int mdgpu_reg_write32(struct mdgpu_dev *dev, uint32_t off, uint32_t val)
{
	return pwrite(dev->fd, &val, 4, bar2(off)) == 4 ? 0 : -1;
}

int mdgpu_reg_write16(struct mdgpu_dev *dev, uint32_t off, uint16_t val)
{
	return pwrite(dev->fd, &val, 2, bar2(off)) == 2 ? 0 : -1;
}

void *mdgpu_map_vram(struct mdgpu_dev *dev, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd,
		       mdgpu_region_offset(VFIO_PCI_BAR0_REGION_INDEX +
					   MDGPU_BAR_VRAM));

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Program a mode the way the guest's bochs driver does: display off, mode
 * registers, then on. Returns 0 if the display came on.
 */
int mdgpu_set_mode(struct mdgpu_dev *dev, unsigned int w, unsigned int h,
		   unsigned int bpp)
{
	static const struct { unsigned int reg; int what; } seq[] = {
		{ 4, 0 }, { 3, 3 }, { 1, 1 }, { 2, 2 }, { 5, -1 },
		{ 6, 1 }, { 7, 2 }, { 8, -1 }, { 9, -1 }, { 4, 4 },
	};
	uint32_t status;
	size_t i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		unsigned int v = 0;

		switch (seq[i].what) {
		case 1: v = w; break;
		case 2: v = h; break;
		case 3: v = bpp; break;
		case 4: v = 0x41; break;	/* ENABLED | LFB_ENABLED */
		}
		if (mdgpu_reg_write16(dev, MDGPU_DISPI_REG(seq[i].reg), v))
			return -1;
	}
	if (mdgpu_reg_read32(dev, MDGPU_REG_DISPLAY_STATUS, &status))
		return -1;
	if (!(status & MDGPU_DISPLAY_ENABLED)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int query_plane(int device, uint32_t flags,
		       struct vfio_device_gfx_plane_info *p)
{
	memset(p, 0, sizeof(*p));
	p->argsz = sizeof(*p);
	p->flags = flags;
	p->drm_plane_type = 1;	/* DRM_PLANE_TYPE_PRIMARY */
	return ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, p);
}

/**
 * mdgpu_scanout_map() - map what the primary plane shows, as QEMU finds it
 * @device: the VFIO device fd
 * @s: filled in; release with mdgpu_scanout_unmap()
 *
 * Takes a dma-buf plane if the instance offers them (its plane_types
 * attribute), else a region plane, whose region is mapped.
 *
 * Return: 0, or -1 with errno set: ENODATA when the plane is empty
 * (display off, or a scanout the plane type cannot describe), EOPNOTSUPP
 * when the instance offers neither plane type.
 */
int mdgpu_scanout_map(int device, struct mdgpu_scanout *s)
{
	struct vfio_device_gfx_plane_info probe;
	long page = sysconf(_SC_PAGESIZE);
	off_t off = 0;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->map = MAP_FAILED;
	if (!query_plane(device, VFIO_GFX_PLANE_TYPE_PROBE |
			 VFIO_GFX_PLANE_TYPE_DMABUF, &probe))
		s->dmabuf = 1;
	else if (query_plane(device, VFIO_GFX_PLANE_TYPE_PROBE |
			     VFIO_GFX_PLANE_TYPE_REGION, &probe)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (query_plane(device, s->dmabuf ? VFIO_GFX_PLANE_TYPE_DMABUF :
			VFIO_GFX_PLANE_TYPE_REGION, &s->plane))
		return -1;
	if (!s->plane.drm_format || !s->plane.size) {
		errno = ENODATA;
		return -1;
	}
	s->map_len = (s->plane.size + page - 1) / page * page;
	if (s->dmabuf) {
		s->fd = ioctl(device, VFIO_DEVICE_GET_GFX_DMABUF,
			      &s->plane.dmabuf_id);
		if (s->fd < 0)
			return -1;
		s->map = mmap(NULL, s->map_len, PROT_READ, MAP_SHARED, s->fd, 0);
	} else {
		off = mdgpu_region_offset(s->plane.region_index);
		s->map = mmap(NULL, s->map_len, PROT_READ, MAP_SHARED, device,
			      off);
	}
	if (s->map == MAP_FAILED) {
		mdgpu_scanout_unmap(s);
		return -1;
	}
	s->pix = s->map;
	return 0;
}

/**
 * mdgpu_scanout_unmap() - release what mdgpu_scanout_map() took
 * @s: the scanout; may be partly set up
 */
void mdgpu_scanout_unmap(struct mdgpu_scanout *s)
{
	int err = errno;

	if (s->map && s->map != MAP_FAILED)
		munmap(s->map, s->map_len);
	if (s->fd >= 0)
		close(s->fd);
	s->map = MAP_FAILED;
	s->fd = -1;
	errno = err;
}

/* A VFIO_DEVICE_FEATURE call with @len bytes of data. */
static int device_feature(int device, uint32_t flags, void *data, size_t len)
{
	struct vfio_device_feature *f;
	int ret, err;

	f = calloc(1, sizeof(*f) + len);
	if (!f)
		return -1;
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	memcpy(f->data, data, len);
	ret = ioctl(device, VFIO_DEVICE_FEATURE, f);
	err = errno;
	if (!ret)
		memcpy(data, f->data, len);
	free(f);
	errno = err;
	return ret;
}

/**
 * mdgpu_mig_flags() - the device's VFIO migration capabilities
 * @device: the VFIO device fd
 * @flags: VFIO_MIGRATION_* (STOP_COPY, P2P, PRE_COPY)
 *
 * Return: 0, or -1 with errno set (ENOTTY or EINVAL when the device does
 * not support migration).
 */
int mdgpu_mig_flags(int device, uint64_t *flags)
{
	struct vfio_device_feature_migration mig = { 0 };

	if (device_feature(device, VFIO_DEVICE_FEATURE_GET |
			   VFIO_DEVICE_FEATURE_MIGRATION, &mig, sizeof(mig)))
		return -1;
	*flags = mig.flags;
	return 0;
}

/**
 * mdgpu_mig_get_state() - the device's migration state
 * @device: the VFIO device fd
 * @state: enum vfio_device_mig_state
 *
 * Return: 0, or -1 with errno set.
 */
int mdgpu_mig_get_state(int device, uint32_t *state)
{
	struct vfio_device_feature_mig_state st = { 0 };

	if (device_feature(device, VFIO_DEVICE_FEATURE_GET |
			   VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &st,
			   sizeof(st)))
		return -1;
	*state = st.device_state;
	return 0;
}

/**
 * mdgpu_mig_set_state() - move the device to a migration state
 * @device: the VFIO device fd
 * @state: the new enum vfio_device_mig_state; the VFIO core takes the
 *	   arcs in between
 * @data_fd: if not NULL, receives the data fd of a saving or resuming
 *	     state, else -1
 *
 * Return: 0, or -1 with errno set; the device may then be in ERROR
 * (mdgpu_mig_get_state() tells), from which VFIO_DEVICE_RESET returns it.
 */
int mdgpu_mig_set_state(int device, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state st = {
		.device_state = state,
		.data_fd = -1,
	};

	if (data_fd)
		*data_fd = -1;
	if (device_feature(device, VFIO_DEVICE_FEATURE_SET |
			   VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &st,
			   sizeof(st)))
		return -1;
	if (data_fd)
		*data_fd = st.data_fd;
	else if (st.data_fd >= 0)
		close(st.data_fd);
	return 0;
}

/**
 * mdgpu_mig_state_name() - "RUNNING", "STOP_COPY" and so on
 * @state: enum vfio_device_mig_state
 *
 * Return: the name, or "?".
 */
const char *mdgpu_mig_state_name(uint32_t state)
{
	static const char *const names[] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING",
		"RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P", NULL,
	};
	uint32_t i;

	for (i = 0; names[i]; i++)
		if (i == state)
			return names[i];
	return "?";
}
