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

static int test_get_unsupported(void)
{
	char want[PATH_MAX + 64];

	CHECK_INT(fake_standard(), 0);
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
	CHECK_INT(run("get", UUID_A, "weight", NULL), 0);
	CHECK_STR(out_buf, "100\n");
	CHECK_INT(run("set", UUID_A, "weight=250", NULL), 0);
	CHECK_STR(fake_read(w), "250");
	CHECK_INT(run("get", UUID_A, "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	CHECK_STR(json_object_get_string(json_get(o, "weight")), "250");
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
	CHECK_INT(run("set", "sim0", "timeslice_us=1000", NULL),
		  MDG_EXIT_NOTFOUND);
	CHECK_HAS(err_buf, "not supported by this mdgpu module (no ");
	CHECK_INT(run("set", UUID_NONE, "weight=5", NULL), MDG_EXIT_NOTFOUND);
	CHECK_INT(run("set", "sim7", "policy=weighted", NULL),
		  MDG_EXIT_NOTFOUND);
	/* The kernel's refusal is shown in words: here EISDIR. */
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
	CHECK_HAS(out_buf, "sim0       sim              2G       960M         4");
	CHECK_HAS(out_buf, "mdgpu-64M    mdgpu 64M            64M            32      1920x1080        17");
	CHECK_HAS(out_buf, UUID_D " sim0       mdgpu-64M    [128M, 192M)");
	CHECK_HAS(out_buf, "pid 4242 (qemu-system-x86)");
	CHECK_LACKS(out_buf, UUID_MTTY);
	CHECK_INT(run("list", "instances", "--parent", "sim1", NULL), 0);
	CHECK_HAS(out_buf, UUID_E);
	CHECK_LACKS(out_buf, UUID_A);
	CHECK_INT(run("list", "widgets", NULL), MDG_EXIT_USAGE);
	CHECK_INT(run("list", "--parent", "sim9", NULL), MDG_EXIT_NOTFOUND);
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
	CHECK_INT(run("list", "instances", NULL), 0);
	CHECK_HAS(out_buf, UUID_B " sim0       -");
	CHECK_HAS(out_buf, "removing pid 4300 (qemu-b)");
	return TAP_PASS;
}

/* ---- create and remove --------------------------------------------------- */

#define CREATE(p, t) "sys/devices/virtual/mdgpu/" p "/mdev_supported_types/" t "/create"

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
	char families[64][128], cur[128] = "";
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
			    (strcmp(type, "gauge") && strcmp(type, "counter")))
				return -line;
			if (!strcmp(type, "counter") &&
			    (strlen(name) < 6 ||
			     strcmp(name + strlen(name) - 6, "_total")))
				return -line;
			for (i = 0; i < nfam; i++)
				if (!strcmp(families[i], name))
					return -line;
			if (nfam == 64)
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
			if (strcmp(s[n].name, cur))
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
	static struct prom_sample s[256];
	double v;
	int n, i;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 256);
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
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_vram_offset_bytes",
			    IN_LABELS("mdgpu-64M", UUID_D), &v), 0);
	CHECK_INT(v, 128 * MiB);
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
	static struct prom_sample s[256];
	double v;
	int n;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/engine_time_us",
			    "2500000\n"), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_B "/mdgpu/fence_count",
			    "42\n"), 0);
	CHECK_INT(fake_unlink("sys/devices/virtual/mdgpu/sim0/vram_total"), 0);
	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 256);
	CHECK(n > 0);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_engine_seconds_total",
			    IN_LABELS("mdgpu-256M", UUID_B), &v), 0);
	CHECK(v > 2.4999 && v < 2.5001);
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_fences_total",
			    IN_LABELS("mdgpu-256M", UUID_B), &v), 0);
	CHECK_INT(v, 42);
	CHECK_HAS(out_buf, "# TYPE mdgpu_vgpu_fences_total counter\n");
	/* Only B has them. */
	CHECK_INT(prom_find(s, n, "mdgpu_vgpu_fences_total",
			    IN_LABELS("mdgpu-128M", UUID_A), &v), -1);
	/* An unreadable attribute drops that sample, not the output. */
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_bytes", "parent=\"sim0\"", &v), -1);
	CHECK_INT(prom_find(s, n, "mdgpu_parent_vram_bytes", "parent=\"sim1\"", &v), 0);
	return TAP_PASS;
}

static int test_metrics_escape(void)
{
	static struct prom_sample s[256];
	char out[64];
	int n;

	mdg_prom_escape("a\"b\\c\nd", out, sizeof(out));
	CHECK_STR(out, "a\\\"b\\\\c\\nd");
	/* A backend with a quote still gives a parseable exposition. */
	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/backend", "si\"m\\\n"), 0);
	CHECK_INT(run("metrics", NULL), 0);
	n = prom_parse(out_buf, s, 256);
	CHECK(n > 0);
	CHECK_HAS(out_buf, "backend=\"si\\\"m\\\\\"");
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
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/error_count",
			    "7\n"), 0);
	CHECK_INT(run("stats", "--json", NULL), 0);
	o = json_tokener_parse(out_buf);
	CHECK(o);
	e = json_find(json_get(o, "instances"), "uuid", UUID_A);
	CHECK(e);
	st = json_get(e, "stats");
	CHECK_INT(json_object_get_int64(json_get(st, "vram_size")), 128 * MiB);
	CHECK_INT(json_object_get_int64(json_get(st, "reset_count")), 2);
	CHECK_INT(json_object_get_int64(json_get(st, "error_count")), 7);
	CHECK(!json_object_object_get_ex(st, "fence_count", NULL));
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
	CHECK_INT(fake_file("sys/devices/virtual/mdgpu/sim0/" UUID_A "/mdgpu/error_count",
			    "3\n"), 0);
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
	CHECK_INT(top_cell(out_buf, UUID_A, "ERRORS", v, sizeof(v)), 0);
	CHECK_STR(v, "3");
	CHECK_INT(top_cell(out_buf, UUID_B, "ERRORS", v, sizeof(v)), 0);
	CHECK_STR(v, "-");
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
	int k_fence = -1, k_engine = -1;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(mdg_system_load(&sys), 0);
	CHECK_INT(sys.nr_instances, 5);
	for (i = 0; i < mdg_nr_stats; i++) {
		if (!strcmp(mdg_stats[i].key, "fence_count"))
			k_fence = i;
		if (!strcmp(mdg_stats[i].key, "engine_time_us"))
			k_engine = i;
	}
	CHECK(k_fence >= 0 && k_engine >= 0);
	memset(prev, 0, sizeof(prev));
	memset(cur, 0, sizeof(cur));
	/* Instance 0 (A): 100 fences and 0.5 s of engine time in 2 s. */
	prev[0].have[k_fence] = cur[0].have[k_fence] = true;
	prev[0].val[k_fence] = 1000;
	cur[0].val[k_fence] = 1200;
	prev[0].have[k_engine] = cur[0].have[k_engine] = true;
	prev[0].val[k_engine] = 0;
	cur[0].val[k_engine] = 500000;
	f = open_memstream(&buf, &len);
	mdg_top_frame(f, &sys, &sys, prev, cur, 2.0);
	fclose(f);
	CHECK_INT(top_cell(buf, UUID_A, "FENCE/s", v, sizeof(v)), 0);
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
	static struct prom_sample s[256];
	struct json_object *o, *p;
	double v;
	int n;

	CHECK_INT(fake_standard(), 0);
	CHECK_INT(fake_file(AVAIL("sim1", "mdgpu-64M"), "1\n"), 0);
	CHECK_INT(set_health("sim0", "degraded",
			     "engine hang detected and reset (1)"), 0);
	CHECK_INT(fake_file(SIM_ATTR("sim0", "vram_retired"), "%llu\n",
			    (unsigned long long)(2 * MiB)), 0);

	CHECK_INT(run("list", "parents", NULL), 0);
	CHECK_HAS(out_buf, "HEALTH");
	CHECK_HAS(out_buf, "degraded: engine hang detected and reset (1)");
	CHECK_HAS(out_buf, "         1  ok\n");
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
	n = prom_parse(out_buf, s, 256);
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
	a = json_get(o, "attrs");
	CHECK_INT(json_object_array_length(a), 1);
	CHECK_STR(json_object_get_string(json_get(json_object_array_get_idx(a, 0),
						  "mdgpu/weight")), "300");
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
	CHECK_INT(run("mdevctl", NULL), 0);
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
	CHECK_HAS(out_buf, "\"supported\": false");
	return TAP_PASS;
}

static const struct tap_test tests[] = {
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
	{ "get: missing attribute says not supported", test_get_unsupported },
	{ "get/set: present attribute", test_get_set_present },
	{ "set: rejects bad values, scopes, and shows kernel errno", test_set_rejects },
	{ "list parents --json", test_list_parents_json },
	{ "list types --json", test_list_types_json },
	{ "list instances --json (holders, other mdev drivers)", test_list_instances_json },
	{ "list: text output", test_list_text },
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
	{ "stats --json", test_stats_json },
	{ "top --once", test_top_once },
	{ "top: rates and shares", test_top_rates },
	{ "fit: command", test_fit_command },
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
