// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: list, stats and mdevctl, the commands that only read.
 *
 * JSON is built with json-c; the key names are part of the interface
 * (documented in mdgpuctl.8) and only ever get added to. Sizes and offsets
 * are in bytes; a value mdgpuctl could not read is null.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mdgpuctl.h"

/* The persistent parent settings (tools/udev/parents.conf). */
#define MDG_PARENTS_CONF "/etc/mdgpu/parents.conf"

static struct json_object *json_s64(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

static void print_json(struct json_object *obj)
{
	fprintf(mdg_out, "%s\n",
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* A tunable's value: a number for an integer tunable, else the word. */
static struct json_object *tunable_value_json(const struct mdg_tunable *t,
					      const char *val)
{
	char *end;
	long long v;

	if (t->kind == MDG_KIND_INT) {
		errno = 0;
		v = strtoll(val, &end, 10);
		if (!errno && end != val && !*end)
			return json_object_new_int64(v);
	}
	return json_object_new_string(val);
}

/* The tunables of @scope on @target that the module exports. */
static struct json_object *scope_tunables_json(enum mdg_scope scope,
					       const char *target)
{
	struct json_object *o = json_object_new_object();
	char path[PATH_MAX], val[256];
	size_t i;

	for (i = 0; i < mdg_nr_tunables; i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];

		if (t->scope != scope ||
		    mdg_tunable_path(t, target, path, sizeof(path)) ||
		    mdg_read_str(path, val, sizeof(val)))
			continue;
		json_object_object_add(o, t->name, tunable_value_json(t, val));
	}
	return o;
}

/* The statistics of a sample of @table as JSON numbers. */
static struct json_object *stats_json(const struct mdg_stat *table, size_t n,
				      const struct mdg_sample *smp)
{
	struct json_object *o = json_object_new_object();
	size_t i, b;

	for (i = 0; i < n; i++) {
		if (!smp->have[i])
			continue;
		if (table[i].kind == MDG_STAT_HISTOGRAM) {
			struct json_object *a = json_object_new_array();

			for (b = 0; b < MDG_HIST_BUCKETS; b++)
				json_object_array_add(a,
					json_object_new_int64(smp->hist[b]));
			json_object_object_add(o, table[i].key, a);
			continue;
		}
		json_object_object_add(o, table[i].key,
				       json_object_new_int64(smp->val[i]));
	}
	return o;
}

/**
 * mdg_parent_json() - a parent as JSON
 * @p: the parent
 * @with_stats: add its statistics ("stats")
 *
 * Return: a new object.
 */
struct json_object *mdg_parent_json(const struct mdg_parent *p,
				    bool with_stats)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "backend", json_object_new_string(p->backend));
	json_object_object_add(o, "vram_total", json_s64(p->vram_total));
	json_object_object_add(o, "vram_used", json_s64(p->vram_used));
	json_object_object_add(o, "instances", json_s64(p->instances));
	json_object_object_add(o, "health", json_object_new_string(p->health));
	json_object_object_add(o, "health_reason",
			       json_object_new_string(p->health_reason));
	json_object_object_add(o, "vram_retired", json_s64(p->vram_retired));
	json_object_object_add(o, "tunables",
			       scope_tunables_json(MDG_SCOPE_PARENT, p->name));
	if (with_stats) {
		struct mdg_sample smp;

		mdg_parent_stats_read(p, &smp);
		json_object_object_add(o, "stats",
				       stats_json(mdg_parent_stats,
						  mdg_nr_parent_stats, &smp));
	}
	return o;
}

/**
 * mdg_module_json() - the module's parameters as JSON numbers
 *
 * Return: a new object: parents, vram_mb, hang_timeout_ms (those the
 * module has).
 */
struct json_object *mdg_module_json(void)
{
	struct json_object *o = scope_tunables_json(MDG_SCOPE_MODULE, "module");
	static const char *const params[] = { "parents", "vram_mb" };
	char path[PATH_MAX];
	int64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(params); i++)
		if (!mdg_path(path, sizeof(path),
			      "/sys/module/mdgpu/parameters/%s", params[i]) &&
		    !mdg_read_s64(path, &v))
			json_object_object_add(o, params[i],
					       json_object_new_int64(v));
	return o;
}

static struct json_object *type_json(const struct mdg_parent *p,
				     const struct mdg_type *t)
{
	struct json_object *o = json_object_new_object();
	char res[32];

	json_object_object_add(o, "parent", json_object_new_string(p->name));
	json_object_object_add(o, "type", json_object_new_string(t->dir));
	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "framebuffer",
			       t->desc.framebuffer ?
			       json_object_new_int64(t->desc.framebuffer) : NULL);
	json_object_object_add(o, "max_instances",
			       json_s64(t->desc.max_instances));
	if (t->desc.max_width) {
		mdg_fmt(res, sizeof(res), "%ux%u", t->desc.max_width,
			 t->desc.max_height);
		json_object_object_add(o, "max_resolution",
				       json_object_new_string(res));
	} else {
		json_object_object_add(o, "max_resolution", NULL);
	}
	json_object_object_add(o, "display",
			       t->desc.display[0] ?
			       json_object_new_string(t->desc.display) : NULL);
	json_object_object_add(o, "device_api",
			       json_object_new_string(t->device_api));
	json_object_object_add(o, "available_instances",
			       json_s64(t->available));
	json_object_object_add(o, "description",
			       json_object_new_string(t->description));
	return o;
}

/**
 * mdg_instance_json() - an instance as JSON
 * @in: the instance
 * @with_stats: add its statistics ("stats", numbers; the wait histogram
 *		as an array of its buckets)
 *
 * Return: a new object.
 */
struct json_object *mdg_instance_json(const struct mdg_instance *in,
				      bool with_stats)
{
	struct json_object *o = json_object_new_object();
	struct json_object *h = json_object_new_array();
	size_t i;

	json_object_object_add(o, "uuid", json_object_new_string(in->uuid));
	json_object_object_add(o, "parent", json_object_new_string(in->parent));
	json_object_object_add(o, "type", in->type[0] ?
			       json_object_new_string(in->type) : NULL);
	json_object_object_add(o, "vram_offset", json_s64(in->vram_offset));
	json_object_object_add(o, "vram_size", json_s64(in->vram_size));
	json_object_object_add(o, "reset_count", json_s64(in->reset_count));
	json_object_object_add(o, "iommu_group", json_s64(in->group));
	json_object_object_add(o, "state",
			       json_object_new_string(mdg_instance_state(in)));
	/* null: held or not, the tool cannot tell (see "state"). */
	json_object_object_add(o, "open", !in->nr_holders &&
			       in->holders_unknown ? NULL :
			       json_object_new_boolean(in->nr_holders > 0));
	for (i = 0; i < in->nr_holders; i++) {
		const struct mdg_holder *hd = &in->holders[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "pid", json_object_new_int(hd->pid));
		json_object_object_add(e, "comm",
				       json_object_new_string(hd->comm));
		json_object_object_add(e, "vm", hd->vm[0] ?
				       json_object_new_string(hd->vm) : NULL);
		json_object_object_add(e, "vm_source", hd->vm_source[0] ?
				       json_object_new_string(hd->vm_source) :
				       NULL);
		json_object_array_add(h, e);
	}
	json_object_object_add(o, "holders", h);
	json_object_object_add(o, "tunables",
			       scope_tunables_json(MDG_SCOPE_INSTANCE,
						   in->uuid));
	if (with_stats) {
		struct mdg_sample smp;

		mdg_stats_read(in, &smp);
		json_object_object_add(o, "stats",
				       stats_json(mdg_stats, mdg_nr_stats,
						  &smp));
	}
	return o;
}

static void fmt_s64_size(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		mdg_fmt(buf, len, "-");
	else
		mdg_fmt_size(buf, len, v);
}

static void fmt_s64(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		mdg_fmt(buf, len, "-");
	else
		mdg_fmt(buf, len, "%lld", (long long)v);
}

/* Width of the PARENT column: 10, or a PCI parent's address (12). */
static int parent_width(const struct mdg_system *sys)
{
	int w = 10;
	size_t i;

	for (i = 0; i < sys->nr_parents; i++)
		if ((int)strlen(sys->parents[i].name) > w)
			w = strlen(sys->parents[i].name);
	return w;
}

static void text_parents(const struct mdg_system *sys, const char *only)
{
	char total[32], used[32], n[32];
	int pw = parent_width(sys);
	size_t i;

	fprintf(mdg_out, "%-*s %-8s %10s %10s %9s  %s\n", pw, "PARENT",
		"BACKEND", "VRAM", "USED", "INSTANCES", "HEALTH");
	for (i = 0; i < sys->nr_parents; i++) {
		const struct mdg_parent *p = &sys->parents[i];

		if (only && strcmp(only, p->name))
			continue;
		fmt_s64_size(total, sizeof(total), p->vram_total);
		fmt_s64_size(used, sizeof(used), p->vram_used);
		fmt_s64(n, sizeof(n), p->instances);
		fprintf(mdg_out, "%-*s %-8s %10s %10s %9s  %s%s%s\n", pw, p->name,
			p->backend[0] ? p->backend : "-", total, used, n,
			p->health, mdg_parent_healthy(p) ? "" : ": ",
			mdg_parent_healthy(p) ? "" : p->health_reason);
	}
}

static void text_types(const struct mdg_system *sys, const char *only)
{
	char fb[32], max[32], res[32], avail[32];
	int pw = parent_width(sys);
	size_t i, j;

	fprintf(mdg_out, "%-*s %-12s %-12s %11s %13s %14s %9s\n", pw, "PARENT",
		"TYPE", "NAME", "FRAMEBUFFER", "MAX_INSTANCES",
		"MAX_RESOLUTION", "AVAILABLE");
	for (i = 0; i < sys->nr_parents; i++) {
		const struct mdg_parent *p = &sys->parents[i];

		if (only && strcmp(only, p->name))
			continue;
		for (j = 0; j < p->nr_types; j++) {
			const struct mdg_type *t = &p->types[j];

			fmt_s64_size(fb, sizeof(fb),
				     t->desc.framebuffer ?
				     (int64_t)t->desc.framebuffer : -1);
			fmt_s64(max, sizeof(max), t->desc.max_instances);
			if (t->desc.max_width)
				mdg_fmt(res, sizeof(res), "%ux%u",
					 t->desc.max_width, t->desc.max_height);
			else
				mdg_fmt(res, sizeof(res), "-");
			fmt_s64(avail, sizeof(avail), t->available);
			fprintf(mdg_out, "%-*s %-12s %-12s %11s %13s %14s %9s\n",
				pw, p->name, t->dir, t->name[0] ? t->name : "-",
				fb, max, res, avail);
		}
	}
}

static void text_instances(const struct mdg_system *sys, const char *only)
{
	char range[64], size[32], resets[32], open[256];
	int pw = parent_width(sys);
	bool unknown = false;
	size_t i;

	fprintf(mdg_out, "%-36s %-*s %-12s %-18s %6s %6s %-8s %s\n", "UUID",
		pw, "PARENT", "TYPE", "VRAM_RANGE", "SIZE", "RESETS", "STATE",
		"OPEN_BY");
	for (i = 0; i < sys->nr_instances; i++) {
		const struct mdg_instance *in = &sys->instances[i];

		if (only && strcmp(only, in->parent))
			continue;
		if (in->vram_offset >= 0 && in->vram_size >= 0) {
			char a[32], b[32];

			mdg_fmt_size(a, sizeof(a), in->vram_offset);
			mdg_fmt_size(b, sizeof(b),
				     in->vram_offset + in->vram_size);
			mdg_fmt(range, sizeof(range), "[%s, %s)",
				 in->vram_offset ? a : "0", b);
		} else {
			mdg_fmt(range, sizeof(range), "-");
		}
		fmt_s64_size(size, sizeof(size), in->vram_size);
		fmt_s64(resets, sizeof(resets), in->reset_count);
		mdg_fmt_holders(in, open, sizeof(open));
		fprintf(mdg_out, "%-36s %-*s %-12s %-18s %6s %6s %-8s %s\n",
			in->uuid, pw, in->parent, in->type[0] ? in->type : "-",
			range, size, resets, mdg_instance_state(in),
			open[0] ? open : "-");
		unknown |= !strcmp(mdg_instance_state(in), "unknown");
	}
	if (unknown)
		mdg_warn("%s", mdg_holders_hint());
}

/* Whether the module exports a tunable anywhere (any parent or instance). */
static bool tunable_supported(const struct mdg_system *sys,
			      const struct mdg_tunable *t)
{
	char path[PATH_MAX];
	size_t i;

	if (t->scope == MDG_SCOPE_MODULE)
		return !mdg_tunable_path(t, "module", path, sizeof(path)) &&
		       mdg_exists(path);
	if (t->scope == MDG_SCOPE_PARENT) {
		for (i = 0; i < sys->nr_parents; i++)
			if (!mdg_tunable_path(t, sys->parents[i].name, path,
					      sizeof(path)) &&
			    mdg_exists(path))
				return true;
		return false;
	}
	for (i = 0; i < sys->nr_instances; i++)
		if (!mdg_tunable_path(t, sys->instances[i].uuid, path,
				      sizeof(path)) && mdg_exists(path))
			return true;
	return false;
}

static void list_tunables(const struct mdg_system *sys,
			  struct json_object *root)
{
	struct json_object *arr = root ? json_object_new_array() : NULL;
	size_t i;

	if (!root)
		fprintf(mdg_out, "%-14s %-8s %-22s %-9s %s\n", "TUNABLE", "SCOPE",
			"FILE", "SUPPORTED", "VALUES");
	for (i = 0; i < mdg_nr_tunables; i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];
		bool sup = tunable_supported(sys, t);
		char file[64], values[160];
		size_t k, off = 0;

		mdg_fmt(file, sizeof(file), "%s%s",
			 t->scope == MDG_SCOPE_PARENT ? "" :
			 t->scope == MDG_SCOPE_MODULE ? "parameters/" :
			 "mdgpu/", t->file);
		if (t->kind == MDG_KIND_INT) {
			mdg_fmt(values, sizeof(values), "%lld-%lld%s%s", t->min,
				 t->max, *t->unit ? " " : "", t->unit);
		} else {
			values[0] = 0;
			for (k = 0; t->words[k] && off < sizeof(values); k++)
				off += snprintf(values + off,
						sizeof(values) - off, "%s%s",
						k ? "|" : "", t->words[k]);
		}
		if (arr) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "name",
					       json_object_new_string(t->name));
			json_object_object_add(o, "scope",
					       json_object_new_string(mdg_scope_name(t->scope)));
			json_object_object_add(o, "file",
					       json_object_new_string(file));
			json_object_object_add(o, "supported",
					       json_object_new_boolean(sup));
			json_object_object_add(o, "values",
					       json_object_new_string(values));
			json_object_object_add(o, "help",
					       json_object_new_string(t->help));
			json_object_array_add(arr, o);
		} else {
			fprintf(mdg_out, "%-14s %-8s %-22s %-9s %s\n", t->name,
				mdg_scope_name(t->scope),
				file, sup ? "yes" : "no", values);
		}
	}
	if (root)
		json_object_object_add(root, "tunables", arr);
}

static const struct option list_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "parent", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

enum {
	SHOW_PARENTS = 1,
	SHOW_TYPES = 2,
	SHOW_INSTANCES = 4,
	SHOW_TUNABLES = 8,
};

static int load(struct mdg_system *sys)
{
	int ret = mdg_system_load(sys);

	if (ret)
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s (%s)",
				strerror(-ret), mdg_errno_name(ret));
	return mdg_require_loaded(sys);
}

/* mdgpuctl list [parents|types|instances|tunables] [--parent P] [--json] */
int mdg_cmd_list(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl list [parents|types|instances|tunables] [--parent P] [--json]";
	struct json_object *root = NULL;
	const char *only = NULL;
	struct mdg_system sys;
	unsigned int what = 0;
	bool json = false;
	int c, rc;
	size_t i, j;

	while ((c = getopt_long(argc, argv, "jp:h", list_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			only = optarg;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		const char *k = argv[optind];

		if (!strcmp(k, "parents") || !strcmp(k, "parent"))
			what |= SHOW_PARENTS;
		else if (!strcmp(k, "types") || !strcmp(k, "type"))
			what |= SHOW_TYPES;
		else if (!strcmp(k, "instances") || !strcmp(k, "instance"))
			what |= SHOW_INSTANCES;
		else if (!strcmp(k, "tunables"))
			what |= SHOW_TUNABLES;
		else
			return mdg_fail(MDG_EXIT_USAGE,
					"unknown list '%s'\n%s", k, usage);
	}
	if (!what)
		what = SHOW_PARENTS | SHOW_TYPES | SHOW_INSTANCES;

	rc = load(&sys);
	if (!rc && only && !mdg_find_parent(&sys, only))
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "no mdgpu parent '%s'", only);
	if (rc)
		goto out;

	if (json) {
		root = json_object_new_object();
		if (what & SHOW_PARENTS) {
			struct json_object *a = json_object_new_array();

			for (i = 0; i < sys.nr_parents; i++)
				if (!only || !strcmp(only, sys.parents[i].name))
					json_object_array_add(a,
						mdg_parent_json(&sys.parents[i], false));
			json_object_object_add(root, "parents", a);
		}
		if (what & SHOW_TYPES) {
			struct json_object *a = json_object_new_array();

			for (i = 0; i < sys.nr_parents; i++) {
				const struct mdg_parent *p = &sys.parents[i];

				if (only && strcmp(only, p->name))
					continue;
				for (j = 0; j < p->nr_types; j++)
					json_object_array_add(a,
						type_json(p, &p->types[j]));
			}
			json_object_object_add(root, "types", a);
		}
		if (what & SHOW_INSTANCES) {
			struct json_object *a = json_object_new_array();

			for (i = 0; i < sys.nr_instances; i++)
				if (!only ||
				    !strcmp(only, sys.instances[i].parent))
					json_object_array_add(a,
						mdg_instance_json(&sys.instances[i],
								  false));
			json_object_object_add(root, "instances", a);
		}
		if (what & SHOW_TUNABLES)
			list_tunables(&sys, root);
		print_json(root);
		json_object_put(root);
		goto out;
	}

	c = 0;
	if (what & SHOW_PARENTS) {
		text_parents(&sys, only);
		c++;
	}
	if (what & SHOW_TYPES) {
		if (c++)
			fputc('\n', mdg_out);
		text_types(&sys, only);
	}
	if (what & SHOW_INSTANCES) {
		if (c++)
			fputc('\n', mdg_out);
		text_instances(&sys, only);
	}
	if (what & SHOW_TUNABLES) {
		if (c++)
			fputc('\n', mdg_out);
		list_tunables(&sys, NULL);
	}
out:
	mdg_system_free(&sys);
	return rc;
}

static const struct option stats_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One "  key  value" line per member of a JSON object (arrays spaced). */
static void text_object(struct json_object *o)
{
	json_object_object_foreach(o, key, val) {
		if (json_object_is_type(val, json_type_array)) {
			size_t i, n = json_object_array_length(val);

			fprintf(mdg_out, "  %-20s", key);
			for (i = 0; i < n; i++)
				fprintf(mdg_out, " %s",
					json_object_get_string(json_object_array_get_idx(val, i)));
			fputc('\n', mdg_out);
			continue;
		}
		fprintf(mdg_out, "  %-20s %s\n", key,
			val ? json_object_get_string(val) : "-");
	}
}

/*
 * mdgpuctl stats [UUID...] [--json]
 *
 * Every statistic and tunable of the module, its parents and its
 * instances (only the instances named, if any): each file of the ABI that
 * is a statistic or a tunable, as read now.
 */
int mdg_cmd_stats(int argc, char **argv)
{
	struct json_object *root, *parents, *instances;
	struct mdg_system sys;
	bool json = false, unknown = false;
	int c, rc;
	size_t i, j;

	while ((c = getopt_long(argc, argv, "jh", stats_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fprintf(mdg_out, "usage: mdgpuctl stats [UUID...] [--json]\n");
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	rc = load(&sys);
	for (c = optind; !rc && c < argc; c++) {
		char uuid[MDG_UUID_LEN + 1];

		if (!mdg_uuid_valid(argv[c], uuid))
			rc = mdg_fail(MDG_EXIT_USAGE, "'%s' is not a UUID",
				      argv[c]);
		else if (!mdg_find_instance(&sys, uuid))
			rc = mdg_fail(MDG_EXIT_NOTFOUND,
				      "no mdgpu instance %s", uuid);
	}
	if (rc)
		goto out;

	root = json_object_new_object();
	parents = json_object_new_array();
	instances = json_object_new_array();
	for (i = 0; i < sys.nr_parents; i++) {
		const struct mdg_parent *p = &sys.parents[i];
		struct json_object *o = mdg_parent_json(p, true);
		struct json_object *types = json_object_new_array();

		for (j = 0; j < p->nr_types; j++)
			json_object_array_add(types, type_json(p, &p->types[j]));
		json_object_object_add(o, "types", types);
		json_object_array_add(parents, o);
	}
	for (i = 0; i < sys.nr_instances; i++) {
		const struct mdg_instance *in = &sys.instances[i];
		bool want = optind >= argc;

		for (c = optind; c < argc; c++)
			if (!strcasecmp(argv[c], in->uuid))
				want = true;
		if (!want)
			continue;
		json_object_array_add(instances, mdg_instance_json(in, true));
		unknown |= !strcmp(mdg_instance_state(in), "unknown");
	}
	json_object_object_add(root, "module", mdg_module_json());
	json_object_object_add(root, "parents", parents);
	json_object_object_add(root, "instances", instances);

	if (json) {
		print_json(root);
	} else {
		struct json_object *v;

		if (optind >= argc) {
			fprintf(mdg_out, "module mdgpu\n");
			json_object_object_get_ex(root, "module", &v);
			text_object(v);
		}
		for (i = 0; optind >= argc && i < sys.nr_parents; i++) {
			const struct mdg_parent *p = &sys.parents[i];
			struct json_object *o =
				json_object_array_get_idx(parents, i);

			fprintf(mdg_out, "parent %s\n", p->name);
			fprintf(mdg_out, "  %-20s %s\n", "backend", p->backend);
			fprintf(mdg_out, "  %-20s %lld\n", "vram_total",
				(long long)p->vram_total);
			fprintf(mdg_out, "  %-20s %lld\n", "vram_used",
				(long long)p->vram_used);
			fprintf(mdg_out, "  %-20s %lld\n", "instances",
				(long long)p->instances);
			fprintf(mdg_out, "  %-20s %s\n", "health", p->health);
			if (p->health_reason[0])
				fprintf(mdg_out, "  %-20s %s\n", "health_reason",
					p->health_reason);
			json_object_object_get_ex(o, "tunables", &v);
			text_object(v);
			json_object_object_get_ex(o, "stats", &v);
			text_object(v);
			for (j = 0; j < p->nr_types; j++)
				fprintf(mdg_out, "  %-20s %lld available\n",
					p->types[j].dir,
					(long long)p->types[j].available);
		}
		for (i = 0; i < json_object_array_length(instances); i++) {
			struct json_object *o =
				json_object_array_get_idx(instances, i);
			char holders[256];
			const struct mdg_instance *in;

			json_object_object_get_ex(o, "uuid", &v);
			in = mdg_find_instance(&sys, json_object_get_string(v));
			fprintf(mdg_out, "instance %s (%s, %s)\n", in->uuid,
				in->parent, in->type[0] ? in->type : "-");
			json_object_object_get_ex(o, "tunables", &v);
			text_object(v);
			json_object_object_get_ex(o, "stats", &v);
			text_object(v);
			mdg_fmt_holders(in, holders, sizeof(holders));
			fprintf(mdg_out, "  %-20s %s\n", "state",
				mdg_instance_state(in));
			fprintf(mdg_out, "  %-20s %s\n", "open_by",
				holders[0] ? holders : "-");
		}
		if (unknown)
			mdg_warn("%s", mdg_holders_hint());
	}
	json_object_put(root);
out:
	mdg_system_free(&sys);
	return rc;
}

static const struct option mdevctl_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "auto", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The mdevctl definition of an instance: type, start, attrs. */
static struct json_object *mdevctl_config(const struct mdg_instance *in,
					  bool autostart)
{
	struct json_object *o = json_object_new_object();
	struct json_object *attrs = json_object_new_array();
	char path[PATH_MAX], val[256], name[96];
	size_t i;

	json_object_object_add(o, "mdev_type", json_object_new_string(in->type));
	json_object_object_add(o, "start",
			       json_object_new_string(autostart ? "auto" : "manual"));
	for (i = 0; i < mdg_nr_tunables; i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];
		struct json_object *a;

		if (t->scope != MDG_SCOPE_INSTANCE ||
		    mdg_tunable_path(t, in->uuid, path, sizeof(path)) ||
		    mdg_read_str(path, val, sizeof(val)))
			continue;
		mdg_fmt(name, sizeof(name), "mdgpu/%s", t->file);
		a = json_object_new_object();
		json_object_object_add(a, name, json_object_new_string(val));
		json_object_array_add(attrs, a);
	}
	json_object_object_add(o, "attrs", attrs);
	return o;
}

/*
 * The parents' tunables as they are now, as the line of
 * /etc/mdgpu/parents.conf that restores them (tools/udev/: a udev rule
 * applies that file when a parent appears; mdevctl knows only the
 * instances).
 */
static void print_parent_settings(const struct mdg_system *sys)
{
	char path[PATH_MAX], val[256];
	size_t i, k;

	fprintf(mdg_out, "# parent settings: udev applies %s when a parent appears\n",
		MDG_PARENTS_CONF);
	for (i = 0; i < sys->nr_parents; i++) {
		const char *name = sys->parents[i].name;

		fprintf(mdg_out, "echo '%s", name);
		for (k = 0; k < mdg_nr_tunables; k++) {
			const struct mdg_tunable *t = &mdg_tunables[k];

			if (t->scope != MDG_SCOPE_PARENT ||
			    mdg_tunable_path(t, name, path, sizeof(path)) ||
			    mdg_read_str(path, val, sizeof(val)))
				continue;
			fprintf(mdg_out, " %s=%s", t->file, val);
		}
		fprintf(mdg_out, "' >>%s\n", MDG_PARENTS_CONF);
	}
}

/*
 * mdgpuctl mdevctl [UUID...] [--auto] [--json]
 *
 * Text: the mdevctl commands that define the instances as they are now.
 * JSON: for one UUID, the definition itself (mdevctl define --jsonfile);
 * otherwise the layout of `mdevctl list --dumpjson`.
 */
int mdg_cmd_mdevctl(int argc, char **argv)
{
	struct json_object *root = NULL, *by_parent = NULL;
	bool json = false, autostart = false;
	struct mdg_system sys;
	int c, rc;
	size_t i, shown = 0;

	while ((c = getopt_long(argc, argv, "jah", mdevctl_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'a':
			autostart = true;
			break;
		case 'h':
			fprintf(mdg_out, "usage: mdgpuctl mdevctl [UUID...] [--auto] [--json]\n");
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	rc = load(&sys);
	for (c = optind; !rc && c < argc; c++) {
		char uuid[MDG_UUID_LEN + 1];

		if (!mdg_uuid_valid(argv[c], uuid))
			rc = mdg_fail(MDG_EXIT_USAGE, "'%s' is not a UUID",
				      argv[c]);
		else if (!mdg_find_instance(&sys, uuid))
			rc = mdg_fail(MDG_EXIT_NOTFOUND,
				      "no mdgpu instance %s", uuid);
	}
	if (rc)
		goto out;

	if (json && argc - optind == 1) {
		char uuid[MDG_UUID_LEN + 1];

		mdg_uuid_valid(argv[optind], uuid);
		root = mdevctl_config(mdg_find_instance(&sys, uuid), autostart);
		print_json(root);
		json_object_put(root);
		goto out;
	}
	if (json) {
		root = json_object_new_array();
		by_parent = json_object_new_object();
	} else {
		if (optind >= argc)
			print_parent_settings(&sys);
		fprintf(mdg_out, "# mdevctl definitions of the current mdgpu instances (mdgpuctl mdevctl)\n");
	}
	for (i = 0; i < sys.nr_instances; i++) {
		const struct mdg_instance *in = &sys.instances[i];
		struct json_object *cfg, *list, *entry;
		bool want = optind >= argc;
		size_t k, n;

		for (c = optind; c < argc; c++)
			if (!strcasecmp(argv[c], in->uuid))
				want = true;
		/* One on its way out is not part of the configuration. */
		if (!want || in->removing)
			continue;
		shown++;
		cfg = mdevctl_config(in, autostart);
		if (json) {
			if (!json_object_object_get_ex(by_parent, in->parent,
						       &list)) {
				list = json_object_new_array();
				json_object_object_add(by_parent, in->parent,
						       list);
			}
			entry = json_object_new_object();
			json_object_object_add(entry, in->uuid, cfg);
			json_object_array_add(list, entry);
			continue;
		}
		fprintf(mdg_out, "mdevctl define --uuid=%s --parent=%s --type=%s%s\n",
			in->uuid, in->parent, in->type,
			autostart ? " --auto" : "");
		json_object_object_get_ex(cfg, "attrs", &list);
		n = json_object_array_length(list);
		for (k = 0; k < n; k++) {
			json_object_object_foreach(json_object_array_get_idx(list, k),
						   key, val)
				fprintf(mdg_out, "mdevctl modify --uuid=%s --addattr=%s --value=%s\n",
					in->uuid, key,
					json_object_get_string(val));
		}
		json_object_put(cfg);
	}
	if (json) {
		/* As mdevctl: [] without devices, else [ { parent: [...] } ]. */
		if (shown)
			json_object_array_add(root, by_parent);
		else
			json_object_put(by_parent);
		print_json(root);
		json_object_put(root);
	} else if (!shown) {
		fprintf(mdg_out, "# (no mdgpu instances)\n");
	}
out:
	mdg_system_free(&sys);
	return rc;
}
