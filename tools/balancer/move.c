// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-balancer --move: make the proposed moves of instances no VM holds,
 * with mdgpuctl's relocation (tools/mdgpuctl/relocate.c: save the state
 * through VFIO migration, remove, create the same UUID and type on the
 * destination, restore, carry the tunables; on a failure, roll back to the
 * source). Which proposals are made, and when, is balance.c's
 * mdgb_move_due(): proposed move_after periods in a row, at most
 * max_moves per period, and not again within move_cooldown periods.
 *
 * Every move is logged with its reason and result, and counted
 * (mdgpu_balancer_moves_total{result}).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "balancer.h"
#include "migrate.h"

/* "sim0 saturated (busy 97%, vGPUs waited 1.20 periods), sim1 idle
 * (busy 2%)"
 */
static void fmt_reason(const struct mdgb_run *r, const struct mdgb_move *m,
		       char *buf, size_t len)
{
	const struct mdgb_parent_seen *f = &r->parents[m->from];
	const struct mdgb_parent_seen *t = &r->parents[m->to];

	snprintf(buf, len,
		 "%s saturated (busy %.0f%%, vGPUs waited %.2f periods), %s idle (busy %.0f%%)",
		 f->name, f->load.busy * 100, f->load.waiting, t->name,
		 t->load.busy * 100);
}

static void log_result(struct mdgb_run *r, const struct mdg_reloc *rel,
		       enum mdg_reloc_result res, const char *why)
{
	char tun[256];

	mdg_reloc_fmt_tunables(rel, tun, sizeof(tun));
	fprintf(r->log, "move: %s (%s) from %s to %s: %s", rel->uuid,
		rel->type, rel->from, rel->to, mdg_reloc_result_name(res));
	switch (res) {
	case MDG_RELOC_MOVED:
		fprintf(r->log, ", parked on %s with %s; tunables %s%s",
			rel->to, rel->summary, tun,
			rel->failed_tunables ? " (some refused)" : "");
		break;
	case MDG_RELOC_UNCHANGED:
		fprintf(r->log, " (%s failed: %s%s), still on %s",
			rel->failed_step, mdg_errno_name(rel->err),
			rel->err == -EBUSY ? ", it is open: a VM holds it" : "",
			rel->from);
		break;
	case MDG_RELOC_ROLLED_BACK:
		fprintf(r->log, " (%s on %s failed: %s), back on %s with its state (parked) and tunables %s",
			rel->failed_step,
			!strcmp(rel->failed_step, "remove") ? rel->from : rel->to,
			mdg_errno_name(rel->err), rel->from, tun);
		break;
	case MDG_RELOC_KEPT:
		fprintf(r->log, " (%s failed: %s, and so did the rollback), its state is in %s",
			rel->failed_step, mdg_errno_name(rel->err), rel->kept);
		break;
	default:
		fprintf(r->log, " (%s failed: %s, and so did the rollback and saving its state)",
			rel->failed_step, mdg_errno_name(rel->err));
		break;
	}
	fprintf(r->log, "; reason: %s\n", why);
}

/* Make one move; its mdevctl definition, if any, follows it. */
static void move_one(struct mdgb_run *r, const struct mdgb_move *m,
		     const char *why)
{
	const struct mdg_instance *in = &r->sys.instances[m->instance];
	enum mdg_reloc_result res;
	struct mdg_reloc rel;
	char *def, err[256];

	mdg_reloc_init(&rel, in, r->parents[m->to].name);
	/* A guarantee the destination refuses is a failed move. */
	rel.strict = true;
	def = mdg_mdevctl_definition(rel.uuid, rel.from);
	res = mdg_relocate_instance(&rel);
	r->move_results[res]++;
	log_result(r, &rel, res, why);
	if (res == MDG_RELOC_MOVED && def) {
		if (mdg_mdevctl_move(rel.uuid, rel.from, rel.to, def, err,
				     sizeof(err)))
			fprintf(r->log, "move: %s: its mdevctl definition: %s\n",
				rel.uuid, err);
		else
			fprintf(r->log, "move: %s: its mdevctl definition moved from %s to %s\n",
				rel.uuid, rel.from, rel.to);
	}
	free(def);
}

/**
 * mdgb_perform_moves() - make this period's proposed moves that are due
 * @r: the run, after the proposals (r->moves); --move given
 *
 * Logs one "move:" line per proposal: made (and how it went), waiting for
 * more periods of saturation, or deferred by the per-period limit. A dry
 * run says what it would move and counts it for the hysteresis only.
 */
void mdgb_perform_moves(struct mdgb_run *r)
{
	const struct mdgb_move_limits *l = &r->cfg.moves;
	unsigned int made = 0;
	enum mdgb_move_verdict v;
	struct mdgb_tracked *t;
	char why[256];
	size_t i;

	for (i = 0; i < r->nr_moves; i++) {
		const struct mdgb_move *m = &r->moves[i];
		const struct mdg_instance *in = &r->sys.instances[m->instance];

		t = mdgb_track(r, in->uuid);
		if (!t)
			continue;
		v = mdgb_move_due(l, &t->mh, r->periods, &made);
		fmt_reason(r, m, why, sizeof(why));
		if (v == MDGB_MOVE_WAIT)
			fprintf(r->log, "move: %s (%s) from %s to %s: waits (proposed %u of %u periods in a row)\n",
				in->uuid, in->type, r->parents[m->from].name,
				r->parents[m->to].name, t->mh.streak, l->after);
		else if (v == MDGB_MOVE_LIMIT)
			fprintf(r->log, "move: %s (%s) from %s to %s: deferred (max_moves %u made this period)\n",
				in->uuid, in->type, r->parents[m->from].name,
				r->parents[m->to].name, l->max_per_period);
		else if (v == MDGB_MOVE_GO && r->dry_run)
			fprintf(r->log, "move: %s (%s) from %s to %s: would move (dry run); reason: %s\n",
				in->uuid, in->type, r->parents[m->from].name,
				r->parents[m->to].name, why);
		else if (v == MDGB_MOVE_GO)
			move_one(r, m, why);
	}
	fflush(r->log);
}
