// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: the checkpoint, restore and evacuate commands, through VFIO
 * migration (migrate.c drives the device; relocate.c the steps of a move
 * and their rollback, which evacuate shares with mdgpu-balancer --move).
 *
 * What an instance holds when no VM does (Documentation/admin-guide.rst,
 * "Moving vGPUs"): a device closed in RUNNING is reset, so a new user finds
 * it in its power-on state with blank VRAM; a device closed in STOP right
 * after a successful restore is "parked" and its next user starts from the
 * restored state. restore leaves the instance parked; checkpoint of a
 * parked instance restores what it saved, so that it stays parked.
 *
 * VFIO allows one user of a device at a time: an instance a VM holds is
 * refused (it moves by QEMU migration instead).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/mdgpu_vfio.h"
#include "mdgpuctl.h"
#include "migrate.h"
#include "relocate.h"

static int dest_compat(const struct mdg_instance *in,
		       struct mdg_mig_compat_info *c)
{
	char path[PATH_MAX], line[512];
	int ret;

	ret = mdg_ckpt_attr(in, "migration_compat", line, sizeof(line), path,
			    sizeof(path));
	if (ret == -ENOENT)
		return mdg_fail(MDG_EXIT_NOTFOUND,
				"%s cannot be restored onto: this mdgpu module has no VFIO migration (no %s)",
				in->uuid, path);
	if (ret)
		return mdg_fail(MDG_EXIT_FAIL, "cannot read %s: %s (%s)", path,
				strerror(-ret), mdg_errno_name(ret));
	if (mdg_mig_compat_parse(line, c))
		return mdg_fail(MDG_EXIT_FAIL,
				"%s is not a compatibility descriptor mdgpuctl understands: '%s'",
				path, line);
	return 0;
}

/*
 * Load the snapshot and find the instance @arg names, refusing one that is
 * held or being removed. On success *inp points into @sys.
 */
static int find_unheld(struct mdg_system *sys, const char *arg,
		       struct mdg_instance **inp)
{
	char uuid[MDG_UUID_LEN + 1], holders[256];
	struct mdg_instance *in;
	int ret, rc;

	if (!mdg_uuid_valid(arg, uuid))
		return mdg_fail(MDG_EXIT_USAGE,
				"'%s' is not a UUID (want 8-4-4-4-12 hex digits)",
				arg);
	ret = mdg_system_load(sys);
	if (ret)
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	rc = mdg_require_loaded(sys);
	if (rc)
		return rc;
	in = mdg_find_instance(sys, uuid);
	if (!in)
		return mdg_fail(MDG_EXIT_NOTFOUND,
				"no mdgpu instance %s (mdgpuctl list instances)",
				uuid);
	mdg_fmt_holders(in, holders, sizeof(holders));
	if (in->removing)
		return mdg_fail(MDG_EXIT_BUSY,
				"%s is being removed (waiting for %s)", uuid,
				holders[0] ? holders : "its VFIO user");
	if (in->nr_holders)
		return mdg_fail(MDG_EXIT_BUSY, "%s is in use by %s: %s", uuid,
				holders, mdg_ckpt_one_user);
	*inp = in;
	return 0;
}

/* ---- checkpoint ---------------------------------------------------------- */

static const struct option ckpt_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Make a rename() durable: fsync the directory that holds @file. */
static void sync_dir(const char *file)
{
	char buf[PATH_MAX];
	int fd;

	mdg_fmt(buf, sizeof(buf), "%s", file);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* mdgpuctl checkpoint UUID FILE */
int mdg_cmd_checkpoint(int argc, char **argv)
{
	static const char usage[] = "usage: mdgpuctl checkpoint UUID FILE";
	char tmp[PATH_MAX], state[32], summary[128];
	struct mdg_instance *in = NULL;
	struct mdg_mig_scan scan, again;
	struct mdgpu_vfio dev;
	struct mdg_system sys;
	struct mdg_ckpt_sink sink = { .fd = -1 };
	struct mdg_ckpt_src src = { .fd = -1 };
	const char *file;
	bool parked;
	int c, rc, fd;

	while ((c = getopt_long(argc, argv, "h", ckpt_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	file = argv[optind + 1];
	if (mdg_fmt(tmp, sizeof(tmp), "%s.tmp", file))
		return mdg_fail(MDG_EXIT_USAGE, "file name too long");
	rc = find_unheld(&sys, argv[optind], &in);
	if (rc) {
		mdg_system_free(&sys);
		return rc;
	}
	mdg_ckpt_state(in, state, sizeof(state));
	parked = !strcmp(state, "parked");
	rc = mdg_ckpt_open(in->uuid, &dev);
	if (rc) {
		mdg_system_free(&sys);
		return rc;
	}
	if (mdg_mig_scan_init(&scan)) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out_dev;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = mdg_fail(MDG_EXIT_FAIL, "cannot create %s: %s", tmp,
			      strerror(errno));
		goto out_scan;
	}
	sink.fd = fd;
	rc = mdg_ckpt_save(&dev, in->uuid, &sink, &scan);
	if (!rc && fsync(fd))
		rc = mdg_fail(MDG_EXIT_FAIL, "writing %s: %s", tmp,
			      strerror(errno));
	if (close(fd) && !rc)
		rc = mdg_fail(MDG_EXIT_FAIL, "writing %s: %s", tmp,
			      strerror(errno));
	if (!rc && rename(tmp, file))
		rc = mdg_fail(MDG_EXIT_FAIL, "cannot rename %s to %s: %s", tmp,
			      file, strerror(errno));
	if (rc) {
		unlink(tmp);
		goto out_scan;
	}
	sync_dir(file);
	mdg_ckpt_summary(&scan, summary, sizeof(summary));

	if (!parked) {
		rc = mdg_ckpt_set_state(&dev, in->uuid, VFIO_DEVICE_STATE_RUNNING, NULL);
		fprintf(mdg_out,
			"%s: saved %s to %s (its power-on state and tunables: an instance no VM holds keeps no guest state unless it is parked)\n",
			in->uuid, summary, file);
		goto out_scan;
	}
	/* Opening the parked instance took its state: give it back. */
	src.fd = open(file, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0 || mdg_mig_scan_init(&again)) {
		mdg_warn("%s lost its parked state (cannot read %s back: %s); mdgpuctl restore %s %s parks it again",
			 in->uuid, file, strerror(errno), in->uuid, file);
		if (src.fd >= 0)
			close(src.fd);
		goto out_scan;
	}
	rc = mdg_ckpt_load(&dev, in->uuid, &src, &again);
	close(src.fd);
	mdg_mig_scan_free(&again);
	if (rc) {
		mdg_warn("%s lost its parked state; mdgpuctl restore %s %s parks it again",
			 in->uuid, in->uuid, file);
		goto out_scan;
	}
	fprintf(mdg_out, "%s: saved %s to %s (its parked state; it stays parked)\n",
		in->uuid, summary, file);
out_scan:
	mdg_mig_scan_free(&scan);
out_dev:
	mdgpu_vfio_close(&dev);
	mdg_system_free(&sys);
	return rc;
}

/* ---- restore ------------------------------------------------------------- */

/*
 * Check a checkpoint file before anything touches the destination: the
 * header against @dst, then (unless @header_only) every record and the
 * checksum. Returns an exit code; @scan holds what the file holds.
 */
static int check_file(const char *file, int fd,
		      const struct mdg_mig_compat_info *dst, const char *uuid,
		      bool header_only, struct mdg_mig_scan *scan)
{
	char why[256];
	bool checked = false;
	uint8_t *buf;
	int ret = 0;
	ssize_t n;

	buf = malloc(MDG_CKPT_CHUNK);
	if (!buf)
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	for (;;) {
		n = read(fd, buf, MDG_CKPT_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return mdg_fail(MDG_EXIT_FAIL, "reading %s: %s", file,
					strerror(errno));
		}
		if (!n)
			break;
		ret = mdg_mig_scan_feed(scan, buf, n);
		if (scan->have_header && !checked) {
			checked = true;
			ret = mdg_mig_compat_check(&scan->compat, dst, why,
						   sizeof(why));
			if (ret) {
				free(buf);
				return mdg_fail(MDG_EXIT_REFUSED,
						"%s cannot be restored onto %s: %s (the kernel would refuse it with %s)",
						file, uuid, why,
						mdg_errno_name(ret));
			}
			if (header_only)
				break;
		}
		if (scan->err)
			break;
	}
	free(buf);
	if (!header_only || !scan->have_header)
		ret = mdg_mig_scan_finish(scan);
	if (ret)
		return mdg_fail(MDG_EXIT_REFUSED,
				"%s is not a valid checkpoint: %s (the kernel would refuse it with %s); %s was not touched",
				file, scan->why, mdg_errno_name(ret), uuid);
	return 0;
}

static const struct option restore_opts[] = {
	{ "no-verify", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl restore UUID FILE [--no-verify] */
int mdg_cmd_restore(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl restore UUID FILE [--no-verify]";
	char state[32], summary[128];
	struct mdg_mig_compat_info dst;
	struct mdg_instance *in = NULL;
	struct mdg_mig_scan scan, fed;
	struct mdg_ckpt_src src = { .fd = -1 };
	struct mdgpu_vfio dev;
	struct mdg_system sys;
	bool verify = true;
	const char *file;
	int c, rc;

	while ((c = getopt_long(argc, argv, "nh", restore_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			verify = false;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	file = argv[optind + 1];
	rc = find_unheld(&sys, argv[optind], &in);
	if (!rc)
		rc = dest_compat(in, &dst);
	if (rc) {
		mdg_system_free(&sys);
		return rc;
	}
	src.fd = open(file, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0) {
		rc = mdg_fail(errno == ENOENT ? MDG_EXIT_NOTFOUND : MDG_EXIT_FAIL,
			      "cannot open %s: %s", file, strerror(errno));
		mdg_system_free(&sys);
		return rc;
	}
	if (mdg_mig_scan_init(&scan)) {
		close(src.fd);
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	}
	rc = check_file(file, src.fd, &dst, in->uuid, !verify, &scan);
	if (rc)
		goto out_scan;
	if (lseek(src.fd, 0, SEEK_SET)) {
		rc = mdg_fail(MDG_EXIT_FAIL, "cannot read %s again: %s", file,
			      strerror(errno));
		goto out_scan;
	}
	rc = mdg_ckpt_open(in->uuid, &dev);
	if (rc)
		goto out_scan;
	if (mdg_mig_scan_init(&fed)) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out_dev;
	}
	rc = mdg_ckpt_load(&dev, in->uuid, &src, &fed);
	mdg_ckpt_summary(&fed, summary, sizeof(summary));
	mdg_mig_scan_free(&fed);
out_dev:
	/* Closed in STOP after a restore: the instance is parked. */
	mdgpu_vfio_close(&dev);
	if (!rc) {
		mdg_ckpt_state(in, state, sizeof(state));
		fprintf(mdg_out,
			"%s: restored %s from %s (type %s); %s: its next user starts from this state\n",
			in->uuid, summary, file, scan.compat.type,
			state[0] ? state : "parked");
		if (state[0] && strcmp(state, "parked"))
			mdg_warn("%s reads migration_state '%s' after the restore, not 'parked'",
				 in->uuid, state);
	}
out_scan:
	mdg_mig_scan_free(&scan);
	close(src.fd);
	mdg_system_free(&sys);
	return rc;
}

/* ---- evacuate ------------------------------------------------------------ */
/* What evacuate moves: an instance, what it carries, its mdevctl definition. */
struct evac_item {
	struct mdg_instance *in;
	struct mdg_reloc reloc;
	char *mdevctl;
};

/*
 * Move one instance (relocate.c, with its rollback); returns an exit code.
 * *@busy is set when its device could not be opened because someone holds
 * it (nothing was changed).
 */
static int evacuate_one(struct evac_item *it, bool *busy)
{
	struct mdg_reloc *r = &it->reloc;
	enum mdg_reloc_result res;
	char tun[256], why[256];

	res = mdg_relocate_instance(r);
	*busy = res == MDG_RELOC_UNCHANGED && r->err == -EBUSY;
	if (res != MDG_RELOC_MOVED)
		return mdg_errno_exit(r->err);
	mdg_reloc_fmt_tunables(r, tun, sizeof(tun));
	fprintf(mdg_out, "moved %s %s: %s, parked on %s; tunables %s%s\n",
		r->uuid, r->type, r->summary, r->to, tun,
		r->failed_tunables ? " (some failed, see above)" : "");
	if (it->mdevctl) {
		if (mdg_mdevctl_move(r->uuid, r->from, r->to, it->mdevctl, why,
				     sizeof(why)))
			mdg_warn("%s: moving its mdevctl definition: %s",
				 r->uuid, why);
		else
			fprintf(mdg_out, "  its mdevctl definition moved from %s to %s\n",
				r->from, r->to);
	}
	return MDG_EXIT_OK;
}

static int cmp_item_size(const void *a, const void *b)
{
	const struct evac_item *x = a, *y = b;

	if (x->in->vram_size != y->in->vram_size)
		return x->in->vram_size > y->in->vram_size ? -1 : 1;
	return strcmp(x->in->uuid, y->in->uuid);
}

/* Does everything in @items fit on @p? Prints why not. */
static int check_room(const struct mdg_system *sys, struct mdg_parent *p,
		      const struct evac_item *items, size_t n)
{
	struct mdg_range *used, *placed;
	uint64_t *sizes, sum;
	size_t i, nr_used, nr_placed = 0;
	int ret, rc = 0;

	for (i = 0; i < n; i++)
		if (!mdg_find_type(p, items[i].in->type))
			return mdg_fail(MDG_EXIT_REFUSED,
					"%s does not offer %s, the type of %s",
					p->name, items[i].in->type,
					items[i].in->uuid);
	used = calloc(sys->nr_instances + p->nr_resv + 1, sizeof(*used));
	placed = calloc(n + 1, sizeof(*placed));
	sizes = calloc(n + 1, sizeof(*sizes));
	if (!used || !placed || !sizes) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out;
	}
	nr_used = mdg_parent_used_ranges(sys, p, used, &sum);
	for (i = 0; i < n; i++)
		sizes[i] = items[i].in->vram_size;
	ret = mdg_fit_simulate(p->vram_promised, used, nr_used, sizes, n, placed,
			       &nr_placed);
	/* -EINVAL: a range larger than all of the parent's VRAM. */
	if (ret == -ENOSPC || ret == -EINVAL)
		rc = mdg_fail(MDG_EXIT_REFUSED,
			      "%s has no room: only %zu of the %zu instances to move fit, largest first (mdgpuctl fit); then no aligned range for %s (%s): %s (%s)",
			      p->name, nr_placed, n,
			      items[nr_placed].in->uuid,
			      items[nr_placed].in->type, strerror(ENOSPC),
			      mdg_errno_name(ENOSPC));
	else if (ret)
		rc = mdg_fail(MDG_EXIT_FAIL,
			      "cannot simulate the placement on %s: %s",
			      p->name, strerror(-ret));
out:
	free(used);
	free(placed);
	free(sizes);
	return rc;
}

static const struct option evac_opts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl evacuate PARENT --to PARENT2 [--dry-run] */
int mdg_cmd_evacuate(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl evacuate PARENT --to PARENT2 [--dry-run]";
	struct evac_item *items = NULL;
	struct mdg_parent *from, *to;
	const char *to_name = NULL;
	char holders[256], tun[256];
	size_t i, n = 0, skipped = 0, total = 0, moved;
	struct mdg_system sys;
	bool dry = false;
	int c, rc, ret;

	while ((c = getopt_long(argc, argv, "t:nh", evac_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			to_name = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !to_name)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (!strcmp(argv[optind], to_name))
		return mdg_fail(MDG_EXIT_USAGE,
				"evacuate %s --to %s: the destination must be another parent",
				to_name, to_name);
	ret = mdg_system_load(&sys);
	if (ret) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	}
	rc = mdg_require_loaded(&sys);
	if (rc)
		goto out;
	from = mdg_find_parent(&sys, argv[optind]);
	to = mdg_find_parent(&sys, to_name);
	if (!from || !to) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "no mdgpu parent '%s'",
			      from ? to_name : argv[optind]);
		goto out;
	}
	if (!strcmp(to->health, "failed")) {
		rc = mdg_fail(MDG_EXIT_REFUSED,
			      "%s is failed (%s): nothing can move there",
			      to->name, to->health_reason[0] ?
			      to->health_reason : "no reason given");
		goto out;
	}
	items = calloc(sys.nr_instances + 1, sizeof(*items));
	if (!items) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < sys.nr_instances; i++) {
		struct mdg_instance *in = &sys.instances[i];

		if (strcmp(in->parent, from->name))
			continue;
		total++;
		if (in->nr_holders || in->removing) {
			mdg_fmt_holders(in, holders, sizeof(holders));
			fprintf(mdg_out,
				"skip  %s %s: %s %s; move it with QEMU migration (admin guide, \"Moving vGPUs\")\n",
				in->uuid, in->type[0] ? in->type : "?",
				in->removing ? "being removed, held by" : "held by",
				holders[0] ? holders : "a VFIO user");
			skipped++;
			continue;
		}
		items[n].in = in;
		mdg_reloc_init(&items[n].reloc, in, to->name);
		items[n].mdevctl = mdg_mdevctl_definition(in->uuid, from->name);
		n++;
	}
	if (n) {
		qsort(items, n, sizeof(*items), cmp_item_size);
		rc = check_room(&sys, to, items, n);
		if (rc)
			goto out;
	}
	moved = n;
	for (i = 0; i < n && dry; i++) {
		mdg_reloc_fmt_tunables(&items[i].reloc, tun, sizeof(tun));
		fprintf(mdg_out, "would move %s %s to %s; tunables %s; %s\n",
			items[i].in->uuid, items[i].in->type, to->name, tun,
			items[i].mdevctl ? "its mdevctl definition moves too" :
			"no mdevctl definition");
	}
	for (i = 0; i < n && !dry; i++) {
		bool busy;

		rc = evacuate_one(&items[i], &busy);
		if (rc && busy) {
			/* A holder /proc did not show (a device fd only). */
			fprintf(mdg_out,
				"skip  %s %s: its VFIO group is open; move it with QEMU migration (admin guide, \"Moving vGPUs\")\n",
				items[i].in->uuid, items[i].in->type);
			skipped++;
			moved--;
			continue;
		}
		if (rc) {
			mdg_warn("stopped after %zu of %zu instances", i, n);
			goto out;
		}
	}
	fprintf(mdg_out, "%s%s: %zu instance%s, %zu %s to %s, %zu skipped (held)\n",
		dry ? "dry run: " : "", from->name, total,
		total == 1 ? "" : "s", moved, dry ? "would move" : "moved",
		to->name, skipped);
	rc = skipped ? MDG_EXIT_BUSY : MDG_EXIT_OK;
out:
	for (i = 0; items && i < n; i++)
		free(items[i].mdevctl);
	free(items);
	mdg_system_free(&sys);
	return rc;
}
