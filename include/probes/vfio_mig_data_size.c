// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_migration_ops has migration_get_data_size, and the VFIO core
 * answers VFIO_DEVICE_FEATURE_MIG_DATA_SIZE through it (v6.2+).
 * HAVE: the callback can be set. LACK: the ops table holds its two state
 * callbacks only.
 */
#include <linux/build_bug.h>
#include <linux/vfio.h>

#if defined(MDGPU_PROBE_HAVE)
static int mdgpu_probe_size(struct vfio_device *vdev, unsigned long *len)
{
	return 0;
}

const struct vfio_migration_ops mdgpu_probe_ops = {
	.migration_get_data_size = mdgpu_probe_size,
};
#elif defined(MDGPU_PROBE_LACK)
static_assert(sizeof(struct vfio_migration_ops) == 2 * sizeof(void *));
#endif
