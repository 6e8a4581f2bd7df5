/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Part of libmdgpu (tools/lib). VFIO device cdev and iommufd uAPI for
 * building against older userspace headers (Debian 12's linux-libc-dev is
 * 6.1, from before the cdev interface existed, and has no
 * <linux/iommufd.h>). The layouts are stable kernel ABI; they are only
 * defined here when the headers lack them.
 */
#ifndef MDGPU_VFIO_COMPAT_H
#define MDGPU_VFIO_COMPAT_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};

#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

#ifndef IOMMU_IOAS_ALLOC
#define MDGPU_IOMMUFD_TYPE		(';')
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

#define IOMMU_IOAS_ALLOC		_IO(MDGPU_IOMMUFD_TYPE, 0x81)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP			_IO(MDGPU_IOMMUFD_TYPE, 0x85)

struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOMMU_IOAS_UNMAP		_IO(MDGPU_IOMMUFD_TYPE, 0x86)
#endif

/*
 * VFIO migration v2 additions of 6.2 (PRE_COPY, its info ioctl, the data
 * size feature) and the 6.2 DMA logging feature number, for building
 * against 6.1's <linux/vfio.h>. The PRE_COPY states are enum constants in
 * newer headers, which define VFIO_MIGRATION_PRE_COPY alongside them.
 */
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY			(1 << 2)
#define VFIO_DEVICE_STATE_PRE_COPY		6
#define VFIO_DEVICE_STATE_PRE_COPY_P2P		7
#endif

#ifndef VFIO_MIG_GET_PRECOPY_INFO
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};

#define VFIO_MIG_GET_PRECOPY_INFO		_IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};

#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE	9
#endif

#ifndef VFIO_DEVICE_FEATURE_DMA_LOGGING_START
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_START	6
#endif

#endif /* MDGPU_VFIO_COMPAT_H */
