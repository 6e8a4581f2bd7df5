// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-fbdemo: drive an mdgpu instance's display as a guest driver would,
 * then look at it as the host does.
 *
 * It draws a test picture into BAR0 through a mapping, programs a mode
 * through the Bochs VBE registers in BAR2, asks VFIO for the primary plane
 * (VFIO_DEVICE_QUERY_GFX_PLANE) as QEMU does: as a dma-buf
 * (VFIO_DEVICE_GET_GFX_DMABUF) if the instance offers them, else as a
 * region plane; maps it and saves it as a PNG.
 *
 * usage: mdgpu-fbdemo UUID OUT.png [WIDTH HEIGHT]
 */
#include <errno.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/mdgpu_png.h"
#include "lib/mdgpu_vfio.h"
#include "uapi/mdgpu.h"

static int fail(const char *what)
{
	fprintf(stderr, "mdgpu-fbdemo: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Colour bars over a gradient, with a white frame. */
static void draw(uint32_t *fb, unsigned int w, unsigned int h)
{
	static const uint32_t bars[] = { 0xffffff, 0xffff00, 0x00ffff,
					 0x00ff00, 0xff00ff, 0xff0000,
					 0x0000ff, 0x000000 };
	unsigned int x, y;

	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			uint32_t c;

			if (y < h * 2 / 3)
				c = bars[x * 8 / w];
			else
				c = (x * 255 / w) << 16 | (y * 255 / h) << 8 |
				    0x80;
			if (x < 4 || y < 4 || x >= w - 4 || y >= h - 4)
				c = 0xffffff;
			fb[y * w + x] = c;
		}
	}
}

int main(int argc, char **argv)
{
	const struct vfio_device_gfx_plane_info *plane;
	unsigned int w = 640, h = 480;
	struct mdgpu_scanout shot;
	struct mdgpu_vfio dev;
	uint32_t *fb;

	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: mdgpu-fbdemo UUID OUT.png [WIDTH HEIGHT]\n");
		return 2;
	}
	if (argc == 5) {
		w = strtoul(argv[3], NULL, 0);
		h = strtoul(argv[4], NULL, 0);
	}
	if (mdgpu_vfio_open_group(argv[1], &dev) < 0)
		return fail(argv[1]);
	fb = mdgpu_map_vram(dev.device, (size_t)w * h * 4);
	if (!fb)
		return fail("mmap BAR0");
	draw(fb, w, h);
	if (mdgpu_set_mode(dev.device, w, h, 32))
		return fail("mode set");
	printf("mode %ux%u, 32 bpp set through the Bochs VBE registers\n", w, h);

	if (mdgpu_scanout_map(dev.device, &shot))
		return fail("VFIO_DEVICE_QUERY_GFX_PLANE");
	plane = &shot.plane;
	printf("gfx plane (%s): format %.4s %ux%u stride %u size %u dmabuf_id %u\n",
	       shot.dmabuf ? "dma-buf" : "region", (char *)&plane->drm_format,
	       plane->width, plane->height, plane->stride, plane->size,
	       shot.dmabuf ? plane->dmabuf_id : 0);
	if (mdgpu_png_save(argv[2], shot.pix, plane->drm_format, plane->width,
			   plane->height, plane->stride))
		return fail(argv[2]);
	printf("saved the scanout, read through the %s, to %s\n",
	       shot.dmabuf ? "dma-buf" : "BAR0 region", argv[2]);
	mdgpu_scanout_unmap(&shot);
	munmap(fb, (size_t)w * h * 4);
	mdgpu_vfio_close(&dev);
	return 0;
}
