// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl top: a refreshing per-vGPU view.
 *
 * The fixed columns name the vGPU and who holds it; the rest are the
 * entries of mdg_stats[] that have a header, so a statistic the module
 * starts to export shows up by adding one line to that table. Counters
 * shown as a rate or share need two samples: the first frame (and --once)
 * shows "-" for them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdgpuctl.h"

static const struct mdg_sample *find_prev(const struct mdg_system *prev_sys,
					  const struct mdg_sample *prev,
					  const char *uuid)
{
	size_t i;

	if (!prev_sys || !prev)
		return NULL;
	for (i = 0; i < prev_sys->nr_instances; i++)
		if (!strcmp(prev_sys->instances[i].uuid, uuid))
			return &prev[i];
	return NULL;
}

static void cell(char *buf, size_t len, const struct mdg_stat *st, size_t k,
		 const struct mdg_sample *cur, const struct mdg_sample *prev,
		 double interval)
{
	double d;

	if (!cur->have[k]) {
		mdg_fmt(buf, len, "-");
		return;
	}
	switch (st->show) {
	case MDG_SHOW_BYTES:
		mdg_fmt_size(buf, len, cur->val[k]);
		return;
	case MDG_SHOW_INT:
		mdg_fmt(buf, len, "%lld", (long long)cur->val[k]);
		return;
	case MDG_SHOW_HEX:
		mdg_fmt(buf, len, "0x%llx", (long long)cur->val[k]);
		return;
	case MDG_SHOW_RATE:
	case MDG_SHOW_SHARE:
		if (!prev || !prev->have[k] || interval <= 0 ||
		    cur->val[k] < prev->val[k]) {
			mdg_fmt(buf, len, "-");
			return;
		}
		d = (cur->val[k] - prev->val[k]) * st->scale / interval;
		if (st->show == MDG_SHOW_SHARE)
			mdg_fmt(buf, len, "%.1f", d * 100);
		else
			mdg_fmt(buf, len, "%.1f", d);
		return;
	}
}

/**
 * mdg_top_frame() - print one frame
 * @f: output
 * @sys: the current snapshot
 * @prev_sys: the previous snapshot, or NULL
 * @prev: samples of @prev_sys's instances, or NULL
 * @cur: samples of @sys's instances
 * @interval: seconds between the snapshots
 *
 * Return: 0.
 */
int mdg_top_frame(FILE *f, const struct mdg_system *sys,
		  const struct mdg_system *prev_sys,
		  const struct mdg_sample *prev, const struct mdg_sample *cur,
		  double interval)
{
	char now[32], a[32], b[32], c[64];
	time_t t = time(NULL);
	size_t i, j, k;

	strftime(now, sizeof(now), "%H:%M:%S", localtime(&t));
	fprintf(f, "mdgpuctl top - %s  every %.1fs  %zu parent%s  %zu vGPU%s\n",
		now, interval, sys->nr_parents, sys->nr_parents == 1 ? "" : "s",
		sys->nr_instances, sys->nr_instances == 1 ? "" : "s");
	for (i = 0; i < sys->nr_parents; i++) {
		const struct mdg_parent *p = &sys->parents[i];

		mdg_fmt_size(a, sizeof(a), p->vram_used < 0 ? 0 : p->vram_used);
		mdg_fmt_size(b, sizeof(b), p->vram_total < 0 ? 0 : p->vram_total);
		fprintf(f, "%s: VRAM %s of %s used, %lld vGPU%s; can add",
			p->name, a, b, (long long)p->instances,
			p->instances == 1 ? "" : "s");
		for (j = 0; j < p->nr_types; j++)
			fprintf(f, " %s:%lld", p->types[j].dir,
				(long long)p->types[j].available);
		fputc('\n', f);
	}
	fputc('\n', f);

	fprintf(f, "%-36s %-6s %-11s %-8s %-24s", "UUID", "PARENT", "TYPE",
		"STATE", "OPEN_BY");
	for (k = 0; k < mdg_nr_stats; k++)
		if (mdg_stats[k].header)
			fprintf(f, " %*s", mdg_stats[k].width,
				mdg_stats[k].header);
	fputc('\n', f);
	for (i = 0; i < sys->nr_instances; i++) {
		const struct mdg_instance *in = &sys->instances[i];
		const struct mdg_sample *p = find_prev(prev_sys, prev, in->uuid);

		if (in->nr_holders) {
			char *sp;

			/* One word, so the columns stay easy to split. */
			if (in->holders[0].vm[0])
				mdg_fmt(c, sizeof(c), "%s(%d)",
					in->holders[0].vm,
					(int)in->holders[0].pid);
			else
				mdg_fmt(c, sizeof(c), "%d(%s)",
					(int)in->holders[0].pid,
					in->holders[0].comm);
			while ((sp = strchr(c, ' ')))
				*sp = '_';
		} else {
			/* "?": maybe held, we cannot see (not root). */
			mdg_fmt(c, sizeof(c), in->holders_unknown ? "?" : "-");
		}
		fprintf(f, "%-36s %-6s %-11s %-8s %-24.24s", in->uuid,
			in->parent, in->type[0] ? in->type : "-",
			mdg_instance_state(in), c);
		for (k = 0; k < mdg_nr_stats; k++) {
			if (!mdg_stats[k].header)
				continue;
			cell(a, sizeof(a), &mdg_stats[k], k, &cur[i], p,
			     interval);
			fprintf(f, " %*s", mdg_stats[k].width, a);
		}
		fputc('\n', f);
	}
	return 0;
}

static const struct option top_opts[] = {
	{ "once", no_argument, NULL, '1' },
	{ "interval", required_argument, NULL, 'd' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl top [--once] [--interval SECONDS] [--iterations N] */
int mdg_cmd_top(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl top [--once] [--interval SECONDS] [--iterations N]";
	struct mdg_system sys, prev_sys;
	struct mdg_sample *cur = NULL, *prev = NULL;
	double interval = 2;
	long iterations = 0, n;
	bool clear = isatty(fileno(mdg_out));
	char *end;
	int c, ret, rc = MDG_EXIT_OK;
	size_t i;

	while ((c = getopt_long(argc, argv, "1d:n:h", top_opts, NULL)) != -1) {
		switch (c) {
		case '1':
			iterations = 1;
			break;
		case 'd':
			interval = strtod(optarg, &end);
			if (*end || end == optarg || !(interval >= 0.1) ||
			    interval > 3600)
				return mdg_fail(MDG_EXIT_USAGE,
						"--interval %s: want seconds from 0.1 to 3600",
						optarg);
			break;
		case 'n':
			iterations = strtol(optarg, &end, 10);
			if (*end || end == optarg || iterations < 1)
				return mdg_fail(MDG_EXIT_USAGE,
						"--iterations %s: want a positive number",
						optarg);
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (iterations == 1)
		clear = false;

	memset(&prev_sys, 0, sizeof(prev_sys));
	for (n = 0; !iterations || n < iterations; n++) {
		struct timespec ts;

		ret = mdg_system_load(&sys);
		if (ret) {
			mdg_system_free(&sys);
			rc = mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				      strerror(-ret));
			break;
		}
		rc = mdg_require_loaded(&sys);
		if (rc) {
			mdg_system_free(&sys);
			break;
		}
		cur = calloc(sys.nr_instances + 1, sizeof(*cur));
		if (!cur) {
			mdg_system_free(&sys);
			rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
			break;
		}
		for (i = 0; i < sys.nr_instances; i++)
			mdg_stats_read(&sys.instances[i], &cur[i]);
		if (clear)
			fputs("\033[H\033[2J", mdg_out);
		mdg_top_frame(mdg_out, &sys, n ? &prev_sys : NULL, prev, cur,
			      interval);
		fflush(mdg_out);

		mdg_system_free(&prev_sys);
		free(prev);
		prev_sys = sys;
		prev = cur;
		cur = NULL;
		if (iterations && n + 1 >= iterations)
			break;
		ts.tv_sec = (time_t)interval;
		ts.tv_nsec = (long)((interval - ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		if (!clear)
			fputc('\n', mdg_out);
	}
	mdg_system_free(&prev_sys);
	free(prev);
	return rc;
}
