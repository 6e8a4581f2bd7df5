// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu engine commands through libmdgpu: every command's result checked
 * byte for byte against a model (FILL and COPY rectangles with strides,
 * DMA both ways against host buffers), fences in order, timestamps and
 * COMPUTE durations, interrupts once per fence and maskable over INTx and
 * MSI, thousands of mixed commands wrapping a small ring, and several vGPUs
 * busy at once with independent results; the instance's vram_populated
 * counts exactly the pages written through the mapping and by the engine.
 */
#include <poll.h>
#include <pthread.h>

#include "engine_mix.h"

FIXTURE(cmd) {
	struct eng_fixture f;
	struct eng_vgpu a;
};

FIXTURE_VARIANT(cmd) {
	bool cdev;
	enum mdgpu_irq_mode irq;
};

FIXTURE_VARIANT_ADD(cmd, group_intx) { .cdev = false, .irq = MDGPU_IRQ_INTX };
FIXTURE_VARIANT_ADD(cmd, cdev_msi) { .cdev = true, .irq = MDGPU_IRQ_MSI };

FIXTURE_SETUP(cmd)
{
	eng_setup(_metadata, &self->f, variant->cdev);
	eng_open(_metadata, &self->f, &self->a, variant->irq);
}

FIXTURE_TEARDOWN_PARENT(cmd)
{
	eng_teardown(_metadata, &self->f);
}

#define AREA	(8u << 20)	/* bytes of VRAM the single-command tests use */

/* Random VRAM contents in [0, AREA), mirrored in a model; NULL on ENOMEM. */
static uint8_t *model_init(struct mdgpu *g, uint32_t seed)
{
	uint8_t *m = malloc(AREA);

	if (m) {
		eng_random_bytes(m, AREA, seed);
		eng_vram_write(g, 0, m, AREA);
	}
	return m;
}

/* Compare VRAM [0, AREA) with the model. */
static void model_check(struct __test_metadata *_metadata, struct mdgpu *g,
			const uint8_t *m)
{
	uint8_t *got = malloc(AREA);
	long d;

	ASSERT_NE(NULL, got);
	eng_vram_read(g, 0, got, AREA);
	d = eng_first_diff(m, got, AREA);
	EXPECT_EQ(-1, d) TH_LOG("VRAM 0x%lx is 0x%02x, want 0x%02x", d,
				d >= 0 ? got[d] : 0, d >= 0 ? m[d] : 0);
	free(got);
}

TEST_F(cmd, nop_and_fence)
{
	struct mdgpu *g = &self->a.g;
	uint32_t dw[256], done0, seq;
	static const unsigned int lens[] = { 1, 2, 7, 255, 1, 64 };
	size_t i;

	done0 = mdgpu_rd(g, MDGPU_REG_CMDS_DONE);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		mdgpu_cmd_nop(dw, lens[i]);
		/* garbage in a NOP's payload is ignored */
		if (lens[i] > 1)
			dw[lens[i] - 1] = 0xdeadbeef;
		ENG_SUBMIT(g, dw, lens[i]);
	}
	seq = g->seq + 1;
	*(volatile uint32_t *)(g->vram + ENG_SLOTS) = 0;
	ASSERT_EQ(seq, mdgpu_fence(g, MDGPU_FENCE_WRITE, ENG_SLOTS));
	ASSERT_OK(mdgpu_wait_fence(g, seq, ENG_TIMEOUT_MS));
	EXPECT_EQ(seq, mdgpu_rd(g, MDGPU_REG_FENCE_LAST));
	EXPECT_EQ(seq, *(volatile uint32_t *)(g->vram + ENG_SLOTS));
	EXPECT_EQ(g->tail, mdgpu_ring_head(g));
	EXPECT_EQ(g->tail, mdgpu_rd(g, MDGPU_REG_RING_TAIL));
	EXPECT_EQ(ARRAY_SIZE(lens) + 1,
		  mdgpu_rd(g, MDGPU_REG_CMDS_DONE) - done0);
	EXPECT_EQ(MDGPU_ENGINE_ENABLED, mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS));
	EXPECT_EQ(MDGPU_ERR_NONE, mdgpu_rd(g, MDGPU_REG_ERR_CODE));
}

TEST_F(cmd, fill)
{
	static const struct {
		uint64_t dst;
		uint32_t w, h, stride, v;
	} c[] = {
		{ 0x1000 + 12, 200, 37, 1024, 0x11223344 },	/* rectangle */
		{ 0x20000, 4, 1, 0, 0xa5a5a5a5 },		/* one dword */
		{ 0x20008, 8, 3, 8, 0x01020304 },		/* stride = width */
		{ 1 << 20, (3 << 20) - 4, 1, 0, 0xcafef00d },	/* many chunks */
		{ 5 << 20, 4096, 300, 8192, 0x00ff00ff },	/* tall */
		{ 0x30000, 64, 2, 0xfffc, 0xfeedface },		/* wide stride */
	};
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint8_t *m;
	size_t i;

	m = model_init(g, 1);
	ASSERT_NE(NULL, m);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		model_fill(m, c[i].dst, c[i].w, c[i].h, c[i].stride, c[i].v);
		mdgpu_cmd_fill(dw, c[i].dst, c[i].w, c[i].h, c[i].stride,
			       c[i].v);
		ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	}
	ENG_SYNC(g);
	model_check(_metadata, g, m);
	free(m);
}

TEST_F(cmd, copy_and_blit)
{
	static const struct {
		uint64_t src, dst;
		uint32_t w, h, ss, ds;
	} c[] = {
		{ 7, (4 << 20) + 3, (3 << 20) + 5, 1, 0, 0 },	/* linear, chunks */
		{ 0x100003, 0x300001, 333, 50, 1000, 1500 },	/* blit */
		{ 0x310000, 0x10, 1, 1, 0, 0 },			/* one byte */
		{ 0x400000, 0x200000, 4096, 100, 4096, 4096 },	/* contiguous */
		{ 0x600000, 0x500000, 17, 200, 4099, 17 },	/* pack rows */
		{ 0x500000, 0x700001, 17, 200, 17, 4000 },	/* unpack */
	};
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint8_t *m;
	size_t i;

	m = model_init(g, 2);
	ASSERT_NE(NULL, m);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		model_copy(m + c[i].src, m + c[i].dst, c[i].w, c[i].h, c[i].ss,
			   c[i].ds);
		mdgpu_cmd_copy(dw, c[i].src, c[i].dst, c[i].w, c[i].h,
			       c[i].ss, c[i].ds);
		ENG_SUBMIT(g, dw, MDGPU_COPY_NDW);
	}
	ENG_SYNC(g);
	model_check(_metadata, g, m);
	free(m);
}

/*
 * VRAM that was never written reads as zeroes, and so does whatever a COPY
 * from it lands on: over written VRAM (linear, across pages, and a blit),
 * and over VRAM that was never written either.
 */
static uint64_t populated(const char *uuid)
{
	uint64_t v;

	return mdgpu_instance_u64(uuid, "vram_populated", &v) ? UINT64_MAX : v;
}

/*
 * vram_populated: + one page for each page written through the BAR0
 * mapping, + the pages a FILL writes, 0 after a device reset discards
 * VRAM, then exactly the pages written.
 */
TEST_F(cmd, vram_populated)
{
	const uint64_t fresh = 40ULL << 20;	/* never written by the setup */
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint64_t p0, p1, p2;
	int i;

	if (mdgpu_parent_is_pci(self->f.parent)) {
		/* No lazy backing: every page of the BAR exists. */
		EXPECT_EQ(g->vram_size, populated(self->a.uuid));
		if (_metadata->exit_code)
			return;
		SKIP(return, "PCI parent: no lazy backing, VRAM is always all populated (checked)");
	}
	/* the ring's first page gets the commands below: touch it now */
	ENG_SYNC(g);
	p0 = populated(self->a.uuid);
	ASSERT_NE(UINT64_MAX, p0);
	EXPECT_EQ(0, p0 % 4096);
	EXPECT_GE(g->vram_size, p0);
	/* five pages, one byte each, far apart */
	for (i = 0; i < 5; i++)
		*(volatile uint8_t *)(g->vram + fresh + i * 3 * 4096 + 7) = 1;
	p1 = populated(self->a.uuid);
	EXPECT_EQ(p0 + 5 * 4096, p1);
	/* the engine fills 16 more pages, rows of one page */
	mdgpu_cmd_fill(dw, fresh + (1 << 20), 4096, 16, 4096, 0x5a5a5a5a);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	p2 = populated(self->a.uuid);
	EXPECT_EQ(p1 + 16 * 4096, p2);
	/* a device reset discards VRAM */
	ASSERT_OK(mdgpu_device_reset(g));
	EXPECT_EQ(0, populated(self->a.uuid));
	/* and from nothing, exactly the pages written count */
	for (i = 0; i < 3; i++)
		*(volatile uint8_t *)(g->vram + fresh + i * 4096) = 1;
	EXPECT_EQ(3 * 4096, populated(self->a.uuid));
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(cmd, copy_from_untouched_vram)
{
	const uint64_t fresh = 32ULL << 20;	/* never written: above AREA */
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint8_t *m, *got;
	long d;

	m = model_init(g, 3);
	ASSERT_NE(NULL, m);
	/* linear, unaligned, three pages and a bit */
	memset(m + 0x1003, 0, 3 * 4096 + 5);
	mdgpu_cmd_copy(dw, fresh + 1, 0x1003, 3 * 4096 + 5, 1, 0, 0);
	ENG_SUBMIT(g, dw, MDGPU_COPY_NDW);
	/* a blit of 40 rows of 1000 bytes */
	for (int r = 0; r < 40; r++)
		memset(m + 0x200000 + 4096 * r + 9, 0, 1000);
	mdgpu_cmd_copy(dw, fresh + 0x10000, 0x200000 + 9, 1000, 40, 3000,
		       4096);
	ENG_SUBMIT(g, dw, MDGPU_COPY_NDW);
	/* untouched to untouched */
	mdgpu_cmd_copy(dw, fresh + 0x100000, fresh + 0x300000, 1 << 20, 1, 0,
		       0);
	ENG_SUBMIT(g, dw, MDGPU_COPY_NDW);
	ENG_SYNC(g);
	model_check(_metadata, g, m);

	got = malloc(1 << 20);
	ASSERT_NE(NULL, got);
	memset(m, 0, 1 << 20);
	eng_vram_read(g, fresh + 0x300000, got, 1 << 20);
	d = eng_first_diff(m, got, 1 << 20);
	EXPECT_EQ(-1, d) TH_LOG("untouched copy: byte 0x%lx is 0x%02x", d,
				d >= 0 ? got[d] : 0);
	free(got);
	free(m);
}

TEST_F(cmd, dma_both_ways)
{
	const uint32_t len1 = (1 << 20) - 100, len2 = 500001, big = 4 << 20;
	struct mdgpu_dma in, out, b1, b2;
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint8_t *m, *want;
	long d;

	m = model_init(g, 3);
	ASSERT_NE(NULL, m);
	ASSERT_OK(mdgpu_dma_alloc(g, 1 << 20, &in));
	ASSERT_OK(mdgpu_dma_alloc(g, 1 << 20, &out));
	ASSERT_OK(mdgpu_dma_alloc(g, big, &b1));
	ASSERT_OK(mdgpu_dma_alloc(g, big, &b2));
	eng_random_bytes(in.va, in.len, 30);
	memset(out.va, 0xee, out.len);
	eng_random_bytes(b1.va, big, 31);

	/* guest -> VRAM at odd offsets and an odd length */
	memcpy(m + 0x40001, (uint8_t *)in.va + 3, len1);
	mdgpu_cmd_dma(dw, in.iova + 3, 0x40001, len1, false);
	ENG_SUBMIT(g, dw, MDGPU_DMA_NDW);
	/* VRAM -> guest, from a range the previous command did not touch */
	mdgpu_cmd_dma(dw, out.iova + 7, (2 << 20) + 5, len2, true);
	ENG_SUBMIT(g, dw, MDGPU_DMA_NDW);
	/* 4 MiB round trip through VRAM, many chunks and pages */
	memcpy(m + (3 << 20), b1.va, big);
	mdgpu_cmd_dma(dw, b1.iova, 3 << 20, big, false);
	ENG_SUBMIT(g, dw, MDGPU_DMA_NDW);
	mdgpu_cmd_dma(dw, b2.iova, 3 << 20, big, true);
	ENG_SUBMIT(g, dw, MDGPU_DMA_NDW);
	ENG_SYNC(g);

	model_check(_metadata, g, m);
	want = malloc(out.len);
	ASSERT_NE(NULL, want);
	memset(want, 0xee, out.len);
	memcpy(want + 7, m + (2 << 20) + 5, len2);
	d = eng_first_diff(want, out.va, out.len);
	EXPECT_EQ(-1, d) TH_LOG("guest buffer byte 0x%lx differs", d);
	d = eng_first_diff(b1.va, b2.va, big);
	EXPECT_EQ(-1, d) TH_LOG("round trip: byte 0x%lx differs", d);
	free(want);
	free(m);
	EXPECT_OK(mdgpu_dma_free(g, &in));
	EXPECT_OK(mdgpu_dma_free(g, &out));
	EXPECT_OK(mdgpu_dma_free(g, &b1));
	EXPECT_OK(mdgpu_dma_free(g, &b2));
}

/* A buffer unmapped and mapped again at the same IOVA is seen afresh. */
TEST_F(cmd, dma_after_remap)
{
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu_dma b;
	uint8_t got[4096];
	void *other;

	ASSERT_OK(mdgpu_dma_alloc(g, 4096, &b));
	memset(b.va, 0x11, 4096);
	mdgpu_cmd_dma(dw, b.iova, 0, 4096, false);
	ENG_SUBMIT(g, dw, MDGPU_DMA_NDW);
	ENG_SYNC(g);
	ASSERT_OK(mdgpu_dma_unmap(g, b.iova, 4096));
	other = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, other);
	memset(other, 0x22, 4096);
	ASSERT_OK(mdgpu_dma_map(g, other, 4096, b.iova));
	mdgpu_cmd_dma(dw, b.iova, 4096, 4096, false);
	ENG_SUBMIT(g, dw, MDGPU_DMA_NDW);
	ENG_SYNC(g);
	eng_vram_read(g, 0, got, 4096);
	EXPECT_EQ(0x11, got[0]);
	EXPECT_EQ(0x11, got[4095]);
	eng_vram_read(g, 4096, got, 4096);
	EXPECT_EQ(0x22, got[0]) TH_LOG("DMA read the old, unmapped pages");
	EXPECT_EQ(0x22, got[4095]);
	EXPECT_OK(mdgpu_dma_unmap(g, b.iova, 4096));
	munmap(other, 4096);
	munmap(b.va, 4096);
}

TEST_F(cmd, timestamp_and_compute)
{
	const uint32_t us = 30000;
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint64_t t0, t1, ts1, ts2;
	double w0, wall;

	*(volatile uint64_t *)(g->vram + ENG_SLOTS + 8) = 0;
	*(volatile uint64_t *)(g->vram + ENG_SLOTS + 16) = 0;
	t0 = mdgpu_timestamp(g);
	w0 = eng_now();
	mdgpu_cmd_timestamp(dw, ENG_SLOTS + 8);
	ENG_SUBMIT(g, dw, MDGPU_TIMESTAMP_NDW);
	mdgpu_cmd_compute(dw, us);
	ENG_SUBMIT(g, dw, MDGPU_COMPUTE_NDW);
	mdgpu_cmd_timestamp(dw, ENG_SLOTS + 16);
	ENG_SUBMIT(g, dw, MDGPU_TIMESTAMP_NDW);
	ENG_SYNC(g);
	wall = eng_now() - w0;
	t1 = mdgpu_timestamp(g);
	ts1 = *(volatile uint64_t *)(g->vram + ENG_SLOTS + 8);
	ts2 = *(volatile uint64_t *)(g->vram + ENG_SLOTS + 16);
	EXPECT_LE(t0, ts1);
	EXPECT_LE(ts1, ts2);
	EXPECT_LE(ts2, t1);
	EXPECT_LE((uint64_t)us * 1000, ts2 - ts1)
		TH_LOG("COMPUTE %u us took %llu ns of engine time", us,
		       (unsigned long long)(ts2 - ts1));
	EXPECT_LE(us * 1e-6, wall);
	EXPECT_LT(t0, t1);
}

TEST_F(cmd, fences_in_order)
{
	const unsigned int n = 200;
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW], first, last, seen, prev;
	unsigned int i, bad = 0;

	memset((void *)(g->vram + ENG_SLOTS), 0, 4 * n);
	first = g->seq + 1;
	prev = mdgpu_rd(g, MDGPU_REG_FENCE_LAST);
	for (i = 0; i < n; i++) {
		mdgpu_cmd_fill(dw, 0x1000 * i, 256, 4, 512, i);
		ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
		if (i % 16 == 5) {
			mdgpu_cmd_compute(dw, 500);
			ENG_SUBMIT(g, dw, MDGPU_COMPUTE_NDW);
		}
		ASSERT_LT(0, mdgpu_fence(g, MDGPU_FENCE_WRITE,
					 ENG_SLOTS + 4 * i));
		/* FENCE_LAST only ever moves forward, to a submitted fence */
		seen = mdgpu_rd(g, MDGPU_REG_FENCE_LAST);
		if ((int32_t)(seen - prev) < 0 ||
		    (seen != prev && (int32_t)(seen - first) < 0))
			bad++;
		prev = seen;
	}
	last = g->seq;
	ASSERT_OK(mdgpu_wait_fence(g, last, ENG_TIMEOUT_MS));
	EXPECT_EQ(0, bad) TH_LOG("FENCE_LAST went backwards");
	EXPECT_EQ(last, mdgpu_rd(g, MDGPU_REG_FENCE_LAST));
	for (i = 0; i < n; i++) {
		uint32_t v = *(volatile uint32_t *)(g->vram + ENG_SLOTS + 4 * i);

		EXPECT_EQ(first + i, v) TH_LOG("fence slot %u", i);
		/* the FILL before fence i is done when the fence is */
		EXPECT_EQ(i, *(volatile uint32_t *)(g->vram + 0x1000 * i +
						     3 * 512 + 252));
	}
}

/*
 * Interrupts: every FENCE with the IRQ flag raises exactly one interrupt,
 * a fence without it raises none, and IRQ_MASK holds them back.
 */
static void check_irqs(struct __test_metadata *_metadata, struct mdgpu *g,
		       enum mdgpu_irq_mode mode)
{
	const char *name = mode == MDGPU_IRQ_MSI ? "MSI" : "INTx";
	uint64_t before;
	int64_t seq;
	int i, st;

	ASSERT_OK(mdgpu_irq_setup(g, mode));
	EXPECT_EQ(MDGPU_IRQ_FENCE | MDGPU_IRQ_ERROR,
		  mdgpu_rd(g, MDGPU_REG_IRQ_MASK));
	for (i = 0; i < 20; i++) {
		before = g->irqs;
		seq = mdgpu_fence(g, MDGPU_FENCE_IRQ, 0);
		ASSERT_LT(0, seq);
		ASSERT_EQ(1, mdgpu_irq_wait(g, ENG_TIMEOUT_MS))
			TH_LOG("%s: no interrupt for fence %d", name, i);
		st = mdgpu_irq_handle(g);
		EXPECT_EQ(MDGPU_IRQ_FENCE, st) TH_LOG("%s IRQ_STATUS", name);
		EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_IRQ_STATUS))
			TH_LOG("%s: IRQ_STATUS is write-1-to-clear", name);
		EXPECT_TRUE(mdgpu_fence_done(g, seq));
		/* nothing more arrives for this fence */
		EXPECT_EQ(0, mdgpu_irq_wait(g, 20));
		mdgpu_irq_handle(g);
		EXPECT_EQ(1, g->irqs - before)
			TH_LOG("%s: fence %d interrupted %llu times", name, i,
			       (unsigned long long)(g->irqs - before));
	}

	/* no IRQ flag: no interrupt */
	seq = mdgpu_fence(g, 0, 0);
	ASSERT_LT(0, seq);
	ASSERT_OK(mdgpu_wait_fence(g, seq, ENG_TIMEOUT_MS));
	EXPECT_EQ(0, mdgpu_irq_wait(g, 100)) TH_LOG("%s without IRQ flag", name);

	/* masked: the status bit is recorded, no interrupt is delivered */
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_IRQ_MASK, 0));
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_IRQ_MASK));
	before = g->irqs;
	seq = mdgpu_fence(g, MDGPU_FENCE_IRQ, 0);
	ASSERT_LT(0, seq);
	while (!mdgpu_fence_done(g, seq))
		ASSERT_EQ(0, mdgpu_irq_wait(g, 1))
			TH_LOG("%s interrupt while IRQ_MASK is 0", name);
	EXPECT_EQ(0, mdgpu_irq_wait(g, 100))
		TH_LOG("%s interrupt while IRQ_MASK is 0", name);
	EXPECT_EQ(MDGPU_IRQ_FENCE, mdgpu_rd(g, MDGPU_REG_IRQ_STATUS) &
				   MDGPU_IRQ_FENCE)
		TH_LOG("masked sources still set IRQ_STATUS");
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_IRQ_STATUS, MDGPU_IRQ_FENCE));
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_IRQ_STATUS));
	EXPECT_EQ(before, g->irqs);

	/* unmasked again: one interrupt per fence again */
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_IRQ_MASK, g->irq_enable));
	EXPECT_EQ(0, mdgpu_irq_wait(g, 50));
	seq = mdgpu_fence(g, MDGPU_FENCE_IRQ, 0);
	ASSERT_LT(0, seq);
	ASSERT_EQ(1, mdgpu_irq_wait(g, ENG_TIMEOUT_MS));
	EXPECT_EQ(MDGPU_IRQ_FENCE, mdgpu_irq_handle(g));
	EXPECT_EQ(before + 1, g->irqs);

	/* a burst: at least one interrupt, at most one per fence */
	before = g->irqs;
	for (i = 0; i < 16; i++)
		ASSERT_LT(0, mdgpu_fence(g, MDGPU_FENCE_IRQ, 0));
	ASSERT_OK(mdgpu_wait_fence(g, g->seq, ENG_TIMEOUT_MS));
	mdgpu_irq_wait(g, 50);
	mdgpu_irq_handle(g);
	EXPECT_LE(before + 1, g->irqs);
	EXPECT_GE(before + 16, g->irqs);
	EXPECT_EQ(0, g->err_irqs) TH_LOG("%s: error interrupt", name);
}

TEST_F(cmd, irq_intx)
{
	check_irqs(_metadata, &self->a.g, MDGPU_IRQ_INTX);
}

TEST_F(cmd, irq_msi)
{
	check_irqs(_metadata, &self->a.g, MDGPU_IRQ_MSI);
}

/* 3000 random commands through a 4 KiB ring: it wraps many times. */
TEST_F(cmd, many_mixed_commands)
{
	struct mdgpu *g = &self->a.g;
	struct mix_result r;
	uint32_t done0;

	ASSERT_OK(mdgpu_ring_init(g, ENG_RING, MDGPU_RING_SIZE_MIN));
	done0 = mdgpu_rd(g, MDGPU_REG_CMDS_DONE);
	run_mix(g, 0, 42, 3000, 0, &r);
	ASSERT_EQ(0, r.ret) TH_LOG("%s", r.msg);
	EXPECT_LT(10ULL * MDGPU_RING_SIZE_MIN, r.bytes);
	EXPECT_EQ(r.cmds, mdgpu_rd(g, MDGPU_REG_CMDS_DONE) - done0);
	EXPECT_EQ(g->tail, mdgpu_ring_head(g));
	EXPECT_EQ(MDGPU_ENGINE_ENABLED, mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS));
}

#define NR_BUSY	4

struct busy_arg {
	struct mdgpu *g;
	uint32_t seed;
	struct mix_result r;
};

static void *busy_thread(void *p)
{
	struct busy_arg *a = p;

	run_mix(a->g, 0, a->seed, 400, 300, &a->r);
	return NULL;
}

/* Four vGPUs run mixes at the same time; each gets its own results. */
TEST_F(cmd, several_vgpus_busy)
{
	struct eng_vgpu more[NR_BUSY - 1];
	struct busy_arg arg[NR_BUSY];
	pthread_t t[NR_BUSY];
	int i;

	for (i = 0; i < NR_BUSY - 1; i++)
		ASSERT_TRUE(eng_open(_metadata, &self->f, &more[i],
				     variant->irq));
	for (i = 0; i < NR_BUSY; i++) {
		arg[i].g = i ? &more[i - 1].g : &self->a.g;
		arg[i].seed = 100 + i;
		ASSERT_OK(pthread_create(&t[i], NULL, busy_thread, &arg[i]));
	}
	for (i = 0; i < NR_BUSY; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NR_BUSY; i++) {
		EXPECT_EQ(0, arg[i].r.ret) TH_LOG("vGPU %d: %s", i,
						  arg[i].r.msg);
		EXPECT_EQ(MDGPU_ERR_NONE,
			  mdgpu_rd(arg[i].g, MDGPU_REG_ERR_CODE));
	}
	for (i = 0; i < NR_BUSY - 1; i++)
		mdgpu_detach(&more[i].g);
}

TEST_HARNESS_MAIN
