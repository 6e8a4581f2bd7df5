// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: tunables of parents and instances, and the get/set commands.
 *
 * A tunable is one sysfs file, relative to the parent's directory
 * (/sys/class/mdgpu/NAME/), to the instance's mdgpu/ directory
 * (/sys/bus/mdev/devices/UUID/mdgpu/) or to the module's parameters
 * (/sys/module/mdgpu/parameters/, target "module"). The table below is all mdgpuctl
 * knows about them: adding one is one line. The values are checked here
 * first so the admin gets a precise message, and the kernel checks again:
 * when it refuses, its errno is shown.
 *
 * The files belong to the scheduler (Documentation/scheduler.rst), except
 * plane_types (the display, Documentation/admin-guide.rst), vram_ratio
 * (VRAM oversubscription, Documentation/admin-guide.rst) and
 * hang_timeout_ms (the hang watchdog, a module parameter); a module that
 * does not export a file makes get and set say that it does not support
 * it.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mdgpuctl.h"

static const char *const mdg_policies[] = {
	"best_effort", "equal_share", "fixed_share", "weighted", NULL
};

static const char *const mdg_plane_types[] = {
	"region", "dmabuf", "both", NULL
};

const struct mdg_tunable mdg_tunables[] = {
	{ "policy", MDG_SCOPE_PARENT, "policy", MDG_KIND_WORD, 0, 0,
	  mdg_policies, "",
	  "scheduling policy of the parent's engine" },
	{ "timeslice_us", MDG_SCOPE_PARENT, "timeslice_us", MDG_KIND_INT,
	  100, 100000, NULL, "us",
	  "time slice a vGPU runs before the scheduler switches" },
	{ "watchdog_ms", MDG_SCOPE_PARENT, "watchdog_ms", MDG_KIND_INT,
	  0, 60000, NULL, "ms",
	  "engine time limit of one job, 0 = no limit" },
	{ "vram_ratio", MDG_SCOPE_PARENT, "vram_ratio", MDG_KIND_INT,
	  1000, 3000, NULL, "/1000",
	  "VRAM oversubscription: instances may be promised vram_ratio/1000 x the VRAM (sim parents only)" },
	{ "reserve", MDG_SCOPE_PARENT, "reservations", MDG_KIND_RESV, 0, 0,
	  NULL, "",
	  "capacity kept for a named instance (one per set; -UUID deletes)" },
	{ "hang_timeout_ms", MDG_SCOPE_MODULE, "hang_timeout_ms", MDG_KIND_INT,
	  0, INT_MAX, NULL, "ms",
	  "an engine that finishes no chunk for this long is hung and reset, 0 = off, else at least 500" },
	{ "weight", MDG_SCOPE_INSTANCE, "weight", MDG_KIND_INT, 1, 10000,
	  NULL, "",
	  "relative share of engine time under contention" },
	{ "min_share", MDG_SCOPE_INSTANCE, "min_share", MDG_KIND_SHARE, 0, 100,
	  NULL, "%",
	  "engine time guaranteed to the vGPU when it has work" },
	{ "cap", MDG_SCOPE_INSTANCE, "cap", MDG_KIND_INT, 0, 100, NULL, "%",
	  "most engine time the vGPU may use, 0 = no cap" },
	{ "priority", MDG_SCOPE_INSTANCE, "priority", MDG_KIND_INT, 0, 7,
	  NULL, "",
	  "scheduling priority, 7 highest; higher runs first" },
	{ "plane_types", MDG_SCOPE_INSTANCE, "plane_types", MDG_KIND_WORD, 0,
	  0, mdg_plane_types, "",
	  "display planes offered to QEMU; dmabuf needs an OpenGL display (only while the device is closed)" },
};

const size_t mdg_nr_tunables = ARRAY_SIZE(mdg_tunables);

/**
 * mdg_scope_name() - "parent", "instance" or "module"
 * @scope: the scope
 *
 * Return: its name, as list tunables shows it.
 */
const char *mdg_scope_name(enum mdg_scope scope)
{
	switch (scope) {
	case MDG_SCOPE_PARENT:
		return "parent";
	case MDG_SCOPE_INSTANCE:
		return "instance";
	case MDG_SCOPE_MODULE:
		return "module";
	}
	return "?";
}

const struct mdg_tunable *mdg_tunable_find(const char *name)
{
	size_t i;

	for (i = 0; i < mdg_nr_tunables; i++)
		if (!strcmp(mdg_tunables[i].name, name))
			return &mdg_tunables[i];
	return NULL;
}

static void fmt_accepted(const struct mdg_tunable *t, char *buf, size_t len)
{
	size_t i, off = 0;

	if (t->kind == MDG_KIND_RESV) {
		mdg_fmt(buf, len, "UUID:VRAM_MB:SHARE_PPM:PRIORITY|-UUID");
		return;
	}
	if (t->kind != MDG_KIND_WORD) {
		mdg_fmt(buf, len, "%lld-%lld%s%s", t->min, t->max,
			 *t->unit ? " " : "", t->unit);
		return;
	}
	buf[0] = 0;
	for (i = 0; t->words[i] && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? "|" : "",
				 t->words[i]);

		if (n < 0)
			break;
		off += n;
	}
}

/**
 * mdg_tunable_check() - validate a value before writing it
 * @t: the tunable
 * @val: the text the user gave
 * @why: receives the reason when the value is refused
 * @len: size of @why
 *
 * Return: 0 or -EINVAL.
 */
int mdg_tunable_check(const struct mdg_tunable *t, const char *val,
		      char *why, size_t len)
{
	char accepted[128];
	long long v;
	char *end;
	size_t i;

	fmt_accepted(t, accepted, sizeof(accepted));
	if (t->kind == MDG_KIND_RESV) {
		if (mdg_resv_spec_check(val))
			goto bad_resv;
		return 0;
	}
	if (t->kind == MDG_KIND_WORD) {
		for (i = 0; t->words[i]; i++)
			if (!strcmp(t->words[i], val))
				return 0;
		mdg_fmt(why, len, "%s=%s is not one of %s", t->name, val,
			 accepted);
		return -EINVAL;
	}
	if (t->kind == MDG_KIND_SHARE) {
		uint64_t u;

		if (mdg_parse_fixed(val, MDG_SHARE_DECIMALS, &u)) {
			mdg_fmt(why, len,
				"%s=%s is not a number with at most %d decimals (%s)",
				t->name, val, MDG_SHARE_DECIMALS, accepted);
			return -EINVAL;
		}
		if (u < (uint64_t)t->min * MDG_SHARE_PERCENT ||
		    u > (uint64_t)t->max * MDG_SHARE_PERCENT) {
			mdg_fmt(why, len, "%s=%s is out of range %s", t->name,
				val, accepted);
			return -EINVAL;
		}
		return 0;
	}
	errno = 0;
	v = strtoll(val, &end, 10);
	if (end == val || *end) {
		mdg_fmt(why, len, "%s=%s is not a whole number (%s)", t->name,
			 val, accepted);
		return -EINVAL;
	}
	if (errno || v < t->min || v > t->max) {
		mdg_fmt(why, len, "%s=%s is out of range %s", t->name, val,
			 accepted);
		return -EINVAL;
	}
	return 0;
bad_resv:
	mdg_fmt(why, len,
		"%s=%s is not %s (VRAM_MB 0 or a power of two, SHARE_PPM up to 1000000, PRIORITY 0-7)",
		t->name, val, accepted);
	return -EINVAL;
}

/**
 * mdg_resv_spec_check() - is a line one the reservations file takes?
 * @val: UUID:VRAM_MB:SHARE_PPM:PRIORITY or -UUID
 *
 * The module's rules (Documentation/ABI/testing/sysfs-class-mdgpu): VRAM
 * 0 or a power of two up to 65536 MiB, a share up to the whole engine in
 * parts per million, a class 0-7, not nothing at all.
 *
 * Return: 0 or -EINVAL.
 */
int mdg_resv_spec_check(const char *val)
{
	char uuid[MDG_UUID_LEN + 2], tail;
	unsigned long long mb, ppm, prio;

	if (val[0] == '-')
		return mdg_uuid_valid(val + 1, NULL) ? 0 : -EINVAL;
	if (sscanf(val, "%37[0-9a-fA-F-]:%llu:%llu:%llu%c", uuid, &mb, &ppm,
		   &prio, &tail) != 4 || !mdg_uuid_valid(uuid, NULL) ||
	    strchr(val, '+') || strchr(val, ' '))
		return -EINVAL;
	if (mb > 65536 || (mb & (mb - 1)) || ppm > 1000000 ||
	    prio > 7 || (!mb && !ppm))
		return -EINVAL;
	return 0;
}

/**
 * mdg_tunable_read() - the value of a tunable, as parents.conf writes it
 * @t: the tunable
 * @target: parent name or instance UUID, as @t->scope wants
 * @val: receives the value, without newline
 * @len: size of @val
 *
 * For the reservations, the first word of each line (the reservation as
 * it was written), separated by blanks: "" when there is none.
 *
 * Return: 0 or a negative errno (-ENOENT: the module has no such file).
 */
int mdg_tunable_read(const struct mdg_tunable *t, const char *target,
		     char *val, size_t len)
{
	char path[PATH_MAX], buf[8192], *line, *save = NULL;
	size_t off = 0;
	int ret;

	if (mdg_tunable_path(t, target, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (t->kind != MDG_KIND_RESV)
		return mdg_read_str(path, val, len);
	ret = mdg_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	val[0] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t w = strcspn(line, " ");

		if (off + w + 2 > len)
			return -E2BIG;
		off += snprintf(val + off, len - off, "%s%.*s", off ? " " : "",
				(int)w, line);
	}
	return 0;
}

/**
 * mdg_tunable_json() - a tunable's value for JSON output
 * @t: the tunable
 * @val: its value as the file shows it
 *
 * Return: a JSON number for a number (an integer, or a share with
 * decimals, written as the file wrote it), else a string.
 */
struct json_object *mdg_tunable_json(const struct mdg_tunable *t,
				     const char *val)
{
	uint64_t u;
	char *end;
	long long v;

	if (t->kind == MDG_KIND_SHARE &&
	    !mdg_parse_fixed(val, MDG_SHARE_DECIMALS, &u)) {
		if (!(u % MDG_SHARE_PERCENT))
			return json_object_new_int64(u / MDG_SHARE_PERCENT);
		return json_object_new_double_s((double)u / MDG_SHARE_PERCENT,
						val);
	}
	if (t->kind == MDG_KIND_INT) {
		errno = 0;
		v = strtoll(val, &end, 10);
		if (!errno && end != val && !*end)
			return json_object_new_int64(v);
	}
	return json_object_new_string(val);
}

/**
 * mdg_tunable_path() - the file of a tunable for a parent or instance
 * @t: the tunable
 * @target: parent name or instance UUID, as @t->scope wants
 * @buf: output
 * @len: size of @buf
 *
 * Return: 0 or -ENAMETOOLONG.
 */
int mdg_tunable_path(const struct mdg_tunable *t, const char *target,
		     char *buf, size_t len)
{
	if (t->scope == MDG_SCOPE_MODULE)
		return mdg_path(buf, len, "/sys/module/mdgpu/parameters/%s",
				t->file);
	if (t->scope == MDG_SCOPE_PARENT)
		return mdg_parent_dir_path(target, t->file, buf, len);
	return mdg_path(buf, len, "/sys/bus/mdev/devices/%s/mdgpu/%s", target,
			t->file);
}

/* The target as the user wrote it, checked: a parent name or a UUID. */
static int resolve_target(struct mdg_system *sys, const char *arg,
			  char *target, size_t len, enum mdg_scope *scope)
{
	char uuid[MDG_UUID_LEN + 1];
	struct mdg_instance *in;

	if (!strcmp(arg, "module")) {
		mdg_fmt(target, len, "module");
		*scope = MDG_SCOPE_MODULE;
		return 0;
	}
	if (mdg_uuid_valid(arg, uuid)) {
		in = mdg_find_instance(sys, uuid);
		if (!in)
			return mdg_fail(MDG_EXIT_NOTFOUND,
					"no mdgpu instance %s (mdgpuctl list instances)",
					uuid);
		mdg_fmt(target, len, "%s", in->uuid);
		*scope = MDG_SCOPE_INSTANCE;
		return 0;
	}
	if (mdg_find_parent(sys, arg)) {
		mdg_fmt(target, len, "%s", arg);
		*scope = MDG_SCOPE_PARENT;
		return 0;
	}
	if (strchr(arg, '-') && strlen(arg) > 30)
		return mdg_fail(MDG_EXIT_USAGE, "'%s' is not a UUID", arg);
	return mdg_fail(MDG_EXIT_NOTFOUND,
			"'%s' is neither an mdgpu parent nor an instance UUID",
			arg);
}

static int scope_mismatch(const struct mdg_tunable *t, const char *target)
{
	if (t->scope == MDG_SCOPE_MODULE)
		return mdg_fail(MDG_EXIT_USAGE,
				"%s is a module parameter: give the target 'module', not %s",
				t->name, target);
	if (t->scope == MDG_SCOPE_INSTANCE)
		return mdg_fail(MDG_EXIT_USAGE,
				"%s is a per-vGPU tunable: give an instance UUID, not %s",
				t->name, target);
	return mdg_fail(MDG_EXIT_USAGE,
			"%s is a parent tunable: give a parent (e.g. sim0), not %s",
			t->name, target);
}

static int unknown_tunable(const char *name)
{
	char known[256];
	size_t i, off = 0;

	known[0] = 0;
	for (i = 0; i < mdg_nr_tunables && off < sizeof(known); i++)
		off += snprintf(known + off, sizeof(known) - off, "%s%s",
				i ? ", " : "", mdg_tunables[i].name);
	return mdg_fail(MDG_EXIT_USAGE, "unknown tunable '%s' (known: %s)",
			name, known);
}

static int unsupported(const char *path)
{
	return mdg_fail(MDG_EXIT_NOTFOUND,
			"not supported by this mdgpu module (no %s)", path);
}

/*
 * Set one NAME=VALUE on a target that has already been resolved. Returns
 * an exit code and reports every failure.
 */
static int apply(const char *target, enum mdg_scope scope,
		 const char *assignment)
{
	const struct mdg_tunable *t;
	char name[64], why[256], path[PATH_MAX];
	const char *eq = strchr(assignment, '=');
	int ret;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(name))
		return mdg_fail(MDG_EXIT_USAGE,
				"'%s' is not NAME=VALUE", assignment);
	memcpy(name, assignment, eq - assignment);
	name[eq - assignment] = 0;
	t = mdg_tunable_find(name);
	if (!t)
		return unknown_tunable(name);
	if (t->scope != scope)
		return scope_mismatch(t, target);
	if (mdg_tunable_check(t, eq + 1, why, sizeof(why)))
		return mdg_fail(MDG_EXIT_USAGE, "%s", why);
	if (mdg_tunable_path(t, target, path, sizeof(path)))
		return mdg_fail(MDG_EXIT_FAIL, "path too long");
	if (!mdg_exists(path))
		return unsupported(path);
	ret = mdg_write_str(path, eq + 1);
	if (ret)
		return mdg_fail(mdg_errno_exit(ret),
				"the kernel refused %s=%s for %s (writing %s): %s (%s)",
				name, eq + 1, target, path, strerror(-ret),
				mdg_errno_name(ret));
	return MDG_EXIT_OK;
}

/**
 * mdg_tunable_apply() - set NAME=VALUE on a parent or instance
 * @target: parent name or instance UUID
 * @assignment: "NAME=VALUE"
 *
 * Return: an exit code; failures are reported.
 */
int mdg_tunable_apply(const char *target, const char *assignment)
{
	char canon[MDG_NAME_MAX];
	enum mdg_scope scope = MDG_SCOPE_PARENT;

	if (mdg_uuid_valid(target, canon))
		scope = MDG_SCOPE_INSTANCE;
	else if (!strcmp(target, "module"))
		scope = MDG_SCOPE_MODULE;
	else
		mdg_fmt(canon, sizeof(canon), "%s", target);
	return apply(canon, scope, assignment);
}

static const struct option get_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void print_json(struct json_object *obj)
{
	fprintf(mdg_out, "%s\n",
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * mdgpuctl get TARGET [NAME...] [--json]
 *
 * With names, prints each value (just the value for one name) and fails
 * with MDG_EXIT_NOTFOUND if the module lacks one. Without names, lists all
 * the tunables of the target's scope, marking the unsupported ones.
 */
int mdg_cmd_get(int argc, char **argv)
{
	const struct mdg_tunable *list[32];
	char target[MDG_NAME_MAX], path[PATH_MAX], val[2048];
	struct json_object *obj = NULL;
	size_t i, n = 0;
	struct mdg_system sys;
	enum mdg_scope scope;
	bool json = false, named;
	int c, ret, rc;

	while ((c = getopt_long(argc, argv, "jh", get_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fprintf(mdg_out, "usage: mdgpuctl get PARENT|UUID|module [NAME...] [--json]\n");
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return mdg_fail(MDG_EXIT_USAGE,
				"usage: mdgpuctl get PARENT|UUID|module [NAME...] [--json]");
	named = optind + 1 < argc;
	if (argc - optind - 1 > (int)ARRAY_SIZE(list))
		return mdg_fail(MDG_EXIT_USAGE, "too many names");
	ret = mdg_system_load(&sys);
	if (ret) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	}
	rc = mdg_require_loaded(&sys);
	if (!rc)
		rc = resolve_target(&sys, argv[optind], target, sizeof(target),
				    &scope);
	mdg_system_free(&sys);
	if (rc)
		return rc;

	if (named) {
		for (c = optind + 1; c < argc; c++) {
			list[n] = mdg_tunable_find(argv[c]);
			if (!list[n])
				return unknown_tunable(argv[c]);
			if (list[n]->scope != scope)
				return scope_mismatch(list[n], target);
			n++;
		}
	} else {
		for (i = 0; i < mdg_nr_tunables; i++)
			if (mdg_tunables[i].scope == scope)
				list[n++] = &mdg_tunables[i];
	}

	if (json)
		obj = json_object_new_object();
	for (i = 0; i < n; i++) {
		const struct mdg_tunable *t = list[i];

		mdg_tunable_path(t, target, path, sizeof(path));
		ret = mdg_tunable_read(t, target, val, sizeof(val));
		if (ret == -ENOENT) {
			if (named)
				rc = unsupported(path);
			if (obj)
				json_object_object_add(obj, t->name, NULL);
			else if (!named)
				fprintf(mdg_out, "%-14s -  (not supported by this mdgpu module: no %s)\n",
					t->name, path);
			continue;
		}
		if (ret) {
			rc = mdg_fail(MDG_EXIT_FAIL, "cannot read %s: %s (%s)",
				      path, strerror(-ret), mdg_errno_name(ret));
			continue;
		}
		if (obj)
			json_object_object_add(obj, t->name,
					       mdg_tunable_json(t, val));
		else if (n == 1 && named)
			fprintf(mdg_out, "%s\n", val);
		else
			fprintf(mdg_out, "%-14s %s\n", t->name, val);
	}
	if (obj) {
		print_json(obj);
		json_object_put(obj);
	}
	return rc;
}

/* mdgpuctl set TARGET NAME=VALUE... */
int mdg_cmd_set(int argc, char **argv)
{
	char target[MDG_NAME_MAX], why[256];
	struct mdg_system sys;
	enum mdg_scope scope;
	int i, rc, ret;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fprintf(mdg_out, "usage: mdgpuctl set PARENT|UUID|module NAME=VALUE...\n");
		return MDG_EXIT_OK;
	}
	if (argc < 3)
		return mdg_fail(MDG_EXIT_USAGE,
				"usage: mdgpuctl set PARENT|UUID|module NAME=VALUE...");
	/* Check every assignment's syntax and value before writing any. */
	for (i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		const struct mdg_tunable *t;
		char name[64];

		if (!eq || eq == argv[i] ||
		    (size_t)(eq - argv[i]) >= sizeof(name))
			return mdg_fail(MDG_EXIT_USAGE,
					"'%s' is not NAME=VALUE", argv[i]);
		memcpy(name, argv[i], eq - argv[i]);
		name[eq - argv[i]] = 0;
		t = mdg_tunable_find(name);
		if (!t)
			return unknown_tunable(name);
		if (mdg_tunable_check(t, eq + 1, why, sizeof(why)))
			return mdg_fail(MDG_EXIT_USAGE, "%s", why);
	}
	ret = mdg_system_load(&sys);
	if (ret) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	}
	rc = mdg_require_loaded(&sys);
	if (!rc)
		rc = resolve_target(&sys, argv[1], target, sizeof(target),
				    &scope);
	mdg_system_free(&sys);
	for (i = 2; !rc && i < argc; i++)
		rc = apply(target, scope, argv[i]);
	return rc;
}
