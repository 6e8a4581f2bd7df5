// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: the steps of moving an instance no VM holds to another parent,
 * and the rollback when one fails, as plain logic over an ops table
 * (relocate.h). migrate.c gives the ops on the real module; the unit tests
 * (tools/balancer/tests/test_relocate.c) fail each step in turn.
 *
 * The steps: save the device state (in memory), remove the instance from
 * its parent, create the same UUID and type on the destination, restore
 * the state there (it is parked: its next user starts from it), write the
 * tunables. The instance is never dropped:
 *
 *  - save fails: nothing was removed (result UNCHANGED);
 *  - remove, create, restore or (strict) tunables fail: the instance is
 *    removed from the destination if it got there, re-created on its
 *    parent if it is gone, and the saved state and tunables go back into
 *    it (ROLLED_BACK);
 *  - if that fails too (the parent's room was taken meanwhile, or the
 *    destination instance cannot be removed), the saved state is written
 *    to a file to restore by hand (KEPT); only if even that fails is the
 *    state lost (LOST).
 */
#include <errno.h>
#include <string.h>

#include "relocate.h"

static const char *const mdg_reloc_results[MDG_RELOC_NR] = {
	[MDG_RELOC_MOVED] = "moved",
	[MDG_RELOC_UNCHANGED] = "unchanged",
	[MDG_RELOC_ROLLED_BACK] = "rolled-back",
	[MDG_RELOC_KEPT] = "kept-in-file",
	[MDG_RELOC_LOST] = "lost",
};

/**
 * mdg_reloc_result_name() - a result's name, as logged and exported
 * @res: the result
 *
 * Return: a short lower-case name, "?" for an unknown value.
 */
const char *mdg_reloc_result_name(enum mdg_reloc_result res)
{
	if ((unsigned int)res >= MDG_RELOC_NR)
		return "?";
	return mdg_reloc_results[res];
}

static void failed(struct mdg_reloc *r, const char *step, int ret)
{
	/* The first failure is the reason; the rollback's come after it. */
	if (r->failed_step[0])
		return;
	r->failed_step = step;
	r->err = ret < 0 ? ret : -EIO;
}

/* The instance is not (or no longer) on the destination: put it back on
 * its parent with its state, or keep the state in a file.
 */
static enum mdg_reloc_result put_back(const struct mdg_reloc_ops *ops,
				      void *ctx, struct mdg_reloc *r)
{
	if (!ops->exists(ctx, r->uuid) &&
	    ops->create(ctx, r->from, r->type, r->uuid))
		goto keep;
	if (ops->restore(ctx, r))
		goto keep;
	ops->tunables(ctx, r);
	return MDG_RELOC_ROLLED_BACK;
keep:
	return ops->keep(ctx, r) ? MDG_RELOC_LOST : MDG_RELOC_KEPT;
}

/**
 * mdg_relocate() - move an instance no VM holds to another parent
 * @ops: the steps
 * @ctx: passed to each op (where the saved state lives)
 * @r: what moves where (uuid, type, from, to, tunables, strict); the
 *     outcome fields are filled in
 *
 * Return: where the instance ended up; @r->failed_step and @r->err say
 * what failed first. %MDG_RELOC_MOVED with @r->failed_tunables non-zero:
 * it is on the destination with its state, but some tunables were refused
 * there (not strict, or strict and it could not be removed again).
 */
enum mdg_reloc_result mdg_relocate(const struct mdg_reloc_ops *ops,
				   void *ctx, struct mdg_reloc *r)
{
	int ret;

	r->failed_step = "";
	r->err = 0;
	r->failed_tunables = 0;
	r->kept[0] = '\0';
	ret = ops->save(ctx, r);
	if (ret) {
		failed(r, "save", ret);
		return MDG_RELOC_UNCHANGED;
	}
	ret = ops->remove(ctx, r->uuid);
	if (ret) {
		failed(r, "remove", ret);
		return put_back(ops, ctx, r);
	}
	ret = ops->create(ctx, r->to, r->type, r->uuid);
	if (ret) {
		failed(r, "create", ret);
		return put_back(ops, ctx, r);
	}
	ret = ops->restore(ctx, r);
	if (ret) {
		failed(r, "restore", ret);
	} else {
		ret = ops->tunables(ctx, r);
		if (ret && r->strict)
			failed(r, "tunables", ret);
		else
			ret = 0;
	}
	if (!ret)
		return MDG_RELOC_MOVED;
	/* Off the destination first: one UUID exists once. */
	if (ops->remove(ctx, r->uuid)) {
		/* Stuck there; with its state if only a tunable failed. */
		if (!strcmp(r->failed_step, "tunables"))
			return MDG_RELOC_MOVED;
		return ops->keep(ctx, r) ? MDG_RELOC_LOST : MDG_RELOC_KEPT;
	}
	return put_back(ops, ctx, r);
}
