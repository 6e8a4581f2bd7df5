// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: which parent a new instance goes on, as a pure function.
 *
 * `create TYPE` without --parent places the instance on the parent that
 * fits best under a policy:
 *
 *   spread  (default) the parent that keeps the most of itself free: the
 *           score is the mean of the VRAM fraction left free after the
 *           instance is placed and the engine's idle fraction, so vGPUs
 *           land where they compete least for VRAM and engine time;
 *   pack    the parent with the least VRAM left after placing it (best
 *           fit), keeping other parents empty for large types; ties go to
 *           the less busy engine.
 *
 * VRAM counts as the parent promises it (vram_total under vram_ratio, see
 * mdg_vram_promise()), so an oversubscribed parent offers its promise.
 * Only candidates the caller has already checked are scored: healthy
 * parents that offer the type and have room (available_instances > 0).
 * Nothing here reads sysfs: cmd_create.c fills the candidates and the unit
 * tests drive this directly.
 */
#include <math.h>
#include <string.h>

#include "mdgpuctl.h"

/**
 * mdg_place_policy_parse() - a policy from its name
 * @s: "spread" or "pack"
 * @pol: receives the policy
 *
 * Return: 0, or -1 for an unknown name.
 */
int mdg_place_policy_parse(const char *s, enum mdg_place_policy *pol)
{
	if (!strcmp(s, "spread"))
		*pol = MDG_PLACE_SPREAD;
	else if (!strcmp(s, "pack"))
		*pol = MDG_PLACE_PACK;
	else
		return -1;
	return 0;
}

/**
 * mdg_place_free_after() - the VRAM fraction a candidate keeps free
 * @c: the candidate
 *
 * Return: (total - used - need) / total, 0 when unknown or negative.
 */
double mdg_place_free_after(const struct mdg_place_cand *c)
{
	double left;

	if (c->vram_total <= 0 || c->vram_used < 0)
		return 0;
	left = (double)c->vram_total - (double)c->vram_used - (double)c->need;
	return left > 0 ? left / (double)c->vram_total : 0;
}

/* The engine's busy fraction, an unknown load counted as half busy. */
static double load_of(const struct mdg_place_cand *c)
{
	if (c->load < 0)
		return 0.5;
	return c->load > 1 ? 1 : c->load;
}

/**
 * mdg_place_score() - how well a candidate suits a policy (higher: better)
 * @c: the candidate
 * @pol: the policy
 *
 * Return: spread: the mean of the free VRAM fraction after placing and the
 * engine's idle fraction, in [0, 1]; pack: minus the bytes left free after
 * placing.
 */
double mdg_place_score(const struct mdg_place_cand *c,
		       enum mdg_place_policy pol)
{
	if (pol == MDG_PLACE_PACK) {
		double left = (double)c->vram_total - (double)c->vram_used -
			      (double)c->need;

		return -(left > 0 ? left : 0);
	}
	return (mdg_place_free_after(c) + (1 - load_of(c))) / 2;
}

/**
 * mdg_place_pick() - the best candidate under a policy
 * @c: the candidates (healthy, offering the type, with room)
 * @n: how many
 * @pol: the policy
 *
 * Ties go to the less busy engine, then to the first candidate (the
 * parents' order), so the answer is deterministic.
 *
 * Return: the index of the chosen candidate, -1 if @n is 0.
 */
int mdg_place_pick(const struct mdg_place_cand *c, size_t n,
		   enum mdg_place_policy pol)
{
	int best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		double s, bs, eps;

		if (best < 0) {
			best = (int)i;
			continue;
		}
		s = mdg_place_score(&c[i], pol);
		bs = mdg_place_score(&c[best], pol);
		eps = 1e-9 * (fabs(bs) + 1);
		if (s > bs + eps ||
		    (s >= bs - eps && load_of(&c[i]) < load_of(&c[best]) - 1e-9))
			best = (int)i;
	}
	return best;
}
