// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: planning the compaction of a parent's VRAM.
 *
 * Pure logic over a struct mdgpu_vram_map and the list of ranges that may
 * move; drivers/relocate.c carries a plan out. The goal is the largest
 * free aligned block an allocation can use (mdgpu_vram_largest_free()).
 *
 * The planner looks for the largest aligned block, larger than the largest
 * free one today, that it can empty: a block holding no retired granule
 * and no granule of a range that may not move (a range not in the list,
 * such as one being created or released, or one holding a retired
 * granule), whose ranges can each be placed somewhere outside it. A range
 * that finds no free aligned slot outside makes room recursively: an
 * aligned slot of its size holding only smaller movable ranges is emptied
 * the same way, outside every block already being emptied. Among blocks of
 * one size, those holding the fewest used granules are tried first.
 *
 * Every step of a plan moves one range into space that is free (neither
 * used nor retired) at that point of the plan, so carrying the steps out
 * in order never overlaps two live ranges. Block sizes are tried from
 * twice the largest free block upwards, and the search for each is bounded
 * (MDGPU_COMPACT_BUDGET steps): the plan is that of the largest size
 * reached, possibly none.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "mdgpu_vram.h"

/* Bound on the search work for one block size (blocks looked at). */
#define MDGPU_COMPACT_BUDGET	20000
/* Nesting of blocks being emptied: sizes halve at each level. */
#define MDGPU_COMPACT_DEPTH	32

/**
 * struct mdgpu_compact - state of one planning run
 * @used: working copy of the map's used bitmap, updated by each step
 * @retired: the map's retired bitmap
 * @nr_granules: size of the map
 * @ranges: the movable ranges; @start follows the plan
 * @nr_ranges: entries in @ranges
 * @moves: the plan so far (a scratch copy of the caller's)
 * @nr_moves: steps in @moves
 * @max_moves: room in @moves
 * @budget: search steps left
 * @ex: blocks being emptied, which no step may move into
 * @nr_ex: entries in @ex
 */
struct mdgpu_compact {
	unsigned long *used;
	const unsigned long *retired;
	u32 nr_granules;
	struct mdgpu_vram_range *ranges;
	u32 nr_ranges;
	struct mdgpu_vram_move *moves;
	u32 nr_moves;
	u32 max_moves;
	u32 budget;
	struct mdgpu_vram_range ex[MDGPU_COMPACT_DEPTH];
	u32 nr_ex;
};

/* Number of set bits of @bits in [@start, @start + @n). */
static u32 bits_in(const unsigned long *bits, u32 start, u32 n)
{
	u32 end = start + n, count = 0, i;

	for (i = find_next_bit(bits, end, start); i < end;
	     i = find_next_bit(bits, end, i + 1))
		count++;
	return count;
}

static bool none_in(const unsigned long *bits, u32 start, u32 n)
{
	return find_next_bit(bits, start + n, start) >= start + n;
}

/* Neither used nor retired. */
static bool block_free(const unsigned long *used, const unsigned long *retired,
		       u32 start, u32 n)
{
	return none_in(used, start, n) && none_in(retired, start, n);
}

/* Size in granules of the largest free aligned block, 0 if none. */
static u32 largest_free(const unsigned long *used,
			const unsigned long *retired, u32 nr)
{
	u32 n, start;

	for (n = rounddown_pow_of_two(nr); n; n >>= 1)
		for (start = 0; start + n <= nr; start += n)
			if (block_free(used, retired, start, n))
				return n;
	return 0;
}

/**
 * mdgpu_vram_largest_free() - the largest range an allocation could get
 * @map: the map
 *
 * Return: the size in bytes of the largest free (neither used nor retired)
 * block that is aligned to its power-of-two size, 0 if none is.
 */
u64 mdgpu_vram_largest_free(const struct mdgpu_vram_map *map)
{
	return (u64)largest_free(map->used, map->retired, map->nr_granules)
	       << map->granule_shift;
}

static bool overlaps(u32 a, u32 an, u32 b, u32 bn)
{
	return a < b + bn && b < a + an;
}

static bool excluded(const struct mdgpu_compact *c, u32 start, u32 n)
{
	u32 i;

	for (i = 0; i < c->nr_ex; i++)
		if (overlaps(start, n, c->ex[i].start, c->ex[i].n))
			return true;
	return false;
}

/*
 * Whether the block can be emptied by moving ranges: no retired granule,
 * and every used granule belongs to a movable range smaller than the block
 * and inside it (moving a range of the block's size would only swap it
 * with a free block of that size). Sets *@load to the number of used
 * granules.
 */
static bool evacuable(const struct mdgpu_compact *c, u32 start, u32 n,
		      u32 *load)
{
	u32 used, inside = 0, i;

	if (!none_in(c->retired, start, n))
		return false;
	used = bits_in(c->used, start, n);
	for (i = 0; i < c->nr_ranges && inside < used; i++) {
		const struct mdgpu_vram_range *r = &c->ranges[i];

		if (r->n < n && r->start >= start &&
		    r->start + r->n <= start + n)
			inside += r->n;
	}
	*load = used;
	return inside == used;
}

/* Size of the largest free aligned block around a free aligned slot. */
static u32 free_around(const struct mdgpu_compact *c, u32 start, u32 n)
{
	while ((u64)n * 2 <= c->nr_granules) {
		u32 up = n * 2, base = start & ~(up - 1);

		if (base + up > c->nr_granules ||
		    !block_free(c->used, c->retired, base, up))
			break;
		n = up;
	}
	return n;
}

static int do_move(struct mdgpu_compact *c, u32 r, u32 to)
{
	struct mdgpu_vram_range *range = &c->ranges[r];
	struct mdgpu_vram_move *m;

	if (c->nr_moves == c->max_moves)
		return -ENOSPC;
	m = &c->moves[c->nr_moves++];
	m->range = r;
	m->from = range->start;
	m->to = to;
	m->n = range->n;
	bitmap_clear(c->used, m->from, m->n);
	bitmap_set(c->used, m->to, m->n);
	range->start = to;
	return 0;
}

/* Take back the steps after the first @keep. */
static void undo_to(struct mdgpu_compact *c, u32 keep)
{
	while (c->nr_moves > keep) {
		struct mdgpu_vram_move *m = &c->moves[--c->nr_moves];

		bitmap_clear(c->used, m->to, m->n);
		bitmap_set(c->used, m->from, m->n);
		c->ranges[m->range].start = m->from;
	}
}

static int evacuate(struct mdgpu_compact *c, u32 start, u32 n);

/*
 * A slot of @n granules outside every excluded block that is free, made
 * free if need be. Return: its first granule, or a negative errno.
 */
static s64 place(struct mdgpu_compact *c, u32 n)
{
	u32 s, best_around = U32_MAX, load;
	s64 best = -ENOSPC;

	for (s = 0; s + n <= c->nr_granules; s += n) {
		u32 around;

		if (!block_free(c->used, c->retired, s, n) ||
		    excluded(c, s, n))
			continue;
		around = free_around(c, s, n);
		if (around < best_around) {
			best = s;
			best_around = around;
			if (around == n)
				break;
		}
	}
	if (best >= 0)
		return best;

	/* Make room: empty a slot holding only smaller ranges. */
	for (s = 0; s + n <= c->nr_granules; s += n) {
		u32 keep = c->nr_moves;

		if (!c->budget)
			return -EAGAIN;
		c->budget--;
		if (excluded(c, s, n) || !evacuable(c, s, n, &load))
			continue;
		if (!evacuate(c, s, n))
			return s;
		undo_to(c, keep);
	}
	return -ENOSPC;
}

/*
 * Move every range out of the aligned block [@start, @start + @n), which
 * evacuable() accepted, largest first. Return: 0 or a negative errno, with
 * the steps taken so far left for the caller to undo.
 */
static int evacuate(struct mdgpu_compact *c, u32 start, u32 n)
{
	int ret = 0;

	if (c->nr_ex == MDGPU_COMPACT_DEPTH)
		return -E2BIG;
	c->ex[c->nr_ex].start = start;
	c->ex[c->nr_ex].n = n;
	c->nr_ex++;
	for (;;) {
		u32 i, pick = U32_MAX;
		s64 slot;

		for (i = 0; i < c->nr_ranges; i++) {
			const struct mdgpu_vram_range *r = &c->ranges[i];

			if (r->start >= start && r->start + r->n <= start + n &&
			    (pick == U32_MAX || r->n > c->ranges[pick].n))
				pick = i;
		}
		if (pick == U32_MAX)
			break;
		slot = place(c, c->ranges[pick].n);
		if (slot < 0) {
			ret = slot;
			break;
		}
		ret = do_move(c, pick, slot);
		if (ret)
			break;
	}
	c->nr_ex--;
	return ret;
}

/* Check the caller's ranges: aligned, inside the map, used, disjoint. */
static int check_ranges(const struct mdgpu_vram_map *map,
			const struct mdgpu_vram_range *ranges, u32 nr)
{
	u32 i, j;

	for (i = 0; i < nr; i++) {
		const struct mdgpu_vram_range *r = &ranges[i];

		if (!r->n || !is_power_of_2(r->n) || r->start & (r->n - 1) ||
		    r->start >= map->nr_granules ||
		    r->n > map->nr_granules - r->start ||
		    bits_in(map->used, r->start, r->n) != r->n)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (overlaps(r->start, r->n, ranges[j].start,
				     ranges[j].n))
				return -EINVAL;
	}
	return 0;
}

/*
 * Try the blocks of @n granules that can be emptied, least loaded first.
 * Return: 0 once one is empty (the plan is in @c), -ENOSPC if none can be.
 */
static int try_size(struct mdgpu_compact *c, u32 n, unsigned long *tried)
{
	u32 nr_blocks = c->nr_granules / n;

	bitmap_zero(tried, nr_blocks);
	while (c->budget) {
		u32 b, load, pick = U32_MAX, best_load = U32_MAX;

		for (b = 0; b < nr_blocks; b++) {
			if (test_bit(b, tried) ||
			    !evacuable(c, b * n, n, &load))
				continue;
			if (load < best_load) {
				pick = b;
				best_load = load;
			}
		}
		if (pick == U32_MAX)
			return -ENOSPC;
		set_bit(pick, tried);
		c->budget--;
		if (!evacuate(c, pick * n, n))
			return 0;
		undo_to(c, 0);
	}
	return -ENOSPC;
}

/**
 * mdgpu_vram_plan_compact() - plan moves that grow the largest free block
 * @map: the map as it is now; not changed
 * @ranges: the ranges that may move, each a whole allocation of @map
 *	    (power-of-two granules, aligned, used); every other used granule
 *	    stays where it is. Not changed.
 * @nr_ranges: entries in @ranges
 * @moves: room for the plan; each step names its range by index in @ranges
 * @max_moves: entries in @moves
 * @nr_moves: steps in the plan, on success; 0 when no plan makes the
 *	      largest free block larger
 *
 * Carried out in order, each step moves a range into granules that are
 * free and not retired at that point, and the largest free aligned block
 * ends larger than before whenever the plan is not empty.
 *
 * Return: 0, -EINVAL for ranges that are not allocations of @map, or
 * -ENOMEM.
 */
int mdgpu_vram_plan_compact(const struct mdgpu_vram_map *map,
			    const struct mdgpu_vram_range *ranges,
			    u32 nr_ranges, struct mdgpu_vram_move *moves,
			    u32 max_moves, u32 *nr_moves)
{
	struct mdgpu_compact *c;
	unsigned long *tried;
	u32 n, now;
	int ret;

	*nr_moves = 0;
	ret = check_ranges(map, ranges, nr_ranges);
	if (ret)
		return ret;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = -ENOMEM;
	c->used = bitmap_alloc(map->nr_granules, GFP_KERNEL);
	tried = bitmap_alloc(map->nr_granules, GFP_KERNEL);
	c->ranges = kmemdup(ranges, nr_ranges * sizeof(*ranges) ?: 1,
			    GFP_KERNEL);
	c->moves = kcalloc(max_moves ?: 1, sizeof(*moves), GFP_KERNEL);
	if (!c->used || !tried || !c->ranges || !c->moves)
		goto free;
	bitmap_copy(c->used, map->used, map->nr_granules);
	c->retired = map->retired;
	c->nr_granules = map->nr_granules;
	c->nr_ranges = nr_ranges;
	c->max_moves = max_moves;

	ret = 0;
	/*
	 * Smallest gain first, each size with a fresh budget: a size that
	 * cannot be reached would otherwise spend the budget of the ones
	 * that can. Keep the plan of the largest size reached.
	 */
	now = largest_free(c->used, c->retired, c->nr_granules);
	for (n = now ? now * 2 : 1; n && n <= c->nr_granules; n *= 2) {
		c->budget = MDGPU_COMPACT_BUDGET;
		if (try_size(c, n, tried))
			break;
		memcpy(moves, c->moves, c->nr_moves * sizeof(*moves));
		*nr_moves = c->nr_moves;
		undo_to(c, 0);
	}
free:
	kfree(c->moves);
	kfree(c->ranges);
	bitmap_free(tried);
	bitmap_free(c->used);
	kfree(c);
	return ret;
}
