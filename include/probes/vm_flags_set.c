// SPDX-License-Identifier: GPL-2.0-only
/* Probe: vm_flags are changed through vm_flags_set() (v6.3+). */
#include <linux/mm.h>

void mdgpu_probe(struct vm_area_struct *vma);
void mdgpu_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
}
