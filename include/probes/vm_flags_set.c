// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vm_flags are changed through vm_flags_set() (v6.3+).
 * HAVE: vm_flags_set() compiles. LACK: vm_flags is a plain writable member
 * and the name vm_flags_set is free for a variable of our own.
 */
#include <linux/mm.h>

#ifdef MDGPU_PROBE_LACK
int vm_flags_set;
#endif

void mdgpu_probe(struct vm_area_struct *vma);
void mdgpu_probe(struct vm_area_struct *vma)
{
#if defined(MDGPU_PROBE_HAVE)
	vm_flags_set(vma, VM_DONTEXPAND);
#elif defined(MDGPU_PROBE_LACK)
	vma->vm_flags |= VM_DONTEXPAND;
#endif
}
