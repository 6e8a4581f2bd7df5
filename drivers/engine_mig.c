// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the engine context and migration. Freezing a context between
 * chunks for the VFIO STOP and RUNNING_P2P states, and saving and loading
 * its state as the stream's ENGINE record.
 *
 * A frozen context is not runnable, so the engine thread leaves it at the
 * end of the chunk it is in. Work of the command in progress is counted in
 * whole chunks (cur_done), so the state saved between chunks says exactly
 * how much is done, and the destination runs the rest: the command
 * completes once. A DMA chunk handed to the vGPU's agent but not completed
 * by the engine is dropped and run again later, here or on the
 * destination (it copies the same bytes again). A COMPUTE chunk the thread
 * sleeps in when the freeze comes is dropped likewise.
 */
#include <linux/sched.h>
#include <linux/wait.h>

#include "mdgpu.h"

/* How long a freeze waits for a guest memory access in flight. */
#define MDGPU_FREEZE_DMA_MS	2000

/**
 * mdgpu_engine_ctx_freeze() - stop a context between chunks
 * @vgpu: the instance; caller holds no mdgpu lock (this waits for the
 *	  engine thread and the vGPU's DMA agent)
 *
 * On return the context runs no command, makes no DMA and raises no
 * interrupt (one raised meanwhile is kept for mdgpu_engine_ctx_thaw_locked())
 * until thawed. Registers still answer; a doorbell only moves RING_TAIL.
 *
 * Return: 0, or -ETIMEDOUT if a guest memory access in flight did not
 * finish within MDGPU_FREEZE_DMA_MS (the context stays frozen).
 */
int mdgpu_engine_ctx_freeze(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	mutex_lock(&vgpu->lock);
	ctx->frozen = true;
	/* Chunks outside the lock (DMA, COMPUTE) are dropped and redone. */
	ctx->gen++;
	mdgpu_dma_agent_reset_locked(vgpu);
	mdgpu_ctx_update(vgpu);
	mutex_unlock(&vgpu->lock);
	/* The thread leaves a context that is not runnable after one chunk. */
	wait_event(eng->idle_wq, !mdgpu_engine_runs(eng, ctx));
	if (!wait_event_timeout(eng->idle_wq, !mdgpu_dma_agent_busy(vgpu),
				msecs_to_jiffies(MDGPU_FREEZE_DMA_MS))) {
		dev_info_ratelimited(vgpu->vdev.dev,
				     "migration: a DMA to guest memory has not finished in %u ms; cannot stop the device\n",
				     MDGPU_FREEZE_DMA_MS);
		return -ETIMEDOUT;
	}
	return 0;
}

/**
 * mdgpu_engine_ctx_thaw_locked() - let a frozen context run again
 * @vgpu: the instance; caller holds vgpu->lock
 */
void mdgpu_engine_ctx_thaw_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	if (!ctx->frozen)
		return;
	ctx->frozen = false;
	if (ctx->irq_deferred) {
		ctx->irq_deferred = false;
		mdgpu_irq_device_locked(vgpu);
	}
	mdgpu_ctx_update(vgpu);
}

/**
 * mdgpu_engine_ctx_save_locked() - the context as an ENGINE record
 * @vgpu: the instance, frozen; caller holds vgpu->lock
 * @m: filled in
 */
void mdgpu_engine_ctx_save_locked(struct mdgpu_vgpu *vgpu,
				  struct mdgpu_mig_engine *m)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	unsigned int i, n;

	lockdep_assert_held(&vgpu->lock);
	/*
	 * A doorbell rung before the stop that the thread has not taken yet
	 * is part of the state: take it (a bad tail fails the context here,
	 * as the thread would have).
	 */
	if (ctx->db_armed && READ_ONCE(ctx->db_tail) != ctx->tail)
		mdgpu_ctx_take_doorbell_locked(vgpu);
	memset(m, 0, sizeof(*m));
	m->ring_base = cpu_to_le64(ctx->ring_base);
	m->ring_size = cpu_to_le32(ctx->ring_size);
	m->head = cpu_to_le32(ctx->head);
	m->tail = cpu_to_le32(READ_ONCE(ctx->db_tail));
	m->enabled = ctx->enabled;
	m->error = ctx->error;
	m->err_code = cpu_to_le32(ctx->err_code);
	m->err_head = cpu_to_le32(ctx->err_head);
	m->err_header = cpu_to_le32(ctx->err_header);
	m->fence_last = cpu_to_le32(ctx->fence_last);
	m->irq_status = cpu_to_le32(ctx->irq_status);
	m->irq_mask = cpu_to_le32(ctx->irq_mask);
	m->cmds_done = cpu_to_le32(ctx->cmds_done);
	m->ts_hi = cpu_to_le32(ctx->ts_hi);
	m->timestamp = cpu_to_le64(mdgpu_ctx_time(vgpu->parent->engine, ctx));
	if (ctx->cur_valid) {
		n = min_t(u32, ctx->cur.ndw, MDGPU_MIG_CMD_DW);
		m->cur_valid = 1;
		m->cur_ndw = ctx->cur.ndw;
		m->cur_done = cpu_to_le64(ctx->cur_done);
		m->job_ns = cpu_to_le64(ctx->job_ns);
		for (i = 0; i < n; i++)
			m->cur_dw[i] = cpu_to_le32(ctx->cur_dw[i]);
	}
}

#define MDGPU_IRQ_BITS	(MDGPU_IRQ_FENCE | MDGPU_IRQ_ERROR)

/* Check an ENGINE record against the instance. Return: a reason, or NULL. */
static const char *mdgpu_engine_mig_check(struct mdgpu_vgpu *vgpu,
					  const struct mdgpu_mig_engine *m,
					  struct mdgpu_cmd *cmd, u32 *dw)
{
	u32 ring_size = le32_to_cpu(m->ring_size);
	u32 head = le32_to_cpu(m->head), tail = le32_to_cpu(m->tail);
	unsigned int i;

	if (m->enabled > 1 || m->error > 1 || m->cur_valid > 1)
		return "engine flags";
	if ((le32_to_cpu(m->irq_status) | le32_to_cpu(m->irq_mask)) &
	    ~MDGPU_IRQ_BITS)
		return "engine interrupt bits";
	if (m->enabled && !m->error &&
	    (mdgpu_ring_check(le64_to_cpu(m->ring_base), ring_size,
			      vgpu->vram_size) ||
	     !mdgpu_ring_ptr_valid(head, ring_size) ||
	     !mdgpu_ring_ptr_valid(tail, ring_size)))
		return "engine ring";
	if (!m->cur_valid)
		return NULL;
	if (!m->enabled || m->error || !m->cur_ndw ||
	    m->cur_ndw > MDGPU_MIG_CMD_DW)
		return "engine command in progress";
	for (i = 0; i < m->cur_ndw; i++)
		dw[i] = le32_to_cpu(m->cur_dw[i]);
	if (MDGPU_CMD_NDW(dw[0]) != m->cur_ndw ||
	    mdgpu_cmd_decode(dw, m->cur_ndw, vgpu->vram_size, cmd) ||
	    le64_to_cpu(m->cur_done) >= mdgpu_cmd_work(cmd))
		return "engine command in progress";
	return NULL;
}

/**
 * mdgpu_engine_ctx_load_locked() - give a frozen context a saved state
 * @vgpu: the instance, frozen and open; caller holds vgpu->lock
 * @m: the ENGINE record, from a user: checked here
 * @why: set to the reason on refusal
 *
 * The command in progress is decoded again from its dwords, against this
 * instance's VRAM size. TIMESTAMP continues from the saved value, or from
 * this parent's engine time if that is later.
 *
 * Return: 0, or -EINVAL (nothing changed).
 */
int mdgpu_engine_ctx_load_locked(struct mdgpu_vgpu *vgpu,
				 const struct mdgpu_mig_engine *m,
				 const char **why)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u32 dw[MDGPU_MIG_CMD_DW] = {};
	struct mdgpu_cmd cmd = {};
	u64 now, ts;

	lockdep_assert_held(&vgpu->lock);
	*why = mdgpu_engine_mig_check(vgpu, m, &cmd, dw);
	if (*why)
		return -EINVAL;
	ctx->gen++;
	mdgpu_dma_agent_reset_locked(vgpu);
	ctx->ring_base = le64_to_cpu(m->ring_base);
	ctx->ring_size = le32_to_cpu(m->ring_size);
	ctx->head = le32_to_cpu(m->head);
	ctx->tail = le32_to_cpu(m->tail);
	WRITE_ONCE(ctx->db_tail, ctx->tail);
	ctx->enabled = m->enabled;
	ctx->error = m->error;
	ctx->err_code = le32_to_cpu(m->err_code);
	ctx->err_head = le32_to_cpu(m->err_head);
	ctx->err_header = le32_to_cpu(m->err_header);
	ctx->fence_last = le32_to_cpu(m->fence_last);
	ctx->irq_status = le32_to_cpu(m->irq_status);
	ctx->irq_mask = le32_to_cpu(m->irq_mask);
	ctx->cmds_done = le32_to_cpu(m->cmds_done);
	ctx->ts_hi = le32_to_cpu(m->ts_hi);
	ctx->cur_valid = m->cur_valid;
	ctx->cur_done = 0;
	ctx->job_ns = 0;
	if (ctx->cur_valid) {
		ctx->cur = cmd;
		memcpy(ctx->cur_dw, dw, sizeof(ctx->cur_dw));
		ctx->cur_done = le64_to_cpu(m->cur_done);
		ctx->job_ns = le64_to_cpu(m->job_ns);
	}
	/* Never backwards: not below what the source showed last. */
	ts = le64_to_cpu(m->timestamp);
	now = mdgpu_ctx_time(vgpu->parent->engine, ctx) - ctx->ts_offset;
	ctx->ts_offset = ts > now ? ts - now : 0;
	mdgpu_ctx_update(vgpu);
	return 0;
}
