// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the CPU executor, which runs engine chunks on the CPU for the
 * backends whose VRAM the CPU reaches (the simulated and the PCI backend).
 */

/**
 * DOC: CPU executor
 *
 * A backend with CPU-reachable VRAM implements &mdgpu_backend_ops.run_chunk
 * by passing the chunk to mdgpu_cpu_exec_run() with a &struct
 * mdgpu_cpu_exec of its own, set up in its ->init (mdgpu_cpu_exec_init())
 * and freed in its ->fini. The executor touches VRAM only through the
 * core's VRAM access helpers, in instance offsets (mdgpu_vgpu_vram_rw(),
 * mdgpu_vgpu_vram_copy()), so every access is range-checked once more and
 * lands in the instance's own range:
 *
 * - FILL writes a 64 KiB pattern buffer (rebuilt only when the value
 *   changes) over each contiguous piece of the chunk;
 * - COPY copies piece by piece in the device (->vram_copy), or through a
 *   64 KiB bounce buffer when the backend has no in-device copy;
 * - DMA reads VRAM into the agent's buffer or writes it to VRAM;
 * - FENCE and TIMESTAMP write their value;
 * - COMPUTE occupies the engine: it waits, with the instance's lock
 *   dropped, on an hrtimer until the chunk's end, counted from the start
 *   of the step, so the engine thread runs nothing else meanwhile and the
 *   CPU stays free for the VMs. Timed sleeps wake late (about 100 µs under
 *   TCG): the executor keeps a moving average of how late, and the last
 *   chunk of a job sleeps that much less and spins (at most 200 µs) to its
 *   end, so the job ends when it should.
 *
 * The executor's buffers are the parent's, used by its engine thread
 * only, which runs one chunk at a time.
 */
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mdgpu.h"

/**
 * mdgpu_cpu_exec_init() - set up a parent's CPU executor
 * @x: the executor, in the backend's state
 *
 * Return: 0 or -ENOMEM.
 */
int mdgpu_cpu_exec_init(struct mdgpu_cpu_exec *x)
{
	memset(x, 0, sizeof(*x));
	x->buf = kvmalloc(MDGPU_CHUNK_BYTES, GFP_KERNEL);
	if (!x->buf)
		return -ENOMEM;
	x->pattern = kvmalloc(MDGPU_CHUNK_BYTES, GFP_KERNEL);
	if (!x->pattern) {
		kvfree(x->buf);
		x->buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * mdgpu_cpu_exec_fini() - free a parent's CPU executor
 * @x: the executor; its engine thread is stopped
 */
void mdgpu_cpu_exec_fini(struct mdgpu_cpu_exec *x)
{
	kvfree(x->pattern);
	kvfree(x->buf);
	x->pattern = NULL;
	x->buf = NULL;
}

static int mdgpu_cpu_fill(struct mdgpu_cpu_exec *x, struct mdgpu_chunk *c)
{
	const struct mdgpu_cmd *cmd = c->cmd;
	u64 off = c->off, len = c->len, dst, src;
	u32 seg;
	int ret;

	lockdep_assert_held(&c->vgpu->lock);
	if (!x->pattern_valid || x->pattern_value != cmd->fill.value) {
		memset32((u32 *)x->pattern,
			 (__force u32)cpu_to_le32(cmd->fill.value),
			 MDGPU_CHUNK_BYTES / 4);
		x->pattern_value = cmd->fill.value;
		x->pattern_valid = true;
	}
	while (len) {
		seg = mdgpu_cmd_segment(cmd, off, len, &dst, &src);
		ret = mdgpu_vgpu_vram_rw(c->vgpu, dst, x->pattern, seg, true);
		if (ret)
			return ret;
		off += seg;
		len -= seg;
	}
	return 0;
}

/* Copy @len bytes inside the instance's VRAM: in the device, or bounced. */
static int mdgpu_cpu_copy_piece(struct mdgpu_cpu_exec *x,
				struct mdgpu_vgpu *vgpu, u64 dst, u64 src,
				u32 len)
{
	int ret;

	lockdep_assert_held(&vgpu->lock);
	if (WARN_ON_ONCE(len > MDGPU_CHUNK_BYTES))
		return -EINVAL;
	ret = mdgpu_vgpu_vram_copy(vgpu, dst, src, len);
	if (ret != -EOPNOTSUPP)
		return ret;
	ret = mdgpu_vgpu_vram_rw(vgpu, src, x->buf, len, false);
	if (ret)
		return ret;
	return mdgpu_vgpu_vram_rw(vgpu, dst, x->buf, len, true);
}

static int mdgpu_cpu_copy(struct mdgpu_cpu_exec *x, struct mdgpu_chunk *c)
{
	u64 off = c->off, len = c->len, dst, src;
	u32 seg;
	int ret;

	lockdep_assert_held(&c->vgpu->lock);
	while (len) {
		seg = mdgpu_cmd_segment(c->cmd, off, len, &dst, &src);
		ret = mdgpu_cpu_copy_piece(x, c->vgpu, dst, src, seg);
		if (ret)
			return ret;
		off += seg;
		len -= seg;
	}
	return 0;
}

/* The most COMPUTE spins to end a job on time, and the wake-up it learns. */
#define MDGPU_COMPUTE_SPIN_MAX_NS	(200 * NSEC_PER_USEC)

/*
 * Sleep until about @deadline, at most @spin ns of it by spinning: the
 * timed sleep is cut short by the wake-up lateness seen so far (learned
 * here), and the rest is spun, so the end is on time however late the
 * host's timers fire. With @spin 0, sleep only.
 */
static void mdgpu_cpu_wait_until(struct mdgpu_cpu_exec *x, u64 deadline,
				 u64 spin)
{
	u64 now = ktime_get_ns(), late, target;
	unsigned long us;

	spin = min(spin, x->wake_late_ns);
	if (now + spin + NSEC_PER_USEC < deadline) {
		us = DIV_ROUND_UP_ULL(deadline - spin - now, NSEC_PER_USEC);
		target = now + (u64)us * NSEC_PER_USEC;
		usleep_range(us, us + 5);
		now = ktime_get_ns();
		late = now > target ? min_t(u64, now - target,
					    MDGPU_COMPUTE_SPIN_MAX_NS) : 0;
		x->wake_late_ns = (7 * x->wake_late_ns + late) / 8;
	}
	while (ktime_get_ns() < deadline)
		cpu_relax();
}

/*
 * One COMPUTE chunk: occupy the engine until @c->len ns have passed since
 * @c->start, with the instance's lock dropped (the core drops the chunk if
 * the context was reset meanwhile), spinning only at the end of the job's
 * last chunk. @c->len becomes the time that passed since @c->start.
 */
static int mdgpu_cpu_compute(struct mdgpu_cpu_exec *x, struct mdgpu_chunk *c)
{
	struct mdgpu_vgpu *vgpu = c->vgpu;

	lockdep_assert_held(&vgpu->lock);
	if (ktime_get_ns() - c->start < c->len) {
		mutex_unlock(&vgpu->lock);
		mdgpu_cpu_wait_until(x, c->start + c->len,
				     c->last ? MDGPU_COMPUTE_SPIN_MAX_NS : 0);
		mutex_lock(&vgpu->lock);
	}
	c->len = ktime_get_ns() - c->start;
	return 0;
}

/**
 * mdgpu_cpu_exec_run() - run one chunk on the CPU
 * @x: the parent's executor
 * @c: the chunk; caller holds @c->vgpu->lock (see
 *     &mdgpu_backend_ops.run_chunk)
 *
 * Return: 0, or the VRAM access helper's error (-ENOMEM, -EIO).
 */
int mdgpu_cpu_exec_run(struct mdgpu_cpu_exec *x, struct mdgpu_chunk *c)
{
	const struct mdgpu_cmd *cmd = c->cmd;
	__le64 ts;
	__le32 seq;

	lockdep_assert_held(&c->vgpu->lock);
	switch (cmd->op) {
	case MDGPU_OP_FILL:
		return mdgpu_cpu_fill(x, c);
	case MDGPU_OP_COPY:
		return mdgpu_cpu_copy(x, c);
	case MDGPU_OP_DMA:
		return mdgpu_vgpu_vram_rw(c->vgpu, cmd->dma.vram + c->off,
					  c->buf, c->len, !cmd->dma.to_guest);
	case MDGPU_OP_COMPUTE:
		return mdgpu_cpu_compute(x, c);
	case MDGPU_OP_FENCE:
		if (!(cmd->flags & MDGPU_FENCE_WRITE))
			return 0;
		seq = cpu_to_le32(cmd->fence.seq);
		return mdgpu_vgpu_vram_rw(c->vgpu, cmd->fence.addr, &seq,
					  sizeof(seq), true);
	case MDGPU_OP_TIMESTAMP:
		ts = cpu_to_le64(c->value);
		return mdgpu_vgpu_vram_rw(c->vgpu, cmd->timestamp.addr, &ts,
					  sizeof(ts), true);
	}
	return 0;
}
