// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: vm_operations_struct.huge_fault takes the mapping's order (v6.7+,
 * so the core can map huge PFN ranges of VM_PFNMAP mappings through it
 * where the architecture supports them, v6.12+), and vmf_insert_pfn_pmd()
 * takes a pfn_t and a write flag, using the VMA's protection.
 * HAVE: a handler of that type inserts a PMD for PMD_ORDER. LACK: the older
 * handler type, with an enum page_entry_size and its PE_SIZE_PMD, fits
 * (then the core never calls it for VM_PFNMAP mappings, and mdgpu maps
 * 4 KiB pages only). The handler types alone do not tell the kernels
 * apart: the enum and unsigned int are compatible.
 */
#include <linux/mm.h>
#include <linux/pfn_t.h>

#if defined(MDGPU_PROBE_HAVE)
static vm_fault_t mdgpu_probe_huge_fault(struct vm_fault *vmf,
					 unsigned int order)
{
	if (order != PMD_ORDER)
		return VM_FAULT_FALLBACK;
	return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(0, PFN_DEV), true);
}
#elif defined(MDGPU_PROBE_LACK)
static vm_fault_t mdgpu_probe_huge_fault(struct vm_fault *vmf,
					 enum page_entry_size pe_size)
{
	return pe_size == PE_SIZE_PMD ? VM_FAULT_FALLBACK : VM_FAULT_SIGBUS;
}
#endif

const struct vm_operations_struct mdgpu_probe_huge_ops = {
	.huge_fault = mdgpu_probe_huge_fault,
};
