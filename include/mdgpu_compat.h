/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-version differences, all in one place.
 *
 * Every difference is decided by a build-time probe of the kernel's API
 * (include/probes/, results in the generated mdgpu_probes.h), never by
 * version numbers: distribution kernels backport APIs.
 */
#ifndef _MDGPU_COMPAT_H
#define _MDGPU_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/vfio.h>

#include "mdgpu_probes.h"

/* eventfd_signal() lost its count argument in v6.8. */
static inline void mdgpu_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef MDGPU_HAVE_EVENTFD_SIGNAL_ONE_ARG
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* vm_flags became read-only outside the helpers in v6.3. */
static inline void mdgpu_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef MDGPU_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * In v6.1 a vfio_device_ops.release callback frees the device itself; later
 * kernels free it in the core after .release returns.
 */
static inline void mdgpu_vfio_release_done(struct vfio_device *vdev)
{
#ifdef MDGPU_HAVE_VFIO_FREE_DEVICE
	vfio_free_device(vdev);
#endif
}

/*
 * Emulated-IOMMU devices must provide the iommufd callbacks where
 * vfio_device_ops has them (v6.2+); detach_ioas appeared in v6.6.
 */
#ifdef MDGPU_HAVE_VFIO_IOMMUFD_OPS
#define MDGPU_VFIO_IOMMUFD_BIND_OPS					\
	.bind_iommufd = vfio_iommufd_emulated_bind,			\
	.unbind_iommufd = vfio_iommufd_emulated_unbind,			\
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
#else
#define MDGPU_VFIO_IOMMUFD_BIND_OPS
#endif

#ifdef MDGPU_HAVE_VFIO_DETACH_IOAS
#define MDGPU_VFIO_IOMMUFD_DETACH_OPS					\
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#else
#define MDGPU_VFIO_IOMMUFD_DETACH_OPS
#endif

#define MDGPU_VFIO_IOMMUFD_OPS						\
	MDGPU_VFIO_IOMMUFD_BIND_OPS MDGPU_VFIO_IOMMUFD_DETACH_OPS

/*
 * Migration: v6.2 added PRE_COPY (with VFIO_MIG_GET_PRECOPY_INFO) and
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, answered by the core through
 * vfio_migration_ops.migration_get_data_size. Before, the core passes the
 * unknown feature to the driver's device_feature op, which answers it
 * itself with the uAPI's numbers, defined here.
 */
#ifdef MDGPU_HAVE_VFIO_PRECOPY
#define MDGPU_MIG_PRECOPY_FLAGS	VFIO_MIGRATION_PRE_COPY
#else
#define MDGPU_MIG_PRECOPY_FLAGS	0
#endif

#ifndef MDGPU_HAVE_VFIO_MIG_DATA_SIZE
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9

struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#endif

/*
 * Huge (PMD) mappings of device memory: the core calls .huge_fault for
 * VM_PFNMAP mappings, and vmf_insert_pfn_pmd() maps a special PMD, where
 * the architecture supports PMD PFN mappings (v6.12+; the Kconfig symbol
 * does not exist before). Older kernels never call .huge_fault for such
 * mappings (VM_NO_KHUGEPAGED): mdgpu maps 4 KiB pages there.
 */
#if defined(MDGPU_HAVE_HUGE_FAULT_ORDER) && \
	IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP)
#define MDGPU_HUGE_PFNMAP	1
#else
#define MDGPU_HUGE_PFNMAP	0
#endif

/*
 * How long a task has waited on a run queue for a CPU: kept by the
 * scheduler only with CONFIG_SCHED_INFO (selected by TASK_DELAY_ACCT and
 * SCHEDSTATS, which distribution kernels enable). A configuration, not an
 * API difference: the kernel's own Kconfig decides it. Without it the
 * engine charges chunks by preemption count and CPU time
 * (mdgpu_chunk_charge()).
 */
#ifdef CONFIG_SCHED_INFO
#define MDGPU_HAVE_RUN_DELAY	1
static inline u64 mdgpu_task_run_delay(const struct task_struct *t)
{
	return READ_ONCE(t->sched_info.run_delay);
}
#else
#define MDGPU_HAVE_RUN_DELAY	0
static inline u64 mdgpu_task_run_delay(const struct task_struct *t)
{
	return 0;
}
#endif

#endif /* _MDGPU_COMPAT_H */
