// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: .release must end with vfio_free_device() (v6.1 only).
 * HAVE: vfio_free_device() is declared. LACK: it is not, so a conflicting
 * declaration of the name compiles.
 */
#include <linux/vfio.h>

#if defined(MDGPU_PROBE_HAVE)
void mdgpu_probe(struct vfio_device *vdev);
void mdgpu_probe(struct vfio_device *vdev)
{
	vfio_free_device(vdev);
}
#elif defined(MDGPU_PROBE_LACK)
struct mdgpu_probe_absent;
struct mdgpu_probe_absent *vfio_free_device(struct mdgpu_probe_absent *absent);
#endif
