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
		KUNIT_EXPECT_EQ(test, e[93], 0xfc);	/* monitor name */
		KUNIT_EXPECT_EQ(test, memcmp(e + 95, "mdgpu\n", 6), 0);
		KUNIT_EXPECT_EQ(test, e[75], 0xfd);	/* range limits */
	}
}

static void edid_refuses(struct kunit *test)
{
	u8 e[128];

	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, 127, 1920, 1080), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, sizeof(e), 4096, 1080), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, sizeof(e), 1920, 4096), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_edid_build(e, sizeof(e), 320, 200), -EINVAL);
}

static struct kunit_case mdgpu_display_cases[] = {
	KUNIT_CASE(mode_valid_formats),
	KUNIT_CASE(mode_bad_format),
	KUNIT_CASE(mode_limits),
	KUNIT_CASE(mode_offsets_stay_in_vram),
	KUNIT_CASE(mode_formats_by_endianness),
	KUNIT_CASE(edid_valid_blocks),
	KUNIT_CASE(edid_refuses),
	{}
};

static struct kunit_suite mdgpu_display_suite = {
	.name = "mdgpu_display",
	.test_cases = mdgpu_display_cases,
};

kunit_test_suite(mdgpu_display_suite);
