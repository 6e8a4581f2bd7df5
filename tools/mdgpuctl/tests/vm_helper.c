// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl-vm-helper: small tools for tools/mdgpuctl/vm-test.sh.
 *
 *   hold UUID [--device-only]
 *                      open the instance through VFIO, print "held", and keep
 *                      it open until stdin reaches EOF or a signal ends us;
 *                      with --device-only, close the group and container
 *                      fds and keep only the device fd (which /proc shows
 *                      as an anonymous inode, not as /dev/vfio/N)
 *   pixel FILE X Y     print the pixel of an 8-bit RGB PNG as RRGGBB
 *   size FILE          print "WIDTHxHEIGHT" of a PNG
 */
#include <errno.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mdgpu_vfio.h"

static int hold(const char *uuid, bool device_only)
{
	struct mdgpu_dev dev;
	char buf[64];

	if (mdgpu_dev_open(&dev, uuid) < 0) {
		fprintf(stderr, "hold: %s: %s\n", uuid, strerror(errno));
		mdgpu_dev_close(&dev);
		return 1;
	}
	if (device_only) {
		close(dev.group);
		close(dev.container);
		dev.group = dev.container = -1;
	}
	printf("held\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	mdgpu_dev_close(&dev);
	return 0;
}

static png_bytep *load(const char *path, png_uint_32 *w, png_uint_32 *h)
{
	png_structp png;
	png_infop info;
	png_bytep *rows;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info || setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		fclose(f);
		return NULL;
	}
	png_init_io(png, f);
	png_read_png(png, info, PNG_TRANSFORM_STRIP_16 | PNG_TRANSFORM_STRIP_ALPHA,
		     NULL);
	*w = png_get_image_width(png, info);
	*h = png_get_image_height(png, info);
	if (png_get_color_type(png, info) != PNG_COLOR_TYPE_RGB) {
		png_destroy_read_struct(&png, &info, NULL);
		fclose(f);
		return NULL;
	}
	/* Copy the rows out before the read struct (which owns them) goes. */
	{
		png_bytep *src = png_get_rows(png, info);
		png_uint_32 y;

		rows = calloc(*h, sizeof(*rows));
		for (y = 0; rows && y < *h; y++) {
			rows[y] = malloc((size_t)*w * 3);
			if (rows[y])
				memcpy(rows[y], src[y], (size_t)*w * 3);
		}
	}
	png_destroy_read_struct(&png, &info, NULL);
	fclose(f);
	return rows;
}

int main(int argc, char **argv)
{
	png_uint_32 w, h, x, y;
	png_bytep *rows;

	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2], false);
	if (argc == 4 && !strcmp(argv[1], "hold") &&
	    !strcmp(argv[3], "--device-only"))
		return hold(argv[2], true);
	if (argc == 3 && !strcmp(argv[1], "size")) {
		rows = load(argv[2], &w, &h);
		if (!rows)
			return 1;
		printf("%ux%u\n", (unsigned int)w, (unsigned int)h);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "pixel")) {
		rows = load(argv[2], &w, &h);
		x = strtoul(argv[3], NULL, 0);
		y = strtoul(argv[4], NULL, 0);
		if (!rows || x >= w || y >= h || !rows[y])
			return 1;
		printf("%02x%02x%02x\n", rows[y][3 * x], rows[y][3 * x + 1],
		       rows[y][3 * x + 2]);
		return 0;
	}
	fprintf(stderr, "usage: mdgpuctl-vm-helper hold UUID [--device-only] | size FILE | pixel FILE X Y\n");
	return 2;
}
