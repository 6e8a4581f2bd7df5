/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu: state shared by the PCI parent driver (pci_parent.c) and its
 * backend (pci_backend.c).
 */
#ifndef _MDGPU_PCI_H
#define _MDGPU_PCI_H

#include <linux/types.h>

#include "mdgpu_engine.h"

/**
 * struct mdgpu_pci - a PCI parent's VRAM (mdgpu_parent::backend)
 * @bar: index of the memory BAR that is the VRAM
 * @base: CPU physical address of the BAR
 * @vram: the kernel's write-combining mapping of the BAR, from the
 *	  backend's ->init to its ->fini
 * @exec: the CPU executor of the parent's engine chunks, from ->init to
 *	  ->fini (its engine thread only)
 *
 * Set up by the driver's probe before mdgpu_parent_register(), constant
 * afterwards except @vram; freed by its remove.
 */
struct mdgpu_pci {
	int bar;
	phys_addr_t base;
	void *vram;
	struct mdgpu_cpu_exec exec;
};

#endif /* _MDGPU_PCI_H */
