/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VRAM range allocator of an mdgpu parent.
 *
 * Pure logic over plain data: the caller serialises every call on one map
 * (see struct mdgpu_parent::lock).
 */
#ifndef _MDGPU_VRAM_H
#define _MDGPU_VRAM_H

#include <linux/types.h>

/**
 * struct mdgpu_vram_map - which granules of a parent's VRAM are in use
 * @used: one bit per granule, set while an instance owns it
 * @retired: one bit per granule, set for good once it had an uncorrectable
 *	     error: never allocated again (mdgpu_vram_retire())
 * @nr_granules: number of granules ranges may use: the VRAM that may be
 *		 promised (mdgpu_vram_promise()) >> @granule_shift
 * @max_granules: number of granules the bitmaps hold, the most
 *		  @nr_granules may grow to (mdgpu_vram_map_resize())
 * @granule_shift: log2 of the granule size in bytes
 *
 * Ranges are power-of-two multiples of the granule, aligned to their own
 * size (buddy-style). Because aligned ranges of one size never overlap, the
 * number of free aligned ranges of a size is exactly how many more instances
 * of that size fit, whatever else is allocated.
 */
struct mdgpu_vram_map {
	unsigned long *used;
	unsigned long *retired;
	u32 nr_granules;
	u32 max_granules;
	u32 granule_shift;
};

/*
 * VRAM oversubscription ratio, in thousandths: 1000 promises exactly the
 * VRAM there is, 3000 (the most) three times as much.
 */
#define MDGPU_VRAM_RATIO_MIN	1000
#define MDGPU_VRAM_RATIO_MAX	3000

/**
 * struct mdgpu_vram_range - an allocation, in granules
 * @start: first granule, a multiple of @n
 * @n: number of granules, a power of two
 */
struct mdgpu_vram_range {
	u32 start;
	u32 n;
};

/**
 * struct mdgpu_vram_move - one step of a compaction plan
 * @range: which range moves (index in the planner's list of ranges)
 * @from: its first granule before the step
 * @to: its first granule after the step
 * @n: its size in granules
 */
struct mdgpu_vram_move {
	u32 range;
	u32 from;
	u32 to;
	u32 n;
};

int mdgpu_vram_map_init(struct mdgpu_vram_map *map, u64 size,
			u32 granule_shift);
int mdgpu_vram_map_init_max(struct mdgpu_vram_map *map, u64 size,
			    u64 max_size, u32 granule_shift);
void mdgpu_vram_map_fini(struct mdgpu_vram_map *map);
int mdgpu_vram_map_resize(struct mdgpu_vram_map *map, u64 size);
int mdgpu_vram_ratio_valid(u32 permille, bool lazy);
u64 mdgpu_vram_promise(u64 vram_size, u32 permille, u32 granule_shift);
int mdgpu_vram_size_check(const struct mdgpu_vram_map *map, u64 size);
int mdgpu_vram_alloc(struct mdgpu_vram_map *map, u64 size, u64 *offset);
void mdgpu_vram_free(struct mdgpu_vram_map *map, u64 offset, u64 size);
int mdgpu_vram_claim(struct mdgpu_vram_map *map, u64 offset, u64 size);
bool mdgpu_vram_range_retired(const struct mdgpu_vram_map *map, u64 offset,
			      u64 size);
u32 mdgpu_vram_free_slots(const struct mdgpu_vram_map *map, u64 size);
u64 mdgpu_vram_used_bytes(const struct mdgpu_vram_map *map);
int mdgpu_vram_retire(struct mdgpu_vram_map *map, u64 offset);
u64 mdgpu_vram_retired_bytes(const struct mdgpu_vram_map *map);

/* vram_compact.c */
u64 mdgpu_vram_largest_free(const struct mdgpu_vram_map *map);
int mdgpu_vram_plan_compact(const struct mdgpu_vram_map *map,
			    const struct mdgpu_vram_range *ranges,
			    u32 nr_ranges, struct mdgpu_vram_move *moves,
			    u32 max_moves, u32 *nr_moves);

#endif /* _MDGPU_VRAM_H */
