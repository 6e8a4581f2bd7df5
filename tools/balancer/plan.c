// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-balancer: this period's move proposals.
 *
 * A parent is saturated when its engine is busy at least
 * MDGB_SATURATED_BUSY of the period and its vGPUs waited at least
 * MDGB_SATURATED_WAIT periods in sum, idle when busy at most
 * MDGB_IDLE_BUSY. Each instance of a saturated parent that no process
 * holds, that has no reservation there and that did not move within the
 * cooldown is proposed for the idlest idle parent that offers its type
 * and on which it fits by mdgpuctl's rule (mdg_cap_fit(): health, a free
 * aligned VRAM range under vram_ratio with reserved VRAM counted as used,
 * and its min_share within what minimum shares and reservations leave of
 * the engine).
 *
 * The plan is made on a model of every parent's capacity: each proposal
 * takes its range and share on the destination and gives them back on
 * the source (mdg_cap_take(), mdg_cap_release()), so the next proposal
 * of the period is checked against what the earlier ones leave, and every
 * proposal fits when it is made (with max_moves > 1 too). An instance
 * that an idle parent would take but for its capacity is reported with
 * the reason (&struct mdgb_unfit).
 */
#include <string.h>

#include "plan.h"

static bool saturated(const struct mdgb_parent_load *l)
{
	return l->busy >= MDGB_SATURATED_BUSY &&
	       l->waiting >= MDGB_SATURATED_WAIT;
}

static bool idle(const struct mdgb_parent_load *l)
{
	return l->busy >= 0 && l->busy <= MDGB_IDLE_BUSY;
}

/*
 * The idlest idle parent other than @from that offers @type and, when
 * @fits, on which @in fits; -1 if none.
 */
static int idlest(const struct mdgb_parent_load *load,
		  const struct mdg_cap *cap, size_t nr_parents,
		  const bool *offers, size_t nr_types,
		  const struct mdgb_movable *in, bool fits)
{
	int best = -1;
	size_t i;

	for (i = 0; i < nr_parents; i++) {
		if ((int)i == in->parent || !idle(&load[i]) ||
		    !offers[i * nr_types + in->type])
			continue;
		if (fits && mdg_cap_fit(&cap[i], in->size, in->min_share,
					NULL) != MDG_FIT_OK)
			continue;
		if (best < 0 || load[i].busy < load[best].busy)
			best = (int)i;
	}
	return best;
}

static void add_unfit(struct mdgb_plan *plan, const struct mdg_cap *cap,
		      const struct mdgb_movable *in, size_t i, int to,
		      const unsigned int *planned)
{
	struct mdgb_unfit *u;

	if (plan->nr_unfit == plan->max_unfit)
		return;
	u = &plan->unfit[plan->nr_unfit++];
	u->instance = i;
	u->from = in->parent;
	u->to = to;
	u->verdict = mdg_cap_fit(&cap[to], in->size, in->min_share, NULL);
	u->planned = planned[to];
	mdg_fit_verdict_fmt(&cap[to], u->verdict, in->size, in->min_share,
			    u->why, sizeof(u->why));
}

/**
 * mdgb_propose() - plan this period's moves off saturated parents
 * @load: busy fraction and waiting per parent
 * @cap: each parent's capacity (mdg_cap_init()); updated by the plan
 *	 (room for one more range per proposal to it)
 * @nr_parents: entries in @load and @cap
 * @inst: the instances
 * @nr_inst: entries in @inst
 * @offers: offers[parent * @nr_types + type]: the parent offers the type
 * @nr_types: types per parent
 * @plan: receives the proposals and the instances no idle parent had
 *	  room for (both emptied first)
 *
 * Instances are taken in the order given; see the comment at the top of
 * plan.c for the rules.
 *
 * Return: the number of proposals (@plan->nr_moves).
 */
size_t mdgb_propose(const struct mdgb_parent_load *load, struct mdg_cap *cap,
		    size_t nr_parents, const struct mdgb_movable *inst,
		    size_t nr_inst, const bool *offers, size_t nr_types,
		    struct mdgb_plan *plan)
{
	unsigned int planned[64] = { 0 };
	size_t i;
	int to;

	plan->nr_moves = 0;
	plan->nr_unfit = 0;
	if (nr_parents > ARRAY_SIZE(planned))
		nr_parents = ARRAY_SIZE(planned);
	for (i = 0; i < nr_inst && plan->nr_moves < plan->max_moves; i++) {
		const struct mdgb_movable *in = &inst[i];
		struct mdgb_move *m;

		if (in->held || in->reserved || in->cooling ||
		    in->parent < 0 || (size_t)in->parent >= nr_parents ||
		    in->type < 0 || (size_t)in->type >= nr_types ||
		    !saturated(&load[in->parent]))
			continue;
		to = idlest(load, cap, nr_parents, offers, nr_types, in, true);
		if (to < 0 ||
		    mdg_cap_take(&cap[to], in->size, in->min_share, NULL) !=
		    MDG_FIT_OK) {
			/* Idle parents there are, but none has room. */
			to = idlest(load, cap, nr_parents, offers, nr_types,
				    in, false);
			if (to >= 0)
				add_unfit(plan, cap, in, i, to, planned);
			continue;
		}
		mdg_cap_release(&cap[in->parent], in->offset, in->size,
				in->min_share);
		planned[to]++;
		m = &plan->moves[plan->nr_moves++];
		m->instance = i;
		m->from = in->parent;
		m->to = to;
	}
	return plan->nr_moves;
}
