// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: dirty tracking of an instance's VRAM, for VFIO pre-copy.
 */

/**
 * DOC: VRAM dirty tracking
 *
 * The migration code sends VRAM in rounds while the guest runs. Every page
 * counts as dirty when tracking starts; each round takes the pages dirty so
 * far (mdgpu_vram_dirty_round()), and the sender reads each of them after
 * the round started, so a write that comes later is seen by a later round.
 * Writes reach VRAM two ways:
 *
 * - Through mdgpu, under vgpu->lock: the engine (FILL, COPY, DMA from the
 *   guest, FENCE, TIMESTAMP), pwrite of the BAR0 region, resume. Each calls
 *   mdgpu_vram_dirty_mark().
 * - Through a user mapping of BAR0 (the guest, through QEMU), with no trap.
 *   Pages are mapped read-only while tracking; the first write to a page
 *   faults (.fault for a page not mapped yet, .pfn_mkwrite for a read-only
 *   one) and marks it.
 *
 * The race to close: the core makes a PTE writable after .pfn_mkwrite
 * returns 0 (finish_mkwrite_fault()), outside any mdgpu lock. A round
 * starting in between takes the page, yet the PTE becomes writable and the
 * writes after it are never seen. Re-checking the PTE does not save it: a
 * round that write-protects leaves a read-only PTE as it was, and one that
 * unmaps can be followed by a read fault that maps a bit-identical
 * read-only PTE again. So mdgpu never lets the core make a PTE writable:
 * .pfn_mkwrite marks the page, replaces the read-only PTE by a writable one
 * itself (zap_vma_ptes() then vmf_insert_pfn_prot(); the core's
 * vmf_insert_mixed_mkwrite() is not exported by 6.12) and returns
 * VM_FAULT_NOPAGE, all under vgpu->lock. Every writable PTE of BAR0 is
 * thus created under vgpu->lock, together with the mark when tracking.
 * A round, under the same lock, takes the dirty pages and removes their
 * PTEs (unmap_mapping_range(), which flushes TLBs and calls the MMU
 * notifiers so KVM drops its own mappings); the next access faults again.
 *
 * Removing the PTEs instead of write-protecting them costs a refault on
 * the next read of a page that was written; in exchange the rounds work
 * with any kernel configuration (wp_shared_mapping_range() needs
 * CONFIG_MAPPING_DIRTY_HELPERS, which only vmwgfx selects), and no
 * read-only but hardware-dirty PTE is left for mprotect() to make writable
 * again without a fault (change_pte_range() does that for dirty PTEs of
 * shared mappings that want write notification).
 *
 * Tracking starts without touching the mappings: every page is dirty, so
 * the first round removes them all. While not tracking, faults map pages
 * writable at once, so a mapping costs one fault per page, as before
 * tracking existed; a page left read-only by a tracking period that ended
 * takes one more fault on its first write.
 *
 * Locking: everything here is under vgpu->lock; the fault paths run under
 * the mm's mmap_lock and take vgpu->lock (the order: Documentation/
 * design.rst, "Locking").
 */

#include <linux/mm.h>

#include "mdgpu.h"
#include "mdgpu_dirty.h"

/**
 * mdgpu_vram_dirty_start() - start tracking; every page counts as dirty
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * Return: 0, -EBUSY if already tracking, -ENOMEM.
 */
int mdgpu_vram_dirty_start(struct mdgpu_vgpu *vgpu)
{
	int ret;

	lockdep_assert_held(&vgpu->lock);
	if (vgpu->dirty.tracking)
		return -EBUSY;
	ret = mdgpu_dirty_map_init(&vgpu->dirty.map,
				   vgpu->vram_size >> PAGE_SHIFT);
	if (ret)
		return ret;
	vgpu->dirty.tracking = true;
	return 0;
}

/**
 * mdgpu_vram_dirty_stop() - stop tracking and free its state
 * @vgpu: the instance; caller holds vgpu->lock. Nothing if not tracking.
 *
 * Read-only mappings stay as they are; each page becomes writable again
 * on its first write.
 */
void mdgpu_vram_dirty_stop(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	vgpu->dirty.tracking = false;
	mdgpu_dirty_map_fini(&vgpu->dirty.map);
}

/**
 * mdgpu_vram_dirty_only_backed() - begin with the pages that have backing
 * @vgpu: the instance, tracking since mdgpu_vram_dirty_start() and nothing
 *	  else; caller holds vgpu->lock
 *
 * Only the pages the backend has backing for stay dirty, so the first
 * round holds exactly what a destination needs (it starts from zeroes).
 * A page without backing has no user mapping (a fault allocates the page
 * it maps), so its first write faults and marks it; every other writer
 * marks what it writes. Without the backend's vram_next, every page stays.
 */
void mdgpu_vram_dirty_only_backed(struct mdgpu_vgpu *vgpu)
{
	u64 end = vgpu->vram_size, off;

	lockdep_assert_held(&vgpu->lock);
	if (!vgpu->dirty.tracking || !vgpu->parent->ops->vram_next)
		return;
	mdgpu_dirty_map_clear(&vgpu->dirty.map);
	for (off = mdgpu_vgpu_vram_next(vgpu, 0); off < end;
	     off = mdgpu_vgpu_vram_next(vgpu, off + PAGE_SIZE))
		mdgpu_dirty_map_mark(&vgpu->dirty.map, off >> PAGE_SHIFT, 1);
	/* That was a count of the pages with backing, too. */
	vgpu->dirty.backed = vgpu->dirty.map.nr_dirty;
	vgpu->dirty.backed_ok = true;
}

/**
 * mdgpu_vram_dirty_backing_changed() - pages may have gained or lost backing
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * The count of mdgpu_vram_dirty_backed() is forgotten. Every writer of
 * VRAM calls this through mdgpu_vram_dirty_mark(), the fault path through
 * mdgpu_vram_dirty_insert(); a discard or a move of VRAM removes the user
 * mappings first (mdgpu_vram_zap(), which calls it); whoever allocates
 * backing otherwise (a dma-buf export, a resume) calls it itself.
 */
void mdgpu_vram_dirty_backing_changed(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	vgpu->dirty.backed_ok = false;
}

/**
 * mdgpu_vram_dirty_backed() - the number of pages with backing
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * The backend is walked once, and again only after VRAM may have changed
 * (mdgpu_vram_dirty_backing_changed()): MIG_DATA_SIZE, which QEMU asks
 * at each iteration of a migration without pre-copy, costs a walk only
 * after writes. Without the backend's vram_next every page counts.
 *
 * Return: pages of the instance's VRAM that have backing.
 */
u64 mdgpu_vram_dirty_backed(struct mdgpu_vgpu *vgpu)
{
	u64 end = vgpu->vram_size, off;
	struct mdgpu_vram_dirty *d = &vgpu->dirty;

	lockdep_assert_held(&vgpu->lock);
	if (d->backed_ok)
		return d->backed;
	d->backed = 0;
	for (off = mdgpu_vgpu_vram_next(vgpu, 0); off < end;
	     off = mdgpu_vgpu_vram_next(vgpu, off + PAGE_SIZE))
		d->backed++;
	d->backed_ok = true;
	return d->backed;
}

/**
 * mdgpu_vram_dirty_mark() - VRAM was written other than through a mapping
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset of the write in the instance's VRAM
 * @len: its length
 *
 * Nothing if not tracking.
 */
void mdgpu_vram_dirty_mark(struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	lockdep_assert_held(&vgpu->lock);
	mdgpu_vram_dirty_backing_changed(vgpu);
	if (!vgpu->dirty.tracking || !len || off >= vgpu->vram_size)
		return;
	len = min(len, vgpu->vram_size - off);
	mdgpu_dirty_map_mark(&vgpu->dirty.map, off >> PAGE_SHIFT,
			     ((off + len - 1) >> PAGE_SHIFT) -
			     (off >> PAGE_SHIFT) + 1);
}

/**
 * mdgpu_vram_dirty_round() - start a pre-copy round
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * The pages dirty so far join the round's set and leave the dirty set; no
 * user mapping of them is left, so the next write to one faults and marks
 * it again. Read each page's contents after this.
 *
 * Return: the number of pages in the round's set, 0 if not tracking.
 */
u64 mdgpu_vram_dirty_round(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_dirty_map *map = &vgpu->dirty.map;
	struct address_space *mapping = vgpu->mmap_inode->i_mapping;
	unsigned long first = 0, nr;

	lockdep_assert_held(&vgpu->lock);
	if (!vgpu->dirty.tracking)
		return 0;
	for (;;) {
		first = mdgpu_dirty_map_run(map, first, &nr);
		if (!nr)
			break;
		unmap_mapping_range(mapping,
				    (loff_t)(MDGPU_VRAM_PGOFF + first) << PAGE_SHIFT,
				    (loff_t)nr << PAGE_SHIFT, false);
		first += nr;
	}
	return mdgpu_dirty_map_start_round(map);
}

/**
 * mdgpu_vram_dirty_next() - take the next page of the round's set
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: set to the page's offset in the instance's VRAM
 *
 * Return: false when the round's set is empty (or not tracking).
 */
bool mdgpu_vram_dirty_next(struct mdgpu_vgpu *vgpu, u64 *off)
{
	unsigned long page;

	lockdep_assert_held(&vgpu->lock);
	if (!vgpu->dirty.tracking ||
	    !mdgpu_dirty_map_next(&vgpu->dirty.map, &page))
		return false;
	*off = (u64)page << PAGE_SHIFT;
	return true;
}

/**
 * mdgpu_vram_dirty_next_run() - take consecutive pages of the round's set
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: set to the first page's offset in the instance's VRAM
 * @max_pages: the most pages to take (e.g. MDGPU_MIG_VRAM_MAX_PAGES)
 *
 * As mdgpu_vram_dirty_next(), for the pages one VRAM record carries: the
 * next page of the set and those of the set that follow it directly.
 *
 * Return: the number of pages taken, 0 when the round's set is empty (or
 * not tracking).
 */
u64 mdgpu_vram_dirty_next_run(struct mdgpu_vgpu *vgpu, u64 *off,
			      u64 max_pages)
{
	unsigned long first, n;

	lockdep_assert_held(&vgpu->lock);
	if (!vgpu->dirty.tracking)
		return 0;
	n = mdgpu_dirty_map_next_run(&vgpu->dirty.map,
				     min_t(u64, max_pages, ULONG_MAX), &first);
	if (n)
		*off = (u64)first << PAGE_SHIFT;
	return n;
}

/**
 * mdgpu_vram_dirty_pending() - pages still to send
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * Return: pages left in the round's set plus pages dirty since, 0 if not
 * tracking.
 */
u64 mdgpu_vram_dirty_pending(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	if (!vgpu->dirty.tracking)
		return 0;
	return mdgpu_dirty_map_pending(&vgpu->dirty.map);
}

/*
 * The protection of a PTE of @vma: writable (if the VMA is) or read-only.
 * vm_page_prot is read-only, as the core write-protects shared mappings
 * whose vm_ops have .pfn_mkwrite (vma_wants_writenotify()); the writable
 * one is what vm_page_prot would be without that; both then get the
 * backend's caching attributes, as mdgpu_vram_mmap() set them in
 * vm_page_prot. (pgprot_modify() would keep them,
 * but needs the unexported cc_mask on x86.)
 */
static pgprot_t mdgpu_vram_prot(struct mdgpu_vgpu *vgpu,
				struct vm_area_struct *vma, bool writable)
{
	pgprot_t prot = writable ? vm_get_page_prot(vma->vm_flags) :
				   vma->vm_page_prot;

	/* The backend's caching attributes (write-combining for a BAR). */
	return mdgpu_vgpu_vram_pgprot(vgpu, prot);
}

/**
 * mdgpu_vram_dirty_insert() - map a VRAM page on a fault of BAR0
 * @vgpu: the instance; caller holds vgpu->lock
 * @vmf: the fault: a missing PTE (.fault), or a write to a read-only one
 *	 (.pfn_mkwrite, FAULT_FLAG_MKWRITE)
 * @off: the page's offset in the instance's VRAM
 * @pfn: the page behind it
 * @write: a write fault
 * @present: the read-only PTE of a .pfn_mkwrite fault is still in place
 *	     (false once the caller removed it, e.g. the zero page's)
 *
 * While tracking, a write marks the page and maps it writable, anything
 * else maps it read-only; while not tracking every page is mapped
 * writable. A read-only PTE is replaced here, never left for the core to
 * make writable after the lock is dropped (see the DOC above).
 *
 * Return: VM_FAULT_NOPAGE or an error.
 */
vm_fault_t mdgpu_vram_dirty_insert(struct mdgpu_vgpu *vgpu,
				   struct vm_fault *vmf, u64 off,
				   unsigned long pfn, bool write, bool present)
{
	struct vm_area_struct *vma = vmf->vma;
	bool writable = write || !vgpu->dirty.tracking;

	lockdep_assert_held(&vgpu->lock);
	/* The fault may have allocated the page. */
	mdgpu_vram_dirty_backing_changed(vgpu);
	if (write)
		mdgpu_vram_dirty_mark(vgpu, off, PAGE_SIZE);
	if (present && (vmf->flags & FAULT_FLAG_MKWRITE))
		zap_vma_ptes(vma, vmf->address, PAGE_SIZE);
	return vmf_insert_pfn_prot(vma, vmf->address, pfn,
				   mdgpu_vram_prot(vgpu, vma, writable));
}
