// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vm_flags are changed through vm_flags_set() (v6.3+).
 * HAVE: vm_flags_set() compiles. LACK: vm_flags is a plain writable member,
 * so vm_flags_set() cannot be declared as well (its name is free for a
 * declaration of our own).
 */
#include <linux/mm.h>

#if defined(MDGPU_PROBE_HAVE)
void mdgpu_probe(struct vm_area_struct *vma);
void mdgpu_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
}
#elif defined(MDGPU_PROBE_LACK)
struct mdgpu_probe_absent;
struct mdgpu_probe_absent *vm_flags_set(struct mdgpu_probe_absent *absent);
void mdgpu_probe(struct vm_area_struct *vma);
void mdgpu_probe(struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_DONTEXPAND;
}
#endif
