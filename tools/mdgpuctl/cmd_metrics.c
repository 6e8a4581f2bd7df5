// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl metrics: the state of mdgpu in Prometheus' text exposition
 * format, for node_exporter's textfile collector or any scraper.
 *
 * Names follow Prometheus' conventions: the mdgpu_ prefix, base units in
 * the name (_bytes, _seconds), _total on counters, one HELP and TYPE line
 * before each family, all samples of a family together. Labels: parent,
 * type, uuid (and backend on mdgpu_parent_info).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdgpuctl.h"

/**
 * mdg_prom_escape() - escape a label value
 * @in: the value
 * @out: the value with \, " and newline escaped, truncated to fit
 * @len: size of @out
 */
void mdg_prom_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 3 < len; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = 0;
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labels_parent(char *buf, size_t len, const char *parent)
{
	char p[2 * MDG_NAME_MAX];

	mdg_prom_escape(parent, p, sizeof(p));
	mdg_fmt(buf, len, "parent=\"%s\"", p);
}

static void labels_type(char *buf, size_t len, const char *parent,
			const char *type)
{
	char p[2 * MDG_NAME_MAX], t[2 * MDG_NAME_MAX];

	mdg_prom_escape(parent, p, sizeof(p));
	mdg_prom_escape(type, t, sizeof(t));
	mdg_fmt(buf, len, "parent=\"%s\",type=\"%s\"", p, t);
}

static void labels_instance(char *buf, size_t len,
			    const struct mdg_instance *in)
{
	char l[4 * MDG_NAME_MAX], u[2 * MDG_NAME_MAX];

	labels_type(l, sizeof(l), in->parent, in->type);
	mdg_prom_escape(in->uuid, u, sizeof(u));
	mdg_fmt(buf, len, "%s,uuid=\"%s\"", l, u);
}

/* Parent families: which field of struct mdg_parent each one shows. */
static const struct {
	const char *name;
	const char *help;
	size_t off;
} parent_families[] = {
	{ "mdgpu_parent_vram_bytes", "VRAM of the parent GPU.",
	  offsetof(struct mdg_parent, vram_total) },
	{ "mdgpu_parent_vram_used_bytes",
	  "VRAM of the parent reserved by its vGPUs (sum of their framebuffers).",
	  offsetof(struct mdg_parent, vram_used) },
	{ "mdgpu_parent_instances", "vGPUs that exist on the parent.",
	  offsetof(struct mdg_parent, instances) },
	{ "mdgpu_parent_vram_retired_bytes",
	  "VRAM of the parent retired after uncorrectable errors.",
	  offsetof(struct mdg_parent, vram_retired) },
};

static const char *const health_states[] = { "ok", "degraded", "failed" };

/**
 * mdg_metrics_write() - write the exposition of a snapshot
 * @f: output
 * @sys: the snapshot
 *
 * Return: 0, or -EIO if writing failed.
 */
int mdg_metrics_write(FILE *f, const struct mdg_system *sys)
{
	struct mdg_sample *smp = NULL;
	char l[512];
	size_t i, j, k;

	family(f, "mdgpu_up", "gauge",
	       "Whether the mdgpu module is loaded (1) or not (0).");
	fprintf(f, "mdgpu_up %d\n", sys->loaded ? 1 : 0);

	if (sys->nr_parents) {
		family(f, "mdgpu_parent_info", "gauge",
		       "Parent GPUs of mdgpu, with their backend; always 1.");
		for (i = 0; i < sys->nr_parents; i++) {
			char b[64];

			labels_parent(l, sizeof(l), sys->parents[i].name);
			mdg_prom_escape(sys->parents[i].backend, b, sizeof(b));
			fprintf(f, "mdgpu_parent_info{%s,backend=\"%s\"} 1\n",
				l, b);
		}
	}
	if (sys->nr_parents) {
		family(f, "mdgpu_parent_health", "gauge",
		       "Health of the parent GPU: 1 for its state, 0 for the others.");
		for (i = 0; i < sys->nr_parents; i++) {
			labels_parent(l, sizeof(l), sys->parents[i].name);
			for (j = 0; j < ARRAY_SIZE(health_states); j++)
				fprintf(f, "mdgpu_parent_health{%s,state=\"%s\"} %d\n",
					l, health_states[j],
					!strcmp(sys->parents[i].health,
						health_states[j]));
		}
	}
	for (k = 0; k < ARRAY_SIZE(parent_families); k++) {
		bool head = false;

		for (i = 0; i < sys->nr_parents; i++) {
			const struct mdg_parent *p = &sys->parents[i];
			int64_t v = *(const int64_t *)((const char *)p +
					parent_families[k].off);

			if (v < 0)
				continue;
			if (!head)
				family(f, parent_families[k].name, "gauge",
				       parent_families[k].help);
			head = true;
			labels_parent(l, sizeof(l), p->name);
			fprintf(f, "%s{%s} %lld\n", parent_families[k].name, l,
				(long long)v);
		}
	}

	for (k = 0; k < 3; k++) {
		static const char *const names[] = {
			"mdgpu_type_framebuffer_bytes",
			"mdgpu_type_max_instances",
			"mdgpu_type_available_instances",
		};
		static const char *const helps[] = {
			"Framebuffer (VRAM) size of each vGPU of the type.",
			"vGPUs of the type alone that fit in the empty parent.",
			"vGPUs of the type that can still be created on the parent.",
		};
		bool head = false;

		for (i = 0; i < sys->nr_parents; i++) {
			const struct mdg_parent *p = &sys->parents[i];

			for (j = 0; j < p->nr_types; j++) {
				const struct mdg_type *t = &p->types[j];
				int64_t v = k == 0 ? (t->desc.framebuffer ?
					(int64_t)t->desc.framebuffer : -1) :
					k == 1 ? t->desc.max_instances :
					t->available;

				if (v < 0)
					continue;
				if (!head)
					family(f, names[k], "gauge", helps[k]);
				head = true;
				labels_type(l, sizeof(l), p->name, t->dir);
				fprintf(f, "%s{%s} %lld\n", names[k], l,
					(long long)v);
			}
		}
	}

	if (!sys->nr_instances)
		goto done;
	smp = calloc(sys->nr_instances, sizeof(*smp));
	if (!smp)
		return -ENOMEM;
	family(f, "mdgpu_vgpu_info", "gauge",
	       "vGPUs (mdgpu instances) with their parent and type; always 1.");
	for (i = 0; i < sys->nr_instances; i++) {
		labels_instance(l, sizeof(l), &sys->instances[i]);
		fprintf(f, "mdgpu_vgpu_info{%s} 1\n", l);
		mdg_stats_read(&sys->instances[i], &smp[i]);
	}
	family(f, "mdgpu_vgpu_open", "gauge",
	       "Whether a process (a VM) holds the vGPU's VFIO device open.");
	for (i = 0; i < sys->nr_instances; i++) {
		labels_instance(l, sizeof(l), &sys->instances[i]);
		fprintf(f, "mdgpu_vgpu_open{%s} %d\n", l,
			sys->instances[i].nr_holders ? 1 : 0);
	}
	family(f, "mdgpu_vgpu_removing", "gauge",
	       "Whether the vGPU's removal is pending, waiting for its user to close it.");
	for (i = 0; i < sys->nr_instances; i++) {
		labels_instance(l, sizeof(l), &sys->instances[i]);
		fprintf(f, "mdgpu_vgpu_removing{%s} %d\n", l,
			sys->instances[i].removing ? 1 : 0);
	}
	for (k = 0; k < mdg_nr_stats; k++) {
		const struct mdg_stat *st = &mdg_stats[k];
		bool head = false;

		for (i = 0; i < sys->nr_instances; i++) {
			if (!smp[i].have[k])
				continue;
			if (!head)
				family(f, st->metric,
				       st->kind == MDG_STAT_COUNTER ? "counter" :
				       "gauge", st->help);
			head = true;
			labels_instance(l, sizeof(l), &sys->instances[i]);
			if (st->scale == 1)
				fprintf(f, "%s{%s} %lld\n", st->metric, l,
					(long long)smp[i].val[k]);
			else
				fprintf(f, "%s{%s} %.9g\n", st->metric, l,
					smp[i].val[k] * st->scale);
		}
	}
done:
	free(smp);
	return ferror(f) ? -EIO : 0;
}

/* Write to a hidden temporary file beside @path, then rename it over. */
static int write_atomic(const char *path, const struct mdg_system *sys)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], tmp[PATH_MAX];
	int fd, ret = 0;
	FILE *f;

	mdg_fmt(dirbuf, sizeof(dirbuf), "%s", path);
	mdg_fmt(basebuf, sizeof(basebuf), "%s", path);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dirbuf),
		     basename(basebuf)) >= (int)sizeof(tmp))
		return mdg_fail(MDG_EXIT_USAGE, "%s: name too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return mdg_fail(MDG_EXIT_FAIL,
				"cannot create a temporary file beside %s (%s): %s",
				path, tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return mdg_fail(MDG_EXIT_FAIL, "%s: %s", tmp, strerror(errno));
	}
	errno = 0;
	if (mdg_metrics_write(f, sys) || fflush(f) || fsync(fileno(f)) ||
	    fchmod(fileno(f), 0644))
		ret = errno ? errno : EIO;
	if (fclose(f) && !ret)
		ret = errno;
	if (!ret && rename(tmp, path))
		ret = errno;
	if (ret) {
		unlink(tmp);
		return mdg_fail(MDG_EXIT_FAIL, "cannot write %s: %s", path,
				strerror(ret));
	}
	return MDG_EXIT_OK;
}

static const struct option metrics_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * mdgpuctl metrics [--output FILE]
 *
 * Succeeds without the module (mdgpu_up 0), so a periodic job keeps the
 * textfile current.
 */
int mdg_cmd_metrics(int argc, char **argv)
{
	const char *output = NULL;
	struct mdg_system sys;
	int c, ret, rc = MDG_EXIT_OK;

	while ((c = getopt_long(argc, argv, "o:h", metrics_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			fprintf(mdg_out, "usage: mdgpuctl metrics [--output FILE]\n");
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return mdg_fail(MDG_EXIT_USAGE,
				"usage: mdgpuctl metrics [--output FILE]");
	ret = mdg_system_load(&sys);
	if (ret)
		rc = mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s", strerror(-ret));
	else if (output)
		rc = write_atomic(output, &sys);
	else if (mdg_metrics_write(mdg_out, &sys))
		rc = mdg_fail(MDG_EXIT_FAIL, "writing to standard output failed");
	mdg_system_free(&sys);
	return rc;
}
