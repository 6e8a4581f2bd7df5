// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: engine command decoding, validation and chunking.
 *
 * Pure logic over plain data. Everything here comes from the guest: each
 * field is checked before the command may run, and every refusal is an
 * MDGPU_ERR_* code the engine reports in the vGPU's error registers. The
 * checks run in a fixed order (documented in Documentation/device-spec.rst),
 * so a command with several faults always reports the same one.
 */
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/time64.h>

#include "mdgpu_cmd.h"

/* Fixed length of each opcode in dwords; 0 for a variable length (NOP). */
static u32 mdgpu_cmd_fixed_ndw(u32 op)
{
	switch (op) {
	case MDGPU_OP_FILL:
		return MDGPU_FILL_NDW;
	case MDGPU_OP_COPY:
		return MDGPU_COPY_NDW;
	case MDGPU_OP_DMA:
		return MDGPU_DMA_NDW;
	case MDGPU_OP_FENCE:
		return MDGPU_FENCE_NDW;
	case MDGPU_OP_TIMESTAMP:
		return MDGPU_TIMESTAMP_NDW;
	case MDGPU_OP_COMPUTE:
		return MDGPU_COMPUTE_NDW;
	}
	return 0;
}

/* The flags each opcode defines; any other flag bit is reserved. */
static u32 mdgpu_cmd_valid_flags(u32 op)
{
	switch (op) {
	case MDGPU_OP_DMA:
		return MDGPU_DMA_TO_GUEST;
	case MDGPU_OP_FENCE:
		return MDGPU_FENCE_IRQ | MDGPU_FENCE_WRITE;
	}
	return 0;
}

/**
 * mdgpu_cmd_length() - check a command header and find its length
 * @header: dword 0 of the command
 * @avail_dw: dwords between the header and RING_TAIL, header included
 * @ndw: set to the command's length in dwords on success
 *
 * Checks, in this order: a known opcode (MDGPU_ERR_OPCODE), the header's
 * reserved bits 24-31 (MDGPU_ERR_RESERVED), the length field against the
 * opcode (MDGPU_ERR_LENGTH) and against @avail_dw (MDGPU_ERR_LENGTH).
 *
 * Return: MDGPU_ERR_NONE or the error code.
 */
int mdgpu_cmd_length(u32 header, u32 avail_dw, u32 *ndw)
{
	u32 op = MDGPU_CMD_OP(header);
	u32 n = MDGPU_CMD_NDW(header);

	if (op != MDGPU_OP_NOP && !mdgpu_cmd_fixed_ndw(op))
		return MDGPU_ERR_OPCODE;
	if (MDGPU_CMD_RSVD(header))
		return MDGPU_ERR_RESERVED;
	if (!n || (op != MDGPU_OP_NOP && n != mdgpu_cmd_fixed_ndw(op)))
		return MDGPU_ERR_LENGTH;
	if (n > avail_dw)
		return MDGPU_ERR_LENGTH;
	*ndw = n;
	return MDGPU_ERR_NONE;
}

static u64 mdgpu_dw64(const u32 *dw)
{
	return (u64)dw[1] << 32 | dw[0];
}

/*
 * Check a 2D extent of @height rows of @width bytes, @stride apart, at
 * @addr against VRAM of @vram_size bytes; set *@end past its last byte.
 */
static bool mdgpu_extent_ok(u64 addr, u32 width, u32 height, u32 stride,
			    u64 vram_size, u64 *end)
{
	/* At most (2^32 - 1)^2 + 2^32 - 1 < 2^64: no overflow. */
	u64 span = (u64)(height - 1) * stride + width;

	if (check_add_overflow(addr, span, end))
		return false;
	return *end <= vram_size;
}

static int mdgpu_decode_fill(const u32 *dw, u64 vram_size,
			     struct mdgpu_cmd *cmd)
{
	u64 end;

	cmd->fill.dst = mdgpu_dw64(&dw[1]);
	cmd->fill.width = dw[3];
	cmd->fill.height = dw[4];
	cmd->fill.stride = dw[5];
	cmd->fill.value = dw[6];
	if (!cmd->fill.width || !cmd->fill.height)
		return MDGPU_ERR_SIZE;
	if ((cmd->fill.dst | cmd->fill.width | cmd->fill.stride) & 3)
		return MDGPU_ERR_ALIGN;
	if (cmd->fill.height > 1 && cmd->fill.stride < cmd->fill.width)
		return MDGPU_ERR_STRIDE;
	if (!mdgpu_extent_ok(cmd->fill.dst, cmd->fill.width, cmd->fill.height,
			     cmd->fill.stride, vram_size, &end))
		return MDGPU_ERR_RANGE;
	return MDGPU_ERR_NONE;
}

static int mdgpu_decode_copy(const u32 *dw, u64 vram_size,
			     struct mdgpu_cmd *cmd)
{
	u64 src_end, dst_end;

	cmd->copy.src = mdgpu_dw64(&dw[1]);
	cmd->copy.dst = mdgpu_dw64(&dw[3]);
	cmd->copy.width = dw[5];
	cmd->copy.height = dw[6];
	cmd->copy.src_stride = dw[7];
	cmd->copy.dst_stride = dw[8];
	if (!cmd->copy.width || !cmd->copy.height)
		return MDGPU_ERR_SIZE;
	if (cmd->copy.height > 1 && (cmd->copy.src_stride < cmd->copy.width ||
				     cmd->copy.dst_stride < cmd->copy.width))
		return MDGPU_ERR_STRIDE;
	if (!mdgpu_extent_ok(cmd->copy.src, cmd->copy.width, cmd->copy.height,
			     cmd->copy.src_stride, vram_size, &src_end) ||
	    !mdgpu_extent_ok(cmd->copy.dst, cmd->copy.width, cmd->copy.height,
			     cmd->copy.dst_stride, vram_size, &dst_end))
		return MDGPU_ERR_RANGE;
	if (cmd->copy.src < dst_end && cmd->copy.dst < src_end)
		return MDGPU_ERR_OVERLAP;
	return MDGPU_ERR_NONE;
}

static int mdgpu_decode_dma(const u32 *dw, u64 vram_size,
			    struct mdgpu_cmd *cmd)
{
	u64 end;

	cmd->dma.iova = mdgpu_dw64(&dw[1]);
	cmd->dma.vram = mdgpu_dw64(&dw[3]);
	cmd->dma.len = dw[5];
	cmd->dma.to_guest = cmd->flags & MDGPU_DMA_TO_GUEST;
	if (dw[6])
		return MDGPU_ERR_RESERVED;
	if (!cmd->dma.len || cmd->dma.len > vram_size)
		return MDGPU_ERR_SIZE;
	if (check_add_overflow(cmd->dma.vram, (u64)cmd->dma.len, &end) ||
	    end > vram_size)
		return MDGPU_ERR_RANGE;
	/* An IOVA range that wraps around can never be mapped. */
	if (check_add_overflow(cmd->dma.iova, (u64)cmd->dma.len - 1, &end))
		return MDGPU_ERR_DMA;
	return MDGPU_ERR_NONE;
}

/* A naturally aligned VRAM word of @size bytes at @addr. */
static int mdgpu_check_word(u64 addr, u32 size, u64 vram_size)
{
	if (addr & (size - 1))
		return MDGPU_ERR_ALIGN;
	if (addr >= vram_size || vram_size - addr < size)
		return MDGPU_ERR_RANGE;
	return MDGPU_ERR_NONE;
}

/**
 * mdgpu_cmd_decode() - decode and validate one command
 * @dw: the command's dwords in CPU byte order, header first
 * @ndw: its length, as mdgpu_cmd_length() returned it
 * @vram_size: the vGPU's VRAM (BAR0) size in bytes
 * @cmd: the decoded command, valid only on success
 *
 * The header must have passed mdgpu_cmd_length(). Then undefined flag bits
 * are MDGPU_ERR_RESERVED, and each opcode's operands are checked in the
 * order documented in Documentation/device-spec.rst.
 *
 * Return: MDGPU_ERR_NONE or the error code.
 */
int mdgpu_cmd_decode(const u32 *dw, u32 ndw, u64 vram_size,
		     struct mdgpu_cmd *cmd)
{
	u32 header = dw[0];

	cmd->op = MDGPU_CMD_OP(header);
	cmd->flags = MDGPU_CMD_FLAGS(header);
	cmd->ndw = ndw;
	if (cmd->flags & ~mdgpu_cmd_valid_flags(cmd->op))
		return MDGPU_ERR_RESERVED;

	switch (cmd->op) {
	case MDGPU_OP_NOP:
		return MDGPU_ERR_NONE;
	case MDGPU_OP_FILL:
		return mdgpu_decode_fill(dw, vram_size, cmd);
	case MDGPU_OP_COPY:
		return mdgpu_decode_copy(dw, vram_size, cmd);
	case MDGPU_OP_DMA:
		return mdgpu_decode_dma(dw, vram_size, cmd);
	case MDGPU_OP_FENCE:
		cmd->fence.seq = dw[1];
		cmd->fence.addr = mdgpu_dw64(&dw[2]);
		if (!(cmd->flags & MDGPU_FENCE_WRITE))
			return cmd->fence.addr ? MDGPU_ERR_RESERVED :
						 MDGPU_ERR_NONE;
		return mdgpu_check_word(cmd->fence.addr, 4, vram_size);
	case MDGPU_OP_TIMESTAMP:
		cmd->timestamp.addr = mdgpu_dw64(&dw[1]);
		return mdgpu_check_word(cmd->timestamp.addr, 8, vram_size);
	case MDGPU_OP_COMPUTE:
		cmd->compute.us = dw[1];
		if (!cmd->compute.us || cmd->compute.us > MDGPU_COMPUTE_MAX_US)
			return MDGPU_ERR_SIZE;
		return MDGPU_ERR_NONE;
	}
	return MDGPU_ERR_OPCODE;
}

/**
 * mdgpu_cmd_work() - how much work a command is, in its own unit
 * @cmd: a decoded command
 *
 * Return: bytes for FILL and COPY (width * height) and DMA (length),
 * nanoseconds for COMPUTE, and 1 for the single-step commands.
 */
u64 mdgpu_cmd_work(const struct mdgpu_cmd *cmd)
{
	switch (cmd->op) {
	case MDGPU_OP_FILL:
		return (u64)cmd->fill.width * cmd->fill.height;
	case MDGPU_OP_COPY:
		return (u64)cmd->copy.width * cmd->copy.height;
	case MDGPU_OP_DMA:
		return cmd->dma.len;
	case MDGPU_OP_COMPUTE:
		return (u64)cmd->compute.us * NSEC_PER_USEC;
	}
	return 1;
}

/* 4 KiB pages [@addr, @addr + @len) spans (an over-count for larger pages). */
static u32 mdgpu_cmd_pages(u64 addr, u32 len)
{
	u64 first = addr >> 12, last = (addr + len - 1) >> 12;

	return len ? last - first + 1 : 0;
}

/* FILL and COPY: bytes, pages and segments, whichever bound comes first. */
static u64 mdgpu_cmd_chunk_2d(const struct mdgpu_cmd *cmd, u64 done, u64 max)
{
	u64 len = 0, dst, src;
	u32 pages = 0, p, seg;

	while (len < max) {
		seg = mdgpu_cmd_segment(cmd, done + len, max - len, &dst, &src);
		p = mdgpu_cmd_pages(dst, seg);
		if (cmd->op == MDGPU_OP_COPY)
			p += mdgpu_cmd_pages(src, seg);
		/* A lone segment always fits: seg <= MDGPU_CHUNK_BYTES. */
		if (len && pages + p > MDGPU_CHUNK_PAGES)
			break;
		pages += p;
		len += seg;
	}
	return len;
}

/**
 * mdgpu_cmd_chunk() - the size of the next chunk of a command
 * @cmd: a decoded command
 * @done: work done so far, in the unit of mdgpu_cmd_work()
 *
 * FILL, COPY and DMA run at most MDGPU_CHUNK_BYTES per chunk, FILL and
 * COPY also at most MDGPU_CHUNK_PAGES pages touched; the other commands
 * are one chunk. A COMPUTE chunk is offered the rest of the job: the
 * backend occupies the engine until the job's end or the slice's end
 * (&mdgpu_chunk.end_by), whichever comes first, and reports what it ran.
 *
 * Return: the work of the next chunk, 0 once the command is complete.
 */
u64 mdgpu_cmd_chunk(const struct mdgpu_cmd *cmd, u64 done)
{
	u64 work = mdgpu_cmd_work(cmd);

	if (done >= work)
		return 0;
	switch (cmd->op) {
	case MDGPU_OP_FILL:
	case MDGPU_OP_COPY:
		return mdgpu_cmd_chunk_2d(cmd, done,
					  min_t(u64, work - done,
						MDGPU_CHUNK_BYTES));
	case MDGPU_OP_DMA:
		return min_t(u64, work - done, MDGPU_CHUNK_BYTES);
	case MDGPU_OP_COMPUTE:
		return work - done;
	}
	return 1;
}

/**
 * mdgpu_cmd_segment() - the contiguous piece a FILL or COPY chunk starts with
 * @cmd: a decoded FILL or COPY
 * @off: offset in the command's work (row * width + col)
 * @len: bytes left in the chunk, at most MDGPU_CHUNK_BYTES
 * @dst: set to the VRAM address the piece is written to
 * @src: set to the VRAM address it is copied from (COPY), else to 0
 *
 * Rows whose stride equals their width follow each other in VRAM (in the
 * source too, for a COPY) and make one piece; otherwise a piece ends with
 * its row.
 *
 * Return: the piece's length, at most @len.
 */
u32 mdgpu_cmd_segment(const struct mdgpu_cmd *cmd, u64 off, u64 len,
		      u64 *dst, u64 *src)
{
	u32 width, dst_stride, src_stride, row, col, seg;
	u64 dst_base, src_base;

	if (cmd->op == MDGPU_OP_COPY) {
		width = cmd->copy.width;
		dst_base = cmd->copy.dst;
		dst_stride = cmd->copy.dst_stride;
		src_base = cmd->copy.src;
		src_stride = cmd->copy.src_stride;
	} else {
		width = cmd->fill.width;
		dst_base = cmd->fill.dst;
		dst_stride = cmd->fill.stride;
		src_base = 0;
		src_stride = width;
	}
	len = min_t(u64, len, MDGPU_CHUNK_BYTES);
	if (dst_stride == width && src_stride == width) {
		*dst = dst_base + off;
		*src = cmd->op == MDGPU_OP_COPY ? src_base + off : 0;
		return len;
	}
	seg = mdgpu_cmd_row_segment(width, off, len, &row, &col);
	*dst = dst_base + (u64)row * dst_stride + col;
	*src = cmd->op == MDGPU_OP_COPY ? src_base + (u64)row * src_stride + col
					: 0;
	return seg;
}

/**
 * mdgpu_cmd_row_segment() - the row piece a 2D chunk starts with
 * @width: bytes per row, non-zero
 * @off: offset of the chunk in the rows laid end to end (row * width + col)
 * @len: bytes left in the chunk
 * @row: set to the row @off is in
 * @col: set to the byte of that row @off is at
 *
 * Return: the bytes of the chunk in that row: min(@len, @width - @col).
 */
u32 mdgpu_cmd_row_segment(u32 width, u64 off, u64 len, u32 *row, u32 *col)
{
	u32 rem;

	*row = div_u64_rem(off, width, &rem);
	*col = rem;
	return min_t(u64, len, width - rem);
}
