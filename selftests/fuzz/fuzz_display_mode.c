// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing display mode validation and EDID generation
 * (drivers/display_mode.c): any DISPI register values against any limits,
 * and EDIDs of any resolution into buffers of any length.
 *
 * A mode the check accepts must lie inside the framebuffer; with a
 * framebuffer of up to 1 MiB the harness reads the scanout's first and last
 * byte from a buffer of exactly that size (ASan), as the display code maps
 * it. An EDID must fit its buffer, sum to zero and describe the resolution
 * it was asked for.
 *
 * Input: VRAM size (u64), max width (u16), max height (u16), the 11 DISPI
 * registers (u16 each), then EDID requests of { width u16, height u16,
 * buffer length u16 }.
 */
#include "fuzz.h"
#include "mdgpu_display.h"

static void check_mode(const u16 *dispi, const struct mdgpu_mode_limits *lim)
{
	struct mdgpu_mode m;
	enum mdgpu_mode_error err;
	u32 bpp = dispi[MDGPU_DISPI_BPP];

	memset(&m, 0, sizeof(m));
	err = mdgpu_mode_from_dispi(dispi, lim, &m);
	if (err != MDGPU_MODE_OK) {
		FZ_CHECK(err == MDGPU_MODE_BAD_FORMAT || err == MDGPU_MODE_TOO_LARGE ||
			 err == MDGPU_MODE_NO_FIT, "unknown error %d", err);
		return;
	}
	FZ_CHECK(bpp == 16 || bpp == 24 || bpp == 32, "bpp %u accepted", bpp);
	FZ_CHECK(m.width == dispi[MDGPU_DISPI_XRES] && m.width &&
		 m.width <= lim->max_width && m.height == dispi[MDGPU_DISPI_YRES] &&
		 m.height && m.height <= lim->max_height,
		 "mode %ux%u within %ux%u", m.width, m.height, lim->max_width,
		 lim->max_height);
	FZ_CHECK(m.stride >= (u64)m.width * (bpp / 8), "stride %u for %u px",
		 m.stride, m.width);
	FZ_CHECK(m.size == (u64)(m.height - 1) * m.stride + (u64)m.width * (bpp / 8),
		 "size %llu", (unsigned long long)m.size);
	FZ_CHECK(m.offset <= lim->vram_size && m.size <= lim->vram_size - m.offset,
		 "scanout %llu+%llu outside %llu", (unsigned long long)m.offset,
		 (unsigned long long)m.size, (unsigned long long)lim->vram_size);
	FZ_CHECK(m.drm_format == mdgpu_mode_format(bpp, false), "format");
	/* The guest's big-endian framebuffer flag picks another layout. */
	FZ_CHECK(mdgpu_mode_format(bpp, true) != m.drm_format,
		 "big-endian format of %u bpp", bpp);
	if (lim->vram_size <= 1 << 20) {
		u8 *fb = calloc(1, lim->vram_size);

		if (!fb)
			abort();
		FZ_CHECK(!(fb[m.offset] | fb[m.offset + m.size - 1]),
			 "framebuffer not zero");
		free(fb);
	}
}

static void check_edid(u32 w, u32 h, size_t len)
{
	u8 *edid = malloc(len ? len : 1), sum = 0;
	u32 dw, dh;
	bool valid = len >= MDGPU_EDID_BLOCK && w >= 640 && h >= 480 &&
		     w <= MDGPU_EDID_MAX_DIM && h <= MDGPU_EDID_MAX_DIM;
	int ret, i;

	if (!edid)
		abort();
	ret = mdgpu_edid_build(edid, len, w, h);
	FZ_CHECK(ret == (valid ? MDGPU_EDID_BLOCK : -EINVAL),
		 "EDID %ux%u in %zu bytes: %d", w, h, len, ret);
	if (ret > 0) {
		for (i = 0; i < MDGPU_EDID_BLOCK; i++)
			sum += edid[i];
		FZ_CHECK(!sum, "EDID checksum %u", sum);
		FZ_CHECK(edid[0] == 0 && edid[1] == 0xff && edid[7] == 0,
			 "EDID header");
		/* The preferred timing: pixel clock, width and height. */
		FZ_CHECK(edid[54] | edid[55], "zero pixel clock");
		dw = edid[56] | (edid[58] >> 4) << 8;
		dh = edid[59] | (edid[61] >> 4) << 8;
		FZ_CHECK(dw == w && dh == h, "DTD says %ux%u for %ux%u", dw,
			 dh, w, h);
		for (i = MDGPU_EDID_BLOCK; i < (int)len; i++)
			FZ_CHECK(!edid[i], "byte %d past the block not zero", i);
	}
	free(edid);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz_input in = { data, size };
	struct mdgpu_mode_limits lim;
	u16 *dispi;
	int i, n = 0;

	lim.vram_size = fz_u64(&in);
	lim.max_width = fz_u16(&in);
	lim.max_height = fz_u16(&in);
	/* Exactly the register file, so ASan sees an index past it. */
	dispi = malloc(MDGPU_DISPI_NR * sizeof(*dispi));
	if (!dispi)
		abort();
	for (i = 0; i < MDGPU_DISPI_NR; i++)
		dispi[i] = fz_u16(&in);
	check_mode(dispi, &lim);
	free(dispi);

	while (in.left && n++ < 4) {
		u32 w = fz_u16(&in), h = fz_u16(&in);

		check_edid(w, h, fz_u16(&in) % 512);
	}
	return 0;
}
