// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the parent's engine and its contexts' lifetime: creating and
 * freeing the engine, and a vGPU's engine context from .init to .release
 * (open, close, reset, parent loss).
 *
 * The engine runs the commands of its vGPUs' rings; its parts are the
 * guest's engine registers (engine_regs.c), the execution core
 * (engine_exec.c), which hands each chunk of a command to the backend
 * (&mdgpu_backend_ops.run_chunk), the engine thread and its scheduler calls
 * (engine_sched.c), each vGPU's DMA agent (engine_dma.c) and migration
 * (engine_mig.c).
 *
 * Locking: a context's registers and its command in progress are under
 * vgpu->lock, which the thread holds while it decodes a command and while
 * the backend touches the vGPU's VRAM, so a reset (which discards VRAM
 * under that lock) never races with a chunk. Guest memory (vfio_dma_rw())
 * is accessed with no lock held, by the vGPU's DMA agent: the access may
 * fault in user pages, possibly this device's own BAR0 mapping, whose fault
 * handler takes vgpu->lock. A context's generation counter, bumped by every
 * reset, tells the thread that the context was reset while it was outside
 * the lock; the chunk is then dropped. The scheduler state is under the
 * engine's spinlock, which nests inside vgpu->lock.
 *
 * vfio_dma_rw() is valid only while the device is open: close detaches the
 * context and waits until the thread no longer runs it.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "mdgpu.h"

/* Engine time as the guest sees it (TIMESTAMP): ns since the engine started. */
static u64 mdgpu_engine_time(struct mdgpu_engine *eng)
{
	return ktime_get_ns() - eng->start_ns;
}

/**
 * mdgpu_ctx_time() - a context's TIMESTAMP
 * @eng: its engine
 * @ctx: the context
 *
 * Return: engine time, plus what migration carried over.
 */
u64 mdgpu_ctx_time(struct mdgpu_engine *eng, const struct mdgpu_engine_ctx *ctx)
{
	return mdgpu_engine_time(eng) + ctx->ts_offset;
}

/**
 * mdgpu_ctx_ring_reset_locked() - stop the ring and forget its commands
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * RING_CTRL.RESET, close and device reset: the error state is cleared,
 * a command in progress and a DMA chunk queued are dropped (the
 * generation changes). The caller updates the scheduler.
 */
void mdgpu_ctx_ring_reset_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	mdgpu_dma_agent_reset_locked(vgpu);
	ctx->enabled = false;
	ctx->head = 0;
	ctx->tail = 0;
	WRITE_ONCE(ctx->db_tail, 0);
	ctx->error = false;
	ctx->err_code = MDGPU_ERR_NONE;
	ctx->err_head = 0;
	ctx->err_header = 0;
	ctx->cur_valid = false;
	ctx->cur_done = 0;
	ctx->gen++;
}

/**
 * mdgpu_engine_ctx_reset_locked() - put the engine registers in their
 *				     power-on state
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * The ring stops and every register reads zero. A chunk the thread runs
 * outside the lock is dropped when it comes back (the generation changed).
 */
void mdgpu_engine_ctx_reset_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	mdgpu_ctx_ring_reset_locked(vgpu);
	ctx->ring_base = 0;
	ctx->ring_size = 0;
	ctx->fence_last = 0;
	ctx->irq_status = 0;
	ctx->irq_mask = 0;
	ctx->cmds_done = 0;
	ctx->ts_hi = 0;
	mdgpu_ctx_update(vgpu);
}

/**
 * mdgpu_engine_lose() - the parent GPU is lost
 * @parent: the parent; caller holds its vgpus_lock
 *
 * No context runs any more; each open instance's context is put in its
 * error state (MDGPU_ERR_LOST) and the thread is released if it hung.
 */
void mdgpu_engine_lose(struct mdgpu_parent *parent)
{
	struct mdgpu_engine *eng = parent->engine;
	struct mdgpu_vgpu *vgpu;

	lockdep_assert_held(&parent->vgpus_lock);
	spin_lock(&eng->lock);
	eng->lost = true;
	eng->hang = false;
	spin_unlock(&eng->lock);
	wake_up_all(&eng->hang_wq);
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		mutex_lock(&vgpu->lock);
		if (vgpu->engine.open)
			mdgpu_engine_ctx_fail_locked(vgpu, MDGPU_ERR_LOST);
		mutex_unlock(&vgpu->lock);
	}
}

/**
 * mdgpu_engine_ctx_init() - give a new vGPU its engine context
 * @vgpu: the instance, in .init
 *
 * The context is known to the scheduler from now until
 * mdgpu_engine_ctx_fini(), and runs commands only while the device is open.
 */
void mdgpu_engine_ctx_init(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	memset(ctx, 0, sizeof(*ctx));
	init_waitqueue_head(&ctx->dma.wq);
	mdgpu_engine_sched_add(vgpu);
}

/**
 * mdgpu_engine_ctx_fini() - remove a vGPU's context from the engine
 * @vgpu: the instance, in .release (it was closed, so it is not runnable)
 */
void mdgpu_engine_ctx_fini(struct mdgpu_vgpu *vgpu)
{
	mdgpu_engine_sched_remove(vgpu);
}

/**
 * mdgpu_engine_ctx_open_locked() - the device was opened
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * From now on the context may run commands (and use vfio_dma_rw()).
 */
void mdgpu_engine_ctx_open_locked(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	vgpu->engine.open = true;
	/* On a lost parent the engine is failed from the start. */
	if (READ_ONCE(vgpu->parent->engine->lost))
		mdgpu_engine_ctx_fail_locked(vgpu, MDGPU_ERR_LOST);
	mdgpu_ctx_update(vgpu);
}

/**
 * mdgpu_engine_ctx_close() - the device is being closed
 * @vgpu: the instance, in .close_device; caller holds no mdgpu lock
 * @keep: the instance is parked (migration): its context, frozen since
 *	  STOP, keeps its registers and command in progress for the next
 *	  open; else the ring stops and forgets its commands
 *
 * Waits until the engine thread no longer runs the context, so no
 * vfio_dma_rw() of this device is in flight when the device's IOMMU
 * context goes away.
 */
void mdgpu_engine_ctx_close(struct mdgpu_vgpu *vgpu, bool keep)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;

	mutex_lock(&vgpu->lock);
	vgpu->engine.open = false;
	if (keep) {
		vgpu->engine.gen++;
		mdgpu_dma_agent_reset_locked(vgpu);
	} else {
		mdgpu_ctx_ring_reset_locked(vgpu);
	}
	mdgpu_ctx_update(vgpu);
	mutex_unlock(&vgpu->lock);
	/*
	 * The thread never blocks on guest memory, and a COMPUTE chunk's
	 * sleep ends when its context stops being runnable: this is one
	 * chunk. No doorbell comes any more (the device file is closed): once
	 * the thread took the last one queued, it no longer touches the
	 * context (it marks the context before it clears @db_queued).
	 */
	wait_event(eng->idle_wq,
		   !test_bit_acquire(0, &vgpu->engine.db_queued) &&
		   !mdgpu_engine_runs(eng, &vgpu->engine));
	mdgpu_dma_agent_stop(vgpu);
}

/**
 * mdgpu_engine_dma_unmap() - the user unmaps an IOVA range
 * @vgpu: the instance
 * @iova: start of the range
 * @len: its length
 *
 * vfio_dma_rw() keeps no pins, so nothing has to be released: a DMA chunk
 * that starts after the unmap fails (MDGPU_ERR_DMA). This waits until a
 * chunk of this device that is in flight to the range has finished. The
 * VFIO core calls this with no lock a DMA chunk needs.
 */
void mdgpu_engine_dma_unmap(struct mdgpu_vgpu *vgpu, u64 iova, u64 len)
{
	mdgpu_dma_agent_unmap(vgpu, iova, len);
}

/**
 * mdgpu_engine_create() - start a parent's engine
 * @parent: the parent, being created; its backend is set up
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_engine_create(struct mdgpu_parent *parent)
{
	struct mdgpu_engine *eng;
	int ret;

	eng = kzalloc(sizeof(*eng), GFP_KERNEL);
	if (!eng)
		return -ENOMEM;
	spin_lock_init(&eng->lock);
	init_llist_head(&eng->doorbells);
	mdgpu_sched_init(&eng->sched);
	init_waitqueue_head(&eng->wq);
	init_waitqueue_head(&eng->idle_wq);
	init_waitqueue_head(&eng->hang_wq);
	eng->start_ns = ktime_get_ns();
	eng->index = parent->index;
	eng->parent = parent;
	ret = mdgpu_engine_thread_start(eng);
	if (ret) {
		kfree(eng);
		return ret;
	}
	parent->engine = eng;
	return 0;
}

/**
 * mdgpu_engine_stop() - stop a parent's engine thread
 * @parent: the parent; no instance is open any more
 *
 * The engine's memory stays until mdgpu_engine_free(), as instances that
 * are not released yet still hold contexts on it.
 */
void mdgpu_engine_stop(struct mdgpu_parent *parent)
{
	struct mdgpu_engine *eng = parent->engine;

	if (!eng || !eng->thread)
		return;
	mdgpu_engine_thread_stop(eng);
	dev_dbg(parent->dev,
		"engine stopped; longest chunk (ns): nop %llu fill %llu copy %llu dma %llu fence %llu timestamp %llu compute %llu\n",
		eng->max_chunk_ns[MDGPU_OP_NOP],
		eng->max_chunk_ns[MDGPU_OP_FILL],
		eng->max_chunk_ns[MDGPU_OP_COPY],
		eng->max_chunk_ns[MDGPU_OP_DMA],
		eng->max_chunk_ns[MDGPU_OP_FENCE],
		eng->max_chunk_ns[MDGPU_OP_TIMESTAMP],
		eng->max_chunk_ns[MDGPU_OP_COMPUTE]);
}

/**
 * mdgpu_engine_free() - free a parent's engine
 * @parent: the parent, being released; no instance is left
 */
void mdgpu_engine_free(struct mdgpu_parent *parent)
{
	struct mdgpu_engine *eng = parent->engine;

	if (!eng)
		return;
	mdgpu_engine_stop(parent);
	kfree(eng);
	parent->engine = NULL;
}
