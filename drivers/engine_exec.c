// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the execution core of the engine. One step of a context: fetch
 * and validate the command at RING_HEAD, hand its next chunk to the
 * backend, retire the command when its last chunk is done, and put the
 * context in its error state when a command is bad or a chunk faults.
 */

/**
 * DOC: Execution core
 *
 * The core decides *what* runs and keeps every piece of state the guest
 * can see; the backend (&mdgpu_backend_ops.run_chunk) only executes, as
 * &drm_sched_backend_ops.run_job does for the DRM scheduler. One step
 * (mdgpu_engine_step(), called by the engine thread for the context the
 * scheduler picked) under the instance's lock:
 *
 * 1. if no command is in progress, read the one at RING_HEAD from the ring
 *    in VRAM and validate it (cmd.c) against the instance's VRAM size; a
 *    bad command puts the context in its error state with the command's
 *    error code;
 * 2. size the next chunk (mdgpu_cmd_chunk(): at most 64 KiB, 34 pages or
 *    100 µs of work), mark what it writes dirty for pre-copy, and pass it
 *    to the backend as a &struct mdgpu_chunk. NOP needs no backend. DMA
 *    goes in two steps around the instance's DMA agent (engine_dma.c),
 *    which moves the data between guest memory and a kernel buffer; the
 *    backend moves it between that buffer and VRAM. FENCE: the backend
 *    writes the sequence number, the core sets FENCE_LAST and raises the
 *    fence interrupt. TIMESTAMP: the core reads the context's engine time,
 *    the backend writes it;
 * 3. count the chunk's work in the command's progress
 *    (&mdgpu_engine_ctx.cur_done); when the command is complete, advance
 *    RING_HEAD and CMDS_DONE.
 *
 * Between two steps the scheduler may run other contexts: a command's
 * progress is the context's, so it continues where it stopped. A backend
 * that drops the instance's lock while it waits (COMPUTE in the CPU
 * executor) may come back to a context that was reset, frozen or closed
 * meanwhile: the context's generation then changed, and the chunk is
 * dropped without counting. A chunk the backend fails puts the context in
 * its error state: -ENOMEM as NOMEM, -EIO as VRAM, anything else but
 * -EAGAIN as FAULT; the work done so far stays.
 */
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "mdgpu.h"
#include "mdgpu_compat.h"

/**
 * mdgpu_ctx_has_work() - may the context run a chunk?
 * @ctx: the context; caller holds its instance's lock
 *
 * Return: true if it has commands to run, is open, enabled, not in error,
 * not frozen, not waiting for its DMA agent, and the parent is not lost.
 */
bool mdgpu_ctx_has_work(const struct mdgpu_engine_ctx *ctx)
{
	const struct mdgpu_vgpu *vgpu = container_of(ctx, struct mdgpu_vgpu,
						     engine);
	const struct mdgpu_engine *eng = vgpu->parent->engine;

	lockdep_assert_held(&vgpu->lock);
	return ctx->open && ctx->enabled && !ctx->error && !ctx->frozen &&
	       !READ_ONCE(eng->lost) &&
	       ctx->dma.state != MDGPU_DMA_QUEUED &&
	       ctx->dma.state != MDGPU_DMA_BUSY &&
	       (ctx->cur_valid || ctx->head != ctx->tail);
}

/* Raise an engine interrupt source. */
static void mdgpu_ctx_irq(struct mdgpu_vgpu *vgpu, u32 source)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	ctx->irq_status |= source;
	if (ctx->irq_mask & source)
		mdgpu_irq_device_locked(vgpu);
}

/**
 * mdgpu_ctx_fail_at_locked() - put a context in its error state
 * @vgpu: the instance; caller holds vgpu->lock
 * @code: MDGPU_ERR_*
 * @head: ERR_HEAD: the ring offset of the command that failed
 * @header: ERR_HEADER: its header dword (0: none)
 *
 * Only this vGPU stops, until RING_CTRL.RESET. The guest learns of it
 * through its own device interrupt (IRQ_STATUS.ERROR).
 */
void mdgpu_ctx_fail_at_locked(struct mdgpu_vgpu *vgpu, u32 code, u32 head,
			      u32 header)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	ctx->error = true;
	ctx->err_code = code;
	ctx->err_head = head;
	ctx->err_header = header;
	ctx->cur_valid = false;
	spin_lock(&eng->lock);
	ctx->stats.errors++;
	spin_unlock(&eng->lock);
	dev_dbg_ratelimited(vgpu->vdev.dev,
			    "engine error %u at ring offset 0x%x, header 0x%08x\n",
			    code, head, header);
	/*
	 * Not the VFIO ERR index: QEMU takes a signal there for an
	 * uncorrectable device error and stops the whole VM, which one engine
	 * context's fault is not.
	 */
	mdgpu_ctx_irq(vgpu, MDGPU_IRQ_ERROR);
	mdgpu_ctx_update(vgpu);
}

/**
 * mdgpu_ctx_cur_header() - the header dword of the command in progress
 * @ctx: the context; caller holds its instance's lock and ctx->cur_valid
 *
 * Return: the header as the guest wrote it.
 */
u32 mdgpu_ctx_cur_header(const struct mdgpu_engine_ctx *ctx)
{
	const struct mdgpu_vgpu *vgpu = container_of(ctx, struct mdgpu_vgpu,
						     engine);

	lockdep_assert_held(&vgpu->lock);
	return MDGPU_CMD_HEADER(ctx->cur.op, ctx->cur.flags, ctx->cur.ndw);
}

/**
 * mdgpu_engine_ctx_fail_locked() - put a context in its error state
 * @vgpu: the instance; caller holds vgpu->lock
 * @code: MDGPU_ERR_*, for a fault of the device rather than a command
 *	  (hang, injected fault, bad VRAM, lost parent)
 *
 * ERR_HEAD is RING_HEAD, ERR_HEADER the header of the command in
 * progress (0 if none). A context already in error takes the new code.
 */
void mdgpu_engine_ctx_fail_locked(struct mdgpu_vgpu *vgpu, u32 code)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	mdgpu_ctx_fail_at_locked(vgpu, code, ctx->head,
				 ctx->cur_valid ? mdgpu_ctx_cur_header(ctx) : 0);
}

/* Read @bytes of the ring from @ptr on, wrapping. */
static int mdgpu_ctx_ring_read(struct mdgpu_vgpu *vgpu, u32 ptr, void *buf,
			       u32 bytes)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u32 first = mdgpu_ring_contig(ptr, bytes, ctx->ring_size);
	int ret;

	lockdep_assert_held(&vgpu->lock);
	ret = mdgpu_vgpu_vram_rw(vgpu, ctx->ring_base + ptr, buf, first, false);
	if (ret || first == bytes)
		return ret;
	return mdgpu_vgpu_vram_rw(vgpu, ctx->ring_base, buf + first,
				  bytes - first, false);
}

/*
 * Decode the command at HEAD into ctx->cur. A bad command fails the
 * context. Return: 0 if ctx->cur is valid, -EINVAL for a bad command, or
 * the VRAM error of the ring read.
 */
static int mdgpu_ctx_fetch(struct mdgpu_engine *eng, struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u32 avail = mdgpu_ring_used(ctx->head, ctx->tail, ctx->ring_size) / 4;
	u32 i, ndw, err;
	int ret;

	lockdep_assert_held(&vgpu->lock);
	ret = mdgpu_ctx_ring_read(vgpu, ctx->head, eng->dw, 4);
	if (ret)
		return ret;
	eng->dw[0] = le32_to_cpu((__force __le32)eng->dw[0]);
	err = mdgpu_cmd_length(eng->dw[0], avail, &ndw);
	if (err)
		goto fail;
	if (ndw > 1 && MDGPU_CMD_OP(eng->dw[0]) != MDGPU_OP_NOP) {
		ret = mdgpu_ctx_ring_read(vgpu,
					  mdgpu_ring_advance(ctx->head, 4,
							     ctx->ring_size),
					  &eng->dw[1], (ndw - 1) * 4);
		if (ret)
			return ret;
		for (i = 1; i < ndw; i++)
			eng->dw[i] = le32_to_cpu((__force __le32)eng->dw[i]);
	}
	err = mdgpu_cmd_decode(eng->dw, ndw, vgpu->vram_size, &ctx->cur);
	if (err)
		goto fail;
	memcpy(ctx->cur_dw, eng->dw,
	       min_t(u32, ndw, MDGPU_MIG_CMD_DW) * sizeof(u32));
	ctx->cur_valid = true;
	ctx->job_ns = 0;
	ctx->cur_done = 0;
	return 0;

fail:
	mdgpu_ctx_fail_at_locked(vgpu, err, ctx->head, eng->dw[0]);
	return -EINVAL;
}

/*
 * Mark for pre-copy what the chunk will write, before the backend writes
 * it: the backend only executes.
 */
static void mdgpu_chunk_mark_dirty(struct mdgpu_chunk *c)
{
	const struct mdgpu_cmd *cmd = c->cmd;
	u64 off = c->off, len = c->len, dst, src;
	u32 seg;

	lockdep_assert_held(&c->vgpu->lock);
	switch (cmd->op) {
	case MDGPU_OP_FILL:
	case MDGPU_OP_COPY:
		while (len) {
			seg = mdgpu_cmd_segment(cmd, off, len, &dst, &src);
			mdgpu_vram_dirty_mark(c->vgpu, dst, seg);
			off += seg;
			len -= seg;
		}
		break;
	case MDGPU_OP_DMA:
		if (!cmd->dma.to_guest)
			mdgpu_vram_dirty_mark(c->vgpu, cmd->dma.vram + off, len);
		break;
	case MDGPU_OP_FENCE:
		if (cmd->flags & MDGPU_FENCE_WRITE)
			mdgpu_vram_dirty_mark(c->vgpu, cmd->fence.addr, 4);
		break;
	case MDGPU_OP_TIMESTAMP:
		mdgpu_vram_dirty_mark(c->vgpu, cmd->timestamp.addr, 8);
		break;
	}
}

/* Hand one chunk to the backend. */
static int mdgpu_chunk_run(struct mdgpu_chunk *c)
{
	struct mdgpu_parent *parent = c->vgpu->parent;

	lockdep_assert_held(&c->vgpu->lock);
	mdgpu_chunk_mark_dirty(c);
	return parent->ops->run_chunk(parent, c);
}

/*
 * One DMA chunk, through the vGPU's DMA agent (engine_dma.c): the first
 * step hands it over and the context waits (not runnable) while the engine
 * runs others; the step after the agent finished completes it. The backend
 * moves the data between the agent's buffer and VRAM: before the agent
 * for VRAM to guest, after it for guest to VRAM.
 * Return: 0 once done, -EINPROGRESS while the agent has it, -EIO if the
 * IOVA was refused (context failed), or the backend's error.
 */
static int mdgpu_exec_dma(struct mdgpu_chunk *c)
{
	struct mdgpu_vgpu *vgpu = c->vgpu;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	const struct mdgpu_cmd *cmd = c->cmd;
	int ret;

	lockdep_assert_held(&vgpu->lock);
	if (mdgpu_dma_agent_done_locked(vgpu, &ret)) {
		if (ret) {
			mdgpu_ctx_fail_at_locked(vgpu, MDGPU_ERR_DMA, ctx->head,
						 mdgpu_ctx_cur_header(ctx));
			return -EIO;
		}
		if (cmd->dma.to_guest)
			return 0;
		c->buf = mdgpu_dma_agent_buf_locked(vgpu);
		return mdgpu_chunk_run(c);
	}
	c->buf = mdgpu_dma_agent_buf_locked(vgpu);
	if (!c->buf)
		return -EINPROGRESS;
	if (cmd->dma.to_guest) {
		ret = mdgpu_chunk_run(c);
		if (ret)
			return ret;
	}
	mdgpu_dma_agent_queue_locked(vgpu, cmd->dma.iova + c->off, c->len,
				     cmd->dma.to_guest);
	return -EINPROGRESS;
}

/*
 * Run the next chunk of ctx->cur. *@len: its work, as it counts; *@end:
 * when a COMPUTE chunk ended.
 */
static int mdgpu_exec_chunk(struct mdgpu_engine *eng, struct mdgpu_vgpu *vgpu,
			    const struct mdgpu_step *st, u64 *len, u64 *end)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mdgpu_chunk c = {
		.vgpu = vgpu,
		.cmd = &ctx->cur,
		.off = ctx->cur_done,
		.len = *len,
		.start = st->start,
		.end_by = st->end_by,
		.last = ctx->cur_done + *len >= mdgpu_cmd_work(&ctx->cur),
	};
	int ret;

	lockdep_assert_held(&vgpu->lock);
	switch (ctx->cur.op) {
	case MDGPU_OP_NOP:
		return 0;
	case MDGPU_OP_DMA:
		return mdgpu_exec_dma(&c);
	case MDGPU_OP_TIMESTAMP:
		c.value = mdgpu_ctx_time(eng, ctx);
		break;
	}
	ret = mdgpu_chunk_run(&c);
	if (ret)
		return ret;
	if (ctx->cur.op == MDGPU_OP_FENCE) {
		/* Read without vgpu->lock: after all the command stream did. */
		smp_store_release(&ctx->fence_last, ctx->cur.fence.seq);
		if (ctx->cur.flags & MDGPU_FENCE_IRQ)
			mdgpu_ctx_irq(vgpu, MDGPU_IRQ_FENCE);
	}
	*len = c.len;
	*end = c.end;
	return 0;
}

/**
 * mdgpu_thread_time_read() - read the calling thread's clocks
 * @t: filled in
 *
 * Called by the engine thread (or a test) for itself: its run-queue time
 * is then complete, as it is booked when a thread gets its CPU back.
 */
void mdgpu_thread_time_read(struct mdgpu_thread_time *t)
{
	t->wall = ktime_get_ns();
	t->queued = mdgpu_task_run_delay(current);
	t->cpu = READ_ONCE(current->se.sum_exec_runtime);
	t->preempted = READ_ONCE(current->nivcsw);
}

/**
 * mdgpu_step_begin() - set up the first step of a run of a context
 * @st: the step
 * @start: when the engine turned to the context (ktime_get_ns())
 * @end_by: the end of its slice (U64_MAX: none)
 *
 * Its charge begins now, with the thread's clocks read here.
 */
void mdgpu_step_begin(struct mdgpu_step *st, u64 start, u64 end_by)
{
	memset(st, 0, sizeof(*st));
	st->start = start;
	st->end_by = end_by;
	mdgpu_thread_time_read(&st->from);
}

/**
 * mdgpu_engine_step() - run one chunk of a context
 * @eng: the engine; called by its thread (or a test) with no lock held
 * @vgpu: the instance whose context runs
 * @st: the step: when it started, the thread's clocks where its charge
 *	begins and the slice's end; set to when it ended, the thread's
 *	clocks then, its charge, the opcode run and the job's engine time
 *	so far
 *
 * Decode the command at HEAD if needed, run its next chunk through the
 * backend, and retire it when complete. The step is charged its work
 * ("Chunk charging": a COMPUTE chunk the part of its planned time that
 * passed, any other the time from @st->from to its end less the thread's
 * waits for a CPU), and that charge is the job's (the per-job watchdog's)
 * unless the job completed.
 *
 * Return: the number of commands completed (0 or 1).
 */
unsigned int mdgpu_engine_step(struct mdgpu_engine *eng,
			       struct mdgpu_vgpu *vgpu, struct mdgpu_step *st)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	unsigned int completed = 0;
	struct mem_cgroup *old_memcg;
	bool timed = false;
	u64 len, end = 0;
	u32 gen;
	int ret;

	st->op = 0xff;
	st->job_ns = 0;
	mdgpu_engine_lock(eng, &vgpu->lock);
	/*
	 * VRAM pages this chunk allocates are charged to the opener's memory
	 * cgroup, not to the kernel thread (which has none). The reference is
	 * the device's, dropped at close only after the thread left the
	 * context.
	 */
	old_memcg = set_active_memcg(vgpu->memcg);
	if (!mdgpu_ctx_has_work(ctx))
		goto out;
	if (!ctx->cur_valid) {
		ret = mdgpu_ctx_fetch(eng, vgpu);
		if (ret)
			goto out_ret;
	}
	st->op = ctx->cur.op;
	gen = ctx->gen;
	len = mdgpu_cmd_chunk(&ctx->cur, ctx->cur_done);
	ret = mdgpu_exec_chunk(eng, vgpu, st, &len, &end);
	/* COMPUTE's backend read the clock last: its chunk ends there. */
	if (st->op == MDGPU_OP_COMPUTE && !ret) {
		st->end = end;
		st->charge = len;
		timed = true;
	}
	/* Reset, frozen or closed while the backend waited: drop the chunk. */
	if (gen != ctx->gen)
		goto out;
	if (ret)
		goto out_ret;
	/* Failed while the lock was dropped: nothing to retire. */
	if (!ctx->cur_valid)
		goto out;
	ctx->cur_done += len;
	if (ctx->cur_done >= mdgpu_cmd_work(&ctx->cur)) {
		ctx->head = mdgpu_ring_advance(ctx->head, ctx->cur.ndw * 4,
					       ctx->ring_size);
		ctx->cur_valid = false;
		ctx->cmds_done++;
		completed = 1;
	}
	goto out;

out_ret:
	/*
	 * Bad commands and refused DMA failed the context already; a DMA in
	 * the agent's hands (-EINPROGRESS) and a chunk the backend wants to
	 * run again (-EAGAIN) are no fault. No memory for VRAM (the opener's
	 * cgroup limit, or the host's), a bad VRAM page, or a fault of the
	 * backend, also while fetching a command, stop this context only;
	 * the work it did so far stays.
	 */
	if (!ctx->error && ret != -EINPROGRESS && ret != -EAGAIN)
		mdgpu_engine_ctx_fail_locked(vgpu,
					     ret == -ENOMEM ? MDGPU_ERR_NOMEM :
					     ret == -EIO ? MDGPU_ERR_VRAM :
					     MDGPU_ERR_FAULT);
out:
	mdgpu_thread_time_read(&st->to);
	if (!timed) {
		st->end = st->to.wall;
		st->charge = mdgpu_chunk_charge(&st->from, &st->to,
						MDGPU_HAVE_RUN_DELAY);
	}
	/* The job goes on: this step's charge is the job's. */
	if (ctx->cur_valid && !ctx->error) {
		ctx->job_ns += st->charge;
		st->job_ns = ctx->job_ns;
	}
	set_active_memcg(old_memcg);
	mdgpu_ctx_update(vgpu);
	mutex_unlock(&vgpu->lock);
	return completed;
}
