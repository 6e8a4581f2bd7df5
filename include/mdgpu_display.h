/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Display mode validation and EDID generation for mdgpu's Bochs VBE
 * compatible display. Pure functions over plain data.
 */
#ifndef _MDGPU_DISPLAY_H
#define _MDGPU_DISPLAY_H

#include <linux/types.h>

/* Bochs VBE DISPI register indexes (BAR2 0x500 + 2 * index). */
enum mdgpu_dispi_index {
	MDGPU_DISPI_ID,
	MDGPU_DISPI_XRES,
	MDGPU_DISPI_YRES,
	MDGPU_DISPI_BPP,
	MDGPU_DISPI_ENABLE,
	MDGPU_DISPI_BANK,
	MDGPU_DISPI_VIRT_WIDTH,
	MDGPU_DISPI_VIRT_HEIGHT,
	MDGPU_DISPI_X_OFFSET,
	MDGPU_DISPI_Y_OFFSET,
	MDGPU_DISPI_VIDEO_MEMORY_64K,
	MDGPU_DISPI_NR
};

#define MDGPU_DISPI_ID5		0xb0c5
#define MDGPU_DISPI_ENABLED	0x01
#define MDGPU_DISPI_GETCAPS	0x02
#define MDGPU_DISPI_LFB_ENABLED	0x40

/*
 * Plane types an instance offers through VFIO_DEVICE_QUERY_GFX_PLANE (its
 * plane_types attribute). QEMU takes dma-buf planes whenever they are
 * offered and then needs an OpenGL display, so by default an instance
 * offers region planes only.
 */
#define MDGPU_PLANES_REGION	0x1
#define MDGPU_PLANES_DMABUF	0x2
#define MDGPU_PLANES_DEFAULT	MDGPU_PLANES_REGION

/* The largest resolution an EDID detailed timing can describe. */
#define MDGPU_EDID_MAX_DIM	4095
#define MDGPU_EDID_BLOCK	128

/**
 * struct mdgpu_mode - a validated scanout mode
 * @width: visible width in pixels
 * @height: visible height in pixels
 * @bpp: bits per pixel: 16, 24 or 32
 * @stride: bytes per line
 * @offset: byte offset of the first visible pixel in the framebuffer
 * @size: bytes from @offset to the end of the last visible pixel
 * @drm_format: DRM fourcc of the pixel format, little-endian byte order
 */
struct mdgpu_mode {
	u32 width;
	u32 height;
	u32 bpp;
	u32 stride;
	u64 offset;
	u64 size;
	u32 drm_format;
};

/**
 * struct mdgpu_mode_limits - what an instance's display may show
 * @vram_size: framebuffer size; the mode must lie inside it
 * @max_width: largest width of the instance's type
 * @max_height: largest height of the instance's type
 */
struct mdgpu_mode_limits {
	u64 vram_size;
	u32 max_width;
	u32 max_height;
};

/* Why a mode was refused, as reported in MDGPU_REG_DISPLAY_STATUS. */
enum mdgpu_mode_error {
	MDGPU_MODE_OK,
	MDGPU_MODE_BAD_FORMAT,	/* zero size or unsupported bpp */
	MDGPU_MODE_TOO_LARGE,	/* above the type's max resolution */
	MDGPU_MODE_NO_FIT,	/* does not fit in the framebuffer */
};

enum mdgpu_mode_error mdgpu_mode_from_dispi(const u16 *dispi,
					    const struct mdgpu_mode_limits *lim,
					    struct mdgpu_mode *mode);
u32 mdgpu_mode_format(u32 bpp, bool big_endian);
int mdgpu_plane_types_parse(const char *buf);
const char *mdgpu_plane_types_name(u32 types);
int mdgpu_edid_build(u8 *edid, size_t len, u32 width, u32 height);

#endif /* _MDGPU_DISPLAY_H */
