// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-draw: draw a picture into an mdgpu instance's framebuffer with its
 * engine, as a guest driver would, check every pixel, and save the
 * scanout the host sees (the primary plane, as a dma-buf or a region plane)
 * as a PNG.
 *
 * The picture is made only of engine commands submitted through libmdgpu:
 * FILLs for the background and colour bars (2D rectangles with a stride),
 * a DMA of a gradient tile from guest memory into VRAM, COPYs (blits) of
 * that tile across the screen, a COMPUTE to stand for real work, and an
 * interrupting FENCE to wait for. Several copies can run at once on
 * different instances: each picture depends on INDEX.
 *
 * usage: mdgpu-draw UUID INDEX OUT.png
 */
#include <errno.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/libmdgpu.h"
#include "lib/mdgpu_png.h"

#define W		640
#define H		480
#define STRIDE		(W * 4)
#define FB_SIZE		(STRIDE * H)
#define TILE		64
#define STAGE		(8u << 20)	/* tile staging area in VRAM */
#define RING		(16u << 20)
#define TIMEOUT_MS	60000

static int fail(const char *what, int err)
{
	fprintf(stderr, "mdgpu-draw: %s: %s\n", what, strerror(err));
	return 1;
}

static const uint32_t palette[][3] = {
	{ 0x202040, 0xff4040, 0x40ff40 },
	{ 0x204020, 0xffff40, 0x40ffff },
	{ 0x402020, 0xff40ff, 0x4040ff },
	{ 0x303030, 0xffffff, 0xff8000 },
};

static uint32_t tile_px(unsigned int x, unsigned int y, unsigned int idx)
{
	return (x * 4) << 16 | (y * 4) << 8 | (idx * 60 + 40);
}

/* The expected pixel at (x, y): the same picture computed on the CPU. */
static uint32_t want_px(unsigned int x, unsigned int y, unsigned int idx)
{
	const uint32_t *p = palette[idx % 4];
	unsigned int bar = W / 8;

	if (y >= 300 && y < 300 + TILE && x >= 32 && (x - 32) % 96 < TILE &&
	    x < 32 + 6 * 96)
		return tile_px((x - 32) % 96, y - 300, idx);
	if (y >= 40 && y < 240 && x >= 40 && x < W - 40)
		return (x / bar) & 1 ? p[1] : p[2];
	return p[0];
}

/* Save the primary plane as the host sees it (dma-buf or region plane). */
static int save_scanout(struct mdgpu *g, const char *path)
{
	struct mdgpu_scanout shot;
	int ret;

	if (mdgpu_scanout_map(g->v.device, &shot))
		return -errno;
	ret = mdgpu_png_save(path, shot.pix, shot.plane.drm_format,
			     shot.plane.width, shot.plane.height,
			     shot.plane.stride);
	mdgpu_scanout_unmap(&shot);
	return ret ? -EIO : 0;
}

int main(int argc, char **argv)
{
	const uint32_t *p;
	uint32_t dw[MDGPU_CMD_MAX_NDW], *tile;
	unsigned int idx, x, y, bad = 0, cmds = 0;
	struct mdgpu_dma buf;
	struct timespec t0, t1;
	struct mdgpu g;
	uint64_t e0, e1;
	int64_t seq;
	int ret, i;

	if (argc != 4) {
		fprintf(stderr, "usage: mdgpu-draw UUID INDEX OUT.png\n");
		return 2;
	}
	idx = strtoul(argv[2], NULL, 0);
	p = palette[idx % 4];
	ret = mdgpu_attach(&g, argv[1], MDGPU_OPEN_GROUP);
	ret = ret ?: mdgpu_irq_setup(&g, idx & 1 ? MDGPU_IRQ_INTX :
						  MDGPU_IRQ_MSI);
	ret = ret ?: mdgpu_ring_init(&g, RING, 0x4000);
	ret = ret ?: mdgpu_set_mode(g.v.device, W, H, 32);
	ret = ret ?: mdgpu_dma_alloc(&g, TILE * TILE * 4, &buf);
	if (ret)
		return fail(argv[1], -ret);
	tile = buf.va;
	for (y = 0; y < TILE; y++)
		for (x = 0; x < TILE; x++)
			tile[y * TILE + x] = tile_px(x, y, idx);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	e0 = mdgpu_timestamp(&g);
	/* background, then eight bars as 2D FILLs with the screen's stride */
	mdgpu_cmd_fill(dw, 0, FB_SIZE, 1, 0, p[0]);
	ret = mdgpu_submit(&g, dw, MDGPU_FILL_NDW, TIMEOUT_MS);
	for (i = 0; i < 8 && !ret; i++) {
		unsigned int x0 = i * W / 8, x1 = (i + 1) * W / 8;

		x0 = x0 < 40 ? 40 : x0;
		x1 = x1 > W - 40 ? W - 40 : x1;
		mdgpu_cmd_fill(dw, 40 * STRIDE + x0 * 4, (x1 - x0) * 4, 200,
			       STRIDE, i & 1 ? p[1] : p[2]);
		ret = mdgpu_submit(&g, dw, MDGPU_FILL_NDW, TIMEOUT_MS);
		cmds++;
	}
	/* the tile: DMA from guest memory, then blits onto the screen */
	mdgpu_cmd_dma(dw, buf.iova, STAGE, TILE * TILE * 4, false);
	ret = ret ?: mdgpu_submit(&g, dw, MDGPU_DMA_NDW, TIMEOUT_MS);
	for (i = 0; i < 6 && !ret; i++) {
		mdgpu_cmd_copy(dw, STAGE, 300 * STRIDE + (32 + i * 96) * 4,
			       TILE * 4, TILE, TILE * 4, STRIDE);
		ret = mdgpu_submit(&g, dw, MDGPU_COPY_NDW, TIMEOUT_MS);
		cmds++;
	}
	mdgpu_cmd_compute(dw, 2000);
	ret = ret ?: mdgpu_submit(&g, dw, MDGPU_COMPUTE_NDW, TIMEOUT_MS);
	seq = ret ? ret : mdgpu_fence(&g, MDGPU_FENCE_IRQ, 0);
	cmds += 4;
	ret = seq < 0 ? (int)seq : mdgpu_wait_fence(&g, seq, TIMEOUT_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e1 = mdgpu_timestamp(&g);
	if (ret) {
		struct mdgpu_error e;

		mdgpu_error(&g, &e);
		fprintf(stderr, "mdgpu-draw: engine: %s, ERR_CODE %u (%s) at 0x%x\n",
			strerror(-ret), e.code, mdgpu_err_name(e.code), e.head);
		return 1;
	}

	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			bad += ((volatile uint32_t *)g.vram)[y * W + x] !=
			       want_px(x, y, idx);
	printf("vGPU %u (%s, %s): %u commands, fence %lld after %.1f ms (engine clock %.1f ms), %u interrupt(s), %u of %u pixels wrong\n",
	       idx, argv[1], idx & 1 ? "INTx" : "MSI", cmds, (long long)seq,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
	       (e1 - e0) / 1e6, (unsigned int)g.irqs, bad, W * H);
	ret = save_scanout(&g, argv[3]);
	if (ret)
		return fail("saving the scanout", -ret);
	printf("vGPU %u: scanout saved to %s\n", idx, argv[3]);
	mdgpu_dma_free(&g, &buf);
	mdgpu_detach(&g);
	return bad ? 1 : 0;
}
