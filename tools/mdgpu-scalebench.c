// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-scalebench: what vGPUs cost in number, as ratios against baselines
 * measured in the same run (make bench, Documentation/benchmarks.rst).
 *
 *   life TYPE_DIR MTTY_TYPE_DIR CYCLES
 *	create and remove latency (p50, p99) of CYCLES instances one after
 *	the other, mdgpu and mtty taking turns; then kernel memory per
 *	instance (Slab + PageTables of /proc/meminfo) over 64 creates (or as
 *	many as the type has room for), against mtty's
 *   count TYPE_DIR N
 *	N creates in a row: the last against the first (median of the first
 *	and of the last 8), then N removes
 *   io UUID
 *	(an instance of at least 65 MiB) DMA of 32 MiB guest to VRAM and
 *	back against a guest memcpy and the engine's own COPY of 32 MiB in
 *	VRAM; 32 MiB of BAR0 through pread and pwrite of the device file
 *	(the path without mmap) against pread of a tmpfs file
 *   fence TYPE_DIR NBUSY
 *	NBUSY vGPUs kept busy with 500 us COMPUTE jobs, and the latency of a
 *	fence on one more, idle otherwise (p50, p99, in time slices)
 *
 * TYPE_DIR is a type directory, e.g.
 * /sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-64M. It prints a
 * table and exits 0 whatever the figures; non-zero only if it cannot run.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/libmdgpu.h"
#include "lib/mdgpu_load.h"
#include "uapi/mdgpu.h"

#define MAX_INST	1024
#define IO_LEN		(32u << 20)
#define IO_PIECE	(1u << 20)
#define TIMEOUT_MS	60000

static double now_s(void)
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

/* The @p-th percentile (0..100) of @n values; sorts them. */
static double pct(double *v, int n, int p)
{
	int i;

	qsort(v, n, sizeof(*v), cmp_double);
	i = (n * p + 99) / 100 - 1;
	return v[i < 0 ? 0 : i];
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 0) : -1;
}

static int new_uuid(char *u)
{
	int fd = open("/proc/sys/kernel/random/uuid", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, u, 36);
	close(fd);
	u[36] = '\0';
	return n == 36 ? 0 : -EIO;
}

/* Create an instance of @type_dir as @uuid; seconds it took, or < 0. */
static double create(const char *type_dir, const char *uuid)
{
	char path[512];
	double t = now_s();

	snprintf(path, sizeof(path), "%.400s/create", type_dir);
	if (write_str(path, uuid))
		return -1;
	return now_s() - t;
}

static double destroy(const char *uuid)
{
	char path[512];
	double t = now_s();

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%.36s/remove",
		 uuid);
	if (write_str(path, "1"))
		return -1;
	return now_s() - t;
}

/* Slab + PageTables of /proc/meminfo, kB. */
static long kmem_kb(void)
{
	char line[256];
	long v, sum = 0;
	FILE *f;

	sync();
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld", &v) == 1 ||
		    sscanf(line, "PageTables: %ld", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

static char uuids[MAX_INST][40];

/* Kernel memory per instance over @n creates, kB; *@n is what fitted. */
static double kmem_per_instance(const char *type_dir, int *n)
{
	char path[512];
	long avail, before, after;
	int i, made = 0;

	snprintf(path, sizeof(path), "%.400s/available_instances", type_dir);
	avail = read_long(path);
	if (avail < *n)
		*n = avail > 0 ? avail : 0;
	before = kmem_kb();
	for (i = 0; i < *n; i++) {
		if (new_uuid(uuids[i]) || create(type_dir, uuids[i]) < 0)
			break;
		made++;
	}
	after = kmem_kb();
	for (i = 0; i < made; i++)
		destroy(uuids[i]);
	*n = made;
	return made ? (double)(after - before) / made : 0;
}

static int bench_life(const char *mdgpu_type, const char *mtty_type,
		      int cycles)
{
	double *c[2], *r[2], p[2][4], kb[2];
	const char *types[2] = { mdgpu_type, mtty_type };
	char u[40];
	int i, k, nk[2];

	if (cycles < 1)
		return 2;
	for (k = 0; k < 2; k++) {
		c[k] = calloc(cycles, sizeof(double));
		r[k] = calloc(cycles, sizeof(double));
		if (!c[k] || !r[k])
			return 1;
	}
	for (i = 0; i < cycles; i++) {
		for (k = 0; k < 2; k++) {
			if (new_uuid(u))
				return 1;
			c[k][i] = create(types[k], u);
			r[k][i] = c[k][i] < 0 ? -1 : destroy(u);
			if (c[k][i] < 0 || r[k][i] < 0) {
				fprintf(stderr, "create/remove in %s failed: %m\n",
					types[k]);
				return 1;
			}
		}
	}
	for (k = 0; k < 2; k++) {
		p[k][0] = pct(c[k], cycles, 50) * 1e3;
		p[k][1] = pct(c[k], cycles, 99) * 1e3;
		p[k][2] = pct(r[k], cycles, 50) * 1e3;
		p[k][3] = pct(r[k], cycles, 99) * 1e3;
		nk[k] = 64;
		kb[k] = kmem_per_instance(types[k], &nk[k]);
	}
	printf("\n%-42s %10s %10s %8s\n", "lifecycle (ms, kB)", "mdgpu", "mtty",
	       "ratio");
	printf("%-42s %10.2f %10.2f %7.2fx\n", "create p50", p[0][0], p[1][0],
	       p[0][0] / p[1][0]);
	printf("%-42s %10.2f %10.2f %7.2fx\n", "create p99", p[0][1], p[1][1],
	       p[0][1] / p[1][1]);
	printf("%-42s %10.2f %10.2f %7.2fx\n", "remove p50", p[0][2], p[1][2],
	       p[0][2] / p[1][2]);
	printf("%-42s %10.2f %10.2f %7.2fx\n", "remove p99", p[0][3], p[1][3],
	       p[0][3] / p[1][3]);
	printf("%-42s %10.1f %10.1f ", "kernel memory per instance (Slab+PageTables)",
	       kb[0], kb[1]);
	/* mtty's few kB vanish in the noise of Slab: no ratio then. */
	if (kb[1] >= 1)
		printf("%7.2fx\n", kb[0] / kb[1]);
	else
		printf("%8s\n", "-");
	printf("  (%d create/remove cycles each; memory over %d mdgpu and %d mtty creates)\n",
	       cycles, nk[0], nk[1]);
	return 0;
}

static double median8(double *v)
{
	return pct(v, 8, 50);
}

static int bench_count(const char *type_dir, int n)
{
	static double t[MAX_INST];
	double first[8], last[8], t0 = now_s(), tc, tr;
	int i, made = 0;

	if (n < 16 || n > MAX_INST)
		return 2;
	for (i = 0; i < n; i++) {
		if (new_uuid(uuids[i]))
			return 1;
		t[i] = create(type_dir, uuids[i]);
		if (t[i] < 0) {
			fprintf(stderr, "create %d failed: %m\n", i + 1);
			break;
		}
		made++;
	}
	tc = now_s() - t0;
	tr = now_s();
	for (i = 0; i < made; i++)
		destroy(uuids[i]);
	tr = now_s() - tr;
	if (made < n)
		return 1;
	memcpy(first, t, sizeof(first));
	memcpy(last, t + n - 8, sizeof(last));
	printf("\n%-42s %10s %10s %8s\n", "creates in a row (ms)", "last",
	       "first", "ratio");
	printf("%-42s %10.2f %10.2f %7.2fx\n", "the last create against the first",
	       t[n - 1] * 1e3, t[0] * 1e3, t[n - 1] / t[0]);
	printf("%-42s %10.2f %10.2f %7.2fx\n", "median of the last 8 / first 8",
	       median8(last) * 1e3, median8(first) * 1e3,
	       median8(last) / median8(first));
	printf("  (%d creates in %.1f s, %d removes in %.1f s)\n", n, tc, n,
	       tr);
	return 0;
}

static int wait_fence(struct mdgpu *g, const uint32_t *dw, unsigned int ndw)
{
	int64_t seq;

	if (mdgpu_submit(g, dw, ndw, TIMEOUT_MS))
		return -EIO;
	seq = mdgpu_fence(g, MDGPU_FENCE_IRQ, 0);
	if (seq < 0)
		return (int)seq;
	return mdgpu_wait_fence(g, (uint32_t)seq, TIMEOUT_MS);
}

/* Median of 3 runs of @dw on @g, seconds. */
static double engine_time(struct mdgpu *g, const uint32_t *dw,
			  unsigned int ndw)
{
	double t[3];
	int i;

	for (i = 0; i < 3; i++) {
		t[i] = now_s();
		if (wait_fence(g, dw, ndw))
			return -1;
		t[i] = now_s() - t[i];
	}
	return pct(t, 3, 50);
}

static double memcpy_time(void *dst, const void *src, size_t len)
{
	double t[3];
	int i;

	for (i = 0; i < 3; i++) {
		t[i] = now_s();
		memcpy(dst, src, len);
		__asm__ volatile("" ::: "memory");
		t[i] = now_s() - t[i];
	}
	return pct(t, 3, 50);
}

/* pread or pwrite of @len bytes at @off in IO_PIECE pieces; median of 3. */
static double rw_time(int fd, void *buf, size_t len, off_t off, bool wr)
{
	double t[3];
	size_t done;
	ssize_t n;
	int i;

	for (i = 0; i < 3; i++) {
		t[i] = now_s();
		for (done = 0; done < len; done += n) {
			n = wr ? pwrite(fd, (char *)buf + done, IO_PIECE,
					off + done) :
				 pread(fd, (char *)buf + done, IO_PIECE,
				       off + done);
			if (n <= 0)
				return -1;
		}
		t[i] = now_s() - t[i];
	}
	return pct(t, 3, 50);
}

static void row(const char *what, double t, double base, const char *against)
{
	printf("%-42s %8.0f MB/s  %7.2fx  %s\n", what, IO_LEN / t / 1e6,
	       base / t, against);
}

static int bench_io(const char *uuid)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	double to_vram, to_guest, copy, cp, bar_rd, bar_wr, tmpfs;
	char tmpl[] = "/dev/shm/mdgpu-bench-XXXXXX";
	struct mdgpu_dma buf;
	struct mdgpu g;
	void *a, *b;
	int fd;

	a = mmap(NULL, IO_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	b = mmap(NULL, IO_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return 1;
	memset(a, 0x5a, IO_LEN);
	memset(b, 0xa5, IO_LEN);
	if (mdgpu_attach(&g, uuid, MDGPU_OPEN_GROUP))
		return 1;
	if (g.vram_size < 2ULL * IO_LEN + (1u << 20)) {
		fprintf(stderr, "%s: VRAM too small for two 32 MiB buffers and a ring\n",
			uuid);
		return 1;
	}
	if (mdgpu_irq_setup(&g, MDGPU_IRQ_MSI) ||
	    mdgpu_ring_init(&g, 2ULL * IO_LEN, 0x10000) ||
	    mdgpu_dma_alloc(&g, IO_LEN, &buf)) {
		fprintf(stderr, "cannot open %s for the engine: %m\n", uuid);
		return 1;
	}
	memset(buf.va, 0x3c, IO_LEN);
	cp = memcpy_time(a, b, IO_LEN);
	mdgpu_cmd_dma(dw, buf.iova, 0, IO_LEN, 0);
	to_vram = engine_time(&g, dw, MDGPU_DMA_NDW);
	mdgpu_cmd_dma(dw, buf.iova, 0, IO_LEN, MDGPU_DMA_TO_GUEST);
	to_guest = engine_time(&g, dw, MDGPU_DMA_NDW);
	/* The engine's own copy: the same bytes, without vfio_dma_rw(). */
	mdgpu_cmd_copy(dw, 0, IO_LEN, IO_LEN, 1, IO_LEN, IO_LEN);
	copy = engine_time(&g, dw, MDGPU_COPY_NDW);
	if (to_vram < 0 || to_guest < 0 || copy < 0) {
		fprintf(stderr, "the engine failed\n");
		return 1;
	}
	if (ioctl(g.v.device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return 1;
	bar_wr = rw_time(g.v.device, a, IO_LEN, ri.offset, true);
	bar_rd = rw_time(g.v.device, b, IO_LEN, ri.offset, false);
	fd = mkstemp(tmpl);
	if (fd < 0 || rw_time(fd, a, IO_LEN, 0, true) < 0)
		return 1;
	tmpfs = rw_time(fd, b, IO_LEN, 0, false);
	close(fd);
	unlink(tmpl);
	if (bar_wr < 0 || bar_rd < 0 || tmpfs < 0)
		return 1;
	printf("\n%-42s %13s  %8s  %s\n", "data paths, 32 MiB", "throughput",
	       "ratio", "against");
	row("memcpy in the guest", cp, cp, "itself");
	row("DMA guest -> VRAM", to_vram, cp, "guest memcpy");
	row("DMA VRAM -> guest", to_guest, cp, "guest memcpy");
	row("DMA guest -> VRAM", to_vram, copy, "engine COPY in VRAM");
	row("DMA VRAM -> guest", to_guest, copy, "engine COPY in VRAM");
	row("engine COPY in VRAM", copy, cp, "guest memcpy");
	row("BAR0 pread of the device file", bar_rd, tmpfs, "tmpfs pread");
	row("BAR0 pwrite of the device file", bar_wr, tmpfs, "tmpfs pread");
	row("tmpfs pread", tmpfs, tmpfs, "itself");
	mdgpu_dma_free(&g, &buf);
	mdgpu_detach(&g);
	return 0;
}

static int bench_fence(const char *type_dir, int nbusy)
{
	static struct mdgpu_load load[MAX_INST];
	char light[40], slice_path[512];
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	double lat[100], share[MAX_INST], slice_ms;
	const int samples = 100;
	struct mdgpu g;
	int i, ret = 1;

	if (nbusy < 1 || nbusy >= MAX_INST)
		return 2;
	snprintf(slice_path, sizeof(slice_path), "%.400s/../../timeslice_us",
		 type_dir);
	slice_ms = read_long(slice_path) / 1000.0;
	for (i = 0; i < nbusy; i++)
		if (new_uuid(uuids[i]) || create(type_dir, uuids[i]) < 0 ||
		    mdgpu_load_open(&load[i], uuids[i], 500))
			goto out;
		else
			load[i].busy = true;
	if (new_uuid(light) || create(type_dir, light) < 0 ||
	    mdgpu_attach(&g, light, MDGPU_OPEN_GROUP) ||
	    mdgpu_irq_setup(&g, MDGPU_IRQ_MSI) ||
	    mdgpu_ring_init(&g, 60u << 20, 0x10000))
		goto out;
	/* Warm up the busy ones (this also fills their rings). */
	if (mdgpu_load_measure(load, nbusy, 300, share))
		goto out;
	for (i = 0; i < samples; i++) {
		mdgpu_cmd_nop(dw, 1);
		/* (the NOP, then the fence wait_fence() adds) */
		lat[i] = now_s();
		if (wait_fence(&g, dw, 1))
			goto out;
		lat[i] = (now_s() - lat[i]) * 1e3;
		/* Keep the others topped up between samples. */
		if (mdgpu_load_measure(load, nbusy, 10, share))
			goto out;
	}
	printf("\n%-42s %10s %10s\n", "fence of a light vGPU", "ms", "slices");
	printf("%-42s %10.2f %10.2f\n", "p50", pct(lat, samples, 50),
	       pct(lat, samples, 50) / slice_ms);
	printf("%-42s %10.2f %10.2f\n", "p99", pct(lat, samples, 99),
	       pct(lat, samples, 99) / slice_ms);
	printf("  (%d samples, %d vGPUs busy with 500 us COMPUTE jobs, %.1f ms slices)\n",
	       samples, nbusy, slice_ms);
	ret = 0;
	mdgpu_detach(&g);
	destroy(light);
out:
	if (ret)
		fprintf(stderr, "fence bench failed: %m\n");
	mdgpu_load_stop(load, nbusy);
	for (i = 0; i < nbusy; i++) {
		mdgpu_load_close(&load[i]);
		destroy(uuids[i]);
	}
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "life"))
		return bench_life(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "count"))
		return bench_count(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "io"))
		return bench_io(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "fence"))
		return bench_fence(argv[2], atoi(argv[3]));
	fprintf(stderr,
		"usage: %s life TYPE_DIR MTTY_TYPE_DIR CYCLES | count TYPE_DIR N |\n"
		"       io UUID | fence TYPE_DIR NBUSY\n", argv[0]);
	return 2;
}
