// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-balancer - adjust mdgpu vGPUs' weights from observed demand,
 * within the bounds balancer.conf sets per vGPU (mdgpu-balancer(8)).
 *
 * Each period: read sysfs (and the demand from sysfs or Prometheus),
 * decide (balance.c), set the weights that changed, log every decision
 * with its reason, propose moves of unheld instances from a saturated
 * parent to an idle one (and with --move make them, move.c), and write the
 * metrics.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "balancer.h"

static volatile sig_atomic_t stop;

/**
 * mdgb_warn() - print "mdgpu-balancer: MESSAGE" on stderr
 * @fmt: printf format
 */
void mdgb_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mdgpu-balancer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int mdgb_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int mdgb_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mdgpu-balancer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/**
 * mdgb_now() - monotonic time
 *
 * Return: seconds.
 */
double mdgb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/**
 * mdgb_track() - the tracked entry of a vGPU, added when new
 * @r: the run
 * @uuid: its UUID
 *
 * Return: the entry, NULL when out of memory.
 */
struct mdgb_tracked *mdgb_track(struct mdgb_run *r, const char *uuid)
{
	struct mdgb_tracked *t;
	size_t i;

	for (i = 0; i < r->nr_vgpus; i++)
		if (!strcmp(r->vgpus[i].uuid, uuid))
			return &r->vgpus[i];
	t = realloc(r->vgpus, (r->nr_vgpus + 1) * sizeof(*t));
	if (!t)
		return NULL;
	r->vgpus = t;
	t = &r->vgpus[r->nr_vgpus++];
	memset(t, 0, sizeof(*t));
	snprintf(t->uuid, sizeof(t->uuid), "%s", uuid);
	return t;
}

/**
 * mdgb_parent_seen() - the entry of a parent, added when new
 * @r: the run
 * @name: its name
 *
 * Return: the entry, NULL when out of memory.
 */
struct mdgb_parent_seen *mdgb_parent_seen(struct mdgb_run *r,
					  const char *name)
{
	struct mdgb_parent_seen *p;
	size_t i;

	for (i = 0; i < r->nr_parents; i++)
		if (!strcmp(r->parents[i].name, name))
			return &r->parents[i];
	p = realloc(r->parents, (r->nr_parents + 1) * sizeof(*p));
	if (!p)
		return NULL;
	r->parents = p;
	p = &r->parents[r->nr_parents++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->load.busy = -1;
	return p;
}

/* Decide for every present vGPU; unmanaged ones take part (their waiting
 * counts for their parent) with their weight as floor and ceiling.
 */
static int decide(struct mdgb_run *r)
{
	struct mdgb_decision *d;
	struct mdgb_vgpu *v;
	const struct mdgb_bounds *b;
	size_t i, n = 0;

	v = calloc(r->nr_vgpus + 1, sizeof(*v));
	d = calloc(r->nr_vgpus + 1, sizeof(*d));
	if (!v || !d) {
		free(v);
		free(d);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_vgpus; i++) {
		struct mdgb_tracked *t = &r->vgpus[i];

		if (!t->present)
			continue;
		b = mdgb_config_bounds(&r->cfg, t->uuid);
		t->managed = b && t->have_weight;
		if (t->managed) {
			t->v.bounds = *b;
		} else {
			unsigned int w = t->v.state.weight;

			w = w < MDGB_WEIGHT_MIN ? MDGB_WEIGHT_MIN :
			    w > MDGB_WEIGHT_MAX ? MDGB_WEIGHT_MAX : w;
			t->v.bounds = (struct mdgb_bounds){ w, w, 0, 0 };
		}
		v[n++] = t->v;
	}
	mdgb_decide(&r->cfg.params, v, n, d);
	for (i = 0, n = 0; i < r->nr_vgpus; i++) {
		struct mdgb_tracked *t = &r->vgpus[i];

		if (!t->present)
			continue;
		t->v = v[n];
		t->d = d[n++];
		if (!t->managed)
			continue;
		t->decisions[t->d.reason]++;
		if (t->d.new_weight != t->d.old_weight)
			t->changes++;
	}
	free(v);
	free(d);
	return 0;
}

/* Write the weights that changed. */
static void apply(struct mdgb_run *r)
{
	char path[PATH_MAX], val[16];
	size_t i, k;

	for (i = 0; i < r->nr_vgpus; i++) {
		struct mdgb_tracked *t = &r->vgpus[i];

		if (!t->present || !t->managed ||
		    t->d.new_weight == t->d.old_weight)
			continue;
		for (k = 0; k < r->sys.nr_instances; k++)
			if (!strcmp(r->sys.instances[k].uuid, t->uuid))
				break;
		if (k == r->sys.nr_instances ||
		    mdg_instance_path(&r->sys.instances[k], "mdgpu/weight",
				      path, sizeof(path)))
			continue;
		snprintf(val, sizeof(val), "%u", t->d.new_weight);
		if (mdg_write_str(path, val))
			mdgb_warn("%s: cannot set weight %s", t->uuid, val);
	}
}

/* Index of a type name in @names (added when new). */
static int type_index(char (*names)[MDG_NAME_MAX], size_t *n, size_t max,
		      const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(names[i], name))
			return i;
	if (*n == max)
		return -1;
	snprintf(names[*n], MDG_NAME_MAX, "%s", name);
	return (*n)++;
}

/*
 * This period's proposals (plan.c), on a model of each parent's capacity
 * read from this period's snapshot: mdgpuctl's mdg_cap_init(), with room
 * for one more range per possible proposal.
 */
static int propose(struct mdgb_run *r)
{
	enum { MAXT = 32 };
	char (*types)[MDG_NAME_MAX];
	struct mdgb_parent_load *load;
	struct mdgb_movable *mv;
	struct mdg_range *room = NULL;
	struct mdg_cap *cap;
	struct mdgb_plan plan = {
		.moves = r->moves, .max_moves = ARRAY_SIZE(r->moves),
		.unfit = r->unfit, .max_unfit = ARRAY_SIZE(r->unfit),
	};
	size_t nt = 0, i, j, per;
	bool *offers;
	int ti, pi;

	r->nr_moves = 0;
	r->nr_unfit = 0;
	per = r->sys.nr_instances + MDG_MAX_RESV + ARRAY_SIZE(r->moves);
	types = calloc(MAXT, MDG_NAME_MAX);
	load = calloc(r->nr_parents + 1, sizeof(*load));
	mv = calloc(r->sys.nr_instances + 1, sizeof(*mv));
	cap = calloc(r->nr_parents + 1, sizeof(*cap));
	offers = calloc((r->nr_parents + 1) * MAXT, sizeof(*offers));
	if (r->nr_parents)
		room = calloc(r->nr_parents * per, sizeof(*room));
	if (!types || !load || !mv || !cap || !offers ||
	    (r->nr_parents && !room))
		goto out;
	for (i = 0; i < r->nr_parents; i++)
		load[i] = r->parents[i].load;
	/* A parent seen before but gone now stays an empty, unhealthy cap. */
	for (i = 0; i < r->sys.nr_parents; i++) {
		const struct mdg_parent *p = &r->sys.parents[i];

		pi = (int)(mdgb_parent_seen(r, p->name) - r->parents);
		if (mdg_cap_init(&cap[pi], &r->sys, p, room + pi * per, per))
			goto out;
		for (j = 0; j < p->nr_types; j++) {
			ti = type_index(types, &nt, MAXT, p->types[j].dir);
			if (ti >= 0)
				offers[pi * MAXT + ti] = true;
		}
	}
	for (i = 0; i < r->sys.nr_instances; i++) {
		const struct mdg_instance *in = &r->sys.instances[i];
		const struct mdg_parent *p;

		mv[i].parent = (int)(mdgb_parent_seen(r, in->parent) -
				     r->parents);
		mv[i].type = type_index(types, &nt, MAXT, in->type);
		mv[i].size = in->vram_size > 0 ? (uint64_t)in->vram_size : 0;
		mv[i].offset = in->vram_offset >= 0 ?
			       (uint64_t)in->vram_offset : 0;
		mv[i].min_share = in->min_share > 0 ?
				  (uint64_t)in->min_share : 0;
		/* An unknown size or place is held: it is not planned. */
		mv[i].held = in->nr_holders || in->holders_unknown ||
			     in->removing || in->vram_size <= 0 ||
			     in->vram_offset < 0;
		p = mdg_find_parent(&r->sys, in->parent);
		mv[i].reserved = p && mdg_parent_resv(p, in->uuid);
		if (r->move && !in->removing) {
			struct mdgb_tracked *t = mdgb_track(r, in->uuid);

			mv[i].cooling = t && mdgb_move_cooling(&r->cfg.moves,
							       &t->mh,
							       r->periods);
		}
	}
	mdgb_propose(load, cap, r->nr_parents, mv, r->sys.nr_instances,
		     offers, MAXT, &plan);
	r->nr_moves = plan.nr_moves;
	r->nr_unfit = plan.nr_unfit;
out:
	free(types);
	free(load);
	free(mv);
	free(cap);
	free(offers);
	free(room);
	return 0;
}

/* Parents whose policy makes weights meaningless, said once each. */
static void note_policies(struct mdgb_run *r)
{
	static char said[64][MDG_NAME_MAX];
	static size_t nsaid;
	size_t i, k;

	for (i = 0; i < r->nr_parents; i++) {
		const struct mdgb_parent_seen *p = &r->parents[i];

		if (!p->policy[0] || !strcmp(p->policy, "weighted"))
			continue;
		for (k = 0; k < nsaid; k++)
			if (!strcmp(said[k], p->name))
				break;
		if (k < nsaid || nsaid == ARRAY_SIZE(said))
			continue;
		snprintf(said[nsaid++], MDG_NAME_MAX, "%s", p->name);
		fprintf(r->log, "note: %s's policy is %s: weights take effect under the weighted policy only\n",
			p->name, p->policy);
	}
}

static int read_input(struct mdgb_run *r)
{
	return r->prometheus ? mdgb_read_prometheus(r) : mdgb_read_sysfs(r);
}

static int period(struct mdgb_run *r)
{
	int ret;

	ret = read_input(r);
	if (ret) {
		mdgb_warn("reading %s: %s",
			  r->prometheus ? r->prometheus : "sysfs", strerror(-ret));
		return ret;
	}
	if (r->record)
		mdgb_record(r);
	ret = decide(r);
	if (ret)
		return ret;
	if (!r->dry_run)
		apply(r);
	r->periods++;
	note_policies(r);
	mdgb_log_decisions(r);
	propose(r);
	mdgb_log_moves(r);
	if (r->move)
		mdgb_perform_moves(r);
	if (r->textfile) {
		ret = mdgb_write_textfile(r);
		if (ret)
			mdgb_warn("%s: %s", r->textfile, strerror(-ret));
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mdgpu-balancer [--config FILE] [--once] [--dry-run] [--move]\n"
		"                      [--prometheus URL [--window RANGE]]\n"
		"                      [--textfile FILE] [--period SECONDS] [--periods N]\n"
		"                      [--record FILE]\n"
		"Adjusts mdgpu vGPUs' weights from observed demand within the bounds\n"
		"of FILE (default /etc/mdgpu/balancer.conf). See mdgpu-balancer(8).\n");
}

/* Sleep @s seconds unless a signal stops the run. */
static void pause_for(double s)
{
	double end = mdgb_now() + s;
	struct timespec ts;

	while (!stop && mdgb_now() < end) {
		double left = fmin(end - mdgb_now(), 0.5);

		if (left <= 0)
			break;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "move", no_argument, NULL, 'm' },
		{ "prometheus", required_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "textfile", required_argument, NULL, 't' },
		{ "period", required_argument, NULL, 'P' },
		{ "periods", required_argument, NULL, 'N' },
		{ "record", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = "/etc/mdgpu/balancer.conf";
	struct mdgb_run r = { .window = "1m" };
	double period_s = 0;
	unsigned long periods = 0;
	bool once = false;
	char err[512], *end;
	int c, ret;

	r.log = stdout;
	/* mdgpuctl's files report there, under our name. */
	mdg_out = stdout;
	mdg_err = stderr;
	mdg_prog = "mdgpu-balancer";
	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case '1':
			once = true;
			break;
		case 'n':
			r.dry_run = true;
			break;
		case 'm':
			r.move = true;
			break;
		case 'p':
			r.prometheus = optarg;
			break;
		case 'w':
			r.window = optarg;
			if (strspn(optarg, "0123456789smhd") != strlen(optarg) ||
			    !*optarg)
				return mdgb_fail(2, "--window: a Prometheus duration such as 30s or 1m");
			break;
		case 't':
			r.textfile = optarg;
			break;
		case 'P':
			period_s = strtod(optarg, &end);
			if (*end || !(period_s >= 0.1 && period_s <= 86400))
				return mdgb_fail(2, "--period: 0.1 to 86400 seconds");
			break;
		case 'N':
			periods = strtoul(optarg, &end, 10);
			if (*end || !periods)
				return mdgb_fail(2, "--periods: a positive number");
			break;
		case 'R':
			r.record = fopen(optarg, "a");
			if (!r.record)
				return mdgb_fail(2, "--record %s: %s", optarg,
						 strerror(errno));
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (mdgb_config_load(&r.cfg, conf, err, sizeof(err)))
		return mdgb_fail(2, "%s", err);
	if (period_s > 0)
		r.cfg.period_s = period_s;
	if (r.prometheus && curl_global_init(CURL_GLOBAL_DEFAULT))
		return mdgb_fail(1, "cannot initialise libcurl");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(r.log, "mdgpu-balancer: period %gs, input %s%s%s, give-back within %u periods%s\n",
		r.cfg.period_s, r.prometheus ? r.prometheus : "sysfs",
		r.prometheus ? " rate window " : "",
		r.prometheus ? r.window : "",
		mdgb_giveback_periods(&r.cfg.params),
		r.dry_run ? ", dry run" : "");
	if (r.move)
		fprintf(r.log, "mdgpu-balancer: --move: after %u periods proposed, at most %u per period, cooldown %u periods\n",
			r.cfg.moves.after, r.cfg.moves.max_per_period,
			r.cfg.moves.cooldown);
	if (!r.prometheus) {
		/* The first reading only sets the counters' starting point. */
		ret = mdgb_read_sysfs(&r);
		if (ret == -ENODEV)
			return mdgb_fail(1, "mdgpu is not loaded (no /sys/class/mdgpu)");
		pause_for(r.cfg.period_s);
	}
	ret = 0;
	while (!stop) {
		ret = period(&r);
		if (once || (periods && r.periods >= periods))
			break;
		pause_for(r.cfg.period_s);
	}
	mdg_system_free(&r.sys);
	mdgb_config_free(&r.cfg);
	free(r.vgpus);
	free(r.parents);
	if (r.prometheus)
		curl_global_cleanup();
	if (r.record)
		fclose(r.record);
	return ret ? 1 : 0;
}
