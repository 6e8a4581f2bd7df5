/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmdgpu - drive an mdgpu instance through VFIO from userspace, the way a
 * VM's driver would: open it, map its BARs, give the engine DMA buffers,
 * build and submit commands into the ring, wait for fences on the interrupt
 * eventfd, read the error state and reset.
 *
 * It is built on mdgpu_vfio.h, the VFIO access layer (opening, regions at
 * the offsets VFIO_DEVICE_GET_REGION_INFO reports, interrupts, device
 * features) that mdgpuctl, the tools and the selftests all use.
 *
 * The guest-visible contract (registers, command formats, error codes) is
 * uapi/mdgpu.h and Documentation/device-spec.rst; the API is described in
 * Documentation/libmdgpu.rst.
 *
 * Conventions: functions that can fail return 0 (or a non-negative value)
 * on success and a negative errno on failure; they never print. A struct
 * mdgpu is used by one thread at a time. Register values and command
 * dwords are little-endian, as is every host mdgpu runs on.
 */
#ifndef LIBMDGPU_H
#define LIBMDGPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdgpu_vfio.h"
#include "uapi/mdgpu.h"

/* mdgpu_attach() flags */
#define MDGPU_OPEN_GROUP	0	/* group + type1 container (every kernel) */
#define MDGPU_OPEN_CDEV		(1u << 0) /* device cdev + iommufd IOAS */

/**
 * enum mdgpu_irq_mode - how the engine's interrupts reach the library
 * @MDGPU_IRQ_NONE: no interrupt; waits poll the registers
 * @MDGPU_IRQ_INTX: legacy INTx through its eventfd, automasked: each
 *		    delivery is unmasked again after IRQ_STATUS is cleared
 * @MDGPU_IRQ_MSI: MSI, enabled in the MSI capability, through its eventfd
 */
enum mdgpu_irq_mode {
	MDGPU_IRQ_NONE,
	MDGPU_IRQ_INTX,
	MDGPU_IRQ_MSI,
};

/**
 * struct mdgpu_dma - a buffer the engine can reach by IOVA
 * @va: where it is mapped in this process
 * @iova: its address in the device's IOMMU context
 * @len: its length in bytes (a multiple of the page size)
 */
struct mdgpu_dma {
	void *va;
	uint64_t iova;
	size_t len;
};

/**
 * struct mdgpu_error - the engine context's error state
 * @code: ERR_CODE, an MDGPU_ERR_* (MDGPU_ERR_NONE if the ring is healthy)
 * @head: ERR_HEAD, ring offset of the faulting command
 * @header: ERR_HEADER, that command's header dword
 * @status: ENGINE_STATUS
 */
struct mdgpu_error {
	uint32_t code;
	uint32_t head;
	uint32_t header;
	uint32_t status;
};

/**
 * struct mdgpu - an open instance
 * @v: the open VFIO device (mdgpu_vfio.h); @v.device is its fd
 * @vram: BAR0 mapped shared, read-write
 * @vram_size: BAR0 size
 * @irq_mode: what mdgpu_irq_setup() configured
 * @irq_efd: eventfd of the INTx or MSI index, or -1
 * @err_efd: eventfd of the ERR index, or -1
 * @irqs: interrupts received on @irq_efd so far (eventfd counts)
 * @err_irqs: signals received on @err_efd so far
 * @irq_status: IRQ_STATUS bits seen (and cleared) by the library so far
 * @irq_enable: IRQ_MASK value the library programs
 * @ring_base: ring offset in BAR0
 * @ring_size: ring size in bytes, 0 if no ring is set up
 * @tail: byte offset where the next command goes
 * @head: last HEAD read from the device (cached to save traps)
 * @seq: sequence number of the last fence emitted
 * @next_iova: where mdgpu_dma_alloc() places the next buffer
 */
struct mdgpu {
	struct mdgpu_vfio v;
	volatile uint8_t *vram;
	uint64_t vram_size;
	enum mdgpu_irq_mode irq_mode;
	int irq_efd;
	int err_efd;
	uint64_t irqs;
	uint64_t err_irqs;
	uint32_t irq_status;
	uint32_t irq_enable;
	uint64_t ring_base;
	uint32_t ring_size;
	uint32_t tail;
	uint32_t head;
	uint32_t seq;
	uint64_t next_iova;
};

/* --- opening ------------------------------------------------------------ */

/**
 * mdgpu_attach() - open an instance by UUID and map its BAR0
 * @g: filled in; valid for mdgpu_detach() even after a failure
 * @uuid: the mdev's UUID
 * @flags: MDGPU_OPEN_GROUP or MDGPU_OPEN_CDEV
 *
 * Enables memory decoding and bus mastering in the command register, as a
 * guest driver does before it uses a device.
 *
 * Return: 0, -ENOENT for the cdev path on a kernel without it, or -errno.
 */
int mdgpu_attach(struct mdgpu *g, const char *uuid, unsigned int flags);

/**
 * mdgpu_detach() - unmap and close everything mdgpu_attach() and the other
 * calls set up (DMA buffers must have been freed or are leaked as memory,
 * but their IOMMU mappings go away with the container/IOAS)
 * @g: the instance
 */
void mdgpu_detach(struct mdgpu *g);

/* --- registers and config space ------------------------------------------ */

/** mdgpu_rd() - read a BAR2 register; 0xffffffff if the read failed */
uint32_t mdgpu_rd(struct mdgpu *g, uint32_t reg);
/** mdgpu_wr() - write a BAR2 register. Return: 0 or -errno */
int mdgpu_wr(struct mdgpu *g, uint32_t reg, uint32_t val);
/** mdgpu_cfg_rd() - read @len (1, 2, 4) bytes of config space into @val */
int mdgpu_cfg_rd(struct mdgpu *g, uint32_t off, void *val, size_t len);
/** mdgpu_cfg_wr() - write @len (1, 2, 4) bytes of config space */
int mdgpu_cfg_wr(struct mdgpu *g, uint32_t off, const void *val, size_t len);
/** mdgpu_timestamp() - the engine clock (TIMESTAMP_LO then _HI), ns */
uint64_t mdgpu_timestamp(struct mdgpu *g);

/* --- DMA buffers -------------------------------------------------------- */

/**
 * mdgpu_dma_map() - make @len bytes at @va reachable by the engine at @iova
 * (VFIO_IOMMU_MAP_DMA or IOMMU_IOAS_MAP), readable and writable
 * @g: the instance
 * @va: page-aligned user address
 * @len: page-aligned length
 * @iova: page-aligned IOVA
 */
int mdgpu_dma_map(struct mdgpu *g, void *va, size_t len, uint64_t iova);

/** mdgpu_dma_unmap() - undo mdgpu_dma_map() of exactly that range */
int mdgpu_dma_unmap(struct mdgpu *g, uint64_t iova, size_t len);

/**
 * mdgpu_dma_alloc() - allocate zeroed anonymous memory and map it at the
 * next free IOVA (IOVAs start at 4 GiB and are never reused)
 * @g: the instance
 * @len: bytes, rounded up to pages
 * @buf: filled in
 */
int mdgpu_dma_alloc(struct mdgpu *g, size_t len, struct mdgpu_dma *buf);

/** mdgpu_dma_free() - unmap and free a buffer from mdgpu_dma_alloc() */
int mdgpu_dma_free(struct mdgpu *g, struct mdgpu_dma *buf);

/* --- interrupts --------------------------------------------------------- */

/**
 * mdgpu_irq_setup() - route the engine's interrupts to eventfds
 * @g: the instance
 * @mode: INTx or MSI (MSI is turned on in the MSI capability, INTx off in
 *	  the command register when MSI is used), or NONE to tear down
 *
 * Also sets an eventfd on the ERR index and writes IRQ_MASK to enable
 * MDGPU_IRQ_FENCE and MDGPU_IRQ_ERROR (g->irq_enable).
 */
int mdgpu_irq_setup(struct mdgpu *g, enum mdgpu_irq_mode mode);

/**
 * mdgpu_irq_handle() - what an interrupt handler does: consume the
 * eventfds, read IRQ_STATUS, clear the bits it saw (write 1 to clear), and
 * unmask INTx. Updates g->irqs, g->err_irqs and g->irq_status.
 * @g: the instance
 *
 * Return: the IRQ_STATUS bits this call saw and cleared, or -errno.
 */
int mdgpu_irq_handle(struct mdgpu *g);

/**
 * mdgpu_irq_wait() - wait up to @timeout_ms for the interrupt or error
 * eventfd to be signalled, without consuming it
 * Return: 1 if one is readable, 0 on timeout, -errno
 */
int mdgpu_irq_wait(struct mdgpu *g, int timeout_ms);

/* --- ring --------------------------------------------------------------- */

/**
 * mdgpu_ring_init() - place the ring at @base in VRAM and enable it
 * @g: the instance
 * @base: offset in BAR0, MDGPU_RING_ALIGN aligned
 * @size: power of two, MDGPU_RING_SIZE_MIN..MDGPU_RING_SIZE_MAX
 *
 * Resets the ring (HEAD = TAIL = 0), programs base and size, enables it.
 * The arguments are checked only by the device (so tests can give it bad
 * ones): a bad placement shows up in the error state.
 */
int mdgpu_ring_init(struct mdgpu *g, uint64_t base, uint32_t size);

/**
 * mdgpu_ring_reset() - RING_CTRL.RESET: stop the ring, clear the error,
 * HEAD = TAIL = 0; then enable it again with the same placement
 */
int mdgpu_ring_reset(struct mdgpu *g);

/**
 * mdgpu_ring_space() - bytes that can be written without overwriting
 * commands the engine has not read, from the cached HEAD (re-read with
 * mdgpu_ring_head())
 */
uint32_t mdgpu_ring_space(struct mdgpu *g);

/** mdgpu_ring_head() - read RING_HEAD into g->head and return it */
uint32_t mdgpu_ring_head(struct mdgpu *g);

/**
 * mdgpu_ring_write() - copy a command (or any dwords) into the ring at the
 * tail, wrapping at the end, waiting up to @timeout_ms for room; does not
 * ring the doorbell
 * @g: the instance
 * @dw: the dwords
 * @ndw: how many
 * @timeout_ms: how long to wait for the engine to make room
 *
 * Return: 0, -ENOSPC if @ndw can never fit, -ETIMEDOUT, or -EIO if the
 * engine stopped on an error while we waited.
 */
int mdgpu_ring_write(struct mdgpu *g, const uint32_t *dw, unsigned int ndw,
		     int timeout_ms);

/** mdgpu_kick() - the doorbell: write the tail to RING_TAIL */
int mdgpu_kick(struct mdgpu *g);

/**
 * mdgpu_submit() - mdgpu_ring_write() then mdgpu_kick()
 */
int mdgpu_submit(struct mdgpu *g, const uint32_t *dw, unsigned int ndw,
		 int timeout_ms);

/* --- command builders: write one command into @dw, return its dwords ---- */

unsigned int mdgpu_cmd_nop(uint32_t *dw, unsigned int ndw);
unsigned int mdgpu_cmd_fill(uint32_t *dw, uint64_t dst, uint32_t width,
			    uint32_t height, uint32_t stride, uint32_t value);
unsigned int mdgpu_cmd_copy(uint32_t *dw, uint64_t src, uint64_t dst,
			    uint32_t width, uint32_t height,
			    uint32_t src_stride, uint32_t dst_stride);
/* @to_guest: VRAM -> guest memory; else guest memory -> VRAM */
unsigned int mdgpu_cmd_dma(uint32_t *dw, uint64_t iova, uint64_t vram,
			   uint32_t len, bool to_guest);
/* @flags: MDGPU_FENCE_IRQ, MDGPU_FENCE_WRITE (then @addr is used) */
unsigned int mdgpu_cmd_fence(uint32_t *dw, uint32_t seq, uint32_t flags,
			     uint64_t addr);
unsigned int mdgpu_cmd_timestamp(uint32_t *dw, uint64_t addr);
unsigned int mdgpu_cmd_compute(uint32_t *dw, uint32_t usec);

/* Longest command any builder produces, in dwords. */
#define MDGPU_CMD_MAX_NDW	MDGPU_COPY_NDW

/* --- fences ------------------------------------------------------------- */

/**
 * mdgpu_fence() - submit a FENCE with the next sequence number
 * @g: the instance
 * @flags: MDGPU_FENCE_IRQ and/or MDGPU_FENCE_WRITE
 * @addr: VRAM address for MDGPU_FENCE_WRITE, else 0
 *
 * Return: the sequence number (never 0 for the first fences), or a
 * negative errno converted to int64_t.
 */
int64_t mdgpu_fence(struct mdgpu *g, uint32_t flags, uint64_t addr);

/** mdgpu_fence_done() - whether FENCE_LAST has reached @seq (wrap-safe) */
bool mdgpu_fence_done(struct mdgpu *g, uint32_t seq);

/**
 * mdgpu_wait_fence() - wait until FENCE_LAST reaches @seq
 * @g: the instance
 * @seq: the fence
 * @timeout_ms: give up after this long
 *
 * Sleeps on the interrupt eventfd (handling each interrupt with
 * mdgpu_irq_handle()) when interrupts are set up, else polls FENCE_LAST.
 *
 * Return: 0, -ETIMEDOUT, or -EIO if the engine is in its error state.
 */
int mdgpu_wait_fence(struct mdgpu *g, uint32_t seq, int timeout_ms);

/**
 * mdgpu_wait_idle() - submit an IRQ fence and wait for it
 */
int mdgpu_wait_idle(struct mdgpu *g, int timeout_ms);

/* --- errors and reset --------------------------------------------------- */

/** mdgpu_error() - read the error state. Return: e->code */
uint32_t mdgpu_error(struct mdgpu *g, struct mdgpu_error *e);

/**
 * mdgpu_wait_error() - wait up to @timeout_ms for the engine to stop on an
 * error. Return: the MDGPU_ERR_* code, or -ETIMEDOUT
 */
int mdgpu_wait_error(struct mdgpu *g, int timeout_ms);

/** mdgpu_err_name() - "RANGE" for MDGPU_ERR_RANGE, ... */
const char *mdgpu_err_name(uint32_t code);

/**
 * mdgpu_device_reset() - VFIO_DEVICE_RESET, then restore what a driver
 * restores after a reset: command register, interrupt setup, ring (empty,
 * at the same place), IRQ_MASK. VRAM is zero afterwards.
 */
int mdgpu_device_reset(struct mdgpu *g);

#endif /* LIBMDGPU_H */
