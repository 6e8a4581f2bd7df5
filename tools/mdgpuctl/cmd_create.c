// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: create and remove instances.
 *
 * Both check first what the kernel would refuse, so the admin gets a
 * message that names the parent, type or holder, and then do exactly what
 * the admin guide describes: write a UUID to the type's create file, or 1
 * to the instance's remove file. When the check and the kernel disagree
 * (something changed in between), the kernel's errno is shown.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "mdgpuctl.h"

/* Parents considered for placement, and how long their load is sampled. */
#define MDG_MAX_PARENTS		64
#define MDG_PLACE_SAMPLE_MS	250

static void list_parents(const struct mdg_system *sys, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < sys->nr_parents && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				sys->parents[i].name);
}

static void list_types(const struct mdg_parent *p, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < p->nr_types && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				p->types[i].dir);
}

static int full(const struct mdg_parent *p, const struct mdg_type *t)
{
	char fb[32], used[32], total[32];

	mdg_fmt_size(fb, sizeof(fb), t->desc.framebuffer);
	mdg_fmt_size(used, sizeof(used), p->vram_used < 0 ? 0 : p->vram_used);
	mdg_fmt_size(total, sizeof(total),
		     p->vram_total < 0 ? 0 : p->vram_total);
	return mdg_fail(MDG_EXIT_REFUSED,
			"cannot create %s on %s: no free aligned %s range left (available_instances is 0, %s of %s VRAM in use): %s (%s)",
			t->dir, p->name, fb, used, total, strerror(ENOSPC),
			mdg_errno_name(ENOSPC));
}

static int unhealthy(const struct mdg_parent *p, const struct mdg_type *t)
{
	return mdg_fail(MDG_EXIT_REFUSED,
			"cannot create %s: %s is %s (%s)%s", t->dir, p->name,
			p->health, p->health_reason[0] ? p->health_reason : "no reason given",
			strcmp(p->health, "failed") ?
			"; no healthy parent offers it, name this one with --parent to use it anyway" :
			"");
}

/* A parent's engine busy and idle time so far (-1: unreadable). */
static void engine_times(const struct mdg_parent *p, int64_t *busy,
			 int64_t *idle)
{
	int b = mdg_stat_index(mdg_parent_stats, mdg_nr_parent_stats,
			       "engine_busy_us");
	int i = mdg_stat_index(mdg_parent_stats, mdg_nr_parent_stats,
			       "engine_idle_us");
	struct mdg_sample s;

	mdg_parent_stats_read(p, &s);
	*busy = b >= 0 && s.have[b] ? s.val[b] : -1;
	*idle = i >= 0 && s.have[i] ? s.val[i] : -1;
}

/*
 * Place on one of @n candidates (healthy, offering the type, with room)
 * under @pol (place.c), and say which and why on stderr. The engines' load
 * is measured now, over MDG_PLACE_SAMPLE_MS, when there is a choice.
 */
static void place(struct mdg_parent **cp, struct mdg_type **ct, size_t n,
		  enum mdg_place_policy pol, struct mdg_parent **pp,
		  struct mdg_type **tp)
{
	int64_t b0[MDG_MAX_PARENTS], i0[MDG_MAX_PARENTS], b1, i1;
	struct mdg_place_cand c[MDG_MAX_PARENTS];
	size_t k;
	int best;

	for (k = 0; k < n; k++) {
		c[k].vram_total = cp[k]->vram_promised;
		c[k].vram_used = cp[k]->vram_used;
		c[k].need = ct[k]->desc.framebuffer;
		c[k].load = -1;
		if (n > 1)
			engine_times(cp[k], &b0[k], &i0[k]);
	}
	if (n > 1) {
		usleep(MDG_PLACE_SAMPLE_MS * 1000);
		for (k = 0; k < n; k++) {
			engine_times(cp[k], &b1, &i1);
			if (b0[k] >= 0 && i0[k] >= 0 && b1 >= b0[k] &&
			    i1 >= i0[k] && b1 - b0[k] + i1 - i0[k] > 0)
				c[k].load = (double)(b1 - b0[k]) /
					    (double)(b1 - b0[k] + i1 - i0[k]);
		}
	}
	best = mdg_place_pick(c, n, pol);
	*pp = cp[best];
	*tp = ct[best];
	if (n == 1) {
		fprintf(mdg_err, "mdgpuctl: placed on %s: the only healthy parent with room for %s\n",
			cp[best]->name, ct[best]->dir);
		return;
	}
	fprintf(mdg_err, "mdgpuctl: placed on %s (%s: %s):",
		cp[best]->name, pol == MDG_PLACE_PACK ? "pack" : "spread",
		pol == MDG_PLACE_PACK ? "least VRAM left after placing" :
		"most VRAM and engine time left");
	for (k = 0; k < n; k++) {
		fprintf(mdg_err, "%s %s %.0f%% VRAM free after, engine ",
			k ? ";" : "", cp[k]->name,
			100 * mdg_place_free_after(&c[k]));
		if (c[k].load < 0)
			fprintf(mdg_err, "load unknown");
		else
			fprintf(mdg_err, "%.0f%% busy", 100 * c[k].load);
	}
	fputc('\n', mdg_err);
}

/*
 * Whether a new @t with @min_share (ppm) fits on @p: mdg_cap_fit(), the
 * rule mdgpu-balancer plans its moves with. Where the kernel's
 * available_instances is readable it is the exact VRAM answer now and
 * wins over the rebuilt map (they agree unless the map is incomplete);
 * with neither known, the kernel decides at create.
 * @c receives the capacity the verdict was given on (for its words).
 */
static enum mdg_fit_verdict fits(const struct mdg_system *sys,
				 const struct mdg_parent *p,
				 const struct mdg_type *t, uint64_t min_share,
				 struct mdg_cap *c, struct mdg_range *room,
				 size_t max)
{
	enum mdg_fit_verdict v;

	if (mdg_cap_init(c, sys, p, room, max))
		return MDG_FIT_UNKNOWN;
	v = mdg_cap_fit(c, t->desc.framebuffer, min_share, NULL);
	if (t->available == 0 && v == MDG_FIT_OK)
		v = MDG_FIT_NO_VRAM;
	else if ((t->available > 0 && v == MDG_FIT_NO_VRAM) ||
		 (t->available != 0 && v == MDG_FIT_UNKNOWN))
		v = mdg_cap_admits(c, min_share) ? MDG_FIT_OK :
		    MDG_FIT_NO_SHARE;
	return v;
}

/*
 * The instance @uuid has a reservation on @p: it goes there, into the
 * reserved capacity, however full @p is otherwise. Says why, or why not.
 */
static int pick_reserved(struct mdg_parent *p, const struct mdg_resv *rv,
			 const char *type, struct mdg_parent **pp,
			 struct mdg_type **tp)
{
	struct mdg_type *t = mdg_find_type(p, type);
	char names[512], a[32], b[32];

	if (!t) {
		list_types(p, names, sizeof(names));
		return mdg_fail(MDG_EXIT_NOTFOUND,
				"unknown type '%s': %s, where %s is reserved, offers %s",
				type, p->name, rv->uuid,
				names[0] ? names : "no types");
	}
	if (!strcmp(p->health, "failed"))
		return unhealthy(p, t);
	if (rv->held)
		return mdg_fail(MDG_EXIT_REFUSED,
				"cannot create %s: the reservation of %s on %s is held (the instance exists): %s (%s)",
				t->dir, rv->uuid, p->name, strerror(EEXIST),
				mdg_errno_name(EEXIST));
	mdg_fmt_size(a, sizeof(a), t->desc.framebuffer);
	mdg_fmt_size(b, sizeof(b), rv->vram > 0 ? rv->vram : 0);
	if (rv->vram > 0 && t->desc.framebuffer > (uint64_t)rv->vram)
		return mdg_fail(MDG_EXIT_REFUSED,
				"cannot create %s (%s) as %s: its reservation on %s holds %s of VRAM: %s (%s)",
				t->dir, a, rv->uuid, p->name, b,
				strerror(ENOSPC), mdg_errno_name(ENOSPC));
	if (rv->vram > 0)
		fprintf(mdg_err, "mdgpuctl: placed on %s: %s has a reservation there (%s of VRAM at %lld, engine share %lld ppm, priority %d)\n",
			p->name, rv->uuid, b, (long long)rv->offset,
			(long long)rv->share, rv->priority);
	else if (t->available == 0)
		return full(p, t);
	else
		fprintf(mdg_err, "mdgpuctl: placed on %s: %s has a reservation there (no VRAM, engine share %lld ppm, priority %d)\n",
			p->name, rv->uuid, (long long)rv->share, rv->priority);
	*pp = p;
	*tp = t;
	return 0;
}

/*
 * Pick the parent and type to create on, or report why there is none.
 * An instance whose @uuid is reserved on a parent goes there (on another
 * parent named by --parent, it is an ordinary instance). Without --parent
 * only healthy parents are candidates, and the placement policy chooses
 * among them; VRAM that reservations hold counts as used there.
 */
static int pick(struct mdg_system *sys, const char *type, const char *parent,
		const char *uuid, uint64_t min_share,
		enum mdg_place_policy pol, struct mdg_parent **pp,
		struct mdg_type **tp)
{
	const struct mdg_resv *rv;
	struct mdg_parent *cand_p[MDG_MAX_PARENTS];
	struct mdg_type *cand_t[MDG_MAX_PARENTS];
	size_t nr_cand = 0;
	char names[512];
	struct mdg_parent *p, *full_p = NULL, *sick_p = NULL, *busy_p = NULL;
	struct mdg_type *t, *full_t = NULL, *sick_t = NULL, *busy_t = NULL;
	struct mdg_range *room;
	struct mdg_cap cap, busy_cap = { 0 };
	size_t i, max;

	if (parent) {
		p = mdg_find_parent(sys, parent);
		if (!p) {
			list_parents(sys, names, sizeof(names));
			return mdg_fail(MDG_EXIT_NOTFOUND,
					"no mdgpu parent '%s' (parents: %s)",
					parent, names[0] ? names : "none");
		}
		t = mdg_find_type(p, type);
		if (!t) {
			list_types(p, names, sizeof(names));
			return mdg_fail(MDG_EXIT_NOTFOUND,
					"unknown type '%s': %s offers %s",
					type, p->name, names[0] ? names : "no types");
		}
		rv = uuid[0] ? mdg_parent_resv(p, uuid) : NULL;
		if (rv)
			return pick_reserved(p, rv, type, pp, tp);
		if (!strcmp(p->health, "failed"))
			return unhealthy(p, t);
		if (t->available == 0)
			return full(p, t);
		*pp = p;
		*tp = t;
		return 0;
	}
	for (i = 0; uuid[0] && i < sys->nr_parents; i++) {
		rv = mdg_parent_resv(&sys->parents[i], uuid);
		if (rv)
			return pick_reserved(&sys->parents[i], rv, type, pp,
					     tp);
	}
	/*
	 * Only a healthy parent is picked (a named one may be degraded), and
	 * only where the instance fits: VRAM, and its min_share (--set)
	 * within what the engine has not committed.
	 */
	max = sys->nr_instances + MDG_MAX_RESV + 1;
	room = calloc(max, sizeof(*room));
	if (!room)
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	for (i = 0; i < sys->nr_parents; i++) {
		enum mdg_fit_verdict v;

		p = &sys->parents[i];
		t = mdg_find_type(p, type);
		if (!t)
			continue;
		if (!mdg_parent_healthy(p)) {
			if (!sick_p) {
				sick_p = p;
				sick_t = t;
			}
			continue;
		}
		v = fits(sys, p, t, min_share, &cap, room, max);
		if (v == MDG_FIT_OK) {
			if (nr_cand < MDG_MAX_PARENTS) {
				cand_p[nr_cand] = p;
				cand_t[nr_cand++] = t;
			}
		} else if (v == MDG_FIT_NO_SHARE && !busy_p) {
			busy_p = p;
			busy_t = t;
			busy_cap = cap;
			busy_cap.used = NULL;	/* room is reused */
			busy_cap.nr_used = 0;
		} else if (v != MDG_FIT_NO_SHARE && !full_p) {
			full_p = p;
			full_t = t;
		}
	}
	free(room);
	if (nr_cand) {
		place(cand_p, cand_t, nr_cand, pol, pp, tp);
		return 0;
	}
	if (busy_p) {
		char why[160];

		mdg_fit_verdict_fmt(&busy_cap, MDG_FIT_NO_SHARE,
				    busy_t->desc.framebuffer, min_share, why,
				    sizeof(why));
		return mdg_fail(MDG_EXIT_REFUSED,
				"cannot create %s: no healthy parent with room for it admits its min_share: %s: %s: %s (%s)",
				busy_t->dir, busy_p->name, why,
				strerror(ERANGE), mdg_errno_name(ERANGE));
	}
	if (full_p)
		return full(full_p, full_t);
	if (sick_p)
		return unhealthy(sick_p, sick_t);
	if (sys->nr_parents)
		list_types(&sys->parents[0], names, sizeof(names));
	else
		mdg_fmt(names, sizeof(names), "none: no parents");
	return mdg_fail(MDG_EXIT_NOTFOUND, "unknown type '%s' (types: %s)",
			type, names);
}

static const struct option create_opts[] = {
	{ "parent", required_argument, NULL, 'p' },
	{ "policy", required_argument, NULL, 'P' },
	{ "uuid", required_argument, NULL, 'u' },
	{ "set", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define MDG_MAX_SETS	16

/*
 * mdgpuctl create TYPE [--parent P | --policy spread|pack] [--uuid U]
 *		   [--set NAME=VALUE]...
 */
/**
 * mdg_create_write() - create an instance: write its UUID to the type's
 *			create file
 * @p: the parent
 * @t: the type, one of @p's
 * @uuid: the new instance's UUID
 *
 * Return: 0, or the exit code of the kernel's refusal (reported).
 */
int mdg_create_write(const struct mdg_parent *p, const struct mdg_type *t,
		     const char *uuid)
{
	char rel[PATH_MAX], path[PATH_MAX];
	int ret;

	mdg_fmt(rel, sizeof(rel), "mdev_supported_types/%s/create", t->dir);
	mdg_parent_dir_path(p->name, rel, path, sizeof(path));
	ret = mdg_write_str(path, uuid);
	if (ret)
		return mdg_fail(mdg_errno_exit(ret),
				"the kernel refused to create %s %s on %s (writing %s): %s (%s)",
				t->dir, uuid, p->name, path, strerror(-ret),
				mdg_errno_name(ret));
	return 0;
}

/**
 * mdg_create_undo() - remove an instance that could not be configured,
 *		       so nothing half-configured is left behind
 * @uuid: the instance
 */
void mdg_create_undo(const char *uuid)
{
	char path[PATH_MAX];
	int ret;

	mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	ret = mdg_write_str(path, "1");
	if (ret)
		mdg_warn("%s was created but could not be configured, and removing it failed: %s (%s)",
			 uuid, strerror(-ret), mdg_errno_name(ret));
	else
		mdg_warn("%s was created but could not be configured; removed it again",
			 uuid);
}

int mdg_cmd_create(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl create TYPE [--parent P | --policy spread|pack] [--uuid U]\n"
		"                            [--set NAME=VALUE]...";
	enum mdg_place_policy pol = MDG_PLACE_SPREAD;
	uint64_t min_share = 0;
	bool have_pol = false;
	char uuid[MDG_UUID_LEN + 1] = "", path[PATH_MAX], why[256];
	const char *parent = NULL, *sets[MDG_MAX_SETS];
	struct mdg_parent *p = NULL;
	struct mdg_type *t = NULL;
	struct mdg_system sys;
	int c, rc, ret, nr_sets = 0, i;

	while ((c = getopt_long(argc, argv, "p:u:s:h", create_opts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			parent = optarg;
			break;
		case 'P':
			if (mdg_place_policy_parse(optarg, &pol))
				return mdg_fail(MDG_EXIT_USAGE,
						"--policy '%s': spread or pack",
						optarg);
			have_pol = true;
			break;
		case 'u':
			if (!mdg_uuid_valid(optarg, uuid))
				return mdg_fail(MDG_EXIT_USAGE,
						"'%s' is not a UUID (want 8-4-4-4-12 hex digits)",
						optarg);
			break;
		case 's':
			if (nr_sets == MDG_MAX_SETS)
				return mdg_fail(MDG_EXIT_USAGE,
						"too many --set options");
			sets[nr_sets++] = optarg;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (have_pol && parent)
		return mdg_fail(MDG_EXIT_USAGE,
				"--policy places among all parents: not with --parent");

	/* Every --set must be a valid per-vGPU value before anything exists. */
	for (i = 0; i < nr_sets; i++) {
		const char *eq = strchr(sets[i], '=');
		const struct mdg_tunable *tun;
		char name[64];

		if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof(name))
			return mdg_fail(MDG_EXIT_USAGE,
					"--set '%s' is not NAME=VALUE", sets[i]);
		memcpy(name, sets[i], eq - sets[i]);
		name[eq - sets[i]] = 0;
		tun = mdg_tunable_find(name);
		if (!tun || tun->scope != MDG_SCOPE_INSTANCE)
			return mdg_fail(MDG_EXIT_USAGE,
					"--set %s: not a per-vGPU tunable (mdgpuctl list tunables)",
					name);
		if (mdg_tunable_check(tun, eq + 1, why, sizeof(why)))
			return mdg_fail(MDG_EXIT_USAGE, "%s", why);
		/* Placement admits it (the last --set of it wins). */
		if (!strcmp(name, "min_share") &&
		    mdg_parse_fixed(eq + 1, MDG_SHARE_DECIMALS, &min_share))
			return mdg_fail(MDG_EXIT_USAGE, "--set %s", sets[i]);
	}

	ret = mdg_system_load(&sys);
	if (ret) {
		rc = mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s", strerror(-ret));
		goto out;
	}
	rc = mdg_require_loaded(&sys);
	if (!rc)
		rc = pick(&sys, argv[optind], parent, uuid, min_share, pol, &p,
			  &t);
	if (rc)
		goto out;

	if (uuid[0]) {
		if (mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s",
			     uuid) == 0 && mdg_exists(path)) {
			rc = mdg_fail(MDG_EXIT_REFUSED,
				      "cannot create %s: an mdev device with UUID %s exists (%s): %s (%s)",
				      t->dir, uuid, path, strerror(EEXIST),
				      mdg_errno_name(EEXIST));
			goto out;
		}
	} else {
		uuid_t u;

		uuid_generate_random(u);
		uuid_unparse_lower(u, uuid);
	}

	rc = mdg_create_write(p, t, uuid);
	if (rc)
		goto out;

	for (i = 0; i < nr_sets; i++) {
		rc = mdg_tunable_apply(uuid, sets[i]);
		if (rc) {
			mdg_create_undo(uuid);
			goto out;
		}
	}
	fprintf(mdg_out, "%s\n", uuid);
out:
	mdg_system_free(&sys);
	return rc;
}

static const struct option remove_opts[] = {
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl remove UUID [--force] */
int mdg_cmd_remove(int argc, char **argv)
{
	static const char usage[] = "usage: mdgpuctl remove UUID [--force]";
	char uuid[MDG_UUID_LEN + 1], path[PATH_MAX], holders[256];
	struct mdg_instance *in;
	struct mdg_system sys;
	bool force = false;
	int c, rc = 0, ret, probe;

	while ((c = getopt_long(argc, argv, "fh", remove_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (!mdg_uuid_valid(argv[optind], uuid))
		return mdg_fail(MDG_EXIT_USAGE,
				"'%s' is not a UUID (want 8-4-4-4-12 hex digits)",
				argv[optind]);

	ret = mdg_system_load(&sys);
	if (ret) {
		rc = mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s", strerror(-ret));
		goto out;
	}
	rc = mdg_require_loaded(&sys);
	if (rc)
		goto out;
	in = mdg_find_instance(&sys, uuid);
	if (!in) {
		mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
		if (mdg_exists(path))
			rc = mdg_fail(MDG_EXIT_NOTFOUND,
				      "%s is an mdev device of another driver, not an mdgpu instance",
				      uuid);
		else
			rc = mdg_fail(MDG_EXIT_NOTFOUND,
				      "no mdgpu instance %s (no %s)", uuid, path);
		goto out;
	}

	mdg_fmt_holders(in, holders, sizeof(holders));
	if (in->removing) {
		rc = mdg_fail(MDG_EXIT_BUSY,
			      "the removal of %s is already pending: it completes when %s closes the device",
			      uuid, holders[0] ? holders : "its VFIO user");
		goto out;
	}
	probe = in->nr_holders ? 1 : mdg_probe_group_busy(in->group);
	if (probe == 1 && !force) {
		rc = mdg_fail(MDG_EXIT_BUSY,
			      "%s is in use by %s: removing it now would wait until that user closes it. Shut the VM down or detach the device, or use --force to remove anyway (mdgpu asks the VM to unplug the device, and the removal waits for it)",
			      uuid, holders[0] ? holders :
			      "a VFIO user (its IOMMU group is open)");
		goto out;
	}
	if (probe == 1)
		fprintf(mdg_err, "mdgpuctl: %s is in use by %s; asked it to release the device, waiting...\n",
			uuid, holders[0] ? holders : "a VFIO user");

	mdg_instance_path(in, "remove", path, sizeof(path));
	ret = mdg_write_str(path, "1");
	if (ret)
		rc = mdg_fail(mdg_errno_exit(ret),
			      "the kernel refused to remove %s (writing %s): %s (%s)",
			      uuid, path, strerror(-ret), mdg_errno_name(ret));
out:
	mdg_system_free(&sys);
	return rc;
}
