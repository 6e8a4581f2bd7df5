// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of display mode validation and EDID generation.
 */
#include <kunit/test.h>
#include <linux/sizes.h>

#include "../display_mode.c"

static const struct mdgpu_mode_limits lim64 = {
	.vram_size = SZ_64M, .max_width = 1920, .max_height = 1080,
};

static void dispi_set(u16 *d, u16 w, u16 h, u16 bpp)
{
	memset(d, 0, MDGPU_DISPI_NR * sizeof(*d));
	d[MDGPU_DISPI_XRES] = w;
	d[MDGPU_DISPI_YRES] = h;
	d[MDGPU_DISPI_BPP] = bpp;
	d[MDGPU_DISPI_ENABLE] = MDGPU_DISPI_ENABLED;
}

static void mode_valid_formats(struct kunit *test)
{
	static const struct { u16 bpp; u32 fourcc; } f[] = {
		{ 16, DRM_FORMAT_RGB565 },
		{ 24, DRM_FORMAT_RGB888 },
		{ 32, DRM_FORMAT_XRGB8888 },
	};
	u16 d[MDGPU_DISPI_NR];
	struct mdgpu_mode m;
	int i;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		dispi_set(d, 1024, 768, f[i].bpp);
		KUNIT_ASSERT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m),
				MDGPU_MODE_OK);
		KUNIT_EXPECT_EQ(test, m.drm_format, f[i].fourcc);
		KUNIT_EXPECT_EQ(test, m.stride, 1024U * f[i].bpp / 8);
		KUNIT_EXPECT_EQ(test, m.offset, 0ULL);
		KUNIT_EXPECT_EQ(test, m.size, (u64)m.stride * 768);
	}
}

static void mode_bad_format(struct kunit *test)
{
	static const u16 bad_bpp[] = { 0, 1, 4, 8, 15, 31, 33, 0xffff };
	u16 d[MDGPU_DISPI_NR];
	struct mdgpu_mode m = {};
	int i;

	for (i = 0; i < ARRAY_SIZE(bad_bpp); i++) {
		dispi_set(d, 640, 480, bad_bpp[i]);
		KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m),
				MDGPU_MODE_BAD_FORMAT);
	}
	dispi_set(d, 0, 480, 32);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m),
			MDGPU_MODE_BAD_FORMAT);
	dispi_set(d, 640, 0, 32);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m),
			MDGPU_MODE_BAD_FORMAT);
	/* A refused mode leaves the output untouched. */
	KUNIT_EXPECT_EQ(test, m.width, 0U);
}

static void mode_limits(struct kunit *test)
{
	u16 d[MDGPU_DISPI_NR];
	struct mdgpu_mode m;

	dispi_set(d, 1920, 1080, 32);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m), MDGPU_MODE_OK);
	dispi_set(d, 1921, 1080, 32);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m),
			MDGPU_MODE_TOO_LARGE);
	dispi_set(d, 1920, 1081, 32);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m),
			MDGPU_MODE_TOO_LARGE);
	dispi_set(d, 0xffff, 0xffff, 32);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &lim64, &m),
			MDGPU_MODE_TOO_LARGE);
}

static void mode_offsets_stay_in_vram(struct kunit *test)
{
	const struct mdgpu_mode_limits small = {
		.vram_size = SZ_8M, .max_width = 1920, .max_height = 1080,
	};
	u16 d[MDGPU_DISPI_NR];
	struct mdgpu_mode m;

	/* 1920x1080x4 = 7.9 MiB fits 8 MiB exactly once. */
	dispi_set(d, 1920, 1080, 32);
	KUNIT_ASSERT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m), MDGPU_MODE_OK);
	/* Panning down by one line still fits; by 64 lines it does not. */
	d[MDGPU_DISPI_Y_OFFSET] = 1;
	KUNIT_ASSERT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m), MDGPU_MODE_OK);
	d[MDGPU_DISPI_Y_OFFSET] = 64;
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m),
			MDGPU_MODE_NO_FIT);
	d[MDGPU_DISPI_Y_OFFSET] = 0xffff;
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m),
			MDGPU_MODE_NO_FIT);
	/* A huge virtual width makes the stride overflow the VRAM. */
	d[MDGPU_DISPI_Y_OFFSET] = 0;
	d[MDGPU_DISPI_VIRT_WIDTH] = 0xffff;
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m),
			MDGPU_MODE_NO_FIT);
	/* Offsets give a linear start; x may run past the virtual width. */
	dispi_set(d, 1920, 100, 32);
	d[MDGPU_DISPI_VIRT_WIDTH] = 2048;
	d[MDGPU_DISPI_X_OFFSET] = 129;
	KUNIT_ASSERT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m), MDGPU_MODE_OK);
	KUNIT_EXPECT_EQ(test, m.offset, 516ULL);
	KUNIT_EXPECT_EQ(test, m.stride, 8192U);
	/* ... but the last byte read must stay inside the framebuffer. */
	d[MDGPU_DISPI_Y_OFFSET] = (SZ_8M - 99 * 8192 - 1920 * 4) / 8192;
	d[MDGPU_DISPI_X_OFFSET] = 0;
	KUNIT_ASSERT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m), MDGPU_MODE_OK);
	d[MDGPU_DISPI_X_OFFSET] = 2047;
	KUNIT_EXPECT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m),
			MDGPU_MODE_NO_FIT);
	/* A virtual width below the visible one counts as the visible one. */
	dispi_set(d, 800, 600, 16);
	d[MDGPU_DISPI_VIRT_WIDTH] = 10;
	KUNIT_ASSERT_EQ(test, mdgpu_mode_from_dispi(d, &small, &m), MDGPU_MODE_OK);
	KUNIT_EXPECT_EQ(test, m.stride, 1600U);
}

static void mode_formats_by_endianness(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mdgpu_mode_format(32, false), DRM_FORMAT_XRGB8888);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_format(32, true), DRM_FORMAT_BGRX8888);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_format(24, true), DRM_FORMAT_BGR888);
	KUNIT_EXPECT_EQ(test, mdgpu_mode_format(16, true),
			DRM_FORMAT_RGB565 | DRM_FORMAT_BIG_ENDIAN);
}

static void edid_decode(struct kunit *test, const u8 *e, u32 *w, u32 *h,
			u32 *clk)
{
	const u8 *dtd = e + 54;

	*clk = dtd[0] | dtd[1] << 8;
	*w = dtd[2] | (dtd[4] >> 4) << 8;
	*h = dtd[5] | (dtd[7] >> 4) << 8;
}

static void edid_valid_blocks(struct kunit *test)
{
	static const u32 res[][2] = {
		{ 1920, 1080 }, { 2560, 1600 }, { 3840, 2160 }, { 3840, 2400 },
		{ 640, 480 }, { 4095, 4095 },
	};
	u8 e[256];
	int i, j;

	for (i = 0; i < ARRAY_SIZE(res); i++) {
		u32 w, h, clk;
		u8 sum = 0;

		memset(e, 0xaa, sizeof(e));
		KUNIT_ASSERT_EQ(test, mdgpu_edid_build(e, sizeof(e), res[i][0],
						       res[i][1]), 128);
		KUNIT_EXPECT_EQ(test, e[0], 0);
		KUNIT_EXPECT_EQ(test, e[1], 0xff);
		KUNIT_EXPECT_EQ(test, e[7], 0);
		KUNIT_EXPECT_EQ(test, e[18], 1);
		KUNIT_EXPECT_EQ(test, e[19], 4);
		for (j = 0; j < 128; j++)
			sum += e[j];
		KUNIT_EXPECT_EQ(test, sum, 0);
		KUNIT_EXPECT_EQ(test, e[128], 0);	/* rest zeroed */
		edid_decode(test, e, &w, &h, &clk);
		KUNIT_EXPECT_EQ(test, w, res[i][0]);
		KUNIT_EXPECT_EQ(test, h, res[i][1]);
		KUNIT_EXPECT_GT(test, clk, 0U);
		KUNIT_EXPECT_EQ(test, e[75], 0xfc);	/* monitor name */
		KUNIT_EXPECT_EQ(test, memcmp(e + 77, "mdgpu\n", 6), 0);
	}
}

/**
 * struct edid_res - a mode an EDID lists
 * @w: width
 * @h: height
 */
struct edid_res {
	u32 w, h;
};

#define EDID_MAX_LISTED	64

/**
 * struct edid_listing - the modes an EDID block lists, as a driver reads it
 * @n: number of entries in @m; the preferred (first detailed) timing first
 * @m: the modes
 * @refresh_ok: every standard timing and CVT code is at 60 Hz
 */
struct edid_listing {
	unsigned int n;
	struct edid_res m[EDID_MAX_LISTED];
	bool refresh_ok;
};

static void listing_add(struct edid_listing *l, u32 w, u32 h)
{
	if (l->n < EDID_MAX_LISTED)
		l->m[l->n++] = (struct edid_res){ w, h };
}

/* A standard timing (EDID 1.3+ aspect ratios); 0x0101 means unused. */
static void listing_std(struct edid_listing *l, const u8 *t)
{
	u32 w = (t[0] + 31) * 8;
	static const u32 num[] = { 10, 3, 4, 9 }, den[] = { 16, 4, 5, 16 };

	if ((t[0] == 1 && t[1] == 1) || (!t[0] && !t[1]))
		return;
	if ((t[1] & 0x3f) != 0)
		l->refresh_ok = false;
	listing_add(l, w, w * num[t[1] >> 6] / den[t[1] >> 6]);
}

/* Decode the modes of a base block as the DRM core does. */
static void edid_listing(const u8 *e, struct edid_listing *l)
{
	static const struct { u32 w, h; u8 byte, bit; } est[] = {
		{ 720, 400, 35, 0x80 }, { 720, 400, 35, 0x40 },
		{ 640, 480, 35, 0x20 }, { 640, 480, 35, 0x10 },
		{ 640, 480, 35, 0x08 }, { 640, 480, 35, 0x04 },
		{ 800, 600, 35, 0x02 }, { 800, 600, 35, 0x01 },
		{ 800, 600, 36, 0x80 }, { 800, 600, 36, 0x40 },
		{ 832, 624, 36, 0x20 }, { 1024, 768, 36, 0x10 },
		{ 1024, 768, 36, 0x08 }, { 1024, 768, 36, 0x04 },
		{ 1024, 768, 36, 0x02 }, { 1280, 1024, 36, 0x01 },
		{ 1152, 870, 37, 0x80 },
	};
	unsigned int i, j;

	memset(l, 0, sizeof(*l));
	l->refresh_ok = true;
	for (i = 54; i < 126; i += 18) {
		const u8 *d = e + i;

		if (d[0] || d[1]) {	/* a detailed timing */
			listing_add(l, d[2] | (d[4] >> 4) << 8,
				    d[5] | (d[7] >> 4) << 8);
			continue;
		}
		if (d[3] == 0xfa)
			for (j = 0; j < 6; j++)
				listing_std(l, d + 5 + 2 * j);
		if (d[3] == 0xf8) {
			for (j = 0; j < 4; j++) {
				const u8 *c = d + 6 + 3 * j;
				u32 h = ((c[1] >> 4) << 8 | c[0]) + 1;
				static const u32 num[] = { 4, 16, 16, 15 };
				static const u32 den[] = { 3, 9, 10, 9 };

				if (!c[0] && !c[1] && !c[2])
					continue;
				if (!(c[2] & 0x08))
					l->refresh_ok = false;
				h *= 2;
				listing_add(l, h * num[(c[1] >> 2) & 3] /
					    den[(c[1] >> 2) & 3], h);
			}
		}
	}
	for (i = 0; i < ARRAY_SIZE(est); i++)
		if (e[est[i].byte] & est[i].bit)
			listing_add(l, est[i].w, est[i].h);
	for (i = 0; i < 8; i++)
		listing_std(l, e + 38 + 2 * i);
}

static bool listing_has(const struct edid_listing *l, u32 w, u32 h)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->m[i].w == w && l->m[i].h == h)
			return true;
	return false;
}

/*
 * The common desktop modes a guest should be offered whenever they fit its
 * type: the monitor lists each of them that fits, and nothing that does
 * not fit or twice.
 */
static const struct edid_res desktop_modes[] = {
	{ 640, 480 }, { 800, 600 }, { 1024, 768 }, { 1152, 864 },
	{ 1280, 720 }, { 1280, 800 }, { 1280, 960 }, { 1280, 1024 },
	{ 1400, 1050 }, { 1440, 900 }, { 1600, 900 }, { 1600, 1200 },
	{ 1680, 1050 }, { 1920, 1080 }, { 1920, 1200 }, { 1920, 1440 },
	{ 2048, 1536 }, { 2560, 1440 }, { 2560, 1600 }, { 3200, 1800 },
	{ 3840, 2160 },
};

struct edid_modes_case {
	u32 w, h;
	unsigned int listed;
};

static const struct edid_modes_case edid_modes_cases[] = {
	/* The four types, then limits of the generator. */
	{ 1920, 1080, 13 }, { 2560, 1600, 19 }, { 3840, 2160, 21 },
	{ 3840, 2400, 22 }, { 640, 480, 1 }, { 800, 600, 2 },
	{ 1280, 1024, 8 }, { 4095, 4095, 22 }, { 1366, 768, 5 },
};

static void edid_modes_desc(const struct edid_modes_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%ux%u", c->w, c->h);
}

KUNIT_ARRAY_PARAM(edid_modes, edid_modes_cases, edid_modes_desc);

static void edid_lists_fitting_modes(struct kunit *test)
{
	const struct edid_modes_case *c = test->param_value;
	struct edid_listing *l;
	unsigned int i, j;
	u8 e[128];

	l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_EQ(test, mdgpu_edid_build(e, sizeof(e), c->w, c->h), 128);
	edid_listing(e, l);

	KUNIT_ASSERT_GE(test, l->n, 1U);
	KUNIT_EXPECT_EQ(test, l->m[0].w, c->w);	/* preferred first */
	KUNIT_EXPECT_EQ(test, l->m[0].h, c->h);
	KUNIT_EXPECT_TRUE(test, l->refresh_ok);
	for (i = 0; i < l->n; i++) {
		KUNIT_EXPECT_LE_MSG(test, l->m[i].w, c->w, "%ux%u listed",
				    l->m[i].w, l->m[i].h);
		KUNIT_EXPECT_LE_MSG(test, l->m[i].h, c->h, "%ux%u listed",
				    l->m[i].w, l->m[i].h);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_FALSE_MSG(test,
					       l->m[i].w == l->m[j].w &&
					       l->m[i].h == l->m[j].h,
					       "%ux%u listed twice",
					       l->m[i].w, l->m[i].h);
	}
	for (i = 0; i < ARRAY_SIZE(desktop_modes); i++) {
		const struct edid_res *m = &desktop_modes[i];

		if (m->w <= c->w && m->h <= c->h)
			KUNIT_EXPECT_TRUE_MSG(test, listing_has(l, m->w, m->h),
					      "%ux%u fits but is not listed",
					      m->w, m->h);
	}
	KUNIT_EXPECT_EQ(test, l->n, c->listed);
}

static void edid_refuses(struct kunit *test)
{
	u8 e[128];

	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, 127, 1920, 1080), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, sizeof(e), 4096, 1080), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, sizeof(e), 1920, 4096), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, sizeof(e), 320, 200), -EINVAL);
}

/* plane_types: each name and its mask, both ways; anything else refused. */
static void plane_types_names(struct kunit *test)
{
	static const struct { const char *in; int mask; } ok[] = {
		{ "region", MDGPU_PLANES_REGION },
		{ "region\n", MDGPU_PLANES_REGION },
		{ "dmabuf", MDGPU_PLANES_DMABUF },
		{ "both\n", MDGPU_PLANES_REGION | MDGPU_PLANES_DMABUF },
	};
	static const char *const bad[] = {
		"", "\n", "none", "Region", "region ", "region\n\n",
		"region,dmabuf", "dma-buf", "0", "1", "3",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		KUNIT_EXPECT_EQ_MSG(test, mdgpu_plane_types_parse(ok[i].in),
				    ok[i].mask, "'%s'", ok[i].in);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, mdgpu_plane_types_parse(bad[i]),
				    -EINVAL, "'%s'", bad[i]);
	KUNIT_EXPECT_STREQ(test, mdgpu_plane_types_name(MDGPU_PLANES_DEFAULT),
			   "region");
	KUNIT_EXPECT_STREQ(test, mdgpu_plane_types_name(MDGPU_PLANES_DMABUF),
			   "dmabuf");
	KUNIT_EXPECT_STREQ(test, mdgpu_plane_types_name(MDGPU_PLANES_REGION |
							MDGPU_PLANES_DMABUF),
			   "both");
	KUNIT_EXPECT_STREQ(test, mdgpu_plane_types_name(0), "?");
	KUNIT_EXPECT_STREQ(test, mdgpu_plane_types_name(4), "?");
}

static struct kunit_case mdgpu_display_cases[] = {
	KUNIT_CASE(mode_valid_formats),
	KUNIT_CASE(mode_bad_format),
	KUNIT_CASE(mode_limits),
	KUNIT_CASE(mode_offsets_stay_in_vram),
	KUNIT_CASE(mode_formats_by_endianness),
	KUNIT_CASE(edid_valid_blocks),
	KUNIT_CASE(edid_refuses),
	KUNIT_CASE_PARAM(edid_lists_fitting_modes, edid_modes_gen_params),
	KUNIT_CASE(plane_types_names),
	{}
};

static struct kunit_suite mdgpu_display_suite = {
	.name = "mdgpu_display",
	.test_cases = mdgpu_display_cases,
};

kunit_test_suite(mdgpu_display_suite);
