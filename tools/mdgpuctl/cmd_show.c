// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl show UUID: one vGPU's whole state on one screen.
 *
 * Type, placement, holder, tunables (its own and its parent's), scheduler
 * figures, engine errors and health, each read from sysfs now. The health
 * of a vGPU is decided by mdg_vgpu_health() from its engine error state,
 * its parent's health and its removal; --json gives the same as numbers.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mdgpuctl.h"

/**
 * mdg_vgpu_health() - a vGPU's health, from what sysfs shows
 * @in: the instance
 * @p: its parent, or NULL if it is not known
 * @err_code: its engine_error_code, -1 if unreadable
 * @why: receives the reason, for people
 * @len: size of @why
 *
 * Return: "failed" (the parent is lost), "error" (its engine context is
 * stopped on an error until the guest resets it), "removing", "degraded"
 * (its parent survived a fault), or "ok".
 */
const char *mdg_vgpu_health(const struct mdg_instance *in,
			    const struct mdg_parent *p, int64_t err_code,
			    char *why, size_t len)
{
	if (p && !strcmp(p->health, "failed")) {
		mdg_fmt(why, len, "parent %s failed: %s", p->name,
			p->health_reason);
		return "failed";
	}
	if (err_code > 0) {
		mdg_fmt(why, len,
			"engine stopped on error %s (%lld) until the guest resets its ring or the device",
			mdg_err_name(err_code), (long long)err_code);
		return "error";
	}
	if (in->removing) {
		mdg_fmt(why, len, "removal pending until its user closes it");
		return "removing";
	}
	if (p && !mdg_parent_healthy(p)) {
		mdg_fmt(why, len, "parent %s is %s: %s", p->name, p->health,
			p->health_reason);
		return "degraded";
	}
	mdg_fmt(why, len, "none");
	return "ok";
}

/* The value of statistic @key in @smp, or -1. */
static int64_t stat_of(const struct mdg_sample *smp, const char *key)
{
	int k = mdg_stat_index(mdg_stats, mdg_nr_stats, key);

	return k >= 0 && smp->have[k] ? smp->val[k] : -1;
}

/* The value of parent statistic @key in @smp, or -1. */
static int64_t pstat_of(const struct mdg_sample *smp, const char *key)
{
	int k = mdg_stat_index(mdg_parent_stats, mdg_nr_parent_stats, key);

	return k >= 0 && smp->have[k] ? smp->val[k] : -1;
}

/* Microseconds as "1.234 s", "12 ms" or "15 us"; "-" for -1. */
static void fmt_us(char *buf, size_t len, int64_t us)
{
	if (us < 0)
		mdg_fmt(buf, len, "-");
	else if (us >= 1000000)
		mdg_fmt(buf, len, "%.3f s", us / 1e6);
	else if (us >= 1000)
		mdg_fmt(buf, len, "%.1f ms", us / 1e3);
	else
		mdg_fmt(buf, len, "%lld us", (long long)us);
}

static void fmt_num(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		mdg_fmt(buf, len, "-");
	else
		mdg_fmt(buf, len, "%lld", (long long)v);
}

/* "fill (0x01), 7 dwords" for a command header. */
static void fmt_command(char *buf, size_t len, int64_t header)
{
	unsigned int h = header;

	if (header <= 0) {
		mdg_fmt(buf, len, "none in progress");
		return;
	}
	mdg_fmt(buf, len, "%s (opcode 0x%02x), %u dwords, header 0x%08x",
		mdg_op_name(h & 0xff), h & 0xff, (h >> 16) & 0xff, h);
}

/* The tunables of one scope as "name=value ...", "-" if none. */
static void fmt_tunables(char *buf, size_t len, enum mdg_scope scope,
			 const char *target)
{
	char val[2048];
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < mdg_nr_tunables && off < len; i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];
		int n;

		if (t->scope != scope ||
		    mdg_tunable_read(t, target, val, sizeof(val)) ||
		    (t->kind == MDG_KIND_RESV && !val[0]))
			continue;
		n = snprintf(buf + off, len - off, "%s%s=%s", off ? " " : "",
			     t->name, val);
		if (n < 0)
			break;
		off += n;
	}
	if (!buf[0])
		mdg_fmt(buf, len, "-");
}

/* The wait histogram's non-empty buckets: "<2us:5 2-4us:7 ... >=32ms:1". */
static void fmt_hist(char *buf, size_t len, const struct mdg_sample *smp)
{
	size_t b, off = 0;

	buf[0] = 0;
	if (!smp->have_hist) {
		mdg_fmt(buf, len, "-");
		return;
	}
	for (b = 0; b < MDG_HIST_BUCKETS && off < len; b++) {
		char lo[16], hi[16];
		int n;

		if (!smp->hist[b])
			continue;
		fmt_us(lo, sizeof(lo), 1LL << b);
		fmt_us(hi, sizeof(hi), 1LL << (b + 1));
		if (!b)
			n = snprintf(buf + off, len - off, "%s<%s:%llu",
				     off ? " " : "", hi,
				     (unsigned long long)smp->hist[b]);
		else if (b == MDG_HIST_BUCKETS - 1)
			n = snprintf(buf + off, len - off, "%s>=%s:%llu",
				     off ? " " : "", lo,
				     (unsigned long long)smp->hist[b]);
		else
			n = snprintf(buf + off, len - off, "%s%s-%s:%llu",
				     off ? " " : "", lo, hi,
				     (unsigned long long)smp->hist[b]);
		if (n < 0)
			break;
		off += n;
	}
	if (!buf[0])
		mdg_fmt(buf, len, "no waits yet");
}

static void show_text(const struct mdg_system *sys,
		      const struct mdg_instance *in,
		      const struct mdg_parent *p, const struct mdg_sample *smp,
		      const struct mdg_sample *psmp)
{
	const struct mdg_type *t = NULL;
	char a[64], b[64], c[64], d[64], line[512], why[256];
	int64_t pop = stat_of(smp, "vram_populated");
	int64_t code = stat_of(smp, "engine_error_code");
	int64_t errors = stat_of(smp, "engine_errors");

	(void)sys;
	if (p)
		t = mdg_find_type((struct mdg_parent *)p, in->type);
	fprintf(mdg_out, "vGPU %s\n", in->uuid);
	if (t)
		fprintf(mdg_out, "  %-11s %s (\"%s\"): framebuffer %lluM, max %ux%u, display %s\n",
			"type", in->type, t->name,
			(unsigned long long)(t->desc.framebuffer >> 20),
			t->desc.max_width, t->desc.max_height,
			t->desc.display[0] ? t->desc.display : "-");
	else
		fprintf(mdg_out, "  %-11s %s\n", "type",
			in->type[0] ? in->type : "-");

	mdg_fmt_size(a, sizeof(a), in->vram_offset < 0 ? 0 : in->vram_offset);
	mdg_fmt_size(b, sizeof(b), in->vram_offset < 0 || in->vram_size < 0 ?
		     0 : in->vram_offset + in->vram_size);
	if (pop >= 0)
		mdg_fmt_size(c, sizeof(c), pop);
	else
		mdg_fmt(c, sizeof(c), "-");
	fprintf(mdg_out, "  %-11s parent %s, VRAM [%s, %s), %s populated",
		"placement", in->parent, in->vram_offset ? a : "0", b, c);
	if (pop >= 0 && in->vram_size > 0)
		fprintf(mdg_out, " (%.1f%%)", 100.0 * pop / in->vram_size);
	fprintf(mdg_out, ", IOMMU group %s\n",
		in->group >= 0 ? (mdg_fmt(d, sizeof(d), "%d", in->group), d) :
		"-");

	mdg_fmt_holders(in, line, sizeof(line));
	if (line[0])
		fprintf(mdg_out, "  %-11s %s\n", "holder", line);
	else if (in->holders_unknown)
		fprintf(mdg_out, "  %-11s unknown: %s\n", "holder",
			mdg_holders_hint());
	else
		fprintf(mdg_out, "  %-11s none (%s)\n", "holder",
			mdg_instance_state(in));

	fmt_tunables(line, sizeof(line), MDG_SCOPE_INSTANCE, in->uuid);
	fprintf(mdg_out, "  %-11s %s\n", "tunables", line);
	if (p) {
		fmt_tunables(line, sizeof(line), MDG_SCOPE_PARENT, p->name);
		fprintf(mdg_out, "  %-11s %s: %s\n", "parent", p->name, line);
	}

	fmt_us(a, sizeof(a), stat_of(smp, "engine_time_us"));
	fmt_us(b, sizeof(b), stat_of(smp, "wait_time_us"));
	fmt_us(c, sizeof(c), stat_of(smp, "throttled_us"));
	fprintf(mdg_out, "  %-11s engine %s, waited %s, throttled %s\n",
		"scheduler", a, b, c);
	fmt_num(a, sizeof(a), stat_of(smp, "slices"));
	fmt_num(b, sizeof(b), stat_of(smp, "preemptions"));
	fmt_us(c, sizeof(c), stat_of(smp, "wait_latency_us"));
	fprintf(mdg_out, "  %-11s %s slices, %s preemptions, wait latency %s (average)\n",
		"", a, b, c);
	fmt_hist(line, sizeof(line), smp);
	fprintf(mdg_out, "  %-11s %s\n", "waits", line);
	fmt_num(a, sizeof(a), stat_of(smp, "engine_commands"));
	fmt_num(b, sizeof(b), stat_of(smp, "engine_chunks"));
	fmt_us(c, sizeof(c), stat_of(smp, "engine_max_chunk_us"));
	fprintf(mdg_out, "  %-11s %s commands completed, %s chunks, longest %s\n",
		"engine", a, b, c);
	if (p) {
		fmt_us(a, sizeof(a), pstat_of(psmp, "engine_busy_us"));
		fmt_us(b, sizeof(b), pstat_of(psmp, "engine_idle_us"));
		fmt_num(c, sizeof(c), pstat_of(psmp, "engine_switches"));
		fprintf(mdg_out, "  %-11s %s: busy %s, idle %s, %s switches\n",
			"", p->name, a, b, c);
	}

	fmt_num(a, sizeof(a), errors);
	fmt_num(b, sizeof(b), stat_of(smp, "watchdog_count"));
	fmt_num(c, sizeof(c), in->reset_count);
	fprintf(mdg_out, "  %-11s %s since creation (%s by the watchdog); %s device resets\n",
		"errors", a, b, c);
	if (code > 0) {
		fmt_command(line, sizeof(line),
			    stat_of(smp, "engine_error_header"));
		fprintf(mdg_out, "  %-11s now: %s (%lld) at ring offset 0x%llx, command %s\n",
			"", mdg_err_name(code), (long long)code,
			(long long)stat_of(smp, "engine_error_head"), line);
	}
	fprintf(mdg_out, "  %-11s %s", "health",
		mdg_vgpu_health(in, p, code, why, sizeof(why)));
	if (strcmp(why, "none"))
		fprintf(mdg_out, ": %s", why);
	fputc('\n', mdg_out);
}

static struct json_object *show_json(const struct mdg_instance *in,
				     const struct mdg_parent *p,
				     const struct mdg_sample *smp)
{
	struct json_object *o = mdg_instance_json(in, true);
	struct json_object *e;
	int64_t code = stat_of(smp, "engine_error_code");
	int64_t header = stat_of(smp, "engine_error_header");
	char why[256];
	const char *h = mdg_vgpu_health(in, p, code, why, sizeof(why));

	json_object_object_add(o, "parent_info",
			       p ? mdg_parent_json(p, true) : NULL);
	if (code > 0) {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_int64(code));
		json_object_object_add(e, "name",
				       json_object_new_string(mdg_err_name(code)));
		json_object_object_add(e, "ring_offset",
				       json_object_new_int64(stat_of(smp, "engine_error_head")));
		json_object_object_add(e, "header",
				       json_object_new_int64(header));
		json_object_object_add(e, "opcode", header > 0 ?
				       json_object_new_int(header & 0xff) :
				       NULL);
		json_object_object_add(e, "opcode_name", header > 0 ?
				       json_object_new_string(mdg_op_name(header & 0xff)) :
				       NULL);
	} else {
		e = NULL;
	}
	json_object_object_add(o, "error", e);
	json_object_object_add(o, "health", json_object_new_string(h));
	json_object_object_add(o, "health_reason",
			       json_object_new_string(why));
	return o;
}

static const struct option show_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl show UUID [--json] */
int mdg_cmd_show(int argc, char **argv)
{
	static const char usage[] = "usage: mdgpuctl show UUID [--json]";
	char uuid[MDG_UUID_LEN + 1];
	struct mdg_sample smp, psmp;
	struct mdg_instance *in;
	struct mdg_parent *p;
	struct mdg_system sys;
	bool json = false;
	int c, rc, ret;

	while ((c = getopt_long(argc, argv, "jh", show_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (!mdg_uuid_valid(argv[optind], uuid))
		return mdg_fail(MDG_EXIT_USAGE, "'%s' is not a UUID",
				argv[optind]);
	ret = mdg_system_load(&sys);
	if (ret) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	}
	rc = mdg_require_loaded(&sys);
	if (rc)
		goto out;
	in = mdg_find_instance(&sys, uuid);
	if (!in) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND,
			      "no mdgpu instance %s (mdgpuctl list instances)",
			      uuid);
		goto out;
	}
	p = mdg_find_parent(&sys, in->parent);
	mdg_stats_read(in, &smp);
	memset(&psmp, 0, sizeof(psmp));
	if (p)
		mdg_parent_stats_read(p, &psmp);
	if (json) {
		struct json_object *o = show_json(in, p, &smp);

		fprintf(mdg_out, "%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		show_text(&sys, in, p, &smp, &psmp);
	}
out:
	mdg_system_free(&sys);
	return rc;
}
