// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-bench: the framebuffer and register-trap costs of an mdgpu
 * instance, as ratios against baselines measured in the same run.
 *
 *  - BAR0 through a shared mapping: sequential write and read bandwidth
 *    against memcpy between two anonymous buffers, after first touch; and
 *    the first-touch cost per MiB (fault + lazy VRAM allocation) against
 *    first touch of anonymous memory.
 *  - Trapped register accesses (4-byte pread/pwrite of BAR2 at offsets
 *    from VFIO_DEVICE_GET_REGION_INFO): the ID and FENCE_LAST reads, the
 *    SCRATCH write and the RING_TAIL doorbell, against a 4-byte pread of
 *    /dev/zero and, if a UUID is given, against 4-byte reads and writes of
 *    the kernel's mtty sample (its BAR0 MCR register), measured the same way.
 *  - The engine, through libmdgpu: FILL and COPY throughput in VRAM against
 *    memset and memcpy of the same size by this (userspace) thread, and
 *    the latency from submitting a NOP and an interrupting FENCE to the
 *    interrupt (MSI eventfd) with the engine idle, against the trapped
 *    register read.
 *  - VRAM dirty tracking (while the device is in VFIO PRE_COPY, when it
 *    offers it): the first write to each page of BAR0 after a pre-copy
 *    round, and the first write after a read, against the same write to a
 *    page already mapped and to a page never touched, with tracking off.
 *
 * It prints a table and exits 0 whatever the figures: timings on shared,
 * emulated machines are noisy, so this is a report, not a test.
 *
 * usage: mdgpu-bench [--regs] MDGPU_UUID [MTTY_UUID]
 * (--regs: the register accesses only)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/libmdgpu.h"
#include "lib/mdgpu_vfio.h"
#include "uapi/mdgpu.h"

#define BW_BYTES	(32u << 20)
#define DIRTY_PAGES	4096u
#define BW_ROUNDS	5
#define LAT_ITERS	1000
#define LAT_ROUNDS	301
#define NOP_ITERS	200
#define ENG_RING_OFF	(60u << 20)
#define ENG_TIMEOUT	60000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Median seconds of one memcpy of BW_BYTES from @src to @dst. */
static double time_copy(void *dst, const void *src)
{
	double t[BW_ROUNDS];
	int i;

	for (i = 0; i < BW_ROUNDS; i++) {
		double t0 = now();

		memcpy(dst, src, BW_BYTES);
		t[i] = now() - t0;
	}
	return median(t, BW_ROUNDS);
}

/**
 * struct lat_target - one pread or pwrite latency to measure
 * @fd: file to access
 * @off: offset
 * @len: bytes per access
 * @write: pwrite of @val instead of pread
 * @val: the value written (little-endian, as a guest driver would)
 * @ns: result, median nanoseconds per access over the rounds
 * @round: nanoseconds per access in each round
 */
struct lat_target {
	int fd;
	off_t off;
	size_t len;
	bool write;
	uint32_t val;
	double ns;
	double round[LAT_ROUNDS];
};

#define LAT_MAX		10

/*
 * Nanoseconds per access of each target in each of LAT_ROUNDS short
 * rounds. The targets take turns within every round, starting with a
 * different one each time, so that the load of a shared, emulated machine
 * (which comes and goes over milliseconds) hits all of them alike; ratios
 * are then taken round by round (lat_ratio()).
 */
static int time_accesses(struct lat_target *t, int n)
{
	double r[LAT_ROUNDS];
	int i, j, k, m;

	if (n > LAT_MAX)
		return -1;
	for (i = 0; i < LAT_ROUNDS; i++) {
		for (m = 0; m < n; m++) {
			struct lat_target *x = &t[(i + m) % n];
			uint32_t buf = x->val;
			double t0 = now();

			for (j = 0; j < LAT_ITERS; j++) {
				ssize_t got = x->write ?
					pwrite(x->fd, &buf, x->len, x->off) :
					pread(x->fd, &buf, x->len, x->off);

				if (got != (ssize_t)x->len)
					return -1;
			}
			x->round[i] = (now() - t0) * 1e9 / LAT_ITERS;
		}
	}
	for (k = 0; k < n; k++) {
		memcpy(r, t[k].round, sizeof(r));
		t[k].ns = median(r, LAT_ROUNDS);
	}
	return 0;
}

/* Median over the rounds of @a's time divided by @b's in the same round. */
static double lat_ratio(const struct lat_target *a, const struct lat_target *b)
{
	double r[LAT_ROUNDS];
	int i;

	for (i = 0; i < LAT_ROUNDS; i++)
		r[i] = a->round[i] / b->round[i];
	return median(r, LAT_ROUNDS);
}

/*
 * The file offset of a region, as the VFIO library has it from
 * VFIO_DEVICE_GET_REGION_INFO; -1 if the region is missing or smaller than
 * @need bytes.
 */
static off_t region_at(int fd, unsigned int index, uint64_t need)
{
	struct mdgpu_region r;

	if (mdgpu_region_info(fd, index, &r) || !r.valid || r.size < need)
		return -1;
	return (off_t)r.offset;
}

/* mtty's UART: BAR0 offset 4 is MCR, a plain byte register. */
#define MTTY_MCR	4

/* The register accesses bench_regs() measures, in this order. */
enum {
	REG_ZERO,	/* 4-byte pread of /dev/zero: the floor */
	REG_ID,		/* 4-byte pread of BAR2 ID */
	REG_FENCE,	/* 4-byte pread of BAR2 FENCE_LAST (what a driver polls) */
	REG_CFG,	/* 4-byte pread of config space */
	REG_SCRATCH,	/* 4-byte pwrite of BAR2 SCRATCH */
	REG_DOORBELL,	/* 4-byte pwrite of BAR2 RING_TAIL, ring idle */
	REG_MTTY_RD,	/* 4-byte pread of mtty's MCR */
	REG_MTTY_WR,	/* 4-byte pwrite of mtty's MCR */
	REG_NR
};

/*
 * Trapped register accesses through the device files, both devices'
 * region offsets taken from VFIO_DEVICE_GET_REGION_INFO and every access
 * 4 bytes, aligned, as QEMU issues a guest's 32-bit MMIO. mtty's BAR0 is
 * given an address through its config space first, as a guest's does
 * through QEMU (mtty looks the BAR addresses up again while it has none).
 */
static int bench_regs(struct mdgpu_vfio *dev, const char *mtty_uuid,
		      struct lat_target *t, int *nt)
{
	off_t bar2 = region_at(dev->device, VFIO_PCI_BAR2_REGION_INDEX,
			       MDGPU_REG_CMDS_DONE + 4);
	off_t cfg = region_at(dev->device, VFIO_PCI_CONFIG_REGION_INDEX, 4);
	struct mdgpu_vfio mtty;
	int zero, n = 0, ret;

	zero = open("/dev/zero", O_RDONLY);
	if (zero < 0 || bar2 < 0 || cfg < 0) {
		fprintf(stderr, "mdgpu regions or /dev/zero unusable\n");
		return -1;
	}
	/* In the order of the REG_* names. */
	t[n++] = (struct lat_target){ .fd = zero, .len = 4 };
	t[n++] = (struct lat_target){ .fd = dev->device, .len = 4,
				      .off = bar2 + MDGPU_REG_ID };
	t[n++] = (struct lat_target){ .fd = dev->device, .len = 4,
				      .off = bar2 + MDGPU_REG_FENCE_LAST };
	t[n++] = (struct lat_target){ .fd = dev->device, .len = 4, .off = cfg };
	t[n++] = (struct lat_target){ .fd = dev->device, .len = 4, .write = true,
				      .off = bar2 + MDGPU_REG_SCRATCH,
				      .val = 0x5a5a5a5a };
	t[n++] = (struct lat_target){ .fd = dev->device, .len = 4, .write = true,
				      .off = bar2 + MDGPU_REG_RING_TAIL };
	if (mtty_uuid) {
		off_t mcfg, mbar;
		uint32_t bar = 0xc000;

		if (mdgpu_vfio_open_group(mtty_uuid, &mtty) < 0) {
			perror(mtty_uuid);
			return -1;
		}
		mcfg = region_at(mtty.device, VFIO_PCI_CONFIG_REGION_INDEX,
				 PCI_BASE_ADDRESS_0 + 4);
		mbar = region_at(mtty.device, VFIO_PCI_BAR0_REGION_INDEX,
				 MTTY_MCR + 4);
		if (mcfg < 0 || mbar < 0 ||
		    pwrite(mtty.device, &bar, 4, mcfg + PCI_BASE_ADDRESS_0) != 4) {
			fprintf(stderr, "mtty regions unusable\n");
			return -1;
		}
		t[n++] = (struct lat_target){ .fd = mtty.device, .len = 4,
					      .off = mbar + MTTY_MCR };
		t[n++] = (struct lat_target){ .fd = mtty.device, .len = 4,
					      .write = true,
					      .off = mbar + MTTY_MCR };
	}
	ret = time_accesses(t, n);
	if (ret)
		perror("pread/pwrite");
	if (mtty_uuid)
		mdgpu_vfio_close(&mtty);
	close(zero);
	*nt = n;
	return ret;
}

static void print_lat(const char *what, const struct lat_target *t,
		      const struct lat_target *base)
{
	printf("%-44s %10.0f ns %9.2fx\n", what, t->ns, lat_ratio(t, base));
}

static void print_regs(const struct lat_target *t, int n)
{
	const struct lat_target *z = &t[REG_ZERO];

	printf("%-44s %10.0f ns %10s\n", "4-byte pread of /dev/zero (floor)",
	       z->ns, "1.00");
	print_lat("4-byte pread of BAR2 ID", &t[REG_ID], z);
	print_lat("4-byte pread of BAR2 FENCE_LAST", &t[REG_FENCE], z);
	print_lat("4-byte pread of config space", &t[REG_CFG], z);
	print_lat("4-byte pwrite of BAR2 SCRATCH", &t[REG_SCRATCH], z);
	print_lat("4-byte pwrite of RING_TAIL (doorbell)", &t[REG_DOORBELL], z);
	if (n < REG_NR)
		return;
	print_lat("4-byte pread of mtty MCR", &t[REG_MTTY_RD], z);
	print_lat("4-byte pwrite of mtty MCR", &t[REG_MTTY_WR], z);
	printf("%-44s %21.2fx\n", "BAR2 ID read vs mtty read",
	       lat_ratio(&t[REG_ID], &t[REG_MTTY_RD]));
	printf("%-44s %21.2fx\n", "BAR2 FENCE_LAST read vs mtty read",
	       lat_ratio(&t[REG_FENCE], &t[REG_MTTY_RD]));
	printf("%-44s %21.2fx\n", "BAR2 SCRATCH write vs mtty write",
	       lat_ratio(&t[REG_SCRATCH], &t[REG_MTTY_WR]));
	printf("%-44s %21.2fx\n", "BAR2 doorbell write vs mtty write",
	       lat_ratio(&t[REG_DOORBELL], &t[REG_MTTY_WR]));
}

static void *anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/**
 * struct dirty_figures - what bench_dirty() measured, ns per page
 * @untracked_first: first write, page never touched, tracking off
 * @untracked_mapped: write to a page already mapped, tracking off
 * @round: first write after the pre-copy round that took the page
 * @after_read: first write after a round, the page read first
 */
struct dirty_figures {
	double untracked_first, untracked_mapped, round, after_read;
};

/* Read the pre-copy stream until it has nothing more for now. */
static int mig_drain(int data_fd, char *buf, size_t len)
{
	ssize_t n;

	while ((n = read(data_fd, buf, len)) > 0)
		;
	return n < 0 && errno == ENOMSG ? 0 : -1;
}

/* Nanoseconds per page to write one word to each of DIRTY_PAGES pages. */
static double time_page_writes(volatile char *p, bool read_first)
{
	unsigned int i;
	double t0;

	if (read_first)
		for (i = 0; i < DIRTY_PAGES; i++)
			(void)p[(size_t)i * 4096];
	t0 = now();
	for (i = 0; i < DIRTY_PAGES; i++)
		*(volatile uint32_t *)(p + (size_t)i * 4096) = i;
	return (now() - t0) * 1e9 / DIRTY_PAGES;
}

/*
 * The cost of dirty tracking on the write path. Return: 1 if the device
 * has no PRE_COPY or sends no VRAM in it (nothing measured), 0, or -1 on
 * error.
 */
static int bench_dirty(struct mdgpu_vfio *dev, struct dirty_figures *f)
{
	const size_t len = (size_t)DIRTY_PAGES * 4096;
	struct vfio_precopy_info info;
	int data_fd, ret = -1;
	char *bar, *buf;
	uint64_t flags;

	if (mdgpu_mig_flags(dev->device, &flags) ||
	    !(flags & VFIO_MIGRATION_PRE_COPY))
		return 1;
	bar = mdgpu_map_vram(dev->device, 2 * len);
	buf = malloc(1u << 20);
	if (!bar || !buf)
		goto out;
	f->untracked_first = time_page_writes(bar + len, false);
	f->untracked_mapped = time_page_writes(bar + len, false);
	if (mdgpu_mig_set_state(dev->device, VFIO_DEVICE_STATE_PRE_COPY,
				&data_fd))
		goto out;
	/* A device that sends VRAM only at STOP_COPY tracks nothing. */
	if (mdgpu_mig_precopy_info(data_fd, &info))
		goto out_fd;
	if (info.initial_bytes < len) {
		ret = 1;
		goto out_fd;
	}
	/* Drained: a round took every page and unmapped it. */
	if (mig_drain(data_fd, buf, 1u << 20))
		goto out_fd;
	f->round = time_page_writes(bar, false);
	if (mig_drain(data_fd, buf, 1u << 20))
		goto out_fd;
	f->after_read = time_page_writes(bar, true);
	ret = 0;
out_fd:
	close(data_fd);
	if (mdgpu_mig_set_state(dev->device, VFIO_DEVICE_STATE_RUNNING, NULL))
		ret = -1;
out:
	free(buf);
	if (bar)
		munmap(bar, 2 * len);
	return ret;
}

/**
 * struct engine_figures - what bench_engine() measured
 * @fill: median seconds of a FILL of BW_BYTES
 * @memset: median seconds of a memset of BW_BYTES
 * @copy: median seconds of a COPY of BW_BYTES / 2
 * @memcpy: median seconds of a memcpy of BW_BYTES / 2
 * @nop_ns: median ns from submitting NOP + FENCE(IRQ) to the interrupt
 */
struct engine_figures {
	double fill, memset, copy, memcpy, nop_ns;
};

/* Submit @dw and an interrupting fence; wait for it. Seconds, or -1. */
static double engine_run(struct mdgpu *g, const uint32_t *dw,
			 unsigned int ndw)
{
	double t0 = now();
	int64_t seq;

	if (mdgpu_ring_write(g, dw, ndw, ENG_TIMEOUT))
		return -1;
	seq = mdgpu_fence(g, MDGPU_FENCE_IRQ, 0);
	if (seq < 0 || mdgpu_wait_fence(g, seq, ENG_TIMEOUT))
		return -1;
	return now() - t0;
}

static int bench_engine(const char *uuid, struct engine_figures *f)
{
	const uint32_t half = BW_BYTES / 2;
	double t[BW_ROUNDS], n[NOP_ITERS];
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu g;
	char *a, *b;
	int i, ret;

	ret = mdgpu_attach(&g, uuid, MDGPU_OPEN_GROUP);
	ret = ret ?: mdgpu_irq_setup(&g, MDGPU_IRQ_MSI);
	ret = ret ?: mdgpu_ring_init(&g, ENG_RING_OFF, 0x10000);
	a = anon(BW_BYTES);
	b = anon(BW_BYTES);
	if (ret || !a || !b) {
		fprintf(stderr, "engine setup: %s\n", strerror(ret ? -ret : ENOMEM));
		mdgpu_detach(&g);
		return -1;
	}
	memset(a, 1, BW_BYTES);
	memset(b, 1, BW_BYTES);

	for (i = 0; i < BW_ROUNDS; i++) {
		mdgpu_cmd_fill(dw, 0, BW_BYTES, 1, 0, 0x5a5a0000 + i);
		t[i] = engine_run(&g, dw, MDGPU_FILL_NDW);
		if (t[i] < 0)
			goto fail;
	}
	f->fill = median(t, BW_ROUNDS);
	if (g.vram[BW_BYTES - 1] != 0x5a || g.vram[1000] != BW_ROUNDS - 1)
		goto fail;
	for (i = 0; i < BW_ROUNDS; i++) {
		double t0 = now();

		memset(a, i, BW_BYTES);
		t[i] = now() - t0;
	}
	f->memset = median(t, BW_ROUNDS);

	for (i = 0; i < BW_ROUNDS; i++) {
		mdgpu_cmd_copy(dw, (i & 1) ? half : 0, (i & 1) ? 0 : half,
			       half, 1, 0, 0);
		t[i] = engine_run(&g, dw, MDGPU_COPY_NDW);
		if (t[i] < 0)
			goto fail;
	}
	f->copy = median(t, BW_ROUNDS);
	for (i = 0; i < BW_ROUNDS; i++) {
		double t0 = now();

		memcpy((i & 1) ? a : b, (i & 1) ? b : a, half);
		t[i] = now() - t0;
	}
	f->memcpy = median(t, BW_ROUNDS);

	for (i = 0; i < NOP_ITERS; i++) {
		mdgpu_cmd_nop(dw, 1);
		n[i] = engine_run(&g, dw, 1) * 1e9;
		if (n[i] < 0)
			goto fail;
	}
	f->nop_ns = median(n, NOP_ITERS);
	mdgpu_detach(&g);
	return 0;

fail:
	fprintf(stderr, "engine: a command failed (ERR_CODE %u)\n",
		mdgpu_rd(&g, MDGPU_REG_ERR_CODE));
	mdgpu_detach(&g);
	return -1;
}

int main(int argc, char **argv)
{
	double base, wr, rd, touch_anon, touch_bar, t0;
	struct engine_figures eng;
	struct dirty_figures dirty = { 0 };
	static struct lat_target regs[LAT_MAX];
	int nregs;
	bool regs_only = false;
	int ret;
	struct mdgpu_vfio dev;
	char *a, *b, *fresh, *bar;

	if (argc > 1 && !strcmp(argv[1], "--regs")) {
		regs_only = true;
		argc--;
		argv++;
	}
	if (argc != 2 && argc != 3) {
		fprintf(stderr,
			"usage: mdgpu-bench [--regs] MDGPU_UUID [MTTY_UUID]\n");
		return 2;
	}
	if (mdgpu_vfio_open_group(argv[1], &dev) < 0) {
		perror(argv[1]);
		return 1;
	}
	printf("%-44s %12s %10s\n", "measurement", "value", "ratio");
	if (regs_only) {
		if (bench_regs(&dev, argc == 3 ? argv[2] : NULL, regs, &nregs))
			return 1;
		print_regs(regs, nregs);
		mdgpu_vfio_close(&dev);
		return 0;
	}
	a = anon(BW_BYTES);
	b = anon(BW_BYTES);
	fresh = anon(BW_BYTES);
	bar = mdgpu_map_vram(dev.device, BW_BYTES);
	if (!a || !b || !fresh || !bar) {
		perror("mmap");
		return 1;
	}
	memset(a, 0x5a, BW_BYTES);

	/* First touch: anonymous memory vs BAR0 (fault + VRAM allocation). */
	t0 = now();
	memcpy(fresh, a, BW_BYTES);
	touch_anon = now() - t0;
	t0 = now();
	memcpy(bar, a, BW_BYTES);
	touch_bar = now() - t0;
	memset(b, 0, BW_BYTES);

	base = time_copy(b, a);
	wr = time_copy(bar, a);
	rd = time_copy(b, bar);
	if (memcmp(b, a, BW_BYTES)) {
		fprintf(stderr, "BAR0 read back differs from what was written\n");
		return 1;
	}
	if (bench_regs(&dev, argc == 3 ? argv[2] : NULL, regs, &nregs))
		return 1;

	printf("%-44s %9.0f MB/s %10s\n", "memcpy anon -> anon (baseline)",
	       BW_BYTES / base / 1e6, "1.00");
	printf("%-44s %9.0f MB/s %9.2fx\n", "BAR0 mmap sequential write",
	       BW_BYTES / wr / 1e6, base / wr);
	printf("%-44s %9.0f MB/s %9.2fx\n", "BAR0 mmap sequential read",
	       BW_BYTES / rd / 1e6, base / rd);
	printf("%-44s %9.2f ms/MiB %9s\n", "first touch, anonymous memory",
	       touch_anon * 1e3 / (BW_BYTES >> 20), "1.00");
	printf("%-44s %9.2f ms/MiB %9.2fx\n", "first touch, BAR0 (fault + VRAM alloc)",
	       touch_bar * 1e3 / (BW_BYTES >> 20), touch_bar / touch_anon);
	print_regs(regs, nregs);
	munmap(bar, BW_BYTES);
	ret = bench_dirty(&dev, &dirty);
	if (ret < 0) {
		perror("dirty tracking (PRE_COPY)");
		return 1;
	}
	if (ret) {
		printf("%-44s %21s\n",
		       "dirty tracking: no VRAM in PRE_COPY, not measured", "");
	} else {
		printf("%-44s %10.0f ns %10s\n",
		       "page write, mapped, tracking off", dirty.untracked_mapped,
		       "");
		printf("%-44s %10.0f ns %10s\n",
		       "first page write, tracking off (baseline)",
		       dirty.untracked_first, "1.00");
		printf("%-44s %10.0f ns %9.2fx\n",
		       "first page write after a pre-copy round", dirty.round,
		       dirty.round / dirty.untracked_first);
		printf("%-44s %10.0f ns %9.2fx\n",
		       "  ... the page read first (pfn_mkwrite)",
		       dirty.after_read, dirty.after_read / dirty.untracked_first);
	}
	mdgpu_vfio_close(&dev);

	if (bench_engine(argv[1], &eng))
		return 1;
	printf("%-44s %9.0f MB/s %10s\n", "memset by a user thread (baseline)",
	       BW_BYTES / eng.memset / 1e6, "1.00");
	printf("%-44s %9.0f MB/s %9.2fx\n", "engine FILL, 32 MiB, submit to fence",
	       BW_BYTES / eng.fill / 1e6, eng.memset / eng.fill);
	printf("%-44s %9.0f MB/s %10s\n", "memcpy by a user thread (baseline)",
	       BW_BYTES / 2 / eng.memcpy / 1e6, "1.00");
	printf("%-44s %9.0f MB/s %9.2fx\n", "engine COPY, 16 MiB, submit to fence",
	       BW_BYTES / 2 / eng.copy / 1e6, eng.memcpy / eng.copy);
	printf("%-44s %10.0f ns %9.2fx\n", "NOP + FENCE submit to MSI, engine idle",
	       eng.nop_ns, eng.nop_ns / regs[REG_ID].ns);
	printf("%-44s %21s\n", "  (ratio against the BAR2 ID read)", "");
	return 0;
}
