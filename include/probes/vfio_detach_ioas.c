// SPDX-License-Identifier: GPL-2.0-only
/* Probe: vfio_device_ops has detach_ioas (v6.6+). */
#include <linux/vfio.h>

const struct vfio_device_ops mdgpu_probe_ops = {
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};
