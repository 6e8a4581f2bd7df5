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
 *   dropped, on an hrtimer (mdgpu_engine_chunk_wait()), so the engine
 *   thread runs nothing else meanwhile and the CPU stays free for the VMs.
 *   One chunk lasts until the job's end or the slice's end, whichever
 *   comes first, counted from the start of the step, and ends early when
 *   the engine is wanted (a doorbell, a context that became runnable).
 *   Timed sleeps wake late (about 100 µs under TCG): the executor keeps a
 *   moving average of how late, and mdgpu_cpu_compute_plan() decides with
 *   it: a job that would end within twice the margin below after the
 *   slice's end is finished in this chunk (no chunk but the job's last
 *   may cross the job's end), and every chunk sleeps a margin less than
 *   its length and spins (at most 200 µs) to its end, so the job, or the
 *   slice, ends when it should; the margin is the average lateness plus
 *   twice its average deviation (mdgpu_cpu_spin()), as wake-ups
 *   later than the average would each end their chunk late. The
 *   chunk's work, which is what it is charged, is the part of the
 *   planned time that passed: a sleep that wakes late (a loaded host, a
 *   VM that stood still) does no more work than planned.
 *
 * The executor's buffers are the parent's, used by its engine thread
 * only, which runs one chunk at a time.
 */
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
/* The shortest COMPUTE chunk that stops short of the job's end. */
#define MDGPU_COMPUTE_CHUNK_MIN_NS	(20 * NSEC_PER_USEC)

/**
 * struct mdgpu_compute_plan - how one COMPUTE chunk occupies the engine
 * @len: ns from the chunk's start to its end
 * @sleep: ns from the chunk's start the timed sleep is for (<= @len)
 * @last: the chunk ends the job
 */
struct mdgpu_compute_plan {
	u64 len;
	u64 sleep;
	bool last;
};

/**
 * mdgpu_cpu_compute_plan() - plan one COMPUTE chunk
 * @rest: ns of the job still to run
 * @avail: ns from the chunk's start to the end of the slice
 * @late: the margin late wake-ups need (mdgpu_cpu_spin())
 * @p: filled in
 *
 * A chunk that stops short of the job's end lasts to the slice's end: if
 * the job would end within two @late after it, the chunk finishes the job
 * instead, so no chunk but the job's last crosses the job's end. Every
 * chunk sleeps min(@late, MDGPU_COMPUTE_SPIN_MAX_NS) less than its length
 * and spins the rest, so it ends when planned, at the job's end or at the
 * slice's (a late wake-up at a slice's end would otherwise be time lost to
 * the job and charged to nobody).
 */
static void mdgpu_cpu_compute_plan(u64 rest, u64 avail, u64 late,
				   struct mdgpu_compute_plan *p)
{
	u64 spin = min_t(u64, late, MDGPU_COMPUTE_SPIN_MAX_NS);

	avail = max_t(u64, avail, MDGPU_COMPUTE_CHUNK_MIN_NS);
	p->last = rest <= avail || rest - avail <= 2 * late;
	p->len = p->last ? rest : avail;
	p->sleep = p->len > spin ? p->len - spin : 0;
}

/*
 * Learn how late a timed sleep woke: a moving average of the lateness and
 * of its deviation from that average (as TCP estimates round trips).
 */
static void mdgpu_cpu_learn_late(struct mdgpu_cpu_exec *x, u64 late)
{
	u64 dev = late > x->wake_late_ns ? late - x->wake_late_ns :
					   x->wake_late_ns - late;

	x->wake_late_ns = (7 * x->wake_late_ns + late) / 8;
	x->wake_dev_ns = (3 * x->wake_dev_ns + dev) / 4;
}

/*
 * The margin a chunk spins: the average lateness and twice its deviation
 * (with the average alone, the half of the wake-ups later than it would
 * each end their chunk late by the difference, time the job loses), at
 * most MDGPU_COMPUTE_SPIN_MAX_NS.
 */
static u64 mdgpu_cpu_spin(const struct mdgpu_cpu_exec *x)
{
	return min_t(u64, x->wake_late_ns + 2 * x->wake_dev_ns,
		     MDGPU_COMPUTE_SPIN_MAX_NS);
}

/*
 * Occupy the engine from @start as @p says: sleep to @p->sleep, spin to
 * @p->len; the sleep ends early when the engine is wanted (then no spin).
 * Learns the sleep's lateness.
 * Return: the time (ktime_get_ns()) the chunk ended.
 */
static u64 mdgpu_cpu_occupy(struct mdgpu_cpu_exec *x, struct mdgpu_engine *eng,
			    u64 start, const struct mdgpu_compute_plan *p)
{
	u64 now = ktime_get_ns(), target = start + p->sleep;
	u64 end = start + p->len;

	if (now < target) {
		if (mdgpu_engine_chunk_wait(eng, target))
			return ktime_get_ns();
		now = ktime_get_ns();
		mdgpu_cpu_learn_late(x, min_t(u64, now - min(now, target),
					      MDGPU_COMPUTE_SPIN_MAX_NS));
	}
	while (now < end) {
		cpu_relax();
		now = ktime_get_ns();
	}
	return now;
}

/*
 * One COMPUTE chunk: occupy the engine from @c->start, with the instance's
 * lock dropped (the core drops the chunk if the context was reset
 * meanwhile), until the job's end (@c->len is the rest of the job) or the
 * slice's end (@c->end_by), as mdgpu_cpu_compute_plan() decides.
 * @c->end becomes the time it ended and @c->len its work: the time that
 * passed since @c->start, at most what was planned (a late wake-up, or a
 * thread that waited for a CPU, does no work: "Chunk charging").
 */
static int mdgpu_cpu_compute(struct mdgpu_cpu_exec *x, struct mdgpu_chunk *c)
{
	struct mdgpu_vgpu *vgpu = c->vgpu;
	struct mdgpu_compute_plan p;
	u64 end;

	lockdep_assert_held(&vgpu->lock);
	mdgpu_cpu_compute_plan(c->len, c->end_by - min(c->end_by, c->start),
			       mdgpu_cpu_spin(x), &p);
	mutex_unlock(&vgpu->lock);
	end = mdgpu_cpu_occupy(x, vgpu->parent->engine, c->start, &p);
	mdgpu_engine_lock(vgpu->parent->engine, &vgpu->lock);
	c->end = end;
	c->len = mdgpu_compute_done(c->start, end, p.len);
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
