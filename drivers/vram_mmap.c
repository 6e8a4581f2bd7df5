// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: mapping BAR0 (the instance's VRAM) into the VFIO user, e.g. into
 * the guest through QEMU, so framebuffer accesses never trap.
 *
 * Pages are inserted on fault, as the backend's page frame numbers and
 * caching attributes (mdgpu_backend_ops::vram_pfn and ::vram_pgprot: system
 * memory pages allocated on first touch for the simulated parent, so
 * untouched VRAM costs nothing; the BAR's frames, write-combining, for the
 * PCI parent). No struct page is needed. They are inserted as raw PFNs
 * (VM_PFNMAP, as vfio-pci maps BARs, so KVM can map them into a guest)
 * while vgpu->lock is held: a reset,
 * which zaps and discards under the same lock, either runs before the
 * fault (which then maps the new page) or after it (and zaps the PTE).
 * Every mapping of an instance's BAR0 is linked to the address space of a
 * private inode (set as the file's mapping at mmap time), so a
 * reset can zap all of them with unmap_mapping_range() before the VRAM
 * behind them is discarded: a stale mapping never reaches freed or reused
 * memory.
 *
 * While VRAM dirty tracking is on (vram_dirty.c), the fault handler maps
 * pages read-only until they are written, and makes them writable itself,
 * as .pfn_mkwrite, so that no write escapes a pre-copy round.
 *
 * A read fault on a page that has no backing (a backend with lazy backing,
 * mdgpu_backend_ops::vram_next, and a page never written since its last
 * discard) maps the shared zero page read-only instead of allocating: a
 * guest that scans or clears-by-reading its VRAM costs no memory. The
 * first write faults again (.pfn_mkwrite), allocates and maps the real
 * page writable. The page is noted in mdgpu_vgpu::zero_map, so whatever
 * else gives it backing (the engine, pwrite, a dma-buf, a resume; see
 * mdgpu_vgpu_vram_unzero()) first removes the zero page from every
 * mapping; a zap of all mappings clears the map.
 *
 * Locking: the fault handler runs under the mm's mmap_lock and takes
 * vgpu->lock; a reset holds vgpu->lock while it zaps and discards. User
 * memory is never touched under vgpu->lock (see region.c), which keeps
 * the order of Documentation/design.rst ("Locking").
 */
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>

#include "mdgpu.h"
#include "mdgpu_compat.h"
#include "mdgpu_dirty.h"

#define MDGPU_FS_MAGIC	0x6d646770	/* "mdgp" */

static struct vfsmount *mdgpu_mnt;
static int mdgpu_mnt_count;

static int mdgpu_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MDGPU_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: a mount would then pin the module for as long as an instance
 * exists, and rmmod could no longer remove instances. Every inode and the
 * mount itself are released before the module can go (instances are
 * released in module exit at the latest).
 */
static struct file_system_type mdgpu_fs_type = {
	.name = "mdgpu",
	.init_fs_context = mdgpu_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * mdgpu_vram_mmap_init() - create the instance's mapping inode
 * @vgpu: the instance, being initialised
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_vram_mmap_init(struct mdgpu_vgpu *vgpu)
{
	struct inode *inode;
	int ret;

	ret = simple_pin_fs(&mdgpu_fs_type, &mdgpu_mnt, &mdgpu_mnt_count);
	if (ret)
		return ret;
	inode = alloc_anon_inode(mdgpu_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		simple_release_fs(&mdgpu_mnt, &mdgpu_mnt_count);
		return PTR_ERR(inode);
	}
	vgpu->mmap_inode = inode;
	return 0;
}

/**
 * mdgpu_vram_mmap_fini() - drop the instance's mapping inode
 * @vgpu: the instance, being released; no mapping exists any more
 */
void mdgpu_vram_mmap_fini(struct mdgpu_vgpu *vgpu)
{
	bitmap_free(vgpu->zero_map);
	vgpu->zero_map = NULL;
	iput(vgpu->mmap_inode);
	vgpu->mmap_inode = NULL;
	simple_release_fs(&mdgpu_mnt, &mdgpu_mnt_count);
}

/**
 * mdgpu_vram_zap() - remove every user mapping of the instance's BAR0
 * @vgpu: the instance; caller holds vgpu->lock so no fault races in
 *
 * The next access faults again and maps whatever backs VRAM by then.
 */
void mdgpu_vram_zap(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	/* A discard or move of VRAM follows (vram_dirty.c counts backing). */
	mdgpu_vram_dirty_backing_changed(vgpu);
	unmap_mapping_range(vgpu->mmap_inode->i_mapping, 0, 0, true);
	if (vgpu->zero_map)
		bitmap_zero(vgpu->zero_map, vgpu->vram_size >> PAGE_SHIFT);
}

static int mdgpu_vram_file_release(struct inode *inode, struct file *file)
{
	fput(file->private_data);	/* the VFIO device file */
	return 0;
}

static const struct file_operations mdgpu_vram_fops = {
	.owner = THIS_MODULE,
	.release = mdgpu_vram_file_release,
};

/*
 * A read fault on the page at @off: if it has no backing, map the shared
 * zero page read-only and note it in zero_map. Return: VM_FAULT_NOPAGE
 * or an error if done, 0 to map the page's own frame.
 */
static vm_fault_t mdgpu_vram_fault_zero(struct mdgpu_vgpu *vgpu,
					struct vm_fault *vmf, u64 off)
{
	struct vm_area_struct *vma = vmf->vma;
	vm_fault_t ret;

	lockdep_assert_held(&vgpu->lock);
	if (!vgpu->parent->ops->vram_next ||
	    mdgpu_vgpu_vram_next(vgpu, off) == off)
		return 0;
	if (mdgpu_vgpu_vram_bad(vgpu, off, PAGE_SIZE))
		return VM_FAULT_SIGBUS;
	if (!vgpu->zero_map) {
		vgpu->zero_map = bitmap_zalloc(vgpu->vram_size >> PAGE_SHIFT,
					       GFP_KERNEL | __GFP_NOWARN);
		if (!vgpu->zero_map)
			return 0;	/* allocate the page instead */
	}
	/* vm_page_prot is read-only (.pfn_mkwrite), with the backend's cache. */
	ret = vmf_insert_pfn_prot(vma, vmf->address,
				  page_to_pfn(ZERO_PAGE(vmf->address)),
				  vma->vm_page_prot);
	if (ret == VM_FAULT_NOPAGE)
		set_bit(off >> PAGE_SHIFT, vgpu->zero_map);
	return ret;
}

/*
 * Both a fault on a missing PTE (.fault) and a write to a read-only one
 * (.pfn_mkwrite): the PTE is set here, under vgpu->lock, writable or not as
 * dirty tracking wants (vram_dirty.c); the core never upgrades it itself.
 */
static vm_fault_t mdgpu_vram_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mdgpu_vgpu *vgpu = vma->vm_private_data;
	u64 off = ((u64)vmf->pgoff << PAGE_SHIFT) & MDGPU_REGION_MASK;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool present = true;
	unsigned long pfn;
	vm_fault_t ret;
	int err;

	/* mmap checked the VMA; a fault beyond the BAR cannot happen. */
	if (off >= vgpu->vram_size)
		return VM_FAULT_SIGBUS;
	mutex_lock(&vgpu->lock);
	ret = write ? 0 : mdgpu_vram_fault_zero(vgpu, vmf, off);
	if (ret)
		goto unlock;
	/*
	 * The page gets backing: no mapping, this one included, may keep
	 * the zero page for it.
	 */
	if (write)
		present = !mdgpu_vgpu_vram_unzero(vgpu, off, PAGE_SIZE);
	err = mdgpu_vgpu_vram_pfn(vgpu, off, &pfn);
	if (!err)
		ret = mdgpu_vram_dirty_insert(vgpu, vmf, off, pfn, write,
					      present);
	else if (err == -ENOMEM)
		ret = VM_FAULT_OOM;
	else
		ret = VM_FAULT_SIGBUS;	/* an uncorrectable VRAM error */
unlock:
	mutex_unlock(&vgpu->lock);
	return ret;
}

#if MDGPU_HUGE_PFNMAP
/*
 * A fault the core offers to map with one PMD (2 MiB on x86): done when
 * the backend has that VRAM contiguous (mdgpu_vgpu_vram_pfn_pmd(), the
 * PCI parent), the 2 MiB lie inside the mapping at an aligned address and
 * an aligned VRAM offset, and dirty tracking is off (it writes-protects
 * and unmaps 4 KiB pages, so while it runs every fault maps one page; a
 * huge mapping left from before tracking started is removed by the first
 * round, which takes every page of such a backend). Everything else falls
 * back to 4 KiB pages (mdgpu_vram_fault()). The PMD is writable, as a
 * 4 KiB page is when tracking is off.
 */
static vm_fault_t mdgpu_vram_huge_fault(struct vm_fault *vmf,
					unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mdgpu_vgpu *vgpu = vma->vm_private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	vm_fault_t ret = VM_FAULT_FALLBACK;
	unsigned long pfn;
	u64 off;

	if (order != PMD_ORDER || addr < vma->vm_start ||
	    addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	off = ((u64)(vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT))
	       << PAGE_SHIFT) & MDGPU_REGION_MASK;
	if (!IS_ALIGNED(off, PMD_SIZE) || off >= vgpu->vram_size)
		return VM_FAULT_FALLBACK;
	mutex_lock(&vgpu->lock);
	if (!vgpu->dirty.tracking && !mdgpu_vgpu_vram_pfn_pmd(vgpu, off, &pfn))
		ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
					 true);
	mutex_unlock(&vgpu->lock);
	return ret;
}
#endif

/*
 * With .pfn_mkwrite the core maps shared writable VMAs read-only by default
 * (vma_wants_writenotify()); mdgpu_vram_fault() maps pages writable itself
 * whenever tracking does not need the write fault.
 */
static const struct vm_operations_struct mdgpu_vram_vm_ops = {
	.fault = mdgpu_vram_fault,
	.pfn_mkwrite = mdgpu_vram_fault,
#if MDGPU_HUGE_PFNMAP
	.huge_fault = mdgpu_vram_huge_fault,
#endif
};

/**
 * mdgpu_vram_mmap() - map (part of) BAR0
 * @vgpu: the instance
 * @vma: the new mapping; vm_pgoff selects region and offset as for pread
 *
 * Return: 0; -EINVAL for another region, a private mapping, or a range
 * that is not entirely inside BAR0.
 */
int mdgpu_vram_mmap(struct mdgpu_vgpu *vgpu, struct vm_area_struct *vma)
{
	u64 index = vma->vm_pgoff >> (MDGPU_REGION_SHIFT - PAGE_SHIFT);
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) & MDGPU_REGION_MASK;
	u64 len = vma->vm_end - vma->vm_start;
	struct file *file;

	if (index != VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (off >= vgpu->vram_size || len > vgpu->vram_size - off)
		return -EINVAL;

	/*
	 * alloc_file_pseudo() takes over one inode reference and, through
	 * the file's release, one reference on the fops' module: take both.
	 */
	__module_get(THIS_MODULE);
	ihold(vgpu->mmap_inode);
	file = alloc_file_pseudo(vgpu->mmap_inode, mdgpu_mnt, "mdgpu-vram",
				 O_RDWR, &mdgpu_vram_fops);
	if (IS_ERR(file)) {
		iput(vgpu->mmap_inode);
		module_put(THIS_MODULE);
		return PTR_ERR(file);
	}
	file->private_data = get_file(vma->vm_file);
	/* The VMA now holds our file, which holds the device file. */
	vma_set_file(vma, file);
	fput(file);

	mdgpu_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			   VM_DONTDUMP);
	/* The backend's caching attributes, e.g. write-combining for a BAR. */
	vma->vm_page_prot = mdgpu_vgpu_vram_pgprot(vgpu, vma->vm_page_prot);
	vma->vm_ops = &mdgpu_vram_vm_ops;
	vma->vm_private_data = vgpu;
	return 0;
}
