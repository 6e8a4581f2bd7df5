// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: each open vGPU's own thread for guest memory accesses (the DMA
 * agent), so that no user can hold the parent's shared engine.
 *
 * vfio_dma_rw() copies from or to the VFIO user's memory and can block for
 * as long as that memory takes to fault in: a range backed by FUSE or NFS,
 * or managed with userfaultfd, may take forever. The engine thread runs
 * every vGPU of its parent, so it never calls vfio_dma_rw() itself. A DMA
 * chunk goes through four states, all under vgpu->lock:
 *
 *   IDLE   -> QUEUED  the engine read VRAM into the agent's buffer (to the
 *                     guest) and handed the chunk over; the context is not
 *                     runnable, the engine runs other vGPUs
 *   QUEUED -> BUSY    the agent took it and calls vfio_dma_rw() with no
 *                     mdgpu lock held
 *   BUSY   -> DONE    it finished; the context is runnable again, and the
 *                     engine's next step for it writes VRAM (from the
 *                     guest) or fails the context on a refused IOVA
 *   DONE   -> IDLE    that step
 *
 * A reset or close of the context (its generation changes) drops a QUEUED
 * or DONE chunk at once; a BUSY one returns to IDLE when vfio_dma_rw()
 * does, and until then the context stays not runnable, as its buffer is in
 * use. The range a BUSY chunk touches is also kept under the engine lock,
 * for .dma_unmap to wait on.
 *
 * Close stops the agent, which must not be in vfio_dma_rw() once the
 * device's IOMMU context goes. It waits MDGPU_DMA_ABORT_MS for a chunk in
 * flight, then logs why it waits and sends the agent SIGKILL, which ends
 * the killable waits a fault blocks in (userfaultfd, FUSE, NFS): the copy
 * then fails, and close goes on.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mdgpu.h"

/* How long close lets a guest memory access run before aborting it. */
#define MDGPU_DMA_ABORT_MS	2000

/* Is a guest memory access of @ctx overlapping [@iova, @iova + @len) on? */
static bool mdgpu_dma_busy(struct mdgpu_engine *eng,
			   struct mdgpu_engine_ctx *ctx, u64 iova, u64 len)
{
	bool ret;

	spin_lock(&eng->lock);
	ret = ctx->dma_busy && iova < ctx->dma_iova + ctx->dma_len &&
	      ctx->dma_iova < iova + len;
	spin_unlock(&eng->lock);
	return ret;
}

static int mdgpu_dma_thread(void *data)
{
	struct mdgpu_vgpu *vgpu = data;
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mdgpu_dma_agent *d = &ctx->dma;
	bool to_guest;
	u64 iova;
	u32 len;
	int ret;

	/* Close aborts a copy blocked in a killable wait with SIGKILL. */
	allow_signal(SIGKILL);
	while (!kthread_should_stop()) {
		wait_event_idle(d->wq,
				READ_ONCE(d->state) == MDGPU_DMA_QUEUED ||
				kthread_should_stop());
		mutex_lock(&vgpu->lock);
		if (d->state != MDGPU_DMA_QUEUED) {
			mutex_unlock(&vgpu->lock);
			continue;
		}
		d->state = MDGPU_DMA_BUSY;
		iova = d->iova;
		len = d->len;
		to_guest = d->to_guest;
		spin_lock(&eng->lock);
		ctx->dma_busy = true;
		ctx->dma_iova = iova;
		ctx->dma_len = len;
		spin_unlock(&eng->lock);
		mutex_unlock(&vgpu->lock);

		ret = vfio_dma_rw(&vgpu->vdev, iova, d->buf, len, to_guest);
		if (signal_pending(current)) {
			flush_signals(current);
			ret = ret ?: -EINTR;
		}

		spin_lock(&eng->lock);
		ctx->dma_busy = false;
		spin_unlock(&eng->lock);
		wake_up_all(&eng->idle_wq);

		mutex_lock(&vgpu->lock);
		if (d->gen == ctx->gen) {
			d->ret = ret;
			d->state = MDGPU_DMA_DONE;
		} else {
			d->state = MDGPU_DMA_IDLE;
		}
		mdgpu_ctx_update(vgpu);
		mutex_unlock(&vgpu->lock);
	}
	return 0;
}

/**
 * mdgpu_dma_agent_start() - start a vGPU's DMA agent
 * @vgpu: the instance, being opened; caller holds no mdgpu lock
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_dma_agent_start(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_dma_agent *d = &vgpu->engine.dma;
	struct task_struct *t;

	d->buf = kvmalloc(MDGPU_CHUNK_BYTES, GFP_KERNEL);
	if (!d->buf)
		return -ENOMEM;
	t = kthread_run(mdgpu_dma_thread, vgpu, "mdgpu-dma/%u",
			vgpu->parent->index);
	if (IS_ERR(t)) {
		kvfree(d->buf);
		d->buf = NULL;
		return PTR_ERR(t);
	}
	d->thread = t;
	return 0;
}

/**
 * mdgpu_dma_agent_stop() - stop a vGPU's DMA agent
 * @vgpu: the instance, being closed; the engine no longer runs it and no
 *	  new chunk can be queued (the context is closed)
 *
 * Waits for a guest memory access in flight, at most MDGPU_DMA_ABORT_MS
 * before it says why and aborts the access.
 */
void mdgpu_dma_agent_stop(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mdgpu_dma_agent *d = &ctx->dma;
	u64 iova, len;

	if (!d->thread)
		return;
	if (!wait_event_timeout(eng->idle_wq,
				!mdgpu_dma_busy(eng, ctx, 0, U64_MAX),
				msecs_to_jiffies(MDGPU_DMA_ABORT_MS))) {
		spin_lock(&eng->lock);
		iova = ctx->dma_iova;
		len = ctx->dma_len;
		spin_unlock(&eng->lock);
		dev_info_ratelimited(vgpu->vdev.dev,
				     "close: a DMA of %llu bytes at IOVA 0x%llx has not finished in %u ms (slow or blocked user memory); aborting it\n",
				     len, iova, MDGPU_DMA_ABORT_MS);
		send_sig(SIGKILL, d->thread, 1);
	}
	kthread_stop(d->thread);
	d->thread = NULL;
	kvfree(d->buf);
	d->buf = NULL;
	d->state = MDGPU_DMA_IDLE;
}

/**
 * mdgpu_dma_agent_busy() - is the vGPU's agent in a guest memory access?
 * @vgpu: the instance
 *
 * Return: true while the agent is inside vfio_dma_rw(); its end wakes
 * the engine's idle_wq.
 */
bool mdgpu_dma_agent_busy(struct mdgpu_vgpu *vgpu)
{
	return mdgpu_dma_busy(vgpu->parent->engine, &vgpu->engine, 0, U64_MAX);
}

/**
 * mdgpu_dma_agent_unmap() - wait until no access of the vGPU to a range
 *			     is in flight
 * @vgpu: the instance
 * @iova: start of the range the user unmaps
 * @len: its length
 */
void mdgpu_dma_agent_unmap(struct mdgpu_vgpu *vgpu, u64 iova, u64 len)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;

	wait_event(eng->idle_wq,
		   !mdgpu_dma_busy(eng, &vgpu->engine, iova, len));
}

/**
 * mdgpu_dma_agent_reset_locked() - forget the chunk of a context reset
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * A chunk the agent is running finishes on its own (and is then dropped,
 * the generation having changed).
 */
void mdgpu_dma_agent_reset_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_dma_agent *d = &vgpu->engine.dma;

	lockdep_assert_held(&vgpu->lock);
	if (d->state != MDGPU_DMA_BUSY)
		d->state = MDGPU_DMA_IDLE;
}

/**
 * mdgpu_dma_agent_done_locked() - take the result of a finished chunk
 * @vgpu: the instance; caller holds vgpu->lock; the engine thread
 * @ret: set to vfio_dma_rw()'s result when a chunk was done
 *
 * Return: true if the agent had finished a chunk (it is idle again, and a
 * copy from the guest is in its buffer), else false.
 */
bool mdgpu_dma_agent_done_locked(struct mdgpu_vgpu *vgpu, int *ret)
{
	struct mdgpu_dma_agent *d = &vgpu->engine.dma;

	lockdep_assert_held(&vgpu->lock);
	*ret = 0;
	if (d->state != MDGPU_DMA_DONE)
		return false;
	d->state = MDGPU_DMA_IDLE;
	*ret = d->ret;
	return true;
}

/**
 * mdgpu_dma_agent_buf_locked() - the agent's buffer, if it takes a chunk
 * @vgpu: the instance; caller holds vgpu->lock; the engine thread
 *
 * Return: the buffer of MDGPU_CHUNK_BYTES the next chunk goes through,
 * or NULL while the agent has a chunk or is not running.
 */
void *mdgpu_dma_agent_buf_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_dma_agent *d = &vgpu->engine.dma;

	lockdep_assert_held(&vgpu->lock);
	if (d->state != MDGPU_DMA_IDLE || !d->thread)
		return NULL;
	return d->buf;
}

/**
 * mdgpu_dma_agent_queue_locked() - hand a chunk to the agent
 * @vgpu: the instance; caller holds vgpu->lock; the engine thread, after
 *	  mdgpu_dma_agent_buf_locked() gave the buffer (for a copy to the
 *	  guest, filled from VRAM)
 * @iova: guest address of the chunk
 * @len: its length, at most MDGPU_CHUNK_BYTES
 * @to_guest: the buffer to guest memory, else guest memory to the buffer
 *
 * The context is not runnable until the agent finished the copy.
 */
void mdgpu_dma_agent_queue_locked(struct mdgpu_vgpu *vgpu, u64 iova, u32 len,
				  bool to_guest)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mdgpu_dma_agent *d = &ctx->dma;

	lockdep_assert_held(&vgpu->lock);
	d->iova = iova;
	d->len = len;
	d->to_guest = to_guest;
	d->gen = ctx->gen;
	d->state = MDGPU_DMA_QUEUED;
	wake_up(&d->wq);
}
