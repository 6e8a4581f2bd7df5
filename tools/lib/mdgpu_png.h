/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu_png - save a scanout (a DRM-format pixel buffer) as an RGB PNG.
 * Shared by mdgpuctl screenshot, mdgpu-fbdemo and mdgpu-draw.
 */
#ifndef MDGPU_PNG_H
#define MDGPU_PNG_H

#include <stdint.h>

#define MDGPU_FOURCC(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | \
	 (uint32_t)(d) << 24)
#define MDGPU_FMT_XRGB8888	MDGPU_FOURCC('X', 'R', '2', '4')
#define MDGPU_FMT_RGB888	MDGPU_FOURCC('R', 'G', '2', '4')
#define MDGPU_FMT_RGB565	MDGPU_FOURCC('R', 'G', '1', '6')

/**
 * mdgpu_fourcc_cpp() - bytes per pixel of a format
 * @fourcc: DRM format
 *
 * Return: 4, 3 or 2, or 0 for a format the converter does not know.
 */
unsigned int mdgpu_fourcc_cpp(uint32_t fourcc);

/**
 * mdgpu_png_convert_row() - one row of a scanout to 8-bit RGB
 * @fourcc: DRM format of @src (little-endian, as DRM defines them)
 * @src: the row
 * @rgb: receives 3 * @width bytes
 * @width: pixels
 *
 * Return: 0, or -EINVAL for a format other than XRGB8888, RGB888, RGB565.
 */
int mdgpu_png_convert_row(uint32_t fourcc, const uint8_t *src, uint8_t *rgb,
			  unsigned int width);

/**
 * mdgpu_png_save() - write pixels as an RGB PNG, atomically
 * @path: the file; written to a temporary file beside it, then renamed
 * @px: first pixel of the first row
 * @fourcc: DRM format of @px
 * @w: width in pixels
 * @h: height in rows
 * @stride: bytes from one row to the next
 *
 * Return: 0 or a negative errno (-EINVAL for an unknown format).
 */
int mdgpu_png_save(const char *path, const uint8_t *px, uint32_t fourcc,
		   unsigned int w, unsigned int h, unsigned int stride);

#endif /* MDGPU_PNG_H */
