/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty tracking of an instance's VRAM, for VFIO pre-copy (vram_dirty.c),
 * and the round bookkeeping under it (dirty_map.c).
 *
 * struct mdgpu_dirty_map and the mdgpu_dirty_map_*() functions are pure
 * logic over plain data: the caller serialises every call on one map (the
 * instance's mdgpu_vgpu::lock). Pages are host pages (PAGE_SIZE).
 */
#ifndef _MDGPU_DIRTY_H
#define _MDGPU_DIRTY_H

#include <linux/mm_types.h>
#include <linux/types.h>

/*
 * Two dirty runs closer than this many clean pages are write-protected as
 * one (fewer TLB flushes and MMU notifier calls for scattered writes, at the
 * price of a refault of the clean pages in between).
 */
#define MDGPU_DIRTY_MERGE_GAP	8

/**
 * struct mdgpu_dirty_map - which VRAM pages to send
 * @dirty: pages written since they were last taken into a round
 * @round: the current round's set: pages still to send in this round
 * @nr_pages: bits in @dirty and @round
 * @nr_dirty: bits set in @dirty
 * @nr_round: bits set in @round
 * @cursor: no bit of @round is set below it
 */
struct mdgpu_dirty_map {
	unsigned long *dirty;
	unsigned long *round;
	unsigned long nr_pages;
	unsigned long nr_dirty;
	unsigned long nr_round;
	unsigned long cursor;
};

int mdgpu_dirty_map_init(struct mdgpu_dirty_map *map, unsigned long nr_pages);
void mdgpu_dirty_map_fini(struct mdgpu_dirty_map *map);
void mdgpu_dirty_map_clear(struct mdgpu_dirty_map *map);
void mdgpu_dirty_map_mark(struct mdgpu_dirty_map *map, unsigned long first,
			  unsigned long nr);
unsigned long mdgpu_dirty_map_run(const struct mdgpu_dirty_map *map,
				  unsigned long from, unsigned long *nr);
unsigned long mdgpu_dirty_map_start_round(struct mdgpu_dirty_map *map);
bool mdgpu_dirty_map_next(struct mdgpu_dirty_map *map, unsigned long *page);
unsigned long mdgpu_dirty_map_next_run(struct mdgpu_dirty_map *map,
				       unsigned long max, unsigned long *first);
unsigned long mdgpu_dirty_map_pending(const struct mdgpu_dirty_map *map);

/**
 * struct mdgpu_vram_dirty - an instance's VRAM dirty tracking
 * @tracking: between mdgpu_vram_dirty_start() and mdgpu_vram_dirty_stop()
 * @map: the pages to send, while @tracking
 * @backed: pages with backing when last counted, while @backed_ok
 * @backed_ok: nothing may have given a page backing or taken it away
 *	       since @backed was counted (mdgpu_vram_dirty_backed())
 *
 * All under mdgpu_vgpu::lock.
 */
struct mdgpu_vram_dirty {
	bool tracking;
	struct mdgpu_dirty_map map;
	u64 backed;
	bool backed_ok;
};

struct mdgpu_vgpu;
struct vm_fault;

/* vram_dirty.c: the instance's tracking; callers hold vgpu->lock */
int mdgpu_vram_dirty_start(struct mdgpu_vgpu *vgpu);
void mdgpu_vram_dirty_stop(struct mdgpu_vgpu *vgpu);
void mdgpu_vram_dirty_only_backed(struct mdgpu_vgpu *vgpu);
void mdgpu_vram_dirty_mark(struct mdgpu_vgpu *vgpu, u64 off, u64 len);
u64 mdgpu_vram_dirty_round(struct mdgpu_vgpu *vgpu);
bool mdgpu_vram_dirty_next(struct mdgpu_vgpu *vgpu, u64 *off);
u64 mdgpu_vram_dirty_next_run(struct mdgpu_vgpu *vgpu, u64 *off,
			      u64 max_pages);
u64 mdgpu_vram_dirty_pending(struct mdgpu_vgpu *vgpu);
void mdgpu_vram_dirty_backing_changed(struct mdgpu_vgpu *vgpu);
u64 mdgpu_vram_dirty_backed(struct mdgpu_vgpu *vgpu);
/* ... and the BAR0 fault paths (vram_mmap.c) */
vm_fault_t mdgpu_vram_dirty_insert(struct mdgpu_vgpu *vgpu,
				   struct vm_fault *vmf, u64 off,
				   unsigned long pfn, bool write, bool present);

#endif /* _MDGPU_DIRTY_H */
