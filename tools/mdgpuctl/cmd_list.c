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
#include <time.h>
#include <unistd.h>

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

/* The tunables of @scope on @target that the module exports. */
static struct json_object *scope_tunables_json(enum mdg_scope scope,
					       const char *target)
{
	struct json_object *o = json_object_new_object();
	char val[2048];
	size_t i;

	for (i = 0; i < mdg_nr_tunables; i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];

		if (t->scope != scope ||
		    mdg_tunable_read(t, target, val, sizeof(val)))
			continue;
		json_object_object_add(o, t->name, mdg_tunable_json(t, val));
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

static const struct mdg_col parent_cols[] = {
	{ "PARENT", 0 }, { "BACKEND", 0 }, { "VRAM", MDG_COL_RIGHT },
	{ "USED", MDG_COL_RIGHT }, { "INSTANCES", MDG_COL_RIGHT },
	{ "HEALTH", 0 }, { "REASON", 0 },
	{ "RETIRED", MDG_COL_RIGHT | MDG_COL_EXTRA },
};

static int text_parents(const struct mdg_system *sys, const char *only,
			const struct mdg_table_opts *o)
{
	char total[32], used[32], n[32], retired[32];
	struct mdg_table *t;
	size_t i;
	int ret;

	ret = mdg_table_new(&t, parent_cols, ARRAY_SIZE(parent_cols), o);
	if (ret)
		return ret;
	for (i = 0; i < sys->nr_parents && !ret; i++) {
		const struct mdg_parent *p = &sys->parents[i];
		const char *cells[ARRAY_SIZE(parent_cols)];

		if (only && strcmp(only, p->name))
			continue;
		fmt_s64_size(total, sizeof(total), p->vram_total);
		fmt_s64_size(used, sizeof(used), p->vram_used);
		fmt_s64(n, sizeof(n), p->instances);
		fmt_s64_size(retired, sizeof(retired), p->vram_retired);
		cells[0] = p->name;
		cells[1] = p->backend;
		cells[2] = total;
		cells[3] = used;
		cells[4] = n;
		cells[5] = p->health;
		cells[6] = mdg_parent_healthy(p) ? "" : p->health_reason;
		cells[7] = retired;
		ret = mdg_table_row(t, cells);
	}
	if (ret) {
		mdg_table_free(t);
		return ret;
	}
	return mdg_table_print(t, true);
}

static const struct mdg_col type_cols[] = {
	{ "PARENT", 0 }, { "TYPE", 0 }, { "NAME", 0 },
	{ "FRAMEBUFFER", MDG_COL_RIGHT }, { "MAX_INSTANCES", MDG_COL_RIGHT },
	{ "MAX_RESOLUTION", MDG_COL_RIGHT }, { "AVAILABLE", MDG_COL_RIGHT },
	{ "DISPLAY", MDG_COL_EXTRA },
};

static int text_types(const struct mdg_system *sys, const char *only,
		      const struct mdg_table_opts *o)
{
	char fb[32], max[32], res[32], avail[32];
	struct mdg_table *t;
	size_t i, j;
	int ret;

	ret = mdg_table_new(&t, type_cols, ARRAY_SIZE(type_cols), o);
	if (ret)
		return ret;
	for (i = 0; i < sys->nr_parents && !ret; i++) {
		const struct mdg_parent *p = &sys->parents[i];

		if (only && strcmp(only, p->name))
			continue;
		for (j = 0; j < p->nr_types && !ret; j++) {
			const struct mdg_type *ty = &p->types[j];
			const char *cells[ARRAY_SIZE(type_cols)];

			fmt_s64_size(fb, sizeof(fb),
				     ty->desc.framebuffer ?
				     (int64_t)ty->desc.framebuffer : -1);
			fmt_s64(max, sizeof(max), ty->desc.max_instances);
			if (ty->desc.max_width)
				mdg_fmt(res, sizeof(res), "%ux%u",
					ty->desc.max_width, ty->desc.max_height);
			else
				mdg_fmt(res, sizeof(res), "-");
			fmt_s64(avail, sizeof(avail), ty->available);
			cells[0] = p->name;
			cells[1] = ty->dir;
			cells[2] = ty->name;
			cells[3] = fb;
			cells[4] = max;
			cells[5] = res;
			cells[6] = avail;
			cells[7] = ty->desc.display;
			ret = mdg_table_row(t, cells);
		}
	}
	if (ret) {
		mdg_table_free(t);
		return ret;
	}
	return mdg_table_print(t, true);
}

static const struct mdg_col instance_cols[] = {
	{ "UUID", 0 }, { "PARENT", 0 }, { "TYPE", 0 }, { "VRAM_RANGE", 0 },
	{ "SIZE", MDG_COL_RIGHT }, { "RESETS", MDG_COL_RIGHT }, { "STATE", 0 },
	{ "OPEN_BY", 0 },
	{ "OFFSET", MDG_COL_RIGHT | MDG_COL_EXTRA },
};

static int text_instances(const struct mdg_system *sys, const char *only,
			  const struct mdg_table_opts *o)
{
	char range[64], size[32], resets[32], open[256], offset[32];
	struct mdg_table *t;
	bool unknown = false;
	size_t i;
	int ret;

	ret = mdg_table_new(&t, instance_cols, ARRAY_SIZE(instance_cols), o);
	if (ret)
		return ret;
	for (i = 0; i < sys->nr_instances && !ret; i++) {
		const struct mdg_instance *in = &sys->instances[i];
		const char *cells[ARRAY_SIZE(instance_cols)];

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
		fmt_s64(offset, sizeof(offset), in->vram_offset);
		mdg_fmt_holders(in, open, sizeof(open));
		cells[0] = in->uuid;
		cells[1] = in->parent;
		cells[2] = in->type;
		cells[3] = range;
		cells[4] = size;
		cells[5] = resets;
		cells[6] = mdg_instance_state(in);
		cells[7] = open;
		cells[8] = offset;
		ret = mdg_table_row(t, cells);
		unknown |= !strcmp(mdg_instance_state(in), "unknown");
	}
	if (ret) {
		mdg_table_free(t);
		return ret;
	}
	if (unknown)
		mdg_warn("%s", mdg_holders_hint());
	return mdg_table_print(t, true);
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

static const struct mdg_col tunable_cols[] = {
	{ "TUNABLE", 0 }, { "SCOPE", 0 }, { "FILE", 0 }, { "SUPPORTED", 0 },
	{ "VALUES", 0 }, { "HELP", MDG_COL_EXTRA },
};

/* The tunables, into @root's "tunables" array, or as a table. */
static int list_tunables(const struct mdg_system *sys,
			 struct json_object *root,
			 const struct mdg_table_opts *o)
{
	struct json_object *arr = root ? json_object_new_array() : NULL;
	struct mdg_table *tb = NULL;
	size_t i;
	int ret = 0;

	if (!root) {
		ret = mdg_table_new(&tb, tunable_cols, ARRAY_SIZE(tunable_cols),
				    o);
		if (ret)
			return ret;
	}
	for (i = 0; i < mdg_nr_tunables && !ret; i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];
		bool sup = tunable_supported(sys, t);
		char file[64], values[160];
		size_t k, off = 0;

		mdg_fmt(file, sizeof(file), "%s%s",
			t->scope == MDG_SCOPE_PARENT ? "" :
			t->scope == MDG_SCOPE_MODULE ? "parameters/" :
			"mdgpu/", t->file);
		if (t->kind == MDG_KIND_RESV) {
			mdg_fmt(values, sizeof(values),
				"UUID:VRAM_MB:SHARE_PPM:PRIORITY|-UUID");
		} else if (t->kind != MDG_KIND_WORD) {
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
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "name",
					       json_object_new_string(t->name));
			json_object_object_add(j, "scope",
					       json_object_new_string(mdg_scope_name(t->scope)));
			json_object_object_add(j, "file",
					       json_object_new_string(file));
			json_object_object_add(j, "supported",
					       json_object_new_boolean(sup));
			json_object_object_add(j, "values",
					       json_object_new_string(values));
			json_object_object_add(j, "help",
					       json_object_new_string(t->help));
			json_object_array_add(arr, j);
		} else {
			const char *cells[ARRAY_SIZE(tunable_cols)] = {
				t->name, mdg_scope_name(t->scope), file,
				sup ? "yes" : "no", values, t->help,
			};

			ret = mdg_table_row(tb, cells);
		}
	}
	if (root) {
		json_object_object_add(root, "tunables", arr);
		return 0;
	}
	if (ret) {
		mdg_table_free(tb);
		return ret;
	}
	return mdg_table_print(tb, true);
}

static const struct option list_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "parent", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	MDG_TABLE_LONGOPTS,
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

/*
 * mdgpuctl list [parents|types|instances|tunables] [--parent P]
 *		 [--json | -o COLS | --raw | --noheadings | --csv]
 */
int mdg_cmd_list(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl list [parents|types|instances|tunables] [--parent P]\n"
		"                     [--json | [-o COL,...] [--raw] [--noheadings] [--csv]]";
	struct mdg_table_opts topts = { 0 };
	struct json_object *root = NULL;
	const char *only = NULL;
	struct mdg_system sys;
	unsigned int what = 0;
	bool json = false;
	int c, rc;
	size_t i, j;

	while ((c = getopt_long(argc, argv, "jp:h" MDG_TABLE_SHORTOPTS,
				list_opts, NULL)) != -1) {
		if (mdg_table_opt(c, optarg, &topts))
			continue;
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
	if (json && (topts.columns || topts.raw || topts.noheadings ||
		     topts.csv))
		return mdg_fail(MDG_EXIT_USAGE,
				"--json prints every field: no -o, --raw, --noheadings or --csv with it");
	/* Columns and CSV belong to one table. */
	if ((topts.columns || topts.csv) && __builtin_popcount(what) != 1)
		return mdg_fail(MDG_EXIT_USAGE,
				"-o and --csv need one of parents, types, instances or tunables\n%s",
				usage);
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
			list_tunables(&sys, root, NULL);
		print_json(root);
		json_object_put(root);
		goto out;
	}

	/* One table after another, a blank line between. */
	c = 0;
	for (i = SHOW_PARENTS; i <= SHOW_TUNABLES && !rc; i <<= 1) {
		if (!(what & i))
			continue;
		if (c++ && !topts.raw)
			fputc('\n', mdg_out);
		switch (i) {
		case SHOW_PARENTS:
			rc = text_parents(&sys, only, &topts);
			break;
		case SHOW_TYPES:
			rc = text_types(&sys, only, &topts);
			break;
		case SHOW_INSTANCES:
			rc = text_instances(&sys, only, &topts);
			break;
		default:
			rc = list_tunables(&sys, NULL, &topts);
			break;
		}
	}
	if (rc == -EINVAL)
		rc = MDG_EXIT_USAGE;
	else if (rc)
		rc = mdg_fail(MDG_EXIT_FAIL, "printing the table: %s",
			      strerror(-rc));
out:
	mdg_system_free(&sys);
	return rc;
}

static const struct option stats_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "loop", required_argument, NULL, 'l' },
	{ "count", required_argument, NULL, 'c' },
	MDG_TABLE_LONGOPTS,
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

/* Whether an instance is one of the UUIDs named (all if none). */
static bool stats_wanted(const struct mdg_instance *in, int first, int argc,
			 char **argv)
{
	int c;

	if (first >= argc)
		return true;
	for (c = first; c < argc; c++)
		if (!strcasecmp(argv[c], in->uuid))
			return true;
	return false;
}

/*
 * stats as a table: a row per instance, a column per statistic file (its
 * value in the file's unit, in decimal), as -o, --raw, --noheadings or
 * --csv ask; with
 * --loop, a TIME column (seconds since the epoch) comes first.
 */
static int stats_table(const struct mdg_system *sys, int first, int argc,
		       char **argv, const struct mdg_table_opts *o,
		       bool loop, bool headings)
{
	static struct mdg_col cols[MDG_TABLE_MAX_COLS];
	static size_t nr_cols;
	char vals[MDG_TABLE_MAX_COLS][32];
	struct mdg_table *t;
	size_t i, k;
	int ret;

	if (!nr_cols) {
		cols[nr_cols++] = (struct mdg_col){ "TIME",
			MDG_COL_RIGHT | (loop ? 0 : MDG_COL_EXTRA) };
		cols[nr_cols++] = (struct mdg_col){ "UUID", 0 };
		cols[nr_cols++] = (struct mdg_col){ "PARENT", 0 };
		cols[nr_cols++] = (struct mdg_col){ "TYPE", 0 };
		cols[nr_cols++] = (struct mdg_col){ "STATE", 0 };
		for (k = 0; k < mdg_nr_stats && nr_cols < MDG_TABLE_MAX_COLS; k++)
			if (mdg_stats[k].kind != MDG_STAT_HISTOGRAM)
				cols[nr_cols++] = (struct mdg_col){
					mdg_stats[k].key, MDG_COL_RIGHT };
	}
	ret = mdg_table_new(&t, cols, nr_cols, o);
	if (ret)
		return ret;
	for (i = 0; i < sys->nr_instances && !ret; i++) {
		const struct mdg_instance *in = &sys->instances[i];
		const char *cells[MDG_TABLE_MAX_COLS];
		struct mdg_sample smp;
		size_t c = 0;

		if (!stats_wanted(in, first, argc, argv))
			continue;
		mdg_stats_read(in, &smp);
		mdg_fmt(vals[0], sizeof(vals[0]), "%lld", (long long)time(NULL));
		cells[c++] = vals[0];
		cells[c++] = in->uuid;
		cells[c++] = in->parent;
		cells[c++] = in->type;
		cells[c++] = mdg_instance_state(in);
		for (k = 0; k < mdg_nr_stats && c < nr_cols; k++) {
			const struct mdg_stat *st = &mdg_stats[k];

			if (st->kind == MDG_STAT_HISTOGRAM)
				continue;
			/* Numbers for spreadsheets, hex files too (as --json). */
			if (!smp.have[k])
				vals[c][0] = 0;
			else
				mdg_fmt(vals[c], sizeof(vals[c]), "%lld",
					(long long)smp.val[k]);
			cells[c] = vals[c];
			c++;
		}
		ret = mdg_table_row(t, cells);
	}
	if (ret) {
		mdg_table_free(t);
		return ret;
	}
	return mdg_table_print(t, headings);
}

static int stats_once(int first, int argc, char **argv, bool json,
		      const struct mdg_table_opts *topts, bool table,
		      bool loop, bool headings);

/*
 * mdgpuctl stats [UUID...] [--json | -o COLS | --raw | --noheadings |
 *		  --csv] [--loop SECONDS [--count N]]
 *
 * Every statistic and tunable of the module, its parents and its
 * instances (only the instances named, if any): each file of the ABI that
 * is a statistic or a tunable, as read now. The table options print the
 * instances' statistics as a table instead; --loop repeats every SECONDS
 * (N times, or until interrupted).
 */
int mdg_cmd_stats(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl stats [UUID...] [--json | [-o COL,...] [--raw] [--noheadings] [--csv]]\n"
		"                      [--loop SECONDS [--count N]]";
	struct mdg_table_opts topts = { 0 };
	bool json = false, table, loop = false;
	long long count = -1, n;
	double every = 0;
	char *end;
	int c, rc;

	while ((c = getopt_long(argc, argv, "jhl:c:" MDG_TABLE_SHORTOPTS,
				stats_opts, NULL)) != -1) {
		if (mdg_table_opt(c, optarg, &topts))
			continue;
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'l':
			every = strtod(optarg, &end);
			if (*end || !(every >= 0.1 && every <= 86400))
				return mdg_fail(MDG_EXIT_USAGE,
						"--loop takes seconds from 0.1 to 86400, not '%s'",
						optarg);
			loop = true;
			break;
		case 'c':
			count = strtoll(optarg, &end, 10);
			if (*end || count < 1)
				return mdg_fail(MDG_EXIT_USAGE,
						"--count takes a positive number, not '%s'",
						optarg);
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	table = topts.columns || topts.raw || topts.noheadings || topts.csv;
	if (json && table)
		return mdg_fail(MDG_EXIT_USAGE,
				"--json prints every field: no -o, --raw, --noheadings or --csv with it");
	if (count > 0 && !loop)
		return mdg_fail(MDG_EXIT_USAGE, "--count needs --loop");
	for (n = 0;; n++) {
		rc = stats_once(optind, argc, argv, json, &topts, table, loop,
				n == 0);
		if (rc || !loop || (count > 0 && n + 1 >= count))
			break;
		fflush(mdg_out);
		usleep((useconds_t)(every * 1e6));
		if (!table && !json)
			fputc('\n', mdg_out);
	}
	return rc;
}

static int stats_once(int first, int argc, char **argv, bool json,
		      const struct mdg_table_opts *topts, bool table,
		      bool loop, bool headings)
{
	struct json_object *root, *parents, *instances;
	struct mdg_system sys;
	bool unknown = false;
	int c, rc;
	size_t i, j;

	rc = load(&sys);
	for (c = first; !rc && c < argc; c++) {
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
	if (table) {
		rc = stats_table(&sys, first, argc, argv, topts, loop,
				 headings);
		if (rc == -EINVAL)
			rc = MDG_EXIT_USAGE;
		else if (rc)
			rc = mdg_fail(MDG_EXIT_FAIL, "printing the table: %s",
				      strerror(-rc));
		goto out;
	}

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
		bool want = first >= argc;

		for (c = first; c < argc; c++)
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

		if (first >= argc) {
			fprintf(mdg_out, "module mdgpu\n");
			json_object_object_get_ex(root, "module", &v);
			text_object(v);
		}
		for (i = 0; first >= argc && i < sys.nr_parents; i++) {
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
	char val[2048], *w, *save;
	size_t i, k;

	fprintf(mdg_out, "# parent settings: udev applies %s when a parent appears\n",
		MDG_PARENTS_CONF);
	for (i = 0; i < sys->nr_parents; i++) {
		const char *name = sys->parents[i].name;

		fprintf(mdg_out, "echo '%s", name);
		for (k = 0; k < mdg_nr_tunables; k++) {
			const struct mdg_tunable *t = &mdg_tunables[k];

			if (t->scope != MDG_SCOPE_PARENT ||
			    mdg_tunable_read(t, name, val, sizeof(val)))
				continue;
			if (t->kind != MDG_KIND_RESV) {
				fprintf(mdg_out, " %s=%s", t->file, val);
				continue;
			}
			/* One reserve= per reservation (mdgpu-parent-setup). */
			save = NULL;
			for (w = strtok_r(val, " ", &save); w;
			     w = strtok_r(NULL, " ", &save))
				fprintf(mdg_out, " %s=%s", t->name, w);
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
