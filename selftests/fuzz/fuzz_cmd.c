// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing command decoding, validation and chunking (drivers/cmd.c) the way
 * the engine runs them: the input is the ring's contents between HEAD and
 * TAIL; each command's length is checked against what is left, its dwords
 * are handed over in a buffer of exactly that length, and a valid command
 * is run chunk by chunk, row segment by row segment, against VRAM.
 *
 * A small VRAM (up to 64 KiB) is a real buffer of exactly that size, and
 * every FILL, COPY, DMA, FENCE and TIMESTAMP chunk writes it, so ASan sees
 * any byte outside; a large one (up to 2^63 bytes) is checked in 128-bit
 * arithmetic. The chunks of a command must add up to its work, none larger
 * than the chunk limit.
 *
 * Input: VRAM selector (u8), then dwords, little-endian.
 */
#include "fuzz.h"
#include "mdgpu_cmd.h"

static const u64 big_vram[] = {
	1ULL << 20, 1ULL << 30, 1ULL << 32, 1ULL << 40, 1ULL << 63,
	0xfffffffffffff000ULL,
};

struct vram {
	u64 size;
	u8 *mem;	/* NULL for a large VRAM: arithmetic only */
};

static void vram_touch(struct vram *v, u64 addr, u64 len, const char *what)
{
	FZ_CHECK(len && (__uint128_t)addr + len <= v->size,
		 "%s of %llu bytes at %#llx outside VRAM of %#llx", what,
		 (unsigned long long)len, (unsigned long long)addr,
		 (unsigned long long)v->size);
	if (v->mem)
		memset(v->mem + addr, 0xc3, len);
}

/* 4 KiB pages [@addr, @addr + @len) spans, as the chunk bound counts them. */
static u64 pages_spanned(u64 addr, u64 len)
{
	return len ? (addr + len - 1) / 4096 - addr / 4096 + 1 : 0;
}

/*
 * One 2D chunk: the pieces the engine walks for [off, off + len), through
 * the same mdgpu_cmd_segment(). Each piece lies inside VRAM, inside the
 * rectangle (a piece of one row, or of rows that follow each other), and a
 * COPY's source and destination pieces do not overlap. Return: the pages
 * the chunk touches, counted per piece and side.
 */
static u64 run_2d(struct vram *v, const struct mdgpu_cmd *cmd, u64 off,
		  u64 len)
{
	bool fill = cmd->op == MDGPU_OP_FILL;
	u32 width = fill ? cmd->fill.width : cmd->copy.width;
	u32 height = fill ? cmd->fill.height : cmd->copy.height;
	u64 pages = 0;

	while (len) {
		u64 d, s;
		u32 seg;

		seg = mdgpu_cmd_segment(cmd, off, len, &d, &s);
		FZ_CHECK(seg && seg <= len && off + seg <= (u64)width * height,
			 "piece of %u at %llu of %ux%u", seg,
			 (unsigned long long)off, width, height);
		pages += pages_spanned(d, seg);
		if (fill) {
			vram_touch(v, d, seg, "FILL");
		} else {
			pages += pages_spanned(s, seg);
			FZ_CHECK((__uint128_t)s + seg <= v->size &&
				 (__uint128_t)d + seg <= v->size, "COPY outside VRAM");
			/* memcpy: ASan also reports overlapping ranges. */
			if (v->mem)
				memcpy(v->mem + d, v->mem + s, seg);
		}
		off += seg;
		len -= seg;
	}
	return pages;
}

static void run_chunk(struct vram *v, const struct mdgpu_cmd *cmd, u64 done,
		      u64 len)
{
	u64 pages;

	switch (cmd->op) {
	case MDGPU_OP_FILL:
	case MDGPU_OP_COPY:
		pages = run_2d(v, cmd, done, len);
		FZ_CHECK(pages <= MDGPU_CHUNK_PAGES,
			 "a chunk of %llu bytes touches %llu pages",
			 (unsigned long long)len, (unsigned long long)pages);
		break;
	case MDGPU_OP_DMA:
		vram_touch(v, cmd->dma.vram + done, len, "DMA");
		FZ_CHECK(cmd->dma.iova + done + len - 1 >= cmd->dma.iova,
			 "DMA IOVA wraps");
		break;
	case MDGPU_OP_FENCE:
		if (cmd->flags & MDGPU_FENCE_WRITE)
			vram_touch(v, cmd->fence.addr, 4, "FENCE");
		break;
	case MDGPU_OP_TIMESTAMP:
		vram_touch(v, cmd->timestamp.addr, 8, "TIMESTAMP");
		break;
	}
}

static void check_decoded(struct vram *v, const struct mdgpu_cmd *cmd)
{
	u64 work = mdgpu_cmd_work(cmd), limit, done, k;

	switch (cmd->op) {
	case MDGPU_OP_FILL:
		FZ_CHECK(!((cmd->fill.dst | cmd->fill.width | cmd->fill.stride) & 3),
			 "FILL misaligned");
		FZ_CHECK((__uint128_t)cmd->fill.dst + (__uint128_t)(cmd->fill.height - 1) *
			 cmd->fill.stride + cmd->fill.width <= v->size,
			 "FILL extent outside VRAM");
		limit = MDGPU_CHUNK_BYTES;
		break;
	case MDGPU_OP_COPY:
		limit = MDGPU_CHUNK_BYTES;
		break;
	case MDGPU_OP_DMA:
		FZ_CHECK((__uint128_t)cmd->dma.vram + cmd->dma.len <= v->size,
			 "DMA outside VRAM");
		limit = MDGPU_CHUNK_BYTES;
		break;
	case MDGPU_OP_COMPUTE:
		FZ_CHECK(cmd->compute.us && cmd->compute.us <= MDGPU_COMPUTE_MAX_US,
			 "COMPUTE of %u us", cmd->compute.us);
		limit = work;	/* the rest of the job: the backend cuts it */
		break;
	default:
		limit = 1;
	}
	FZ_CHECK(work, "a valid command with no work");
	FZ_CHECK(mdgpu_cmd_chunk(cmd, work) == 0, "work left after the end");
	/*
	 * Chunks are at most the limit (FILL and COPY: fewer bytes when their
	 * pages run out) and never empty. Walk the first 32 chunks, and 32
	 * from a point near the end (a chunk may start anywhere).
	 */
	for (k = 0, done = 0; done < work && k < 64; k++) {
		u64 len = mdgpu_cmd_chunk(cmd, done);

		FZ_CHECK(len && len <= min(limit, work - done),
			 "chunk at %llu of %llu: %llu bytes",
			 (unsigned long long)done, (unsigned long long)work,
			 (unsigned long long)len);
		run_chunk(v, cmd, done, len);
		done += len;
		if (k == 31 && work - done > 32 * limit)
			done = work - 32 * limit + (done % 7);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz_input in = { data, size };
	u8 sel = fz_u8(&in);
	struct vram v;
	u32 *ring, avail, pos = 0, i;

	if (sel & 1)
		v.size = 4096ULL << (sel >> 1) % 5;
	else
		v.size = big_vram[(sel >> 1) % ARRAY_SIZE(big_vram)];
	v.mem = sel & 1 ? malloc(v.size) : NULL;
	avail = in.left / 4;
	ring = malloc((avail ? avail : 1) * sizeof(u32));
	if ((sel & 1 && !v.mem) || !ring)
		abort();
	for (i = 0; i < avail; i++)
		ring[i] = fz_u32(&in);

	while (pos < avail) {
		struct mdgpu_cmd cmd;
		u32 ndw = 0, err, *dw;

		err = mdgpu_cmd_length(ring[pos], avail - pos, &ndw);
		if (err)
			break;
		FZ_CHECK(ndw && ndw <= avail - pos && ndw <= MDGPU_CMD_MAX_NDW,
			 "length %u with %u dwords left", ndw, avail - pos);
		FZ_CHECK(!MDGPU_CMD_RSVD(ring[pos]), "reserved bits accepted");
		/* Exactly the command's dwords, as the engine copies them. */
		dw = malloc(ndw * sizeof(u32));
		if (!dw)
			abort();
		memcpy(dw, ring + pos, ndw * sizeof(u32));
		memset(&cmd, 0, sizeof(cmd));
		err = mdgpu_cmd_decode(dw, ndw, v.size, &cmd);
		free(dw);
		if (err)
			break;
		FZ_CHECK(cmd.ndw == ndw && cmd.op == MDGPU_CMD_OP(ring[pos]),
			 "decoded op %u ndw %u", cmd.op, cmd.ndw);
		check_decoded(&v, &cmd);
		pos += ndw;
	}
	free(ring);
	free(v.mem);
	return 0;
}
