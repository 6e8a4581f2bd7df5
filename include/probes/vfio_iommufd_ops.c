// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops has the iommufd callbacks (v6.2+).
 * HAVE: the callbacks take the emulated-device helpers. LACK: the helpers
 * they came with are neither declared nor macros (a kernel without
 * CONFIG_IOMMUFD defines them as NULL casts), so the name is free for a
 * variable of our own.
 */
#include <linux/vfio.h>

#if defined(MDGPU_PROBE_HAVE)
const struct vfio_device_ops mdgpu_probe_ops = {
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
};
#elif defined(MDGPU_PROBE_LACK)
int vfio_iommufd_emulated_bind;
#endif
