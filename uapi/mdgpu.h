/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * mdgpu guest- and user-visible constants.
 *
 * This header is shared by the kernel module, the userspace tools and the
 * selftests. It describes the virtual PCI function every mdgpu instance
 * exposes (see Documentation/device-spec.rst for the prose specification).
 * Everything the guest sees is little-endian.
 */
#ifndef _UAPI_MDGPU_H
#define _UAPI_MDGPU_H

#include <linux/types.h>

/*
 * PCI identity. The vendor/device pair is the one QEMU's "std VGA" (Bochs
 * VBE) adapter uses, so the guest's stock bochs DRM driver binds to it. The
 * subsystem IDs tell an mdgpu vGPU apart from QEMU's emulated adapter.
 */
#define MDGPU_PCI_VENDOR_ID		0x1234
#define MDGPU_PCI_DEVICE_ID		0x1111
#define MDGPU_PCI_SUBSYS_VENDOR_ID	0x1234
#define MDGPU_PCI_SUBSYS_ID		0x6d67	/* "mg" */
#define MDGPU_PCI_CLASS			0x030000 /* display, VGA compatible */
#define MDGPU_PCI_REVISION		0x02	/* >= 2: QEMU extended regs */

/* Size of the emulated configuration space (conventional PCI). */
#define MDGPU_CFG_SIZE			256

/* Offset of the MSI capability, the only entry of the capability list. */
#define MDGPU_CFG_MSI_CAP		0x40

/*
 * BAR layout. BAR0 (with BAR1 as its upper half) is a 64-bit prefetchable
 * memory BAR: the instance's framebuffer, its slice of the parent's VRAM.
 * BAR2 is a 32-bit non-prefetchable memory BAR: the trapped register file.
 */
#define MDGPU_BAR_VRAM			0
#define MDGPU_BAR_REGS			2
#define MDGPU_REGS_SIZE			0x1000

/*
 * BAR2 map, compatible with QEMU's std VGA MMIO BAR:
 *   0x000-0x3ff  EDID blob (read-only)
 *   0x400-0x41f  VGA I/O ports 0x3c0-0x3df
 *   0x500-0x515  Bochs VBE DISPI registers, 16 bits each
 *   0x600-0x607  QEMU extended registers
 *   0x800-0xfff  mdgpu's own registers, 32 bits each
 * Reads of unknown offsets return zero and writes are ignored.
 */
#define MDGPU_BAR2_EDID			0x000
#define MDGPU_BAR2_EDID_SIZE		0x400
#define MDGPU_BAR2_VGA			0x400
#define MDGPU_BAR2_DISPI		0x500
#define MDGPU_BAR2_QEXT			0x600
#define MDGPU_BAR2_MDGPU		0x800

/* mdgpu's own registers (naturally aligned 4-byte accesses only). */
#define MDGPU_REG_ID			0x800	/* RO: MDGPU_ID_MAGIC */
#define MDGPU_REG_VERSION		0x804	/* RO: MDGPU_DEVICE_VERSION */
#define MDGPU_REG_VRAM_SIZE_LO		0x808	/* RO: BAR0 size, low 32 bits */
#define MDGPU_REG_VRAM_SIZE_HI		0x80c	/* RO: BAR0 size, high 32 bits */
#define MDGPU_REG_SCRATCH		0x810	/* RW: scratch, reset to 0 */
#define MDGPU_REG_RESET_COUNT		0x814	/* RO: device resets so far */
#define MDGPU_REG_DISPLAY_STATUS	0x818	/* RO: see below */
#define MDGPU_REG_MODE_ERRORS		0x81c	/* RO: refused mode settings */

/* MDGPU_REG_DISPLAY_STATUS */
#define MDGPU_DISPLAY_ENABLED		(1u << 0)	/* scanout is on */
#define MDGPU_DISPLAY_ERROR_SHIFT	8		/* last refusal: */
#define MDGPU_DISPLAY_ERROR_MASK	(0xffu << 8)
#define MDGPU_MODE_ERR_NONE		0
#define MDGPU_MODE_ERR_FORMAT		1	/* zero size or bad bpp */
#define MDGPU_MODE_ERR_TOO_LARGE	2	/* above the type's maximum */
#define MDGPU_MODE_ERR_NO_FIT		3	/* outside the framebuffer */

/* QEMU extended registers (BAR2 0x600) */
#define MDGPU_QEXT_SIZE			0x600	/* RO: 8 */
#define MDGPU_QEXT_ENDIAN		0x604	/* RW: framebuffer byte order */
#define MDGPU_QEXT_ENDIAN_LITTLE	0x1e1e1e1e
#define MDGPU_QEXT_ENDIAN_BIG		0xbebebebe

/* Bochs VBE DISPI registers: BAR2 0x500 + 2 * index, 16 bits. */
#define MDGPU_DISPI_REG(index)		(0x500 + 2 * (index))

#define MDGPU_ID_MAGIC			0x4d444750 /* "MDGP" */
#define MDGPU_DEVICE_VERSION		0x00010000 /* 1.0 */

/* Number of VFIO interrupt indexes an instance reports (INTx .. REQ). */
#define MDGPU_NUM_IRQS			5

#endif /* _UAPI_MDGPU_H */
