// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: display mode validation and EDID generation.
 *
 * A guest programs its mode through the Bochs VBE registers; before the
 * display is turned on (and on every change while it is on) the mode is
 * checked here against the instance's framebuffer and type, with 64-bit
 * arithmetic so no register combination can overflow into another
 * tenant's VRAM.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <uapi/drm/drm_fourcc.h>

#include "mdgpu_display.h"

/**
 * mdgpu_mode_format() - the DRM format of a scanout
 * @bpp: bits per pixel of a valid mode
 * @big_endian: the guest set big-endian framebuffer byte order
 *
 * Return: the DRM fourcc of the pixel layout in memory.
 */
u32 mdgpu_mode_format(u32 bpp, bool big_endian)
{
	switch (bpp) {
	case 16:
		return big_endian ? DRM_FORMAT_RGB565 | DRM_FORMAT_BIG_ENDIAN :
				    DRM_FORMAT_RGB565;
	case 24:
		return big_endian ? DRM_FORMAT_BGR888 : DRM_FORMAT_RGB888;
	default:
		return big_endian ? DRM_FORMAT_BGRX8888 : DRM_FORMAT_XRGB8888;
	}
}

/**
 * mdgpu_mode_from_dispi() - validate the mode the DISPI registers describe
 * @dispi: the MDGPU_DISPI_NR register values
 * @lim: the instance's limits
 * @mode: the resulting mode, filled only when the mode is valid
 *
 * A virtual width below the visible width counts as the visible width, as
 * on QEMU's adapter. The offsets select a linear start address
 * (y * stride + x * bytes per pixel), so an x offset may run past the
 * virtual width: the bochs driver flips pages that way. Only the span the
 * scanout reads has to lie inside the framebuffer.
 *
 * Return: MDGPU_MODE_OK or the reason the mode is refused.
 */
enum mdgpu_mode_error mdgpu_mode_from_dispi(const u16 *dispi,
					    const struct mdgpu_mode_limits *lim,
					    struct mdgpu_mode *mode)
{
	u32 w = dispi[MDGPU_DISPI_XRES], h = dispi[MDGPU_DISPI_YRES];
	u32 bpp = dispi[MDGPU_DISPI_BPP];
	u32 xoff = dispi[MDGPU_DISPI_X_OFFSET];
	u32 yoff = dispi[MDGPU_DISPI_Y_OFFSET];
	u32 vw = max_t(u32, dispi[MDGPU_DISPI_VIRT_WIDTH], w);
	u64 stride, offset, size;
	u32 cpp;

	if ((bpp != 16 && bpp != 24 && bpp != 32) || !w || !h)
		return MDGPU_MODE_BAD_FORMAT;
	if (w > lim->max_width || h > lim->max_height)
		return MDGPU_MODE_TOO_LARGE;

	cpp = bpp / 8;
	stride = (u64)vw * cpp;
	offset = (u64)yoff * stride + (u64)xoff * cpp;
	size = (u64)(h - 1) * stride + (u64)w * cpp;
	if (offset > lim->vram_size || size > lim->vram_size - offset)
		return MDGPU_MODE_NO_FIT;

	mode->width = w;
	mode->height = h;
	mode->bpp = bpp;
	mode->stride = stride;
	mode->offset = offset;
	mode->size = size;
	mode->drm_format = mdgpu_mode_format(bpp, false);
	return MDGPU_MODE_OK;
}

/* Names of the values of the plane_types attribute, by bit mask. */
static const char *const mdgpu_plane_types_names[] = {
	[MDGPU_PLANES_REGION] = "region",
	[MDGPU_PLANES_DMABUF] = "dmabuf",
	[MDGPU_PLANES_REGION | MDGPU_PLANES_DMABUF] = "both",
};

/**
 * mdgpu_plane_types_parse() - read a value of the plane_types attribute
 * @buf: "region", "dmabuf" or "both", optionally with a trailing newline
 *
 * Return: the MDGPU_PLANES_* mask, or -EINVAL.
 */
int mdgpu_plane_types_parse(const char *buf)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(mdgpu_plane_types_names); i++)
		if (mdgpu_plane_types_names[i] &&
		    sysfs_streq(buf, mdgpu_plane_types_names[i]))
			return i;
	return -EINVAL;
}

/**
 * mdgpu_plane_types_name() - the attribute's text for a plane type mask
 * @types: a mask mdgpu_plane_types_parse() returned
 *
 * Return: its name, or "?" for a mask it cannot return.
 */
const char *mdgpu_plane_types_name(u32 types)
{
	if (types >= ARRAY_SIZE(mdgpu_plane_types_names) ||
	    !mdgpu_plane_types_names[types])
		return "?";
	return mdgpu_plane_types_names[types];
}

#define EDID_HBLANK	160
#define EDID_HFRONT	48
#define EDID_HSYNC	32
#define EDID_VFRONT	3
#define EDID_VSYNC	6

/* About 460 us of vertical blanking, as reduced-blanking CVT has. */
static u32 edid_vblank(u32 h)
{
	return max_t(u32, EDID_VFRONT + EDID_VSYNC + 6, h * 3 / 100 + 1);
}

/* Pixel clock in units of 10 kHz. */
static u64 edid_clock(u32 w, u32 h, u32 hz)
{
	return (u64)(w + EDID_HBLANK) * (h + edid_vblank(h)) * hz / 10000;
}

/* One 18-byte detailed timing descriptor, reduced blanking at @hz. */
static void edid_dtd(u8 *d, u32 w, u32 h, u32 hz)
{
	const u32 hfront = EDID_HFRONT, hsync = EDID_HSYNC;
	const u32 hblank = EDID_HBLANK;
	const u32 vfront = EDID_VFRONT, vsync = EDID_VSYNC;
	u32 vblank = edid_vblank(h);
	u64 clock = edid_clock(w, h, hz);
	const u32 wmm = 527, hmm = wmm * h / w;

	d[0] = clock & 0xff;
	d[1] = clock >> 8;
	d[2] = w & 0xff;
	d[3] = hblank & 0xff;
	d[4] = (w >> 8) << 4 | hblank >> 8;
	d[5] = h & 0xff;
	d[6] = vblank & 0xff;
	d[7] = (h >> 8) << 4 | vblank >> 8;
	d[8] = hfront;
	d[9] = hsync;
	d[10] = vfront << 4 | vsync;
	d[11] = 0;
	d[12] = wmm & 0xff;
	d[13] = hmm & 0xff;
	d[14] = (wmm >> 8) << 4 | (hmm >> 8 & 0xf);
	d[15] = 0;
	d[16] = 0;
	d[17] = 0x1a;	/* digital separate sync, +hsync, -vsync */
}

static void edid_text(u8 *d, u8 tag, const char *text)
{
	size_t n = strlen(text);

	memset(d, 0, 5);
	d[3] = tag;
	memset(d + 5, ' ', 13);
	memcpy(d + 5, text, min_t(size_t, n, 12));
	if (n < 13)
		d[5 + n] = '\n';
}

/*
 * The modes the monitor lists besides its preferred one, when they fit the
 * type: the VESA/CVT resolutions desktop guests offer their users, all at
 * 60 Hz. Three are established timings (a bit each), the ones up to 2288
 * pixels wide standard timings (two bytes each), and the wider ones CVT
 * codes (three bytes each, described by their height and aspect ratio).
 */
static const struct {
	u16 w, h;
	u8 byte, bit;
} edid_est_modes[] = {
	{ 640, 480, 35, 0x20 },
	{ 800, 600, 35, 0x01 },
	{ 1024, 768, 36, 0x08 },
};

/* Aspect ratio field of a standard timing (EDID 1.3 and later). */
#define EDID_STD_16_10	0
#define EDID_STD_4_3	1
#define EDID_STD_5_4	2
#define EDID_STD_16_9	3
#define EDID_STD_SLOTS	8	/* in the base block */
#define EDID_STD_MORE	6	/* in a standard timing descriptor */

static const struct {
	u16 w, h;
	u8 aspect;
} edid_std_modes[] = {
	{ 1152, 864, EDID_STD_4_3 },
	{ 1280, 720, EDID_STD_16_9 },
	{ 1280, 800, EDID_STD_16_10 },
	{ 1280, 960, EDID_STD_4_3 },
	{ 1280, 1024, EDID_STD_5_4 },
	{ 1400, 1050, EDID_STD_4_3 },
	{ 1440, 900, EDID_STD_16_10 },
	{ 1600, 900, EDID_STD_16_9 },
	{ 1600, 1200, EDID_STD_4_3 },
	{ 1680, 1050, EDID_STD_16_10 },
	{ 1920, 1080, EDID_STD_16_9 },
	{ 1920, 1200, EDID_STD_16_10 },
	{ 1920, 1440, EDID_STD_4_3 },
	{ 2048, 1536, EDID_STD_4_3 },
};

/* Aspect ratio field of a CVT code. */
#define EDID_CVT_16_9	0x04
#define EDID_CVT_16_10	0x08
#define EDID_CVT_SLOTS	4	/* in a CVT descriptor */

static const struct {
	u16 w, h;
	u8 aspect;
} edid_cvt_modes[] = {
	{ 2560, 1440, EDID_CVT_16_9 },
	{ 2560, 1600, EDID_CVT_16_10 },
	{ 3200, 1800, EDID_CVT_16_9 },
	{ 3840, 2160, EDID_CVT_16_9 },
};

static_assert(ARRAY_SIZE(edid_std_modes) <= EDID_STD_SLOTS + EDID_STD_MORE);
static_assert(ARRAY_SIZE(edid_cvt_modes) <= EDID_CVT_SLOTS);

/* A listed mode fits the monitor and is not its preferred mode. */
static bool edid_lists(u32 w, u32 h, u32 width, u32 height)
{
	return w <= width && h <= height && (w != width || h != height);
}

/* The header of an 18-byte display descriptor with tag @tag. */
static void edid_descriptor(u8 *d, u8 tag)
{
	memset(d, 0, 18);
	d[3] = tag;
}

/*
 * The standard timings at 38-53 and, when more fit, a standard timing
 * descriptor at @desc. Return: true if @desc was used.
 */
static bool edid_std_timings(u8 *edid, u8 *desc, u32 width, u32 height)
{
	u8 *slot = edid + 38;
	size_t i, n = 0;

	for (i = 0; i < 2 * EDID_STD_SLOTS; i++)
		edid[38 + i] = 1;	/* unused */
	for (i = 0; i < ARRAY_SIZE(edid_std_modes); i++) {
		if (!edid_lists(edid_std_modes[i].w, edid_std_modes[i].h,
				width, height))
			continue;
		if (n == EDID_STD_SLOTS) {
			edid_descriptor(desc, 0xfa);
			memset(desc + 5, 1, 2 * EDID_STD_MORE);
			desc[17] = 0x0a;
			slot = desc + 5;
		}
		slot[0] = edid_std_modes[i].w / 8 - 31;
		slot[1] = edid_std_modes[i].aspect << 6;	/* 60 Hz */
		slot += 2;
		n++;
	}
	return n > EDID_STD_SLOTS;
}

/* A CVT code descriptor at @desc, if a mode needs one. */
static bool edid_cvt_codes(u8 *desc, u32 width, u32 height)
{
	u8 *code = desc + 6;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(edid_cvt_modes); i++) {
		u32 lines = edid_cvt_modes[i].h / 2 - 1;

		if (!edid_lists(edid_cvt_modes[i].w, edid_cvt_modes[i].h,
				width, height))
			continue;
		if (code == desc + 6) {
			edid_descriptor(desc, 0xf8);
			desc[5] = 1;	/* version */
		}
		code[0] = lines & 0xff;
		code[1] = (lines >> 8) << 4 | edid_cvt_modes[i].aspect;
		code[2] = 0x28;	/* 60 Hz preferred and supported */
		code += 3;
	}
	return code != desc + 6;
}

/**
 * mdgpu_edid_build() - make the EDID of the instance's virtual monitor
 * @edid: output buffer
 * @len: its size; at least MDGPU_EDID_BLOCK
 * @width: preferred (and largest) horizontal resolution
 * @height: preferred vertical resolution
 *
 * Builds one EDID 1.4 block: a digital monitor named "mdgpu" whose preferred
 * mode is @width x @height at 60 Hz (30 Hz if the pixel clock would not fit
 * the descriptor), which also lists every mode of edid_est_modes,
 * edid_std_modes and edid_cvt_modes that fits @width x @height, at 60 Hz.
 * Descriptors: the preferred timing, the name, then more standard timings
 * and CVT codes when there are modes for them. The rest of @edid is zeroed.
 *
 * Return: the EDID size (MDGPU_EDID_BLOCK), or -EINVAL if @len is too small
 * or the resolution cannot be described.
 */
int mdgpu_edid_build(u8 *edid, size_t len, u32 width, u32 height)
{
	static const u8 header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	static const u8 srgb[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c,
				     0x99, 0x26, 0x0f, 0x50, 0x54 };
	u8 *desc = edid + 90, sum = 0;
	u32 hz = 60;
	size_t i;

	if (len < MDGPU_EDID_BLOCK || width < 640 || height < 480 ||
	    width > MDGPU_EDID_MAX_DIM || height > MDGPU_EDID_MAX_DIM)
		return -EINVAL;
	/* The descriptor's pixel clock field holds at most 655.35 MHz. */
	if (edid_clock(width, height, hz) > U16_MAX)
		hz = 30;

	memset(edid, 0, len);
	memcpy(edid, header, sizeof(header));
	edid[8] = 0x34;		/* manufacturer "MDG" */
	edid[9] = 0x87;
	edid[10] = 0x01;	/* product code */
	edid[16] = 47;		/* week, year 2026 */
	edid[17] = 2026 - 1990;
	edid[18] = 1;		/* EDID 1.4 */
	edid[19] = 4;
	edid[20] = 0xa5;	/* digital, 8 bits per colour, DisplayPort */
	edid[21] = 53;		/* 53 x 30 cm */
	edid[22] = 30;
	edid[23] = 120;		/* gamma 2.2 */
	edid[24] = 0x06;	/* sRGB default, preferred timing is native */
	memcpy(edid + 25, srgb, sizeof(srgb));
	for (i = 0; i < ARRAY_SIZE(edid_est_modes); i++)
		if (edid_lists(edid_est_modes[i].w, edid_est_modes[i].h,
			       width, height))
			edid[edid_est_modes[i].byte] |= edid_est_modes[i].bit;
	edid_dtd(edid + 54, width, height, hz);
	edid_text(edid + 72, 0xfc, "mdgpu");
	if (edid_std_timings(edid, desc, width, height))
		desc += 18;
	if (edid_cvt_codes(desc, width, height))
		desc += 18;
	for (; desc < edid + 126; desc += 18)
		edid_descriptor(desc, 0x10);	/* dummy */
	for (i = 0; i < MDGPU_EDID_BLOCK - 1; i++)
		sum += edid[i];
	edid[MDGPU_EDID_BLOCK - 1] = 0x100 - sum;
	return MDGPU_EDID_BLOCK;
}
