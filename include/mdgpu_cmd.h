/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu engine commands and rings: decoding, validation, chunking and ring
 * pointer arithmetic.
 *
 * Pure logic over plain data (drivers/cmd.c, drivers/ring.c): no locks, no
 * VRAM access, no clock. The engine (drivers/engine_exec.c) reads the dwords
 * from the ring and hands them over in CPU byte order.
 */
#ifndef _MDGPU_CMD_H
#define _MDGPU_CMD_H

#include <linux/types.h>
#include "uapi/mdgpu.h"

/* Largest command, in dwords (the header's length field is 8 bits). */
#define MDGPU_CMD_MAX_NDW		255

/*
 * Chunk limits: the engine can be preempted between two chunks. A FILL,
 * COPY or DMA chunk moves at most MDGPU_CHUNK_BYTES, and a FILL or COPY
 * chunk also touches at most MDGPU_CHUNK_PAGES VRAM pages, counted once per
 * contiguous piece (segment) and per side (a COPY counts its source and its
 * destination), which also bounds its segments: a narrow rectangle with a
 * wide stride runs a few rows per chunk, not 64 KiB worth of rows that each
 * allocate a page. Linear runs of MDGPU_CHUNK_BYTES fit either way. A
 * COMPUTE chunk is bounded by the slice, not here (cpu_exec.c).
 */
#define MDGPU_CHUNK_BYTES		(64 * 1024)	/* FILL, COPY, DMA */
#define MDGPU_CHUNK_PAGES		(2 * (MDGPU_CHUNK_BYTES / 4096 + 1))

/**
 * struct mdgpu_cmd - a decoded, validated command
 * @op: MDGPU_OP_*
 * @flags: the header's flags
 * @ndw: length in dwords, header included
 * @fill: MDGPU_OP_FILL operands
 * @fill.dst: destination, a VRAM offset
 * @fill.width: bytes per row
 * @fill.height: rows
 * @fill.stride: bytes from one row to the next
 * @fill.value: the 32-bit pattern
 * @copy: MDGPU_OP_COPY operands
 * @copy.src: source, a VRAM offset
 * @copy.dst: destination, a VRAM offset
 * @copy.width: bytes per row
 * @copy.height: rows
 * @copy.src_stride: source bytes from one row to the next
 * @copy.dst_stride: destination bytes from one row to the next
 * @dma: MDGPU_OP_DMA operands
 * @dma.iova: guest address in the device's IOMMU context
 * @dma.vram: VRAM offset
 * @dma.len: bytes
 * @dma.to_guest: direction, VRAM to guest memory
 * @fence: MDGPU_OP_FENCE operands
 * @fence.seq: the sequence number
 * @fence.addr: VRAM offset written with MDGPU_FENCE_WRITE
 * @timestamp: MDGPU_OP_TIMESTAMP operands
 * @timestamp.addr: VRAM offset of the u64
 * @compute: MDGPU_OP_COMPUTE operands
 * @compute.us: duration in microseconds
 */
struct mdgpu_cmd {
	u8 op;
	u8 flags;
	u8 ndw;
	union {
		struct {
			u64 dst;
			u32 width, height, stride, value;
		} fill;
		struct {
			u64 src, dst;
			u32 width, height, src_stride, dst_stride;
		} copy;
		struct {
			u64 iova, vram;
			u32 len;
			bool to_guest;
		} dma;
		struct {
			u32 seq;
			u64 addr;
		} fence;
		struct {
			u64 addr;
		} timestamp;
		struct {
			u32 us;
		} compute;
	};
};

int mdgpu_cmd_length(u32 header, u32 avail_dw, u32 *ndw);
int mdgpu_cmd_decode(const u32 *dw, u32 ndw, u64 vram_size,
		     struct mdgpu_cmd *cmd);
u64 mdgpu_cmd_work(const struct mdgpu_cmd *cmd);
u64 mdgpu_cmd_chunk(const struct mdgpu_cmd *cmd, u64 done);
u32 mdgpu_cmd_row_segment(u32 width, u64 off, u64 len, u32 *row, u32 *col);
u32 mdgpu_cmd_segment(const struct mdgpu_cmd *cmd, u64 off, u64 len,
		      u64 *dst, u64 *src);

int mdgpu_ring_check(u64 base, u32 size, u64 vram_size);
bool mdgpu_ring_ptr_valid(u32 ptr, u32 size);
u32 mdgpu_ring_used(u32 head, u32 tail, u32 size);
u32 mdgpu_ring_advance(u32 ptr, u32 bytes, u32 size);
u32 mdgpu_ring_contig(u32 ptr, u32 bytes, u32 size);

#endif /* _MDGPU_CMD_H */
