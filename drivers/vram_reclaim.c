// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: what happens when oversubscribed VRAM runs out of backing.
 */

/**
 * DOC: VRAM oversubscription
 *
 * A parent whose backend backs VRAM lazily (&mdgpu_backend_ops.vram_lazy,
 * the simulated parent) may promise its instances more VRAM than it has:
 * up to ``vram_ratio`` / 1000 times ``vram_total``, at most 3 times. The
 * parent's VRAM offsets then reach that far (struct mdgpu_vram_map), so
 * ``available_instances`` and creation follow the ratio, while the host
 * memory actually populated never exceeds ``vram_total``: the backend
 * refuses to back one more page.
 *
 * The instance whose access needed that page, and only it, sees the
 * failure: its engine context enters its error state with ERR_CODE NOMEM
 * (a FILL, COPY or DMA that wrote to unbacked VRAM), a pwrite() of its
 * BAR0 region fails with ENOMEM, a fault of its BAR0 mapping gets SIGBUS.
 * Nothing it did touches another instance's pages or the host's memory.
 * Each refusal is counted (``vram_backing_failures``), logged (rate
 * limited) and queues a reclaim pass (mdgpu_parent_vram_short()).
 *
 * The reclaim pass (mdgpu_parent_vram_reclaim()) gives back the backing
 * of every page that reads as zeroes: it takes each instance's lock in
 * turn, removes the instance's user mappings of BAR0 (they fault back in)
 * and has the backend free the pages of its range that hold only zeroes
 * (&mdgpu_backend_ops.vram_reclaim), which read as zeroes from no memory
 * afterwards. An instance under dirty tracking (migration pre-copy) is
 * left alone: a page that loses its backing would not be sent again. The
 * bytes given back are counted in ``vram_reclaimed``. Besides, a write of
 * zeroes to a page without backing allocates nothing, so VRAM a guest
 * clears costs nothing unless it was written before.
 */
#include <linux/workqueue.h>

#include "mdgpu.h"

/**
 * mdgpu_parent_vram_short() - a backend could not back one more VRAM page
 * @parent: the parent, whose populated memory reached its VRAM size
 *
 * Called by the backend, under the lock of the instance whose access
 * failed (and possibly its mm's mmap_lock): counts the failure, logs it
 * (rate limited) and queues a reclaim pass, which runs once that lock is
 * dropped. Takes no lock.
 */
void mdgpu_parent_vram_short(struct mdgpu_parent *parent)
{
	atomic64_inc(&parent->backing_failures);
	dev_warn_ratelimited(parent->dev,
			     "VRAM oversubscribed past its backing (%llu MiB populated): an instance's write fails with NOMEM; reclaiming zero pages\n",
			     parent->vram_size >> 20);
	queue_work(system_unbound_wq, &parent->reclaim_work);
}

/**
 * mdgpu_parent_vram_reclaim() - give back the backing of zero pages
 * @parent: the parent; the caller holds no mdgpu lock
 *
 * Return: the bytes given back.
 */
u64 mdgpu_parent_vram_reclaim(struct mdgpu_parent *parent)
{
	struct mdgpu_vgpu *vgpu;
	u64 bytes = 0;

	might_sleep();
	if (!parent->ops->vram_reclaim)
		return 0;
	mutex_lock(&parent->vgpus_lock);
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		mutex_lock(&vgpu->lock);
		if (!vgpu->dirty.tracking) {
			/* No user mapping may keep a page that goes. */
			mdgpu_vram_zap(vgpu);
			bytes += parent->ops->vram_reclaim(parent,
							   vgpu->vram_offset,
							   vgpu->vram_size);
		}
		mutex_unlock(&vgpu->lock);
		cond_resched();
	}
	mutex_unlock(&parent->vgpus_lock);
	atomic64_add(bytes, &parent->reclaimed);
	return bytes;
}

/**
 * mdgpu_vram_reclaim_work() - the reclaim pass mdgpu_parent_vram_short()
 *			       queued
 * @work: &mdgpu_parent.reclaim_work
 */
void mdgpu_vram_reclaim_work(struct work_struct *work)
{
	struct mdgpu_parent *parent = container_of(work, struct mdgpu_parent,
						   reclaim_work);
	u64 bytes = mdgpu_parent_vram_reclaim(parent);

	if (bytes)
		dev_info_ratelimited(parent->dev,
				     "%llu KiB of zero VRAM pages given back\n",
				     bytes >> 10);
}
