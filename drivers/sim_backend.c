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
 * VRAM may be oversubscribed (&mdgpu_backend_ops.vram_lazy): the parent's
 * VRAM offsets reach past its size, but at most its size in pages is ever
 * populated (mdgpu_sim::limit). The page past that limit is refused
 * (after freeing what discards left to the reaper) and reported with
 * mdgpu_parent_vram_short(); a write of zeroes to a page without backing
 * allocates nothing, and a reclaim pass frees pages that hold only
 * zeroes (mdgpu_sim_reclaim()).
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
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "mdgpu.h"

/* Pages are kept in chunks of one VRAM granule (1 MiB: 256 pages). */
#define MDGPU_SIM_CHUNK_ORDER	(MDGPU_VRAM_GRANULE_SHIFT - PAGE_SHIFT)
#define MDGPU_SIM_CHUNK_PAGES	BIT(MDGPU_SIM_CHUNK_ORDER)

/**
 * struct mdgpu_sim_chunk - the pages of one granule of simulated VRAM
 * @garbage: link in mdgpu_sim::garbage once discarded
 * @rcu: for freeing the chunk after lockless readers are done with it
 * @pages: the pages by index in the chunk; NULL for a page never written.
 *	   A slot is set by cmpxchg() (two writers may race to fill it) and
 *	   emptied by xchg(), so each page is freed exactly once.
 */
struct mdgpu_sim_chunk {
	struct llist_node garbage;
	struct rcu_head rcu;
	struct page *pages[MDGPU_SIM_CHUNK_PAGES];
};

/**
 * struct mdgpu_sim - state of a simulated parent
 * @chunks: VRAM chunks by granule index; absent chunks read as zero. The
 *	    xarray's own lock serialises stores; lookups are RCU-safe, and a
 *	    chunk is freed only after an RCU grace period.
 * @bad: VRAM pages with an uncorrectable error, by page index (value
 *	 entries); same locking as @chunks
 * @populated: pages allocated and not yet freed, including those of
 *	       discarded chunks still waiting in @garbage (atomic)
 * @garbage: chunks taken out of @chunks by a discard, to free (lockless
 *	     list: added to under any lock, emptied under @reap_lock)
 * @reap_lock: held while freeing what was taken from @garbage, so a reaper
 *	       that gets it finds every chunk discarded before either freed
 *	       or still in @garbage
 * @reap: frees @garbage if no caller of mdgpu_sim_reap() did by then
 * @exec: the CPU executor of the parent's engine chunks (its engine
 *	  thread only)
 * @parent: the parent this is the backend of
 * @limit: the most pages @populated may reach: the parent's VRAM size
 */
struct mdgpu_sim {
	struct xarray chunks;
	struct xarray bad;
	struct mdgpu_cpu_exec exec;
	atomic_long_t populated;
	struct llist_head garbage;
	struct mutex reap_lock; /* see the kernel-doc above */
	struct delayed_work reap;
	struct mdgpu_parent *parent;
	unsigned long limit;
};

/*
 * A discard leaves the freeing to its caller, which does it in its own
 * context once it dropped the instance's lock (mdgpu_sim_reap()); the
 * work frees what a caller left after this delay.
 */
#define MDGPU_SIM_REAP_DELAY	HZ

/* Free a chunk taken out of @sim->chunks and its pages. */
static void mdgpu_sim_free_chunk(struct mdgpu_sim *sim,
				 struct mdgpu_sim_chunk *chunk)
{
	unsigned long i, n = 0;

	for (i = 0; i < MDGPU_SIM_CHUNK_PAGES; i++) {
		struct page *page = xchg(&chunk->pages[i], NULL);

		if (page) {
			__free_page(page);
			n++;
		}
	}
	atomic_long_sub(n, &sim->populated);
	kfree_rcu(chunk, rcu);
}

/* Free every chunk discarded so far, in the caller's context. */
static void mdgpu_sim_reap_now(struct mdgpu_sim *sim)
{
	struct mdgpu_sim_chunk *chunk, *next;
	struct llist_node *list;

	mutex_lock(&sim->reap_lock);
	list = llist_del_all(&sim->garbage);
	llist_for_each_entry_safe(chunk, next, list, garbage) {
		mdgpu_sim_free_chunk(sim, chunk);
		cond_resched();
	}
	mutex_unlock(&sim->reap_lock);
}

static void mdgpu_sim_reap_work(struct work_struct *work)
{
	mdgpu_sim_reap_now(container_of(to_delayed_work(work),
					struct mdgpu_sim, reap));
}

static int mdgpu_sim_init(struct mdgpu_parent *parent)
{
	struct mdgpu_sim *sim = kzalloc(sizeof(*sim), GFP_KERNEL);

	if (!sim)
		return -ENOMEM;
	if (mdgpu_cpu_exec_init(&sim->exec)) {
		kfree(sim);
		return -ENOMEM;
	}
	xa_init(&sim->chunks);
	xa_init(&sim->bad);
	atomic_long_set(&sim->populated, 0);
	init_llist_head(&sim->garbage);
	mutex_init(&sim->reap_lock);
	INIT_DELAYED_WORK(&sim->reap, mdgpu_sim_reap_work);
	sim->parent = parent;
	sim->limit = parent->vram_size >> PAGE_SHIFT;
	parent->backend = sim;
	return 0;
}

/* Empty the slots of pages [@first, @last] of @chunk and free the pages. */
static void mdgpu_sim_free_slots(struct mdgpu_sim *sim,
				 struct mdgpu_sim_chunk *chunk,
				 unsigned long first, unsigned long last)
{
	unsigned long i, n = 0;

	for (i = first; i <= last; i++) {
		struct page *page = xchg(&chunk->pages[i], NULL);

		if (page) {
			__free_page(page);
			n++;
		}
	}
	atomic_long_sub(n, &sim->populated);
}

/*
 * The range reads as zeroes when this returns. Whole chunks are taken out
 * of the index and handed to the reaper (one xarray erase per 1 MiB,
 * whatever the chunk holds), so a discard under an instance's lock costs
 * little however much of the range was populated; the pages of a chunk
 * the range covers only in part (at most two per call) are freed here.
 * The pages stay charged to their memory cgroup and counted in
 * mdgpu_sim::populated until they are freed: by the caller, which calls
 * mdgpu_sim_reap() once it dropped its lock, or by the delayed work.
 */
static void mdgpu_sim_discard(struct mdgpu_parent *parent, u64 offset, u64 len)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = (offset + len - 1) >> PAGE_SHIFT;
	struct mdgpu_sim_chunk *chunk;
	bool queued = false;
	unsigned long c;

	if (!len)
		return;
	xa_for_each_range(&sim->chunks, c, chunk,
			  first >> MDGPU_SIM_CHUNK_ORDER,
			  last >> MDGPU_SIM_CHUNK_ORDER) {
		unsigned long base = c << MDGPU_SIM_CHUNK_ORDER;
		unsigned long end = base + MDGPU_SIM_CHUNK_PAGES - 1;

		if (first <= base && end <= last) {
			chunk = xa_erase(&sim->chunks, c);
			if (chunk) {
				llist_add(&chunk->garbage, &sim->garbage);
				queued = true;
			}
			continue;
		}
		/*
		 * An injected VRAM error may race with the owner's release
		 * discarding its range: the slots are emptied by xchg().
		 */
		mdgpu_sim_free_slots(sim, chunk, max(first, base) - base,
				     min(last, end) - base);
	}
	if (queued)
		queue_delayed_work(system_unbound_wq, &sim->reap,
				   MDGPU_SIM_REAP_DELAY);
}

/* Free every page discarded so far; return once they are freed. */
static void mdgpu_sim_reap(struct mdgpu_parent *parent)
{
	mdgpu_sim_reap_now(parent->backend);
}

static u64 mdgpu_sim_populated(struct mdgpu_parent *parent)
{
	struct mdgpu_sim *sim = parent->backend;

	return (u64)atomic_long_read(&sim->populated) << PAGE_SHIFT;
}

static void mdgpu_sim_fini(struct mdgpu_parent *parent)
{
	struct mdgpu_sim *sim = parent->backend;

	mdgpu_sim_discard(parent, 0, parent->vram_max);
	cancel_delayed_work_sync(&sim->reap);
	mdgpu_sim_reap_now(sim);
	mutex_destroy(&sim->reap_lock);
	WARN_ON_ONCE(atomic_long_read(&sim->populated));
	xa_destroy(&sim->chunks);
	xa_destroy(&sim->bad);
	mdgpu_cpu_exec_fini(&sim->exec);
	/* The chunks' kfree_rcu() may still be pending; they are not in @sim. */
	kfree(sim);
	parent->backend = NULL;
}

/* Allocation flags of VRAM pages the engine or pread/pwrite write. */
#define MDGPU_SIM_GFP_MAYFAIL	(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT | \
				 __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* ... and of those a BAR0 fault maps. */
#define MDGPU_SIM_GFP_FAULT	(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT)

/*
 * The slot of VRAM page @idx, creating its chunk with flags like @gfp if
 * missing (0: not). The caller holds the owning instance's lock, so the
 * chunk is not discarded meanwhile.
 */
static struct page **mdgpu_sim_slot(struct mdgpu_sim *sim, unsigned long idx,
				    gfp_t gfp)
{
	unsigned long c = idx >> MDGPU_SIM_CHUNK_ORDER;
	struct mdgpu_sim_chunk *chunk = xa_load(&sim->chunks, c), *old;

	if (!chunk) {
		if (!gfp)
			return NULL;
		chunk = kzalloc(sizeof(*chunk), GFP_KERNEL_ACCOUNT |
				(gfp & (__GFP_RETRY_MAYFAIL | __GFP_NOWARN)));
		if (!chunk)
			return NULL;
		old = xa_cmpxchg(&sim->chunks, c, NULL, chunk, GFP_KERNEL);
		if (old) {
			kfree(chunk);
			if (xa_is_err(old))
				return NULL;
			chunk = old;
		}
	}
	return &chunk->pages[idx & (MDGPU_SIM_CHUNK_PAGES - 1)];
}

/* Count one more populated page, unless that would pass the limit. */
static bool mdgpu_sim_charge(struct mdgpu_sim *sim)
{
	long n = atomic_long_read(&sim->populated);

	do {
		if (n >= (long)sim->limit)
			return false;
	} while (!atomic_long_try_cmpxchg(&sim->populated, &n, n + 1));
	return true;
}

/* Whether every page the parent may populate is. */
static bool mdgpu_sim_full(struct mdgpu_sim *sim)
{
	return atomic_long_read(&sim->populated) >= (long)sim->limit;
}

/*
 * The page backing VRAM page @idx, allocated with @gfp if missing (0: not).
 * An allocation past mdgpu_sim::limit fails (after freeing the discarded
 * pages that wait for the reaper, which still count) and is reported.
 */
static struct page *mdgpu_sim_page(struct mdgpu_sim *sim, unsigned long idx,
				   gfp_t gfp)
{
	struct page **slot = mdgpu_sim_slot(sim, idx, gfp);
	struct page *page, *old;

	if (!slot)
		return NULL;
	page = READ_ONCE(*slot);
	if (page || !gfp)
		return page;
	if (!mdgpu_sim_charge(sim)) {
		mdgpu_sim_reap_now(sim);
		if (!mdgpu_sim_charge(sim)) {
			mdgpu_parent_vram_short(sim->parent);
			return NULL;
		}
	}
	page = alloc_page(gfp);
	if (!page) {
		atomic_long_dec(&sim->populated);
		return NULL;
	}
	old = cmpxchg(slot, NULL, page);
	if (old) {
		__free_page(page);
		atomic_long_dec(&sim->populated);
		return old;
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
	struct page **slot, *page = NULL;
	int ret;

	ret = xa_err(xa_store(&sim->bad, idx, xa_mk_value(1), GFP_KERNEL));
	if (ret)
		return ret;
	/* An unowned page may be in a chunk a release is discarding. */
	rcu_read_lock();
	slot = mdgpu_sim_slot(sim, idx, 0);
	if (slot)
		page = xchg(slot, NULL);
	rcu_read_unlock();
	if (page) {
		__free_page(page);
		atomic_long_dec(&sim->populated);
	}
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

		page = mdgpu_sim_page(sim, offset >> PAGE_SHIFT, 0);
		/* Zeroes written to a page without backing cost nothing. */
		if (write && !page && memchr_inv(buf, 0, chunk)) {
			page = mdgpu_sim_page(sim, offset >> PAGE_SHIFT,
					      MDGPU_SIM_GFP_MAYFAIL);
			if (!page)
				return -ENOMEM;
		}
		if (write) {
			if (page)
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
 * reference a dma-buf holds, and only its index changes. First create a
 * chunk at the destination for every page present, which is the only step
 * that allocates (a failure leaves empty chunks, which read as zeroes as
 * the discarded destination did); then move each page into its slot,
 * which cannot fail; then free the source chunks the range covered whole,
 * empty now. The caller keeps every access to both ranges out meanwhile
 * (the owner's lock; nobody owns the destination) and has discarded the
 * destination.
 */
static int mdgpu_sim_vram_move(struct mdgpu_parent *parent, u64 dst, u64 src,
			       u64 len)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long first = src >> PAGE_SHIFT;
	unsigned long last = (src + len - 1) >> PAGE_SHIFT;
	unsigned long shift = (dst >> PAGE_SHIFT) - first;
	struct mdgpu_sim_chunk *chunk;
	unsigned long c, i;
	int pass;

	if (!len)
		return 0;
	if (mdgpu_sim_vram_bad(parent, src, len) ||
	    mdgpu_sim_vram_bad(parent, dst, len))
		return -EIO;
	for (pass = 0; pass < 2; pass++) {
		xa_for_each_range(&sim->chunks, c, chunk,
				  first >> MDGPU_SIM_CHUNK_ORDER,
				  last >> MDGPU_SIM_CHUNK_ORDER) {
			unsigned long base = c << MDGPU_SIM_CHUNK_ORDER;
			unsigned long from = max(first, base);
			unsigned long to = min(last, base +
					       MDGPU_SIM_CHUNK_PAGES - 1);

			for (i = from; i <= to; i++) {
				struct page **slot;

				if (!chunk->pages[i - base])
					continue;
				slot = mdgpu_sim_slot(sim, i + shift,
						      pass ? 0 :
						      MDGPU_SIM_GFP_MAYFAIL);
				if (!slot)
					return -ENOMEM;
				if (pass)
					WRITE_ONCE(*slot,
						   xchg(&chunk->pages[i - base],
							NULL));
			}
		}
	}
	xa_for_each_range(&sim->chunks, c, chunk,
			  first >> MDGPU_SIM_CHUNK_ORDER,
			  last >> MDGPU_SIM_CHUNK_ORDER) {
		unsigned long base = c << MDGPU_SIM_CHUNK_ORDER;

		if (first <= base && base + MDGPU_SIM_CHUNK_PAGES - 1 <= last)
			mdgpu_sim_free_chunk(sim, xa_erase(&sim->chunks, c));
	}
	return 0;
}

/* The first backed page in [@offset, @end), or @end. */
static u64 mdgpu_sim_vram_next(struct mdgpu_parent *parent, u64 offset,
			       u64 end)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = (end - 1) >> PAGE_SHIFT;
	struct mdgpu_sim_chunk *chunk;
	unsigned long c, i;

	if (offset >= end)
		return end;
	xa_for_each_range(&sim->chunks, c, chunk,
			  first >> MDGPU_SIM_CHUNK_ORDER,
			  last >> MDGPU_SIM_CHUNK_ORDER) {
		unsigned long base = c << MDGPU_SIM_CHUNK_ORDER;
		unsigned long to = min(last, base + MDGPU_SIM_CHUNK_PAGES - 1);

		for (i = max(first, base); i <= to; i++)
			if (READ_ONCE(chunk->pages[i - base]))
				return max_t(u64, (u64)i << PAGE_SHIFT, offset);
	}
	return end;
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
	if (!page)	/* past the VRAM size: SIGBUS, not the OOM killer */
		return mdgpu_sim_full(parent->backend) ? -ENOSPC : -ENOMEM;
	*pfn = page_to_pfn(page);
	return 0;
}

/* Whether @page holds only zeroes. */
static bool mdgpu_sim_page_zero(struct page *page)
{
	void *p = kmap_local_page(page);
	bool zero = !memchr_inv(p, 0, PAGE_SIZE);

	kunmap_local(p);
	return zero;
}

/*
 * Free the pages of [@offset, @offset + @len) that hold only zeroes and
 * that no dma-buf holds (the caller holds the owner's lock and removed its
 * mappings, so nothing else reaches them); their slots read as zeroes.
 */
static u64 mdgpu_sim_reclaim(struct mdgpu_parent *parent, u64 offset, u64 len)
{
	struct mdgpu_sim *sim = parent->backend;
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long last = (offset + len - 1) >> PAGE_SHIFT;
	struct mdgpu_sim_chunk *chunk;
	unsigned long c, i, n = 0;

	if (!len)
		return 0;
	xa_for_each_range(&sim->chunks, c, chunk,
			  first >> MDGPU_SIM_CHUNK_ORDER,
			  last >> MDGPU_SIM_CHUNK_ORDER) {
		unsigned long base = c << MDGPU_SIM_CHUNK_ORDER;
		unsigned long to = min(last, base + MDGPU_SIM_CHUNK_PAGES - 1);

		for (i = max(first, base); i <= to; i++) {
			struct page **slot = &chunk->pages[i - base];
			struct page *page = READ_ONCE(*slot);

			if (!page || page_count(page) != 1 ||
			    !mdgpu_sim_page_zero(page) ||
			    cmpxchg(slot, page, NULL) != page)
				continue;
			__free_page(page);
			n++;
		}
		cond_resched();
	}
	atomic_long_sub(n, &sim->populated);
	return (u64)n << PAGE_SHIFT;
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
	.vram_reap = mdgpu_sim_reap,
	.vram_populated = mdgpu_sim_populated,
	.vram_lazy = true,
	.vram_reclaim = mdgpu_sim_reclaim,
};
