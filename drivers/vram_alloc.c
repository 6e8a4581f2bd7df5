// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: VRAM range allocator.
 *
 * Each instance gets one contiguous range of its parent's VRAM, sized by its
 * type and aligned to that size. Allocation picks, among the free aligned
 * ranges of the requested size, the one whose largest enclosing free block
 * is smallest: like a buddy allocator it splits small free blocks before
 * large ones, so big types stay creatable for as long as possible.
 */
#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "mdgpu_vram.h"

/* Enough granules for 64 TiB at 1 MiB granules; bounds the bitmap. */
#define MDGPU_VRAM_MAX_GRANULES	BIT(26)

/**
 * mdgpu_vram_map_init() - set up an empty map
 * @map: the map
 * @size: VRAM size in bytes; a non-zero multiple of the granule
 * @granule_shift: log2 of the granule size, 12 (4 KiB) to 30 (1 GiB)
 *
 * Return: 0, -EINVAL for a bad size or granule, -ENOMEM.
 */
int mdgpu_vram_map_init(struct mdgpu_vram_map *map, u64 size,
			u32 granule_shift)
{
	return mdgpu_vram_map_init_max(map, size, size, granule_shift);
}

/**
 * mdgpu_vram_map_init_max() - set up an empty map that may grow
 * @map: the map
 * @size: its size in bytes now; a non-zero multiple of the granule
 * @max_size: the most it may grow to (mdgpu_vram_map_resize()), at
 *	      least @size, a multiple of the granule
 * @granule_shift: log2 of the granule size, 12 (4 KiB) to 30 (1 GiB)
 *
 * Return: 0, -EINVAL for a bad size or granule, -ENOMEM.
 */
int mdgpu_vram_map_init_max(struct mdgpu_vram_map *map, u64 size,
			    u64 max_size, u32 granule_shift)
{
	u64 n, max;

	if (granule_shift < 12 || granule_shift > 30)
		return -EINVAL;
	n = size >> granule_shift;
	max = max_size >> granule_shift;
	if (!n || n << granule_shift != size || max < n ||
	    max << granule_shift != max_size || max > MDGPU_VRAM_MAX_GRANULES)
		return -EINVAL;
	map->used = bitmap_zalloc(max, GFP_KERNEL);
	if (!map->used)
		return -ENOMEM;
	map->retired = bitmap_zalloc(max, GFP_KERNEL);
	if (!map->retired) {
		bitmap_free(map->used);
		map->used = NULL;
		return -ENOMEM;
	}
	map->nr_granules = n;
	map->max_granules = max;
	map->granule_shift = granule_shift;
	return 0;
}

/**
 * mdgpu_vram_map_resize() - grow or shrink the allocatable part of a map
 * @map: the map
 * @size: the new size in bytes, a non-zero multiple of the granule, at
 *	  most the map's maximum size
 *
 * Growing always works; shrinking works only while no granule at or past
 * the new end is owned, so no existing range is cut. Retired granules past
 * the end stay retired. Allocates nothing, so it cannot fail for memory.
 *
 * Return: 0, -EINVAL for a bad size, -EBUSY if an owned range reaches
 * past @size.
 */
int mdgpu_vram_map_resize(struct mdgpu_vram_map *map, u64 size)
{
	u64 n = size >> map->granule_shift;

	if (!n || n << map->granule_shift != size || n > map->max_granules)
		return -EINVAL;
	if (n < map->nr_granules &&
	    find_next_bit(map->used, map->nr_granules, n) < map->nr_granules)
		return -EBUSY;
	map->nr_granules = n;
	return 0;
}

/**
 * mdgpu_vram_ratio_valid() - whether an oversubscription ratio is allowed
 * @permille: the ratio in thousandths (1000: promise exactly the VRAM)
 * @lazy: the VRAM has lazy backing (only then may it be oversubscribed)
 *
 * Return: 0; -ERANGE below MDGPU_VRAM_RATIO_MIN or above
 * MDGPU_VRAM_RATIO_MAX; -EOPNOTSUPP for a ratio other than 1000 on VRAM
 * without lazy backing.
 */
int mdgpu_vram_ratio_valid(u32 permille, bool lazy)
{
	if (permille < MDGPU_VRAM_RATIO_MIN || permille > MDGPU_VRAM_RATIO_MAX)
		return -ERANGE;
	if (!lazy && permille != MDGPU_VRAM_RATIO_MIN)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * mdgpu_vram_promise() - how much VRAM instances may be promised
 * @vram_size: the parent's VRAM in bytes
 * @permille: oversubscription ratio in thousandths, valid
 *	      (mdgpu_vram_ratio_valid())
 * @granule_shift: log2 of the granule size
 *
 * Return: @vram_size times @permille / 1000, rounded down to a whole
 * granule and never below @vram_size.
 */
u64 mdgpu_vram_promise(u64 vram_size, u32 permille, u32 granule_shift)
{
	u64 p = mul_u64_u32_div(vram_size, permille, 1000);

	p = round_down(p, 1ULL << granule_shift);
	return max(p, vram_size);
}

/**
 * mdgpu_vram_map_fini() - free a map's memory
 * @map: the map; may be zeroed or already finalised
 */
void mdgpu_vram_map_fini(struct mdgpu_vram_map *map)
{
	bitmap_free(map->used);
	bitmap_free(map->retired);
	map->used = NULL;
	map->retired = NULL;
	map->nr_granules = 0;
	map->max_granules = 0;
}

/**
 * mdgpu_vram_size_check() - whether a range size is allocatable in a map
 * @map: the map
 * @size: range size in bytes
 *
 * Return: 0 if @size is a power-of-two multiple of the granule no larger
 * than the map, -EINVAL otherwise.
 */
int mdgpu_vram_size_check(const struct mdgpu_vram_map *map, u64 size)
{
	u64 g = size >> map->granule_shift;

	if (!g || g << map->granule_shift != size || !is_power_of_2(g) ||
	    g > map->nr_granules)
		return -EINVAL;
	return 0;
}

/* No granule of the range is owned or retired. */
static bool range_free(const struct mdgpu_vram_map *map, u32 start, u32 n)
{
	return find_next_bit(map->used, start + n, start) >= start + n &&
	       find_next_bit(map->retired, start + n, start) >= start + n;
}

/*
 * Whether the aligned block of @s granules at @base is a largest free block:
 * free, and its parent block of 2 * @s granules either does not fit in the
 * map or is not free (its other half, the buddy, has a used or retired
 * granule).
 */
static bool block_maximal(const struct mdgpu_vram_map *map, u32 base, u32 s)
{
	u64 up = (u64)s * 2;

	if (!range_free(map, base, s))
		return false;
	return (base & ~(up - 1)) + up > map->nr_granules ||
	       !range_free(map, base ^ s, s);
}

/**
 * mdgpu_vram_alloc() - allocate a range
 * @map: the map
 * @size: range size in bytes, see mdgpu_vram_size_check()
 * @offset: the range's byte offset in VRAM, on success
 *
 * Takes the first aligned range of @size in the smallest largest free
 * block that holds one (lowest address on ties). Every aligned range of a
 * largest free block of s granules has s as its largest free enclosing
 * block, so looking for such blocks size by size, from @size up, finds it
 * in O(map size) bit tests per size, instead of measuring the enclosing
 * block of every free range (O(map size) each, which cost 20-70 ms per
 * create on an empty 64 GiB parent under emulation).
 *
 * Return: 0, -EINVAL for a bad size, -ENOSPC if no aligned range is free.
 */
int mdgpu_vram_alloc(struct mdgpu_vram_map *map, u64 size, u64 *offset)
{
	int ret = mdgpu_vram_size_check(map, size);
	u32 n, s, start;

	if (ret)
		return ret;
	n = size >> map->granule_shift;
	for (s = n; s <= map->nr_granules; s *= 2) {
		for (start = 0; start + s <= map->nr_granules; start += s) {
			if (!block_maximal(map, start, s))
				continue;
			bitmap_set(map->used, start, n);
			*offset = (u64)start << map->granule_shift;
			return 0;
		}
	}
	return -ENOSPC;
}

/**
 * mdgpu_vram_free() - give a range back
 * @map: the map
 * @offset: byte offset returned by mdgpu_vram_alloc()
 * @size: the size passed to mdgpu_vram_alloc()
 */
void mdgpu_vram_free(struct mdgpu_vram_map *map, u64 offset, u64 size)
{
	u64 start = offset >> map->granule_shift;
	u64 n = size >> map->granule_shift;

	if (WARN_ON_ONCE(start + n > map->nr_granules))
		return;
	bitmap_clear(map->used, start, n);
}

/**
 * mdgpu_vram_claim() - allocate a given range
 * @map: the map
 * @offset: byte offset of the range, aligned to @size
 * @size: range size in bytes, see mdgpu_vram_size_check()
 *
 * For moving an allocation: the caller frees the old range once the move
 * is done.
 *
 * Return: 0, -EINVAL for a bad size or offset, -EBUSY if a granule of the
 * range is used, -EIO if one is retired.
 */
int mdgpu_vram_claim(struct mdgpu_vram_map *map, u64 offset, u64 size)
{
	u32 start, n;

	if (mdgpu_vram_size_check(map, size) || offset & (size - 1) ||
	    offset >> map->granule_shift >= map->nr_granules ||
	    size > ((u64)map->nr_granules << map->granule_shift) - offset)
		return -EINVAL;
	start = offset >> map->granule_shift;
	n = size >> map->granule_shift;
	if (find_next_bit(map->retired, start + n, start) < start + n)
		return -EIO;
	if (find_next_bit(map->used, start + n, start) < start + n)
		return -EBUSY;
	bitmap_set(map->used, start, n);
	return 0;
}

/**
 * mdgpu_vram_range_retired() - whether a range holds a retired granule
 * @map: the map
 * @offset: byte offset of the range
 * @size: its size in bytes; the range is inside the map
 *
 * Return: true if a granule of the range is retired.
 */
bool mdgpu_vram_range_retired(const struct mdgpu_vram_map *map, u64 offset,
			      u64 size)
{
	u64 start = offset >> map->granule_shift;
	u64 end = (offset + size - 1) >> map->granule_shift;

	if (WARN_ON_ONCE(!size || end >= map->nr_granules))
		return true;
	return find_next_bit(map->retired, end + 1, start) <= end;
}

/**
 * mdgpu_vram_free_slots() - how many more ranges of a size fit
 * @map: the map
 * @size: range size in bytes
 *
 * Return: the number of free aligned ranges of @size, which is how many
 * allocations of @size would succeed in a row; 0 for an invalid size.
 */
u32 mdgpu_vram_free_slots(const struct mdgpu_vram_map *map, u64 size)
{
	u32 n, start, count = 0;

	if (mdgpu_vram_size_check(map, size))
		return 0;
	n = size >> map->granule_shift;
	for (start = 0; start + n <= map->nr_granules; start += n)
		if (range_free(map, start, n))
			count++;
	return count;
}

/**
 * mdgpu_vram_used_bytes() - VRAM currently allocated
 * @map: the map
 *
 * Return: allocated bytes.
 */
u64 mdgpu_vram_used_bytes(const struct mdgpu_vram_map *map)
{
	return (u64)bitmap_weight(map->used, map->nr_granules)
	       << map->granule_shift;
}

/**
 * mdgpu_vram_retire() - never hand out the granule holding a byte again
 * @map: the map
 * @offset: byte offset of a bad location in VRAM
 *
 * The granule stays with its owner, if it has one, until that owner frees
 * its range; from then on, and at once if it is free, no allocation
 * includes it. There is no way back.
 *
 * Return: 1 if the granule was retired now, 0 if it already was, -EINVAL
 * for an offset outside the map.
 */
int mdgpu_vram_retire(struct mdgpu_vram_map *map, u64 offset)
{
	u64 g = offset >> map->granule_shift;

	if (g >= map->nr_granules)
		return -EINVAL;
	if (test_bit(g, map->retired))
		return 0;
	set_bit(g, map->retired);
	return 1;
}

/**
 * mdgpu_vram_retired_bytes() - VRAM retired by mdgpu_vram_retire()
 * @map: the map
 *
 * Return: retired bytes, owned or not.
 */
u64 mdgpu_vram_retired_bytes(const struct mdgpu_vram_map *map)
{
	return (u64)bitmap_weight(map->retired, map->nr_granules)
	       << map->granule_shift;
}
