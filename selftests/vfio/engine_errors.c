// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu engine errors: every class of bad command and bad ring placement
 * puts the submitting vGPU's engine context in its error state, with the
 * right ERR_CODE, ERR_HEAD and ERR_HEADER, raises its error interrupt
 * (IRQ_STATUS.ERROR on INTx, never the VFIO ERR index), stops its ring after
 * the faulting command, leaves what it did before intact, and lets a
 * neighbouring vGPU's work complete correctly meanwhile. RING_CTRL.RESET
 * recovers. The host sees the same in the instance's sysfs files
 * (engine_error_code, engine_error_head, engine_error_header,
 * engine_errors, engine_commands). The kernel log stays free of warnings.
 */
#include <pthread.h>

#include "engine_mix.h"

/* VRAM the victim writes with good commands around the bad one */
#define BEFORE		0x10000ULL
#define AFTER		0x20000ULL
#define MARK		0x100

struct bad_ctx {
	struct mdgpu *g;
	struct mdgpu_dma buf;	/* a mapped 64 KiB buffer */
	uint64_t vram;		/* the vGPU's VRAM size */
};

/* Builds the bad command into @dw; returns its dwords. */
typedef unsigned int (*bad_fn)(struct bad_ctx *c, uint32_t *dw);

FIXTURE(bad) {
	struct eng_fixture f;
	struct eng_vgpu victim;
	struct eng_vgpu neighbour;
};

FIXTURE_VARIANT(bad) {
	uint32_t err;
	bad_fn build;		/* a bad command, or */
	/* a bad ring: placement, then the doorbell value */
	uint64_t ring_base;
	uint32_t ring_size;
	uint32_t tail;
};

#define V	(c->vram)

static unsigned int bad_opcode(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	dw[0] = MDGPU_CMD_HEADER(0x7f, 0, 2);
	dw[1] = 0;
	return 2;
}

static unsigned int bad_opcode_next(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_COMPUTE + 1, 0, 1);
	return 1;
}

static unsigned int nop_len0(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_NOP, 0, 0);
	return 1;
}

static unsigned int fill_short(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	mdgpu_cmd_fill(dw, 0, 4, 1, 0, 0);
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_FILL, 0, MDGPU_FILL_NDW - 1);
	return MDGPU_FILL_NDW - 1;
}

static unsigned int fence_long(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	mdgpu_cmd_fence(dw, 1, 0, 0);
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_FENCE, 0, MDGPU_FENCE_NDW + 1);
	dw[MDGPU_FENCE_NDW] = 0;
	return MDGPU_FENCE_NDW + 1;
}

static unsigned int hdr_reserved(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	mdgpu_cmd_fill(dw, 0, 4, 1, 0, 0);
	dw[0] |= 1u << 24;
	return MDGPU_FILL_NDW;
}

static unsigned int fill_flags(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	mdgpu_cmd_fill(dw, 0, 4, 1, 0, 0);
	dw[0] |= 0x80 << 8;
	return MDGPU_FILL_NDW;
}

static unsigned int dma_flags(struct bad_ctx *c, uint32_t *dw)
{
	mdgpu_cmd_dma(dw, c->buf.iova, 0, 16, false);
	dw[0] |= 0x02 << 8;
	return MDGPU_DMA_NDW;
}

static unsigned int dma_rsvd_dw(struct bad_ctx *c, uint32_t *dw)
{
	mdgpu_cmd_dma(dw, c->buf.iova, 0, 16, false);
	dw[6] = 1;
	return MDGPU_DMA_NDW;
}

static unsigned int fence_addr_nowrite(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fence(dw, 77, MDGPU_FENCE_IRQ, ENG_SLOTS);
}

static unsigned int fill_past_end(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_fill(dw, V - 64, 128, 1, 0, 0);
}

static unsigned int fill_rect_past_end(struct bad_ctx *c, uint32_t *dw)
{
	/* each row fits, the last one does not */
	return mdgpu_cmd_fill(dw, V - 0x10000, 64, 17, 0x1000, 0);
}

static unsigned int fill_hi(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fill(dw, 1ULL << 32, 4, 1, 0, 0);
}

static unsigned int fill_wrap(struct bad_ctx *c, uint32_t *dw)
{
	/* stride * height wraps 32 and 64 bits if computed carelessly */
	(void)c;
	return mdgpu_cmd_fill(dw, 0xfffffffffffff000ULL, 4, 0xffffffff,
			      0xfffffffc, 0);
}

static unsigned int copy_src_range(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_copy(dw, V - 10, 0, 11, 1, 0, 0);
}

static unsigned int copy_dst_range(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_copy(dw, 0, V, 1, 1, 0, 0);
}

static unsigned int dma_vram_range(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_dma(dw, c->buf.iova, V - 8, 16, true);
}

static unsigned int ts_range(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_timestamp(dw, V);
}

static unsigned int fence_range(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_fence(dw, 5, MDGPU_FENCE_WRITE, V);
}

static unsigned int fill_dst_align(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fill(dw, 2, 4, 1, 0, 0);
}

static unsigned int fill_width_align(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fill(dw, 0, 6, 1, 0, 0);
}

static unsigned int fill_stride_align(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fill(dw, 0, 8, 2, 1026, 0);
}

static unsigned int ts_align(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_timestamp(dw, ENG_SLOTS + 4);
}

static unsigned int fence_align(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fence(dw, 5, MDGPU_FENCE_WRITE, ENG_SLOTS + 2);
}

static unsigned int fill_width0(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fill(dw, 0, 0, 1, 0, 0);
}

static unsigned int fill_height0(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fill(dw, 0, 4, 0, 4, 0);
}

static unsigned int copy_width0(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_copy(dw, 0, 0x1000, 0, 1, 0, 0);
}

static unsigned int dma_len0(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_dma(dw, c->buf.iova, 0, 0, false);
}

static unsigned int dma_len_huge(struct bad_ctx *c, uint32_t *dw)
{
	return mdgpu_cmd_dma(dw, c->buf.iova, 0, (uint32_t)V + 4096, false);
}

static unsigned int compute0(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_compute(dw, 0);
}

static unsigned int compute_long(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_compute(dw, MDGPU_COMPUTE_MAX_US + 1);
}

static unsigned int fill_stride(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_fill(dw, 0, 64, 2, 60, 0);
}

static unsigned int copy_src_stride(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_copy(dw, 0, 0x100000, 100, 3, 99, 100);
}

static unsigned int copy_dst_stride(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_copy(dw, 0, 0x100000, 100, 3, 100, 0);
}

static unsigned int copy_overlap(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_copy(dw, 0x1000, 0x1000 + 100, 200, 1, 0, 0);
}

static unsigned int copy_overlap_rect(struct bad_ctx *c, uint32_t *dw)
{
	/* rows interleave: the extents overlap although no row does */
	(void)c;
	return mdgpu_cmd_copy(dw, 0x40000, 0x40100, 16, 4, 4096, 4096);
}

static unsigned int dma_unmapped(struct bad_ctx *c, uint32_t *dw)
{
	(void)c;
	return mdgpu_cmd_dma(dw, 0x7000000000ULL, 0, 4096, false);
}

static unsigned int dma_past_mapping(struct bad_ctx *c, uint32_t *dw)
{
	/* runs from the buffer into the unmapped page after it */
	return mdgpu_cmd_dma(dw, c->buf.iova + c->buf.len - 16, 0, 64, true);
}

static unsigned int dma_after_unmap(struct bad_ctx *c, uint32_t *dw)
{
	if (mdgpu_dma_unmap(c->g, c->buf.iova, c->buf.len))
		return 0;
	c->buf.len = 0;
	return mdgpu_cmd_dma(dw, c->buf.iova, 0, 4096, false);
}

#define BAD(name_, err_, fn_) \
	FIXTURE_VARIANT_ADD(bad, name_) { .err = MDGPU_ERR_##err_, .build = fn_ }
#define BAD_RING(name_, base_, size_, tail_) \
	FIXTURE_VARIANT_ADD(bad, name_) { .err = MDGPU_ERR_RING, \
		.ring_base = base_, .ring_size = size_, .tail = tail_ }

BAD(opcode, OPCODE, bad_opcode);
BAD(opcode_next_unused, OPCODE, bad_opcode_next);
BAD(length_zero, LENGTH, nop_len0);
BAD(length_short, LENGTH, fill_short);
BAD(length_long, LENGTH, fence_long);
BAD(reserved_header_bits, RESERVED, hdr_reserved);
BAD(reserved_fill_flag, RESERVED, fill_flags);
BAD(reserved_dma_flag, RESERVED, dma_flags);
BAD(reserved_dma_dword, RESERVED, dma_rsvd_dw);
BAD(reserved_fence_addr, RESERVED, fence_addr_nowrite);
BAD(range_fill, RANGE, fill_past_end);
BAD(range_fill_rect, RANGE, fill_rect_past_end);
BAD(range_fill_high, RANGE, fill_hi);
BAD(range_fill_overflow, RANGE, fill_wrap);
BAD(range_copy_src, RANGE, copy_src_range);
BAD(range_copy_dst, RANGE, copy_dst_range);
BAD(range_dma_vram, RANGE, dma_vram_range);
BAD(range_timestamp, RANGE, ts_range);
BAD(range_fence, RANGE, fence_range);
BAD(align_fill_dst, ALIGN, fill_dst_align);
BAD(align_fill_width, ALIGN, fill_width_align);
BAD(align_fill_stride, ALIGN, fill_stride_align);
BAD(align_timestamp, ALIGN, ts_align);
BAD(align_fence, ALIGN, fence_align);
BAD(size_fill_width, SIZE, fill_width0);
BAD(size_fill_height, SIZE, fill_height0);
BAD(size_copy_width, SIZE, copy_width0);
BAD(size_dma_zero, SIZE, dma_len0);
BAD(size_dma_huge, SIZE, dma_len_huge);
BAD(size_compute_zero, SIZE, compute0);
BAD(size_compute_long, SIZE, compute_long);
BAD(stride_fill, STRIDE, fill_stride);
BAD(stride_copy_src, STRIDE, copy_src_stride);
BAD(stride_copy_dst, STRIDE, copy_dst_stride);
BAD(overlap_copy, OVERLAP, copy_overlap);
BAD(overlap_copy_rect, OVERLAP, copy_overlap_rect);
BAD(dma_unmapped_iova, DMA, dma_unmapped);
BAD(dma_past_mapping_end, DMA, dma_past_mapping);
BAD(dma_after_unmap, DMA, dma_after_unmap);
BAD_RING(ring_outside_vram, (64ULL << 20) - 0x1000, 0x2000, 0x10);
BAD_RING(ring_base_high, 1ULL << 32, 0x1000, 0x10);
BAD_RING(ring_base_misaligned, ENG_RING + 0x800, 0x1000, 0x10);
BAD_RING(ring_size_not_pow2, ENG_RING, 0x3000, 0x10);
BAD_RING(ring_size_small, ENG_RING, 0x800, 0x10);
BAD_RING(ring_size_large, ENG_RING, 2 * MDGPU_RING_SIZE_MAX, 0x10);
BAD_RING(ring_tail_misaligned, ENG_RING, 0x1000, 0x12);
BAD_RING(ring_tail_past_end, ENG_RING, 0x1000, 0x1000);
BAD_RING(ring_tail_garbage, ENG_RING, 0x1000, 0xfffffff0);

FIXTURE_SETUP(bad)
{
	eng_setup(_metadata, &self->f, false);
	ASSERT_TRUE(eng_open(_metadata, &self->f, &self->victim,
			     MDGPU_IRQ_INTX));
	ASSERT_TRUE(eng_open(_metadata, &self->f, &self->neighbour,
			     MDGPU_IRQ_MSI));
}

FIXTURE_TEARDOWN_PARENT(bad)
{
	eng_teardown(_metadata, &self->f);
}

struct neighbour_arg {
	struct mdgpu *g;
	struct mix_result r;
};

static void *neighbour_thread(void *p)
{
	struct neighbour_arg *a = p;

	run_mix(a->g, 0, 7, 200, 200, &a->r);
	return NULL;
}

static uint32_t vram32(struct mdgpu *g, uint64_t off)
{
	return *(volatile uint32_t *)(g->vram + off);
}

/* An instance's sysfs statistic; UINT64_MAX if it cannot be read. */
static uint64_t sysfs_u64(const char *uuid, const char *attr)
{
	uint64_t v;

	return mdgpu_instance_u64(uuid, attr, &v) ? UINT64_MAX : v;
}

/*
 * engine_commands once it has caught up with CMDS_DONE (the engine
 * counts a command for the host just after the guest sees it): both count
 * every command since the device was opened here, as no device reset
 * happens in between.
 */
static uint64_t settled_commands(struct eng_vgpu *v)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < 200; i++) {
		n = sysfs_u64(v->uuid, "engine_commands");
		if (n == mdgpu_rd(&v->g, MDGPU_REG_CMDS_DONE))
			break;
		usleep(10000);
	}
	return n;
}

/* What the host sees of a context's error: its registers, in sysfs. */
static void expect_sysfs_error(struct __test_metadata *_metadata,
			       struct eng_vgpu *v, uint64_t errors)
{
	struct mdgpu_error e;

	mdgpu_error(&v->g, &e);
	EXPECT_EQ(e.code, sysfs_u64(v->uuid, "engine_error_code"));
	EXPECT_EQ(e.head, sysfs_u64(v->uuid, "engine_error_head"));
	EXPECT_EQ(e.header, sysfs_u64(v->uuid, "engine_error_header"));
	EXPECT_EQ(errors, sysfs_u64(v->uuid, "engine_errors"));
	EXPECT_EQ(mdgpu_rd(&v->g, MDGPU_REG_CMDS_DONE), settled_commands(v))
		TH_LOG("engine_commands against CMDS_DONE");
}

TEST_F(bad, command)
{
	struct mdgpu *g = &self->victim.g;
	struct bad_ctx c = { .g = g, .vram = g->vram_size };
	struct neighbour_arg nb = { .g = &self->neighbour.g };
	uint32_t dw[64], bad_at, seq1, seq2, n;
	bool ring = !variant->build;
	struct mdgpu_error e;
	pthread_t t;
	int code, st;

	ASSERT_OK(mdgpu_dma_alloc(g, 64 << 10, &c.buf));
	ASSERT_OK(pthread_create(&t, NULL, neighbour_thread, &nb));

	/* good work first: it must complete */
	mdgpu_cmd_fill(dw, BEFORE, 64, 1, 0, MARK);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	seq1 = g->seq + 1;
	ASSERT_EQ(seq1, mdgpu_fence(g, 0, 0));
	ASSERT_OK(mdgpu_wait_fence(g, seq1, ENG_TIMEOUT_MS));
	EXPECT_EQ(MARK, vram32(g, BEFORE + 60));
	EXPECT_LE(2, mdgpu_rd(g, MDGPU_REG_CMDS_DONE));
	expect_sysfs_error(_metadata, &self->victim, 0);
	EXPECT_EQ(0, sysfs_u64(self->victim.uuid, "engine_error_code"));

	if (ring) {
		/* the placement and pointers a confused driver would give */
		ASSERT_OK(mdgpu_wr(g, MDGPU_REG_RING_CTRL,
				   MDGPU_RING_CTRL_RESET));
		ASSERT_OK(mdgpu_wr(g, MDGPU_REG_RING_BASE_LO,
				   (uint32_t)variant->ring_base));
		ASSERT_OK(mdgpu_wr(g, MDGPU_REG_RING_BASE_HI,
				   variant->ring_base >> 32));
		ASSERT_OK(mdgpu_wr(g, MDGPU_REG_RING_SIZE, variant->ring_size));
		ASSERT_OK(mdgpu_wr(g, MDGPU_REG_RING_CTRL,
				   MDGPU_RING_CTRL_ENABLE));
		ASSERT_OK(mdgpu_wr(g, MDGPU_REG_RING_TAIL, variant->tail));
		seq2 = seq1;
		n = 0;
		bad_at = 0;
	} else {
		n = variant->build(&c, dw);
		ASSERT_LT(0, n) TH_LOG("building the bad command failed");
		bad_at = g->tail;
		ASSERT_OK(mdgpu_ring_write(g, dw, n, ENG_TIMEOUT_MS));
		/* good work after it: it must not run */
		mdgpu_cmd_fill(dw + 16, AFTER, 64, 1, 0, MARK);
		ASSERT_OK(mdgpu_ring_write(g, dw + 16, MDGPU_FILL_NDW,
					   ENG_TIMEOUT_MS));
		seq2 = seq1 + 1;
		mdgpu_cmd_fence(dw + 32, seq2, MDGPU_FENCE_IRQ, 0);
		ASSERT_OK(mdgpu_submit(g, dw + 32, MDGPU_FENCE_NDW,
				       ENG_TIMEOUT_MS));
	}

	code = mdgpu_wait_error(g, ENG_TIMEOUT_MS);
	mdgpu_error(g, &e);
	EXPECT_EQ((int)variant->err, code)
		TH_LOG("ERR_CODE %d (%s), want %u (%s); head 0x%x header 0x%08x",
		       code, code >= 0 ? mdgpu_err_name(code) : "timeout",
		       variant->err, mdgpu_err_name(variant->err), e.head,
		       e.header);
	EXPECT_TRUE(e.status & MDGPU_ENGINE_ERROR);
	if (!ring) {
		EXPECT_EQ(bad_at, e.head) TH_LOG("ERR_HEAD");
		EXPECT_EQ(dw[0], e.header) TH_LOG("ERR_HEADER");
	}
	/* the host sees the error as the guest does, and counts it once */
	expect_sysfs_error(_metadata, &self->victim, 1);
	EXPECT_EQ(variant->err,
		  sysfs_u64(self->victim.uuid, "engine_error_code"));
	/* the ring stopped at the bad command */
	EXPECT_EQ(seq1, mdgpu_rd(g, MDGPU_REG_FENCE_LAST));
	EXPECT_EQ(0, vram32(g, AFTER)) TH_LOG("a command after the error ran");
	EXPECT_EQ(MARK, vram32(g, BEFORE));

	/*
	 * the error interrupt: IRQ_STATUS.ERROR over INTx, and never the VFIO
	 * ERR index, on which QEMU stops the whole VM
	 */
	EXPECT_EQ(1, mdgpu_irq_wait(g, ENG_TIMEOUT_MS));
	usleep(20000);
	st = mdgpu_irq_handle(g);
	EXPECT_EQ(MDGPU_IRQ_ERROR, st & MDGPU_IRQ_ERROR) TH_LOG("IRQ_STATUS 0x%x", st);
	EXPECT_EQ(0, st & MDGPU_IRQ_FENCE) TH_LOG("the fence after the error fired");
	EXPECT_EQ(1, g->irqs);
	EXPECT_EQ(0, g->err_irqs) TH_LOG("an engine fault signalled VFIO ERR");

	/* the neighbour did all its work, correctly */
	pthread_join(t, NULL);
	EXPECT_EQ(0, nb.r.ret) TH_LOG("neighbour: %s", nb.r.msg);
	EXPECT_EQ(MDGPU_ERR_NONE, mdgpu_rd(nb.g, MDGPU_REG_ERR_CODE));
	EXPECT_EQ(0, nb.g->err_irqs);
	expect_sysfs_error(_metadata, &self->neighbour, 0);
	EXPECT_LT(0, sysfs_u64(self->neighbour.uuid, "engine_commands"));

	/* still stopped: more doorbells do nothing */
	ASSERT_OK(mdgpu_kick(g));
	usleep(20000);
	EXPECT_EQ(seq1, mdgpu_rd(g, MDGPU_REG_FENCE_LAST));
	EXPECT_EQ(variant->err, mdgpu_rd(g, MDGPU_REG_ERR_CODE));

	/* RING_CTRL.RESET recovers, and only the new commands run */
	ASSERT_OK(mdgpu_ring_init(g, ENG_RING, ENG_RING_SIZE));
	EXPECT_EQ(MDGPU_ERR_NONE, mdgpu_error(g, &e));
	EXPECT_EQ(0, e.head);
	EXPECT_EQ(0, e.header);
	EXPECT_EQ(MDGPU_ENGINE_ENABLED, e.status);
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_RING_HEAD));
	mdgpu_cmd_fill(dw, AFTER + 0x100, 64, 1, 0, MARK + 1);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	EXPECT_EQ(MARK + 1, vram32(g, AFTER + 0x100));
	EXPECT_EQ(0, vram32(g, AFTER));
	/* the error is gone from sysfs too; the count of errors stays */
	expect_sysfs_error(_metadata, &self->victim, 1);
	EXPECT_EQ(0, sysfs_u64(self->victim.uuid, "engine_error_code"));
	if (c.buf.len)
		mdgpu_dma_free(g, &c.buf);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
