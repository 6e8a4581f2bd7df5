/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmdgpu's VFIO access layer: the one way userspace (mdgpuctl, the tools
 * in tools/, the selftests) opens an mdgpu instance and reaches its
 * regions, interrupts and device features. libmdgpu.h builds the engine
 * driver (rings, fences, DMA buffers) on top of it.
 *
 * Opening: by UUID or by the instance's sysfs path, through the VFIO group
 * and a type1 container (every kernel) or through the device cdev bound to
 * iommufd (6.6+ kernels built with VFIO_DEVICE_CDEV).
 *
 * Regions: a region is named by its VFIO index (VFIO_PCI_*_REGION_INDEX,
 * or a device-specific index such as the EDID region's). Where a region
 * sits in the device file is what VFIO_DEVICE_GET_REGION_INFO reports, and
 * nothing else: the library keeps the reported table of every device fd it
 * has seen (loaded when it opens a device, or at the first access to a fd
 * it did not open) and adds the offset inside the region to the reported
 * start. It does not check that offset against the region's size, so tests
 * can reach the kernel's own bounds checks through it.
 *
 * Conventions: functions that can fail return 0 (or a byte count, or a
 * non-negative value) on success and a negative errno on failure, with
 * errno also set; they never print. Register and config values are
 * little-endian, as is every host mdgpu runs on.
 */
#ifndef MDGPU_VFIO_H
#define MDGPU_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

#include "vfio_compat.h"

#define MDGPU_MDEV_DIR		"/sys/bus/mdev/devices"

/* Most region indices the library keeps (the PCI ones and the EDID one). */
#define MDGPU_MAX_REGIONS	16

/**
 * struct mdgpu_vfio - an opened instance
 * @container: /dev/vfio/vfio, or -1 (cdev path)
 * @group: /dev/vfio/N, or -1 (cdev path)
 * @iommufd: /dev/iommu, or -1 (group path)
 * @ioas_id: the IOAS the device is attached to (cdev path), else 0
 * @device: the VFIO device fd, or -1
 */
struct mdgpu_vfio {
	int container;
	int group;
	int iommufd;
	uint32_t ioas_id;
	int device;
};

#define MDGPU_VFIO_INIT	{ .container = -1, .group = -1, .iommufd = -1, \
			  .device = -1 }

/**
 * struct mdgpu_region - one region as VFIO_DEVICE_GET_REGION_INFO reports it
 * @valid: the kernel answered for this index
 * @flags: VFIO_REGION_INFO_FLAG_*
 * @size: bytes
 * @offset: where the region starts in the device file
 */
struct mdgpu_region {
	bool valid;
	uint32_t flags;
	uint64_t size;
	uint64_t offset;
};

/**
 * struct mdgpu_region_table - a device's regions
 * @num: VFIO_DEVICE_GET_INFO's num_regions, at most MDGPU_MAX_REGIONS
 * @region: indexed by region index; entries at and above @num are invalid
 */
struct mdgpu_region_table {
	unsigned int num;
	struct mdgpu_region region[MDGPU_MAX_REGIONS];
};

/* --- opening ------------------------------------------------------------ */

/**
 * mdgpu_vfio_open_group() - open @uuid through its group and a container
 * @uuid: the mdev's UUID
 * @v: filled in; all -1 after a failure
 *
 * Sets up the container with the type1v2 (else type1) IOMMU, gets the
 * device fd and loads its region table.
 */
int mdgpu_vfio_open_group(const char *uuid, struct mdgpu_vfio *v);

/**
 * mdgpu_vfio_group_setup() - the first half of mdgpu_vfio_open_group():
 * open the container and the group and set the IOMMU, no device yet
 * @uuid: the mdev's UUID
 * @v: filled in; all -1 after a failure
 */
int mdgpu_vfio_group_setup(const char *uuid, struct mdgpu_vfio *v);

/**
 * mdgpu_vfio_get_device() - the second half: VFIO_GROUP_GET_DEVICE_FD
 * into @v->device. Makes no other call into the device (tests inject
 * faults into exactly this one); the region table is loaded at the first
 * region access.
 * @uuid: the mdev's UUID
 * @v: set up by mdgpu_vfio_group_setup()
 */
int mdgpu_vfio_get_device(const char *uuid, struct mdgpu_vfio *v);

/**
 * mdgpu_vfio_cdev_path() - path of @uuid's VFIO device cdev
 * @uuid: the mdev's UUID
 * @buf: receives the path
 * @len: size of @buf
 *
 * When devtmpfs has no node, makes a private one under /tmp (the caller
 * unlinks it after opening).
 *
 * Return: 0, -ENOENT when the kernel has no device cdevs, or -errno.
 */
int mdgpu_vfio_cdev_path(const char *uuid, char *buf, size_t len);

/**
 * mdgpu_vfio_open_cdev() - open @uuid through its cdev and iommufd
 * @uuid: the mdev's UUID
 * @v: filled in; all -1 after a failure
 *
 * Binds the device to a new iommufd, attaches it to a new IOAS and loads
 * its region table.
 *
 * Return: 0, -ENOENT when the kernel has no device cdevs or no iommufd,
 * or -errno.
 */
int mdgpu_vfio_open_cdev(const char *uuid, struct mdgpu_vfio *v);

/** mdgpu_vfio_cdev_available() - whether mdgpu_vfio_open_cdev() can work */
bool mdgpu_vfio_cdev_available(const char *uuid);

/**
 * mdgpu_vfio_open() - open an instance named by UUID or by sysfs path
 * @name: a UUID, or a path whose last component is one
 *	  (/sys/bus/mdev/devices/UUID, /sys/devices/.../UUID)
 * @cdev: through the cdev and iommufd, else the group
 * @v: filled in; all -1 after a failure
 */
int mdgpu_vfio_open(const char *name, bool cdev, struct mdgpu_vfio *v);

/**
 * mdgpu_vfio_close() - close what @v holds and forget the device's region
 * table; @v is all -1 afterwards
 */
void mdgpu_vfio_close(struct mdgpu_vfio *v);

/**
 * mdgpu_vfio_release_all() - unmap every VFIO mapping and close every VFIO
 * and iommufd file of this process (a forked test process that must let
 * go of devices it did not open itself), and forget all region tables
 */
void mdgpu_vfio_release_all(void);

/* --- regions ------------------------------------------------------------ */

/**
 * mdgpu_region_table_load() - ask the kernel for a device's regions
 * @device: the VFIO device fd
 * @t: filled in
 *
 * VFIO_DEVICE_GET_INFO, then VFIO_DEVICE_GET_REGION_INFO for every index
 * below num_regions (at most MDGPU_MAX_REGIONS).
 */
int mdgpu_region_table_load(int device, struct mdgpu_region_table *t);

/**
 * mdgpu_region_table_pos() - file position of byte @off of region @index
 * @t: the table
 * @index: region index
 * @off: offset inside the region (not checked against its size)
 * @pos: receives the position
 *
 * Pure. Return: 0, -EINVAL for an index the kernel did not report,
 * -EOVERFLOW if the position does not fit in off_t.
 */
int mdgpu_region_table_pos(const struct mdgpu_region_table *t,
			   unsigned int index, uint64_t off, off_t *pos);

/**
 * mdgpu_region_info() - region @index of @device, from the library's table
 * (loaded on first use)
 * @device: the VFIO device fd
 * @index: region index
 * @info: receives the entry
 *
 * Return: 0, -EINVAL for an index the kernel did not report, or the
 * error of loading the table.
 */
int mdgpu_region_info(int device, unsigned int index,
		      struct mdgpu_region *info);

/**
 * mdgpu_region_pos() - file position of byte @off of region @index, for
 * callers that pread/pwrite/mmap the device fd themselves
 */
int mdgpu_region_pos(int device, unsigned int index, uint64_t off,
		     off_t *pos);

/**
 * mdgpu_region_find() - the device-specific region with a type capability
 * of @type/@subtype (VFIO_REGION_TYPE_GFX/VFIO_REGION_SUBTYPE_GFX_EDID for
 * the EDID region), as QEMU finds it
 * Return: its index, or -ENOENT
 */
int mdgpu_region_find(int device, uint32_t type, uint32_t subtype);

/**
 * mdgpu_region_read() - pread @len bytes at @off of region @index
 * Return: what pread returned, or -errno
 */
ssize_t mdgpu_region_read(int device, unsigned int index, uint64_t off,
			  void *buf, size_t len);

/** mdgpu_region_write() - pwrite, as mdgpu_region_read() */
ssize_t mdgpu_region_write(int device, unsigned int index, uint64_t off,
			   const void *buf, size_t len);

/**
 * mdgpu_region_mmap() - mmap @len bytes of region @index from @off, shared
 * @device: the VFIO device fd
 * @index: region index
 * @off: page-aligned offset inside the region
 * @len: bytes
 * @prot: PROT_READ and/or PROT_WRITE
 *
 * Return: the mapping, or MAP_FAILED with errno set.
 */
void *mdgpu_region_mmap(int device, unsigned int index, uint64_t off,
			size_t len, int prot);

/** mdgpu_cfg_read() - @len bytes of config space. Return: 0 or -errno */
int mdgpu_cfg_read(int device, uint32_t off, void *val, size_t len);
/** mdgpu_cfg_write() - @len bytes of config space. Return: 0 or -errno */
int mdgpu_cfg_write(int device, uint32_t off, const void *val, size_t len);
/** mdgpu_cfg_read32() - a config dword; 0xdeadbeef if the read failed */
uint32_t mdgpu_cfg_read32(int device, uint32_t off);

/** mdgpu_reg_read32() - a BAR2 register into @val. Return: 0 or -errno */
int mdgpu_reg_read32(int device, uint32_t off, uint32_t *val);
/** mdgpu_reg_read() - a BAR2 register; 0xdeadbeef if the read failed */
uint32_t mdgpu_reg_read(int device, uint32_t off);
/** mdgpu_reg_write() - write a BAR2 register. Return: 0 or -errno */
int mdgpu_reg_write(int device, uint32_t off, uint32_t val);
/** mdgpu_reg_write16() - a 16-bit BAR2 write (the DISPI registers) */
int mdgpu_reg_write16(int device, uint32_t off, uint16_t val);

/**
 * mdgpu_map_vram() - map the first @len bytes of BAR0 shared, read-write
 * Return: the mapping, or NULL with errno set
 */
void *mdgpu_map_vram(int device, size_t len);

/* --- interrupts --------------------------------------------------------- */

/**
 * mdgpu_irq_set() - VFIO_DEVICE_SET_IRQS with @data_len (at most 64)
 * bytes of @data
 */
int mdgpu_irq_set(int device, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const void *data, size_t data_len);
/** mdgpu_irq_set_eventfd() - trigger vector 0 of @index on eventfd @fd */
int mdgpu_irq_set_eventfd(int device, uint32_t index, int fd);
/** mdgpu_irq_fire() - DATA_NONE trigger of vector 0 of @index */
int mdgpu_irq_fire(int device, uint32_t index);
/**
 * mdgpu_eventfd_count() - read and reset a non-blocking eventfd's counter
 * into @count; 0 if it was not signalled
 */
int mdgpu_eventfd_count(int efd, uint64_t *count);

/* --- device features and migration --------------------------------------- */

/**
 * mdgpu_device_feature() - VFIO_DEVICE_FEATURE with @len bytes of @data
 * after the header (in and out)
 */
int mdgpu_device_feature(int device, uint32_t flags, void *data, size_t len);

/**
 * mdgpu_mig_flags() - the device's VFIO_MIGRATION_* flags
 * Return: 0, or -errno (-ENOTTY or -EINVAL without migration)
 */
int mdgpu_mig_flags(int device, uint64_t *flags);

/** mdgpu_mig_get_state() - the migration state; ~0 if the call failed */
int mdgpu_mig_get_state(int device, uint32_t *state);

/**
 * mdgpu_mig_set_state() - move the device to @state (the VFIO core takes
 * the arcs in between)
 * @device: the VFIO device fd
 * @state: enum vfio_device_mig_state
 * @data_fd: if not NULL, receives the data fd of a saving or resuming
 *	     state, else -1 (also on failure); if NULL, such a fd is closed
 *
 * Return: 0 or -errno; the device may then be in ERROR.
 */
int mdgpu_mig_set_state(int device, uint32_t state, int *data_fd);

/** mdgpu_mig_data_size() - VFIO_DEVICE_FEATURE_MIG_DATA_SIZE */
int mdgpu_mig_data_size(int device, uint64_t *len);

/** mdgpu_mig_precopy_info() - VFIO_MIG_GET_PRECOPY_INFO on a data fd */
int mdgpu_mig_precopy_info(int data_fd, struct vfio_precopy_info *info);

/** mdgpu_mig_state_name() - "RUNNING", "STOP_COPY", ...; "?" if unknown */
const char *mdgpu_mig_state_name(uint32_t state);

/* --- display ------------------------------------------------------------ */

/**
 * struct mdgpu_scanout - the primary plane, mapped for reading
 * @plane: what VFIO_DEVICE_QUERY_GFX_PLANE described
 * @dmabuf: the plane is a dma-buf (else a region)
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

/**
 * mdgpu_scanout_map() - map what the primary plane shows, as QEMU finds it
 * @device: the VFIO device fd
 * @s: filled in; release with mdgpu_scanout_unmap()
 *
 * Takes a dma-buf plane if the instance offers them (its plane_types
 * attribute), else a region plane, whose region is mapped.
 *
 * Return: 0, or -errno: -ENODATA when the plane is empty (display off, or
 * a scanout the plane type cannot describe), -EOPNOTSUPP when the
 * instance offers neither plane type.
 */
int mdgpu_scanout_map(int device, struct mdgpu_scanout *s);

/** mdgpu_scanout_unmap() - release a (maybe partly set up) scanout */
void mdgpu_scanout_unmap(struct mdgpu_scanout *s);

/**
 * mdgpu_set_mode() - program a mode through the DISPI registers the way
 * the guest's bochs driver does: display off, mode registers, then on
 * Return: 0 if the display came on, -EINVAL if it did not, or -errno
 */
int mdgpu_set_mode(int device, unsigned int w, unsigned int h,
		   unsigned int bpp);

#endif /* MDGPU_VFIO_H */
