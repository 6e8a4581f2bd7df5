// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of mdgpuctl, against fake sysfs trees (tests/fake_tree.c).
 *
 * The commands run in-process through mdgpuctl_main() with their output
 * captured, so a test checks the exit code, what was printed (JSON and
 * Prometheus output are parsed back) and what was written into the tree.
 * Pure logic (description parsing, the VRAM placement rule, tunable
 * validation, pixel conversion) is called directly.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../mdgpuctl.h"
#include "lib/mdgpu_png.h"
#include "fake_tree.h"
#include "tap.h"

#define MiB (1ULL << 20)

static char *out_buf, *err_buf;

/* Run "mdgpuctl ARGS..." (NULL-terminated); output in out_buf, err_buf. */
static int run(const char *arg, ...)
{
	char *argv[32];
	size_t out_len, err_len;
	const char *a;
	va_list ap;
	int argc = 0, rc;

	free(out_buf);
	free(err_buf);
	argv[argc++] = "mdgpuctl";
	va_start(ap, arg);
	for (a = arg; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	mdg_out = open_memstream(&out_buf, &out_len);
	mdg_err = open_memstream(&err_buf, &err_len);
	rc = mdgpuctl_main(argc, argv);
	fclose(mdg_out);
	fclose(mdg_err);
	mdg_out = mdg_err = NULL;
	return rc;
}

static struct json_object *json_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* The element of a JSON array whose KEY is the string VAL. */
static struct json_object *json_find(struct json_object *arr, const char *key,
				     const char *val)
{
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct json_object *v = json_get(e, key);

		if (v && !strcmp(json_object_get_string(v), val))
			return e;
	}
	return NULL;
}

/* ---- pure functions ------------------------------------------------------ */

static int test_description_parse(void)
{
	struct mdg_desc d;

	CHECK_INT(mdg_parse_description("framebuffer=64M max_instances=32 max_resolution=1920x1080 display=bochs-vbe\n",
					 &d), 4);
	CHECK_INT(d.framebuffer, 64 * MiB);
	CHECK_INT(d.max_instances, 32);
	CHECK_INT(d.max_width, 1920);
	CHECK_INT(d.max_height, 1080);
	CHECK_STR(d.display, "bochs-vbe");
	return TAP_PASS;
}

static int test_description_unknown_keys(void)
{
	struct mdg_desc d;

	/* Any order, unknown keys and stray words are ignored. */
	CHECK_INT(mdg_parse_description("future=1 max_resolution=3840x2160 junk framebuffer=1G weight=8",
					 &d), 2);
	CHECK_INT(d.framebuffer, 1024 * MiB);
	CHECK_INT(d.max_instances, -1);
	CHECK_INT(d.max_width, 3840);
	CHECK_STR(d.display, "");
	CHECK_INT(mdg_parse_description("", &d), 0);
	CHECK_INT(d.framebuffer, 0);
	return TAP_PASS;
}

static int test_description_malformed(void)
{
	struct mdg_desc d;

	CHECK_INT(mdg_parse_description("framebuffer=64Q max_instances=3", &d),
		  -EINVAL);
	CHECK_INT(d.framebuffer, 0);
	CHECK_INT(d.max_instances, 3);
	CHECK_INT(mdg_parse_description("max_resolution=1920x", &d), -EINVAL);
	CHECK_INT(d.max_width, 0);
	CHECK_INT(mdg_parse_description("max_instances=-1", &d), -EINVAL);
	CHECK_INT(mdg_parse_description("max_resolution=1920x1080x32", &d),
		  -EINVAL);
	return TAP_PASS;
}

static int test_size_parse_format(void)
{
	uint64_t v;
	char buf[32];

	CHECK_INT(mdg_parse_size("64M", &v), 0);
	CHECK_INT(v, 64 * MiB);
	CHECK_INT(mdg_parse_size("2G", &v), 0);
	CHECK_INT(v, 2048 * MiB);
	CHECK_INT(mdg_parse_size("512MiB", &v), 0);
	CHECK_INT(v, 512 * MiB);
	CHECK_INT(mdg_parse_size("4096", &v), 0);
	CHECK_INT(v, 4096);
	CHECK_INT(mdg_parse_size("M", &v), -EINVAL);
	CHECK_INT(mdg_parse_size("12X", &v), -EINVAL);
	CHECK_INT(mdg_parse_size("-1M", &v), -EINVAL);
	mdg_fmt_size(buf, sizeof(buf), 192 * MiB);
	CHECK_STR(buf, "192M");
	mdg_fmt_size(buf, sizeof(buf), 2048 * MiB);
	CHECK_STR(buf, "2G");
	mdg_fmt_size(buf, sizeof(buf), 1536 * 1024);
	CHECK_STR(buf, "1536K");
	return TAP_PASS;
}

static int test_uuid_and_type_names(void)
{
	char canon[40], type[64];

	CHECK(mdg_uuid_valid("AAAAAAAA-1111-4111-8111-111111111111", canon));
	CHECK_STR(canon, "aaaaaaaa-1111-4111-8111-111111111111");
	CHECK(!mdg_uuid_valid("aaaaaaaa-1111-4111-8111-11111111111", NULL));
	CHECK(!mdg_uuid_valid("aaaaaaaa-1111-4111-8111-11111111111g", NULL));
	CHECK(!mdg_uuid_valid("sim0", NULL));
	mdg_type_canon("64M", type, sizeof(type));
	CHECK_STR(type, "mdgpu-64M");
	mdg_type_canon("mdgpu_128M", type, sizeof(type));
	CHECK_STR(type, "mdgpu-128M");
	mdg_type_canon("mdgpu 256M", type, sizeof(type));
	CHECK_STR(type, "mdgpu-256M");
	mdg_type_canon("mdgpu-512M", type, sizeof(type));
	CHECK_STR(type, "mdgpu-512M");
	return TAP_PASS;
}

/* ---- the VRAM placement rule --------------------------------------------- */

static int test_fit_place_like_kernel(void)
{
	/* The admin guide's example: 128M, 256M, 512M, 64M on 2 GiB. */
	static const uint64_t order[] = { 128, 256, 512, 64 };
	static const uint64_t want[] = { 0, 256, 512, 128 };
	struct mdg_range used[4];
	uint64_t off, total = 2048 * MiB;
	size_t i;

	for (i = 0; i < 4; i++) {
		CHECK_INT(mdg_vram_place(total, used, i, order[i] * MiB, &off), 0);
		CHECK_INT(off, want[i] * MiB);
		used[i].offset = off;
		used[i].size = order[i] * MiB;
	}
	CHECK_INT(mdg_vram_free_slots(total, used, 4, 64 * MiB), 17);
	CHECK_INT(mdg_vram_free_slots(total, used, 4, 128 * MiB), 8);
	CHECK_INT(mdg_vram_free_slots(total, used, 4, 256 * MiB), 4);
	CHECK_INT(mdg_vram_free_slots(total, used, 4, 512 * MiB), 2);
	CHECK_INT(mdg_vram_place(total, used, 4, 96 * MiB, &off), -EINVAL);
	CHECK_INT(mdg_vram_place(total, used, 4, 4096 * MiB, &off), -EINVAL);
	return TAP_PASS;
}

static int test_fit_fragmentation(void)
{
	/* Two 64M at 0 and 512M of 1 GiB: 896M free, no 512M range. */
	struct mdg_range used[] = { { 0, 64 * MiB }, { 512 * MiB, 64 * MiB } };
	uint64_t total = 1024 * MiB, sizes[15], off;
	struct mdg_range placed[15];
	size_t i, n;

	CHECK_INT(mdg_vram_free_slots(total, used, 2, 512 * MiB), 0);
	CHECK_INT(mdg_vram_free_slots(total, used, 2, 256 * MiB), 2);
	CHECK_INT(mdg_vram_free_slots(total, used, 2, 64 * MiB), 14);
	sizes[0] = 512 * MiB;
	CHECK_INT(mdg_fit_simulate(total, used, 2, sizes, 1, placed, &n),
		  -ENOSPC);
	CHECK_INT(n, 0);
	/* A 64M instance goes into the gap next to an existing one. */
	CHECK_INT(mdg_vram_place(total, used, 2, 64 * MiB, &off), 0);
	CHECK_INT(off, 64 * MiB);
	for (i = 0; i < 15; i++)
		sizes[i] = 64 * MiB;
	CHECK_INT(mdg_fit_simulate(total, used, 2, sizes, 14, placed, &n), 0);
	CHECK_INT(n, 14);
	CHECK_INT(mdg_fit_simulate(total, used, 2, sizes, 15, placed, &n),
		  -ENOSPC);
	CHECK_INT(n, 14);
	return TAP_PASS;
}

static int test_fit_mixed_exact(void)
{
	/* 2x256 + 2x128 + 4x64 = 1 GiB exactly, given smallest first. */
	uint64_t sizes[] = { 64, 64, 64, 64, 128, 128, 256, 256, 64 };
	struct mdg_range placed[9];
	uint64_t total = 1024 * MiB;
	size_t i, j, n;

	for (i = 0; i < 9; i++)
		sizes[i] *= MiB;
	CHECK_INT(mdg_fit_simulate(total, NULL, 0, sizes, 8, placed, &n), 0);
	CHECK_INT(n, 8);
	/* Largest first, every range aligned to its size and disjoint. */
	CHECK_INT(placed[0].size, 256 * MiB);
	for (i = 0; i < n; i++) {
		CHECK_INT(placed[i].offset % placed[i].size, 0);
		CHECK(placed[i].offset + placed[i].size <= total);
		for (j = 0; j < i; j++)
			CHECK(placed[i].offset >= placed[j].offset + placed[j].size ||
			      placed[j].offset >= placed[i].offset + placed[i].size);
	}
	/* One more 64M does not fit: exhaustion. */
	CHECK_INT(mdg_fit_simulate(total, NULL, 0, sizes, 9, placed, &n),
		  -ENOSPC);
	CHECK_INT(n, 8);
	return TAP_PASS;
}

static int test_fit_mixed_with_used(void)
{
	/* The admin guide's map: free [192M,256M) and [1G,2G). */
	struct mdg_range used[] = {
		{ 0, 128 * MiB }, { 256 * MiB, 256 * MiB },
		{ 512 * MiB, 512 * MiB }, { 128 * MiB, 64 * MiB },
	};
	uint64_t sizes[] = { 512 * MiB, 512 * MiB, 64 * MiB, 64 * MiB };
	struct mdg_range placed[4];
	size_t n;

	/* 2x512M take [1G, 2G); one 64M fits the gap, the second does not. */
	CHECK_INT(mdg_fit_simulate(2048 * MiB, used, 4, sizes, 3, placed, &n),
		  0);
	CHECK_INT(placed[0].offset, 1024 * MiB);
	CHECK_INT(placed[1].offset, 1536 * MiB);
	CHECK_INT(placed[2].offset, 192 * MiB);
	CHECK_INT(mdg_fit_simulate(2048 * MiB, used, 4, sizes, 4, placed, &n),
		  -ENOSPC);
	CHECK_INT(n, 3);
	return TAP_PASS;
}

static int test_fit_compacted(void)
{
	/* 64M at 0 and at 512M of 1 GiB: no 512M range now, one once packed. */
	struct mdg_range used[] = { { 0, 64 * MiB }, { 512 * MiB, 64 * MiB } };
	uint64_t total = 1024 * MiB;
	uint64_t sizes[] = { 512 * MiB, 256 * MiB, 128 * MiB, 64 * MiB };

	CHECK_INT(mdg_fit_simulate(total, used, 2, sizes, 1, NULL, NULL),
		  -ENOSPC);
	CHECK_INT(mdg_fit_compacted(total, used, 2, sizes, 1), 0);
	/* 512 + 256 + 128 + 2x64 = 1 GiB exactly. */
	CHECK_INT(mdg_fit_compacted(total, used, 2, sizes, 3), 0);
	CHECK_INT(mdg_fit_compacted(total, used, 2, sizes, 4), -ENOSPC);
	CHECK_INT(mdg_fit_compacted(total, NULL, 0, sizes, 4), 0);
	CHECK_INT(mdg_fit_compacted(total, used, 2, NULL, 0), 0);
	return TAP_PASS;
}

/* ---- tunables ------------------------------------------------------------ */

static int test_tunable_validation(void)
{
	const struct mdg_tunable *w = mdg_tunable_find("weight");
	const struct mdg_tunable *p = mdg_tunable_find("policy");
	const struct mdg_tunable *ts = mdg_tunable_find("timeslice_us");
	char why[256];

	CHECK(w && p && ts);
	CHECK(!mdg_tunable_find("nonsense"));
	CHECK_INT(w->scope, MDG_SCOPE_INSTANCE);
	CHECK_INT(p->scope, MDG_SCOPE_PARENT);
	CHECK_INT(mdg_tunable_check(w, "1", why, sizeof(why)), 0);
	CHECK_INT(mdg_tunable_check(w, "10000", why, sizeof(why)), 0);
	CHECK_INT(mdg_tunable_check(w, "0", why, sizeof(why)), -EINVAL);
	CHECK_HAS(why, "out of range 1-10000");
	CHECK_INT(mdg_tunable_check(w, "10001", why, sizeof(why)), -EINVAL);
	CHECK_INT(mdg_tunable_check(w, "5x", why, sizeof(why)), -EINVAL);
	CHECK_HAS(why, "not a whole number");
	CHECK_INT(mdg_tunable_check(w, "", why, sizeof(why)), -EINVAL);
	CHECK_INT(mdg_tunable_check(w, "99999999999999999999", why,
				    sizeof(why)), -EINVAL);
	CHECK_INT(mdg_tunable_check(ts, "99", why, sizeof(why)), -EINVAL);
	CHECK_INT(mdg_tunable_check(ts, "2000", why, sizeof(why)), 0);
	CHECK_INT(mdg_tunable_check(p, "weighted", why, sizeof(why)), 0);
	CHECK_INT(mdg_tunable_check(p, "fastest", why, sizeof(why)), -EINVAL);
	CHECK_HAS(why, "best_effort|equal_share");
	CHECK_INT(mdg_tunable_check(mdg_tunable_find("cap"), "-1", why,
				    sizeof(why)), -EINVAL);
	return TAP_PASS;
}

/* min_share: a percent with up to four decimals (one part per million). */
static int test_share_tunable(void)
{
	const struct mdg_tunable *m = mdg_tunable_find("min_share");
	const char *f = "sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/min_share";
	struct json_object *o;
	char why[256];
	uint64_t v;

	CHECK(m && m->kind == MDG_KIND_SHARE);
	CHECK_INT(mdg_parse_fixed("12.5", 4, &v), 0);
	CHECK(v == 125000);
	CHECK_INT(mdg_parse_fixed("0.0001", 4, &v), 0);
	CHECK(v == 1);
	CHECK_INT(mdg_parse_fixed("30", 4, &v), 0);
	CHECK(v == 300000);
	CHECK_INT(mdg_parse_fixed("7", 0, &v), 0);
	CHECK(v == 7);
	CHECK_INT(mdg_parse_fixed("0.00001", 4, &v), -EINVAL);
	CHECK_INT(mdg_parse_fixed("1.", 4, &v), -EINVAL);
	CHECK_INT(mdg_parse_fixed(".5", 4, &v), -EINVAL);
	CHECK_INT(mdg_parse_fixed("-1", 4, &v), -EINVAL);
	CHECK_INT(mdg_parse_fixed("1.5", 0, &v), -EINVAL);
	CHECK_INT(mdg_parse_fixed("18446744073709551615", 0, &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_INT(mdg_parse_fixed("18446744073709551616", 0, &v), -EINVAL);
	CHECK_INT(mdg_parse_fixed("1844674407370956", 4, &v), -EINVAL);

	CHECK_INT(mdg_tunable_check(m, "0.0976", why, sizeof(why)), 0);
	CHECK_INT(mdg_tunable_check(m, "100", why, sizeof(why)), 0);
	CHECK_INT(mdg_tunable_check(m, "100.0001", why, sizeof(why)), -EINVAL);
	CHECK_HAS(why, "out of range 0-100 %");
	CHECK_INT(mdg_tunable_check(m, "0.00005", why, sizeof(why)), -EINVAL);
	CHECK_HAS(why, "at most 4 decimals");

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(f, "0\n"), 0);
	CHECK_INT(run("set", UUID_A, "min_share=12.5", NULL), 0);
	CHECK_STR(fake_read(f), "12.5");
	CHECK_INT(run("set", UUID_A, "min_share=0.00001", NULL), MDG_EXIT_USAGE);
	CHECK_STR(fake_read(f), "12.5");
	CHECK_INT(run("get", UUID_A, "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	CHECK(json_object_is_type(json_get(o, "min_share"), json_type_double));
	CHECK(json_object_get_double(json_get(o, "min_share")) == 12.5);
	json_object_put(o);
	CHECK_INT(fake_file(f, "30\n"), 0);
	CHECK_INT(run("get", UUID_A, "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	CHECK(json_object_is_type(json_get(o, "min_share"), json_type_int));
	CHECK_INT(json_object_get_int64(json_get(o, "min_share")), 30);
	json_object_put(o);
	return TAP_PASS;
}

static int test_get_unsupported(void)
{
	char want[PATH_MAX + 64];

	/* An older module, without these files. */
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/policy"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/weight"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/priority"), 0);
	CHECK_INT(run("get", "sim0", "policy", NULL), MDG_EXIT_NOTFOUND);
	mdg_fmt(want, sizeof(want),
		 "not supported by this mdgpu module (no %s/sys/class/mdgpu/sim0/policy)",
		 fake_root());
	CHECK_HAS(err_buf, want);
	CHECK_INT(run("get", UUID_A, "weight", NULL), MDG_EXIT_NOTFOUND);
	mdg_fmt(want, sizeof(want), "(no %s/sys/bus/mdev/devices/%s/mdgpu/weight)",
		 fake_root(), UUID_A);
	CHECK_HAS(err_buf, want);
	/* Listing all is not an error; each missing one says so. */
	CHECK_INT(run("get", UUID_A, NULL), 0);
	CHECK_HAS(out_buf, "priority");
	CHECK_HAS(out_buf, "not supported by this mdgpu module");
	return TAP_PASS;
}

static int test_get_set_present(void)
{
	const char *w = "sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/weight";
	struct json_object *o;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(w, "100\n"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/cap"), 0);
	CHECK_INT(run("get", UUID_A, "weight", NULL), 0);
	CHECK_STR(out_buf, "100\n");
	CHECK_INT(run("set", UUID_A, "weight=250", NULL), 0);
	CHECK_STR(fake_read(w), "250");
	CHECK_INT(run("get", UUID_A, "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	CHECK(json_object_is_type(json_get(o, "weight"), json_type_int));
	CHECK_INT(json_object_get_int64(json_get(o, "weight")), 250);
	CHECK_STR(json_object_get_string(json_get(o, "plane_types")), "region");
	CHECK(json_object_object_get_ex(o, "cap", NULL));
	CHECK(json_get(o, "cap") == NULL);
	json_object_put(o);
	return TAP_PASS;
}

static int test_set_rejects(void)
{
	const char *w = "sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/weight";
	const char *cap = "sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/cap";

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(w, "100\n"), 0);
	CHECK_INT(run("set", UUID_A, "weight=0", NULL), MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "weight=0 is out of range 1-10000");
	CHECK_STR(fake_read(w), "100\n");
	/* A bad second assignment stops the first from being written. */
	CHECK_INT(run("set", UUID_A, "weight=7", "priority=9", NULL),
		  MDG_EXIT_USAGE);
	CHECK_STR(fake_read(w), "100\n");
	CHECK_INT(run("set", UUID_A, "bogus=1", NULL), MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "unknown tunable 'bogus'");
	CHECK_INT(run("set", UUID_A, "weight", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("set", "sim0", "weight=5", NULL), MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "per-vGPU tunable");
	CHECK_INT(run("set", UUID_A, "policy=weighted", NULL), MDG_EXIT_USAGE);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/timeslice_us"), 0);
	CHECK_INT(run("set", "sim0", "timeslice_us=1000", NULL),
		  MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "not supported by this mdgpu module (no ");
	CHECK_INT(run("set", UUID_NONE, "weight=5", NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("set", "sim7", "policy=weighted", NULL),
		  MDG_EXIT_NOTFOUND);
	/* The kernel's refusal is shown in words: here EISDIR. */
	CHECK_INT(fake_unlink(cap), 0);
	CHECK_INT(fake_mkdir(cap), 0);
	CHECK_INT(run("set", UUID_A, "cap=50", NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "the kernel refused cap=50");
	CHECK_HAS(err_buf, "(EISDIR)");
	return TAP_PASS;
}

/* plane_types: a word tunable; the kernel's EBUSY (device open) is shown. */
static int test_set_plane_types(void)
{
	const char *f = "sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/plane_types";

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(f, "region\n"), 0);
	CHECK_INT(run("get", UUID_A, "plane_types", NULL), 0);
	CHECK_STR(out_buf, "region\n");
	CHECK_INT(run("set", UUID_A, "plane_types=dmabuf", NULL), 0);
	CHECK_STR(fake_read(f), "dmabuf");
	CHECK_INT(run("set", UUID_A, "plane_types=opengl", NULL),
		  MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "plane_types=opengl is not one of region|dmabuf|both");
	CHECK_STR(fake_read(f), "dmabuf");
	CHECK_INT(run("set", "sim0", "plane_types=both", NULL), MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "per-vGPU tunable");
	CHECK_INT(run("mdevctl", UUID_A, NULL), 0);
	CHECK_HAS(out_buf, "mdevctl modify --uuid=" UUID_A
		  " --addattr=mdgpu/plane_types --value=dmabuf\n");
	return TAP_PASS;
}

/* ---- list ---------------------------------------------------------------- */

static int test_list_parents_json(void)
{
	struct json_object *o, *a, *p;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("list", "parents", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	a = json_get(o, "parents");
	CHECK_INT(json_object_array_length(a), 2);
	CHECK(!json_get(o, "types"));
	p = json_find(a, "name", "sim0");
	CHECK(p);
	CHECK_STR(json_object_get_string(json_get(p, "backend")), "sim");
	CHECK_INT(json_object_get_int64(json_get(p, "vram_total")), 2048 * MiB);
	CHECK_INT(json_object_get_int64(json_get(p, "vram_used")), 960 * MiB);
	CHECK_INT(json_object_get_int64(json_get(p, "instances")), 4);
	p = json_find(a, "name", "sim1");
	CHECK_INT(json_object_get_int64(json_get(p, "vram_total")), 256 * MiB);
	json_object_put(o);
	return TAP_PASS;
}

static int test_list_types_json(void)
{
	struct json_object *o, *a, *t;
	size_t i;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("list", "types", "--json", "--parent", "sim0", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	a = json_get(o, "types");
	CHECK_INT(json_object_array_length(a), 4);
	/* Smallest framebuffer first. */
	for (i = 1; i < 4; i++)
		CHECK(json_object_get_int64(json_get(json_object_array_get_idx(a, i), "framebuffer")) >
		      json_object_get_int64(json_get(json_object_array_get_idx(a, i - 1), "framebuffer")));
	t = json_find(a, "type", "mdgpu-256M");
	CHECK(t);
	CHECK_STR(json_object_get_string(json_get(t, "parent")), "sim0");
	CHECK_STR(json_object_get_string(json_get(t, "name")), "mdgpu 256M");
	CHECK_INT(json_object_get_int64(json_get(t, "framebuffer")), 256 * MiB);
	CHECK_INT(json_object_get_int64(json_get(t, "max_instances")), 8);
	CHECK_STR(json_object_get_string(json_get(t, "max_resolution")),
		  "3840x2160");
	CHECK_INT(json_object_get_int64(json_get(t, "available_instances")), 4);
	CHECK_STR(json_object_get_string(json_get(t, "device_api")), "vfio-pci");
	json_object_put(o);
	return TAP_PASS;
}

static int test_list_instances_json(void)
{
	struct json_object *o, *a, *e, *h;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("list", "instances", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	a = json_get(o, "instances");
	/* A-E, not the mtty device. */
	CHECK_INT(json_object_array_length(a), 5);
	CHECK(!json_find(a, "uuid", UUID_MTTY));
	e = json_find(a, "uuid", UUID_A);
	CHECK(e);
	CHECK_STR(json_object_get_string(json_get(e, "parent")), "sim0");
	CHECK_STR(json_object_get_string(json_get(e, "type")), "mdgpu-128M");
	CHECK_INT(json_object_get_int64(json_get(e, "vram_offset")), 0);
	CHECK_INT(json_object_get_int64(json_get(e, "vram_size")), 128 * MiB);
	CHECK_INT(json_object_get_int64(json_get(e, "reset_count")), 2);
	CHECK_INT(json_object_get_int64(json_get(e, "iommu_group")), 10);
	CHECK(json_object_get_boolean(json_get(e, "open")));
	h = json_get(e, "holders");
	CHECK_INT(json_object_array_length(h), 1);
	CHECK_INT(json_object_get_int(json_get(json_object_array_get_idx(h, 0), "pid")),
		  4242);
	CHECK_STR(json_object_get_string(json_get(json_object_array_get_idx(h, 0), "comm")),
		  "qemu-system-x86");
	e = json_find(a, "uuid", UUID_D);
	CHECK_STR(json_object_get_string(json_get(e, "type")), "mdgpu-64M");
	CHECK_INT(json_object_get_int64(json_get(e, "vram_offset")), 128 * MiB);
	/* Group 13 is not group 1, which pid 4243 holds. */
	CHECK(!json_object_get_boolean(json_get(e, "open")));
	/* Sorted by parent, then VRAM offset: A, D, B, C, E. */
	CHECK_STR(json_object_get_string(json_get(json_object_array_get_idx(a, 1), "uuid")),
		  UUID_D);
	CHECK_STR(json_object_get_string(json_get(json_object_array_get_idx(a, 4), "uuid")),
		  UUID_E);
	json_object_put(o);
	return TAP_PASS;
}

static int test_list_text(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("list", NULL), 0);
	CHECK_HAS(out_buf, "PARENT");
	CHECK_HAS(out_buf, "pid 4242 (qemu-system-x86)");
	CHECK_INT(run("list", "parents", "--csv", NULL), 0);
	CHECK_HAS(out_buf, "PARENT,BACKEND,VRAM,USED,INSTANCES,HEALTH,REASON\r\n");
	CHECK_HAS(out_buf, "\nsim0,sim,2G,960M,4,ok,-\r\n");
	CHECK_INT(run("list", "types", "--csv", NULL), 0);
	CHECK_HAS(out_buf, "\nsim0,mdgpu-64M,mdgpu 64M,64M,32,1920x1080,17\r\n");
	CHECK_INT(run("list", "instances", "--csv", NULL), 0);
	CHECK_HAS(out_buf, "\n" UUID_D ",sim0,mdgpu-64M,\"[128M, 192M)\",64M,0,idle,-\r\n");
	CHECK_LACKS(out_buf, UUID_MTTY);
	CHECK_INT(run("list", "instances", "--parent", "sim1", NULL), 0);
	CHECK_HAS(out_buf, UUID_E);
	CHECK_LACKS(out_buf, UUID_A);
	CHECK_INT(run("list", "widgets", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("list", "--parent", "sim9", NULL), MDG_EXIT_NOTFOUND);
	return TAP_PASS;
}

/*
 * The table options: -o selects and orders columns (case-insensitive, "+"
 * adds to the default, extra columns only when named), --raw escapes
 * blanks, --noheadings drops the header, --csv quotes as RFC 4180; misuse
 * is a usage error.
 */
static int set_health(const char *parent, const char *state, const char *why);

static int test_list_table_options(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(set_health("sim1", "failed", "lost, \"gone\""), 0);
	CHECK_INT(run("list", "parents", "-o", "health,Parent", "--noheadings",
		      NULL), 0);
	CHECK_STR(out_buf, "ok     sim0\nfailed sim1\n");
	CHECK_INT(run("list", "parents", "-o", "+retired", "--raw", NULL), 0);
	CHECK_HAS(out_buf, "PARENT BACKEND VRAM USED INSTANCES HEALTH REASON RETIRED\n");
	CHECK_HAS(out_buf, "sim1 sim 256M 256M 1 failed lost,\\x20\"gone\" ");
	CHECK_INT(run("list", "parents", "-o", "reason", "--csv", NULL), 0);
	CHECK_STR(out_buf, "REASON\r\n-\r\n\"lost, \"\"gone\"\"\"\r\n");
	CHECK_INT(run("list", "types", "-o", "type,display", "--parent", "sim1",
		      "--noheadings", NULL), 0);
	CHECK_HAS(out_buf, "mdgpu-64M");
	CHECK_LACKS(out_buf, "sim0");
	CHECK_INT(run("list", "instances", "--raw", "--noheadings", "-o",
		      "uuid,open_by", NULL), 0);
	CHECK_HAS(out_buf, UUID_A " pid\\x204242\\x20(qemu-system-x86)\n");
	CHECK_INT(run("list", "tunables", "-o", "tunable,help", "--csv", NULL),
		  0);
	CHECK_HAS(out_buf, "TUNABLE,HELP\r\npolicy,");
	CHECK_HAS(out_buf, "\r\nwatchdog_ms,\"engine time limit of one job, 0 = no limit\"\r\n");
	CHECK_INT(run("list", "parents", "-o", "widgets", NULL), MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "unknown column 'widgets'");
	CHECK_INT(run("list", "-o", "parent", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("list", "parents", "types", "--csv", NULL),
		  MDG_EXIT_USAGE);
	CHECK_INT(run("list", "parents", "--json", "--raw", NULL),
		  MDG_EXIT_USAGE);
	return TAP_PASS;
}

static int test_list_missing_attribute(void)
{
	struct json_object *o, *p;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/vram_used"), 0);
	CHECK_INT(run("list", "parents", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	p = json_find(json_get(o, "parents"), "name", "sim0");
	CHECK(p);
	CHECK(json_object_object_get_ex(p, "vram_used", NULL));
	CHECK(json_get(p, "vram_used") == NULL);
	CHECK_INT(json_object_get_int64(json_get(p, "instances")), 4);
	json_object_put(o);
	return TAP_PASS;
}

static int test_not_loaded(void)
{
	CHECK_INT(fake_init(), 0);
	CHECK_INT(run("list", NULL), MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "mdgpu is not loaded");
	CHECK_INT(run("create", "64M", NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("metrics", NULL), 0);
	CHECK_HAS(out_buf, "\nmdgpu_up 0\n");
	return TAP_PASS;
}

static int test_holder_cdev(void)
{
	struct json_object *o, *e;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_mkdir("sys/devices/virtual/mdgpu/sim0/" UUID_B "/vfio-dev/vfio3"),
		  0);
	CHECK_INT(fake_holder(5000, "qemu-iommufd", 9, "/dev/vfio/devices/vfio3"), 0);
	CHECK_INT(fake_holder(5001, "qemu-other", 9, "/dev/vfio/devices/vfio30"), 0);
	CHECK_INT(run("list", "instances", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	e = json_find(json_get(o, "instances"), "uuid", UUID_B);
	CHECK(e);
	CHECK(json_object_get_boolean(json_get(e, "open")));
	CHECK_INT(json_object_array_length(json_get(e, "holders")), 1);
	CHECK_INT(json_object_get_int(json_get(json_object_array_get_idx(json_get(e, "holders"), 0), "pid")),
		  5000);
	json_object_put(o);
	return TAP_PASS;
}

static int test_removing_instance(void)
{
	const char *b = "sys/devices/virtual/mdgpu/sim0/" UUID_B;
	char rel[256];
	struct json_object *o, *e;

	/*
	 * A pending removal as the kernel shows it: off the bus, only the
	 * iommu_group link left in its directory under the parent.
	 */
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_unlink("sys/bus/mdev/devices/" UUID_B), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdev_type"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_B "/driver"), 0);
	mdg_fmt(rel, sizeof(rel), "%s/mdgpu/vram_size", b);
	CHECK_INT(fake_unlink(rel), 0);
	mdg_fmt(rel, sizeof(rel), "%s/mdgpu/vram_offset", b);
	CHECK_INT(fake_unlink(rel), 0);
	CHECK_INT(fake_holder(4300, "qemu-b", 4, "/dev/vfio/11"), 0);
	CHECK_INT(run("list", "instances", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK_INT(json_object_array_length(json_get(o, "instances")), 5);
	e = json_find(json_get(o, "instances"), "uuid", UUID_B);
	CHECK(e);
	CHECK_STR(json_object_get_string(json_get(e, "state")), "removing");
	CHECK_STR(json_object_get_string(json_get(e, "parent")), "sim0");
	CHECK(json_object_object_get_ex(e, "type", NULL) && !json_get(e, "type"));
	CHECK(!json_get(e, "vram_offset"));
	CHECK_INT(json_object_get_int(json_get(json_object_array_get_idx(json_get(e, "holders"), 0), "pid")),
		  4300);
	e = json_find(json_get(o, "instances"), "uuid", UUID_A);
	CHECK_STR(json_object_get_string(json_get(e, "state")), "open");
	e = json_find(json_get(o, "instances"), "uuid", UUID_D);
	CHECK_STR(json_object_get_string(json_get(e, "state")), "idle");
	json_object_put(o);
	CHECK_INT(run("remove", UUID_B, NULL), MDG_EXIT_BUSY);
	CHECK_HAS(err_buf, "already pending: it completes when pid 4300 (qemu-b) closes");
	CHECK_STR(fake_read("sys/devices/virtual/mdgpu/sim0/" UUID_B "/remove"), "");
	CHECK_INT(run("metrics", NULL), 0);
	CHECK_HAS(out_buf, "mdgpu_vgpu_removing{parent=\"sim0\",type=\"\",uuid=\"" UUID_B "\"} 1\n");
	CHECK_HAS(out_buf, "mdgpu_vgpu_removing{parent=\"sim0\",type=\"mdgpu-64M\",uuid=\"" UUID_D "\"} 0\n");
	CHECK_INT(run("mdevctl", NULL), 0);
	CHECK_LACKS(out_buf, UUID_B);
	/* Its range is unknown but still reserved: fit says so. */
	CHECK_INT(run("fit", "512M:2", "64M:1", "--parent", "sim0", NULL), 0);
	CHECK_HAS(err_buf, "may be incomplete");
	CHECK_INT(run("list", "instances", "--csv", NULL), 0);
	CHECK_HAS(out_buf, UUID_B ",sim0,-,-,-,0,removing,pid 4300 (qemu-b)\r\n");
	return TAP_PASS;
}

/* ---- create and remove --------------------------------------------------- */

#define CREATE(p, t) "sys/devices/virtual/mdgpu/" p "/mdev_supported_types/" t "/create"

/* Placement as plain data: spread and pack choose differently. */
static int test_place_pick(void)
{
	struct mdg_place_cand c[] = {
		/* A: half full, idle engine */
		{ 1024 * MiB, 512 * MiB, 64 * MiB, 0.1 },
		/* B: empty, busy engine */
		{ 1024 * MiB, 0, 64 * MiB, 0.8 },
		/* C: full after this one, idle engine */
		{ 1024 * MiB, 960 * MiB, 64 * MiB, 0.0 },
	};
	struct mdg_place_cand tie[] = {
		{ 1024 * MiB, 0, 64 * MiB, 0.5 },
		{ 1024 * MiB, 0, 64 * MiB, -1 },
		{ 1024 * MiB, 512 * MiB, 0, 0.5 },
	};
	enum mdg_place_policy pol;

	CHECK_INT(mdg_place_pick(c, 3, MDG_PLACE_SPREAD), 0);
	CHECK_INT(mdg_place_pick(c, 3, MDG_PLACE_PACK), 2);
	/* Without A, spread weighs B's free VRAM against C's idle engine. */
	CHECK_INT(mdg_place_pick(c + 1, 2, MDG_PLACE_SPREAD), 0);
	CHECK_INT(mdg_place_pick(c, 0, MDG_PLACE_SPREAD), -1);
	CHECK(mdg_place_free_after(&c[2]) < 1e-9);
	/* An unknown load counts as half busy: a tie, the first wins. */
	CHECK_INT(mdg_place_pick(tie, 2, MDG_PLACE_SPREAD), 0);
	/* Equal score (pack: same bytes left), the less busy engine wins. */
	tie[1].load = 0.2;
	CHECK_INT(mdg_place_pick(tie, 2, MDG_PLACE_PACK), 1);
	CHECK_INT(mdg_place_policy_parse("pack", &pol), 0);
	CHECK_INT(pol, MDG_PLACE_PACK);
	CHECK_INT(mdg_place_policy_parse("fast", &pol), -1);
	return TAP_PASS;
}

/* create without --parent places by policy and says where and why. */
static int test_create_placement(void)
{
	CHECK_INT(fake_standard(), 0);
	/* sim1 gets room for one 64M instance (it then has none left). */
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim1/mdev_supported_types/mdgpu-64M/available_instances",
			    "1\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim1/vram_used",
			    "%llu\n", (unsigned long long)(192 * MiB)), 0);
	CHECK_INT(run("create", "64M", "--uuid", UUID_NONE, NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), UUID_NONE);
	CHECK_STR(fake_read(CREATE("sim1", "mdgpu-64M")), "");
	CHECK_HAS(err_buf, "placed on sim0 (spread");
	CHECK_HAS(err_buf, "sim1 0% VRAM free after");
	CHECK_INT(fake_file(CREATE("sim0", "mdgpu-64M"), "%s", ""), 0);
	CHECK_INT(run("create", "64M", "--policy", "pack", "--uuid", UUID_NONE,
		      NULL), 0);
	CHECK_STR(fake_read(CREATE("sim1", "mdgpu-64M")), UUID_NONE);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), "");
	CHECK_HAS(err_buf, "placed on sim1 (pack");
	CHECK_INT(run("create", "64M", "--policy", "fast", NULL),
		  MDG_EXIT_USAGE);
	CHECK_INT(run("create", "64M", "--policy", "pack", "--parent", "sim0",
		      NULL), MDG_EXIT_USAGE);
	return TAP_PASS;
}

static int test_create_writes_uuid(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("create", "64M", "--parent", "sim0", "--uuid",
		      "ABCDEF01-2345-4678-89AB-CDEF01234567", NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")),
		  "abcdef01-2345-4678-89ab-cdef01234567");
	CHECK_STR(out_buf, "abcdef01-2345-4678-89ab-cdef01234567\n");
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-128M")), "");
	return TAP_PASS;
}

static int test_create_generates_uuid(void)
{
	const char *c;
	char written[64];

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("create", "mdgpu-128M", NULL), 0);
	c = fake_read(CREATE("sim0", "mdgpu-128M"));
	CHECK(c);
	mdg_fmt(written, sizeof(written), "%s", c);
	CHECK(mdg_uuid_valid(written, NULL));
	CHECK_INT(strlen(out_buf), 37);
	CHECK(!strncmp(out_buf, written, 36));
	/* Two runs, two UUIDs. */
	CHECK_INT(run("create", "mdgpu-128M", NULL), 0);
	CHECK(strcmp(fake_read(CREATE("sim0", "mdgpu-128M")), written));
	return TAP_PASS;
}

static int test_create_errors(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("create", "1G", NULL), MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "unknown type '1G' (types: mdgpu-64M");
	CHECK_INT(run("create", "64M", "--parent", "sim9", NULL),
		  MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "no mdgpu parent 'sim9' (parents: sim0, sim1)");
	CHECK_INT(run("create", "512M", "--parent", "sim1", NULL),
		  MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "sim1 offers mdgpu-64M, mdgpu-128M, mdgpu-256M");
	CHECK_INT(run("create", "64M", "--uuid", "not-a-uuid", NULL),
		  MDG_EXIT_USAGE);
	CHECK_INT(run("create", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("create", "64M", "--uuid", UUID_B, NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "(EEXIST)");
	CHECK_INT(run("create", "64M", "--set", "weight=0", NULL),
		  MDG_EXIT_USAGE);
	CHECK_INT(run("create", "64M", "--set", "policy=weighted", NULL),
		  MDG_EXIT_USAGE);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), "");
	return TAP_PASS;
}

static int test_create_full_parent(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("create", "256M", "--parent", "sim1", NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "cannot create mdgpu-256M on sim1");
	CHECK_HAS(err_buf, "available_instances is 0");
	CHECK_HAS(err_buf, "(ENOSPC)");
	CHECK_STR(fake_read(CREATE("sim1", "mdgpu-256M")), "");
	/* Without --parent the first parent with room is used. */
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/mdev_supported_types/mdgpu-64M/available_instances",
			    "0\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim1/mdev_supported_types/mdgpu-64M/available_instances",
			    "1\n"), 0);
	CHECK_INT(run("create", "64M", NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), "");
	CHECK(mdg_uuid_valid(fake_read(CREATE("sim1", "mdgpu-64M")), NULL));
	/* All full: refused. */
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim1/mdev_supported_types/mdgpu-64M/available_instances",
			    "0\n"), 0);
	CHECK_INT(run("create", "64M", NULL), MDG_EXIT_REFUSED);
	return TAP_PASS;
}

static int test_create_kernel_refuses(void)
{
	/* The create file is a directory: the write fails with EISDIR. */
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_unlink(CREATE("sim0", "mdgpu-64M")), 0);
	CHECK_INT(fake_mkdir(CREATE("sim0", "mdgpu-64M")), 0);
	CHECK_INT(run("create", "64M", NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "the kernel refused to create mdgpu-64M");
	CHECK_HAS(err_buf, "(EISDIR)");
	return TAP_PASS;
}

static int test_create_set_unsupported_rolls_back(void)
{
	const char *rm = "sys/devices/virtual/mdgpu/sim0/" UUID_NONE "/remove";

	/* The new device "appears" (its dir is pre-made, without weight). */
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(rm, "%s", ""), 0);
	CHECK_INT(fake_link("sys/bus/mdev/devices/" UUID_NONE,
			    "../../../devices/virtual/mdgpu/sim0/" UUID_NONE), 0);
	CHECK_INT(run("create", "64M", "--uuid", UUID_NONE, "--set",
		      "weight=5", NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "(EEXIST)");
	CHECK_INT(fake_unlink("sys/bus/mdev/devices/" UUID_NONE), 0);
	CHECK_INT(run("create", "64M", "--uuid", UUID_NONE, "--set",
		      "weight=5", NULL), MDG_EXIT_NOTFOUND);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), UUID_NONE);
	CHECK_HAS(err_buf, "not supported by this mdgpu module");
	CHECK_HAS(err_buf, "removing it failed");
	CHECK_STR(out_buf, "");
	return TAP_PASS;
}

#define REMOVE(p, u) "sys/devices/virtual/mdgpu/" p "/" u "/remove"

static int test_remove_writes(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("remove", UUID_B, NULL), 0);
	CHECK_STR(fake_read(REMOVE("sim0", UUID_B)), "1");
	CHECK_STR(fake_read(REMOVE("sim0", UUID_C)), "");
	return TAP_PASS;
}

static int test_remove_errors(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("remove", "22222222-2222", NULL), MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "is not a UUID");
	CHECK_INT(run("remove", UUID_NONE, NULL), MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "no mdgpu instance " UUID_NONE);
	CHECK_INT(run("remove", UUID_MTTY, NULL), MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "not an mdgpu instance");
	CHECK_STR(fake_read("sys/devices/virtual/mtty/mtty/" UUID_MTTY "/remove"), "");
	CHECK_INT(run("remove", NULL), MDG_EXIT_USAGE);
	return TAP_PASS;
}

static int test_remove_busy(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("remove", UUID_A, NULL), MDG_EXIT_BUSY);
	CHECK_HAS(err_buf, "in use by pid 4242 (qemu-system-x86)");
	CHECK_HAS(err_buf, "--force");
	CHECK_STR(fake_read(REMOVE("sim0", UUID_A)), "");
	CHECK_INT(run("remove", "--force", UUID_A, NULL), 0);
	CHECK_STR(fake_read(REMOVE("sim0", UUID_A)), "1");
	return TAP_PASS;
}

/* ---- Prometheus ---------------------------------------------------------- */

struct prom_sample {
	char name[128];
	char labels[512];
	double value;
};

static bool prom_name_ok(const char *s, size_t n, bool colon)
{
	size_t i;

	if (!n || isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    !(colon && s[i] == ':'))
			return false;
	return true;
}

/*
 * Check name="value" pairs, comma separated, up to the closing brace, with
 * only \\, \" and \n escapes in values. Returns the '}' or NULL.
 */
static char *prom_labels(char *q)
{
	while (*q != '}') {
		char *eq = strchr(q, '=');

		if (!eq || !prom_name_ok(q, eq - q, false) || eq[1] != '"')
			return NULL;
		for (q = eq + 2; *q && *q != '"'; q++) {
			if (*q != '\\')
				continue;
			if (q[1] != '\\' && q[1] != '"' && q[1] != 'n')
				return NULL;
			q++;
		}
		if (*q != '"')
			return NULL;
		q++;
		if (*q == ',')
			q++;
		else if (*q != '}')
			return NULL;
	}
	return q;
}

/*
 * Parse the text exposition format strictly enough for our output: every
 * sample belongs to the family of the last TYPE line, families are not
 * repeated, names and label names are valid, label values are quoted with
 * escapes, values are numbers. Returns the number of samples, or -line.
 */
static int prom_parse(const char *text, struct prom_sample *s, int max)
{
	char families[128][128], cur[128] = "";
	bool histogram = false;
	int nfam = 0, n = 0, line = 0, i;
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		char buf[1024];
		size_t len;

		line++;
		if (!eol)
			return -line;	/* the last line must end */
		len = eol - p;
		if (len >= sizeof(buf))
			return -line;
		memcpy(buf, p, len);
		buf[len] = 0;
		p = eol + 1;
		if (!strncmp(buf, "# TYPE ", 7)) {
			char name[128], type[32];

			if (sscanf(buf + 7, "%127s %31s", name, type) != 2 ||
			    !prom_name_ok(name, strlen(name), true) ||
			    (strcmp(type, "gauge") && strcmp(type, "counter") &&
			     strcmp(type, "histogram")))
				return -line;
			histogram = !strcmp(type, "histogram");
			if (!strcmp(type, "counter") &&
			    (strlen(name) < 6 ||
			     strcmp(name + strlen(name) - 6, "_total")))
				return -line;
			for (i = 0; i < nfam; i++)
				if (!strcmp(families[i], name))
					return -line;
			if (nfam == 128)
				return -line;
			mdg_fmt(families[nfam++], sizeof(families[0]), "%s", name);
			mdg_fmt(cur, sizeof(cur), "%s", name);
			continue;
		}
		if (buf[0] == '#')
			continue;
		if (n == max)
			return -line;
		{
			char *q = buf, *end, *lb = strchr(buf, '{');
			char *sp = strchr(buf, ' ');
			size_t nl = lb && lb < sp ? (size_t)(lb - buf) :
				    (size_t)(sp ? sp - buf : 0);

			if (!sp || !prom_name_ok(buf, nl, true) || nl >= 128)
				return -line;
			memcpy(s[n].name, buf, nl);
			s[n].name[nl] = 0;
			if (strcmp(s[n].name, cur) &&
			    !(histogram && nl > strlen(cur) &&
			      !strncmp(s[n].name, cur, strlen(cur)) &&
			      (!strcmp(s[n].name + strlen(cur), "_bucket") ||
			       !strcmp(s[n].name + strlen(cur), "_sum") ||
			       !strcmp(s[n].name + strlen(cur), "_count"))))
				return -line;
			s[n].labels[0] = 0;
			q = buf + nl;
			if (*q == '{') {
				char *l = ++q;

				q = prom_labels(q);
				if (!q || (size_t)(q - l) >= sizeof(s[n].labels))
					return -line;
				memcpy(s[n].labels, l, q - l);
				s[n].labels[q - l] = 0;
				q++;
			}
			if (*q != ' ')
				return -line;
			s[n].value = strtod(q + 1, &end);
			if (end == q + 1 || *end)
				return -line;
			n++;
		}
	}
	return n;
}

static int prom_find(const struct prom_sample *s, int n, const char *name,
		     const char *labels, double *v)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(s[i].name, name) && !strcmp(s[i].labels, labels)) {
			*v = s[i].value;
			return 0;
		}
	}
	return -1;
}

#define IN_LABELS(t, u) "parent=\"sim0\",type=\"" t "\",uuid=\"" u "\""

static int test_metrics_format_and_values(void)
{
	static struct prom_sample s[2048];
	double v;
	int n, i;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 2048);
	if (n < 0)
		TAP_DIAG("parse error at line %d:\n%s", -n, out_buf);
	CHECK(n > 0);
	for (i = 0; i < n; i++)
		CHECK(!strncmp(s[i].name, "mdgpu_", 6));
	CHECK_INT(prom_find(s, n, "mdgpu_up", "", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_bytes", "parent=\"sim0\"", &v), 0);
	CHECK_INT(v, 2048 * MiB);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_used_bytes", "parent=\"sim0\"", &v), 0);
	CHECK_INT(v, 960 * MiB);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_instances", "parent=\"sim1\"", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_info", "parent=\"sim0\",backend=\"sim\"", &v), 0);
	CHECK_INT(prom_find(s, n, "mdgpu_type_available_instances",
			    "parent=\"sim0\",type=\"mdgpu-64M\"", &v), 0);
	CHECK_INT(v, 17);
	CHECK_INT(prom_find(s, n, "mdgpu_type_framebuffer_bytes",
			    "parent=\"sim0\",type=\"mdgpu-512M\"", &v), 0);
	CHECK_INT(v, 512 * MiB);
	CHECK_INT(prom_find(s, n, "mdgpu_type_max_instances",
			    "parent=\"sim1\",type=\"mdgpu-64M\"", &v), 0);
	CHECK_INT(v, 4);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_vram_bytes",
			    IN_LABELS("mdgpu-64M", UUID_D), &v), 0);
	CHECK_INT(v, 64 * MiB);
	/* Where a vGPU lies in its parent is a placement detail. */
	CHECK_LACKS(out_buf, "vram_offset");
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_resets_total",
			    IN_LABELS("mdgpu-128M", UUID_A), &v), 0);
	CHECK_INT(v, 2);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_open",
			    IN_LABELS("mdgpu-128M", UUID_A), &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_open",
			    IN_LABELS("mdgpu-256M", UUID_B), &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_info",
			    IN_LABELS("mdgpu-512M", UUID_C), &v), 0);
	/* Planned statistics are absent until their file exists. */
	CHECK_LACKS(out_buf, "mdgpu_vgpu_fences_total");
	CHECK_LACKS(out_buf, UUID_MTTY);
	return TAP_PASS;
}

static int test_metrics_new_stat_and_scale(void)
{
	static struct prom_sample s[2048];
	double v;
	int n;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/engine_time_us",
			    "2500000\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/slices",
			    "42\n"), 0);
	/* An older module: A lacks the file. */
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/slices"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/vram_total"), 0);
	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 2048);
	CHECK(n > 0);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_engine_seconds_total",
			    IN_LABELS("mdgpu-256M", UUID_B), &v), 0);
	CHECK(v > 2.4999 && v < 2.5001);
	CHECK_HAS(out_buf, "mdgpu_vgpu_engine_seconds_total{" IN_LABELS("mdgpu-256M", UUID_B) "} 2.500000\n");
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_slices_total",
			    IN_LABELS("mdgpu-256M", UUID_B), &v), 0);
	CHECK_INT(v, 42);
	CHECK_HAS(out_buf, "# TYPE mdgpu_vgpu_slices_total counter\n");
	/* Only B has them. */
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_slices_total",
			    IN_LABELS("mdgpu-128M", UUID_A), &v), -1);
	/* An unreadable attribute drops that sample, not the output. */
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_bytes", "parent=\"sim0\"", &v), -1);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_bytes", "parent=\"sim1\"", &v), 0);
	return TAP_PASS;
}

static int test_metrics_escape(void)
{
	static struct prom_sample s[2048];
	char out[64];
	int n;

	mdg_prom_escape("a\"b\\c\nd", out, sizeof(out));
	CHECK_STR(out, "a\\\"b\\\\c\\nd");
	/* A backend with a quote still gives a parseable exposition. */
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/backend", "si\"m\\\n"), 0);
	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 2048);
	CHECK(n > 0);
	CHECK_HAS(out_buf, "backend=\"si\\\"m\\\\\"");
	return TAP_PASS;
}

/*
 * The real client's linter: promtool check metrics (Debian's prometheus)
 * on the output for the standard tree, whose files come from
 * Documentation/ABI. Skipped where promtool is not installed.
 */
static int test_metrics_promtool(void)
{
	char path[PATH_MAX], cmd[2 * PATH_MAX];
	FILE *f;
	int rc;

	if (system("command -v promtool >/dev/null 2>&1"))
		return TAP_SKIP;
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("metrics", NULL), 0);
	mdg_fmt(path, sizeof(path), "%s/metrics.prom", fake_root());
	f = fopen(path, "w");
	CHECK(f);
	fputs(out_buf, f);
	CHECK_INT(fclose(f), 0);
	mdg_fmt(cmd, sizeof(cmd), "promtool check metrics <'%s' >'%s.out' 2>&1",
		path, path);
	rc = system(cmd);
	if (rc)
		TAP_DIAG("promtool:\n%s", fake_read("metrics.prom.out"));
	CHECK_INT(rc, 0);
	CHECK_HAS(out_buf, "# TYPE mdgpu_vgpu_wait_latency_seconds histogram\n");
	return TAP_PASS;
}

static int test_metrics_output_atomic(void)
{
	char path[PATH_MAX], *stdout_copy;
	const char *file;
	struct stat st;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("metrics", NULL), 0);
	stdout_copy = strdup(out_buf);
	CHECK_INT(fake_mkdir("textfile"), 0);
	CHECK_INT(fake_file("textfile/mdgpu.prom", "old content\n"), 0);
	mdg_fmt(path, sizeof(path), "%s/textfile/mdgpu.prom", fake_root());
	CHECK_INT(run("metrics", "--output", path, NULL), 0);
	CHECK_STR(out_buf, "");
	file = fake_read("textfile/mdgpu.prom");
	CHECK(file && !strcmp(file, stdout_copy));
	free(stdout_copy);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	/* No temporary file left behind. */
	mdg_fmt(path, sizeof(path), "%s/textfile", fake_root());
	{
		char cmd[PATH_MAX + 64];
		FILE *ls;
		int count = 0;
		char line[256];

		mdg_fmt(cmd, sizeof(cmd), "ls -A '%s'", path);
		ls = popen(cmd, "r");
		CHECK(ls);
		while (fgets(line, sizeof(line), ls))
			count++;
		pclose(ls);
		CHECK_INT(count, 1);
	}
	mdg_fmt(path, sizeof(path), "%s/no/such/dir/m.prom", fake_root());
	CHECK_INT(run("metrics", "--output", path, NULL), MDG_EXIT_FAIL);
	CHECK_HAS(err_buf, "no/such/dir/m.prom");
	return TAP_PASS;
}

/* ---- stats, top, fit, mdevctl -------------------------------------------- */

static int test_stats_json(void)
{
	struct json_object *o, *e, *st, *p;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/watchdog_count",
			    "7\n"), 0);
	CHECK_INT(run("stats", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	e = json_find(json_get(o, "instances"), "uuid", UUID_A);
	CHECK(e);
	st = json_get(e, "stats");
	CHECK_INT(json_object_get_int64(json_get(st, "vram_size")), 128 * MiB);
	CHECK_INT(json_object_get_int64(json_get(st, "reset_count")), 2);
	CHECK_INT(json_object_get_int64(json_get(st, "watchdog_count")), 7);
	CHECK(json_object_is_type(json_get(st, "watchdog_count"), json_type_int));
	/* Files the module never had are not made up. */
	CHECK(!json_object_object_get_ex(st, "fence_count", NULL));
	CHECK(!json_object_object_get_ex(st, "error_count", NULL));
	p = json_find(json_get(o, "parents"), "name", "sim0");
	CHECK_INT(json_object_array_length(json_get(p, "types")), 4);
	json_object_put(o);
	CHECK_INT(run("stats", UUID_NONE, NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("stats", "xyz", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("stats", UUID_B, NULL), 0);
	CHECK_HAS(out_buf, "instance " UUID_B " (sim0, mdgpu-256M)");
	CHECK_LACKS(out_buf, UUID_A);
	return TAP_PASS;
}

/*
 * stats as a table: a column per statistic file with the file's value,
 * --csv for spreadsheets, --loop N --count K repeating the rows with a
 * TIME column and the header once.
 */
static int test_stats_table_loop(void)
{
	char line[256];
	const char *p;
	int rows = 0;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/watchdog_count",
			    "7\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/engine_error_header",
			    "0x00070001\n"), 0);
	CHECK_INT(run("stats", UUID_A, "--csv", "-o",
		      "uuid,vram_size,reset_count,watchdog_count,engine_error_header",
		      NULL), 0);
	mdg_fmt(line, sizeof(line), "UUID,vram_size,reset_count,watchdog_count,engine_error_header\r\n"
		UUID_A ",%llu,2,7,458753\r\n", (unsigned long long)(128 * MiB));
	CHECK_STR(out_buf, line);
	CHECK_INT(run("stats", "--raw", "--noheadings", "-o", "uuid,state",
		      NULL), 0);
	CHECK_HAS(out_buf, UUID_A " open\n");
	CHECK_HAS(out_buf, UUID_B " idle\n");
	CHECK_INT(run("stats", UUID_A, "--csv", "--loop", "0.1", "--count", "3",
		      "-o", "time,uuid,watchdog_count", NULL), 0);
	CHECK(!strncmp(out_buf, "TIME,UUID,watchdog_count\r\n", 26));
	for (p = out_buf; (p = strstr(p, "," UUID_A ",7\r\n")); p++)
		rows++;
	CHECK_INT(rows, 3);
	CHECK(strstr(out_buf + 1, "TIME") == NULL);
	/* Without --loop, TIME is there only when asked for. */
	CHECK_INT(run("stats", "--csv", NULL), 0);
	CHECK(!strncmp(out_buf, "UUID,PARENT,TYPE,STATE,", 23));
	CHECK_INT(run("stats", "--loop", "0", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("stats", "--count", "2", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("stats", "--json", "--csv", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("stats", "-o", "bogus", NULL), MDG_EXIT_USAGE);
	return TAP_PASS;
}

/* The whitespace-separated field of COL in the row of UUID. */
static int top_cell(const char *text, const char *uuid, const char *col,
		    char *val, size_t len)
{
	char *copy = strdup(text), *line, *save = NULL;
	int idx = -1, ret = -1;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2 = NULL;
		int i = 0;

		if (!strncmp(line, "UUID ", 5)) {
			for (tok = strtok_r(line, " ", &s2); tok;
			     tok = strtok_r(NULL, " ", &s2), i++)
				if (!strcmp(tok, col))
					idx = i;
		} else if (idx >= 0 && !strncmp(line, uuid, strlen(uuid))) {
			for (tok = strtok_r(line, " ", &s2); tok;
			     tok = strtok_r(NULL, " ", &s2), i++)
				if (i == idx) {
					mdg_fmt(val, len, "%s", tok);
					ret = 0;
				}
		}
	}
	free(copy);
	return ret;
}

static int test_top_once(void)
{
	char v[64];

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/watchdog_count",
			    "3\n"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/watchdog_count"), 0);
	CHECK_INT(run("top", "--once", NULL), 0);
	CHECK_LACKS(out_buf, "\033[");
	CHECK_HAS(out_buf, "sim0: VRAM 960M of 2G used, 4 vGPUs; can add mdgpu-64M:17");
	CHECK_INT(top_cell(out_buf, UUID_A, "VRAM", v, sizeof(v)), 0);
	CHECK_STR(v, "128M");
	CHECK_INT(top_cell(out_buf, UUID_D, "OFFSET", v, sizeof(v)), 0);
	CHECK_STR(v, "128M");
	CHECK_INT(top_cell(out_buf, UUID_A, "RESETS", v, sizeof(v)), 0);
	CHECK_STR(v, "2");
	CHECK_INT(top_cell(out_buf, UUID_A, "OPEN_BY", v, sizeof(v)), 0);
	CHECK_STR(v, "4242(qemu-system-x86)");
	CHECK_INT(top_cell(out_buf, UUID_B, "OPEN_BY", v, sizeof(v)), 0);
	CHECK_STR(v, "-");
	CHECK_INT(top_cell(out_buf, UUID_A, "WDOG", v, sizeof(v)), 0);
	CHECK_STR(v, "3");
	CHECK_INT(top_cell(out_buf, UUID_B, "WDOG", v, sizeof(v)), 0);
	CHECK_STR(v, "-");
	CHECK_INT(top_cell(out_buf, UUID_C, "WDOG", v, sizeof(v)), 0);
	CHECK_STR(v, "0");
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_D "/mdgpu/engine_errors",
			    "4\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_D "/mdgpu/vram_populated",
			    "%llu\n", 3 * MiB), 0);
	CHECK_INT(run("top", "--once", NULL), 0);
	CHECK_INT(top_cell(out_buf, UUID_D, "ERRORS", v, sizeof(v)), 0);
	CHECK_STR(v, "4");
	CHECK_INT(top_cell(out_buf, UUID_D, "RESIDENT", v, sizeof(v)), 0);
	CHECK_STR(v, "3M");
	CHECK_INT(top_cell(out_buf, UUID_A, "ENGINE%", v, sizeof(v)), 0);
	CHECK_STR(v, "-");
	CHECK_INT(run("top", "--interval", "0", NULL), MDG_EXIT_USAGE);
	return TAP_PASS;
}

static int test_top_rates(void)
{
	struct mdg_system sys;
	struct mdg_sample prev[5], cur[5];
	char *buf = NULL, v[64];
	size_t len, i;
	FILE *f;
	int k_fence = -1, k_engine = -1, k_cmds = -1;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(mdg_system_load(&sys), 0);
	CHECK_INT(sys.nr_instances, 5);
	for (i = 0; i < mdg_nr_stats; i++) {
		if (!strcmp(mdg_stats[i].key, "wait_time_us"))
			k_fence = i;
		if (!strcmp(mdg_stats[i].key, "engine_time_us"))
			k_engine = i;
		if (!strcmp(mdg_stats[i].key, "engine_commands"))
			k_cmds = i;
	}
	CHECK(k_fence >= 0 && k_engine >= 0 && k_cmds >= 0);
	memset(prev, 0, sizeof(prev));
	memset(cur, 0, sizeof(cur));
	/* Instance 0 (A): 1.5 s of waiting and 0.5 s of engine time in 2 s. */
	prev[0].have[k_fence] = cur[0].have[k_fence] = true;
	prev[0].val[k_fence] = 1000;
	cur[0].val[k_fence] = 1501000;
	prev[0].have[k_engine] = cur[0].have[k_engine] = true;
	prev[0].val[k_engine] = 0;
	cur[0].val[k_engine] = 500000;
	/* and 200 commands: 100 a second */
	prev[0].have[k_cmds] = cur[0].have[k_cmds] = true;
	prev[0].val[k_cmds] = 1000;
	cur[0].val[k_cmds] = 1200;
	f = open_memstream(&buf, &len);
	mdg_top_frame(f, &sys, &sys, prev, cur, 2.0);
	fclose(f);
	CHECK_INT(top_cell(buf, UUID_A, "WAIT%", v, sizeof(v)), 0);
	CHECK_STR(v, "75.0");
	CHECK_INT(top_cell(buf, UUID_A, "CMDS/s", v, sizeof(v)), 0);
	CHECK_STR(v, "100.0");
	CHECK_INT(top_cell(buf, UUID_A, "ENGINE%", v, sizeof(v)), 0);
	CHECK_STR(v, "25.0");
	free(buf);
	mdg_system_free(&sys);
	return TAP_PASS;
}

#define SIM_ATTR(p, a) "sys/devices/virtual/mdgpu/" p "/" a
#define AVAIL(p, t) SIM_ATTR(p, "mdev_supported_types/" t "/available_instances")

/* Make @parent's health @state for @why. */
static int set_health(const char *parent, const char *state, const char *why)
{
	char rel[PATH_MAX];

	mdg_fmt(rel, sizeof(rel), "sys/devices/virtual/mdgpu/%s/health",
		parent);
	if (fake_file(rel, "%s\n", state))
		return -1;
	mdg_fmt(rel, sizeof(rel), "sys/devices/virtual/mdgpu/%s/health_reason",
		parent);
	return fake_file(rel, "%s\n", why);
}

/*
 * Parent health: shown by list (text and JSON) and metrics; create without
 * --parent and fit skip a degraded or failed parent; a named degraded one
 * is still used, a failed one never.
 */
static int test_parent_health(void)
{
	static struct prom_sample s[2048];
	struct json_object *o, *p;
	double v;
	int n;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(AVAIL("sim1", "mdgpu-64M"), "1\n"), 0);
	CHECK_INT(set_health("sim0", "degraded",
			     "engine hang detected and reset (1)"), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "vram_retired"), "%llu\n",
			    (unsigned long long)(2 * MiB)), 0);

	CHECK_INT(run("list", "parents", "-o", "parent,health,reason",
		      "--noheadings", "--csv", NULL), 0);
	CHECK_STR(out_buf, "sim0,degraded,engine hang detected and reset (1)\r\n"
		  "sim1,ok,-\r\n");
	CHECK_INT(run("list", "parents", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	p = json_find(json_get(o, "parents"), "name", "sim0");
	CHECK(p);
	CHECK_STR(json_object_get_string(json_get(p, "health")), "degraded");
	CHECK_STR(json_object_get_string(json_get(p, "health_reason")),
		  "engine hang detected and reset (1)");
	CHECK_INT(json_object_get_int64(json_get(p, "vram_retired")), 2 * MiB);
	json_object_put(o);

	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 2048);
	CHECK(n > 0);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_health",
			    "parent=\"sim0\",state=\"degraded\"", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_health",
			    "parent=\"sim0\",state=\"ok\"", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_health",
			    "parent=\"sim1\",state=\"ok\"", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_retired_bytes",
			    "parent=\"sim0\"", &v), 0);
	CHECK_INT(v, 2 * MiB);

	/* sim0 has room but is degraded: create picks sim1. */
	CHECK_INT(run("create", "64M", NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), "");
	CHECK(mdg_uuid_valid(fake_read(CREATE("sim1", "mdgpu-64M")), NULL));
	/* Named, the degraded parent is used. */
	CHECK_INT(run("create", "64M", "--parent", "sim0", NULL), 0);
	CHECK(mdg_uuid_valid(fake_read(CREATE("sim0", "mdgpu-64M")), NULL));
	/* fit: sim0 (room) is skipped unless named; sim1 (full) says no. */
	CHECK_INT(run("fit", "64M", "1", NULL), MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "sim0: no: the parent is degraded (engine hang");
	CHECK_HAS(out_buf, "sim1: no");
	CHECK_INT(run("fit", "64M", "1", "--parent", "sim0", NULL), 0);
	CHECK_HAS(out_buf, "sim0: yes");

	/* Only an unhealthy parent offers the type: refused, with why. */
	CHECK_INT(fake_file(AVAIL("sim1", "mdgpu-64M"), "0\n"), 0);
	CHECK_INT(set_health("sim1", "failed", "parent GPU lost"), 0);
	CHECK_INT(run("create", "512M", NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "sim0 is degraded (engine hang detected and reset (1))");
	CHECK_HAS(err_buf, "--parent");
	CHECK_INT(run("fit", "512M", "1", NULL), MDG_EXIT_FAIL);
	/* A failed parent is refused even when named. */
	CHECK_INT(run("create", "64M", "--parent", "sim1", NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "sim1 is failed (parent GPU lost)");
	CHECK_INT(run("fit", "64M", "1", "--parent", "sim1", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "sim1: no: the parent is failed (parent GPU lost)");

	/* A module without the attributes: every parent is ok. */
	CHECK_INT(fake_unlink(SIM_ATTR("sim0", "health")), 0);
	CHECK_INT(run("fit", "64M", "1", NULL), 0);
	CHECK_HAS(out_buf, "sim0: yes");
	return TAP_PASS;
}

static int test_fit_command(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("fit", "64M", "17", "--parent", "sim0", NULL), 0);
	CHECK_HAS(out_buf, "sim0: yes");
	CHECK_INT(run("fit", "64M", "18", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "available_instances is 17");
	/* Mix: 2x512M fill [1G, 2G); then one 64M fits the gap. */
	CHECK_INT(run("fit", "512M:2", "64M:1", "--parent", "sim0", NULL), 0);
	CHECK_HAS(out_buf, "mdgpu-512M   at [1G, 1536M)");
	CHECK_HAS(out_buf, "mdgpu-64M    at [192M, 256M)");
	/* More than the free VRAM (2048M - 960M) is refused at once. */
	CHECK_INT(run("fit", "512M:2", "64M:2", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "sim0: no: 4 instances need 1152M of VRAM, 1088M is free");
	/* Any parent will do: sim0 yes, sim1 no. */
	CHECK_INT(run("fit", "256M", "1", NULL), 0);
	CHECK_HAS(out_buf, "sim1: no");
	CHECK_INT(run("fit", "512M:2", "128M:1", "--parent", "sim0", "64M:1",
		      NULL), MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "need 1216M");
	CHECK_INT(run("fit", "1G", "1", NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("fit", "64M", "0", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("fit", "64M", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("fit", "64M:x", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("fit", "64M", "1", "--parent", "sim9", NULL),
		  MDG_EXIT_NOTFOUND);
	return TAP_PASS;
}

/*
 * An oversubscribed parent: fit and create count its promise (vram_total
 * under vram_ratio), as the kernel's available_instances does.
 */
static int test_fit_oversubscribed(void)
{
	CHECK_INT(mdg_vram_promise(256 * MiB, 1000), (int64_t)(256 * MiB));
	CHECK_INT(mdg_vram_promise(256 * MiB, -1), (int64_t)(256 * MiB));
	CHECK_INT(mdg_vram_promise(256 * MiB, 2000), (int64_t)(512 * MiB));
	CHECK_INT(mdg_vram_promise(1024 * MiB, 1500), (int64_t)(1536 * MiB));
	CHECK_INT(mdg_vram_promise(65 * MiB, 1001), (int64_t)(65 * MiB));
	CHECK_INT(mdg_vram_promise(-1, 2000), -1);

	CHECK_INT(fake_standard(), 0);
	/* sim1: 256 MiB, all of it held by UUID_E; at 2000, as much again. */
	CHECK_INT(run("fit", "64M", "1", "--parent", "sim1", NULL),
		  MDG_EXIT_FAIL);
	CHECK_INT(fake_file(SIM_ATTR("sim1", "vram_ratio"), "2000\n"), 0);
	CHECK_INT(fake_file(AVAIL("sim1", "mdgpu-64M"), "4\n"), 0);
	CHECK_INT(fake_file(AVAIL("sim1", "mdgpu-128M"), "2\n"), 0);
	CHECK_INT(fake_file(AVAIL("sim1", "mdgpu-256M"), "1\n"), 0);
	CHECK_INT(run("fit", "256M", "1", "--parent", "sim1", NULL), 0);
	CHECK_HAS(out_buf, "sim1: yes");
	CHECK_HAS(out_buf, "mdgpu-256M   at [256M, 512M)");
	CHECK_INT(run("fit", "128M:1", "64M:2", "--parent", "sim1", NULL), 0);
	CHECK_INT(run("fit", "128M:2", "64M:1", "--parent", "sim1", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "320M of VRAM, 256M is free");
	/* pack now prefers sim1: it has the least left after placing. */
	CHECK_INT(run("create", "64M", "--policy", "pack", "--uuid", UUID_NONE,
		      NULL), 0);
	CHECK_STR(fake_read(CREATE("sim1", "mdgpu-64M")), UUID_NONE);
	return TAP_PASS;
}

/*
 * create without --parent places only where the engine admits the
 * min_share given with --set (mdg_cap_fit(), the rule mdgpu-balancer
 * plans moves with): sim0, preferred otherwise, reserves 90% of its engine
 * for an absent instance, so a 20% min_share goes to sim1; with sim1
 * reserved as well, the create is refused before anything is written.
 */
static int test_create_admits_min_share(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim1/mdev_supported_types/mdgpu-64M/available_instances",
			    "1\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim1/vram_used",
			    "%llu\n", (unsigned long long)(192 * MiB)), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "reservations"),
			    UUID_MTTY ":0:900000:7 - unheld\n"), 0);
	/* Without a min_share, sim0 (most room) as before. */
	CHECK_INT(run("create", "64M", "--uuid", UUID_NONE, NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), UUID_NONE);
	CHECK_INT(fake_file(CREATE("sim0", "mdgpu-64M"), "%s", ""), 0);
	/* (Setting min_share then fails: the fake has no such instance.) */
	run("create", "64M", "--uuid", UUID_NONE, "--set", "min_share=20",
	    NULL);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), "");
	CHECK_STR(fake_read(CREATE("sim1", "mdgpu-64M")), UUID_NONE);
	CHECK_HAS(err_buf, "placed on sim1: the only healthy parent with room");
	CHECK_INT(fake_file(CREATE("sim1", "mdgpu-64M"), "%s", ""), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim1", "reservations"),
			    UUID_MTTY ":0:900000:7 - unheld\n"), 0);
	CHECK_INT(run("create", "64M", "--uuid", UUID_NONE, "--set",
		      "min_share=20", NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "no healthy parent with room for it admits its min_share: sim0: engine share: 900000 ppm committed, min_share 200000 ppm more would pass the engine");
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), "");
	CHECK_STR(fake_read(CREATE("sim1", "mdgpu-64M")), "");
	return TAP_PASS;
}

/* sim0 of fake_standard() with UUID_NONE reserved: 512M at 1G, class 7. */
#define RESV_LINE UUID_NONE ":512:300000:7"

static int fake_reserved(const char *state)
{
	if (fake_standard())
		return -1;
	if (fake_file(SIM_ATTR("sim0", "reservations"), "%s %llu %s\n",
		      RESV_LINE, 1024ULL * MiB, state) ||
	    fake_file(SIM_ATTR("sim0", "vram_used"), "%llu\n",
		      (960ULL + 512) * MiB))
		return -1;
	/* What the kernel counts around the reserved range. */
	if (fake_type("sim0", 64, 2048, 9) || fake_type("sim0", 128, 2048, 4) ||
	    fake_type("sim0", 256, 2048, 2) || fake_type("sim0", 512, 2048, 1))
		return -1;
	return 0;
}

/*
 * start-reserved: the hook plays the kernel, making the device (with a
 * weight and a remove file) when the 512M type's create file is written.
 */
#define RDEV "sys/devices/virtual/mdgpu/sim0/" UUID_NONE

static void create_hook(const char *path, bool write)
{
	static const char want[] = "/mdgpu-512M/create";
	size_t n = strlen(path), w = strlen(want);

	if (!write || n < w || strcmp(path + n - w, want))
		return;
	if (fake_file(RDEV "/mdgpu/weight", "100\n") ||
	    fake_file(RDEV "/remove", "%s", "") ||
	    fake_link("sys/bus/mdev/devices/" UUID_NONE,
		      "../../../devices/virtual/mdgpu/sim0/" UUID_NONE))
		fprintf(stderr, "# create_hook: cannot make the device\n");
}

static int start_reserved(const char *def)
{
	char dir[PATH_MAX];
	int rc;

	mdg_fmt(dir, sizeof(dir), "%s/etc/mdevctl.d", fake_root());
	if (def && fake_file("etc/mdevctl.d/sim0/" UUID_NONE, "%s", def))
		return -100;
	mdg_file_hook = create_hook;
	rc = run("start-reserved", "sim0", "--config-dir", dir, NULL);
	mdg_file_hook = NULL;
	return rc;
}

/*
 * The unheld reservation's auto-start definition is created into it (the
 * create file of its type), then its attributes are written in order;
 * nothing for a held reservation, a manual definition or none; a bad
 * attribute removes the device again; a type not the parent's is refused.
 */
static int test_start_reserved(void)
{
	static const char def[] =
		"{\n  \"mdev_type\": \"mdgpu-512M\",\n  \"start\": \"auto\",\n"
		"  \"attrs\": [\n    { \"mdgpu/weight\": \"300\" },\n"
		"    { \"mdgpu/weight\": \"7\" }\n  ]\n}\n";

	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(start_reserved(def), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-512M")), UUID_NONE);
	CHECK_STR(fake_read(RDEV "/mdgpu/weight"), "7");
	CHECK_STR(fake_read(RDEV "/remove"), "");
	CHECK_HAS(out_buf, "sim0: started " UUID_NONE " (mdgpu-512M) into its reservation");

	/* No definition, a held reservation, a manual one: nothing. */
	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(start_reserved(NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-512M")), "");
	CHECK_INT(fake_reserved("held"), 0);
	CHECK_INT(start_reserved(def), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-512M")), "");
	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(start_reserved("{ \"mdev_type\": \"mdgpu-512M\", \"start\": \"manual\" }"), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-512M")), "");

	/* An attribute outside the device: created, then removed. */
	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(start_reserved("{ \"mdev_type\": \"mdgpu-512M\", \"start\": \"auto\", "
				 "\"attrs\": [ { \"../weight\": \"1\" } ] }"),
		  MDG_EXIT_FAIL);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-512M")), UUID_NONE);
	CHECK_STR(fake_read(RDEV "/remove"), "1");
	CHECK_HAS(err_buf, "bad attribute name or value '../weight'");
	CHECK_HAS(err_buf, "removed it again");

	/* A short or foreign type name is not the definition's type. */
	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(start_reserved("{ \"mdev_type\": \"512M\", \"start\": \"auto\" }"),
		  MDG_EXIT_NOTFOUND);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-512M")), "");
	CHECK_HAS(err_buf, "type '512M' is not one of sim0's");
	CHECK_INT(run("start-reserved", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("start-reserved", "sim9", NULL), MDG_EXIT_NOTFOUND);
	return TAP_PASS;
}

/* The reservations attribute's lines, as mdgpuctl reads them. */
static int test_resv_parse(void)
{
	struct mdg_resv r;

	CHECK_INT(mdg_resv_parse(RESV_LINE " 1073741824 unheld", &r), 0);
	CHECK_STR(r.uuid, UUID_NONE);
	CHECK_INT(r.vram, (int64_t)(512 * MiB));
	CHECK_INT(r.share, 300000);
	CHECK_INT(r.priority, 7);
	CHECK_INT(r.offset, (int64_t)(1024 * MiB));
	CHECK(!r.held);
	CHECK_INT(mdg_resv_parse(UUID_A ":0:100000:3 - held", &r), 0);
	CHECK(r.held);
	CHECK_INT(r.offset, -1);
	CHECK_INT(r.vram, 0);
	CHECK_INT(mdg_resv_parse(RESV_LINE " - held", &r), -EINVAL);
	CHECK_INT(mdg_resv_parse(UUID_A ":0:0:3 5 held", &r), -EINVAL);
	CHECK_INT(mdg_resv_parse(RESV_LINE " 1 gone", &r), -EINVAL);
	CHECK_INT(mdg_resv_parse(RESV_LINE " 1 held x", &r), -EINVAL);
	CHECK_INT(mdg_resv_parse(UUID_A ":64:0:8 0 held", &r), -EINVAL);
	CHECK_INT(mdg_resv_parse("nope:64:0:1 0 held", &r), -EINVAL);
	CHECK_INT(mdg_resv_parse("", &r), -EINVAL);

	CHECK_INT(mdg_resv_spec_check(RESV_LINE), 0);
	CHECK_INT(mdg_resv_spec_check("-" UUID_NONE), 0);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":0:10000:0"), 0);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":96:0:0"), -EINVAL);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":0:0:0"), -EINVAL);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":64:10001:0"), 0);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":64:1000001:0"), -EINVAL);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":64:0:8"), -EINVAL);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":64:0:1:2"), -EINVAL);
	CHECK_INT(mdg_resv_spec_check(UUID_NONE ":64:0: 1"), -EINVAL);
	CHECK_INT(mdg_resv_spec_check("-" UUID_NONE "x"), -EINVAL);
	return TAP_PASS;
}

/*
 * fit counts reserved VRAM as used, where the kernel put it: the rebuilt
 * map agrees with vram_used and available_instances, and new instances go
 * around the reserved range; compaction leaves it in place.
 */
static int test_fit_counts_reservations(void)
{
	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(run("fit", "512M", "1", "--parent", "sim0", NULL), 0);
	CHECK_HAS(out_buf, "sim0: yes");
	CHECK_HAS(out_buf, "mdgpu-512M   at [1536M, 2G)");
	CHECK_HAS(out_buf, "sim0: 512M of VRAM is reserved for 1 named instance that does not exist, counted as used");
	CHECK_LACKS(err_buf, "may be incomplete");
	CHECK_LACKS(err_buf, "rebuilt VRAM map");
	CHECK_INT(run("fit", "512M:1", "256M:2", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "need 1G of VRAM, 576M is free");
	/* Spread placement sees the reserved VRAM as used too. */
	CHECK_INT(run("fit", "64M", "1", NULL), 0);

	/*
	 * 1G with A (64M) at 0 and two 64M reservations, at 64M and 576M:
	 * a 512M would fit if they could move, but compaction leaves them
	 * where they are, and each half of the VRAM holds one.
	 */
	CHECK_INT(fake_init(), 0);
	CHECK_INT(fake_parent("sim0", 1024, 192, 1), 0);
	CHECK_INT(fake_type("sim0", 64, 1024, 13), 0);
	CHECK_INT(fake_type("sim0", 128, 1024, 6), 0);
	CHECK_INT(fake_type("sim0", 256, 1024, 2), 0);
	CHECK_INT(fake_type("sim0", 512, 1024, 0), 0);
	CHECK_INT(fake_instance(UUID_A, "sim0", 64, 0, 0, 10), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "reservations"),
			    UUID_NONE ":64:0:7 %llu unheld\n"
			    UUID_MTTY ":64:0:7 %llu unheld\n",
			    64ULL * MiB, 576ULL * MiB), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "vram_retired"), "0\n"), 0);
	CHECK_INT(run("fit", "512M", "1", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "128M of VRAM is reserved for 2 named instances that do not exist");
	CHECK_HAS(out_buf, "sim0: after compaction: no");
	CHECK_INT(run("fit", "256M", "2", "--parent", "sim0", NULL), 0);
	CHECK_LACKS(err_buf, "rebuilt VRAM map");
	return TAP_PASS;
}

/*
 * create --uuid of a reserved instance goes to the parent that holds its
 * reservation, even when that parent is full for ordinary creates.
 */
static int test_create_reserved(void)
{
	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(fake_type("sim0", 512, 2048, 0), 0);
	CHECK_INT(run("create", "512M", "--uuid", UUID_NONE, NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-512M")), UUID_NONE);
	CHECK_HAS(err_buf, "placed on sim0: " UUID_NONE " has a reservation there (512M of VRAM at 1073741824, engine share 300000 ppm, priority 7)");
	CHECK_INT(fake_file(CREATE("sim0", "mdgpu-512M"), "%s", ""), 0);
	/* Smaller fits the reserved range; larger does not. */
	CHECK_INT(run("create", "64M", "--uuid", UUID_NONE, NULL), 0);
	CHECK_STR(fake_read(CREATE("sim0", "mdgpu-64M")), UUID_NONE);
	CHECK_INT(fake_type("sim1", 256, 256, 1), 0);
	CHECK_INT(run("create", "1G", "--uuid", UUID_NONE, NULL),
		  MDG_EXIT_NOTFOUND);
	/* Another UUID is an ordinary instance: sim0 is full for 512M. */
	CHECK_INT(run("create", "512M", "--uuid", UUID_MTTY, NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "available_instances is 0");
	/* Held: the instance exists. */
	CHECK_INT(fake_reserved("held"), 0);
	CHECK_INT(run("create", "512M", "--uuid", UUID_NONE, NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "is held");
	return TAP_PASS;
}

/* Reservations persist as parents.conf reserve= lines, and set checks them. */
static int test_reserve_tunable(void)
{
	CHECK_INT(fake_reserved("unheld"), 0);
	CHECK_INT(run("mdevctl", NULL), 0);
	CHECK_HAS(out_buf, "vram_ratio=1000 reserve=" RESV_LINE "' >>/etc/mdgpu/parents.conf\n");
	CHECK_INT(run("get", "sim0", "reserve", NULL), 0);
	CHECK_STR(out_buf, RESV_LINE "\n");
	CHECK_INT(run("set", "sim0", "reserve=" UUID_NONE ":96:0:0", NULL),
		  MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "VRAM_MB 0 or a power of two");
	CHECK_INT(run("set", UUID_A, "reserve=-" UUID_NONE, NULL),
		  MDG_EXIT_USAGE);
	CHECK_INT(run("set", "sim0", "reserve=-" UUID_NONE, NULL), 0);
	CHECK_STR(fake_read(SIM_ATTR("sim0", "reservations")), "-" UUID_NONE);
	CHECK_INT(run("list", "tunables", NULL), 0);
	CHECK_HAS(out_buf, "UUID:VRAM_MB:SHARE_PPM:PRIORITY|-UUID");
	return TAP_PASS;
}

#define D_OFFSET "sys/devices/virtual/mdgpu/sim0/" UUID_D "/mdgpu/vram_offset"

static int test_fit_after_compaction(void)
{
	CHECK_INT(fake_standard(), 0);
	/* D (64M) moved to 1G: [1G, 2G) no longer holds two 512M. */
	CHECK_INT(fake_file(D_OFFSET, "%llu\n", 1024ULL * MiB), 0);
	CHECK_INT(fake_type("sim0", 512, 2048, 1), 0);
	CHECK_INT(fake_type("sim0", 64, 2048, 17), 0);
	CHECK_INT(run("fit", "512M", "2", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "available_instances is 1");
	/* A module that cannot compact: no promise. */
	CHECK_INT(fake_unlink(SIM_ATTR("sim0", "compact")), 0);
	CHECK_INT(run("fit", "512M", "2", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_LACKS(out_buf, "after compaction");
	CHECK_INT(fake_file(SIM_ATTR("sim0", "compact"), "%s", ""), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "vram_retired"), "0\n"), 0);
	CHECK_INT(run("fit", "512M", "2", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "sim0: after compaction: yes: run 'mdgpuctl compact sim0'");
	CHECK_INT(run("fit", "512M:2", "64M:1", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "sim0: after compaction: yes");
	/* 1024M + 64M of 1088M free, packed with the rest: 2048M + 64M. */
	CHECK_INT(run("fit", "512M:2", "64M:2", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_LACKS(out_buf, "after compaction: yes");
	/* Retired VRAM pins instances: no promise either way. */
	CHECK_INT(fake_file(SIM_ATTR("sim0", "vram_retired"), "%llu\n",
			    2 * MiB), 0);
	CHECK_INT(run("fit", "512M", "2", "--parent", "sim0", NULL),
		  MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "sim0: after compaction: unknown: 2M of its VRAM is retired");
	return TAP_PASS;
}

static int test_compact_command(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("compact", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("compact", "sim9", NULL), MDG_EXIT_NOTFOUND);
	/* A module without the attribute. */
	CHECK_INT(fake_unlink(SIM_ATTR("sim0", "compact")), 0);
	CHECK_INT(run("compact", "sim0", NULL), MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "cannot compact");
	CHECK_INT(fake_file(SIM_ATTR("sim0", "compact"), "%s", ""), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "vram_largest_free"), "%llu\n",
			    1024 * MiB), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "relocations"), "3\n"), 0);
	CHECK_INT(run("compact", "sim0", NULL), 0);
	CHECK_STR(fake_read(SIM_ATTR("sim0", "compact")), "1");
	CHECK_HAS(out_buf, "sim0: largest free VRAM range before: 1G");
	CHECK_HAS(out_buf, "sim0: 0 instances moved");
	return TAP_PASS;
}

static int test_fit_command_fragmented(void)
{
	/* 1 GiB with 64M at 0 and at 512M: 896M free, two 256M ranges. */
	CHECK_INT(fake_init(), 0);
	CHECK_INT(fake_parent("sim0", 1024, 128, 2), 0);
	CHECK_INT(fake_type("sim0", 64, 1024, 14), 0);
	CHECK_INT(fake_type("sim0", 128, 1024, 6), 0);
	CHECK_INT(fake_type("sim0", 256, 1024, 2), 0);
	CHECK_INT(fake_type("sim0", 512, 1024, 0), 0);
	CHECK_INT(fake_instance(UUID_A, "sim0", 64, 0, 0, 1), 0);
	CHECK_INT(fake_instance(UUID_B, "sim0", 64, 512, 0, 2), 0);
	CHECK_INT(run("fit", "512M", "1", NULL), MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "available_instances is 0");
	CHECK_INT(run("fit", "256M:2", "128M:2", "64M:2", NULL), 0);
	CHECK_HAS(out_buf, "mdgpu-256M   at [256M, 512M)");
	CHECK_HAS(out_buf, "mdgpu-256M   at [768M, 1G)");
	CHECK_HAS(out_buf, "mdgpu-64M    at [64M, 128M)");
	CHECK_STR(err_buf, "");
	/* 832M of 896M free, but only two 256M ranges. */
	CHECK_INT(run("fit", "256M:3", "64M:1", NULL), MDG_EXIT_FAIL);
	CHECK_HAS(out_buf, "only 2 of the 4 instances fit, largest first; then no aligned mdgpu-256M range is free");
	return TAP_PASS;
}

static int test_fit_inconsistent_map_warns(void)
{
	CHECK_INT(fake_standard(), 0);
	/* vram_used counts an instance mdgpuctl cannot see. */
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/vram_used", "%llu\n",
			    1024ULL * MiB), 0);
	CHECK_INT(run("fit", "128M:1", "64M:1", "--parent", "sim0", NULL), 0);
	CHECK_HAS(err_buf, "may be incomplete");
	return TAP_PASS;
}

static int test_mdevctl_json(void)
{
	struct json_object *o, *a;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/weight",
			    "300\n"), 0);
	CHECK_INT(run("mdevctl", "--json", UUID_A, NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	CHECK_STR(json_object_get_string(json_get(o, "mdev_type")), "mdgpu-128M");
	CHECK_STR(json_object_get_string(json_get(o, "start")), "manual");
	/* Every per-device tunable the module has, in the table's order. */
	a = json_get(o, "attrs");
	CHECK_INT(json_object_array_length(a), 5);
	CHECK_STR(json_object_get_string(json_get(json_object_array_get_idx(a, 0),
						  "mdgpu/weight")), "300");
	CHECK_STR(json_object_get_string(json_get(json_object_array_get_idx(a, 4),
						  "mdgpu/plane_types")), "region");
	json_object_put(o);

	/* All: mdevctl list --dumpjson's layout. */
	CHECK_INT(run("mdevctl", "--json", "--auto", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o && json_object_is_type(o, json_type_array));
	CHECK_INT(json_object_array_length(o), 1);
	a = json_get(json_object_array_get_idx(o, 0), "sim0");
	CHECK_INT(json_object_array_length(a), 4);
	CHECK_STR(json_object_get_string(json_get(json_get(json_object_array_get_idx(a, 1),
							   UUID_D), "start")), "auto");
	a = json_get(json_object_array_get_idx(o, 0), "sim1");
	CHECK_INT(json_object_array_length(a), 1);
	CHECK_STR(json_object_get_string(json_get(json_get(json_object_array_get_idx(a, 0),
							   UUID_E), "mdev_type")), "mdgpu-256M");
	json_object_put(o);
	return TAP_PASS;
}

static int test_mdevctl_text(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/priority",
			    "3\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/policy",
			    "weighted\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/timeslice_us",
			    "1500\n"), 0);
	CHECK_INT(run("mdevctl", NULL), 0);
	CHECK_HAS(out_buf, "echo 'sim0 policy=weighted timeslice_us=1500 watchdog_ms=2000 vram_ratio=1000' >>/etc/mdgpu/parents.conf\n");
	CHECK_HAS(out_buf, "mdevctl define --uuid=" UUID_A " --parent=sim0 --type=mdgpu-128M\n");
	CHECK_HAS(out_buf, "mdevctl define --uuid=" UUID_E " --parent=sim1 --type=mdgpu-256M\n");
	CHECK_HAS(out_buf, "mdevctl modify --uuid=" UUID_B " --addattr=mdgpu/priority --value=3\n");
	CHECK_INT(run("mdevctl", "--auto", UUID_C, NULL), 0);
	CHECK_HAS(out_buf, "--type=mdgpu-512M --auto\n");
	CHECK_LACKS(out_buf, UUID_A);
	CHECK_INT(run("mdevctl", UUID_NONE, NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(fake_init(), 0);
	CHECK_INT(fake_parent("sim0", 64, 0, 0), 0);
	CHECK_INT(run("mdevctl", "--json", NULL), 0);
	{
		struct json_object *empty = json_tokener_parse(out_buf);

		CHECK(empty && json_object_is_type(empty, json_type_array));
		CHECK_INT(json_object_array_length(empty), 0);
		json_object_put(empty);
	}
	return TAP_PASS;
}

static int test_convert_rows(void)
{
	const uint8_t xrgb[] = { 0x33, 0x22, 0x11, 0xff, 0x00, 0x80, 0xff, 0x00 };
	const uint8_t rgb888[] = { 0x03, 0x02, 0x01 };
	const uint8_t rgb565[] = { 0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00,
				   0x10, 0x84 };
	uint8_t out[12];

	CHECK_INT(mdgpu_png_convert_row(0x34325258 /* XR24 */, xrgb, out, 2), 0);
	CHECK(out[0] == 0x11 && out[1] == 0x22 && out[2] == 0x33);
	CHECK(out[3] == 0xff && out[4] == 0x80 && out[5] == 0x00);
	CHECK_INT(mdgpu_png_convert_row(0x34324752 /* RG24 */, rgb888, out, 1), 0);
	CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
	CHECK_INT(mdgpu_png_convert_row(0x36314752 /* RG16 */, rgb565, out, 4), 0);
	CHECK(out[0] == 255 && out[1] == 0 && out[2] == 0);
	CHECK(out[3] == 0 && out[4] == 255 && out[5] == 0);
	CHECK(out[6] == 0 && out[7] == 0 && out[8] == 255);
	CHECK(out[9] == 132 && out[10] == 130 && out[11] == 132);
	CHECK_INT(mdgpu_png_convert_row(0x34325241 /* AR24 */, xrgb, out, 1), -EINVAL);
	return TAP_PASS;
}

static int test_screenshot_args(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("screenshot", "nope", "/tmp/x.png", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("screenshot", UUID_NONE, "/tmp/x.png", NULL),
		  MDG_EXIT_NOTFOUND);
	CHECK_INT(run("screenshot", UUID_B, "/tmp/x.png", "--set-mode", "800x",
		      NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("screenshot", UUID_B, "/tmp/x.png", "--set-mode",
		      "800x600x8", NULL), MDG_EXIT_USAGE);
	/* Held by a VM: one VFIO user at a time. */
	CHECK_INT(run("screenshot", UUID_A, "/tmp/x.png", NULL), MDG_EXIT_BUSY);
	CHECK_HAS(err_buf, "VFIO allows one user");
	return TAP_PASS;
}

static int test_usage_errors(void)
{
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run(NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("frobnicate", NULL), MDG_EXIT_USAGE);
	CHECK_HAS(err_buf, "unknown command 'frobnicate'");
	CHECK_INT(run("list", "--bogus", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("--help", NULL), 0);
	CHECK_HAS(out_buf, "mdgpuctl fit");
	CHECK_INT(run("get", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("get", "22222222-2222-4222-8222-22222222222", NULL),
		  MDG_EXIT_USAGE);
	CHECK_INT(run("get", "gpu9", NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("list", "tunables", "--json", NULL), 0);
	CHECK_LACKS(out_buf, "\"supported\": false");
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/watchdog_ms"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim1/watchdog_ms"), 0);
	CHECK_INT(run("list", "tunables", "--json", NULL), 0);
	CHECK_HAS(out_buf, "\"supported\": false");
	return TAP_PASS;
}

/* ---- migration: checkpoint files, migration_compat, the commands -------- */

/* The example of the migration contract, as a 64M instance shows it. */
#define COMPAT_64M "version=1 device=0x00010000 type=mdgpu-64M vram=67108864 max=1920x1080 regs=4096 layout=1 features=0x3"
#define COMPAT_256M "version=1 device=0x00010000 type=mdgpu-256M vram=268435456 max=3840x2160 regs=4096 layout=1 features=0x3"

static int test_mig_crc32(void)
{
	CHECK_INT(mdg_crc32(0, "123456789", 9), 0xcbf43926);
	/* In pieces, as the stream arrives. */
	CHECK_INT(mdg_crc32(mdg_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
	CHECK_INT(mdg_crc32(0, "", 0), 0);
	return TAP_PASS;
}

static int test_mig_compat_parse(void)
{
	struct mdg_mig_compat_info c;
	char buf[256];

	CHECK_INT(mdg_mig_compat_parse(COMPAT_64M "\n", &c), 0);
	CHECK_INT(c.version, 1);
	CHECK_INT(c.device, 0x00010000);
	CHECK_STR(c.type, "mdgpu-64M");
	CHECK_INT(c.vram, 64 * MiB);
	CHECK_INT(c.max_width, 1920);
	CHECK_INT(c.max_height, 1080);
	CHECK_INT(c.regs, 4096);
	CHECK_INT(c.layout, 1);
	CHECK_INT(c.features, 3);
	/* What the kernel prints, mdgpuctl prints back. */
	mdg_mig_compat_fmt(&c, buf, sizeof(buf));
	CHECK_STR(buf, COMPAT_64M);
	/* The type description's line, with an unknown key. */
	CHECK_INT(mdg_mig_compat_parse("migration: " COMPAT_256M " future=7", &c), 0);
	CHECK_STR(c.type, "mdgpu-256M");
	/* A missing or malformed field. */
	CHECK_INT(mdg_mig_compat_parse("version=1 device=0x00010000 type=mdgpu-64M vram=67108864 max=1920x1080 regs=4096 layout=1", &c),
		  -EINVAL);
	CHECK_INT(mdg_mig_compat_parse("version=1 device=0x00010000 type=mdgpu-64M vram=67108864 max=1920 regs=4096 layout=1 features=0x3", &c),
		  -EINVAL);
	CHECK_INT(mdg_mig_compat_parse("version=one device=0x00010000 type=mdgpu-64M vram=67108864 max=1920x1080 regs=4096 layout=1 features=0x3", &c),
		  -EINVAL);
	CHECK_INT(mdg_mig_compat_parse("", &c), -EINVAL);
	return TAP_PASS;
}

static int test_mig_compat_check(void)
{
	struct mdg_mig_compat_info src, dst;
	char why[256];

	CHECK_INT(mdg_mig_compat_parse(COMPAT_64M, &src), 0);
	dst = src;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), 0);
	/* A larger maximum resolution and more features are fine. */
	dst.max_width = 2560;
	dst.features |= 1u << 5;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), 0);

	dst = src;
	dst.version = 2;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)),
		  -EPROTONOSUPPORT);
	CHECK_HAS(why, "field version");
	CHECK_INT(mdg_mig_compat_parse(COMPAT_256M, &dst), 0);
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_HAS(why, "field type: the file is of type mdgpu-64M, the destination is mdgpu-256M");
	dst = src;
	dst.vram *= 2;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_HAS(why, "field vram");
	dst = src;
	dst.max_height = 768;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_HAS(why, "field max");
	dst = src;
	dst.regs = 8192;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_HAS(why, "field regs");
	dst = src;
	dst.layout = 2;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_HAS(why, "field layout");
	dst = src;
	dst.features = 1;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_HAS(why,
		  "field features: the file's device has features 0x3, the destination lacks 0x2");
	dst = src;
	dst.device = 0x0000ffff;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	CHECK_HAS(why, "field device");
	/* A newer minor version takes the stream, a newer major does not. */
	dst.device = 0x00010003;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), 0);
	dst.device = 0x00020000;
	CHECK_INT(mdg_mig_compat_check(&src, &dst, why, sizeof(why)), -EOPNOTSUPP);
	return TAP_PASS;
}

/*
 * The ABI document's migration_compat example parses, prints back the same,
 * and matches uapi/mdgpu_migration.h: the fake trees below use the same
 * format, so a change of the kernel's format fails here, not in a VM.
 */
static int test_mig_compat_abi_doc(void)
{
	static const char doc[] = MDG_SRCDIR
		"/../../Documentation/ABI/testing/sysfs-bus-mdev-devices-mdgpu";
	struct mdg_mig_compat_info c;
	char line[512], buf[512], out[512], *start, *end;
	FILE *f = fopen(doc, "r");
	bool in_entry = false, found = false;

	if (!f) {
		TAP_DIAG("cannot read %s", doc);
		return TAP_FAIL;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "What:", 5))
			in_entry = !!strstr(line, "/migration_compat");
		start = strstr(line, "version=");
		if (!in_entry || !start || !strstr(start, "features="))
			continue;
		end = start + strcspn(start, "\n`'\"");
		*end = 0;
		mdg_fmt(buf, sizeof(buf), "%s", start);
		found = true;
		break;
	}
	fclose(f);
	if (!found) {
		TAP_DIAG("%s does not document migration_compat with an example yet", doc);
		return TAP_SKIP;
	}
	CHECK_INT(mdg_mig_compat_parse(buf, &c), 0);
	mdg_mig_compat_fmt(&c, out, sizeof(out));
	CHECK_STR(out, buf);
	CHECK_INT(c.version, MDGPU_MIG_VERSION);
	CHECK_INT(c.layout, MDGPU_MIG_REGS_LAYOUT);
	CHECK_INT(c.features & ~MDGPU_MIG_FEATURES, 0);
	return TAP_PASS;
}

/* ---- a stream made by hand, as the kernel makes one -------------------- */

enum {
	MS_BAD_MAGIC = 1 << 0,
	MS_VERSION2 = 1 << 1,
	MS_REGS_LEN = 1 << 2,
	MS_UNKNOWN_OPT = 1 << 3,
	MS_UNKNOWN_MAND = 1 << 4,
	MS_VRAM_UNALIGNED = 1 << 5,
	MS_VRAM_OUTSIDE = 1 << 6,
	MS_NO_END = 1 << 7,
	MS_BAD_CRC = 1 << 8,
	MS_TRAILING = 1 << 9,
	MS_FLIP_PAGE = 1 << 10,
	MS_TYPE_256M = 1 << 11,
};

static size_t put_rec(uint8_t *p, uint32_t tag, uint32_t flags, uint64_t len)
{
	struct mdgpu_mig_record r = {
		.tag = htole32(tag), .flags = htole32(flags), .len = htole64(len),
	};

	memcpy(p, &r, sizeof(r));
	return sizeof(r);
}

/* A 64M (or 256M) instance's stream into @buf (room for 64 KiB). */
static size_t make_stream(uint8_t *buf, unsigned int opts)
{
	struct mdgpu_mig_header h = {
		.magic = htole64(MDGPU_MIG_MAGIC),
		.version = htole32(opts & MS_VERSION2 ? 2 : MDGPU_MIG_VERSION),
		.size = htole32(sizeof(h)),
	};
	struct mdgpu_mig_engine eng = { .timestamp = htole64(123456789) };
	struct mdgpu_mig_sched sched = {
		.weight = htole32(5), .min_share = htole32(20),
		.cap = htole32(50), .priority = htole32(3),
	};
	struct mdgpu_mig_zero zero = {
		.offset = htole64(8192), .len = htole64(1 * MiB),
	};
	uint64_t off = 0;
	size_t n = 0;
	uint32_t crc;
	int i;

	if (opts & MS_BAD_MAGIC)
		h.magic = htole64(MDGPU_MIG_MAGIC + 1);
	h.compat.device_version = htole32(0x00010000);
	h.compat.features = htole32(MDGPU_MIG_FEATURES);
	mdg_fmt(h.compat.type, sizeof(h.compat.type), "%s",
		opts & MS_TYPE_256M ? "mdgpu-256M" : "mdgpu-64M");
	h.compat.vram_size = htole64((opts & MS_TYPE_256M ? 256 : 64) * MiB);
	h.compat.max_width = htole32(opts & MS_TYPE_256M ? 3840 : 1920);
	h.compat.max_height = htole32(opts & MS_TYPE_256M ? 2160 : 1080);
	h.compat.regs_size = htole32(4096);
	h.compat.regs_layout = htole32(MDGPU_MIG_REGS_LAYOUT);
	memcpy(buf, &h, sizeof(h));
	n = sizeof(h);

	n += put_rec(buf + n, MDGPU_MIG_TAG_CONFIG, 0,
		     sizeof(struct mdgpu_mig_config));
	memset(buf + n, 0x11, sizeof(struct mdgpu_mig_config));
	n += sizeof(struct mdgpu_mig_config);
	n += put_rec(buf + n, MDGPU_MIG_TAG_REGS, 0,
		     sizeof(struct mdgpu_mig_regs) + !!(opts & MS_REGS_LEN));
	memset(buf + n, 0, sizeof(struct mdgpu_mig_regs) + 1);
	n += sizeof(struct mdgpu_mig_regs) + !!(opts & MS_REGS_LEN);
	n += put_rec(buf + n, MDGPU_MIG_TAG_DISPLAY, 0,
		     sizeof(struct mdgpu_mig_display));
	memset(buf + n, 0, sizeof(struct mdgpu_mig_display));
	n += sizeof(struct mdgpu_mig_display);
	n += put_rec(buf + n, MDGPU_MIG_TAG_ENGINE, 0, sizeof(eng));
	memcpy(buf + n, &eng, sizeof(eng));
	n += sizeof(eng);
	n += put_rec(buf + n, MDGPU_MIG_TAG_SCHED, MDGPU_MIG_REC_OPTIONAL,
		     sizeof(sched));
	memcpy(buf + n, &sched, sizeof(sched));
	n += sizeof(sched);
	if (opts & (MS_UNKNOWN_OPT | MS_UNKNOWN_MAND)) {
		n += put_rec(buf + n, 77, opts & MS_UNKNOWN_OPT ?
			     MDGPU_MIG_REC_OPTIONAL : 0, 12);
		memset(buf + n, 0x77, 12);
		n += 12;
	}
	/* Two pages at 0 and one at 4M (or off the end). */
	n += put_rec(buf + n, MDGPU_MIG_TAG_VRAM, 0, 8 + 2 * MDGPU_MIG_PAGE);
	off = htole64(opts & MS_VRAM_UNALIGNED ? 100 : 0);
	memcpy(buf + n, &off, 8);
	for (i = 0; i < 2 * MDGPU_MIG_PAGE; i++)
		buf[n + 8 + i] = i * 7;
	n += 8 + 2 * MDGPU_MIG_PAGE;
	n += put_rec(buf + n, MDGPU_MIG_TAG_VRAM, 0, 8 + MDGPU_MIG_PAGE);
	off = htole64(opts & MS_VRAM_OUTSIDE ? 64 * MiB : 4 * MiB);
	memcpy(buf + n, &off, 8);
	memset(buf + n + 8, 0xa5, MDGPU_MIG_PAGE);
	n += 8 + MDGPU_MIG_PAGE;
	n += put_rec(buf + n, MDGPU_MIG_TAG_ZERO, 0, sizeof(zero));
	memcpy(buf + n, &zero, sizeof(zero));
	n += sizeof(zero);
	if (opts & MS_NO_END)
		return n;
	n += put_rec(buf + n, MDGPU_MIG_TAG_END, 0, 4);
	crc = htole32(mdg_crc32(0, buf, n) ^ !!(opts & MS_BAD_CRC));
	memcpy(buf + n, &crc, 4);
	n += 4;
	if (opts & MS_FLIP_PAGE)
		buf[sizeof(h) + 500] ^= 1;
	if (opts & MS_TRAILING)
		buf[n++] = 0;
	return n;
}

/* Feed a stream in pieces of @chunk bytes; the checker's result. */
static int scan_stream(const uint8_t *buf, size_t len, size_t chunk,
		       struct mdg_mig_scan *s)
{
	size_t off;

	if (mdg_mig_scan_init(s))
		return -ENOMEM;
	for (off = 0; off < len; off += chunk)
		mdg_mig_scan_feed(s, buf + off, len - off < chunk ? len - off : chunk);
	return mdg_mig_scan_finish(s);
}

static uint8_t stream_buf[64 * 1024];

static int test_mig_scan_valid(void)
{
	static const size_t chunks[] = { 1, 7, 16, 4096, 5000, 1 << 20 };
	struct mdg_mig_scan s;
	size_t len = make_stream(stream_buf, 0), i;

	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		int ret = scan_stream(stream_buf, len, chunks[i], &s);

		if (ret)
			TAP_DIAG("pieces of %zu: %s", chunks[i], s.why);
		CHECK_INT(ret, 0);
		CHECK(s.have_header && s.ended);
		CHECK_STR(s.compat.type, "mdgpu-64M");
		CHECK_INT(s.compat.vram, 64 * MiB);
		CHECK_INT(s.bytes, len);
		CHECK_INT(s.records, 9);
		CHECK_INT(s.vram_pages, 3);
		CHECK_INT(s.zero_bytes, 1 * MiB);
		CHECK_INT(s.timestamp, 123456789);
		CHECK(s.sched[0] == 5 && s.sched[1] == 20 && s.sched[2] == 50 &&
		      s.sched[3] == 3);
		CHECK(s.seen & (1u << MDGPU_MIG_TAG_ENGINE));
		mdg_mig_scan_free(&s);
	}
	/* An unknown optional record is skipped. */
	len = make_stream(stream_buf, MS_UNKNOWN_OPT);
	CHECK_INT(scan_stream(stream_buf, len, 100, &s), 0);
	CHECK_INT(s.records, 10);
	mdg_mig_scan_free(&s);
	return TAP_PASS;
}

static int test_mig_scan_refusals(void)
{
	static const struct {
		unsigned int opts;
		int err;
		const char *why;
	} cases[] = {
		{ MS_BAD_MAGIC, -EINVAL, "bad magic" },
		{ MS_VERSION2, -EPROTONOSUPPORT, "stream version 2" },
		{ MS_REGS_LEN, -EINVAL, "REGS record of 17 bytes (want 16)" },
		{ MS_UNKNOWN_MAND, -EINVAL, "unknown mandatory record tag 77" },
		{ MS_VRAM_UNALIGNED, -EINVAL, "not page-aligned" },
		{ MS_VRAM_OUTSIDE, -EINVAL, "outside the 67108864 bytes of BAR0" },
		{ MS_NO_END, -EBADMSG, "before its END record" },
		{ MS_BAD_CRC, -EBADMSG, "checksum mismatch" },
		{ MS_FLIP_PAGE, -EBADMSG, "checksum mismatch" },
		{ MS_TRAILING, -EBADMSG, "1 bytes after the END record" },
	};
	struct mdg_mig_scan s;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = make_stream(stream_buf, cases[i].opts);
		int ret = scan_stream(stream_buf, len, 333, &s);

		if (ret != cases[i].err)
			TAP_DIAG("case %zu: %s", i, s.why);
		CHECK_INT(ret, cases[i].err);
		CHECK_HAS(s.why, cases[i].why);
		/* The error sticks. */
		CHECK_INT(mdg_mig_scan_feed(&s, "x", 1), cases[i].err);
		mdg_mig_scan_free(&s);
	}
	CHECK_INT(scan_stream(stream_buf, 0, 1, &s), -EBADMSG);
	CHECK_HAS(s.why, "empty");
	mdg_mig_scan_free(&s);
	CHECK(mdg_mig_errno_meaning(EBADMSG));
	CHECK_HAS(mdg_mig_errno_meaning(-EOPNOTSUPP), "not compatible");
	return TAP_PASS;
}

/* Write a stream with @opts to a file of the fake tree; its path. */
static const char *stream_file(const char *name, unsigned int opts)
{
	static char path[PATH_MAX];
	size_t len = make_stream(stream_buf, opts);
	FILE *f;

	mdg_fmt(path, sizeof(path), "%s/%s", fake_root(), name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fwrite(stream_buf, 1, len, f);
	fclose(f);
	return path;
}

#define FAKE_B_COMPAT "sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/migration_compat"

static int test_restore_refusals(void)
{
	char junk[PATH_MAX];
	const char *f;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(FAKE_B_COMPAT, "%s\n", COMPAT_256M), 0);
	/* Another type: named, before the device is touched. */
	f = stream_file("a64.ckpt", 0);
	CHECK_INT(run("restore", UUID_B, f, NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "cannot be restored onto " UUID_B
		  ": field type: the file is of type mdgpu-64M, the destination is mdgpu-256M");
	CHECK_HAS(err_buf, "EOPNOTSUPP");
	/* --no-verify checks the header all the same. */
	CHECK_INT(run("restore", UUID_B, f, "--no-verify", NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "field type");
	/* A corrupt file of the right type. */
	f = stream_file("bad.ckpt", MS_TYPE_256M | MS_FLIP_PAGE);
	CHECK_INT(run("restore", UUID_B, f, NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "is not a valid checkpoint");
	CHECK_HAS(err_buf, "checksum mismatch");
	CHECK_HAS(err_buf, "EBADMSG); " UUID_B " was not touched");
	f = stream_file("short.ckpt", MS_TYPE_256M | MS_NO_END);
	CHECK_INT(run("restore", UUID_B, f, NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "truncated");
	f = stream_file("v2.ckpt", MS_TYPE_256M | MS_VERSION2);
	CHECK_INT(run("restore", UUID_B, f, NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "stream version 2");
	CHECK_HAS(err_buf, "EPROTONOSUPPORT");
	/* Not a checkpoint at all. */
	CHECK_INT(fake_file("junk", "hello\n"), 0);
	mdg_fmt(junk, sizeof(junk), "%s/junk", fake_root());
	CHECK_INT(run("restore", UUID_B, junk, NULL), MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "truncated");
	/* The destination module without migration. */
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/" UUID_C "/mdgpu/migration_compat"), 0);
	f = stream_file("c.ckpt", MS_TYPE_256M);
	CHECK_INT(run("restore", UUID_C, f, NULL), MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "has no VFIO migration (no ");
	/* Held by a VM; no such file; no such instance; usage. */
	CHECK_INT(run("restore", UUID_A, f, NULL), MDG_EXIT_BUSY);
	CHECK_HAS(err_buf, "in use by pid 4242 (qemu-system-x86)");
	CHECK_HAS(err_buf, "QEMU migration");
	CHECK_INT(run("restore", UUID_B, "/nonexistent/x.ckpt", NULL),
		  MDG_EXIT_NOTFOUND);
	CHECK_INT(run("restore", UUID_NONE, f, NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("restore", "nope", f, NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("restore", UUID_B, NULL), MDG_EXIT_USAGE);
	return TAP_PASS;
}

static int test_checkpoint_refusals(void)
{
	char path[PATH_MAX];

	CHECK_INT(fake_standard(), 0);
	mdg_fmt(path, sizeof(path), "%s/a.ckpt", fake_root());
	CHECK_INT(run("checkpoint", UUID_A, path, NULL), MDG_EXIT_BUSY);
	CHECK_HAS(err_buf, UUID_A " is in use by pid 4242 (qemu-system-x86): VFIO allows one user");
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(run("checkpoint", UUID_NONE, path, NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("checkpoint", "nope", path, NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("checkpoint", UUID_B, NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("checkpoint", "--help", NULL), 0);
	CHECK_HAS(out_buf, "checkpoint UUID FILE");
	return TAP_PASS;
}

/*
 * A fake mdevctl: "list" prints a definition for UUID_B on sim0, other
 * commands are logged to the tree's mdevctl.log.
 */
static int fake_mdevctl(void)
{
	char path[PATH_MAX];

	if (fake_file("bin/mdevctl",
		      "#!/bin/sh\n"
		      "echo \"$*\" >>\"%s/mdevctl.log\"\n"
		      "case \"$*\" in\n"
		      "\"list --defined --dumpjson --uuid " UUID_B " --parent sim0\")\n"
		      "  echo '{\"mdev_type\": \"mdgpu-256M\", \"start\": \"auto\", \"attrs\": []}' ;;\n"
		      "list*) ;;\n"
		      "esac\n", fake_root()))
		return -1;
	mdg_fmt(path, sizeof(path), "%s/bin/mdevctl", fake_root());
	setenv("MDGPU_MDEVCTL", path, 1);
	return chmod(path, 0755);
}

/* sim0 of the standard tree, and sim1 as large and empty. */
static int fake_two_parents(void)
{
	int ret = 0;

	if (fake_init())
		return -1;
	ret |= fake_parent("sim0", 2048, 960, 4);
	ret |= fake_type("sim0", 64, 2048, 17);
	ret |= fake_type("sim0", 128, 2048, 8);
	ret |= fake_type("sim0", 256, 2048, 4);
	ret |= fake_type("sim0", 512, 2048, 2);
	ret |= fake_instance(UUID_A, "sim0", 128, 0, 2, 10);
	ret |= fake_instance(UUID_B, "sim0", 256, 256, 0, 11);
	ret |= fake_instance(UUID_C, "sim0", 512, 512, 0, 12);
	ret |= fake_instance(UUID_D, "sim0", 64, 128, 0, 13);
	ret |= fake_holder(4242, "qemu-system-x86", 17, "/dev/vfio/10");
	ret |= fake_parent("sim1", 1024, 0, 0);
	ret |= fake_type("sim1", 64, 1024, 16);
	ret |= fake_type("sim1", 128, 1024, 8);
	ret |= fake_type("sim1", 256, 1024, 4);
	ret |= fake_type("sim1", 512, 1024, 2);
	ret |= fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/weight",
			 "7\n");
	ret |= fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/priority",
			 "3\n");
	return ret ? -1 : 0;
}

#define SIM1_CREATE_256M \
	"sys/devices/virtual/mdgpu/sim1/mdev_supported_types/mdgpu-256M/create"

static int test_evacuate_dry_run(void)
{
	const char *log, *c, *b, *d;

	CHECK_INT(fake_two_parents(), 0);
	CHECK_INT(fake_mdevctl(), 0);
	CHECK_INT(run("evacuate", "sim0", "--to", "sim1", "--dry-run", NULL),
		  MDG_EXIT_BUSY);
	/* The held one is skipped, naming its holder. */
	CHECK_HAS(out_buf, "skip  " UUID_A
		  " mdgpu-128M: held by pid 4242 (qemu-system-x86); move it with QEMU migration");
	/* The others, largest first, with what moves along. */
	CHECK_HAS(out_buf, "would move " UUID_B
		  " mdgpu-256M to sim1; tunables weight=7 min_share=0 cap=0 priority=3 plane_types=region; its mdevctl definition moves too");
	CHECK_HAS(out_buf, "would move " UUID_D
		  " mdgpu-64M to sim1; tunables weight=100 min_share=0 cap=0 priority=0 plane_types=region; no mdevctl definition");
	c = strstr(out_buf, "would move " UUID_C);
	b = strstr(out_buf, "would move " UUID_B);
	d = strstr(out_buf, "would move " UUID_D);
	CHECK(c && b && d && c < b && b < d);
	CHECK_HAS(out_buf, "dry run: sim0: 4 instances, 3 would move to sim1, 1 skipped (held)");
	/* Nothing was written, mdevctl was only asked. */
	CHECK_STR(fake_read("sys/devices/virtual/mdgpu/sim0/" UUID_B "/remove"), "");
	CHECK_STR(fake_read(SIM1_CREATE_256M), "");
	log = fake_read("mdevctl.log");
	CHECK_HAS(log, "list --defined --dumpjson --uuid " UUID_C " --parent sim0");
	CHECK_LACKS(log, "define --uuid");
	CHECK_LACKS(log, "undefine");
	unsetenv("MDGPU_MDEVCTL");
	return TAP_PASS;
}

static int test_evacuate_refusals(void)
{
	CHECK_INT(fake_standard(), 0);
	setenv("MDGPU_MDEVCTL", "/nonexistent/mdevctl", 1);
	/* sim1 is full: nothing moves, and the answer says what did not fit. */
	CHECK_INT(run("evacuate", "sim0", "--to", "sim1", NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "sim1 does not offer mdgpu-512M, the type of " UUID_C);
	CHECK_INT(fake_type("sim1", 512, 256, 0), 0);
	CHECK_INT(run("evacuate", "sim0", "--to", "sim1", NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "sim1 has no room: only 0 of the 3 instances to move fit");
	CHECK_HAS(err_buf, "ENOSPC");
	CHECK_STR(fake_read("sys/devices/virtual/mdgpu/sim0/" UUID_C "/remove"), "");
	/* sim1's one instance fits on sim0 (without mdevctl installed); a
	 * module without tunables.
	 */
	{
		static const char *const t[] = {
			"weight", "min_share", "cap", "priority", "plane_types",
		};
		char rel[256];
		size_t i;

		for (i = 0; i < ARRAY_SIZE(t); i++) {
			mdg_fmt(rel, sizeof(rel),
				"sys/devices/virtual/mdgpu/sim1/" UUID_E "/mdgpu/%s",
				t[i]);
			CHECK_INT(fake_unlink(rel), 0);
		}
	}
	CHECK_INT(run("evacuate", "sim1", "--to", "sim0", "--dry-run", NULL), 0);
	CHECK_HAS(out_buf, "would move " UUID_E
		  " mdgpu-256M to sim0; tunables none exported; no mdevctl definition");
	/* A failed destination takes nothing. */
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/health", "failed\n"), 0);
	CHECK_INT(run("evacuate", "sim1", "--to", "sim0", "--dry-run", NULL),
		  MDG_EXIT_REFUSED);
	CHECK_HAS(err_buf, "sim0 is failed");
	CHECK_INT(run("evacuate", "sim0", "--to", "sim0", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("evacuate", "sim0", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("evacuate", "sim0", "--to", "gpu9", NULL),
		  MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "no mdgpu parent 'gpu9'");
	CHECK_INT(run("evacuate", "gpu9", "--to", "sim0", NULL),
		  MDG_EXIT_NOTFOUND);
	unsetenv("MDGPU_MDEVCTL");
	return TAP_PASS;
}


/* ---- show, holders' VMs, unknown holders --------------------------------- */

#define A_ATTR(a) "sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/" a

/* Every statistic and tunable in stats --json, numbers as numbers. */
static int test_stats_json_everything(void)
{
	struct json_object *o, *e, *st, *v, *p;
	size_t i;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(A_ATTR("wait_histogram"),
			    "5 0 7 0 0 0 0 0 0 0 0 0 0 0 0 1\n"), 0);
	CHECK_INT(fake_file(A_ATTR("engine_error_header"), "0x00070001\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/engine_switches",
			    "99\n"), 0);
	CHECK_INT(run("stats", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	e = json_find(json_get(o, "instances"), "uuid", UUID_A);
	st = json_get(e, "stats");
	for (i = 0; i < mdg_nr_stats; i++) {
		v = json_get(st, mdg_stats[i].key);
		CHECK(v != NULL);
		if (mdg_stats[i].kind == MDG_STAT_HISTOGRAM)
			CHECK(json_object_is_type(v, json_type_array));
		else
			CHECK(json_object_is_type(v, json_type_int));
	}
	v = json_get(st, "wait_histogram");
	CHECK_INT(json_object_array_length(v), 16);
	CHECK_INT(json_object_get_int64(json_object_array_get_idx(v, 2)), 7);
	CHECK_INT(json_object_get_int64(json_object_array_get_idx(v, 15)), 1);
	CHECK_INT(json_object_get_int64(json_get(st, "engine_error_header")),
		  0x70001);
	v = json_get(json_get(e, "tunables"), "weight");
	CHECK(json_object_is_type(v, json_type_int));
	CHECK_INT(json_object_get_int64(v), 100);
	CHECK_STR(json_object_get_string(json_get(json_get(e, "tunables"),
						  "plane_types")), "region");
	p = json_find(json_get(o, "parents"), "name", "sim0");
	for (i = 0; i < mdg_nr_parent_stats; i++)
		CHECK(json_object_is_type(json_get(json_get(p, "stats"),
						   mdg_parent_stats[i].key),
					  json_type_int));
	CHECK_INT(json_object_get_int64(json_get(json_get(p, "stats"),
						 "engine_switches")), 99);
	CHECK_INT(json_object_get_int64(json_get(json_get(p, "tunables"),
						 "watchdog_ms")), 2000);
	CHECK_STR(json_object_get_string(json_get(json_get(p, "tunables"),
						  "policy")), "best_effort");
	v = json_get(o, "module");
	CHECK_INT(json_object_get_int64(json_get(v, "hang_timeout_ms")), 2000);
	CHECK_INT(json_object_get_int64(json_get(v, "vram_mb")), 2048);
	CHECK_INT(json_object_get_int64(json_get(v, "parents")), 2);
	json_object_put(o);
	/* Text: every statistic and tunable by name. */
	CHECK_INT(run("stats", NULL), 0);
	for (i = 0; i < mdg_nr_stats; i++)
		CHECK_HAS(out_buf, mdg_stats[i].key);
	for (i = 0; i < mdg_nr_parent_stats; i++)
		CHECK_HAS(out_buf, mdg_parent_stats[i].key);
	for (i = 0; i < mdg_nr_tunables; i++)
		CHECK_HAS(out_buf, mdg_tunables[i].name);
	CHECK_HAS(out_buf, "  wait_histogram       5 0 7 0 0 0 0 0 0 0 0 0 0 0 0 1\n");
	CHECK_HAS(out_buf, "  engine_switches      99\n");
	return TAP_PASS;
}

/* show: one screen with type, placement, holder, tunables, figures, errors
 * and health; --json the same as numbers.
 */
static int test_show(void)
{
	struct json_object *o, *e;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(A_ATTR("vram_populated"), "%llu\n", 32 * MiB), 0);
	CHECK_INT(fake_file(A_ATTR("engine_errors"), "2\n"), 0);
	CHECK_INT(fake_file(A_ATTR("engine_error_code"), "4\n"), 0);
	CHECK_INT(fake_file(A_ATTR("engine_error_head"), "64\n"), 0);
	CHECK_INT(fake_file(A_ATTR("engine_error_header"), "0x00070001\n"), 0);
	CHECK_INT(fake_file(A_ATTR("engine_time_us"), "1500000\n"), 0);
	CHECK_INT(fake_file(A_ATTR("engine_commands"), "1234\n"), 0);
	CHECK_INT(fake_file(A_ATTR("watchdog_count"), "1\n"), 0);
	CHECK_INT(fake_file(A_ATTR("weight"), "300\n"), 0);
	CHECK_INT(fake_file(A_ATTR("wait_histogram"),
			    "5 0 7 0 0 0 0 0 0 0 0 0 0 0 0 1\n"), 0);
	CHECK_INT(fake_file("proc/4242/cmdline", "%s", ""), 0);
	CHECK_INT(run("show", UUID_A, NULL), 0);
	CHECK_HAS(out_buf, "vGPU " UUID_A "\n");
	CHECK_HAS(out_buf, "  type        mdgpu-128M (\"mdgpu 128M\"): framebuffer 128M, max 1920x1080, display bochs-vbe\n");
	CHECK_HAS(out_buf, "  placement   parent sim0, VRAM [0, 128M), 32M populated (25.0%), IOMMU group 10\n");
	CHECK_HAS(out_buf, "  holder      pid 4242 (qemu-system-x86)\n");
	CHECK_HAS(out_buf, "  tunables    weight=300 min_share=0 cap=0 priority=0 plane_types=region\n");
	CHECK_HAS(out_buf, "  parent      sim0: policy=best_effort timeslice_us=2000 watchdog_ms=2000 vram_ratio=1000\n");
	CHECK_HAS(out_buf, "  scheduler   engine 1.500 s, waited 0 us, throttled 0 us\n");
	CHECK_HAS(out_buf, "  waits       <2 us:5 4 us-8 us:7 >=32.8 ms:1\n");
	CHECK_HAS(out_buf, "  engine      1234 commands completed");
	CHECK_HAS(out_buf, "  errors      2 since creation (1 by the watchdog); 2 device resets\n");
	CHECK_HAS(out_buf, "now: range (4) at ring offset 0x40, command fill (opcode 0x01), 7 dwords, header 0x00070001\n");
	CHECK_HAS(out_buf, "  health      error: engine stopped on error range (4)");
	/* JSON */
	CHECK_INT(run("show", UUID_A, "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	CHECK_STR(json_object_get_string(json_get(o, "health")), "error");
	e = json_get(o, "error");
	CHECK_INT(json_object_get_int64(json_get(e, "code")), 4);
	CHECK_STR(json_object_get_string(json_get(e, "name")), "range");
	CHECK_INT(json_object_get_int64(json_get(e, "ring_offset")), 64);
	CHECK_INT(json_object_get_int64(json_get(e, "opcode")), 1);
	CHECK_STR(json_object_get_string(json_get(e, "opcode_name")), "fill");
	CHECK_INT(json_object_get_int64(json_get(json_get(o, "stats"),
						 "vram_populated")), 32 * MiB);
	CHECK_STR(json_object_get_string(json_get(json_get(o, "parent_info"),
						  "name")), "sim0");
	json_object_put(o);
	/* A healthy one on a degraded parent, idle. */
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/health", "degraded\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/health_reason",
			    "engine hang detected and reset (1)\n"), 0);
	CHECK_INT(run("show", UUID_B, NULL), 0);
	CHECK_HAS(out_buf, "  holder      none (idle)\n");
	CHECK_HAS(out_buf, "  health      degraded: parent sim0 is degraded: engine hang detected and reset (1)\n");
	CHECK_LACKS(out_buf, "now:");
	CHECK_INT(run("show", UUID_E, "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK_STR(json_object_get_string(json_get(o, "health")), "ok");
	CHECK(json_get(o, "error") == NULL);
	json_object_put(o);
	CHECK_INT(run("show", UUID_NONE, NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("show", "xyz", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("show", NULL), MDG_EXIT_USAGE);
	return TAP_PASS;
}

static int test_vm_names(void)
{
	static const char c1[] = "qemu-system-x86_64\0-machine\0q35\0-name\0guest=win10,debug-threads=on\0-m\0" "4096";
	static const char c2[] = "qemu\0-name\0plain\0";
	static const char c3[] = "qemu\0-name\0process=foo,guest=a,,b\0";
	static const char c4[] = "qemu\0-m\0" "1G\0";
	static const char c5[] = "qemu\0-name\0";
	static const char cg[] = "0::/machine.slice/machine-qemu\\x2d3\\x2dweb\\x2dserver.scope/libvirt/emulator\n";
	char n[64];

	CHECK(mdg_qemu_vm_name(c1, sizeof(c1), n, sizeof(n)));
	CHECK_STR(n, "win10");
	CHECK(mdg_qemu_vm_name(c2, sizeof(c2), n, sizeof(n)));
	CHECK_STR(n, "plain");
	CHECK(mdg_qemu_vm_name(c3, sizeof(c3), n, sizeof(n)));
	CHECK_STR(n, "a,b");
	CHECK(!mdg_qemu_vm_name(c4, sizeof(c4), n, sizeof(n)));
	CHECK_STR(n, "");
	CHECK(!mdg_qemu_vm_name(c5, sizeof(c5), n, sizeof(n)));
	CHECK(mdg_libvirt_vm_name(cg, n, sizeof(n)));
	CHECK_STR(n, "web-server");
	CHECK(!mdg_libvirt_vm_name("0::/user.slice/session-1.scope\n", n,
				   sizeof(n)));
	CHECK(!mdg_libvirt_vm_name("0::/machine.slice/machine-qemu.scope\n", n,
				   sizeof(n)));
	return TAP_PASS;
}

/* The holder is named by its VM, from QEMU's -name or libvirt's scope. */
static int test_holder_vm(void)
{
	struct json_object *o, *e, *h;
	char v[64];

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("proc/4242/cmdline", "%s%c%s%c%s%c",
			    "qemu-system-x86_64", 0, "-name", 0,
			    "guest=win10,debug-threads=on", 0), 0);
	CHECK_INT(fake_holder(4300, "qemu-system-x86", 9, "/dev/vfio/11"), 0);
	CHECK_INT(fake_file("proc/4300/cgroup",
			    "0::/machine.slice/machine-qemu\\x2d7\\x2dlinux1.scope/libvirt/emulator\n"), 0);
	CHECK_INT(run("list", "instances", NULL), 0);
	CHECK_HAS(out_buf, "VM win10 (pid 4242, qemu-system-x86)");
	CHECK_HAS(out_buf, "VM linux1 (pid 4300, qemu-system-x86)");
	CHECK_INT(run("list", "instances", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	e = json_find(json_get(o, "instances"), "uuid", UUID_A);
	h = json_object_array_get_idx(json_get(e, "holders"), 0);
	CHECK_STR(json_object_get_string(json_get(h, "vm")), "win10");
	CHECK_STR(json_object_get_string(json_get(h, "vm_source")), "qemu-name");
	CHECK_INT(json_object_get_int(json_get(h, "pid")), 4242);
	e = json_find(json_get(o, "instances"), "uuid", UUID_B);
	h = json_object_array_get_idx(json_get(e, "holders"), 0);
	CHECK_STR(json_object_get_string(json_get(h, "vm")), "linux1");
	CHECK_STR(json_object_get_string(json_get(h, "vm_source")), "libvirt-scope");
	json_object_put(o);
	CHECK_INT(run("top", "--once", NULL), 0);
	CHECK_INT(top_cell(out_buf, UUID_A, "OPEN_BY", v, sizeof(v)), 0);
	CHECK_STR(v, "win10(4242)");
	CHECK_INT(run("show", UUID_B, NULL), 0);
	CHECK_HAS(out_buf, "  holder      VM linux1 (pid 4300, qemu-system-x86)\n");
	return TAP_PASS;
}

/*
 * When some process's open files cannot be read (not root), an instance
 * with no holder found is "unknown", never "idle", with a hint.
 */
static int test_holder_unknown(void)
{
	struct json_object *o, *e;
	char v[64];

	CHECK_INT(fake_standard(), 0);
	/* pid 4500's fd directory cannot be read (ENOTDIR here; EACCES for
	 * another user's process).
	 */
	CHECK_INT(fake_file("proc/4500/comm", "qemu-system-x86\n"), 0);
	CHECK_INT(fake_file("proc/4500/fd", "%s", ""), 0);
	CHECK_INT(run("list", "instances", NULL), 0);
	CHECK_LACKS(out_buf, "idle");
	CHECK_HAS(out_buf, "unknown");
	CHECK_HAS(err_buf, "run as root");
	CHECK_INT(run("list", "instances", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	e = json_find(json_get(o, "instances"), "uuid", UUID_B);
	CHECK_STR(json_object_get_string(json_get(e, "state")), "unknown");
	CHECK(json_object_object_get_ex(e, "open", NULL));
	CHECK(json_get(e, "open") == NULL);
	/* What was seen is still seen. */
	e = json_find(json_get(o, "instances"), "uuid", UUID_A);
	CHECK_STR(json_object_get_string(json_get(e, "state")), "open");
	json_object_put(o);
	CHECK_INT(run("show", UUID_B, NULL), 0);
	CHECK_HAS(out_buf, "  holder      unknown: cannot read every process's open files (/proc/PID/fd): run as root");
	CHECK_INT(run("stats", UUID_B, NULL), 0);
	CHECK_HAS(out_buf, "  state                unknown\n");
	CHECK_HAS(err_buf, "run as root");
	CHECK_INT(run("top", "--once", NULL), 0);
	CHECK_INT(top_cell(out_buf, UUID_B, "OPEN_BY", v, sizeof(v)), 0);
	CHECK_STR(v, "?");
	/* Readable again: idle. */
	CHECK_INT(fake_unlink("proc/4500/fd"), 0);
	CHECK_INT(run("list", "instances", NULL), 0);
	CHECK_HAS(out_buf, "idle");
	CHECK_LACKS(out_buf, "unknown");
	return TAP_PASS;
}

/* ---- drift: the tool against Documentation/ABI/ -------------------------- */

/* The "What:" path of a tunable. */
static void tunable_what(const struct mdg_tunable *t, char *buf, size_t len)
{
	mdg_fmt(buf, len, "%s%s", t->scope == MDG_SCOPE_PARENT ? ABI_PARENT :
		t->scope == MDG_SCOPE_MODULE ? ABI_MODULE : ABI_VGPU, t->file);
}

/*
 * How mdgpuctl knows the file @what: "tunable", "stat", "file" (mdg_files)
 * or NULL. Several at once is a mistake too: @count receives how many.
 */
static const char *tool_knows(const char *what, int *count)
{
	const char *how = NULL;
	char buf[256];
	size_t i;

	*count = 0;
	for (i = 0; i < mdg_nr_tunables; i++) {
		tunable_what(&mdg_tunables[i], buf, sizeof(buf));
		if (!strcmp(buf, what)) {
			how = "tunable";
			++*count;
		}
	}
	for (i = 0; i < mdg_nr_stats; i++) {
		mdg_fmt(buf, sizeof(buf), ABI_VGPU "%s", mdg_stats[i].key);
		if (!strcmp(buf, what)) {
			how = "stat";
			++*count;
		}
	}
	for (i = 0; i < mdg_nr_parent_stats; i++) {
		mdg_fmt(buf, sizeof(buf), ABI_PARENT "%s",
			mdg_parent_stats[i].key);
		if (!strcmp(buf, what)) {
			how = "stat";
			++*count;
		}
	}
	for (i = 0; i < mdg_nr_files; i++) {
		if (!strcmp(mdg_files[i].what, what)) {
			how = "file";
			++*count;
		}
	}
	return how;
}


/*
 * Every file the ABI documents for a parent, type, instance or the module
 * is known to mdgpuctl, once, and as what its mode says: a read-write file
 * is a tunable, a read-only one a statistic or a file the tool reads.
 */
static int test_abi_documented_files_known(void)
{
	const struct abi_entry *e;
	size_t i, n, files = 0;
	int bad = 0, count;

	e = abi_entries(&n);
	CHECK(e != NULL);
	for (i = 0; i < n; i++) {
		const char *how;
		size_t len = strlen(e[i].what);

		if (e[i].what[len - 1] == '/')
			continue;
		files++;
		how = tool_knows(e[i].what, &count);
		if (!how) {
			TAP_DIAG("%s (%s) is documented in Documentation/ABI/ but in none of mdgpuctl's tables (stats.c, tunables.c, files.c)",
				 e[i].what, e[i].mode);
			bad++;
		} else if (count > 1) {
			TAP_DIAG("%s is in %d of mdgpuctl's tables", e[i].what,
				 count);
			bad++;
		} else if (!strcmp(e[i].mode, "RW") != !strcmp(how, "tunable")) {
			TAP_DIAG("%s is %s in the ABI but a %s in mdgpuctl",
				 e[i].what, e[i].mode[0] ? e[i].mode : "(no mode)",
				 how);
			bad++;
		} else if (!strcmp(e[i].mode, "WO") && strcmp(how, "file")) {
			TAP_DIAG("%s is write-only but mdgpuctl reads it as a %s",
				 e[i].what, how);
			bad++;
		} else if (!e[i].mode[0]) {
			TAP_DIAG("%s: its description does not start with (RO), (RW) or (WO)",
				 e[i].what);
			bad++;
		}
	}
	CHECK_INT(bad, 0);
	CHECK(files >= 40);
	return TAP_PASS;
}

/* Every file in mdgpuctl's tables is documented in the ABI. */
static int test_abi_tool_files_documented(void)
{
	char buf[256];
	size_t i;
	int bad = 0;

	for (i = 0; i < mdg_nr_tunables; i++) {
		tunable_what(&mdg_tunables[i], buf, sizeof(buf));
		if (!abi_has(buf)) {
			TAP_DIAG("tunable %s: %s is not in Documentation/ABI/",
				 mdg_tunables[i].name, buf);
			bad++;
		}
	}
	for (i = 0; i < mdg_nr_stats; i++) {
		mdg_fmt(buf, sizeof(buf), ABI_VGPU "%s", mdg_stats[i].key);
		if (!abi_has(buf)) {
			TAP_DIAG("statistic %s is not in Documentation/ABI/", buf);
			bad++;
		}
	}
	for (i = 0; i < mdg_nr_parent_stats; i++) {
		mdg_fmt(buf, sizeof(buf), ABI_PARENT "%s",
			mdg_parent_stats[i].key);
		if (!abi_has(buf)) {
			TAP_DIAG("statistic %s is not in Documentation/ABI/", buf);
			bad++;
		}
	}
	for (i = 0; i < mdg_nr_files; i++) {
		if (!abi_has(mdg_files[i].what)) {
			TAP_DIAG("%s is not in Documentation/ABI/",
				 mdg_files[i].what);
			bad++;
		}
	}
	CHECK_INT(bad, 0);
	return TAP_PASS;
}

static char touched[512][PATH_MAX];
static size_t nr_touched;

static void record_touch(const char *path, bool write)
{
	size_t i;

	(void)write;
	for (i = 0; i < nr_touched; i++)
		if (!strcmp(touched[i], path))
			return;
	if (nr_touched < ARRAY_SIZE(touched))
		mdg_fmt(touched[nr_touched++], PATH_MAX, "%s", path);
}



/*
 * Every file of the module that the commands read or write, run against
 * the tree generated from the ABI, is a documented one: a command that
 * reads a file the module does not have fails here.
 */
static int test_abi_commands_touch_documented(void)
{
	static const char *const cmds[][6] = {
		{ "show", UUID_A, NULL },
		{ "show", UUID_A, "--json", NULL },
		{ "list", NULL },
		{ "list", "--json", NULL },
		{ "list", "tunables", "--json", NULL },
		{ "stats", NULL },
		{ "stats", "--json", NULL },
		{ "get", UUID_A, NULL },
		{ "get", "sim0", NULL },
		{ "get", "module", NULL },
		{ "metrics", NULL },
		{ "top", "--once", NULL },
		{ "fit", "mdgpu-64M", "2", NULL },
		{ "mdevctl", NULL },
		{ "set", "sim0", "watchdog_ms=100", NULL },
		{ "set", UUID_A, "weight=5", NULL },
		{ "set", "module", "hang_timeout_ms=100", NULL },
	};
	char what[256];
	size_t i, documented = 0;
	int bad = 0;

	CHECK_INT(fake_standard(), 0);
	nr_touched = 0;
	mdg_file_hook = record_touch;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		int rc = run(cmds[i][0], cmds[i][1], cmds[i][2], cmds[i][3],
			     cmds[i][4], NULL);

		if (rc) {
			TAP_DIAG("mdgpuctl %s %s: exit %d: %s", cmds[i][0],
				 cmds[i][1] ? cmds[i][1] : "", rc, err_buf);
			bad++;
		}
	}
	mdg_file_hook = NULL;
	for (i = 0; i < nr_touched; i++) {
		if (!abi_form(touched[i], what, sizeof(what)))
			continue;
		if (!abi_has(what)) {
			TAP_DIAG("mdgpuctl touched %s (%s), which Documentation/ABI/ does not document",
				 touched[i] + strlen(fake_root()), what);
			bad++;
		} else {
			documented++;
		}
	}
	CHECK_INT(bad, 0);
	CHECK(documented >= 40);
	return TAP_PASS;
}

/* ---- PCI parents ---------------------------------------------------------- */

#define PCI_CREATE(t) "sys/devices/pci0000:00/" PCI_ADDR "/mdev_supported_types/" t "/create"

/*
 * A PCI parent (a PCI device bound to mdgpu's PCI driver, laid out as
 * Documentation/ABI/testing/sysfs-bus-pci-drivers-mdgpu says) is listed
 * with its types and instances, placed by fit, created on, tuned and
 * exported as metrics like a simulated one; another driver's PCI mdev
 * parent and the PCI driver's own files are not parents.
 */
static int test_pci_parent(void)
{
	static struct prom_sample s[2048];
	struct json_object *o, *a, *p, *t;
	char what[256];
	size_t i, documented = 0;
	double v;
	int n, bad = 0;

	CHECK(mdg_pci_addr_valid("0000:00:04.0"));
	CHECK(mdg_pci_addr_valid("10de:af:1f.7"));
	CHECK(!mdg_pci_addr_valid("sim0"));
	CHECK(!mdg_pci_addr_valid("0000:00:20.0"));
	CHECK(!mdg_pci_addr_valid("0000:00:04.8"));
	CHECK(!mdg_pci_addr_valid("0000:00:04.0x"));
	CHECK(!mdg_pci_addr_valid("new_id"));

	CHECK_INT(fake_pci_standard(), 0);
	nr_touched = 0;
	mdg_file_hook = record_touch;

	CHECK_INT(run("list", "parents", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	a = json_get(o, "parents");
	CHECK_INT(json_object_array_length(a), 3);
	p = json_find(a, "name", PCI_ADDR);
	CHECK(p);
	CHECK_STR(json_object_get_string(json_get(p, "backend")), "pci");
	CHECK_INT(json_object_get_int64(json_get(p, "vram_total")), 256 * MiB);
	CHECK_INT(json_object_get_int64(json_get(p, "vram_used")), 128 * MiB);
	CHECK_INT(json_object_get_int64(json_get(p, "instances")), 2);
	CHECK(!json_find(a, "name", PCI_OTHER));
	CHECK(json_find(a, "name", "sim0"));
	json_object_put(o);

	CHECK_INT(run("list", "types", "--json", "--parent", PCI_ADDR, NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	a = json_get(o, "types");
	CHECK_INT(json_object_array_length(a), 3);
	t = json_find(a, "type", "mdgpu-64M");
	CHECK(t);
	CHECK_STR(json_object_get_string(json_get(t, "parent")), PCI_ADDR);
	CHECK_INT(json_object_get_int64(json_get(t, "available_instances")), 2);
	json_object_put(o);

	CHECK_INT(run("list", "instances", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	a = json_get(o, "instances");
	CHECK_INT(json_object_array_length(a), 7);
	t = json_find(a, "uuid", UUID_P);
	CHECK(t);
	CHECK_STR(json_object_get_string(json_get(t, "parent")), PCI_ADDR);
	CHECK_STR(json_object_get_string(json_get(t, "type")), "mdgpu-64M");
	CHECK_INT(json_object_get_int64(json_get(t, "vram_offset")), 0);
	t = json_find(a, "uuid", UUID_Q);
	CHECK(t);
	CHECK_INT(json_object_get_int64(json_get(t, "vram_offset")), 64 * MiB);
	json_object_put(o);

	CHECK_INT(run("list", NULL), 0);
	CHECK_HAS(out_buf, PCI_ADDR " pci     256M 128M         2 ok");
	CHECK_HAS(out_buf, "sim0         sim       2G 960M         4 ok");
	CHECK_HAS(out_buf, UUID_P " " PCI_ADDR " mdgpu-64M  [0, 64M)");
	CHECK_LACKS(out_buf, PCI_OTHER);

	/* 64M..128M and 128M..256M are free: one 128M fits, two do not. */
	CHECK_INT(run("fit", "128M", "1", "--parent", PCI_ADDR, NULL), 0);
	CHECK_HAS(out_buf, PCI_ADDR ": yes");
	CHECK_INT(run("fit", "128M", "2", "--parent", PCI_ADDR, NULL),
		  MDG_EXIT_FAIL);
	CHECK_INT(run("fit", "64M", "2", "--parent", PCI_ADDR, NULL), 0);

	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 2048);
	CHECK(n > 0);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_info",
			    "parent=\"" PCI_ADDR "\",backend=\"pci\"", &v), 0);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_bytes",
			    "parent=\"" PCI_ADDR "\"", &v), 0);
	CHECK_INT(v, 256 * MiB);
	CHECK_INT(prom_find(s, n, "mdgpu_type_available_instances",
			    "parent=\"" PCI_ADDR "\",type=\"mdgpu-128M\"", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_vram_bytes",
			    "parent=\"" PCI_ADDR "\",type=\"mdgpu-64M\",uuid=\"" UUID_Q "\"",
			    &v), 0);
	CHECK_INT(v, 64 * MiB);
	CHECK_LACKS(out_buf, PCI_OTHER);

	CHECK_INT(run("show", UUID_P, NULL), 0);
	CHECK_HAS(out_buf, PCI_ADDR);
	CHECK_INT(run("get", PCI_ADDR, NULL), 0);
	CHECK_INT(run("set", PCI_ADDR, "watchdog_ms=100", NULL), 0);
	CHECK_STR(fake_read("sys/devices/pci0000:00/" PCI_ADDR "/watchdog_ms"),
		  "100");
	CHECK_INT(run("create", "64M", "--parent", PCI_ADDR, "--uuid",
		      "abcdef01-2345-4678-89ab-cdef01234567", NULL), 0);
	CHECK_STR(fake_read(PCI_CREATE("mdgpu-64M")),
		  "abcdef01-2345-4678-89ab-cdef01234567");
	CHECK_INT(run("create", "64M", "--parent", PCI_OTHER, NULL),
		  MDG_EXIT_NOTFOUND);

	mdg_file_hook = NULL;
	for (i = 0; i < nr_touched; i++) {
		if (!abi_form(touched[i], what, sizeof(what)))
			continue;
		if (!abi_has(what)) {
			TAP_DIAG("mdgpuctl touched %s (%s), which Documentation/ABI/ does not document",
				 touched[i] + strlen(fake_root()), what);
			bad++;
		} else if (strstr(touched[i], "/" PCI_ADDR "/")) {
			documented++;
		}
	}
	CHECK_INT(bad, 0);
	/* The parent's, its types' and instances' files were read. */
	CHECK(documented >= 20);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "ABI: every documented file is known to mdgpuctl, as its mode says", test_abi_documented_files_known },
	{ "ABI: every file in mdgpuctl's tables is documented", test_abi_tool_files_documented },
	{ "ABI: the commands touch documented files only", test_abi_commands_touch_documented },
	{ "stats: every statistic and tunable, numbers as JSON numbers", test_stats_json_everything },
	{ "show: one vGPU's whole state, text and JSON", test_show },
	{ "holders: VM names from QEMU's -name and libvirt's scope", test_vm_names },
	{ "holders: named by their VM in list, top, show", test_holder_vm },
	{ "holders: unknown, not idle, when /proc/PID/fd cannot be read", test_holder_unknown },
	{ "description: all keys parsed", test_description_parse },
	{ "description: unknown keys ignored", test_description_unknown_keys },
	{ "description: malformed values rejected", test_description_malformed },
	{ "sizes: parse and format", test_size_parse_format },
	{ "uuid and type names", test_uuid_and_type_names },
	{ "fit: placement mirrors the kernel's rule", test_fit_place_like_kernel },
	{ "fit: fragmentation", test_fit_fragmentation },
	{ "fit: mixed sizes fill VRAM exactly, then exhaustion", test_fit_mixed_exact },
	{ "fit: mixed sizes around used ranges", test_fit_mixed_with_used },
	{ "tunables: validation", test_tunable_validation },
	{ "tunables: min_share with decimals (parse, check, set, JSON)", test_share_tunable },
	{ "get: missing attribute says not supported", test_get_unsupported },
	{ "get/set: present attribute", test_get_set_present },
	{ "set: rejects bad values, scopes, and shows kernel errno", test_set_rejects },
	{ "list parents --json", test_list_parents_json },
	{ "list types --json", test_list_types_json },
	{ "list instances --json (holders, other mdev drivers)", test_list_instances_json },
	{ "list: text output", test_list_text },
	{ "list: -o, --raw, --noheadings, --csv", test_list_table_options },
	{ "stats: table, --csv, --loop", test_stats_table_loop },
	{ "placement: spread and pack on plain data", test_place_pick },
	{ "create: placement without --parent", test_create_placement },
	{ "create: placement admits the min_share given", test_create_admits_min_share },
	{ "start-reserved: an unheld reservation's auto-start mdevctl definition is created into it, with its attributes", test_start_reserved },
	{ "list: missing attribute is null", test_list_missing_attribute },
	{ "module not loaded", test_not_loaded },
	{ "holders: VFIO cdev", test_holder_cdev },
	{ "instance whose removal is pending", test_removing_instance },
	{ "create: writes the UUID to the type's create file", test_create_writes_uuid },
	{ "create: generates a UUID", test_create_generates_uuid },
	{ "create: unknown type, parent, bad UUID, existing UUID", test_create_errors },
	{ "create: full parent", test_create_full_parent },
	{ "create: kernel errno shown", test_create_kernel_refuses },
	{ "health: list, metrics; create and fit skip unhealthy parents", test_parent_health },
	{ "create: --set failure removes the instance again", test_create_set_unsupported_rolls_back },
	{ "remove: writes 1 to remove", test_remove_writes },
	{ "remove: bad UUID, unknown UUID, other driver", test_remove_errors },
	{ "remove: open device is busy unless --force", test_remove_busy },
	{ "metrics: format and values", test_metrics_format_and_values },
	{ "metrics: new statistics, scaling, missing files", test_metrics_new_stat_and_scale },
	{ "metrics: label escaping", test_metrics_escape },
	{ "metrics: --output is atomic", test_metrics_output_atomic },
	{ "metrics: promtool check metrics accepts it", test_metrics_promtool },
	{ "stats --json", test_stats_json },
	{ "top --once", test_top_once },
	{ "top: rates and shares", test_top_rates },
	{ "fit: command", test_fit_command },
	{ "fit: oversubscribed parent", test_fit_oversubscribed },
	{ "reservations: lines read and checked as the module does", test_resv_parse },
	{ "fit: reserved VRAM counts as used, where it is, and stays in compaction", test_fit_counts_reservations },
	{ "create: a reserved UUID goes to its parent, even a full one", test_create_reserved },
	{ "reserve: parents.conf line, get, set checks", test_reserve_tunable },
	{ "fit: what compaction would make fit", test_fit_compacted },
	{ "fit command: after compaction", test_fit_after_compaction },
	{ "compact command", test_compact_command },
	{ "fit: command on a fragmented parent", test_fit_command_fragmented },
	{ "fit: incomplete map warns", test_fit_inconsistent_map_warns },
	{ "mdevctl --json", test_mdevctl_json },
	{ "mdevctl: commands", test_mdevctl_text },
	{ "set/get/mdevctl: plane_types", test_set_plane_types },
	{ "screenshot: pixel conversion", test_convert_rows },
	{ "screenshot: argument and busy errors", test_screenshot_args },
	{ "usage errors", test_usage_errors },
	{ "migration: CRC-32 as zlib", test_mig_crc32 },
	{ "migration: migration_compat parsed and printed back", test_mig_compat_parse },
	{ "migration: compatibility, each field named", test_mig_compat_check },
	{ "migration: the ABI document's migration_compat example", test_mig_compat_abi_doc },
	{ "migration: a valid stream, in pieces of any size", test_mig_scan_valid },
	{ "migration: refused streams and their errnos", test_mig_scan_refusals },
	{ "restore: refusals before the device is touched", test_restore_refusals },
	{ "checkpoint: refusals", test_checkpoint_refusals },
	{ "evacuate --dry-run: skipped, order, tunables, mdevctl", test_evacuate_dry_run },
	{ "evacuate: no room, failed parent, usage", test_evacuate_refusals },
	{ "PCI parent: list, types, instances, fit, metrics, set, create", test_pci_parent },
};

int main(void)
{
	int rc;

	setenv("TZ", "UTC", 1);
	rc = tap_run(tests, ARRAY_SIZE(tests));
	fake_cleanup();
	free(out_buf);
	free(err_buf);
	return rc;
}
