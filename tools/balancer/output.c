// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-balancer: every decision logged with its reason, and exported as
 * metrics for Prometheus (a textfile for node_exporter's textfile
 * collector, mdgpu_balancer_* families).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "balancer.h"

static void fmt_latency(char *buf, size_t len, double us)
{
	if (us < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0fus", us);
}

/**
 * mdgb_log_decisions() - one line per managed vGPU and period
 * @r: the run, after mdgb_decide()
 *
 * "UUID parent=P weight OLD -> NEW reason=R demand=D used=U latency=L
 * bounds=[F,C] target=..." ("weight W holds" when unchanged). Dry runs
 * say "would set".
 */
void mdgb_log_decisions(struct mdgb_run *r)
{
	char lat[32], target[48];
	size_t i;

	for (i = 0; i < r->nr_vgpus; i++) {
		const struct mdgb_tracked *t = &r->vgpus[i];
		const struct mdgb_decision *d = &t->d;
		const struct mdgb_bounds *b = &t->v.bounds;

		if (!t->present || !t->managed)
			continue;
		fmt_latency(lat, sizeof(lat), d->latency_us);
		if (b->share_pct)
			snprintf(target, sizeof(target), " target=share:%u%%",
				 b->share_pct);
		else if (b->wait_us)
			snprintf(target, sizeof(target), " target=wait:%uus",
				 b->wait_us);
		else
			target[0] = '\0';
		if (d->new_weight != d->old_weight)
			fprintf(r->log, "%s parent=%s weight %u -> %u%s reason=%s demand=%.2f used=%.2f latency=%s bounds=[%u,%u]%s\n",
				t->uuid, t->parent, d->old_weight,
				d->new_weight, r->dry_run ? " (dry run: not set)" : "",
				mdgb_reason_name(d->reason), d->demand, d->used,
				lat, b->floor, b->ceiling, target);
		else
			fprintf(r->log, "%s parent=%s weight %u holds reason=%s demand=%.2f used=%.2f latency=%s bounds=[%u,%u]%s\n",
				t->uuid, t->parent, d->new_weight,
				mdgb_reason_name(d->reason), d->demand, d->used,
				lat, b->floor, b->ceiling, target);
	}
	fflush(r->log);
}

/**
 * mdgb_log_moves() - print this period's move proposals
 * @r: the run, after mdgb_propose()
 *
 * Without --move they are only proposed; with it, mdgb_perform_moves()
 * says next what became of each. Then the instances that would have been
 * proposed but that no idle parent has room for, with the reason.
 */
void mdgb_log_moves(struct mdgb_run *r)
{
	size_t i;

	for (i = 0; i < r->nr_moves; i++) {
		const struct mdgb_move *m = &r->moves[i];
		const struct mdg_instance *in = &r->sys.instances[m->instance];

		fprintf(r->log, "propose: move %s (%s, held by no process) from %s (busy %.0f%%, vGPUs waited %.2f periods) to %s (busy %.0f%%)%s\n",
			in->uuid, in->type, r->parents[m->from].name,
			r->parents[m->from].load.busy * 100,
			r->parents[m->from].load.waiting,
			r->parents[m->to].name,
			r->parents[m->to].load.busy * 100,
			r->move ? "" : " - not performed (no --move)");
	}
	for (i = 0; i < r->nr_unfit; i++) {
		const struct mdgb_unfit *u = &r->unfit[i];
		const struct mdg_instance *in = &r->sys.instances[u->instance];

		fprintf(r->log, "propose: not moving %s (%s) from %s (busy %.0f%%, vGPUs waited %.2f periods): no idle parent has room; %s (busy %.0f%%): %s",
			in->uuid, in->type, r->parents[u->from].name,
			r->parents[u->from].load.busy * 100,
			r->parents[u->from].load.waiting,
			r->parents[u->to].name,
			r->parents[u->to].load.busy * 100, u->why);
		if (u->planned)
			fprintf(r->log, " after the %u move%s planned there this period",
				u->planned, u->planned == 1 ? "" : "s");
		fputc('\n', r->log);
	}
	fflush(r->log);
}

/**
 * mdgb_record() - append this period's samples to the --record file
 * @r: the run, before mdgb_decide() (the weights are those in force)
 *
 * One CSV line per vGPU with a valid sample: period number, UUID, parent,
 * period, engine, wait and throttled seconds, mean wait latency (-1 if
 * unknown), weight in force. tests/test_balance.c replays such traces.
 */
void mdgb_record(struct mdgb_run *r)
{
	size_t i;

	for (i = 0; i < r->nr_vgpus; i++) {
		const struct mdgb_tracked *t = &r->vgpus[i];
		const struct mdgb_sample *s = &t->v.sample;

		if (!t->present || !s->valid)
			continue;
		fprintf(r->record, "%llu,%s,%s,%.6f,%.6f,%.6f,%.6f,%.1f,%u\n",
			(unsigned long long)r->periods, t->uuid, t->parent,
			s->period_s, s->engine_s, s->wait_s, s->throttled_s,
			s->latency_us, t->v.state.weight);
	}
	fflush(r->record);
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/**
 * mdgb_write_textfile() - the metrics, written atomically to
 *			   @r->textfile (a temporary file, then rename)
 * @r: the run
 *
 * Return: 0 or a negative errno.
 */
int mdgb_write_textfile(const struct mdgb_run *r)
{
	static const struct {
		const char *name, *help;
		int what;
	} gauges[] = {
		{ "mdgpu_balancer_weight", "Weight the balancer decided for the vGPU this period.", 0 },
		{ "mdgpu_balancer_weight_floor", "Smallest weight balancer.conf allows the vGPU.", 1 },
		{ "mdgpu_balancer_weight_ceiling", "Largest weight balancer.conf allows the vGPU.", 2 },
		{ "mdgpu_balancer_demand_ratio", "Smoothed demand of the vGPU: fraction of the period it had work.", 3 },
		{ "mdgpu_balancer_used_ratio", "Fraction of the period the vGPU used the engine.", 4 },
	};
	char tmp[4096];
	size_t i, g, k;
	FILE *f;
	int ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", r->textfile, getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	family(f, "mdgpu_balancer_last_run_timestamp_seconds", "gauge",
	       "When the balancer last decided (Unix time).");
	fprintf(f, "mdgpu_balancer_last_run_timestamp_seconds %lld\n",
		(long long)time(NULL));
	family(f, "mdgpu_balancer_periods_total", "counter",
	       "Periods the balancer has decided.");
	fprintf(f, "mdgpu_balancer_periods_total %llu\n",
		(unsigned long long)r->periods);
	family(f, "mdgpu_balancer_dry_run", "gauge",
	       "1 when the balancer only reports (--dry-run).");
	fprintf(f, "mdgpu_balancer_dry_run %d\n", r->dry_run);
	for (g = 0; g < ARRAY_SIZE(gauges); g++) {
		family(f, gauges[g].name, "gauge", gauges[g].help);
		for (i = 0; i < r->nr_vgpus; i++) {
			const struct mdgb_tracked *t = &r->vgpus[i];
			double v[] = { t->d.new_weight, t->v.bounds.floor,
				       t->v.bounds.ceiling, t->d.demand,
				       t->d.used };

			if (!t->present || !t->managed)
				continue;
			fprintf(f, "%s{parent=\"%s\",uuid=\"%s\"} %g\n",
				gauges[g].name, t->parent, t->uuid,
				v[gauges[g].what]);
		}
	}
	family(f, "mdgpu_balancer_decisions_total", "counter",
	       "Decisions per vGPU and reason (the rule that decided).");
	for (i = 0; i < r->nr_vgpus; i++) {
		const struct mdgb_tracked *t = &r->vgpus[i];

		if (!t->present || !t->managed)
			continue;
		for (k = 0; k < MDGB_NR_REASONS; k++)
			fprintf(f, "mdgpu_balancer_decisions_total{parent=\"%s\",uuid=\"%s\",reason=\"%s\"} %llu\n",
				t->parent, t->uuid, mdgb_reason_name(k),
				(unsigned long long)t->decisions[k]);
	}
	family(f, "mdgpu_balancer_weight_changes_total", "counter",
	       "Weight changes the balancer made (or, dry run, would have made).");
	for (i = 0; i < r->nr_vgpus; i++) {
		const struct mdgb_tracked *t = &r->vgpus[i];

		if (t->present && t->managed)
			fprintf(f, "mdgpu_balancer_weight_changes_total{parent=\"%s\",uuid=\"%s\"} %llu\n",
				t->parent, t->uuid,
				(unsigned long long)t->changes);
	}
	family(f, "mdgpu_balancer_parent_busy_ratio", "gauge",
	       "Fraction of the period the parent's engine was busy, as the balancer saw it.");
	for (i = 0; i < r->nr_parents; i++)
		if (r->parents[i].load.busy >= 0)
			fprintf(f, "mdgpu_balancer_parent_busy_ratio{parent=\"%s\"} %g\n",
				r->parents[i].name, r->parents[i].load.busy);
	family(f, "mdgpu_balancer_move_proposed", "gauge",
	       "Moves of unheld instances proposed this period (1 each; made with --move when due).");
	for (i = 0; i < r->nr_moves; i++)
		fprintf(f, "mdgpu_balancer_move_proposed{uuid=\"%s\",from=\"%s\",to=\"%s\"} 1\n",
			r->sys.instances[r->moves[i].instance].uuid,
			r->parents[r->moves[i].from].name,
			r->parents[r->moves[i].to].name);
	family(f, "mdgpu_balancer_move_enabled", "gauge",
	       "1 when the balancer makes the moves it proposes (--move).");
	fprintf(f, "mdgpu_balancer_move_enabled %d\n", r->move);
	family(f, "mdgpu_balancer_moves_total", "counter",
	       "Moves made (--move) by result: moved, or failed and unchanged, rolled-back, kept-in-file or lost.");
	for (k = 0; k < MDG_RELOC_NR; k++)
		fprintf(f, "mdgpu_balancer_moves_total{result=\"%s\"} %llu\n",
			mdg_reloc_result_name(k),
			(unsigned long long)r->move_results[k]);
	if (fflush(f) || ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, r->textfile))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
