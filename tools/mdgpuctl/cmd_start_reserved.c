// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl start-reserved: start the auto-start mdevctl definitions that
 * own a reservation of a parent.
 *
 * mdevctl does not try to create a device whose type reports
 * available_instances 0, and the VRAM a reservation keeps is not available
 * to ordinary creates. So on a parent whose unreserved VRAM is used up,
 * mdevctl never starts the vGPU the reservation is for, at boot or by
 * hand (seen with Debian 12's mdevctl 1.2.0: "No available instances of
 * mdgpu-128M on sim0"). This command does what mdevctl would, for those
 * definitions only: for each unheld reservation of PARENT whose UUID has a
 * definition DIR/PARENT/UUID with "start": "auto", it writes the UUID to
 * the definition's type's create file (the module puts it into its
 * reservation) and then the definition's attributes, in their order, to
 * the new device's files. The udev rule 59-mdgpu.rules runs it when a
 * parent registers with mdev, before mdevctl's own rule.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <string.h>

#include "mdgpuctl.h"

#define MDEVCTL_DIR "/etc/mdevctl.d"

/* An mdevctl attribute name: a path under the device, never out of it. */
static bool attr_name_ok(const char *name)
{
	const char *s;

	if (!*name || *name == '/' || strlen(name) >= 128)
		return false;
	for (s = name; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./", *s))
			return false;
	return strstr(name, "..") == NULL;
}

/*
 * Write the definition's attributes: an array of one-member objects,
 * {"NAME": "VALUE"}, applied in order as mdevctl does. 0, or an exit code.
 */
static int apply_attrs(const char *uuid, struct json_object *attrs)
{
	char path[PATH_MAX];
	size_t i, n;
	int ret;

	if (!attrs)
		return MDG_EXIT_OK;
	if (!json_object_is_type(attrs, json_type_array))
		return mdg_fail(MDG_EXIT_FAIL, "%s: \"attrs\" is not an array",
				uuid);
	n = json_object_array_length(attrs);
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(attrs, i);
		struct json_object_iterator it, end;
		const char *name, *value;

		if (!json_object_is_type(a, json_type_object) ||
		    json_object_object_length(a) != 1)
			return mdg_fail(MDG_EXIT_FAIL,
					"%s: attribute %zu is not {\"NAME\": \"VALUE\"}",
					uuid, i + 1);
		it = json_object_iter_begin(a);
		end = json_object_iter_end(a);
		if (json_object_iter_equal(&it, &end))
			return mdg_fail(MDG_EXIT_FAIL, "%s: empty attribute",
					uuid);
		name = json_object_iter_peek_name(&it);
		value = json_object_get_string(json_object_iter_peek_value(&it));
		if (!attr_name_ok(name) || !value)
			return mdg_fail(MDG_EXIT_FAIL,
					"%s: bad attribute name or value '%s'",
					uuid, name);
		if (mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/%s",
			     uuid, name))
			return mdg_fail(MDG_EXIT_FAIL, "%s: path too long",
					uuid);
		ret = mdg_write_str(path, value);
		if (ret)
			return mdg_fail(mdg_errno_exit(ret),
					"%s: writing %s=%s: %s (%s)", uuid,
					name, value, strerror(-ret),
					mdg_errno_name(ret));
	}
	return MDG_EXIT_OK;
}

/* Start @r's definition @file on @p. 0, or an exit code. */
static int start_one(struct mdg_parent *p, const struct mdg_resv *r,
		     const char *file)
{
	struct json_object *def, *o;
	const char *start, *type;
	char path[PATH_MAX];
	struct mdg_type *t;
	int rc;

	def = json_object_from_file(file);
	if (!def)
		return mdg_fail(MDG_EXIT_FAIL, "%s: not a JSON mdevctl definition",
				file);
	start = json_object_object_get_ex(def, "start", &o) ?
		json_object_get_string(o) : NULL;
	if (!start || strcmp(start, "auto")) {
		/* A manual definition: the admin starts it. */
		json_object_put(def);
		return MDG_EXIT_OK;
	}
	type = json_object_object_get_ex(def, "mdev_type", &o) ?
		json_object_get_string(o) : NULL;
	/* The type's name as mdevctl writes it, not a short form. */
	t = type ? mdg_find_type(p, type) : NULL;
	if (!t || strcmp(t->dir, type)) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "%s: type '%s' is not one of %s's",
			      file, type ? type : "(none)", p->name);
		goto out;
	}
	if (mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s",
		     r->uuid) == 0 && mdg_exists(path)) {
		/* Started already (by mdevctl, or by hand). */
		rc = MDG_EXIT_OK;
		goto out;
	}
	rc = mdg_create_write(p, t, r->uuid);
	if (rc)
		goto out;
	rc = apply_attrs(r->uuid,
			 json_object_object_get_ex(def, "attrs", &o) ? o : NULL);
	if (rc) {
		mdg_create_undo(r->uuid);
		goto out;
	}
	fprintf(mdg_out, "%s: started %s (%s) into its reservation\n", p->name,
		r->uuid, t->dir);
out:
	json_object_put(def);
	return rc;
}

static const struct option start_reserved_opts[] = {
	{ "config-dir", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl start-reserved PARENT [--config-dir DIR] */
int mdg_cmd_start_reserved(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl start-reserved PARENT [--config-dir DIR]";
	const char *dir = MDEVCTL_DIR;
	char file[PATH_MAX];
	struct mdg_system sys;
	struct mdg_parent *p;
	int c, rc, ret;
	size_t i;

	while ((c = getopt_long(argc, argv, "d:h", start_reserved_opts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
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

	ret = mdg_system_load(&sys);
	if (ret)
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	rc = mdg_require_loaded(&sys);
	if (rc)
		goto out;
	p = mdg_find_parent(&sys, argv[optind]);
	if (!p) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "no parent '%s'", argv[optind]);
		goto out;
	}
	for (i = 0; i < p->nr_resv; i++) {
		const struct mdg_resv *r = &p->resv[i];
		int one;

		if (r->held)
			continue;
		if (mdg_fmt(file, sizeof(file), "%s/%s/%s", dir, p->name,
			    r->uuid) || !mdg_exists(file))
			continue;
		one = start_one(p, r, file);
		if (one && !rc)
			rc = one;
	}
out:
	mdg_system_free(&sys);
	return rc;
}
