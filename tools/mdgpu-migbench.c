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
 *  - the stream of an instance that has written nothing.
 *
 * usage: mdgpu-migbench UUID_A UUID_B   (two idle 64M instances)
 *
 * It prints a table and exits 0 whatever the figures: timings on shared,
 * emulated machines are noisy, so this is a report, not a test. It exits
 * non-zero only if migrating fails or the copy differs.
 */
#include <errno.h>
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int set_state(int fd, uint32_t state, int *data_fd)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_mig_state st;
	} f = {
		.hdr.argsz = sizeof(f),
		.hdr.flags = VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		.st.device_state = state,
		.st.data_fd = -1,
	};

	if (ioctl(fd, VFIO_DEVICE_FEATURE, &f)) {
		fprintf(stderr, "mdgpu-migbench: state %u: %s\n", state,
			strerror(errno));
		return -1;
	}
	if (data_fd)
		*data_fd = f.st.data_fd;
	return 0;
}

/* Save @dev into @buf (of @cap bytes). Return: bytes, or -1. */
static ssize_t save(struct mdgpu_dev *dev, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int data;

	if (set_state(dev->fd, VFIO_DEVICE_STATE_STOP_COPY, &data))
		return -1;
	while ((n = read(data, buf + len, cap - len > (1 << 20) ?
			 1 << 20 : cap - len)) > 0)
		len += n;
	close(data);
	if (n < 0 || set_state(dev->fd, VFIO_DEVICE_STATE_RUNNING, NULL))
		return -1;
	return len;
}

static int restore(struct mdgpu_dev *dev, const char *buf, size_t len)
{
	size_t off, n;
	int data;

	if (set_state(dev->fd, VFIO_DEVICE_STATE_RESUMING, &data))
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off > (1 << 20) ? 1 << 20 : len - off;
		if (write(data, buf + off, n) != (ssize_t)n) {
			close(data);
			return -1;
		}
	}
	close(data);
	return set_state(dev->fd, VFIO_DEVICE_STATE_RUNNING, NULL);
}

/* Fill the first @pct % of @dev's VRAM, spread over it, through pwrite. */
static int fill(struct mdgpu_dev *dev, unsigned int pct, char *page)
{
	off_t bar0 = mdgpu_region_offset(VFIO_PCI_BAR0_REGION_INDEX);
	unsigned int i, pages = VRAM / 4096, step = 100;

	for (i = 0; i < pages; i++) {
		if (i % step >= pct)
			continue;
		memset(page, (char)(i * 13 + 1), 4096);
		if (pwrite(dev->fd, page, 4096, bar0 + (off_t)i * 4096) != 4096)
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

int main(int argc, char **argv)
{
	static const unsigned int pcts[] = { 0, 10, 100 };
	off_t bar0 = mdgpu_region_offset(VFIO_PCI_BAR0_REGION_INDEX);
	double ts[ROUNDS], tr[ROUNDS], tm[ROUNDS], t0;
	struct mdgpu_dev a, b;
	char *buf, *src, *dst, *page, *check;
	unsigned int p, r;
	ssize_t len = 0;
	size_t cap = VRAM + (4u << 20);

	if (argc != 3) {
		fprintf(stderr, "usage: mdgpu-migbench UUID_A UUID_B\n");
		return 2;
	}
	if (mdgpu_dev_open(&a, argv[1]) < 0 || mdgpu_dev_open(&b, argv[2]) < 0) {
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
		    (pread(a.fd, page, 4096, bar0 + 4096 * 3) != 4096 ||
		     pread(b.fd, check, 4096, bar0 + 4096 * 3) != 4096 ||
		     memcmp(page, check, 4096))) {
			fprintf(stderr, "mdgpu-migbench: the copy differs\n");
			return 1;
		}
		printf("%7u %% %12zd %10.2f %10.2f %10.3f %8.1fx %8.1fx\n",
		       pcts[p], len, median3(ts) * 1e3, median3(tr) * 1e3,
		       median3(tm) * 1e3, median3(ts) / median3(tm),
		       median3(tr) / median3(tm));
	}
	mdgpu_dev_close(&a);
	mdgpu_dev_close(&b);
	return 0;
}
