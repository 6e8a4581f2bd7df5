// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: moving a live instance's VRAM range inside its parent, and
 * compacting a parent's VRAM by such moves (defragmentation).
 *
 * An instance's VRAM is only ever touched with its lock held: region
 * accesses (region.c), BAR0 faults (vram_mmap.c), dma-buf exports
 * (dmabuf.c) and the engine (engine_exec.c: it decodes and runs FILL, COPY and
 * DMA chunks under the lock; COMPUTE drops the lock but does not touch
 * VRAM; the DMA agent works on its own bounce buffer and the engine moves
 * that buffer from or to VRAM under the lock, at the offset of that
 * moment). So a relocation holds the instance's lock, removes every user
 * mapping of BAR0, moves the backing, and updates the range; the next
 * access faults again at the new place. The guest sees nothing but a
 * stall of its accesses for the length of the move.
 *
 * A range holding a retired granule (a VRAM page that had an
 * uncorrectable error) is not moved: a bad page's mark belongs to the
 * physical location and its contents are gone, so carrying the mark along
 * would turn a good destination bad, and dropping it would make the lost
 * data read as zeroes where the guest got errors before. A retired granule
 * is never a destination either.
 *
 * Exported dma-bufs hold their own page references: with a backend that
 * moves pages (the simulated one) they keep showing the live framebuffer;
 * with one that copies, they keep the last picture from before the move,
 * as after a reset.
 *
 * Locking: vgpu->vram_offset changes with both vgpus_lock and the
 * instance lock held, taken in the order of Documentation/design.rst.
 */
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mdgpu.h"

/* Bounce buffer of a move by vram_rw. */
#define MDGPU_MOVE_CHUNK	SZ_64K

/* Copy through the backend, then discard the source. */
static int mdgpu_move_by_copy(struct mdgpu_parent *parent, u64 dst, u64 src,
			      u64 len)
{
	const struct mdgpu_backend_ops *ops = parent->ops;
	u64 done = 0;
	void *buf = NULL;
	int ret = 0;

	if (!ops->vram_copy) {
		buf = kvmalloc(MDGPU_MOVE_CHUNK, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	while (done < len && !ret) {
		size_t n = min_t(u64, len - done, MDGPU_MOVE_CHUNK);

		if (ops->vram_copy) {
			ret = ops->vram_copy(parent, dst + done, src + done, n);
		} else {
			ret = ops->vram_rw(parent, src + done, buf, n, false);
			/* The destination reads as zeroes already. */
			if (!ret && memchr_inv(buf, 0, n))
				ret = ops->vram_rw(parent, dst + done, buf, n,
						   true);
		}
		done += n;
		cond_resched();
	}
	kvfree(buf);
	if (ret) {
		ops->vram_discard(parent, dst, len);
		return ret;
	}
	ops->vram_discard(parent, src, len);
	return 0;
}

/**
 * mdgpu_parent_move_vram() - move VRAM contents inside a parent
 * @parent: the parent
 * @dst: destination offset, page aligned
 * @src: source offset, page aligned
 * @len: bytes, a multiple of the page size
 *
 * Afterwards @dst reads what @src read and @src reads as zeroes. The
 * backend's vram_move does it if it has one, otherwise the contents are
 * copied and the source discarded. The caller keeps every access to both
 * ranges out (the owner's lock; nobody may own @dst yet).
 *
 * Return: 0; -EINVAL for ranges that overlap or are not inside VRAM; -EIO
 * if a page of either range is bad; -ENOMEM. On failure the source is
 * unchanged and the destination reads as zeroes.
 */
int mdgpu_parent_move_vram(struct mdgpu_parent *parent, u64 dst, u64 src,
			   u64 len)
{
	const struct mdgpu_backend_ops *ops = parent->ops;

	if (!PAGE_ALIGNED(dst) || !PAGE_ALIGNED(src) || !PAGE_ALIGNED(len) ||
	    src > parent->vram_max || len > parent->vram_max - src ||
	    dst > parent->vram_max || len > parent->vram_max - dst ||
	    (dst < src + len && src < dst + len))
		return -EINVAL;
	if (!len)
		return 0;
	if (ops->vram_bad && (ops->vram_bad(parent, src, len) ||
			      ops->vram_bad(parent, dst, len)))
		return -EIO;
	/* Whatever a past owner left is gone already; make sure. */
	ops->vram_discard(parent, dst, len);
	if (ops->vram_move)
		return ops->vram_move(parent, dst, src, len);
	return mdgpu_move_by_copy(parent, dst, src, len);
}

/**
 * mdgpu_vgpu_relocate() - move an instance's VRAM range inside its parent
 * @vgpu: the instance, on its parent's list; open or not, mapped or not,
 *	  its engine busy or not
 * @new_offset: where the range goes: aligned to the instance's VRAM size,
 *		free and without retired granules
 *
 * Caller holds the parent's vgpus_lock, which keeps @vgpu listed and
 * alive. The instance's lock is held for the whole move: its accesses
 * (and those of the parent's engine, while it runs this instance) wait,
 * then go to the new place; user mappings of BAR0 fault again.
 *
 * Return: 0 (also when the range is there already); -EINVAL for a bad
 * offset; -EBUSY if the destination is not free; -EIO if either range
 * holds a retired granule or bad page; -ENODEV on a failed parent;
 * -ENOMEM. On failure the instance is where it was, its VRAM unchanged.
 */
int mdgpu_vgpu_relocate(struct mdgpu_vgpu *vgpu, u64 new_offset)
{
	struct mdgpu_parent *parent = vgpu->parent;
	u64 size = vgpu->vram_size, old;
	int ret;

	lockdep_assert_held(&parent->vgpus_lock);
	mutex_lock(&vgpu->lock);
	old = vgpu->vram_offset;
	if (new_offset == old) {
		ret = 0;
		goto unlock;
	}
	mutex_lock(&parent->lock);
	if (parent->health == MDGPU_HEALTH_FAILED)
		ret = -ENODEV;
	else if (mdgpu_vram_range_retired(&parent->vram, old, size))
		ret = -EIO;
	else
		ret = mdgpu_vram_claim(&parent->vram, new_offset, size);
	mutex_unlock(&parent->lock);
	if (ret)
		goto unlock;

	/* No user mapping may keep reaching the old place. */
	mdgpu_vram_zap(vgpu);
	ret = mdgpu_parent_move_vram(parent, new_offset, old, size);

	mutex_lock(&parent->lock);
	if (ret) {
		mdgpu_vram_free(&parent->vram, new_offset, size);
	} else {
		mdgpu_vram_free(&parent->vram, old, size);
		parent->relocations++;
	}
	mutex_unlock(&parent->lock);
	if (!ret)
		vgpu->vram_offset = new_offset;
unlock:
	mutex_unlock(&vgpu->lock);
	return ret;
}

/**
 * mdgpu_parent_compact() - move instances so the largest free range grows
 * @parent: the parent
 * @moved: how many instance ranges were moved, also on failure
 *
 * Plans with mdgpu_vram_plan_compact() over the instances on the parent's
 * list (instances being created or removed stay where they are) and
 * carries the plan out, one mdgpu_vgpu_relocate() at a time. An instance
 * created meanwhile may take a planned destination: the compaction then
 * stops there, every move done so far being complete.
 *
 * Return: 0 (also when nothing could be gained); -EAGAIN when a
 * concurrent creation took a planned destination; -ENODEV on a failed
 * parent; or the error of a relocation.
 */
int mdgpu_parent_compact(struct mdgpu_parent *parent, unsigned int *moved)
{
	u32 shift = parent->vram.granule_shift;
	struct mdgpu_vram_range *ranges = NULL;
	struct mdgpu_vram_move *moves = NULL;
	struct mdgpu_vgpu **vgpus = NULL;
	struct mdgpu_vgpu *vgpu;
	u32 n = 0, max_moves, nr_moves = 0, i;
	int ret = -ENOMEM;

	*moved = 0;
	mutex_lock(&parent->vgpus_lock);
	list_for_each_entry(vgpu, &parent->vgpus, parent_node)
		n += !mdgpu_vgpu_pinned(vgpu);
	max_moves = 4 * n + 4;
	ranges = kcalloc(n ?: 1, sizeof(*ranges), GFP_KERNEL);
	vgpus = kcalloc(n ?: 1, sizeof(*vgpus), GFP_KERNEL);
	moves = kcalloc(max_moves, sizeof(*moves), GFP_KERNEL);
	if (!ranges || !vgpus || !moves)
		goto unlock;
	i = 0;
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		/* A reserved range stays: its granules are not movable. */
		if (mdgpu_vgpu_pinned(vgpu))
			continue;
		vgpus[i] = vgpu;
		ranges[i].start = vgpu->vram_offset >> shift;
		ranges[i].n = vgpu->vram_size >> shift;
		i++;
	}

	mutex_lock(&parent->lock);
	if (parent->health == MDGPU_HEALTH_FAILED)
		ret = -ENODEV;
	else
		ret = mdgpu_vram_plan_compact(&parent->vram, ranges, n, moves,
					      max_moves, &nr_moves);
	mutex_unlock(&parent->lock);
	if (WARN_ON_ONCE(ret == -EINVAL))	/* the list and map disagree */
		ret = -EIO;

	for (i = 0; !ret && i < nr_moves; i++) {
		const struct mdgpu_vram_move *m = &moves[i];

		vgpu = vgpus[m->range];
		ret = mdgpu_vgpu_relocate(vgpu, (u64)m->to << shift);
		if (ret == -EBUSY)
			ret = -EAGAIN;
		if (!ret)
			(*moved)++;
	}
	if (nr_moves)
		dev_dbg(parent->dev, "compaction: %u of %u moves done (%d)\n",
			*moved, nr_moves, ret);
unlock:
	mutex_unlock(&parent->vgpus_lock);
	kfree(moves);
	kfree(vgpus);
	kfree(ranges);
	return ret;
}
