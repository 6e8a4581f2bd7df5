// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: every access of the core to an instance's VRAM.
 */

/**
 * DOC: VRAM access
 *
 * The core (region accesses, the engine, BAR0 faults, dma-buf export,
 * migration, reset) reaches an instance's VRAM only through the helpers
 * here. Each takes an offset in the instance's VRAM (its BAR0), checks
 * that the range lies inside the instance's VRAM, adds the instance's
 * offset in its parent's VRAM (mdgpu_vgpu::vram_offset, which relocation
 * may change) and calls the parent's backend (struct mdgpu_backend_ops).
 * A range outside the instance is refused with -EINVAL (a discard or a
 * lookup of such a range does nothing), so no bug in a caller can make one
 * tenant reach another's VRAM.
 *
 * A user mapping may map a page that has no backing to the shared zero
 * page, read-only (vram_mmap.c). Whatever gives such a page backing here
 * (a write, a copy into it, a page for a dma-buf) removes those mappings
 * first (mdgpu_vgpu_vram_unzero()), so the next access maps the page that
 * now holds the data.
 *
 * Locking: the caller holds the instance's lock (mdgpu_vgpu::lock), which
 * keeps mdgpu_vgpu::vram_offset stable and the backing of the range from
 * being discarded or moved meanwhile.
 */

#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/mm.h>

#include "mdgpu.h"

/*
 * Whether [@off, @off + @len) lies inside the instance's VRAM. Caller holds
 * vgpu->lock: the range is checked for the access made under it.
 */
static bool mdgpu_vgpu_vram_inside(struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	lockdep_assert_held(&vgpu->lock);
	if (off <= vgpu->vram_size && len <= vgpu->vram_size - off)
		return true;
	dev_dbg_ratelimited(vgpu->parent->dev,
			    "VRAM access [%#llx, +%#llx) outside an instance of %#llx bytes refused\n",
			    off, len, vgpu->vram_size);
	return false;
}

/**
 * mdgpu_vgpu_vram_rw() - read or write an instance's VRAM
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in the instance's VRAM
 * @buf: kernel buffer
 * @len: bytes
 * @write: @buf to VRAM, else VRAM to @buf
 *
 * Return: 0, -EINVAL for a range outside the instance, or the backend's
 * error (-ENOMEM: no memory could back the range; -EIO: a bad page).
 */
int mdgpu_vgpu_vram_rw(struct mdgpu_vgpu *vgpu, u64 off, void *buf,
		       size_t len, bool write)
{
	struct mdgpu_parent *parent = vgpu->parent;

	lockdep_assert_held(&vgpu->lock);
	if (!mdgpu_vgpu_vram_inside(vgpu, off, len))
		return -EINVAL;
	if (write)
		mdgpu_vgpu_vram_unzero(vgpu, off, len);
	return parent->ops->vram_rw(parent, vgpu->vram_offset + off, buf, len,
				    write);
}

/**
 * mdgpu_vgpu_vram_copy() - copy inside an instance's VRAM, in the device
 * @vgpu: the instance; caller holds vgpu->lock
 * @dst: destination offset in the instance's VRAM
 * @src: source offset
 * @len: bytes; the ranges do not overlap
 *
 * Return: 0; -EOPNOTSUPP if the backend has no vram_copy (the caller
 * copies through a buffer with mdgpu_vgpu_vram_rw()); -EINVAL for a range
 * outside the instance or overlapping ranges; or the backend's error.
 */
int mdgpu_vgpu_vram_copy(struct mdgpu_vgpu *vgpu, u64 dst, u64 src,
			 size_t len)
{
	struct mdgpu_parent *parent = vgpu->parent;

	lockdep_assert_held(&vgpu->lock);
	if (!parent->ops->vram_copy)
		return -EOPNOTSUPP;
	if (!mdgpu_vgpu_vram_inside(vgpu, dst, len) ||
	    !mdgpu_vgpu_vram_inside(vgpu, src, len) ||
	    (len && dst < src + len && src < dst + len))
		return -EINVAL;
	mdgpu_vgpu_vram_unzero(vgpu, dst, len);
	return parent->ops->vram_copy(parent, vgpu->vram_offset + dst,
				      vgpu->vram_offset + src, len);
}

/**
 * mdgpu_vgpu_vram_discard() - make part of an instance's VRAM read zeroes
 * @vgpu: the instance; caller holds vgpu->lock and has removed the user
 *	  mappings of the range (mdgpu_vram_zap())
 * @off: offset in the instance's VRAM
 * @len: bytes
 *
 * On a backend with lazy backing this frees memory; on device memory it
 * writes zeroes, which takes time proportional to @len.
 */
void mdgpu_vgpu_vram_discard(struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	struct mdgpu_parent *parent = vgpu->parent;

	lockdep_assert_held(&vgpu->lock);
	if (!len || !mdgpu_vgpu_vram_inside(vgpu, off, len))
		return;
	parent->ops->vram_discard(parent, vgpu->vram_offset + off, len);
}

/**
 * mdgpu_vgpu_vram_pfn() - the page frame behind a page of an instance's VRAM
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in the instance's VRAM, inside it
 * @pfn: the page frame number, on success
 *
 * Return: 0, -EINVAL outside the instance, -ENOMEM or -EIO (a bad page).
 */
int mdgpu_vgpu_vram_pfn(struct mdgpu_vgpu *vgpu, u64 off, unsigned long *pfn)
{
	struct mdgpu_parent *parent = vgpu->parent;

	lockdep_assert_held(&vgpu->lock);
	if (!mdgpu_vgpu_vram_inside(vgpu, off, PAGE_SIZE))
		return -EINVAL;
	return parent->ops->vram_pfn(parent, vgpu->vram_offset + off, pfn);
}

/**
 * mdgpu_vgpu_vram_pfn_pmd() - the first page frame of a huge page of VRAM
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in the instance's VRAM, a multiple of PMD_SIZE
 * @pfn: the page frame number, on success
 *
 * Return: 0 if the PMD_SIZE range at @off is contiguous device memory
 * starting at @pfn, a multiple of PMD_SIZE >> PAGE_SHIFT; -EOPNOTSUPP if
 * the backend cannot say so (map 4 KiB pages instead); -EINVAL for a
 * range outside the instance or not aligned.
 */
int mdgpu_vgpu_vram_pfn_pmd(struct mdgpu_vgpu *vgpu, u64 off,
			    unsigned long *pfn)
{
	struct mdgpu_parent *parent = vgpu->parent;
	int ret;

	lockdep_assert_held(&vgpu->lock);
	if (!parent->ops->vram_pfn_pmd)
		return -EOPNOTSUPP;
	if (!IS_ALIGNED(off, PMD_SIZE) ||
	    !mdgpu_vgpu_vram_inside(vgpu, off, PMD_SIZE))
		return -EINVAL;
	ret = parent->ops->vram_pfn_pmd(parent, vgpu->vram_offset + off, pfn);
	if (!ret && !IS_ALIGNED(*pfn, PMD_SIZE >> PAGE_SHIFT))
		return -EOPNOTSUPP;
	return ret;
}

/**
 * mdgpu_vgpu_vram_pgprot() - page protection of user mappings of VRAM
 * @vgpu: the instance
 * @prot: the protection the core computed for the mapping
 *
 * Return: @prot with the backend's caching attributes.
 */
pgprot_t mdgpu_vgpu_vram_pgprot(struct mdgpu_vgpu *vgpu, pgprot_t prot)
{
	struct mdgpu_parent *parent = vgpu->parent;

	if (!parent->ops->vram_pgprot)
		return prot;
	return parent->ops->vram_pgprot(parent, prot);
}

/**
 * mdgpu_parent_has_dmabuf() - whether instances of a parent can export
 *			       dma-bufs of their VRAM
 * @parent: the parent
 *
 * Return: true if the backend gives struct pages (vram_page).
 */
bool mdgpu_parent_has_dmabuf(const struct mdgpu_parent *parent)
{
	return parent->ops->vram_page;
}

/**
 * mdgpu_vgpu_vram_page() - the struct page behind a page of VRAM
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in the instance's VRAM
 *
 * Only for dma-buf export, on a backend that has pages
 * (mdgpu_parent_has_dmabuf()).
 *
 * Return: the page (the caller takes its own reference to keep it), or
 * NULL: outside the instance, no pages, allocation failure, bad page.
 */
struct page *mdgpu_vgpu_vram_page(struct mdgpu_vgpu *vgpu, u64 off)
{
	struct mdgpu_parent *parent = vgpu->parent;

	lockdep_assert_held(&vgpu->lock);
	if (!parent->ops->vram_page ||
	    !mdgpu_vgpu_vram_inside(vgpu, off, PAGE_SIZE))
		return NULL;
	mdgpu_vgpu_vram_unzero(vgpu, off, PAGE_SIZE);
	return parent->ops->vram_page(parent, vgpu->vram_offset + off);
}

/**
 * mdgpu_vgpu_vram_bad() - whether part of an instance's VRAM had an
 *			   uncorrectable error
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in the instance's VRAM
 * @len: bytes
 *
 * Return: true if a page of the range is bad; false on a backend that
 * never has bad pages, or for a range outside the instance.
 */
bool mdgpu_vgpu_vram_bad(struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	struct mdgpu_parent *parent = vgpu->parent;

	lockdep_assert_held(&vgpu->lock);
	if (!parent->ops->vram_bad || !mdgpu_vgpu_vram_inside(vgpu, off, len))
		return false;
	return parent->ops->vram_bad(parent, vgpu->vram_offset + off, len);
}

/**
 * mdgpu_vgpu_vram_next() - the next page of an instance's VRAM with backing
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in the instance's VRAM
 *
 * Return: the offset of the first page at or after @off that has backing
 * (every page has, on a backend without vram_next), or the VRAM size.
 */
u64 mdgpu_vgpu_vram_next(struct mdgpu_vgpu *vgpu, u64 off)
{
	struct mdgpu_parent *parent = vgpu->parent;

	lockdep_assert_held(&vgpu->lock);
	if (off >= vgpu->vram_size || !parent->ops->vram_next)
		return min(off, vgpu->vram_size);
	return parent->ops->vram_next(parent, vgpu->vram_offset + off,
				      vgpu->vram_offset + vgpu->vram_size) -
	       vgpu->vram_offset;
}

/**
 * mdgpu_vgpu_vram_unzero() - remove the zero page from user mappings of a
 *			      range that is about to get backing
 * @vgpu: the instance; caller holds vgpu->lock
 * @off: offset in the instance's VRAM, inside it
 * @len: bytes
 *
 * Every page of the range that a user mapping may map to the shared zero
 * page (mdgpu_vgpu::zero_map) is unmapped from all of them, so its next
 * access faults and maps the page that backs it by then. Nothing to do
 * (and nothing costs) if no mapping of the instance ever got the zero
 * page since the last mdgpu_vram_zap().
 *
 * Return: true if a page of the range was unmapped.
 */
bool mdgpu_vgpu_vram_unzero(struct mdgpu_vgpu *vgpu, u64 off, u64 len)
{
	unsigned long first, last, start, end;
	bool unmapped = false;

	lockdep_assert_held(&vgpu->lock);
	if (!vgpu->zero_map || !len)
		return false;
	first = off >> PAGE_SHIFT;
	last = (off + len - 1) >> PAGE_SHIFT;
	for (start = find_next_bit(vgpu->zero_map, last + 1, first);
	     start <= last;
	     start = find_next_bit(vgpu->zero_map, last + 1, end)) {
		end = find_next_zero_bit(vgpu->zero_map, last + 1, start);
		bitmap_clear(vgpu->zero_map, start, end - start);
		unmap_mapping_range(vgpu->mmap_inode->i_mapping,
				    (loff_t)(MDGPU_VRAM_PGOFF + start) <<
				    PAGE_SHIFT,
				    (loff_t)(end - start) << PAGE_SHIFT, false);
		unmapped = true;
	}
	return unmapped;
}
