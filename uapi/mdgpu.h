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

/*
 * Engine registers (BAR2 0x900-0x9ff, naturally aligned 4-byte accesses).
 *
 * Each vGPU has one command ring in its own VRAM. The driver writes the
 * ring's placement while the ring is disabled, enables it, writes commands
 * into VRAM (through BAR0) and then writes the byte offset just past the
 * last command to RING_TAIL: the doorbell. The engine consumes commands
 * from RING_HEAD up to RING_TAIL, wrapping at RING_SIZE.
 */
#define MDGPU_REG_RING_BASE_LO		0x900	/* RW: ring offset in BAR0 */
#define MDGPU_REG_RING_BASE_HI		0x904	/* RW: high 32 bits */
#define MDGPU_REG_RING_SIZE		0x908	/* RW: bytes, power of 2 */
#define MDGPU_REG_RING_HEAD		0x90c	/* RO: next byte the engine reads */
#define MDGPU_REG_RING_TAIL		0x910	/* RW: doorbell, byte offset */
#define MDGPU_REG_RING_CTRL		0x914	/* RW: MDGPU_RING_CTRL_* */
#define MDGPU_REG_ENGINE_STATUS		0x918	/* RO: MDGPU_ENGINE_* */
#define MDGPU_REG_FENCE_LAST		0x91c	/* RO: seq of the last FENCE */
#define MDGPU_REG_ERR_CODE		0x920	/* RO: MDGPU_ERR_*, 0 if none */
#define MDGPU_REG_ERR_HEAD		0x924	/* RO: ring offset of bad command */
#define MDGPU_REG_ERR_HEADER		0x928	/* RO: its header dword */
#define MDGPU_REG_IRQ_STATUS		0x930	/* RW1C: MDGPU_IRQ_* */
#define MDGPU_REG_IRQ_MASK		0x934	/* RW: MDGPU_IRQ_*, 1 = enabled */
#define MDGPU_REG_TIMESTAMP_LO		0x938	/* RO: engine time, ns; reading */
#define MDGPU_REG_TIMESTAMP_HI		0x93c	/*     LO latches HI */
#define MDGPU_REG_CMDS_DONE		0x940	/* RO: commands completed (wraps) */

/* Ring placement limits. */
#define MDGPU_RING_ALIGN		0x1000	/* RING_BASE alignment */
#define MDGPU_RING_SIZE_MIN		0x1000
#define MDGPU_RING_SIZE_MAX		0x100000

/*
 * MDGPU_REG_RING_CTRL. RESET: write 1 to stop the ring, set HEAD = TAIL = 0
 * and clear the error; it reads as 0.
 */
#define MDGPU_RING_CTRL_ENABLE		(1u << 0) /* consume commands */
#define MDGPU_RING_CTRL_RESET		(1u << 1) /* stop and clear (above) */

/* MDGPU_REG_ENGINE_STATUS */
#define MDGPU_ENGINE_ENABLED		(1u << 0) /* ring enabled */
#define MDGPU_ENGINE_BUSY		(1u << 1) /* HEAD != TAIL or running */
#define MDGPU_ENGINE_ERROR		(1u << 2) /* stopped on an error */

/* Interrupt sources (IRQ_STATUS, IRQ_MASK). */
#define MDGPU_IRQ_FENCE			(1u << 0) /* a FENCE with IRQ flag */
#define MDGPU_IRQ_ERROR			(1u << 1) /* the engine context failed */

/*
 * Commands. A command is a sequence of little-endian dwords in the ring;
 * it may wrap around the ring's end. Dword 0 is the header:
 *   bits  0-7   opcode (MDGPU_OP_*)
 *   bits  8-15  flags, per opcode; undefined bits must be 0
 *   bits 16-23  length of the whole command in dwords, header included
 *   bits 24-31  reserved, must be 0
 * VRAM addresses are 64-bit byte offsets into the vGPU's BAR0, given as
 * two dwords (low, high). Reserved dwords must be 0.
 */
#define MDGPU_CMD_HEADER(op, flags, ndw) \
	((__u32)(op) | ((__u32)(flags) << 8) | ((__u32)(ndw) << 16))
#define MDGPU_CMD_OP(h)			((h) & 0xff)
#define MDGPU_CMD_FLAGS(h)		(((h) >> 8) & 0xff)
#define MDGPU_CMD_NDW(h)		(((h) >> 16) & 0xff)
#define MDGPU_CMD_RSVD(h)		((h) >> 24)

/* NOP: 1-255 dwords, payload ignored (padding). */
#define MDGPU_OP_NOP			0x00
/*
 * FILL: 7 dwords. dst (lo, hi), width in bytes, height in rows, stride in
 * bytes, 32-bit value. dst, width and stride are multiples of 4; width
 * and height are non-zero; stride >= width when height > 1.
 */
#define MDGPU_OP_FILL			0x01
#define MDGPU_FILL_NDW			7
/*
 * COPY: 9 dwords. src (lo, hi), dst (lo, hi), width in bytes, height in
 * rows, src stride, dst stride. Byte granular; strides >= width when
 * height > 1; the source and destination extents must not overlap.
 */
#define MDGPU_OP_COPY			0x02
#define MDGPU_COPY_NDW			9
/*
 * DMA: 7 dwords. iova (lo, hi), vram (lo, hi), length in bytes (non-zero,
 * at most the vGPU's VRAM size), reserved. Flag MDGPU_DMA_TO_GUEST copies
 * VRAM to guest memory; without it guest memory is copied to VRAM. The
 * IOVA range must be mapped in the device's IOMMU context (container or
 * IOAS) for the whole length.
 */
#define MDGPU_OP_DMA			0x03
#define MDGPU_DMA_NDW			7
#define MDGPU_DMA_TO_GUEST		(1u << 0)
/*
 * FENCE: 4 dwords. seq, addr (lo, hi). Completes after every earlier
 * command: sets FENCE_LAST to seq, with MDGPU_FENCE_WRITE also writes seq
 * to the 4-aligned VRAM address (addr must be 0 otherwise), and with
 * MDGPU_FENCE_IRQ raises MDGPU_IRQ_FENCE.
 */
#define MDGPU_OP_FENCE			0x04
#define MDGPU_FENCE_NDW			4
#define MDGPU_FENCE_IRQ			(1u << 0)
#define MDGPU_FENCE_WRITE		(1u << 1)
/* TIMESTAMP: 3 dwords. addr (lo, hi), 8-aligned: gets the u64 engine time. */
#define MDGPU_OP_TIMESTAMP		0x05
#define MDGPU_TIMESTAMP_NDW		3
/*
 * COMPUTE: 2 dwords. Duration in microseconds, 1 to MDGPU_COMPUTE_MAX_US.
 * Occupies the engine for that long (a synthetic job of known length).
 */
#define MDGPU_OP_COMPUTE		0x06
#define MDGPU_COMPUTE_NDW		2
#define MDGPU_COMPUTE_MAX_US		1000000

/* Error codes (MDGPU_REG_ERR_CODE). */
#define MDGPU_ERR_NONE			0
#define MDGPU_ERR_OPCODE		1	/* unknown opcode */
/* MDGPU_ERR_LENGTH: a wrong length, or a command that runs past RING_TAIL */
#define MDGPU_ERR_LENGTH		2
#define MDGPU_ERR_RESERVED		3	/* reserved bits or dwords set */
#define MDGPU_ERR_RANGE			4	/* VRAM access outside BAR0 */
#define MDGPU_ERR_ALIGN			5	/* misaligned address or size */
#define MDGPU_ERR_SIZE			6	/* zero or too large a size */
#define MDGPU_ERR_STRIDE		7	/* stride below width */
#define MDGPU_ERR_OVERLAP		8	/* COPY source overlaps dest */
#define MDGPU_ERR_DMA			9	/* IOVA not mapped */
#define MDGPU_ERR_RING			10	/* bad ring base/size/tail */
#define MDGPU_ERR_WATCHDOG		11	/* job ran past the limit */
/* MDGPU_ERR_NOMEM: VRAM could not be backed (the VMM's memory limit) */
#define MDGPU_ERR_NOMEM			12
/* MDGPU_ERR_HANG: the engine hung while running this context and was reset */
#define MDGPU_ERR_HANG			13
#define MDGPU_ERR_FAULT			14	/* the engine faulted on it */
/* MDGPU_ERR_VRAM: uncorrectable error in a page of the instance's VRAM */
#define MDGPU_ERR_VRAM			15
#define MDGPU_ERR_LOST			16	/* the parent GPU is lost */

#define MDGPU_ID_MAGIC			0x4d444750 /* "MDGP" */
#define MDGPU_DEVICE_VERSION		0x00010000 /* 1.0 */

/* Number of VFIO interrupt indexes an instance reports (INTx .. REQ). */
#define MDGPU_NUM_IRQS			5

#endif /* _UAPI_MDGPU_H */
