// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the simulated parent GPU backend.
 *
 * VRAM is system memory, one page at a time, allocated on the first write
 * to it: a page that was never written reads as zeroes and costs nothing,
 * so a large simulated VRAM is cheap. Discarding a range frees its pages,
 * which is also how a range is zeroed for its next owner.
 *
 * Pages are charged (__GFP_ACCOUNT) to the memory cgroup of the task that
 * writes them, or to the one the engine thread has made active for the
 * instance it runs (engine_exec.c). Reads, writes and copies fail with -ENOMEM
 * at that cgroup's limit instead of invoking the OOM killer, so a guest
 * filling its VRAM gets a device error; a BAR0 fault is the user's own
 * memory access and takes the ordinary path (reclaim, then the cgroup's
 * OOM killer).
 *
 * Moving a range (relocation of an instance) re-indexes its pages without
 * copying them.
 *
 * A page marked bad (mdgpu_sim_vram_poison(), the fault-injection interface
 * of debugfs.c) keeps its mark until the parent goes: reads, writes and
 * copies touching it fail with -EIO and it is never mapped, whoever owns
 * it; a discard does not clear the mark, and a move touching it fails with
 * -EIO (the mark stays with the physical location, see
 * mdgpu_backend_ops::vram_move).
 *
 * Engine commands run on the CPU (cpu_exec.c), through the core's VRAM
 * access helpers and so through the operations here.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "mdgpu.h"

/**
 * struct mdgpu_sim - state of a simulated parent
 * @pages: VRAM pages by page index; absent pages read as zero. The xarray's
 *	   own lock serialises stores; lookups are RCU-safe.
 * @bad: VRAM pages with an uncorrectable error, by page index (value
 *	 entries); same locking as @pages
 * @exec: the CPU executor of the parent's engine chunks (its engine
 *	  thread only)
 */
struct mdgpu_sim {
	struct xarray pages;
	struct xarray bad;
	struct mdgpu_cpu_exec exec;
};

static int mdgpu_sim_init(struct mdgpu_parent *parent)
{
	struct mdgpu_sim *sim = kzalloc(sizeof(*sim), GFP_KERNEL);

	if (!sim)
		return -ENOMEM;
	if (mdgpu_cpu_exec_init(&sim->exec)) {
		kfree(sim);
		return -ENOMEM;
	}
	xa_init(&sim->pages);
	xa_init(&sim->bad);
	parent->backend = sim;
	return 0;
}

static void mdgpu_sim_discard(struct mdgpu_parent *parent, u64 offset, u64 len)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = (offset + len - 1) >> PAGE_SHIFT;
	struct page *page;
	unsigned long idx;

	if (!len)
		return;
	/*
	 * Free what the erase took out: an injected VRAM error may erase a
	 * page of a range that its owner's release is discarding.
	 */
	xa_for_each_range(&sim->pages, idx, page, first, last) {
		page = xa_erase(&sim->pages, idx);
		if (page)
			__free_page(page);
	}
}

static void mdgpu_sim_fini(struct mdgpu_parent *parent)
{
	struct mdgpu_sim *sim = parent->backend;

	mdgpu_sim_discard(parent, 0, parent->vram_size);
	xa_destroy(&sim->pages);
	xa_destroy(&sim->bad);
	mdgpu_cpu_exec_fini(&sim->exec);
	kfree(sim);
	parent->backend = NULL;
}

/* Allocation flags of VRAM pages the engine or pread/pwrite write. */
#define MDGPU_SIM_GFP_MAYFAIL	(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT | \
				 __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* ... and of those a BAR0 fault maps. */
#define MDGPU_SIM_GFP_FAULT	(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT)

/* The page backing VRAM page @idx, allocated with @gfp if missing (0: not). */
static struct page *mdgpu_sim_page(struct mdgpu_sim *sim, unsigned long idx,
				   gfp_t gfp)
{
	struct page *page = xa_load(&sim->pages, idx);
	struct page *old;

	if (page || !gfp)
		return page;
	page = alloc_page(gfp);
	if (!page)
		return NULL;
	old = xa_cmpxchg(&sim->pages, idx, NULL, page, GFP_KERNEL);
	if (old) {
		__free_page(page);
		return xa_is_err(old) ? NULL : old;
	}
	return page;
}

/* Whether a page of VRAM in [@offset, @offset + @len) is bad. */
static bool mdgpu_sim_vram_bad(struct mdgpu_parent *parent, u64 offset,
			       u64 len)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long idx = offset >> PAGE_SHIFT;
	void *entry;

	if (!len || xa_empty(&sim->bad))
		return false;
	entry = xa_find(&sim->bad, &idx, (offset + len - 1) >> PAGE_SHIFT,
			XA_PRESENT);
	return entry;
}

/*
 * Mark the page holding @offset bad. Its contents are lost: the page is
 * freed (a mapping or dma-buf that still holds it keeps its own reference).
 */
static int mdgpu_sim_vram_poison(struct mdgpu_parent *parent, u64 offset)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long idx = offset >> PAGE_SHIFT;
	struct page *page;
	int ret;

	ret = xa_err(xa_store(&sim->bad, idx, xa_mk_value(1), GFP_KERNEL));
	if (ret)
		return ret;
	page = xa_erase(&sim->pages, idx);
	if (page)
		__free_page(page);
	return 0;
}

static int mdgpu_sim_vram_rw(struct mdgpu_parent *parent, u64 offset,
			     void *buf, size_t len, bool write)
{
	struct mdgpu_sim *sim = parent->backend;

	if (mdgpu_sim_vram_bad(parent, offset, len))
		return -EIO;
	while (len) {
		size_t in_page = offset & ~PAGE_MASK;
		size_t chunk = min_t(size_t, len, PAGE_SIZE - in_page);
		struct page *page;

		page = mdgpu_sim_page(sim, offset >> PAGE_SHIFT,
				      write ? MDGPU_SIM_GFP_MAYFAIL : 0);
		if (write) {
			if (!page)
				return -ENOMEM;
			memcpy_to_page(page, in_page, buf, chunk);
		} else if (page) {
			memcpy_from_page(buf, page, in_page, chunk);
		} else {
			memset(buf, 0, chunk);
		}
		buf += chunk;
		offset += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Copy page to page. A source page that was never written reads as zeroes:
 * the destination is cleared if it exists and left absent otherwise, so a
 * copy of untouched VRAM allocates nothing.
 */
static int mdgpu_sim_vram_copy(struct mdgpu_parent *parent, u64 dst, u64 src,
			       size_t len)
{
	struct mdgpu_sim *sim = parent->backend;

	if (mdgpu_sim_vram_bad(parent, src, len) ||
	    mdgpu_sim_vram_bad(parent, dst, len))
		return -EIO;
	while (len) {
		size_t src_in = src & ~PAGE_MASK, dst_in = dst & ~PAGE_MASK;
		size_t chunk = min3(len, PAGE_SIZE - src_in,
				    PAGE_SIZE - dst_in);
		struct page *sp, *dp;

		sp = mdgpu_sim_page(sim, src >> PAGE_SHIFT, 0);
		dp = mdgpu_sim_page(sim, dst >> PAGE_SHIFT,
				    sp ? MDGPU_SIM_GFP_MAYFAIL : 0);
		if (sp && !dp)
			return -ENOMEM;
		if (sp) {
			void *s = kmap_local_page(sp);

			memcpy_to_page(dp, dst_in, s + src_in, chunk);
			kunmap_local(s);
		} else if (dp) {
			memzero_page(dp, dst_in, chunk);
		}
		src += chunk;
		dst += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Move the pages of [@src, @src + @len) to [@dst, @dst + @len) without
 * copying: each page keeps its contents, its memory cgroup charge and any
 * reference a dma-buf holds, and only its index changes. First reserve an
 * entry at the destination for every page present, which is the only step
 * that allocates (and may fail, undone by releasing what it reserved);
 * then move each page into its reserved entry, which cannot fail. The
 * caller keeps every access to both ranges out meanwhile (the owner's
 * lock; nobody owns the destination) and has discarded the destination.
 */
static int mdgpu_sim_vram_move(struct mdgpu_parent *parent, u64 dst, u64 src,
			       u64 len)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long first = src >> PAGE_SHIFT;
	unsigned long last = (src + len - 1) >> PAGE_SHIFT;
	unsigned long shift = (dst >> PAGE_SHIFT) - first;
	struct page *page;
	unsigned long idx;
	int ret = 0;

	if (!len)
		return 0;
	if (mdgpu_sim_vram_bad(parent, src, len) ||
	    mdgpu_sim_vram_bad(parent, dst, len))
		return -EIO;
	xa_for_each_range(&sim->pages, idx, page, first, last) {
		ret = xa_reserve(&sim->pages, idx + shift, GFP_KERNEL);
		if (ret)
			break;
	}
	if (ret) {
		unsigned long undo;

		xa_for_each_range(&sim->pages, undo, page, first, last) {
			if (undo >= idx)
				break;
			xa_release(&sim->pages, undo + shift);
		}
		return ret;
	}
	xa_for_each_range(&sim->pages, idx, page, first, last) {
		xa_erase(&sim->pages, idx);
		/* A reserved entry takes a store without allocating. */
		if (WARN_ON_ONCE(xa_is_err(xa_store(&sim->pages, idx + shift,
						    page, GFP_NOWAIT))))
			__free_page(page);
	}
	return 0;
}

/* The first backed page in [@offset, @end), or @end. */
static u64 mdgpu_sim_vram_next(struct mdgpu_parent *parent, u64 offset,
			       u64 end)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long idx = offset >> PAGE_SHIFT;

	if (offset >= end ||
	    !xa_find(&sim->pages, &idx, (end - 1) >> PAGE_SHIFT, XA_PRESENT))
		return end;
	return max_t(u64, (u64)idx << PAGE_SHIFT, offset);
}

static struct page *mdgpu_sim_vram_page(struct mdgpu_parent *parent,
					u64 offset)
{
	if (mdgpu_sim_vram_bad(parent, offset, 1))
		return NULL;
	return mdgpu_sim_page(parent->backend, offset >> PAGE_SHIFT,
			      MDGPU_SIM_GFP_FAULT);
}

/*
 * A user mapping inserts the page's frame; the page stays in the xarray
 * (the core zaps the mappings before it discards or moves the page).
 */
static int mdgpu_sim_vram_pfn(struct mdgpu_parent *parent, u64 offset,
			      unsigned long *pfn)
{
	struct page *page;

	if (mdgpu_sim_vram_bad(parent, offset, 1))
		return -EIO;
	page = mdgpu_sim_page(parent->backend, offset >> PAGE_SHIFT,
			      MDGPU_SIM_GFP_FAULT);
	if (!page)
		return -ENOMEM;
	*pfn = page_to_pfn(page);
	return 0;
}

/* Engine chunks run on the CPU, through the VRAM operations above. */
static int mdgpu_sim_run_chunk(struct mdgpu_parent *parent,
			       struct mdgpu_chunk *chunk)
{
	struct mdgpu_sim *sim = parent->backend;

	return mdgpu_cpu_exec_run(&sim->exec, chunk);
}

const struct mdgpu_backend_ops mdgpu_sim_ops = {
	.name = "sim",
	.init = mdgpu_sim_init,
	.fini = mdgpu_sim_fini,
	.vram_rw = mdgpu_sim_vram_rw,
	.vram_discard = mdgpu_sim_discard,
	.vram_pfn = mdgpu_sim_vram_pfn,
	.vram_page = mdgpu_sim_vram_page,
	.vram_copy = mdgpu_sim_vram_copy,
	.vram_move = mdgpu_sim_vram_move,
	.vram_bad = mdgpu_sim_vram_bad,
	.vram_poison = mdgpu_sim_vram_poison,
	.vram_next = mdgpu_sim_vram_next,
	.run_chunk = mdgpu_sim_run_chunk,
};
