/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A random mix of every command on one vGPU, checked against a model: the
 * workload of engine_cmds' long-ring and several-vGPU tests, and of
 * engine_errors' neighbour. Plain C without harness asserts, so it can run
 * in threads: it reports what went wrong in a string.
 */
#ifndef MDGPU_ENGINE_MIX_H
#define MDGPU_ENGINE_MIX_H

#include <stdarg.h>

#include "engine_common.h"

#define MIX_AREA	(256u << 10)	/* VRAM work area the mix writes */
#define MIX_HOST	(64u << 10)	/* its DMA buffer */
#define MIX_TS_SLOTS	32

/**
 * struct mix_result - outcome of run_mix()
 * @ret: 0 if everything matched
 * @cmds: commands submitted (the final fence included)
 * @bytes: ring bytes submitted
 * @fences: FENCE commands among them
 * @msg: what went wrong
 */
struct mix_result {
	int ret;
	uint64_t cmds;
	uint64_t bytes;
	unsigned int fences;
	char msg[256];
};

static inline int mix_fail(struct mix_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->ret = -1;
	return -1;
}

static inline void model_fill(uint8_t *m, uint64_t dst, uint32_t w, uint32_t h,
			      uint32_t stride, uint32_t v)
{
	uint32_t y, x;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x += 4)
			memcpy(m + dst + (uint64_t)y * stride + x, &v, 4);
}

static inline void model_copy(const uint8_t *s, uint8_t *d, uint32_t w,
			      uint32_t h, uint32_t ss, uint32_t ds)
{
	uint32_t y;

	for (y = 0; y < h; y++)
		memmove(d + (uint64_t)y * ds, s + (uint64_t)y * ss, w);
}

/* Extent in bytes of a rectangle. */
static inline uint64_t rect_ext(uint32_t w, uint32_t h, uint32_t stride)
{
	return (uint64_t)stride * (h - 1) + w;
}

/*
 * Submit @ncmds random commands to @g's ring (at @area in VRAM), with a
 * COMPUTE of @compute_us every now and then if non-zero, wait for all of
 * them and compare VRAM, the DMA buffer and the fence slot with the model.
 */
static inline int run_mix(struct mdgpu *g, uint64_t area, uint32_t seed,
			  unsigned int ncmds, uint32_t compute_us,
			  struct mix_result *r)
{
	uint8_t *vm = NULL, *hm = NULL, *got = NULL;
	uint32_t dw[MDGPU_CMD_MAX_NDW + 8];
	struct mdgpu_dma buf = { 0 };
	struct mdgpu_error e;
	unsigned int i, n;
	int ret;
	long d;

	memset(r, 0, sizeof(*r));
	vm = malloc(MIX_AREA);
	hm = malloc(MIX_HOST);
	got = malloc(MIX_AREA);
	if (!vm || !hm || !got) {
		mix_fail(r, "out of memory");
		goto out;
	}
	ret = mdgpu_dma_alloc(g, MIX_HOST, &buf);
	if (ret) {
		mix_fail(r, "mdgpu_dma_alloc: %d", ret);
		goto out;
	}
	eng_random_bytes(vm, MIX_AREA, seed);
	eng_random_bytes(hm, MIX_HOST, seed ^ 0x5555);
	eng_vram_write(g, area, vm, MIX_AREA);
	memcpy(buf.va, hm, MIX_HOST);

	for (i = 0; i < ncmds; i++) {
		uint32_t op = eng_rand(&seed) % 16;
		uint32_t w, h, ss, ds, len, v;
		uint64_t src, dst, io;

		if (compute_us && op == 15) {
			n = mdgpu_cmd_compute(dw, compute_us);
		} else if (op < 2) {
			n = mdgpu_cmd_nop(dw, 1 + eng_rand(&seed) % 8);
		} else if (op < 6) {
			w = 4 * (1 + eng_rand(&seed) % 64);
			h = 1 + eng_rand(&seed) % 16;
			ss = w + 4 * (eng_rand(&seed) % 16);
			v = eng_rand(&seed);
			dst = 4 * (eng_rand(&seed) %
				   ((MIX_AREA - rect_ext(w, h, ss)) / 4));
			model_fill(vm, dst, w, h, ss, v);
			n = mdgpu_cmd_fill(dw, area + dst, w, h, ss, v);
		} else if (op < 10) {
			uint64_t es, ed, half = MIX_AREA / 2;

			w = 1 + eng_rand(&seed) % 300;
			h = 1 + eng_rand(&seed) % 8;
			ss = w + eng_rand(&seed) % 64;
			ds = w + eng_rand(&seed) % 64;
			es = rect_ext(w, h, ss);
			ed = rect_ext(w, h, ds);
			src = eng_rand(&seed) % (half - es);
			dst = half + eng_rand(&seed) % (half - ed);
			if (eng_rand(&seed) & 1) {
				/* the other way round */
				src = half + eng_rand(&seed) % (half - es);
				dst = eng_rand(&seed) % (half - ed);
			}
			model_copy(vm + src, vm + dst, w, h, ss, ds);
			n = mdgpu_cmd_copy(dw, area + src, area + dst, w, h,
					   ss, ds);
		} else if (op < 13) {
			bool to_guest = op == 12 || (eng_rand(&seed) & 1);

			len = 1 + eng_rand(&seed) % 4096;
			io = eng_rand(&seed) % (MIX_HOST - len);
			dst = eng_rand(&seed) % (MIX_AREA - len);
			if (to_guest)
				memcpy(hm + io, vm + dst, len);
			else
				memcpy(vm + dst, hm + io, len);
			n = mdgpu_cmd_dma(dw, buf.iova + io, area + dst, len,
					  to_guest);
		} else if (op < 14) {
			n = mdgpu_cmd_timestamp(dw, ENG_SLOTS + 64 + 8 *
						(eng_rand(&seed) % MIX_TS_SLOTS));
		} else {
			n = mdgpu_cmd_fence(dw, ++g->seq, MDGPU_FENCE_WRITE,
					    ENG_SLOTS);
			r->fences++;
		}
		ret = mdgpu_ring_write(g, dw, n, ENG_TIMEOUT_MS);
		if (ret) {
			mdgpu_error(g, &e);
			mix_fail(r, "command %u: ring write %d, ERR_CODE %u (%s) head 0x%x header 0x%08x",
				 i, ret, e.code, mdgpu_err_name(e.code), e.head,
				 e.header);
			goto out;
		}
		r->cmds++;
		r->bytes += 4 * n;
		if (i % 8 == 7)
			mdgpu_kick(g);
	}
	ret = mdgpu_wait_idle(g, ENG_TIMEOUT_MS * 3);
	r->cmds++;
	r->fences++;
	r->bytes += 4 * MDGPU_FENCE_NDW;
	if (ret) {
		mdgpu_error(g, &e);
		mix_fail(r, "wait: %d, FENCE_LAST %u of %u, ERR_CODE %u (%s) head 0x%x header 0x%08x",
			 ret, mdgpu_rd(g, MDGPU_REG_FENCE_LAST), g->seq,
			 e.code, mdgpu_err_name(e.code), e.head, e.header);
		goto out;
	}
	eng_vram_read(g, area, got, MIX_AREA);
	d = eng_first_diff(vm, got, MIX_AREA);
	if (d >= 0) {
		mix_fail(r, "VRAM differs from the model at 0x%lx: 0x%02x, want 0x%02x",
			 d, got[d], vm[d]);
		goto out;
	}
	d = eng_first_diff(hm, buf.va, MIX_HOST);
	if (d >= 0) {
		mix_fail(r, "DMA buffer differs from the model at 0x%lx: 0x%02x, want 0x%02x",
			 d, ((uint8_t *)buf.va)[d], hm[d]);
		goto out;
	}
	if (r->fences > 1 &&
	    *(volatile uint32_t *)(g->vram + ENG_SLOTS) != g->seq - 1) {
		mix_fail(r, "fence slot %u, want %u",
			 *(volatile uint32_t *)(g->vram + ENG_SLOTS),
			 g->seq - 1);
		goto out;
	}
out:
	mdgpu_dma_free(g, &buf);
	free(vm);
	free(hm);
	free(got);
	return r->ret;
}

#endif /* MDGPU_ENGINE_MIX_H */
