// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the backend of a PCI parent, whose VRAM is a memory BAR.
 */

/**
 * DOC: PCI parent backend
 *
 * The VRAM of a PCI parent (pci_parent.c) is device memory: one memory BAR
 * of the PCI device, e.g. the shared memory of QEMU's ``ivshmem-plain``.
 * It has no struct pages, so:
 *
 * - The kernel reaches it through one write-combining mapping of the whole
 *   BAR (memremap(MEMREMAP_WC), which on x86 also records the range's
 *   memory type, so user mappings get the same). Reads through it are
 *   uncached and slow; the core reads VRAM only for the engine's commands,
 *   pread of BAR0, region display planes and migration.
 * - Users map it by page frame number with write-combining
 *   (->vram_pfn, ->vram_pgprot), as vfio-pci maps a BAR; 2 MiB at a time
 *   (->vram_pfn_pmd) where the kernel maps huge PFN ranges and the
 *   mapping is aligned (see vram_mmap.c).
 * - There is no lazy backing: every byte exists whether used or not, so a
 *   discard (reset, close, release, the source of a relocation) writes
 *   zeroes, and the whole BAR is zeroed when the parent is set up. Only
 *   the 1 MiB pieces (MDGPU_PCI_ZERO_CHUNK) that may have been written
 *   since they were last zeroed are zeroed again: a piece counts as
 *   written from the first write through the kernel's mapping (->vram_rw,
 *   ->vram_copy) or the first user mapping of a page in it (->vram_pfn,
 *   ->vram_pfn_pmd: a mapped page can be written at any time). That costs
 *   time proportional to what was used (a write-combined memset: on real
 *   hardware several GB/s; in a QEMU TCG test VM about a second per
 *   64 MiB), done with the instance's lock held, where the simulated
 *   backend frees pages.
 * - No dma-buf export: it needs pages (->vram_page is absent), so the
 *   instances offer region display planes only.
 * - No ->vram_move: relocation copies through ->vram_copy and zeroes the
 *   source. No ->vram_next: migration sends every page, and the first
 *   pre-copy round holds the whole VRAM of the instance.
 * - No bad pages and no fault injection of VRAM errors (->vram_bad and
 *   ->vram_poison are absent).
 * - Engine commands run on the CPU through the mapping, as on the
 *   simulated parent (the CPU executor, cpu_exec.c).
 */
#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "mdgpu.h"
#include "mdgpu_pci.h"

/* [@offset, @offset + @len) of the BAR may be written from now on. */
static void mdgpu_pci_mark(struct mdgpu_pci *pci, u64 offset, u64 len)
{
	u64 c, last;

	if (!len)
		return;
	last = (offset + len - 1) / MDGPU_PCI_ZERO_CHUNK;
	for (c = offset / MDGPU_PCI_ZERO_CHUNK; c <= last; c++)
		set_bit(c, pci->written);
}

/*
 * Zero the written pieces of [@offset, @offset + @len), one piece between
 * two chances to reschedule. A piece only partly in the range stays
 * marked: its other part is not ours to zero.
 */
static void mdgpu_pci_discard(struct mdgpu_parent *parent, u64 offset,
			      u64 len)
{
	struct mdgpu_pci *pci = parent->backend;

	while (len) {
		u64 c = offset / MDGPU_PCI_ZERO_CHUNK;
		u64 in = offset % MDGPU_PCI_ZERO_CHUNK;
		u64 n = min_t(u64, len, MDGPU_PCI_ZERO_CHUNK - in);

		if (test_bit(c, pci->written)) {
			memset(pci->vram + offset, 0, n);
			if (n == MDGPU_PCI_ZERO_CHUNK)
				clear_bit(c, pci->written);
			cond_resched();
		}
		offset += n;
		len -= n;
	}
}

static int mdgpu_pci_init(struct mdgpu_parent *parent)
{
	struct mdgpu_pci *pci = parent->backend;
	int ret;

	pci->written = bitmap_zalloc(DIV_ROUND_UP(parent->vram_size,
						  MDGPU_PCI_ZERO_CHUNK),
				     GFP_KERNEL);
	if (!pci->written)
		return -ENOMEM;
	ret = mdgpu_cpu_exec_init(&pci->exec);
	if (ret)
		goto free_written;
	pci->vram = memremap(pci->base, parent->vram_size, MEMREMAP_WC);
	if (!pci->vram) {
		ret = -ENOMEM;
		goto fini_exec;
	}
	/* Whatever the memory held before is nobody's business. */
	mdgpu_pci_mark(pci, 0, parent->vram_size);
	mdgpu_pci_discard(parent, 0, parent->vram_size);
	return 0;

fini_exec:
	mdgpu_cpu_exec_fini(&pci->exec);
free_written:
	bitmap_free(pci->written);
	pci->written = NULL;
	return ret;
}

static void mdgpu_pci_fini(struct mdgpu_parent *parent)
{
	struct mdgpu_pci *pci = parent->backend;

	memunmap(pci->vram);
	pci->vram = NULL;
	mdgpu_cpu_exec_fini(&pci->exec);
	bitmap_free(pci->written);
	pci->written = NULL;
}

static int mdgpu_pci_vram_rw(struct mdgpu_parent *parent, u64 offset,
			     void *buf, size_t len, bool write)
{
	struct mdgpu_pci *pci = parent->backend;

	if (write) {
		mdgpu_pci_mark(pci, offset, len);
		memcpy(pci->vram + offset, buf, len);
	} else {
		memcpy(buf, pci->vram + offset, len);
	}
	return 0;
}

static int mdgpu_pci_vram_copy(struct mdgpu_parent *parent, u64 dst, u64 src,
			       size_t len)
{
	struct mdgpu_pci *pci = parent->backend;

	mdgpu_pci_mark(pci, dst, len);
	memcpy(pci->vram + dst, pci->vram + src, len);
	return 0;
}

static int mdgpu_pci_vram_pfn(struct mdgpu_parent *parent, u64 offset,
			      unsigned long *pfn)
{
	struct mdgpu_pci *pci = parent->backend;

	/* A user mapping writes without telling us. */
	mdgpu_pci_mark(pci, offset, PAGE_SIZE);
	*pfn = PHYS_PFN(pci->base + offset);
	return 0;
}

/* The BAR is contiguous: any aligned 2 MiB of it can be one huge mapping. */
static int mdgpu_pci_vram_pfn_pmd(struct mdgpu_parent *parent, u64 offset,
				  unsigned long *pfn)
{
	struct mdgpu_pci *pci = parent->backend;

	mdgpu_pci_mark(pci, offset, PMD_SIZE);
	*pfn = PHYS_PFN(pci->base + offset);
	return 0;
}

static pgprot_t mdgpu_pci_vram_pgprot(struct mdgpu_parent *parent,
				      pgprot_t prot)
{
	return pgprot_writecombine(prot);
}

static int mdgpu_pci_run_chunk(struct mdgpu_parent *parent,
			       struct mdgpu_chunk *chunk)
{
	struct mdgpu_pci *pci = parent->backend;

	return mdgpu_cpu_exec_run(&pci->exec, chunk);
}

const struct mdgpu_backend_ops mdgpu_pci_ops = {
	.name = "pci",
	.init = mdgpu_pci_init,
	.fini = mdgpu_pci_fini,
	.vram_rw = mdgpu_pci_vram_rw,
	.vram_discard = mdgpu_pci_discard,
	.vram_pfn = mdgpu_pci_vram_pfn,
	.vram_pfn_pmd = mdgpu_pci_vram_pfn_pmd,
	.vram_pgprot = mdgpu_pci_vram_pgprot,
	.vram_copy = mdgpu_pci_vram_copy,
	.run_chunk = mdgpu_pci_run_chunk,
};
