// SPDX-License-Identifier: GPL-2.0-only
/* Probe: vfio_device_ops has the iommufd callbacks (v6.2+). */
#include <linux/vfio.h>

const struct vfio_device_ops mdgpu_probe_ops = {
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
};
