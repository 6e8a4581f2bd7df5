// SPDX-License-Identifier: GPL-2.0-only
/* Probe: .release must end with vfio_free_device() (v6.1 only). */
#include <linux/vfio.h>

void mdgpu_probe(struct vfio_device *vdev);
void mdgpu_probe(struct vfio_device *vdev)
{
	vfio_free_device(vdev);
}
