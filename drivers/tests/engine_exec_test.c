// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the engine's execution core (engine_exec.c) against a
 * mock GPU backend, without the CPU executor: the mock's run_chunk records
 * every chunk it is given and can fail one, ask for it again, or drop the
 * instance's lock while it "waits for the device" and come back to a
 * context that was frozen meanwhile. The tests check what the core owns:
 * which commands reach the backend and with which chunk, the command's
 * progress across chunks and across other contexts' chunks, retirement,
 * dirty marking, FENCE and TIMESTAMP semantics, the DMA steps around the
 * agent, and the error state a faulting chunk leaves.
 *
 * The core's neighbours are replaced by recording stubs here: the
 * scheduler update (engine_sched.c), the device interrupt (irq.c), dirty
 * tracking (vram_dirty.c), the DMA agent (engine_dma.c) and the context's
 * clock (engine.c). The VRAM access helpers (vram_access.c), commands
 * (cmd.c) and rings (ring.c) are the real ones, which this module holds
 * through their own tests' files.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/sizes.h>

#include "../engine_exec.c"

#define MOCK_VRAM	SZ_512K		/* the parent's VRAM */
#define MOCK_OFF	SZ_256K		/* the instance's range in it */
#define MOCK_SIZE	SZ_256K
#define MOCK_RING_SIZE	4096
#define MOCK_LOG	16
#define MOCK_TIME	0x0123456789abcdefULL

/**
 * struct mock_call - one chunk the mock GPU was given
 * @vgpu: whose
 * @op: the command's opcode
 * @off: the chunk's offset in the command's work
 * @len: its work
 * @last: the core said it is the command's last
 * @value: the chunk's value (TIMESTAMP)
 * @buf: the chunk's buffer (DMA)
 */
struct mock_call {
	struct mdgpu_vgpu *vgpu;
	u8 op;
	u64 off;
	u64 len;
	bool last;
	u64 value;
	void *buf;
};

/**
 * struct mock_gpu - the mock backend and what it and the stubs saw
 * @vram: the parent's VRAM (the ring lives here)
 * @calls: chunks run so far
 * @log: the first MOCK_LOG of them
 * @fail_call: the call (1-based) that fails with @fail_ret, 0: none
 * @fail_ret: its error
 * @freeze_call: the call (1-based) during which the context is frozen,
 *		 with the instance's lock dropped, as migration's freeze
 *		 does while a COMPUTE chunk sleeps
 * @irqs: device interrupts raised
 * @updates: scheduler updates
 * @runnable: has_work at the last update
 * @dirty_off: start of the last range marked dirty
 * @dirty_len: its length
 * @dirty_bytes: bytes marked dirty in all
 * @queued: DMA chunks handed to the agent
 */
struct mock_gpu {
	u8 *vram;
	unsigned int calls;
	struct mock_call log[MOCK_LOG];
	unsigned int fail_call;
	int fail_ret;
	unsigned int freeze_call;
	unsigned int irqs;
	unsigned int updates;
	bool runnable;
	u64 dirty_off;
	u64 dirty_len;
	u64 dirty_bytes;
	unsigned int queued;
};

static struct mock_gpu *mock_of(struct mdgpu_vgpu *vgpu)
{
	return vgpu->parent->backend;
}

/* --- the core's neighbours, as recording stubs --- */

void mdgpu_irq_device_locked(struct mdgpu_vgpu *vgpu)
{
	mock_of(vgpu)->irqs++;
}

void mdgpu_ctx_update(struct mdgpu_vgpu *vgpu)
{
	struct mock_gpu *m = mock_of(vgpu);

	m->updates++;
	m->runnable = mdgpu_ctx_has_work(&vgpu->engine);
}

u64 mdgpu_ctx_time(struct mdgpu_engine *eng, const struct mdgpu_engine_ctx *ctx)
{
	return MOCK_TIME + ctx->ts_offset;
}

void mdgpu_vram_dirty_mark(struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	struct mock_gpu *m = mock_of(vgpu);

	m->dirty_off = off;
	m->dirty_len = len;
	m->dirty_bytes += len;
}

bool mdgpu_dma_agent_done_locked(struct mdgpu_vgpu *vgpu, int *ret)
{
	struct mdgpu_dma_agent *d = &vgpu->engine.dma;

	*ret = 0;
	if (d->state != MDGPU_DMA_DONE)
		return false;
	d->state = MDGPU_DMA_IDLE;
	*ret = d->ret;
	return true;
}

void *mdgpu_dma_agent_buf_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_dma_agent *d = &vgpu->engine.dma;

	return d->state == MDGPU_DMA_IDLE ? d->buf : NULL;
}

void mdgpu_dma_agent_queue_locked(struct mdgpu_vgpu *vgpu, u64 iova, u32 len,
				  bool to_guest)
{
	struct mdgpu_dma_agent *d = &vgpu->engine.dma;

	d->iova = iova;
	d->len = len;
	d->to_guest = to_guest;
	d->state = MDGPU_DMA_QUEUED;
	mock_of(vgpu)->queued++;
}

/* --- the mock GPU --- */

static int mock_vram_rw(struct mdgpu_parent *parent, u64 offset, void *buf,
			size_t len, bool write)
{
	struct mock_gpu *m = parent->backend;

	if (write)
		memcpy(m->vram + offset, buf, len);
	else
		memcpy(buf, m->vram + offset, len);
	return 0;
}

static void mock_vram_discard(struct mdgpu_parent *parent, u64 offset,
			      u64 len)
{
}

static int mock_vram_pfn(struct mdgpu_parent *parent, u64 offset,
			 unsigned long *pfn)
{
	return -EIO;
}

static int mock_run_chunk(struct mdgpu_parent *parent, struct mdgpu_chunk *c)
{
	struct mock_gpu *m = parent->backend;
	struct mdgpu_vgpu *vgpu = c->vgpu;
	unsigned int n = ++m->calls;

	lockdep_assert_held(&vgpu->lock);
	if (n <= MOCK_LOG)
		m->log[n - 1] = (struct mock_call){
			.vgpu = vgpu, .op = c->cmd->op, .off = c->off,
			.len = c->len, .last = c->last, .value = c->value,
			.buf = c->buf,
		};
	if (n == m->freeze_call) {
		/* Waiting for the device, the lock dropped: a freeze comes. */
		mutex_unlock(&vgpu->lock);
		mutex_lock(&vgpu->lock);
		vgpu->engine.frozen = true;
		vgpu->engine.gen++;
		mutex_unlock(&vgpu->lock);
		mutex_lock(&vgpu->lock);
	}
	if (n == m->fail_call)
		return m->fail_ret;
	return 0;
}

static const struct mdgpu_backend_ops mock_ops = {
	.name = "mock",
	.vram_rw = mock_vram_rw,
	.vram_discard = mock_vram_discard,
	.vram_pfn = mock_vram_pfn,
	.run_chunk = mock_run_chunk,
};

static void mock_vgpu_exit(void *data)
{
	struct mdgpu_vgpu *vgpu = data;

	mutex_destroy(&vgpu->lock);
}

/* A parent with the mock GPU and an engine, and no instance yet. */
static struct mdgpu_parent *mock_parent(struct kunit *test)
{
	struct mdgpu_parent *parent = kunit_kzalloc(test, sizeof(*parent),
						    GFP_KERNEL);
	struct mdgpu_engine *eng = kunit_kzalloc(test, sizeof(*eng),
						 GFP_KERNEL);
	struct mock_gpu *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, parent);
	KUNIT_ASSERT_NOT_NULL(test, eng);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->vram = kunit_kzalloc(test, MOCK_VRAM, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->vram);
	/* One device per test: its instances log their errors on it. */
	parent->dev = kunit_device_register(test, "mdgpu-mock");
	KUNIT_ASSERT_FALSE(test, IS_ERR(parent->dev));
	spin_lock_init(&eng->lock);
	eng->parent = parent;
	parent->ops = &mock_ops;
	parent->backend = m;
	parent->vram_size = MOCK_VRAM;
	parent->engine = eng;
	return parent;
}

/*
 * An open instance on @parent at @offset with an enabled, empty ring of
 * MOCK_RING_SIZE at the start of its VRAM, and a DMA agent buffer.
 */
static struct mdgpu_vgpu *mock_vgpu(struct kunit *test,
				    struct mdgpu_parent *parent, u64 offset,
				    u64 size)
{
	struct mdgpu_vgpu *vgpu = kunit_kzalloc(test, sizeof(*vgpu),
						GFP_KERNEL);
	struct mdgpu_engine_ctx *ctx;

	KUNIT_ASSERT_NOT_NULL(test, vgpu);
	vgpu->parent = parent;
	vgpu->vram_offset = offset;
	vgpu->vram_size = size;
	vgpu->vdev.dev = parent->dev;
	mutex_init(&vgpu->lock);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mock_vgpu_exit,
							vgpu), 0);
	ctx = &vgpu->engine;
	ctx->open = true;
	ctx->enabled = true;
	ctx->ring_base = 0;
	ctx->ring_size = MOCK_RING_SIZE;
	ctx->irq_mask = MDGPU_IRQ_FENCE | MDGPU_IRQ_ERROR;
	ctx->dma.buf = kunit_kzalloc(test, MDGPU_CHUNK_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->dma.buf);
	return vgpu;
}

/* Append a command to the ring, as the guest would, and ring the doorbell. */
static void mock_push(struct mdgpu_vgpu *vgpu, const u32 *dw, u32 ndw)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u8 *ring = mock_of(vgpu)->vram + vgpu->vram_offset + ctx->ring_base;
	__le32 v;
	u32 i;

	for (i = 0; i < ndw; i++) {
		v = cpu_to_le32(dw[i]);
		memcpy(ring + ctx->tail, &v, 4);
		ctx->tail = mdgpu_ring_advance(ctx->tail, 4, ctx->ring_size);
	}
}

static void mock_push_fill(struct mdgpu_vgpu *vgpu, u64 dst, u32 width,
			   u32 height, u32 value)
{
	u32 dw[MDGPU_FILL_NDW] = {
		MDGPU_CMD_HEADER(MDGPU_OP_FILL, 0, MDGPU_FILL_NDW),
		lower_32_bits(dst), upper_32_bits(dst), width, height, width,
		value,
	};

	mock_push(vgpu, dw, ARRAY_SIZE(dw));
}

static unsigned int mock_step(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_step st;

	mdgpu_step_begin(&st, ktime_get_ns(), U64_MAX);
	return mdgpu_engine_step(vgpu->parent->engine, vgpu, &st);
}

/* --- dispatch --- */

/**
 * struct exec_case - one command and what the backend should be given
 * @name: the case's name
 * @dw: the command
 * @ndw: its length
 * @calls: backend calls it makes (0: the core runs it alone)
 * @len: the chunk's work
 * @dirty_off: the range the core marks dirty first, in instance offsets
 * @dirty_len: its length (0: none)
 * @fence_last: FENCE_LAST afterwards
 * @irq_status: IRQ_STATUS afterwards
 */
struct exec_case {
	const char *name;
	u32 dw[MDGPU_COPY_NDW];
	u32 ndw;
	unsigned int calls;
	u64 len;
	u64 dirty_off;
	u64 dirty_len;
	u32 fence_last;
	u32 irq_status;
};

static const struct exec_case exec_cases[] = {
	{
		.name = "nop",
		.dw = { MDGPU_CMD_HEADER(MDGPU_OP_NOP, 0, 3), 0xdead, 0xbeef },
		.ndw = 3, .calls = 0,
	},
	{
		.name = "fill",
		.dw = { MDGPU_CMD_HEADER(MDGPU_OP_FILL, 0, MDGPU_FILL_NDW),
			0x8000, 0, 256, 4, 512, 0x11223344 },
		.ndw = MDGPU_FILL_NDW, .calls = 1, .len = 1024,
		/* The last of its four rows. */
		.dirty_off = 0x8000 + 3 * 512, .dirty_len = 256,
	},
	{
		.name = "copy",
		.dw = { MDGPU_CMD_HEADER(MDGPU_OP_COPY, 0, MDGPU_COPY_NDW),
			0x8000, 0, 0x10000, 0, 4096, 1, 4096, 4096 },
		.ndw = MDGPU_COPY_NDW, .calls = 1, .len = 4096,
		.dirty_off = 0x10000, .dirty_len = 4096,
	},
	{
		.name = "fence",
		.dw = { MDGPU_CMD_HEADER(MDGPU_OP_FENCE,
					 MDGPU_FENCE_IRQ | MDGPU_FENCE_WRITE,
					 MDGPU_FENCE_NDW), 77, 0x2000, 0 },
		.ndw = MDGPU_FENCE_NDW, .calls = 1, .len = 1,
		.dirty_off = 0x2000, .dirty_len = 4,
		.fence_last = 77, .irq_status = MDGPU_IRQ_FENCE,
	},
	{
		.name = "fence-no-write",
		.dw = { MDGPU_CMD_HEADER(MDGPU_OP_FENCE, 0, MDGPU_FENCE_NDW),
			78, 0, 0 },
		.ndw = MDGPU_FENCE_NDW, .calls = 1, .len = 1,
		.fence_last = 78,
	},
	{
		.name = "timestamp",
		.dw = { MDGPU_CMD_HEADER(MDGPU_OP_TIMESTAMP, 0,
					 MDGPU_TIMESTAMP_NDW), 0x3000, 0 },
		.ndw = MDGPU_TIMESTAMP_NDW, .calls = 1, .len = 1,
		.dirty_off = 0x3000, .dirty_len = 8,
	},
	{
		.name = "compute",
		.dw = { MDGPU_CMD_HEADER(MDGPU_OP_COMPUTE, 0,
					 MDGPU_COMPUTE_NDW), 50 },
		.ndw = MDGPU_COMPUTE_NDW, .calls = 1, .len = 50 * NSEC_PER_USEC,
	},
};

static void exec_case_desc(const struct exec_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(exec_case, exec_cases, exec_case_desc);

/*
 * Each command reaches the backend as one chunk with what it needs, after
 * the core marked what it writes; the core retires it and keeps FENCE's
 * and TIMESTAMP's semantics.
 */
static void exec_dispatch(struct kunit *test)
{
	const struct exec_case *c = test->param_value;
	struct mdgpu_parent *parent = mock_parent(test);
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, parent, MOCK_OFF, MOCK_SIZE);
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mock_gpu *m = mock_of(vgpu);
	struct mdgpu_step st;

	mdgpu_step_begin(&st, ktime_get_ns(), U64_MAX);
	ctx->ts_offset = 5;
	mock_push(vgpu, c->dw, c->ndw);
	KUNIT_EXPECT_EQ(test, mdgpu_engine_step(parent->engine, vgpu, &st), 1);
	KUNIT_EXPECT_EQ(test, st.op, MDGPU_CMD_OP(c->dw[0]));
	/* A completed job leaves nothing for the per-job watchdog. */
	KUNIT_EXPECT_EQ(test, st.job_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, m->calls, c->calls);
	KUNIT_EXPECT_EQ(test, ctx->head, c->ndw * 4);
	KUNIT_EXPECT_EQ(test, ctx->cmds_done, 1);
	KUNIT_EXPECT_FALSE(test, ctx->cur_valid);
	KUNIT_EXPECT_FALSE(test, ctx->error);
	KUNIT_EXPECT_EQ(test, ctx->fence_last, c->fence_last);
	KUNIT_EXPECT_EQ(test, ctx->irq_status, c->irq_status);
	KUNIT_EXPECT_EQ(test, m->irqs, c->irq_status ? 1 : 0);
	KUNIT_EXPECT_EQ(test, m->dirty_len, c->dirty_len);
	if (c->dirty_len)
		KUNIT_EXPECT_EQ(test, m->dirty_off, c->dirty_off);
	KUNIT_EXPECT_FALSE(test, m->runnable);
	if (!c->calls)
		return;
	KUNIT_EXPECT_PTR_EQ(test, m->log[0].vgpu, vgpu);
	KUNIT_EXPECT_EQ(test, m->log[0].op, MDGPU_CMD_OP(c->dw[0]));
	KUNIT_EXPECT_EQ(test, m->log[0].off, 0);
	KUNIT_EXPECT_EQ(test, m->log[0].len, c->len);
	KUNIT_EXPECT_TRUE(test, m->log[0].last);
	if (MDGPU_CMD_OP(c->dw[0]) == MDGPU_OP_TIMESTAMP)
		KUNIT_EXPECT_EQ(test, m->log[0].value, MOCK_TIME + 5);
}

/* A bad command never reaches the backend; the context takes its error. */
static void exec_bad_command(struct kunit *test)
{
	struct mdgpu_parent *parent = mock_parent(test);
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, parent, MOCK_OFF, MOCK_SIZE);
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mock_gpu *m = mock_of(vgpu);

	/* A misaligned destination. */
	mock_push_fill(vgpu, 0x8002, 256, 1, 0);
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	KUNIT_EXPECT_EQ(test, m->calls, 0);
	KUNIT_EXPECT_TRUE(test, ctx->error);
	KUNIT_EXPECT_EQ(test, ctx->err_code, MDGPU_ERR_ALIGN);
	KUNIT_EXPECT_EQ(test, ctx->err_head, 0);
	KUNIT_EXPECT_EQ(test, ctx->err_header,
			MDGPU_CMD_HEADER(MDGPU_OP_FILL, 0, MDGPU_FILL_NDW));
	KUNIT_EXPECT_EQ(test, ctx->head, 0);
	KUNIT_EXPECT_FALSE(test, m->runnable);
}

/* --- progress across chunks --- */

/* 3 full chunks and a quarter one, linear. */
#define BIG_FILL	(3 * MDGPU_CHUNK_BYTES + MDGPU_CHUNK_BYTES / 4)

/*
 * A long command runs one bounded chunk per step, each where the last
 * stopped; it is retired once, after its last chunk.
 */
static void exec_partial_progress(struct kunit *test)
{
	struct mdgpu_parent *parent = mock_parent(test);
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, parent, MOCK_OFF, MOCK_SIZE);
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mock_gpu *m = mock_of(vgpu);
	unsigned int i, done = 0;

	mock_push_fill(vgpu, 0x8000, BIG_FILL, 1, 0x5a5a5a5a);
	for (i = 0; i < 4; i++) {
		done += mock_step(vgpu);
		KUNIT_EXPECT_EQ(test, m->calls, i + 1);
		KUNIT_EXPECT_EQ(test, m->log[i].off, (u64)i * MDGPU_CHUNK_BYTES);
		KUNIT_EXPECT_EQ(test, m->log[i].len,
				i < 3 ? MDGPU_CHUNK_BYTES :
					MDGPU_CHUNK_BYTES / 4);
		KUNIT_EXPECT_EQ(test, m->log[i].last, i == 3);
		if (i < 3) {
			KUNIT_EXPECT_EQ(test, done, 0);
			KUNIT_EXPECT_TRUE(test, ctx->cur_valid);
			KUNIT_EXPECT_EQ(test, ctx->cur_done,
					(u64)(i + 1) * MDGPU_CHUNK_BYTES);
			KUNIT_EXPECT_EQ(test, ctx->head, 0);
			KUNIT_EXPECT_TRUE(test, m->runnable);
		}
	}
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, ctx->cmds_done, 1);
	KUNIT_EXPECT_EQ(test, ctx->head, MDGPU_FILL_NDW * 4);
	KUNIT_EXPECT_EQ(test, m->dirty_bytes, BIG_FILL);
	KUNIT_EXPECT_FALSE(test, m->runnable);
	/* Nothing left: no chunk. */
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	KUNIT_EXPECT_EQ(test, m->calls, 4);
}

/*
 * The scheduler switches contexts between chunks: each context's command
 * continues where it stopped, however the chunks of others interleave.
 */
static void exec_preempt_between_chunks(struct kunit *test)
{
	/* Whose chunk the backend sees, and which of the command it is. */
	static const struct {
		bool a;
		u64 chunk;
	} order[] = {
		{ true, 0 }, { false, 0 }, { false, 1 }, { true, 1 },
		{ true, 2 }, { false, 2 }, { true, 3 }, { false, 3 },
	};
	struct mdgpu_parent *parent = mock_parent(test);
	struct mdgpu_vgpu *a = mock_vgpu(test, parent, 0, MOCK_SIZE);
	struct mdgpu_vgpu *b = mock_vgpu(test, parent, MOCK_OFF, MOCK_SIZE);
	struct mock_gpu *m = mock_of(a);
	unsigned int i, done_a = 0, done_b = 0;

	/* A's ring is at 0 of its VRAM: its FILL starts past it. */
	mock_push_fill(a, 0x8000, BIG_FILL, 1, 0xaaaaaaaa);
	mock_push_fill(b, 0x8000, BIG_FILL, 1, 0xbbbbbbbb);
	/* A, B, B, A, A, B, A, B: two preemptions mid-command each. */
	done_a += mock_step(a);
	done_b += mock_step(b);
	done_b += mock_step(b);
	done_a += mock_step(a);
	done_a += mock_step(a);
	done_b += mock_step(b);
	KUNIT_EXPECT_EQ(test, done_a + done_b, 0);
	KUNIT_EXPECT_EQ(test, a->engine.cur_done, 3ULL * MDGPU_CHUNK_BYTES);
	KUNIT_EXPECT_EQ(test, b->engine.cur_done, 3ULL * MDGPU_CHUNK_BYTES);
	done_a += mock_step(a);
	done_b += mock_step(b);
	KUNIT_EXPECT_EQ(test, done_a, 1);
	KUNIT_EXPECT_EQ(test, done_b, 1);
	KUNIT_ASSERT_EQ(test, m->calls, 8);
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_PTR_EQ(test, m->log[i].vgpu,
				    order[i].a ? a : b);
		KUNIT_EXPECT_EQ(test, m->log[i].off,
				order[i].chunk * MDGPU_CHUNK_BYTES);
	}
	KUNIT_EXPECT_EQ(test, a->engine.cmds_done, 1);
	KUNIT_EXPECT_EQ(test, b->engine.cmds_done, 1);
}

/*
 * A chunk during which the context was frozen (the backend had dropped
 * the lock) counts for nothing; after the thaw the same chunk runs again
 * and the command still completes once.
 */
static void exec_freeze_drops_chunk(struct kunit *test)
{
	struct mdgpu_parent *parent = mock_parent(test);
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, parent, MOCK_OFF, MOCK_SIZE);
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mock_gpu *m = mock_of(vgpu);
	unsigned int done = 0;

	mock_push_fill(vgpu, 0x8000, BIG_FILL, 1, 1);
	m->freeze_call = 2;
	done += mock_step(vgpu);
	done += mock_step(vgpu);
	KUNIT_EXPECT_EQ(test, ctx->cur_done, (u64)MDGPU_CHUNK_BYTES);
	KUNIT_EXPECT_FALSE(test, m->runnable);
	/* Frozen: no chunk. */
	done += mock_step(vgpu);
	KUNIT_EXPECT_EQ(test, m->calls, 2);
	ctx->frozen = false;
	while (m->calls < 10 && !done)
		done += mock_step(vgpu);
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, m->calls, 5);
	KUNIT_EXPECT_EQ(test, m->log[2].off, (u64)MDGPU_CHUNK_BYTES);
	KUNIT_EXPECT_EQ(test, ctx->cmds_done, 1);
}

/* --- faults --- */

/**
 * struct fault_case - a chunk's error and what the context shows for it
 * @ret: what the backend returns for the second chunk
 * @code: ERR_CODE afterwards, MDGPU_ERR_NONE: no error, the chunk reruns
 */
struct fault_case {
	int ret;
	u32 code;
};

static const struct fault_case fault_cases[] = {
	{ -EIO, MDGPU_ERR_VRAM },
	{ -ENOMEM, MDGPU_ERR_NOMEM },
	{ -EFAULT, MDGPU_ERR_FAULT },
	{ -ETIMEDOUT, MDGPU_ERR_FAULT },
	{ -EAGAIN, MDGPU_ERR_NONE },
};

static void fault_case_desc(const struct fault_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "ret %d", c->ret);
}

KUNIT_ARRAY_PARAM(fault_case, fault_cases, fault_case_desc);

/*
 * A chunk that faults stops this context in its error state, pointing at
 * the command, with the error interrupt; its earlier work stays and the
 * backend sees no more of it. -EAGAIN is no fault: the chunk runs again.
 */
static void exec_chunk_fault(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct mdgpu_parent *parent = mock_parent(test);
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, parent, MOCK_OFF, MOCK_SIZE);
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mock_gpu *m = mock_of(vgpu);
	u32 nop = MDGPU_CMD_HEADER(MDGPU_OP_NOP, 0, 1);

	/* The FILL at ring offset 4, after a NOP. */
	mock_push(vgpu, &nop, 1);
	mock_push_fill(vgpu, 0x8000, BIG_FILL, 1, 2);
	m->fail_call = 2;
	m->fail_ret = c->ret;
	/* The NOP, the FILL's first chunk, its second (fails), and again. */
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 1);
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	if (c->code == MDGPU_ERR_NONE) {
		KUNIT_EXPECT_FALSE(test, ctx->error);
		KUNIT_EXPECT_EQ(test, m->calls, 3);
		KUNIT_EXPECT_EQ(test, m->log[2].off, (u64)MDGPU_CHUNK_BYTES);
		KUNIT_EXPECT_EQ(test, ctx->cur_done,
				2ULL * MDGPU_CHUNK_BYTES);
		KUNIT_EXPECT_EQ(test, m->irqs, 0);
		return;
	}
	KUNIT_EXPECT_TRUE(test, ctx->error);
	KUNIT_EXPECT_EQ(test, ctx->err_code, c->code);
	KUNIT_EXPECT_EQ(test, ctx->err_head, 4);
	KUNIT_EXPECT_EQ(test, ctx->err_header,
			MDGPU_CMD_HEADER(MDGPU_OP_FILL, 0, MDGPU_FILL_NDW));
	KUNIT_EXPECT_EQ(test, ctx->irq_status, MDGPU_IRQ_ERROR);
	KUNIT_EXPECT_EQ(test, m->irqs, 1);
	KUNIT_EXPECT_EQ(test, ctx->stats.errors, 1);
	KUNIT_EXPECT_FALSE(test, ctx->cur_valid);
	KUNIT_EXPECT_EQ(test, ctx->head, 4);
	KUNIT_EXPECT_EQ(test, ctx->cmds_done, 1);
	KUNIT_EXPECT_FALSE(test, m->runnable);
	/* The last step found no work: the backend saw two chunks. */
	KUNIT_EXPECT_EQ(test, m->calls, 2);
}

/* --- DMA --- */

/*
 * DMA to the guest: the backend reads VRAM into the agent's buffer, then
 * the agent has the chunk; the step after it finished completes it.
 * From the guest: the agent first, then the backend writes the buffer,
 * marked dirty. A refused IOVA is ERR_DMA without a backend call.
 */
static void exec_dma_steps(struct kunit *test)
{
	struct mdgpu_parent *parent = mock_parent(test);
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, parent, MOCK_OFF, MOCK_SIZE);
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mdgpu_dma_agent *d = &ctx->dma;
	struct mock_gpu *m = mock_of(vgpu);
	u32 to_guest[MDGPU_DMA_NDW] = {
		MDGPU_CMD_HEADER(MDGPU_OP_DMA, MDGPU_DMA_TO_GUEST,
				 MDGPU_DMA_NDW), 0x100000, 0, 0x4000, 0, 512, 0,
	};
	u32 from_guest[MDGPU_DMA_NDW] = {
		MDGPU_CMD_HEADER(MDGPU_OP_DMA, 0, MDGPU_DMA_NDW),
		0x200000, 0, 0x6000, 0, 256, 0,
	};

	mock_push(vgpu, to_guest, MDGPU_DMA_NDW);
	mock_push(vgpu, from_guest, MDGPU_DMA_NDW);
	mock_push(vgpu, from_guest, MDGPU_DMA_NDW);

	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	KUNIT_EXPECT_EQ(test, m->calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, m->log[0].buf, (void *)d->buf);
	KUNIT_EXPECT_EQ(test, m->log[0].len, 512);
	KUNIT_EXPECT_EQ(test, m->queued, 1);
	KUNIT_EXPECT_EQ(test, d->iova, 0x100000);
	KUNIT_EXPECT_TRUE(test, d->to_guest);
	KUNIT_EXPECT_EQ(test, m->dirty_bytes, 0);
	/* Waiting for the agent: not runnable. */
	KUNIT_EXPECT_FALSE(test, m->runnable);
	d->state = MDGPU_DMA_DONE;
	d->ret = 0;
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 1);
	KUNIT_EXPECT_EQ(test, m->calls, 1);

	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	KUNIT_EXPECT_EQ(test, m->calls, 1);
	KUNIT_EXPECT_EQ(test, m->queued, 2);
	KUNIT_EXPECT_FALSE(test, d->to_guest);
	d->state = MDGPU_DMA_DONE;
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 1);
	KUNIT_EXPECT_EQ(test, m->calls, 2);
	KUNIT_EXPECT_PTR_EQ(test, m->log[1].buf, (void *)d->buf);
	KUNIT_EXPECT_EQ(test, m->dirty_off, 0x6000);
	KUNIT_EXPECT_EQ(test, m->dirty_len, 256);

	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	d->state = MDGPU_DMA_DONE;
	d->ret = -EFAULT;
	KUNIT_EXPECT_EQ(test, mock_step(vgpu), 0);
	KUNIT_EXPECT_EQ(test, m->calls, 2);
	KUNIT_EXPECT_TRUE(test, ctx->error);
	KUNIT_EXPECT_EQ(test, ctx->err_code, MDGPU_ERR_DMA);
	KUNIT_EXPECT_EQ(test, ctx->err_head, 2 * MDGPU_DMA_NDW * 4);
	KUNIT_EXPECT_EQ(test, ctx->cmds_done, 2);
}

static struct kunit_case engine_exec_cases[] = {
	KUNIT_CASE_PARAM(exec_dispatch, exec_case_gen_params),
	KUNIT_CASE(exec_bad_command),
	KUNIT_CASE(exec_partial_progress),
	KUNIT_CASE(exec_preempt_between_chunks),
	KUNIT_CASE(exec_freeze_drops_chunk),
	KUNIT_CASE_PARAM(exec_chunk_fault, fault_case_gen_params),
	KUNIT_CASE(exec_dma_steps),
	{}
};

static struct kunit_suite engine_exec_suite = {
	.name = "mdgpu_engine_exec",
	.test_cases = engine_exec_cases,
};

kunit_test_suite(engine_exec_suite);
