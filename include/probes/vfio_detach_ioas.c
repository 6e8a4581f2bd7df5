// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vfio_device_ops has detach_ioas (v6.6+).
 * HAVE: the callback takes the emulated-device helper. LACK: that helper is
 * neither declared nor a macro, so the name is free for a variable of our
 * own.
 */
#include <linux/vfio.h>

#if defined(MDGPU_PROBE_HAVE)
const struct vfio_device_ops mdgpu_probe_ops = {
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};
#elif defined(MDGPU_PROBE_LACK)
int vfio_iommufd_emulated_detach_ioas;
#endif
