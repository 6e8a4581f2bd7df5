// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: .release must end with vfio_free_device() (v6.1 only).
 * HAVE: vfio_free_device() is declared. LACK: it is not, so the name is
 * free for a variable of our own.
 */
#include <linux/vfio.h>

#ifdef MDGPU_PROBE_LACK
int vfio_free_device;
#endif

void mdgpu_probe(struct vfio_device *vdev);
void mdgpu_probe(struct vfio_device *vdev)
{
#ifdef MDGPU_PROBE_HAVE
	vfio_free_device(vdev);
#endif
}
