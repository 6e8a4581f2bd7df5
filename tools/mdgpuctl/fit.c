// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: where new instances would go in a parent's VRAM.
 *
 * The rule (Documentation/admin-guide.rst, "How available_instances is
 * computed"): an instance owns one range as large as its framebuffer, a
 * power of two, aligned to its own size. A new instance goes into the free
 * aligned range whose enclosing free aligned block is the smallest (the
 * first such range on a tie), so small instances fill gaps first. The
 * number of free aligned ranges of a size is exactly how many instances of
 * that size can still be created.
 *
 * These functions are pure: they see only the VRAM size and the used
 * ranges they are given, so the unit tests drive them directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mdgpuctl.h"

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static bool range_free(const struct mdg_range *used, size_t nr,
		       uint64_t start, uint64_t size)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (start < used[i].offset + used[i].size &&
		    used[i].offset < start + size)
			return false;
	return true;
}

/* Size of the largest free aligned block that contains [start, +size). */
static uint64_t free_block(uint64_t total, const struct mdg_range *used,
			   size_t nr, uint64_t start, uint64_t size)
{
	while (size <= total / 2) {
		uint64_t up = size * 2, base = start & ~(up - 1);

		if (base + up > total || !range_free(used, nr, base, up))
			break;
		size = up;
	}
	return size;
}

/**
 * mdg_vram_place() - where the kernel puts the next range of a size
 * @total: VRAM size in bytes
 * @used: the ranges in use
 * @nr: entries in @used
 * @size: the new range's size, a power of two
 * @offset: where it goes
 *
 * Return: 0, -EINVAL for a size that is not a power of two or larger than
 * @total, -ENOSPC when no aligned range of @size is free.
 */
int mdg_vram_place(uint64_t total, const struct mdg_range *used, size_t nr,
		   uint64_t size, uint64_t *offset)
{
	uint64_t start, best = 0, best_block = 0;

	if (!is_pow2(size) || size > total)
		return -EINVAL;
	for (start = 0; start + size <= total; start += size) {
		uint64_t block;

		if (!range_free(used, nr, start, size))
			continue;
		block = free_block(total, used, nr, start, size);
		if (!best_block || block < best_block) {
			best = start;
			best_block = block;
			if (block == size)
				break;
		}
	}
	if (!best_block)
		return -ENOSPC;
	*offset = best;
	return 0;
}

/**
 * mdg_vram_promise() - the VRAM a parent may promise its instances
 * @total: the parent's VRAM (vram_total), bytes
 * @ratio: its vram_ratio, thousandths; <= 0 (unknown, or a module without
 *	   oversubscription) counts as 1000
 *
 * The kernel's rule (mdgpu_vram_promise()): @total x @ratio / 1000,
 * rounded down to whole MiB, never below @total. The VRAM map that
 * available_instances counts in has this size.
 *
 * Return: the promise in bytes; @total when it is not positive.
 */
int64_t mdg_vram_promise(int64_t total, int64_t ratio)
{
	const uint64_t mib = 1ULL << 20;
	uint64_t p;

	if (total <= 0 || ratio <= 1000)
		return total;
	p = (uint64_t)((unsigned __int128)total * (uint64_t)ratio / 1000);
	p -= p % mib;
	return p > (uint64_t)total ? (int64_t)p : total;
}

/**
 * mdg_vram_free_slots() - free aligned ranges of a size
 * @total: VRAM size in bytes
 * @used: the ranges in use
 * @nr: entries in @used
 * @size: the range size
 *
 * Return: what the kernel reports as available_instances for a type of
 * @size; 0 for an invalid size.
 */
uint64_t mdg_vram_free_slots(uint64_t total, const struct mdg_range *used,
			     size_t nr, uint64_t size)
{
	uint64_t start, count = 0;

	if (!is_pow2(size) || size > total)
		return 0;
	for (start = 0; start + size <= total; start += size)
		if (range_free(used, nr, start, size))
			count++;
	return count;
}

static int cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/**
 * mdg_fit_simulate() - place a set of new ranges, largest first
 * @total: VRAM size in bytes
 * @used: the ranges in use
 * @nr_used: entries in @used
 * @sizes: sizes of the new ranges, in any order
 * @nr_sizes: entries in @sizes
 * @placed: receives the placements in the order they were made (largest
 *	    first); room for @nr_sizes entries; may be NULL
 * @nr_placed: receives how many were placed; may be NULL
 *
 * Largest first is the order in which a set of aligned power-of-two ranges
 * fits whenever any order does; mdgpuctl fit tells the admin to create the
 * instances in that order.
 *
 * Return: 0 if all fit, -ENOSPC if one did not (@nr_placed tells how many
 * did), -EINVAL for a bad size, -ENOMEM.
 */
int mdg_fit_simulate(uint64_t total, const struct mdg_range *used,
		     size_t nr_used, const uint64_t *sizes, size_t nr_sizes,
		     struct mdg_range *placed, size_t *nr_placed)
{
	struct mdg_range *map;
	uint64_t *order;
	size_t i, n = nr_used;
	int ret = 0;

	if (nr_placed)
		*nr_placed = 0;
	map = calloc(nr_used + nr_sizes + 1, sizeof(*map));
	order = calloc(nr_sizes + 1, sizeof(*order));
	if (!map || !order) {
		free(map);
		free(order);
		return -ENOMEM;
	}
	if (nr_used)
		memcpy(map, used, nr_used * sizeof(*map));
	if (nr_sizes)
		memcpy(order, sizes, nr_sizes * sizeof(*order));
	qsort(order, nr_sizes, sizeof(*order), cmp_desc);
	for (i = 0; i < nr_sizes; i++) {
		uint64_t off;

		ret = mdg_vram_place(total, map, n, order[i], &off);
		if (ret)
			break;
		map[n].offset = off;
		map[n].size = order[i];
		if (placed)
			placed[i] = map[n];
		n++;
		if (nr_placed)
			*nr_placed = i + 1;
	}
	free(map);
	free(order);
	return ret;
}

/**
 * mdg_parent_used_ranges() - the VRAM ranges in use on a parent
 * @sys: the snapshot
 * @p: the parent
 * @r: receives the ranges; room for @sys->nr_instances + @p->nr_resv
 *     entries
 * @sum: receives their total size
 *
 * The ranges of its instances and of its reservations: a reservation
 * holds its VRAM range whether its instance exists or not (and that
 * instance's own range lies in it), so ordinary creates see it as used,
 * as the kernel's available_instances does. Their sum is vram_used.
 * The instances' ranges come first, then the reservations' (which
 * compaction does not move): mdg_parent_resv_ranges() of them.
 *
 * Return: the number of ranges.
 */
size_t mdg_parent_used_ranges(const struct mdg_system *sys,
			      const struct mdg_parent *p, struct mdg_range *r,
			      uint64_t *sum)
{
	size_t i, n = 0;

	*sum = 0;
	for (i = 0; i < sys->nr_instances; i++) {
		const struct mdg_instance *in = &sys->instances[i];
		const struct mdg_resv *rv;

		if (strcmp(in->parent, p->name) || in->vram_offset < 0 ||
		    in->vram_size <= 0)
			continue;
		rv = mdg_parent_resv(p, in->uuid);
		if (rv && rv->vram > 0)
			continue;	/* inside its reserved range */
		r[n].offset = in->vram_offset;
		r[n].size = in->vram_size;
		*sum += in->vram_size;
		n++;
	}
	for (i = 0; i < p->nr_resv; i++) {
		const struct mdg_resv *rv = &p->resv[i];

		if (rv->vram <= 0 || rv->offset < 0)
			continue;
		r[n].offset = rv->offset;
		r[n].size = rv->vram;
		*sum += rv->vram;
		n++;
	}
	return n;
}

/**
 * mdg_parent_resv_ranges() - how many VRAM ranges a parent's reservations
 *			      hold
 * @p: the parent
 *
 * Return: the number of its reservations that hold VRAM: the last ranges
 * mdg_parent_used_ranges() returns.
 */
size_t mdg_parent_resv_ranges(const struct mdg_parent *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nr_resv; i++)
		n += p->resv[i].vram > 0 && p->resv[i].offset >= 0;
	return n;
}

/**
 * mdg_fit_compacted_around() - whether new ranges fit once VRAM is
 *				compacted, around ranges that do not move
 * @total: VRAM size in bytes
 * @fixed: ranges compaction leaves where they are (reserved VRAM)
 * @nr_fixed: entries in @fixed
 * @used: the ranges compaction may move
 * @nr_used: entries in @used
 * @sizes: sizes of the new ranges, in any order
 * @nr_sizes: entries in @sizes
 *
 * Compaction (the parent's ``compact`` attribute) moves instances so that
 * the largest free aligned range grows. At best the movable instances end
 * up packed largest first around what stays: this places them and the new
 * ones that way into VRAM holding only @fixed. It assumes that every
 * instance in @used can move, which holds unless VRAM was retired (the
 * caller checks).
 *
 * Return: 0 if all would fit, -ENOSPC if not, -EINVAL for a bad size,
 * -ENOMEM.
 */
int mdg_fit_compacted_around(uint64_t total, const struct mdg_range *fixed,
			     size_t nr_fixed, const struct mdg_range *used,
			     size_t nr_used, const uint64_t *sizes,
			     size_t nr_sizes)
{
	uint64_t *all = calloc(nr_used + nr_sizes + 1, sizeof(*all));
	size_t i;
	int ret;

	if (!all)
		return -ENOMEM;
	for (i = 0; i < nr_used; i++)
		all[i] = used[i].size;
	for (i = 0; i < nr_sizes; i++)
		all[nr_used + i] = sizes[i];
	ret = mdg_fit_simulate(total, fixed, nr_fixed, all, nr_used + nr_sizes,
			       NULL, NULL);
	free(all);
	return ret;
}

/**
 * mdg_fit_compacted() - whether new ranges fit once VRAM is compacted
 * @total: VRAM size in bytes
 * @used: the ranges in use, all movable
 * @nr_used: entries in @used
 * @sizes: sizes of the new ranges, in any order
 * @nr_sizes: entries in @sizes
 *
 * mdg_fit_compacted_around() with nothing fixed.
 *
 * Return: 0 if all would fit, -ENOSPC if not, -EINVAL for a bad size,
 * -ENOMEM.
 */
int mdg_fit_compacted(uint64_t total, const struct mdg_range *used,
		      size_t nr_used, const uint64_t *sizes, size_t nr_sizes)
{
	return mdg_fit_compacted_around(total, NULL, 0, used, nr_used, sizes,
					nr_sizes);
}

/**
 * DOC: A parent's free capacity as plain data
 *
 * Whether one more instance fits on a parent is decided in one place,
 * mdg_cap_fit(), for ``mdgpuctl create``'s placement and for
 * mdgpu-balancer's move proposals, over a &struct mdg_cap built from a
 * snapshot (mdg_cap_init()). The rules are the module's:
 *
 * - only a healthy parent takes new instances;
 * - VRAM: a free aligned range of the framebuffer's size in the map the
 *   parent promises under vram_ratio, where reserved ranges count as used
 *   (mdg_vram_place() says where the kernel would put it);
 * - engine share: the unheld reservations' shares plus, per instance, the
 *   larger of its min_share and its reservation's share, plus the new
 *   instance's min_share, at most the whole engine (MDG_SHARE_ONE), the
 *   scheduler's admission (scheduler/sched_reserve.c).
 *
 * mdg_cap_take() and mdg_cap_release() update the model as an instance is
 * planned onto or off a parent, so a plan of several moves is checked
 * against what the earlier ones leave.
 */

/**
 * mdg_cap_init() - a parent's capacity from a snapshot
 * @c: filled
 * @sys: the snapshot (an instance's unreadable min_share counts as 0)
 * @p: the parent
 * @room: storage for the used ranges: @max entries
 * @max: at least @sys->nr_instances + @p->nr_resv, plus one per instance
 *	 the caller will mdg_cap_take()
 *
 * Return: 0, or -ENOSPC if @room is too small.
 */
int mdg_cap_init(struct mdg_cap *c, const struct mdg_system *sys,
		 const struct mdg_parent *p, struct mdg_range *room,
		 size_t max)
{
	uint64_t sum;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (max < sys->nr_instances + p->nr_resv)
		return -ENOSPC;
	c->healthy = mdg_parent_healthy(p);
	c->vram = p->vram_promised > 0 ? (uint64_t)p->vram_promised : 0;
	c->used = room;
	c->max_used = max;
	c->nr_used = mdg_parent_used_ranges(sys, p, room, &sum);
	for (i = 0; i < p->nr_resv; i++)
		if (!p->resv[i].held && p->resv[i].share > 0)
			c->share += p->resv[i].share;
	for (i = 0; i < sys->nr_instances; i++) {
		const struct mdg_instance *in = &sys->instances[i];
		const struct mdg_resv *rv;
		uint64_t m;

		if (strcmp(in->parent, p->name))
			continue;
		m = in->min_share > 0 ? (uint64_t)in->min_share : 0;
		rv = mdg_parent_resv(p, in->uuid);
		if (rv && rv->held && rv->share > 0 && (uint64_t)rv->share > m)
			m = rv->share;
		c->share += m;
	}
	return 0;
}

/**
 * mdg_cap_admits() - whether the engine admits one more minimum share
 * @c: the parent's capacity
 * @min_share: the new instance's min_share, ppm
 *
 * Return: true when what is committed plus @min_share is at most the
 * whole engine, the scheduler's admission rule.
 */
bool mdg_cap_admits(const struct mdg_cap *c, uint64_t min_share)
{
	return min_share <= MDG_SHARE_ONE &&
	       c->share + min_share <= MDG_SHARE_ONE;
}

/**
 * mdg_cap_fit() - whether one more instance fits on a parent
 * @c: the parent's capacity
 * @size: the instance's framebuffer, bytes (a power of two)
 * @min_share: the minimum engine share it will be given, ppm
 * @offset: receives where its range would go; may be NULL
 *
 * Return: %MDG_FIT_OK, or why not (the first rule that refuses, in the
 * order health, VRAM, engine share).
 */
enum mdg_fit_verdict mdg_cap_fit(const struct mdg_cap *c, uint64_t size,
				 uint64_t min_share, uint64_t *offset)
{
	uint64_t off;

	if (!c->healthy)
		return MDG_FIT_UNHEALTHY;
	if (!c->vram || !size)
		return MDG_FIT_UNKNOWN;
	if (mdg_vram_place(c->vram, c->used, c->nr_used, size, &off))
		return MDG_FIT_NO_VRAM;
	if (!mdg_cap_admits(c, min_share))
		return MDG_FIT_NO_SHARE;
	if (offset)
		*offset = off;
	return MDG_FIT_OK;
}

/**
 * mdg_cap_take() - plan an instance onto a parent
 * @c: the parent's capacity; on success its range and share are added
 * @size: the instance's framebuffer, bytes
 * @min_share: its minimum engine share, ppm
 * @offset: receives where its range goes; may be NULL
 *
 * Return: what mdg_cap_fit() says; %MDG_FIT_UNKNOWN also when @c has no
 * room left for another range (nothing changes unless %MDG_FIT_OK).
 */
enum mdg_fit_verdict mdg_cap_take(struct mdg_cap *c, uint64_t size,
				  uint64_t min_share, uint64_t *offset)
{
	enum mdg_fit_verdict v;
	uint64_t off;

	v = mdg_cap_fit(c, size, min_share, &off);
	if (v != MDG_FIT_OK)
		return v;
	if (c->nr_used == c->max_used)
		return MDG_FIT_UNKNOWN;
	c->used[c->nr_used].offset = off;
	c->used[c->nr_used].size = size;
	c->nr_used++;
	c->share += min_share;
	if (offset)
		*offset = off;
	return MDG_FIT_OK;
}

/**
 * mdg_cap_release() - plan an instance off a parent
 * @c: the parent's capacity
 * @offset: its range's offset
 * @size: its range's size
 * @min_share: what it committed of the engine, ppm
 *
 * Its range becomes free (if @c holds it) and its share is given back.
 */
void mdg_cap_release(struct mdg_cap *c, uint64_t offset, uint64_t size,
		     uint64_t min_share)
{
	size_t i;

	for (i = 0; i < c->nr_used; i++) {
		if (c->used[i].offset != offset || c->used[i].size != size)
			continue;
		c->used[i] = c->used[--c->nr_used];
		break;
	}
	c->share -= min_share < c->share ? min_share : c->share;
}

/**
 * mdg_fit_verdict_fmt() - say why an instance does not fit, for a log
 * @c: the parent's capacity the verdict was given on
 * @v: the verdict
 * @size: the instance's framebuffer, bytes
 * @min_share: its minimum engine share, ppm
 * @buf: receives e.g. "no free aligned 128M range (1G of 2G used)"
 * @len: size of @buf
 */
void mdg_fit_verdict_fmt(const struct mdg_cap *c, enum mdg_fit_verdict v,
			 uint64_t size, uint64_t min_share, char *buf,
			 size_t len)
{
	char a[32], b[32], t[32];
	uint64_t used = 0;
	size_t i;

	switch (v) {
	case MDG_FIT_OK:
		mdg_fmt(buf, len, "fits");
		break;
	case MDG_FIT_UNHEALTHY:
		mdg_fmt(buf, len, "the parent is not healthy");
		break;
	case MDG_FIT_NO_VRAM:
		for (i = 0; i < c->nr_used; i++)
			used += c->used[i].size;
		mdg_fmt_size(a, sizeof(a), size);
		mdg_fmt_size(b, sizeof(b), used);
		mdg_fmt_size(t, sizeof(t), c->vram);
		mdg_fmt(buf, len,
			"no free aligned %s range (%s of %s used or reserved)",
			a, b, t);
		break;
	case MDG_FIT_NO_SHARE:
		mdg_fmt(buf, len,
			"engine share: %llu ppm committed, min_share %llu ppm more would pass the engine",
			(unsigned long long)c->share,
			(unsigned long long)min_share);
		break;
	default:
		mdg_fmt(buf, len, "its VRAM size or the framebuffer size is unknown");
		break;
	}
}
