// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-migbench - what moving a vGPU costs, through the VFIO migration
 * uAPI, in one run (part of `make bench`):
 *
 *  - STOP_COPY of a 64 MiB vGPU with 10 % and 100 % of its VRAM written:
 *    the time from RUNNING to the end of the stream read into memory, and
 *    the stream's size, against a memcpy of the same bytes of anonymous
 *    memory;
 *  - resuming that stream on a second instance: RESUMING, the writes, and
 *    RESUMING -> STOP (checksum and device state), against the same memcpy;
 *  - the stream of an instance that has written nothing;
 *  - pre-copy (kernels from 6.2) of a vGPU with all 64 MiB written while a
 *    thread writes one page every millisecond through the BAR0 mapping:
 *    the bytes each pass of reads sends (up to ENOMSG or 16 MiB) and what
 *    the pre-copy information says is left, then the size and time of the
 *    STOP_COPY that ends it.
 *
 * usage: mdgpu-migbench UUID_A UUID_B   (two idle 64M instances)
 *
 * It prints a table and exits 0 whatever the figures: timings on shared,
 * emulated machines are noisy, so this is a report, not a test. It exits
 * non-zero only if migrating fails or the copy differs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "lib/mdgpu_vfio.h"
#include "uapi/mdgpu.h"
#include "uapi/mdgpu_migration.h"

#define VRAM		(64u << 20)
#define ROUNDS		3
#define PASSES		8
#define PASS_MAX	(16u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* tools/lib's state change, with the failure printed. */
static int set_state(int fd, uint32_t state, int *data_fd)
{
	if (mdgpu_mig_set_state(fd, state, data_fd)) {
		fprintf(stderr, "mdgpu-migbench: state %u: %s\n", state,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Save @dev into @buf (of @cap bytes). Return: bytes, or -1. */
static ssize_t save(struct mdgpu_vfio *dev, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int data;

	if (set_state(dev->device, VFIO_DEVICE_STATE_STOP_COPY, &data))
		return -1;
	while ((n = read(data, buf + len, cap - len > (1 << 20) ?
			 1 << 20 : cap - len)) > 0)
		len += n;
	close(data);
	if (n < 0 || set_state(dev->device, VFIO_DEVICE_STATE_RUNNING, NULL))
		return -1;
	return len;
}

static int restore(struct mdgpu_vfio *dev, const char *buf, size_t len)
{
	size_t off, n;
	int data;

	if (set_state(dev->device, VFIO_DEVICE_STATE_RESUMING, &data))
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off > (1 << 20) ? 1 << 20 : len - off;
		if (write(data, buf + off, n) != (ssize_t)n) {
			close(data);
			return -1;
		}
	}
	close(data);
	return set_state(dev->device, VFIO_DEVICE_STATE_RUNNING, NULL);
}

/* Fill the first @pct % of @dev's VRAM, spread over it, through pwrite. */
static int fill(struct mdgpu_vfio *dev, unsigned int pct, char *page)
{
	unsigned int i, pages = VRAM / 4096, step = 100;

	for (i = 0; i < pages; i++) {
		if (i % step >= pct)
			continue;
		memset(page, (char)(i * 13 + 1), 4096);
		if (mdgpu_region_write(dev->device, VFIO_PCI_BAR0_REGION_INDEX,
				       (uint64_t)i * 4096, page, 4096) != 4096)
			return -1;
	}
	return 0;
}

static double median3(double *v)
{
	double a = v[0], b = v[1], c = v[2];

	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

/* The pre-copy writer: one page every millisecond, pages in turn. */
struct writer {
	volatile uint8_t *map;
	volatile int stop;
	unsigned long pages;
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	struct timespec ms = { 0, 1000000 };
	unsigned long i = 0;

	while (!w->stop) {
		w->map[(i * 7919 % (VRAM / 4096)) * 4096] = (uint8_t)i;
		i++;
		nanosleep(&ms, NULL);
	}
	w->pages = i;
	return NULL;
}

static int precopy_supported(int fd)
{
	uint64_t flags;

	return !mdgpu_mig_flags(fd, &flags) &&
	       (flags & VFIO_MIGRATION_PRE_COPY);
}

/* Pre-copy under a steady writer; see the header comment. */
static int bench_precopy(struct mdgpu_vfio *a, char *buf, char *page)
{
	struct vfio_precopy_info info;
	struct writer w = { 0 };
	size_t pass, total = 0;
	pthread_t t;
	unsigned int p;
	double t0, t1;
	ssize_t n;
	int data;
	void *map;

	if (!precopy_supported(a->device)) {
		printf("\npre-copy: not offered by this kernel\n");
		return 0;
	}
	if (fill(a, 100, page))
		return -1;
	map = mdgpu_region_mmap(a->device, VFIO_PCI_BAR0_REGION_INDEX, 0, VRAM,
				PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		return -1;
	w.map = map;
	if (set_state(a->device, VFIO_DEVICE_STATE_PRE_COPY, &data))
		return -1;
	pthread_create(&t, NULL, writer_run, &w);
	printf("\npre-copy of a 64 MiB vGPU, all written, a writer dirtying one page per ms\n");
	printf("%5s %12s %14s %14s %9s\n", "pass", "sent", "initial left",
	       "dirty left", "ms");
	for (p = 1; p <= PASSES; p++) {
		t0 = now();
		for (pass = 0; pass < PASS_MAX; pass += n) {
			n = read(data, buf, 1 << 20);
			if (n <= 0)
				break;
		}
		if (n < 0 && errno != ENOMSG)
			return -1;
		t1 = now();
		total += pass;
		if (mdgpu_mig_precopy_info(data, &info))
			return -1;
		printf("%5u %12zu %14llu %14llu %9.1f\n", p, pass,
		       (unsigned long long)info.initial_bytes,
		       (unsigned long long)info.dirty_bytes, (t1 - t0) * 1e3);
	}
	w.stop = 1;
	pthread_join(t, NULL);
	t0 = now();
	if (set_state(a->device, VFIO_DEVICE_STATE_STOP_COPY, NULL))
		return -1;
	for (pass = 0; (n = read(data, buf, 1 << 20)) > 0; pass += n)
		;
	t1 = now();
	close(data);
	printf("stop-copy after pre-copy: %zu bytes in %.1f ms (pre-copy sent %zu, the writer wrote %lu pages)\n",
	       pass, (t1 - t0) * 1e3, total, w.pages);
	munmap(map, VRAM);
	return n < 0 || set_state(a->device, VFIO_DEVICE_STATE_RUNNING, NULL);
}

int main(int argc, char **argv)
{
	static const unsigned int pcts[] = { 0, 10, 100 };
	double ts[ROUNDS], tr[ROUNDS], tm[ROUNDS], t0;
	struct mdgpu_vfio a, b;
	char *buf, *src, *dst, *page, *check;
	unsigned int p, r;
	ssize_t len = 0;
	size_t cap = VRAM + (4u << 20);

	if (argc != 3) {
		fprintf(stderr, "usage: mdgpu-migbench UUID_A UUID_B\n");
		return 2;
	}
	if (mdgpu_vfio_open_group(argv[1], &a) ||
	    mdgpu_vfio_open_group(argv[2], &b)) {
		fprintf(stderr, "mdgpu-migbench: cannot open the instances: %s\n",
			strerror(errno));
		return 1;
	}
	buf = malloc(cap);
	src = malloc(VRAM);
	dst = malloc(VRAM);
	page = malloc(4096);
	check = malloc(4096);
	if (!buf || !src || !dst || !page || !check)
		return 1;
	memset(src, 1, VRAM);
	memset(dst, 2, VRAM);

	printf("migration of a 64 MiB vGPU (median of %d), against memcpy of the same bytes\n",
	       ROUNDS);
	printf("%-9s %12s %10s %10s %10s %9s %9s\n", "written", "stream",
	       "save ms", "resume ms", "memcpy ms", "save/cp", "resume/cp");
	for (p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++) {
		if (fill(&a, pcts[p], page))
			return 1;
		for (r = 0; r < ROUNDS; r++) {
			t0 = now();
			len = save(&a, buf, cap);
			ts[r] = now() - t0;
			if (len < 0)
				return 1;
			t0 = now();
			if (restore(&b, buf, len))
				return 1;
			tr[r] = now() - t0;
			t0 = now();
			memcpy(dst, src, len > VRAM ? VRAM : len);
			tm[r] = now() - t0;
		}
		/* One page of the copy, to be sure it is one. */
		if (pcts[p] &&
		    (mdgpu_region_read(a.device, VFIO_PCI_BAR0_REGION_INDEX,
				       4096 * 3, page, 4096) != 4096 ||
		     mdgpu_region_read(b.device, VFIO_PCI_BAR0_REGION_INDEX,
				       4096 * 3, check, 4096) != 4096 ||
		     memcmp(page, check, 4096))) {
			fprintf(stderr, "mdgpu-migbench: the copy differs\n");
			return 1;
		}
		printf("%7u %% %12zd %10.2f %10.2f %10.3f %8.1fx %8.1fx\n",
		       pcts[p], len, median3(ts) * 1e3, median3(tr) * 1e3,
		       median3(tm) * 1e3, median3(ts) / median3(tm),
		       median3(tr) / median3(tm));
	}
	if (bench_precopy(&a, buf, page)) {
		fprintf(stderr, "mdgpu-migbench: pre-copy failed: %s\n",
			strerror(errno));
		return 1;
	}
	mdgpu_vfio_close(&a);
	mdgpu_vfio_close(&b);
	return 0;
}
