// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the bookkeeping of VRAM dirty tracking (pre-copy rounds).
 *
 * Two bitmaps of the instance's VRAM pages: @dirty, the pages written since
 * they were last taken into a round, and @round, the pages of the current
 * round still to send. Starting a round moves @dirty into @round (pages
 * left over from an unfinished round stay in it); the sender then takes
 * the pages of @round one by one, in ascending order. Pure logic: no lock,
 * no mm; vram_dirty.c serialises the calls and write-protects the pages.
 */
#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "mdgpu_dirty.h"

static unsigned long *mdgpu_dirty_bitmap_alloc(unsigned long nr_pages)
{
	return kvcalloc(BITS_TO_LONGS(nr_pages), sizeof(unsigned long),
			GFP_KERNEL_ACCOUNT);
}

/**
 * mdgpu_dirty_map_init() - a map of @nr_pages pages, all of them dirty
 * @map: the map
 * @nr_pages: number of VRAM pages, not 0
 *
 * Return: 0, -EINVAL for no pages, -ENOMEM.
 */
int mdgpu_dirty_map_init(struct mdgpu_dirty_map *map, unsigned long nr_pages)
{
	if (!nr_pages)
		return -EINVAL;
	map->dirty = mdgpu_dirty_bitmap_alloc(nr_pages);
	if (!map->dirty)
		return -ENOMEM;
	map->round = mdgpu_dirty_bitmap_alloc(nr_pages);
	if (!map->round) {
		kvfree(map->dirty);
		map->dirty = NULL;
		return -ENOMEM;
	}
	bitmap_set(map->dirty, 0, nr_pages);
	map->nr_pages = nr_pages;
	map->nr_dirty = nr_pages;
	map->nr_round = 0;
	map->cursor = 0;
	return 0;
}

/**
 * mdgpu_dirty_map_clear() - no page is dirty any more
 * @map: the map; its round's set is left as it is
 */
void mdgpu_dirty_map_clear(struct mdgpu_dirty_map *map)
{
	bitmap_zero(map->dirty, map->nr_pages);
	map->nr_dirty = 0;
}

/**
 * mdgpu_dirty_map_fini() - free a map's memory
 * @map: the map; may be zeroed or already finalised
 */
void mdgpu_dirty_map_fini(struct mdgpu_dirty_map *map)
{
	kvfree(map->dirty);
	kvfree(map->round);
	map->dirty = NULL;
	map->round = NULL;
	map->nr_pages = 0;
	map->nr_dirty = 0;
	map->nr_round = 0;
	map->cursor = 0;
}

/**
 * mdgpu_dirty_map_mark() - pages were written
 * @map: the map
 * @first: first page
 * @nr: number of pages; the part beyond the map is ignored
 */
void mdgpu_dirty_map_mark(struct mdgpu_dirty_map *map, unsigned long first,
			  unsigned long nr)
{
	unsigned long i, end;

	if (first >= map->nr_pages)
		return;
	end = first + min(nr, map->nr_pages - first);
	for (i = first; i < end; i++)
		if (!__test_and_set_bit(i, map->dirty))
			map->nr_dirty++;
}

/**
 * mdgpu_dirty_map_run() - the next run of dirty pages to write-protect
 * @map: the map
 * @from: look at pages from this one on
 * @nr: set to the run's length, 0 if there is none
 *
 * A run starts and ends with a dirty page; it may take in gaps of fewer
 * than MDGPU_DIRTY_MERGE_GAP clean pages.
 *
 * Return: the run's first page, or @map->nr_pages if there is none.
 */
unsigned long mdgpu_dirty_map_run(const struct mdgpu_dirty_map *map,
				  unsigned long from, unsigned long *nr)
{
	unsigned long first, end, next;

	*nr = 0;
	first = find_next_bit(map->dirty, map->nr_pages, from);
	if (first >= map->nr_pages)
		return map->nr_pages;
	end = find_next_zero_bit(map->dirty, map->nr_pages, first);
	while (end < map->nr_pages) {
		next = find_next_bit(map->dirty, map->nr_pages, end);
		if (next >= map->nr_pages || next - end >= MDGPU_DIRTY_MERGE_GAP)
			break;
		end = find_next_zero_bit(map->dirty, map->nr_pages, next);
	}
	*nr = end - first;
	return first;
}

/**
 * mdgpu_dirty_map_start_round() - the dirty pages become the round's set
 * @map: the map
 *
 * Pages still in the set from the round before stay in it.
 *
 * Return: the number of pages in the round's set.
 */
unsigned long mdgpu_dirty_map_start_round(struct mdgpu_dirty_map *map)
{
	bitmap_or(map->round, map->round, map->dirty, map->nr_pages);
	bitmap_zero(map->dirty, map->nr_pages);
	map->nr_dirty = 0;
	map->nr_round = bitmap_weight(map->round, map->nr_pages);
	map->cursor = 0;
	return map->nr_round;
}

/**
 * mdgpu_dirty_map_next() - take the next page of the round's set
 * @map: the map
 * @page: set to the page, which leaves the set
 *
 * Return: false once the set is empty.
 */
bool mdgpu_dirty_map_next(struct mdgpu_dirty_map *map, unsigned long *page)
{
	unsigned long p;

	if (!map->nr_round)
		return false;
	p = find_next_bit(map->round, map->nr_pages, map->cursor);
	if (WARN_ON_ONCE(p >= map->nr_pages)) {
		map->nr_round = 0;
		return false;
	}
	__clear_bit(p, map->round);
	map->nr_round--;
	map->cursor = p + 1;
	*page = p;
	return true;
}

/**
 * mdgpu_dirty_map_next_run() - take consecutive pages of the round's set
 * @map: the map
 * @max: the most pages to take
 * @first: set to the first page taken
 *
 * Takes the next page of the set and the pages of the set right after it,
 * at most @max in all: the pages one VRAM record of the stream carries.
 *
 * Return: the number of pages taken, 0 once the set is empty.
 */
unsigned long mdgpu_dirty_map_next_run(struct mdgpu_dirty_map *map,
				       unsigned long max, unsigned long *first)
{
	unsigned long p, end;

	if (!map->nr_round || !max)
		return 0;
	p = find_next_bit(map->round, map->nr_pages, map->cursor);
	if (WARN_ON_ONCE(p >= map->nr_pages)) {
		map->nr_round = 0;
		return 0;
	}
	end = find_next_zero_bit(map->round, map->nr_pages, p);
	end = min(end, p + max);
	bitmap_clear(map->round, p, end - p);
	map->nr_round -= end - p;
	map->cursor = end;
	*first = p;
	return end - p;
}

/**
 * mdgpu_dirty_map_pending() - pages still to send
 * @map: the map
 *
 * Return: the pages left in the round's set plus those dirty since (a page
 * in both counts twice: it is sent twice).
 */
unsigned long mdgpu_dirty_map_pending(const struct mdgpu_dirty_map *map)
{
	return map->nr_round + map->nr_dirty;
}
