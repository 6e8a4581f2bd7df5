// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-vrambench: the VRAM section of `make bench`, as ratios against
 * baselines measured in the same run.
 *
 *  - First touch of BAR0 through a shared mapping against first touch of
 *    anonymous memory: reads of never-written VRAM (the shared zero page,
 *    nothing allocated: the instance's vram_populated is printed), writes
 *    (fault + lazy allocation), and the first write after a read (zero page
 *    to a page of its own: pfn_mkwrite against anonymous copy-on-write).
 *  - Steady state: sequential write and read bandwidth through the mapping
 *    against memcpy between anonymous buffers.
 *  - Reset of a fully populated instance: the VFIO_DEVICE_RESET ioctl
 *    against madvise(MADV_DONTNEED) of the same amount of populated
 *    anonymous memory, and the worst and median latency of a register read
 *    another thread makes meanwhile (the register handler takes the
 *    instance's lock, as page faults do), against the same during the reset
 *    of the same instance with one MiB populated.
 *
 * Prints a table and exits 0 whatever the figures: a report, not a test.
 *
 * usage: mdgpu-vrambench UUID   (an instance of 512M, or at least 64M)
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/mdgpu_vfio.h"
#include "uapi/mdgpu.h"

#define TOUCH_BYTES	(32ul << 20)
#define BW_ROUNDS	5
#define RESET_ROUNDS	3
#define FILL_CHUNK	(1ul << 20)

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

static void *anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Seconds to read one word of each page of @p. */
static double touch_read(const volatile char *p, size_t len)
{
	double t0 = now();
	size_t i;

	for (i = 0; i < len; i += 4096)
		(void)p[i];
	return now() - t0;
}

/* Seconds to write one word of each page of @p. */
static double touch_write(volatile char *p, size_t len)
{
	double t0 = now();
	size_t i;

	for (i = 0; i < len; i += 4096)
		*(volatile uint32_t *)(p + i) = (uint32_t)i;
	return now() - t0;
}

/* Median seconds of a memcpy of @len bytes. */
static double time_copy(void *dst, const void *src, size_t len)
{
	double r[BW_ROUNDS];
	int i;

	for (i = 0; i < BW_ROUNDS; i++) {
		double t0 = now();

		memcpy(dst, src, len);
		r[i] = now() - t0;
	}
	return median(r, BW_ROUNDS);
}

static uint64_t populated(const char *uuid)
{
	char path[256], buf[64];
	uint64_t v = UINT64_MAX;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/bus/mdev/devices/%s/mdgpu/vram_populated", uuid);
	f = fopen(path, "r");
	if (!f)
		return v;
	if (fgets(buf, sizeof(buf), f))
		v = strtoull(buf, NULL, 10);
	fclose(f);
	return v;
}

/* Write @len bytes of VRAM from offset 0 by pwrite, a MiB at a time. */
static int populate(struct mdgpu_vfio *dev, size_t len)
{
	static char buf[FILL_CHUNK];
	size_t off;
	off_t base;

	if (mdgpu_region_pos(dev->device, VFIO_PCI_BAR0_REGION_INDEX, 0, &base))
		return -1;
	memset(buf, 0xa5, sizeof(buf));
	for (off = 0; off < len; off += FILL_CHUNK)
		if (pwrite(dev->device, buf, FILL_CHUNK, base + off) != FILL_CHUNK)
			return -1;
	return 0;
}

/**
 * struct reader - a thread reading a register while the main thread resets
 * @dev: the instance
 * @stop: set by the main thread to end the run
 * @lat: latencies of the reads, ns
 * @n: reads recorded
 * @max_n: room in @lat
 */
struct reader {
	struct mdgpu_vfio *dev;
	atomic_bool stop;
	double *lat;
	size_t n, max_n;
};

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	uint32_t v;

	while (!atomic_load(&r->stop)) {
		double t0 = now();

		if (mdgpu_reg_read32(r->dev->device, MDGPU_REG_RESET_COUNT, &v))
			break;
		if (r->n < r->max_n)
			r->lat[r->n++] = (now() - t0) * 1e9;
	}
	return NULL;
}

/**
 * struct reset_figures - one kind of reset, medians over RESET_ROUNDS
 * @ioctl: seconds of the VFIO_DEVICE_RESET ioctl
 * @max_ns: worst register read during the reset
 * @p99_ns: 99th percentile of the register reads during the reset
 * @med_ns: median register read during the reset
 * @left: bytes the instance still had populated after the reset
 */
struct reset_figures {
	double ioctl, max_ns, p99_ns, med_ns;
	uint64_t left;
};

/*
 * Populate @len bytes, then reset while a thread reads a register; the
 * reader runs a little before and after, so its reads cover the reset.
 */
static int time_reset(struct mdgpu_vfio *dev, const char *uuid, size_t len,
		      struct reset_figures *f)
{
	double io[RESET_ROUNDS], mx[RESET_ROUNDS], md[RESET_ROUNDS];
	double p99[RESET_ROUNDS];
	struct reader r = { .dev = dev, .max_n = 1u << 20 };
	int i;

	r.lat = malloc(r.max_n * sizeof(*r.lat));
	if (!r.lat)
		return -1;
	for (i = 0; i < RESET_ROUNDS; i++) {
		pthread_t th;
		double t0;
		int ret;
		size_t k;

		if (populate(dev, len))
			return -1;
		r.n = 0;
		atomic_store(&r.stop, false);
		if (pthread_create(&th, NULL, reader_run, &r))
			return -1;
		usleep(20000);
		r.n = 0;	/* count only from just before the reset */
		t0 = now();
		ret = ioctl(dev->device, VFIO_DEVICE_RESET);
		io[i] = now() - t0;
		usleep(20000);
		atomic_store(&r.stop, true);
		pthread_join(th, NULL);
		if (ret || !r.n)
			return -1;
		mx[i] = 0;
		for (k = 0; k < r.n; k++)
			if (r.lat[k] > mx[i])
				mx[i] = r.lat[k];
		md[i] = median(r.lat, r.n);	/* sorts r.lat */
		p99[i] = r.lat[r.n * 99 / 100];
	}
	f->ioctl = median(io, RESET_ROUNDS);
	f->max_ns = median(mx, RESET_ROUNDS);
	f->med_ns = median(md, RESET_ROUNDS);
	f->p99_ns = median(p99, RESET_ROUNDS);
	f->left = populated(uuid);
	free(r.lat);
	return 0;
}

/* Median seconds of MADV_DONTNEED over @len bytes of populated memory. */
static double time_madvise(size_t len)
{
	double r[RESET_ROUNDS];
	char *p = anon(len);
	int i;

	if (!p)
		return -1;
	for (i = 0; i < RESET_ROUNDS; i++) {
		double t0;

		memset(p, 0xa5, len);
		t0 = now();
		madvise(p, len, MADV_DONTNEED);
		r[i] = now() - t0;
	}
	munmap(p, len);
	return median(r, RESET_ROUNDS);
}

static void row(const char *what, double v, const char *unit, double ratio)
{
	if (ratio < 0)
		printf("%-48s %10.2f %-6s %9s\n", what, v, unit, "1.00");
	else
		printf("%-48s %10.2f %-6s %8.2fx\n", what, v, unit, ratio);
}

int main(int argc, char **argv)
{
	double a_rd, a_wr, a_wr_after, b_rd, b_wr, b_wr_after, base, wr, rd;
	struct reset_figures full, small;
	uint64_t after_reads, size;
	char *a, *b, *bar;
	struct mdgpu_vfio dev;
	double dontneed;

	if (argc != 2) {
		fprintf(stderr, "usage: mdgpu-vrambench UUID\n");
		return 2;
	}
	if (mdgpu_vfio_open_group(argv[1], &dev) < 0) {
		perror(argv[1]);
		return 1;
	}
	{
		struct vfio_region_info ri = {
			.argsz = sizeof(ri),
			.index = VFIO_PCI_BAR0_REGION_INDEX,
		};

		if (ioctl(dev.device, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
			perror("VFIO_DEVICE_GET_REGION_INFO");
			return 1;
		}
		size = ri.size;
	}
	if (size < 2 * TOUCH_BYTES) {
		fprintf(stderr, "mdgpu-vrambench: BAR0 of %llu MiB is too small\n",
			(unsigned long long)size >> 20);
		return 1;
	}

	/* First touch, reads then writes, anonymous then BAR0. */
	a = anon(TOUCH_BYTES);
	b = anon(TOUCH_BYTES);
	bar = mdgpu_map_vram(dev.device, 2 * TOUCH_BYTES);
	if (!a || !b || !bar) {
		perror("mmap");
		return 1;
	}
	a_rd = touch_read(a, TOUCH_BYTES);
	a_wr_after = touch_write(a, TOUCH_BYTES);
	a_wr = touch_write(b, TOUCH_BYTES);
	b_rd = touch_read(bar, TOUCH_BYTES);
	after_reads = populated(argv[1]);
	b_wr_after = touch_write(bar, TOUCH_BYTES);
	b_wr = touch_write(bar + TOUCH_BYTES, TOUCH_BYTES);

	/* Steady state, the pages mapped. */
	memset(a, 0x5a, TOUCH_BYTES);
	base = time_copy(b, a, TOUCH_BYTES);
	wr = time_copy(bar, a, TOUCH_BYTES);
	rd = time_copy(b, bar, TOUCH_BYTES);
	if (memcmp(a, b, TOUCH_BYTES)) {
		fprintf(stderr, "BAR0 read back differs from what was written\n");
		return 1;
	}
	munmap(bar, 2 * TOUCH_BYTES);
	munmap(a, TOUCH_BYTES);
	munmap(b, TOUCH_BYTES);

	if (time_reset(&dev, argv[1], size, &full) ||
	    time_reset(&dev, argv[1], FILL_CHUNK, &small)) {
		perror("reset");
		return 1;
	}
	dontneed = time_madvise(size);

#define MS_PER_MIB(t)	((t) * 1e3 / (TOUCH_BYTES >> 20))
	printf("%-48s %17s %9s\n", "VRAM (simulated parent)", "value", "ratio");
	row("first read, anonymous memory (baseline)", MS_PER_MIB(a_rd),
	    "ms/MiB", -1);
	row("first read, BAR0 never written (zero page)", MS_PER_MIB(b_rd),
	    "ms/MiB", b_rd / a_rd);
	printf("%-48s %10llu %-6s\n", "  VRAM populated by those reads",
	       (unsigned long long)after_reads, "bytes");
	row("first write, anonymous memory (baseline)", MS_PER_MIB(a_wr),
	    "ms/MiB", -1);
	row("first write, BAR0 (fault + allocation)", MS_PER_MIB(b_wr),
	    "ms/MiB", b_wr / a_wr);
	row("write after read, anonymous (COW of zero page)",
	    MS_PER_MIB(a_wr_after), "ms/MiB", -1);
	row("write after read, BAR0 (pfn_mkwrite)", MS_PER_MIB(b_wr_after),
	    "ms/MiB", b_wr_after / a_wr_after);
	row("memcpy anon -> anon, 32 MiB (baseline)",
	    TOUCH_BYTES / base / 1e6, "MB/s", -1);
	row("BAR0 mmap sequential write", TOUCH_BYTES / wr / 1e6, "MB/s",
	    base / wr);
	row("BAR0 mmap sequential read", TOUCH_BYTES / rd / 1e6, "MB/s",
	    base / rd);
	printf("%-48s %10llu %-6s\n", "reset: instance VRAM, all populated",
	       (unsigned long long)size >> 20, "MiB");
	row("madvise(DONTNEED) of as much anon (baseline)", dontneed * 1e3,
	    "ms", -1);
	row("VFIO_DEVICE_RESET, all populated", full.ioctl * 1e3, "ms",
	    full.ioctl / dontneed);
	row("VFIO_DEVICE_RESET, 1 MiB populated", small.ioctl * 1e3, "ms",
	    small.ioctl / dontneed);
	printf("%-48s %10llu %-6s\n", "  VRAM populated after the resets",
	       (unsigned long long)(full.left + small.left), "bytes");
	row("register read during reset, 1 MiB: worst", small.max_ns / 1e3,
	    "us", -1);
	row("register read during reset, all: worst", full.max_ns / 1e3,
	    "us", full.max_ns / small.max_ns);
	row("register read during reset, 1 MiB: p99", small.p99_ns / 1e3,
	    "us", -1);
	row("register read during reset, all: p99", full.p99_ns / 1e3,
	    "us", full.p99_ns / small.p99_ns);
	row("register read during reset, 1 MiB: median", small.med_ns / 1e3,
	    "us", -1);
	row("register read during reset, all: median", full.med_ns / 1e3,
	    "us", full.med_ns / small.med_ns);
	mdgpu_vfio_close(&dev);
	return 0;
}
