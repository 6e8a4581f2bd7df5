/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu-balancer: which moves of unheld instances a period proposes, as a
 * plain function over plain data (plan.c). Whether an instance fits on a
 * destination is mdgpuctl's rule, mdg_cap_fit() (tools/mdgpuctl/fit.c),
 * the one `mdgpuctl create` places with.
 */
#ifndef MDGPU_BALANCER_PLAN_H
#define MDGPU_BALANCER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balance.h"
#include "mdgpuctl.h"

/**
 * struct mdgb_movable - an instance as mdgb_propose() sees it
 * @parent: index of its parent
 * @type: index of its type (the same index names the same type on
 *	  every parent)
 * @size: its framebuffer (the size of its VRAM range), bytes
 * @offset: its VRAM range's offset on its parent, bytes
 * @min_share: the min_share it carries to its destination, ppm
 * @held: a process (a VM) holds it: never proposed
 * @reserved: its parent holds a reservation for it: never proposed (its
 *	      reserved capacity would stay behind)
 * @cooling: it moved (or a move was tried) less than the cooldown ago:
 *	     not proposed (mdgb_move_due())
 */
struct mdgb_movable {
	int parent;
	int type;
	uint64_t size;
	uint64_t offset;
	uint64_t min_share;
	bool held;
	bool reserved;
	bool cooling;
};

/**
 * struct mdgb_move - a proposed move
 * @instance: index into the movables
 * @from: parent index
 * @to: parent index
 */
struct mdgb_move {
	size_t instance;
	int from;
	int to;
};

/**
 * struct mdgb_unfit - an instance a period would move but no idle parent
 *		       has room for
 * @instance: index into the movables
 * @from: its parent
 * @to: the idlest idle parent that offers its type, which refused it
 * @verdict: what mdg_cap_fit() said there
 * @planned: moves to @to planned before it in the same period
 * @why: @verdict in words (mdg_fit_verdict_fmt()), after those moves
 */
struct mdgb_unfit {
	size_t instance;
	int from;
	int to;
	enum mdg_fit_verdict verdict;
	unsigned int planned;
	char why[160];
};

/**
 * struct mdgb_plan - what mdgb_propose() writes
 * @moves: the proposals, in the order they were planned
 * @nr_moves: entries in @moves
 * @max_moves: room in @moves
 * @unfit: the instances no idle parent had room for, and why
 * @nr_unfit: entries in @unfit
 * @max_unfit: room in @unfit
 */
struct mdgb_plan {
	struct mdgb_move *moves;
	size_t nr_moves;
	size_t max_moves;
	struct mdgb_unfit *unfit;
	size_t nr_unfit;
	size_t max_unfit;
};

size_t mdgb_propose(const struct mdgb_parent_load *load, struct mdg_cap *cap,
		    size_t nr_parents, const struct mdgb_movable *inst,
		    size_t nr_inst, const bool *offers, size_t nr_types,
		    struct mdgb_plan *plan);

#endif /* MDGPU_BALANCER_PLAN_H */
