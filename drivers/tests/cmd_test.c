// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of engine command decoding, validation and chunking.
 */
#include <kunit/test.h>
#include <linux/sizes.h>

#include "../cmd.c"

#define VRAM	SZ_64M

static u32 hdr(u32 op, u32 flags, u32 ndw)
{
	return MDGPU_CMD_HEADER(op, flags, ndw);
}

/* Decode @dw (its header's length must pass); return the error code. */
static int decode(struct kunit *test, const u32 *dw, struct mdgpu_cmd *cmd)
{
	u32 ndw = 0;

	KUNIT_ASSERT_EQ(test, mdgpu_cmd_length(dw[0], MDGPU_CMD_MAX_NDW, &ndw),
			MDGPU_ERR_NONE);
	KUNIT_ASSERT_EQ(test, ndw, MDGPU_CMD_NDW(dw[0]));
	return mdgpu_cmd_decode(dw, ndw, VRAM, cmd);
}

static void cmd_length(struct kunit *test)
{
	static const struct {
		u32 op, ndw;
	} fixed[] = {
		{ MDGPU_OP_FILL, MDGPU_FILL_NDW },
		{ MDGPU_OP_COPY, MDGPU_COPY_NDW },
		{ MDGPU_OP_DMA, MDGPU_DMA_NDW },
		{ MDGPU_OP_FENCE, MDGPU_FENCE_NDW },
		{ MDGPU_OP_TIMESTAMP, MDGPU_TIMESTAMP_NDW },
		{ MDGPU_OP_COMPUTE, MDGPU_COMPUTE_NDW },
	};
	unsigned int i;
	u32 ndw = 0;

	/* NOP: any length from 1 to 255. */
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(0, 0, 1), 1, &ndw), 0);
	KUNIT_EXPECT_EQ(test, ndw, 1U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(0, 0, 255), 255, &ndw), 0);
	KUNIT_EXPECT_EQ(test, ndw, 255U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(0, 0, 0), 255, &ndw),
			MDGPU_ERR_LENGTH);
	/* Running past the tail. */
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(0, 0, 5), 4, &ndw),
			MDGPU_ERR_LENGTH);

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		u32 op = fixed[i].op, n = fixed[i].ndw;

		KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(op, 0, n), n, &ndw),
				0);
		KUNIT_EXPECT_EQ(test, ndw, n);
		KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(op, 0, n - 1), 255,
						       &ndw), MDGPU_ERR_LENGTH);
		KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(op, 0, n + 1), 255,
						       &ndw), MDGPU_ERR_LENGTH);
		KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(op, 0, n), n - 1,
						       &ndw), MDGPU_ERR_LENGTH);
	}

	/* Unknown opcodes, checked before anything else. */
	for (i = MDGPU_OP_COMPUTE + 1; i < 256; i++)
		KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(i, 0, 1) | BIT(24),
						       0, &ndw),
				MDGPU_ERR_OPCODE);
	/* Each reserved header bit, checked before the length. */
	for (i = 24; i < 32; i++)
		KUNIT_EXPECT_EQ(test, mdgpu_cmd_length(hdr(0, 0, 0) | BIT(i),
						       0, &ndw),
				MDGPU_ERR_RESERVED);
}

static void cmd_flags(struct kunit *test)
{
	u32 fill[7] = { 0, 0, 0, 4, 1, 4, 0 };
	u32 fence[4] = { 0, 1, 0, 0 };
	u32 nop[2] = { 0, 0xdeadbeef };
	struct mdgpu_cmd cmd;
	unsigned int bit;

	for (bit = 0; bit < 8; bit++) {
		nop[0] = hdr(MDGPU_OP_NOP, BIT(bit), 2);
		KUNIT_EXPECT_EQ(test, decode(test, nop, &cmd),
				MDGPU_ERR_RESERVED);
		fill[0] = hdr(MDGPU_OP_FILL, BIT(bit), 7);
		KUNIT_EXPECT_EQ(test, decode(test, fill, &cmd),
				MDGPU_ERR_RESERVED);
		fence[0] = hdr(MDGPU_OP_FENCE, BIT(bit), 4);
		KUNIT_EXPECT_EQ(test, decode(test, fence, &cmd),
				bit < 2 ? MDGPU_ERR_NONE : MDGPU_ERR_RESERVED);
	}
	/* NOP payload is ignored. */
	nop[0] = hdr(MDGPU_OP_NOP, 0, 2);
	KUNIT_EXPECT_EQ(test, decode(test, nop, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.op, MDGPU_OP_NOP);
	KUNIT_EXPECT_EQ(test, cmd.ndw, 2);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_work(&cmd), 1ULL);
}

static void cmd_fill(struct kunit *test)
{
	u32 dw[7] = { hdr(MDGPU_OP_FILL, 0, 7), 0x1000, 0, 64, 10, 256,
		      0xa5a5a5a5 };
	struct mdgpu_cmd cmd;

	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.fill.dst, 0x1000ULL);
	KUNIT_EXPECT_EQ(test, cmd.fill.width, 64U);
	KUNIT_EXPECT_EQ(test, cmd.fill.height, 10U);
	KUNIT_EXPECT_EQ(test, cmd.fill.stride, 256U);
	KUNIT_EXPECT_EQ(test, cmd.fill.value, 0xa5a5a5a5U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_work(&cmd), 640ULL);

	/* dst high dword */
	dw[2] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	KUNIT_EXPECT_EQ(test, cmd.fill.dst, BIT_ULL(32) + 0x1000);
	dw[2] = 0;
	/* Zero sizes. */
	dw[3] = 0;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_SIZE);
	dw[3] = 64;
	dw[4] = 0;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_SIZE);
	dw[4] = 10;
	/* Alignment of dst, width and stride. */
	dw[1] = 0x1002;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_ALIGN);
	dw[1] = 0x1000;
	dw[3] = 62;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_ALIGN);
	dw[3] = 64;
	dw[5] = 254;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_ALIGN);
	/* Stride below width, only when there are several rows. */
	dw[5] = 60;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_STRIDE);
	dw[4] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[5] = 0;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	/* Exactly up to the end of VRAM, then one row too many. */
	dw[1] = VRAM - 64 - 256;
	dw[4] = 2;
	dw[5] = 256;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[4] = 3;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	/* Huge values must not wrap around. */
	dw[1] = 0xfffffffc;
	dw[2] = 0xffffffff;
	dw[4] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	dw[1] = 0;
	dw[2] = 0;
	dw[3] = 0xfffffffc;
	dw[4] = 0xffffffff;
	dw[5] = 0xfffffffc;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
}

static void cmd_copy(struct kunit *test)
{
	u32 dw[9] = { hdr(MDGPU_OP_COPY, 0, 9), 0x1000, 0, 0x100000, 0,
		      100, 10, 256, 128 };
	struct mdgpu_cmd cmd;

	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.copy.src, 0x1000ULL);
	KUNIT_EXPECT_EQ(test, cmd.copy.dst, 0x100000ULL);
	KUNIT_EXPECT_EQ(test, cmd.copy.width, 100U);
	KUNIT_EXPECT_EQ(test, cmd.copy.height, 10U);
	KUNIT_EXPECT_EQ(test, cmd.copy.src_stride, 256U);
	KUNIT_EXPECT_EQ(test, cmd.copy.dst_stride, 128U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_work(&cmd), 1000ULL);
	/* Byte granular: odd addresses and widths are fine. */
	dw[1] = 0x1001;
	dw[3] = 0x100003;
	dw[5] = 99;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	/* Sizes. */
	dw[5] = 0;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_SIZE);
	dw[5] = 100;
	dw[6] = 0;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_SIZE);
	dw[6] = 10;
	/* Either stride below the width. */
	dw[7] = 99;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_STRIDE);
	dw[7] = 256;
	dw[8] = 99;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_STRIDE);
	dw[6] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[6] = 10;
	dw[8] = 128;
	/* Source, then destination past VRAM. */
	dw[2] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	KUNIT_EXPECT_EQ(test, cmd.copy.src, BIT_ULL(32) + 0x1001);
	dw[2] = 0;
	dw[3] = VRAM - 9 * 128 - 99;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	dw[3] = VRAM - 9 * 128 - 100;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[4] = 0xffffffff;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	dw[4] = 0;
	/* Overlap of the extents, either way; touching is fine. */
	dw[1] = 0x1000;
	dw[3] = 0x1000 + 9 * 256 + 99;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_OVERLAP);
	dw[3] = 0x1000 + 9 * 256 + 100;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[3] = 0x1000 - 9 * 128 - 99;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_OVERLAP);
	dw[3] = 0x1000 - 9 * 128 - 100;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[3] = 0x1000;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_OVERLAP);
}

static void cmd_dma(struct kunit *test)
{
	u32 dw[7] = { hdr(MDGPU_OP_DMA, 0, 7), 0x12345678, 0x9, 0x2000, 0,
		      4096, 0 };
	struct mdgpu_cmd cmd;

	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.dma.iova, 0x912345678ULL);
	KUNIT_EXPECT_EQ(test, cmd.dma.vram, 0x2000ULL);
	KUNIT_EXPECT_EQ(test, cmd.dma.len, 4096U);
	KUNIT_EXPECT_FALSE(test, cmd.dma.to_guest);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_work(&cmd), 4096ULL);
	dw[0] = hdr(MDGPU_OP_DMA, MDGPU_DMA_TO_GUEST, 7);
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_TRUE(test, cmd.dma.to_guest);
	/* Reserved dword. */
	dw[6] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RESERVED);
	dw[6] = 0;
	/* Byte granular, any IOVA. */
	dw[1] = 1;
	dw[3] = 3;
	dw[5] = 5;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	/* Length. */
	dw[3] = 0;
	dw[5] = 0;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_SIZE);
	dw[5] = VRAM + 1;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_SIZE);
	dw[5] = VRAM;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	/* VRAM range. */
	dw[3] = 4;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	dw[5] = 16;
	dw[3] = VRAM - 16;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[4] = 0xffffffff;
	dw[3] = 0xfffffff8;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_RANGE);
	dw[3] = 0;
	dw[4] = 0;
	/* An IOVA range that wraps past 2^64. */
	dw[5] = 8;
	dw[1] = 0xfffffff8;
	dw[2] = 0xffffffff;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_NONE);
	dw[1] = 0xfffffff9;
	KUNIT_EXPECT_EQ(test, decode(test, dw, &cmd), MDGPU_ERR_DMA);
}

static void cmd_fence_timestamp_compute(struct kunit *test)
{
	u32 f[4] = { hdr(MDGPU_OP_FENCE, 0, 4), 77, 0, 0 };
	u32 t[3] = { hdr(MDGPU_OP_TIMESTAMP, 0, 3), 0x108, 0 };
	u32 c[2] = { hdr(MDGPU_OP_COMPUTE, 0, 2), 250 };
	struct mdgpu_cmd cmd;

	KUNIT_EXPECT_EQ(test, decode(test, f, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.fence.seq, 77U);
	/* Without WRITE the address must be 0 (both dwords). */
	f[2] = 4;
	KUNIT_EXPECT_EQ(test, decode(test, f, &cmd), MDGPU_ERR_RESERVED);
	f[2] = 0;
	f[3] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, f, &cmd), MDGPU_ERR_RESERVED);
	f[3] = 0;
	f[0] = hdr(MDGPU_OP_FENCE, MDGPU_FENCE_WRITE | MDGPU_FENCE_IRQ, 4);
	f[2] = VRAM - 4;
	KUNIT_EXPECT_EQ(test, decode(test, f, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.fence.addr, (u64)VRAM - 4);
	KUNIT_EXPECT_EQ(test, cmd.flags, MDGPU_FENCE_WRITE | MDGPU_FENCE_IRQ);
	f[2] = VRAM - 2;
	KUNIT_EXPECT_EQ(test, decode(test, f, &cmd), MDGPU_ERR_ALIGN);
	f[2] = VRAM;
	KUNIT_EXPECT_EQ(test, decode(test, f, &cmd), MDGPU_ERR_RANGE);
	f[2] = 0;
	f[3] = 0xffffffff;
	KUNIT_EXPECT_EQ(test, decode(test, f, &cmd), MDGPU_ERR_RANGE);

	KUNIT_EXPECT_EQ(test, decode(test, t, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.timestamp.addr, 0x108ULL);
	t[1] = 0x104;
	KUNIT_EXPECT_EQ(test, decode(test, t, &cmd), MDGPU_ERR_ALIGN);
	t[1] = VRAM - 8;
	KUNIT_EXPECT_EQ(test, decode(test, t, &cmd), MDGPU_ERR_NONE);
	t[1] = VRAM;
	KUNIT_EXPECT_EQ(test, decode(test, t, &cmd), MDGPU_ERR_RANGE);
	t[1] = 0;
	t[2] = 1;
	KUNIT_EXPECT_EQ(test, decode(test, t, &cmd), MDGPU_ERR_RANGE);
	t[0] = hdr(MDGPU_OP_TIMESTAMP, 1, 3);
	KUNIT_EXPECT_EQ(test, decode(test, t, &cmd), MDGPU_ERR_RESERVED);

	KUNIT_EXPECT_EQ(test, decode(test, c, &cmd), MDGPU_ERR_NONE);
	KUNIT_EXPECT_EQ(test, cmd.compute.us, 250U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_work(&cmd), 250000ULL);
	c[1] = 0;
	KUNIT_EXPECT_EQ(test, decode(test, c, &cmd), MDGPU_ERR_SIZE);
	c[1] = MDGPU_COMPUTE_MAX_US;
	KUNIT_EXPECT_EQ(test, decode(test, c, &cmd), MDGPU_ERR_NONE);
	c[1] = MDGPU_COMPUTE_MAX_US + 1;
	KUNIT_EXPECT_EQ(test, decode(test, c, &cmd), MDGPU_ERR_SIZE);
}

/* Chunks of a command cover its work exactly, each within the limit. */
static void check_chunks(struct kunit *test, const struct mdgpu_cmd *cmd,
			 u64 limit, u64 expect_chunks)
{
	u64 done = 0, n = 0, len;

	while ((len = mdgpu_cmd_chunk(cmd, done))) {
		KUNIT_EXPECT_LE(test, len, limit);
		done += len;
		n++;
	}
	KUNIT_EXPECT_EQ(test, done, mdgpu_cmd_work(cmd));
	KUNIT_EXPECT_EQ(test, n, expect_chunks);
}

static void cmd_chunks(struct kunit *test)
{
	struct mdgpu_cmd cmd = { .op = MDGPU_OP_FILL };

	cmd.fill.width = 4096;
	cmd.fill.stride = 4096;
	cmd.fill.height = 16;
	check_chunks(test, &cmd, MDGPU_CHUNK_BYTES, 1);
	cmd.fill.height = 17;
	check_chunks(test, &cmd, MDGPU_CHUNK_BYTES, 2);
	cmd.fill.width = 4;
	cmd.fill.stride = 4;
	cmd.fill.height = 1;
	check_chunks(test, &cmd, MDGPU_CHUNK_BYTES, 1);

	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_COPY };
	cmd.copy.width = 100000;
	cmd.copy.src_stride = 100000;
	cmd.copy.dst_stride = 100000;
	cmd.copy.height = 3;
	check_chunks(test, &cmd, MDGPU_CHUNK_BYTES, 5);

	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_DMA };
	cmd.dma.len = SZ_1M + 1;
	check_chunks(test, &cmd, MDGPU_CHUNK_BYTES, 17);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, SZ_1M), 1ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, SZ_1M + 1), 0ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, SZ_1M + 2), 0ULL);

	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_COMPUTE };
	/* COMPUTE is offered the rest of the job; the backend cuts it. */
	cmd.compute.us = 1000;
	check_chunks(test, &cmd, 1000 * NSEC_PER_USEC, 1);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, 300 * NSEC_PER_USEC),
			700 * NSEC_PER_USEC);
	cmd.compute.us = 1;
	check_chunks(test, &cmd, NSEC_PER_USEC, 1);
	/* A COMPUTE chunk that overran still ends the command. */
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, 5000), 0ULL);

	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_FENCE };
	check_chunks(test, &cmd, 1, 1);
	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_NOP };
	check_chunks(test, &cmd, 1, 1);
	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_TIMESTAMP };
	check_chunks(test, &cmd, 1, 1);

	/* Largest FILL of a 64 MiB VRAM: 1024 chunks. */
	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_FILL };
	cmd.fill.width = SZ_64M;
	cmd.fill.height = 1;
	check_chunks(test, &cmd, MDGPU_CHUNK_BYTES, SZ_64M / MDGPU_CHUNK_BYTES);
}

/*
 * Walk a FILL or COPY chunk by chunk and check that no chunk touches more
 * than MDGPU_CHUNK_PAGES pages (per segment and side, as the engine does),
 * that every segment lies inside the rectangle's rows, and that the chunks
 * add up to the command. Return: the number of chunks.
 */
static u64 walk_chunks(struct kunit *test, const struct mdgpu_cmd *cmd)
{
	u64 done = 0, n = 0, len, off, dst, src, pages;
	u32 seg;

	while ((len = mdgpu_cmd_chunk(cmd, done))) {
		KUNIT_ASSERT_LE(test, len, (u64)MDGPU_CHUNK_BYTES);
		pages = 0;
		for (off = done; off < done + len; off += seg) {
			seg = mdgpu_cmd_segment(cmd, off, done + len - off,
						&dst, &src);
			KUNIT_ASSERT_GT(test, seg, 0U);
			pages += (dst + seg - 1) / 4096 - dst / 4096 + 1;
			if (cmd->op == MDGPU_OP_COPY)
				pages += (src + seg - 1) / 4096 - src / 4096 + 1;
		}
		KUNIT_ASSERT_EQ(test, off, done + len);
		KUNIT_ASSERT_LE(test, pages, (u64)MDGPU_CHUNK_PAGES);
		done += len;
		n++;
	}
	KUNIT_EXPECT_EQ(test, done, mdgpu_cmd_work(cmd));
	return n;
}

/*
 * A chunk is bounded in work, not only in bytes: narrow rows far apart
 * touch a page each, so a chunk runs only as many rows as its page budget
 * allows (issue: a FILL of width 4 and stride 4096 touched 16384 fresh
 * pages in one 64 KiB chunk, a COPY of width 1 65536).
 */
static void cmd_chunk_pages(struct kunit *test)
{
	struct mdgpu_cmd cmd = { .op = MDGPU_OP_FILL };
	u64 dst, src;

	cmd.fill.width = 4;
	cmd.fill.stride = 4096;
	cmd.fill.height = 16384;
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, 0),
			4ULL * MDGPU_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, walk_chunks(test, &cmd),
			DIV_ROUND_UP(16384ULL, MDGPU_CHUNK_PAGES));

	/* Packed rows (stride == width) are one linear run. */
	cmd.fill.stride = 4;
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, 0), 65536ULL);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_segment(&cmd, 8, 1000, &dst, &src),
			1000U);
	KUNIT_EXPECT_EQ(test, dst, 8ULL);
	KUNIT_EXPECT_EQ(test, walk_chunks(test, &cmd), 1ULL);

	/* A row in each page, unaligned, crossing a page boundary. */
	cmd.fill.dst = 4094;
	cmd.fill.width = 4;
	cmd.fill.stride = 8192;
	cmd.fill.height = 1000;
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, 0),
			4ULL * (MDGPU_CHUNK_PAGES / 2));
	walk_chunks(test, &cmd);

	cmd = (struct mdgpu_cmd){ .op = MDGPU_OP_COPY };
	cmd.copy.width = 1;
	cmd.copy.src_stride = 1;
	cmd.copy.dst_stride = 4096;
	cmd.copy.height = 65536;
	cmd.copy.dst = SZ_1M;
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_chunk(&cmd, 0),
			(u64)MDGPU_CHUNK_PAGES / 2);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_segment(&cmd, 3, 10, &dst, &src), 1U);
	KUNIT_EXPECT_EQ(test, dst, SZ_1M + 3ULL * 4096);
	KUNIT_EXPECT_EQ(test, src, 3ULL);
	walk_chunks(test, &cmd);

	/* Linear copies keep their 64 KiB chunks, aligned or not. */
	cmd.copy.width = SZ_1M;
	cmd.copy.src_stride = SZ_1M;
	cmd.copy.dst_stride = SZ_1M;
	cmd.copy.height = 2;
	cmd.copy.src = 123;
	cmd.copy.dst = SZ_4M + 4095;
	KUNIT_EXPECT_EQ(test, walk_chunks(test, &cmd),
			2ULL * SZ_1M / MDGPU_CHUNK_BYTES);
	/* Wide rows with a gap: the page budget never cuts a lone segment. */
	cmd.copy.dst_stride = SZ_1M + 4096;
	KUNIT_EXPECT_EQ(test, walk_chunks(test, &cmd),
			2ULL * SZ_1M / MDGPU_CHUNK_BYTES);
}

static void cmd_row_segments(struct kunit *test)
{
	u32 row, col;

	KUNIT_EXPECT_EQ(test, mdgpu_cmd_row_segment(100, 0, 65536, &row, &col),
			100U);
	KUNIT_EXPECT_EQ(test, row, 0U);
	KUNIT_EXPECT_EQ(test, col, 0U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_row_segment(100, 250, 65536, &row,
						    &col), 50U);
	KUNIT_EXPECT_EQ(test, row, 2U);
	KUNIT_EXPECT_EQ(test, col, 50U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_row_segment(100, 250, 7, &row, &col),
			7U);
	/* Rows wider than a chunk. */
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_row_segment(100000, 65536, 65536, &row,
						    &col), 100000U - 65536);
	KUNIT_EXPECT_EQ(test, row, 0U);
	KUNIT_EXPECT_EQ(test, col, 65536U);
	KUNIT_EXPECT_EQ(test, mdgpu_cmd_row_segment(0xffffffff,
						    0x1fffffffdULL, 10, &row,
						    &col), 1U);
	KUNIT_EXPECT_EQ(test, row, 1U);
	KUNIT_EXPECT_EQ(test, col, 0xfffffffeU);
}

static struct kunit_case mdgpu_cmd_cases[] = {
	KUNIT_CASE(cmd_length),
	KUNIT_CASE(cmd_flags),
	KUNIT_CASE(cmd_fill),
	KUNIT_CASE(cmd_copy),
	KUNIT_CASE(cmd_dma),
	KUNIT_CASE(cmd_fence_timestamp_compute),
	KUNIT_CASE(cmd_chunks),
	KUNIT_CASE(cmd_row_segments),
	KUNIT_CASE(cmd_chunk_pages),
	{}
};

static struct kunit_suite mdgpu_cmd_suite = {
	.name = "mdgpu_cmd",
	.test_cases = mdgpu_cmd_cases,
};

kunit_test_suite(mdgpu_cmd_suite);
