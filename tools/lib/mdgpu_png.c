// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu_png - save a scanout as an RGB PNG. See mdgpu_png.h.
 */
#include <errno.h>
#include <limits.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdgpu_png.h"

unsigned int mdgpu_fourcc_cpp(uint32_t fourcc)
{
	switch (fourcc) {
	case MDGPU_FMT_XRGB8888:
		return 4;
	case MDGPU_FMT_RGB888:
		return 3;
	case MDGPU_FMT_RGB565:
		return 2;
	}
	return 0;
}

int mdgpu_png_convert_row(uint32_t fourcc, const uint8_t *src, uint8_t *rgb,
			  unsigned int width)
{
	unsigned int x;

	switch (fourcc) {
	case MDGPU_FMT_XRGB8888:	/* bytes B, G, R, X */
		for (x = 0; x < width; x++) {
			rgb[3 * x] = src[4 * x + 2];
			rgb[3 * x + 1] = src[4 * x + 1];
			rgb[3 * x + 2] = src[4 * x];
		}
		return 0;
	case MDGPU_FMT_RGB888:		/* bytes B, G, R */
		for (x = 0; x < width; x++) {
			rgb[3 * x] = src[3 * x + 2];
			rgb[3 * x + 1] = src[3 * x + 1];
			rgb[3 * x + 2] = src[3 * x];
		}
		return 0;
	case MDGPU_FMT_RGB565:		/* le16: R 15-11, G 10-5, B 4-0 */
		for (x = 0; x < width; x++) {
			unsigned int v = src[2 * x] | src[2 * x + 1] << 8;
			unsigned int r = v >> 11, g = (v >> 5) & 0x3f;
			unsigned int b = v & 0x1f;

			rgb[3 * x] = r << 3 | r >> 2;
			rgb[3 * x + 1] = g << 2 | g >> 4;
			rgb[3 * x + 2] = b << 3 | b >> 2;
		}
		return 0;
	}
	return -EINVAL;
}

int mdgpu_png_save(const char *path, const uint8_t *px, uint32_t fourcc,
		   unsigned int w, unsigned int h, unsigned int stride)
{
	char tmp[PATH_MAX];
	png_structp png = NULL;
	png_infop info = NULL;
	uint8_t *volatile row = NULL;
	unsigned int y;
	FILE *volatile f = NULL;
	volatile int err = -EIO;
	int fd;

	if (!mdgpu_fourcc_cpp(fourcc))
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "wb");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail_unlink;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	row = malloc((size_t)w * 3);
	if (!png || !info || !row) {
		err = -ENOMEM;
		goto fail;
	}
	if (setjmp(png_jmpbuf(png)))
		goto fail;
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < h; y++) {
		mdgpu_png_convert_row(fourcc, px + (size_t)y * stride, row, w);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fchmod(fileno(f), 0644) || fclose(f)) {
		err = -errno;
		f = NULL;
		goto fail_unlink;
	}
	if (rename(tmp, path)) {
		err = -errno;
		goto fail_unlink;
	}
	return 0;
fail:
	png_destroy_write_struct(&png, &info);
	free(row);
	if (f)
		fclose(f);
fail_unlink:
	unlink(tmp);
	return err;
}
