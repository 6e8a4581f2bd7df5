/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu: state shared by the PCI parent driver (pci_parent.c) and its
 * backend (pci_backend.c).
 */
#ifndef _MDGPU_PCI_H
#define _MDGPU_PCI_H

#include <linux/sizes.h>
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
 * @written: one bit per MDGPU_PCI_ZERO_CHUNK of the BAR that may hold
 *	     something other than zeroes: set (atomically) before a write
 *	     through @vram and before a user mapping of it is handed out,
 *	     cleared by a discard that zeroed the whole piece. Each bit
 *	     changes under the lock of the instance owning that VRAM (or
 *	     while nobody owns it). From ->init to ->fini.
 *
 * Set up by the driver's probe before mdgpu_parent_register(), constant
 * afterwards except @vram; freed by its remove.
 */
struct mdgpu_pci {
	int bar;
	phys_addr_t base;
	void *vram;
	struct mdgpu_cpu_exec exec;
	unsigned long *written;
};

/* The piece of VRAM a discard zeroes, or skips if never written. */
#define MDGPU_PCI_ZERO_CHUNK	SZ_1M

#endif /* _MDGPU_PCI_H */
