// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the parent's engine, a kernel thread that runs the commands of its
 * vGPUs' rings.
 *
 * Each parent has one thread ("mdgpu-eng/N"). It asks the scheduler
 * (scheduler/, through include/mdgpu_sched.h) which context to run, runs
 * that context one bounded chunk at a time (MDGPU_CHUNK_BYTES of FILL,
 * COPY or DMA, MDGPU_CHUNK_COMPUTE_NS of COMPUTE), charges the time of
 * each chunk, and switches when the scheduler says so or the context runs
 * out of work. With nothing to run it sleeps until a doorbell.
 *
 * Locking: a context's registers and its command in progress are under
 * vgpu->lock, which the thread holds while it decodes a command and while
 * it touches the vGPU's VRAM, so a reset (which discards VRAM under that
 * lock) never races with a chunk. Guest memory (vfio_dma_rw()) is accessed
 * with no lock held, through the engine's bounce buffer: the access may
 * fault in user pages, possibly this device's own BAR0 mapping, whose fault
 * handler takes vgpu->lock. A context's generation counter, bumped by every
 * reset, tells the thread that the context was reset while it was outside
 * the lock; the chunk is then dropped. The scheduler state is under the
 * engine's spinlock, which nests inside vgpu->lock.
 *
 * vfio_dma_rw() is valid only while the device is open: close detaches the
 * context and waits until the thread no longer runs it.
 *
 * A progress watchdog (mdgpu_engine_hang_check()) looks at the thread every
 * MDGPU_HANG_CHECK_MS: if it has a context to run but finished no chunk for
 * hang_timeout_ms, the engine is hung; the context it was running is put
 * in its error state (MDGPU_ERR_HANG), the engine is reset and goes on with
 * the others. debugfs.c injects such a hang, and the loss of the parent.
 */
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "mdgpu.h"
#include "mdgpu_trace.h"

static struct mdgpu_vgpu *ctx_to_vgpu(struct mdgpu_engine_ctx *ctx)
{
	return container_of(ctx, struct mdgpu_vgpu, engine);
}

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

/* The scheduler's clock, shared with drivers/sched_sysfs.c. */
static u64 mdgpu_sched_now(void)
{
	return ktime_get_ns();
}

/*
 * The context has commands to run, and is not waiting for its DMA agent.
 * Caller holds vgpu->lock.
 */
static bool mdgpu_ctx_has_work(const struct mdgpu_engine_ctx *ctx)
{
	const struct mdgpu_vgpu *vgpu = container_of(ctx, struct mdgpu_vgpu,
						     engine);
	const struct mdgpu_engine *eng = vgpu->parent->engine;

	return ctx->open && ctx->enabled && !ctx->error && !ctx->frozen &&
	       !READ_ONCE(eng->lost) &&
	       ctx->dma.state != MDGPU_DMA_QUEUED &&
	       ctx->dma.state != MDGPU_DMA_BUSY &&
	       (ctx->cur_valid || ctx->head != ctx->tail);
}

/**
 * mdgpu_ctx_update() - tell the scheduler whether the context has work
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * Wakes the engine thread if the context just got work.
 */
void mdgpu_ctx_update(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	bool work = mdgpu_ctx_has_work(ctx);
	bool wake = false;

	lockdep_assert_held(&vgpu->lock);
	/*
	 * Most register writes change nothing the scheduler sees; @runnable
	 * is written under vgpu->lock too, so no engine lock to find out.
	 */
	if (work == ctx->runnable)
		return;
	spin_lock(&eng->lock);
	if (work != ctx->runnable) {
		ctx->runnable = work;
		if (work) {
			mdgpu_sched_wake(&eng->sched, &ctx->entity,
					 mdgpu_sched_now());
			eng->kicked = true;
			wake = true;
		} else {
			mdgpu_sched_sleep(&eng->sched, &ctx->entity,
					  mdgpu_sched_now());
		}
	}
	spin_unlock(&eng->lock);
	if (wake)
		wake_up(&eng->wq);
}

/* Raise an engine interrupt source. Caller holds vgpu->lock. */
static void mdgpu_ctx_irq(struct mdgpu_vgpu *vgpu, u32 source)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	ctx->irq_status |= source;
	if (ctx->irq_mask & source)
		mdgpu_irq_device_locked(vgpu);
}

/*
 * Put the context in the error state: only this vGPU stops, until
 * RING_CTRL.RESET. Caller holds vgpu->lock.
 */
static void mdgpu_ctx_fail(struct mdgpu_vgpu *vgpu, u32 code, u32 head,
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
	 * The guest learns of it through its own device interrupt only: QEMU
	 * takes a signal on the VFIO ERR index for an uncorrectable device
	 * error and stops the whole VM, which one engine context's fault is not.
	 */
	mdgpu_ctx_irq(vgpu, MDGPU_IRQ_ERROR);
	mdgpu_ctx_update(vgpu);
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
	mdgpu_ctx_fail(vgpu, code, ctx->head,
		       ctx->cur_valid ? MDGPU_CMD_HEADER(ctx->cur.op,
							 ctx->cur.flags,
							 ctx->cur.ndw) : 0);
}

/* Stop the ring and forget its commands. Caller holds vgpu->lock. */
static void mdgpu_ctx_ring_reset(struct mdgpu_engine_ctx *ctx)
{
	mdgpu_dma_agent_reset_locked(ctx_to_vgpu(ctx));
	ctx->enabled = false;
	ctx->head = 0;
	ctx->tail = 0;
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
	mdgpu_ctx_ring_reset(ctx);
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
 * mdgpu_ctx_vram_rw() - access the vGPU's VRAM for its engine context
 * @vgpu: the instance; caller holds vgpu->lock
 * @addr: offset in the vGPU's VRAM range (validated by the caller)
 * @buf: kernel buffer
 * @len: bytes
 * @write: @buf to VRAM, else VRAM to @buf
 *
 * Every VRAM write of the engine comes through here or
 * mdgpu_ctx_vram_copy(), which mark the range dirty for pre-copy.
 *
 * Return: 0 or a negative errno (-ENOMEM: no page could back VRAM).
 */
int mdgpu_ctx_vram_rw(struct mdgpu_vgpu *vgpu, u64 addr, void *buf,
		      size_t len, bool write)
{
	lockdep_assert_held(&vgpu->lock);
	if (write)
		mdgpu_vram_dirty_mark(vgpu, addr, len);
	return mdgpu_vgpu_vram_rw(vgpu, addr, buf, len, write);
}

/* Read @bytes of the ring from @ptr on, wrapping. Holds vgpu->lock. */
static int mdgpu_ctx_ring_read(struct mdgpu_vgpu *vgpu, u32 ptr, void *buf,
			       u32 bytes)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u32 first = mdgpu_ring_contig(ptr, bytes, ctx->ring_size);
	int ret;

	ret = mdgpu_ctx_vram_rw(vgpu, ctx->ring_base + ptr, buf, first, false);
	if (ret || first == bytes)
		return ret;
	return mdgpu_ctx_vram_rw(vgpu, ctx->ring_base, buf + first,
				 bytes - first, false);
}

/*
 * Decode the command at HEAD into ctx->cur. A bad command fails the
 * context. Caller holds vgpu->lock. Return: 0 if ctx->cur is valid.
 */
static int mdgpu_ctx_fetch(struct mdgpu_engine *eng, struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u32 avail = mdgpu_ring_used(ctx->head, ctx->tail, ctx->ring_size) / 4;
	u32 i, ndw, err;
	int ret;

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
	mdgpu_ctx_fail(vgpu, err, ctx->head, eng->dw[0]);
	return -EINVAL;
}

/* The current command's header dword, as the guest wrote it. */
static u32 mdgpu_ctx_cur_header(const struct mdgpu_engine_ctx *ctx)
{
	return MDGPU_CMD_HEADER(ctx->cur.op, ctx->cur.flags, ctx->cur.ndw);
}

static int mdgpu_engine_fill(struct mdgpu_engine *eng,
			     struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	const struct mdgpu_cmd *cmd = &vgpu->engine.cur;
	u64 dst, src;
	u32 seg;
	int ret;

	if (!eng->pattern_valid || eng->pattern_value != cmd->fill.value) {
		memset32((u32 *)eng->pattern,
			 (__force u32)cpu_to_le32(cmd->fill.value),
			 MDGPU_CHUNK_BYTES / 4);
		eng->pattern_value = cmd->fill.value;
		eng->pattern_valid = true;
	}
	while (len) {
		seg = mdgpu_cmd_segment(cmd, off, len, &dst, &src);
		ret = mdgpu_ctx_vram_rw(vgpu, dst, eng->pattern, seg, true);
		if (ret)
			return ret;
		off += seg;
		len -= seg;
	}
	return 0;
}

/* Copy @len bytes of the vGPU's VRAM inside the device. Holds vgpu->lock. */
static int mdgpu_ctx_vram_copy(struct mdgpu_engine *eng,
			       struct mdgpu_vgpu *vgpu, u64 dst, u64 src,
			       size_t len)
{
	int ret;

	lockdep_assert_held(&vgpu->lock);
	if (WARN_ON_ONCE(len > MDGPU_CHUNK_BYTES))
		return -EINVAL;
	mdgpu_vram_dirty_mark(vgpu, dst, len);
	ret = mdgpu_vgpu_vram_copy(vgpu, dst, src, len);
	if (ret != -EOPNOTSUPP)
		return ret;
	/* No copy in the device: through the engine's buffer. */
	ret = mdgpu_ctx_vram_rw(vgpu, src, eng->buf, len, false);
	if (ret)
		return ret;
	return mdgpu_ctx_vram_rw(vgpu, dst, eng->buf, len, true);
}

static int mdgpu_engine_copy(struct mdgpu_engine *eng,
			     struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	const struct mdgpu_cmd *cmd = &vgpu->engine.cur;
	u64 dst, src;
	u32 seg;
	int ret;

	while (len) {
		seg = mdgpu_cmd_segment(cmd, off, len, &dst, &src);
		ret = mdgpu_ctx_vram_copy(eng, vgpu, dst, src, seg);
		if (ret)
			return ret;
		off += seg;
		len -= seg;
	}
	return 0;
}

/*
 * One DMA chunk, through the vGPU's DMA agent (engine_dma.c): the first
 * step hands it over and the context waits (not runnable) while the engine
 * runs others; the step after the agent finished completes it. Caller
 * holds vgpu->lock.
 * Return: 0 once done, -EINPROGRESS while the agent has it, -EIO if the
 * IOVA was refused (context failed), or a VRAM error.
 */
static int mdgpu_engine_dma(struct mdgpu_engine *eng, struct mdgpu_vgpu *vgpu,
			    u64 off, u64 len)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	const struct mdgpu_cmd *cmd = &ctx->cur;
	int ret;

	if (!mdgpu_dma_agent_chunk_locked(vgpu, cmd->dma.iova + off,
					  cmd->dma.vram + off, len,
					  cmd->dma.to_guest, &ret))
		return ret ?: -EINPROGRESS;
	if (ret) {
		mdgpu_ctx_fail(vgpu, MDGPU_ERR_DMA, ctx->head,
			       mdgpu_ctx_cur_header(ctx));
		return -EIO;
	}
	if (!cmd->dma.to_guest)
		return mdgpu_ctx_vram_rw(vgpu, cmd->dma.vram + off,
					 ctx->dma.buf, len, true);
	return 0;
}

/* The most COMPUTE spins to end a job on time, and the wake-up it learns. */
#define MDGPU_COMPUTE_SPIN_MAX_NS	(200 * NSEC_PER_USEC)

/*
 * Sleep until about @deadline, at most @spin ns of it by spinning: the
 * timed sleep is cut short by the wake-up lateness the thread has seen
 * (learned here), and the rest is spun, so the end is on time however late
 * the host's timers fire. With @spin 0, sleep only.
 */
static void mdgpu_engine_wait_until(struct mdgpu_engine *eng, u64 deadline,
				    u64 spin)
{
	u64 now = ktime_get_ns(), late, target;
	unsigned long us;

	spin = min(spin, eng->wake_late_ns);
	if (now + spin + NSEC_PER_USEC < deadline) {
		us = DIV_ROUND_UP_ULL(deadline - spin - now, NSEC_PER_USEC);
		target = now + (u64)us * NSEC_PER_USEC;
		usleep_range(us, us + 5);
		now = ktime_get_ns();
		late = now > target ? min_t(u64, now - target,
					    MDGPU_COMPUTE_SPIN_MAX_NS) : 0;
		eng->wake_late_ns = (7 * eng->wake_late_ns + late) / 8;
	}
	while (ktime_get_ns() < deadline)
		cpu_relax();
}

/*
 * One COMPUTE chunk: the engine is occupied (this thread runs nothing
 * else) until @len ns have passed since @start, when the step began, so
 * the time spent taking the lock and decoding counts towards the job as
 * the scheduler charges it. It waits with vgpu->lock dropped, on an
 * hrtimer rather than spinning so the CPU stays available, except at the
 * end of the job's last chunk (@last): there it spins for as long as the
 * sleeps have been waking up late, at most MDGPU_COMPUTE_SPIN_MAX_NS, so
 * the job ends when it should and not one timer latency later. *@len is
 * set to the time that passed since @start.
 * Return: 0, or -EAGAIN if the context was reset meanwhile.
 */
static int mdgpu_engine_compute(struct mdgpu_engine *eng,
				struct mdgpu_vgpu *vgpu, u64 start, bool last,
				u64 *len)
{
	u32 gen = vgpu->engine.gen;

	if (ktime_get_ns() - start < *len) {
		mutex_unlock(&vgpu->lock);
		mdgpu_engine_wait_until(eng, start + *len,
					last ? MDGPU_COMPUTE_SPIN_MAX_NS : 0);
		mutex_lock(&vgpu->lock);
	}
	*len = ktime_get_ns() - start;
	return gen == vgpu->engine.gen ? 0 : -EAGAIN;
}

/* FENCE and TIMESTAMP. Caller holds vgpu->lock. */
static int mdgpu_engine_signal(struct mdgpu_engine *eng,
			       struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	const struct mdgpu_cmd *cmd = &ctx->cur;
	__le64 ts;
	__le32 seq;
	int ret;

	if (cmd->op == MDGPU_OP_TIMESTAMP) {
		ts = cpu_to_le64(mdgpu_ctx_time(eng, ctx));
		return mdgpu_ctx_vram_rw(vgpu, cmd->timestamp.addr, &ts,
					 sizeof(ts), true);
	}
	if (cmd->flags & MDGPU_FENCE_WRITE) {
		seq = cpu_to_le32(cmd->fence.seq);
		ret = mdgpu_ctx_vram_rw(vgpu, cmd->fence.addr, &seq,
					sizeof(seq), true);
		if (ret)
			return ret;
	}
	/* Read without vgpu->lock: after all the command stream did. */
	smp_store_release(&ctx->fence_last, cmd->fence.seq);
	if (cmd->flags & MDGPU_FENCE_IRQ)
		mdgpu_ctx_irq(vgpu, MDGPU_IRQ_FENCE);
	return 0;
}

/*
 * Run one chunk of the context: decode the command at HEAD if needed, run
 * its next chunk, and retire it when complete. *@op is set to the opcode
 * run, or 0xff if none.
 * Return: the number of commands completed (0 or 1).
 */
static unsigned int mdgpu_engine_step(struct mdgpu_engine *eng,
				      struct mdgpu_vgpu *vgpu, u8 *op)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u64 start = ktime_get_ns();
	unsigned int completed = 0;
	struct mem_cgroup *old_memcg;
	u64 len;
	int ret;

	*op = 0xff;
	mutex_lock(&vgpu->lock);
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
	*op = ctx->cur.op;
	len = mdgpu_cmd_chunk(&ctx->cur, ctx->cur_done);
	switch (ctx->cur.op) {
	case MDGPU_OP_FILL:
		ret = mdgpu_engine_fill(eng, vgpu, ctx->cur_done, len);
		break;
	case MDGPU_OP_COPY:
		ret = mdgpu_engine_copy(eng, vgpu, ctx->cur_done, len);
		break;
	case MDGPU_OP_DMA:
		ret = mdgpu_engine_dma(eng, vgpu, ctx->cur_done, len);
		break;
	case MDGPU_OP_COMPUTE:
		ret = mdgpu_engine_compute(eng, vgpu, start,
					   ctx->cur_done + len >=
					   mdgpu_cmd_work(&ctx->cur), &len);
		break;
	case MDGPU_OP_FENCE:
	case MDGPU_OP_TIMESTAMP:
		ret = mdgpu_engine_signal(eng, vgpu);
		break;
	default:
		ret = 0;
		break;
	}
	if (ret)
		goto out_ret;
	/* Failed while the lock was dropped (COMPUTE): nothing to retire. */
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
	 * -EAGAIN, DMA faults and bad commands were handled. No memory for
	 * VRAM (the opener's cgroup limit, or the host's) or a bad VRAM page
	 * (-EIO from the backend), also while fetching a command, stops this
	 * context only; the work it did so far stays.
	 */
	if (!ctx->error && (ret == -ENOMEM || ret == -EIO))
		mdgpu_engine_ctx_fail_locked(vgpu, ret == -EIO ? MDGPU_ERR_VRAM :
						   MDGPU_ERR_NOMEM);
out:
	set_active_memcg(old_memcg);
	mdgpu_ctx_update(vgpu);
	mutex_unlock(&vgpu->lock);
	return completed;
}

static const guid_t *mdgpu_vgpu_guid(struct mdgpu_vgpu *vgpu)
{
	return &to_mdev_device(vgpu->vdev.dev)->uuid;
}

/*
 * Add @ran to the engine time of the job (command) the context is in, and
 * stop the context into its error state if the job ran past the parent's
 * watchdog limit. Called by the engine thread between chunks.
 * Return: true if the watchdog fired.
 */
/*
 * Fault injection (debugfs watchdog_delay_ms): wait between failing a
 * context and telling the scheduler, so a test can hit what a guest could
 * do in that window. Bounded, as a debugfs value is only root's word.
 */
static void mdgpu_engine_wd_delay(struct mdgpu_engine *eng)
{
	u32 ms = READ_ONCE(eng->wd_delay_ms);

	if (ms)
		msleep(min(ms, MDGPU_WD_DELAY_MAX_MS));
}

static bool mdgpu_engine_watchdog(struct mdgpu_engine *eng,
				  struct mdgpu_vgpu *vgpu, u64 ran)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	bool fired = false;

	mutex_lock(&vgpu->lock);
	if (ctx->cur_valid && !ctx->error) {
		ctx->job_ns += ran;
		spin_lock(&eng->lock);
		fired = mdgpu_sched_watchdog_expired(&eng->sched,
						     &ctx->entity,
						     ctx->job_ns);
		spin_unlock(&eng->lock);
	}
	if (fired) {
		/*
		 * Both under vgpu->lock: once it is dropped, the guest may
		 * reset the ring and ring the doorbell, making the context
		 * runnable again; the scheduler must not be told to put it
		 * to sleep after that, or no later doorbell would wake it.
		 */
		mdgpu_ctx_fail(vgpu, MDGPU_ERR_WATCHDOG, ctx->head,
			       mdgpu_ctx_cur_header(ctx));
		mdgpu_engine_wd_delay(eng);
		spin_lock(&eng->lock);
		mdgpu_sched_watchdog_fire(&eng->sched, &ctx->entity,
					  mdgpu_sched_now());
		spin_unlock(&eng->lock);
	}
	mutex_unlock(&vgpu->lock);
	return fired;
}

/* How often the progress watchdog looks at the engine. */
#define MDGPU_HANG_CHECK_MS	100

static void mdgpu_engine_hang_check(struct work_struct *work);

/* Run @ctx chunk by chunk until it is preempted or out of work. */
static void mdgpu_engine_run(struct mdgpu_engine *eng,
			     struct mdgpu_engine_ctx *ctx)
{
	struct mdgpu_vgpu *vgpu = ctx_to_vgpu(ctx);
	u64 t0, t1, ran, slice_start = mdgpu_sched_now();
	unsigned int completed;
	bool stop;
	u8 op;

	do {
		/* An injected hang: no progress until hang recovery. */
		if (READ_ONCE(eng->hang)) {
			wait_event_interruptible(eng->hang_wq,
						 !READ_ONCE(eng->hang) ||
						 kthread_should_stop());
			if (kthread_should_stop())
				break;
		}
		t0 = mdgpu_sched_now();
		completed = mdgpu_engine_step(eng, vgpu, &op);
		t1 = mdgpu_sched_now();
		ran = t1 - t0;

		spin_lock(&eng->lock);
		mdgpu_sched_charge(&eng->sched, &ctx->entity, ran, t1);
		ctx->stats.busy_ns += ran;
		ctx->stats.chunks++;
		eng->chunks++;
		ctx->stats.cmds += completed;
		ctx->stats.max_chunk_ns = max(ctx->stats.max_chunk_ns, ran);
		if (op < ARRAY_SIZE(eng->max_chunk_ns))
			eng->max_chunk_ns[op] = max(eng->max_chunk_ns[op], ran);
		stop = !ctx->runnable;
		if (!stop &&
		    mdgpu_sched_preempt(&eng->sched, &ctx->entity, t1)) {
			stop = true;
			trace_mdgpu_sched_preempt(eng->index,
						  mdgpu_vgpu_guid(vgpu),
						  t1 - slice_start,
						  ctx->entity.throttled);
		}
		spin_unlock(&eng->lock);
		/* Every chunk of an unfinished job counts, preempted or not. */
		if (!completed && mdgpu_engine_watchdog(eng, vgpu, ran))
			stop = true;
		cond_resched();
	} while (!stop && !kthread_should_stop());
}

/*
 * Idle until a doorbell or for @budget ns (U64_MAX: until a doorbell).
 * A high-resolution timeout: fixed shares and caps idle the engine for
 * fractions of a slice, far below a jiffy.
 */
static void mdgpu_engine_idle(struct mdgpu_engine *eng, u64 budget)
{
	DEFINE_WAIT(wait);
	ktime_t t;

	prepare_to_wait(&eng->wq, &wait, TASK_INTERRUPTIBLE);
	if (!READ_ONCE(eng->kicked) && !kthread_should_stop()) {
		if (budget == U64_MAX) {
			schedule();
		} else {
			t = ns_to_ktime(min_t(u64, budget, NSEC_PER_SEC));
			schedule_hrtimeout_range(&t, 20 * NSEC_PER_USEC,
						 HRTIMER_MODE_REL);
		}
	}
	finish_wait(&eng->wq, &wait);
}

static int mdgpu_engine_thread(void *data)
{
	struct mdgpu_engine *eng = data;
	struct mdgpu_sched_entity *e;
	u64 budget;

	while (!kthread_should_stop()) {
		spin_lock(&eng->lock);
		eng->kicked = false;
		e = mdgpu_sched_pick(&eng->sched, mdgpu_sched_now(), &budget);
		eng->running = e ? container_of(e, struct mdgpu_engine_ctx,
						entity) : NULL;
		if (e) {
			const guid_t *next =
				mdgpu_vgpu_guid(ctx_to_vgpu(eng->running));

			/* The previous vGPU may be gone: keep its UUID only. */
			if (!guid_equal(next, &eng->last_guid))
				trace_mdgpu_sched_switch(eng->index,
							 &eng->last_guid,
							 next, budget);
			guid_copy(&eng->last_guid, next);
		}
		spin_unlock(&eng->lock);

		if (e) {
			mdgpu_engine_run(eng, eng->running);
			spin_lock(&eng->lock);
			eng->running = NULL;
			spin_unlock(&eng->lock);
			wake_up_all(&eng->idle_wq);
			continue;
		}
		wake_up_all(&eng->idle_wq);
		mdgpu_engine_idle(eng, budget);
	}
	return 0;
}

/*
 * Hang recovery: fail the context @ctx the thread was running when it
 * stopped making progress, reset the engine and let it go on. Runs in the
 * watchdog's work with no lock held.
 */
static void mdgpu_engine_recover(struct mdgpu_engine *eng,
				 struct mdgpu_engine_ctx *ctx)
{
	struct mdgpu_parent *parent = eng->parent;
	struct mdgpu_vgpu *vgpu, *hung = NULL;
	u64 resets;

	/* An instance on the list is not freed while vgpus_lock is held. */
	mutex_lock(&parent->vgpus_lock);
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		if (ctx && &vgpu->engine == ctx) {
			hung = vgpu;
			break;
		}
	}
	/*
	 * A thread stuck inside a chunk holds the context's lock: do not
	 * wait for it here, look again at the next check.
	 */
	if (hung && !mutex_trylock(&hung->lock)) {
		mutex_unlock(&parent->vgpus_lock);
		return;
	}
	if (hung)
		mdgpu_engine_ctx_fail_locked(hung, MDGPU_ERR_HANG);
	spin_lock(&eng->lock);
	eng->hang = false;
	resets = ++eng->resets;
	spin_unlock(&eng->lock);
	/* The engine's own state is per chunk; the FILL pattern is rebuilt. */
	wake_up_all(&eng->hang_wq);
	if (hung)
		mutex_unlock(&hung->lock);
	mutex_unlock(&parent->vgpus_lock);
	mdgpu_parent_set_health(parent, MDGPU_HEALTH_DEGRADED,
				"engine hang detected and reset (%llu)",
				resets);
}

/*
 * The progress watchdog, every MDGPU_HANG_CHECK_MS: the engine has work
 * when the thread runs a context or was woken for one and has not looked
 * yet; idling by the policy (a cap, a fixed share) is not work. Work and
 * no finished chunk for hang_timeout_ms means a hang.
 */
static void mdgpu_engine_hang_check(struct work_struct *work)
{
	struct mdgpu_engine *eng = container_of(to_delayed_work(work),
						struct mdgpu_engine,
						hang_work);
	u64 timeout = (u64)READ_ONCE(mdgpu_hang_timeout_ms) * NSEC_PER_MSEC;
	struct mdgpu_engine_ctx *ctx = NULL;
	u64 now = ktime_get_ns();
	bool hung = false;

	spin_lock(&eng->lock);
	if (!timeout || !(eng->running || eng->kicked) ||
	    eng->chunks != eng->wd_chunks) {
		eng->wd_chunks = eng->chunks;
		eng->wd_since = now;
	} else if (now - eng->wd_since >= timeout) {
		ctx = eng->running;
		hung = true;
		eng->wd_since = now;
	}
	spin_unlock(&eng->lock);
	if (hung)
		mdgpu_engine_recover(eng, ctx);
	schedule_delayed_work(&eng->hang_work,
			      msecs_to_jiffies(MDGPU_HANG_CHECK_MS));
}

/**
 * mdgpu_engine_inject_hang() - make the engine stop making progress
 * @parent: the parent
 *
 * The thread stops before its next chunk (at once if it is running a
 * context, else when it next has work) until the watchdog recovers it.
 */
void mdgpu_engine_inject_hang(struct mdgpu_parent *parent)
{
	struct mdgpu_engine *eng = parent->engine;

	spin_lock(&eng->lock);
	eng->hang = true;
	spin_unlock(&eng->lock);
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
 * mdgpu_engine_runs() - is the engine thread running a context?
 * @eng: the engine
 * @ctx: the context
 *
 * Return: true while the thread runs @ctx (it may be between chunks).
 */
bool mdgpu_engine_runs(struct mdgpu_engine *eng, struct mdgpu_engine_ctx *ctx)
{
	bool ret;

	spin_lock(&eng->lock);
	ret = eng->running == ctx;
	spin_unlock(&eng->lock);
	return ret;
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
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	memset(ctx, 0, sizeof(*ctx));
	init_waitqueue_head(&ctx->dma.wq);
	mdgpu_sched_entity_init(&ctx->entity);
	spin_lock(&eng->lock);
	/* Its fixed share: 1 / (instances of its type the parent holds). */
	mdgpu_sched_entity_set_share(&ctx->entity,
				     div64_u64(vgpu->parent->vram_size,
					       vgpu->vram_size));
	mdgpu_sched_add(&eng->sched, &ctx->entity, mdgpu_sched_now());
	spin_unlock(&eng->lock);
}

/**
 * mdgpu_engine_ctx_fini() - remove a vGPU's context from the engine
 * @vgpu: the instance, in .release (it was closed, so it is not runnable)
 */
void mdgpu_engine_ctx_fini(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	spin_lock(&eng->lock);
	mdgpu_sched_remove(&eng->sched, &ctx->entity, mdgpu_sched_now());
	ctx->runnable = false;
	spin_unlock(&eng->lock);
	wait_event(eng->idle_wq, !mdgpu_engine_runs(eng, ctx));
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
		mdgpu_ctx_ring_reset(&vgpu->engine);
	}
	mdgpu_ctx_update(vgpu);
	mutex_unlock(&vgpu->lock);
	/* The thread never blocks on guest memory: this is one chunk. */
	wait_event(eng->idle_wq, !mdgpu_engine_runs(eng, &vgpu->engine));
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
 * @parent: the parent, being created
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_engine_create(struct mdgpu_parent *parent)
{
	struct mdgpu_engine *eng;
	int ret = -ENOMEM;

	eng = kzalloc(sizeof(*eng), GFP_KERNEL);
	if (!eng)
		return -ENOMEM;
	eng->buf = kvmalloc(MDGPU_CHUNK_BYTES, GFP_KERNEL);
	if (!eng->buf)
		goto free_eng;
	eng->pattern = kvmalloc(MDGPU_CHUNK_BYTES, GFP_KERNEL);
	if (!eng->pattern)
		goto free_buf;
	spin_lock_init(&eng->lock);
	mdgpu_sched_init(&eng->sched);
	init_waitqueue_head(&eng->wq);
	init_waitqueue_head(&eng->idle_wq);
	init_waitqueue_head(&eng->hang_wq);
	INIT_DELAYED_WORK(&eng->hang_work, mdgpu_engine_hang_check);
	eng->start_ns = ktime_get_ns();
	eng->index = parent->index;
	eng->parent = parent;
	eng->thread = kthread_run(mdgpu_engine_thread, eng, "mdgpu-eng/%u",
				  parent->index);
	if (IS_ERR(eng->thread)) {
		ret = PTR_ERR(eng->thread);
		goto free_pattern;
	}
	parent->engine = eng;
	eng->wd_since = ktime_get_ns();
	schedule_delayed_work(&eng->hang_work,
			      msecs_to_jiffies(MDGPU_HANG_CHECK_MS));
	return 0;

free_pattern:
	kvfree(eng->pattern);
free_buf:
	kvfree(eng->buf);
free_eng:
	kfree(eng);
	return ret;
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
	/* The watchdog requeues itself; this also stops that. */
	cancel_delayed_work_sync(&eng->hang_work);
	kthread_stop(eng->thread);
	eng->thread = NULL;
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
	kvfree(eng->pattern);
	kvfree(eng->buf);
	kfree(eng);
	parent->engine = NULL;
}

/**
 * mdgpu_engine_sched_call() - run @fn on a parent's scheduler
 * @parent: the parent
 * @fn: called with the engine lock held; must not sleep
 * @arg: passed to @fn
 *
 * Return: what @fn returns.
 */
int mdgpu_engine_sched_call(struct mdgpu_parent *parent,
			    int (*fn)(struct mdgpu_sched *s, void *arg),
			    void *arg)
{
	struct mdgpu_engine *eng = parent->engine;
	int ret;

	spin_lock(&eng->lock);
	ret = fn(&eng->sched, arg);
	spin_unlock(&eng->lock);
	return ret;
}

/**
 * mdgpu_engine_entity_call() - run @fn on a vGPU's scheduler entity
 * @vgpu: the instance
 * @fn: called with the engine lock held; must not sleep
 * @arg: passed to @fn
 *
 * Return: what @fn returns.
 */
int mdgpu_engine_entity_call(struct mdgpu_vgpu *vgpu,
			     int (*fn)(struct mdgpu_sched *s,
				       struct mdgpu_sched_entity *e,
				       void *arg),
			     void *arg)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	int ret;

	spin_lock(&eng->lock);
	ret = fn(&eng->sched, &vgpu->engine.entity, arg);
	spin_unlock(&eng->lock);
	return ret;
}

/* Validate the ring when it is enabled or rung. Caller holds vgpu->lock. */
static void mdgpu_ctx_check_ring(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	if (!ctx->enabled || ctx->error)
		return;
	if (READ_ONCE(vgpu->parent->engine->lost)) {
		mdgpu_engine_ctx_fail_locked(vgpu, MDGPU_ERR_LOST);
		return;
	}
	if (mdgpu_ring_check(ctx->ring_base, ctx->ring_size, vgpu->vram_size) ||
	    !mdgpu_ring_ptr_valid(ctx->tail, ctx->ring_size) ||
	    !mdgpu_ring_ptr_valid(ctx->head, ctx->ring_size))
		mdgpu_ctx_fail(vgpu, MDGPU_ERR_RING, ctx->head, 0);
}

/**
 * mdgpu_engine_reg_read() - read an engine register (BAR2 0x900-0x943)
 * @opaque: the instance; caller holds vgpu->lock
 * @reg: the register's table entry
 * @off: byte offset in the entry (0: 4-byte registers)
 * @size: access size (4)
 *
 * Return: the register's value.
 */
u32 mdgpu_engine_reg_read(void *opaque, const struct mdgpu_reg *reg, u32 off,
			  u32 size)
{
	struct mdgpu_vgpu *vgpu = opaque;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u64 now;
	u32 v;

	lockdep_assert_held(&vgpu->lock);
	switch (reg->offset) {
	case MDGPU_REG_RING_BASE_LO:
		return lower_32_bits(ctx->ring_base);
	case MDGPU_REG_RING_BASE_HI:
		return upper_32_bits(ctx->ring_base);
	case MDGPU_REG_RING_SIZE:
		return ctx->ring_size;
	case MDGPU_REG_RING_HEAD:
		return ctx->head;
	case MDGPU_REG_RING_TAIL:
		return ctx->tail;
	case MDGPU_REG_RING_CTRL:
		return ctx->enabled ? MDGPU_RING_CTRL_ENABLE : 0;
	case MDGPU_REG_ENGINE_STATUS:
		v = ctx->enabled ? MDGPU_ENGINE_ENABLED : 0;
		if (ctx->error)
			v |= MDGPU_ENGINE_ERROR;
		else if (ctx->enabled && (ctx->cur_valid ||
					  ctx->head != ctx->tail))
			v |= MDGPU_ENGINE_BUSY;
		return v;
	case MDGPU_REG_FENCE_LAST:
		return ctx->fence_last;
	case MDGPU_REG_ERR_CODE:
		return ctx->err_code;
	case MDGPU_REG_ERR_HEAD:
		return ctx->err_head;
	case MDGPU_REG_ERR_HEADER:
		return ctx->err_header;
	case MDGPU_REG_IRQ_STATUS:
		return ctx->irq_status;
	case MDGPU_REG_IRQ_MASK:
		return ctx->irq_mask;
	case MDGPU_REG_TIMESTAMP_LO:
		now = mdgpu_ctx_time(vgpu->parent->engine, ctx);
		ctx->ts_hi = upper_32_bits(now);
		return lower_32_bits(now);
	case MDGPU_REG_TIMESTAMP_HI:
		return ctx->ts_hi;
	case MDGPU_REG_CMDS_DONE:
		return ctx->cmds_done;
	}
	return 0;
}

#define MDGPU_IRQ_ALL	(MDGPU_IRQ_FENCE | MDGPU_IRQ_ERROR)

/**
 * mdgpu_engine_reg_write() - write an engine register
 * @opaque: the instance; caller holds vgpu->lock
 * @reg: the register's table entry
 * @off: byte offset in the entry (0)
 * @size: access size (4)
 * @val: the value written
 */
void mdgpu_engine_reg_write(void *opaque, const struct mdgpu_reg *reg,
			    u32 off, u32 size, u32 val)
{
	struct mdgpu_vgpu *vgpu = opaque;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u32 unmasked;

	lockdep_assert_held(&vgpu->lock);
	switch (reg->offset) {
	case MDGPU_REG_RING_BASE_LO:
		if (!ctx->enabled)
			ctx->ring_base = (ctx->ring_base & ~0xffffffffULL) | val;
		break;
	case MDGPU_REG_RING_BASE_HI:
		if (!ctx->enabled)
			ctx->ring_base = lower_32_bits(ctx->ring_base) |
					 (u64)val << 32;
		break;
	case MDGPU_REG_RING_SIZE:
		if (!ctx->enabled)
			ctx->ring_size = val;
		break;
	case MDGPU_REG_RING_TAIL:
		ctx->tail = val;
		mdgpu_ctx_check_ring(vgpu);
		break;
	case MDGPU_REG_RING_CTRL:
		if (val & MDGPU_RING_CTRL_RESET)
			mdgpu_ctx_ring_reset(ctx);
		if (!(val & MDGPU_RING_CTRL_ENABLE)) {
			ctx->enabled = false;
		} else if (!ctx->enabled) {
			ctx->enabled = true;
			mdgpu_ctx_check_ring(vgpu);
		}
		break;
	case MDGPU_REG_IRQ_STATUS:
		ctx->irq_status &= ~val;
		break;
	case MDGPU_REG_IRQ_MASK:
		unmasked = val & ~ctx->irq_mask & MDGPU_IRQ_ALL;
		ctx->irq_mask = val & MDGPU_IRQ_ALL;
		if (ctx->irq_status & unmasked)
			mdgpu_irq_device_locked(vgpu);
		break;
	}
	mdgpu_ctx_update(vgpu);
}
