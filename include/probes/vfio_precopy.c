// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: the VFIO migration uAPI has PRE_COPY and VFIO_MIG_GET_PRECOPY_INFO
 * (v6.2+).
 * HAVE: the flag and the ioctl's argument exist. LACK: the flag's name is
 * free for a variable of our own.
 */
#include <linux/vfio.h>

#if defined(MDGPU_PROBE_HAVE)
struct vfio_precopy_info mdgpu_probe_info;
unsigned int mdgpu_probe_flag = VFIO_MIGRATION_PRE_COPY;
unsigned long mdgpu_probe_ioctl = VFIO_MIG_GET_PRECOPY_INFO;
#elif defined(MDGPU_PROBE_LACK)
int VFIO_MIGRATION_PRE_COPY;
#endif
