// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-schedbench - measure the engine scheduler with synthetic load.
 *
 * Creates vGPUs (type mdgpu-64M) on a parent, saturates them with COMPUTE
 * jobs of a known length (tools/lib/mdgpu_load), and prints, per policy
 * and vGPU count: the worst absolute share error against the policy's
 * ideal over 1 s windows, Jain's fairness index, the engine busy fraction,
 * then the switch overhead at 1 ms and 2 ms slices and the fence latency
 * of a light vGPU beside saturated ones as a multiple of the slice.
 * Engine time is what the device reports (CMDS_DONE x job length).
 *
 * It is a benchmark: it prints figures and never judges them.
 *
 * usage: mdgpu-schedbench [PARENT]   (default sim0; needs root)
 */
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "lib/mdgpu_load.h"

#define JOB_US		500
#define MAX_VGPUS	8
#define WINDOWS		3

static const char *parent = "sim0";
static struct mdgpu_load load[MAX_VGPUS];
static char uuids[MAX_VGPUS][40];
static int nr;

static int write_str(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

static int parent_set(const char *attr, const char *val)
{
	char path[512], alt[64];
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "/sys/class/mdgpu/%s/%s", parent, attr);
	ret = write_str(path, val);
	if (ret != -EINVAL || strcmp(attr, "policy"))
		return ret;
	snprintf(alt, sizeof(alt), "%s", val);
	for (i = 0; alt[i]; i++)
		if (alt[i] == '_')
			alt[i] = '-';
	return write_str(path, alt);
}

/* A parent counter (engine_busy_us, ...); -1 if it cannot be read. */
static long long parent_counter(const char *attr)
{
	char path[512];
	long long v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/mdgpu/%s/%s", parent, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int vgpu_set(int i, const char *attr, long val)
{
	char path[512], num[32];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/mdgpu/%s",
		 uuids[i], attr);
	snprintf(num, sizeof(num), "%ld", val);
	return write_str(path, num);
}

static void remove_all(void)
{
	char path[512];

	while (nr > 0) {
		nr--;
		mdgpu_load_close(&load[nr]);
		snprintf(path, sizeof(path),
			 "/sys/bus/mdev/devices/%s/remove", uuids[nr]);
		write_str(path, "1");
	}
}

static int create(int n)
{
	char path[512];
	uuid_t u;
	int ret;

	remove_all();
	for (nr = 0; nr < n; nr++) {
		uuid_generate(u);
		uuid_unparse_lower(u, uuids[nr]);
		snprintf(path, sizeof(path),
			 "/sys/class/mdgpu/%s/mdev_supported_types/mdgpu-64M/create",
			 parent);
		ret = write_str(path, uuids[nr]);
		if (!ret)
			ret = mdgpu_load_open(&load[nr], uuids[nr], JOB_US);
		if (ret) {
			fprintf(stderr, "schedbench: vGPU %d: %s\n", nr,
				strerror(-ret));
			nr++;
			remove_all();
			return ret;
		}
	}
	return 0;
}

/*
 * Saturate all; worst share error, Jain and busy over WINDOWS windows.
 * With @rel the shares are of the engine time the jobs got (what the
 * policy divides; the simulated engine's per-chunk overhead is not part
 * of anyone's share), else of wall time (fixed shares are of wall time).
 * *@sched_busy is the scheduler's own count: the parent's engine_busy_us
 * (engine time charged to vGPUs, COMPUTE's timer overshoot included) over
 * wall time, so it says whether the scheduler kept the engine working;
 * sched_idle the same of engine_idle_us (the scheduler idling the engine).
 * What is neither is time the engine spent between charged chunks.
 */
static double sched_idle;

static int run(const double *ideal, bool rel, double *err, double *jain,
	       double *busy, double *sched_busy)
{
	double share[MAX_VGPUS], sum, t0;
	long long b0, b1, i0, i1;
	int w, i, ret;

	*err = 0;
	*jain = 1;
	*busy = 0;
	*sched_busy = -1;
	for (i = 0; i < nr; i++)
		load[i].busy = true;
	ret = mdgpu_load_measure(load, nr, 300, share);
	b0 = parent_counter("engine_busy_us");
	i0 = parent_counter("engine_idle_us");
	t0 = mdgpu_now();
	for (w = 0; !ret && w < WINDOWS; w++) {
		ret = mdgpu_load_measure(load, nr, 1000, share);
		sum = 0;
		for (i = 0; i < nr; i++)
			sum += share[i];
		for (i = 0; i < nr; i++) {
			double x = rel && sum > 0 ? share[i] / sum : share[i];

			if (fabs(x - ideal[i]) > *err)
				*err = fabs(x - ideal[i]);
		}
		*busy += sum / WINDOWS;
		if (mdgpu_jain(share, nr) < *jain)
			*jain = mdgpu_jain(share, nr);
	}
	b1 = parent_counter("engine_busy_us");
	i1 = parent_counter("engine_idle_us");
	if (b0 >= 0 && b1 >= b0)
		*sched_busy = (b1 - b0) / 1e6 / (mdgpu_now() - t0);
	sched_idle = i0 >= 0 && i1 >= i0 ?
		     (i1 - i0) / 1e6 / (mdgpu_now() - t0) : -1;
	mdgpu_load_stop(load, nr);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Fence latency of vGPU nr-1 while the others are saturated. */
static int light_latency(double slice_ms, double *p50, double *p99)
{
	double lat[100], share[MAX_VGPUS], t0;
	struct mdgpu *g = &load[nr - 1].g;
	int i, ret;
	int64_t seq;

	for (i = 0; i < nr - 1; i++)
		load[i].busy = true;
	load[nr - 1].busy = false;
	ret = mdgpu_load_measure(load, nr, 300, share);
	for (i = 0; !ret && i < 100; i++) {
		ret = mdgpu_load_refill(&load[i % (nr - 1)]);
		usleep(3000 + (i * 1777) % 5000);
		t0 = mdgpu_now();
		seq = mdgpu_fence(g, 0, 0);
		if (seq < 0)
			ret = (int)seq;
		else
			ret = mdgpu_wait_fence(g, seq, 5000);
		lat[i] = (mdgpu_now() - t0) * 1e3 / slice_ms;
	}
	mdgpu_load_stop(load, nr);
	qsort(lat, 100, sizeof(double), cmp_double);
	*p50 = lat[49];
	*p99 = lat[98];
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const policies[] = {
		"best_effort", "equal_share", "fixed_share", "weighted",
	};
	static const int counts[] = { 2, 4, 8 };
	double ideal[MAX_VGPUS], err, jain, busy, busy1, sbusy, p50, p99;
	char path[512];
	unsigned int p, c;
	long long vram;
	FILE *f;
	int i, ret = 0, sum;

	if (argc > 1)
		parent = argv[1];
	snprintf(path, sizeof(path), "/sys/class/mdgpu/%s/vram_total", parent);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lld", &vram) != 1) {
		fprintf(stderr, "schedbench: no parent %s\n", parent);
		return 1;
	}
	fclose(f);

	printf("scheduler, %d us COMPUTE jobs, 2 ms slices, %d x 1 s windows\n",
	       JOB_US, WINDOWS);
	printf("share error: of job time (fixed share: of wall time); busy: job time / wall time;\n"
	       "sched busy: the parent's engine_busy_us / wall time; idle: its engine_idle_us / wall time\n");
	printf("%-12s %6s %14s %8s %8s %11s %7s\n", "policy", "vGPUs",
	       "max share err", "Jain", "busy", "sched busy", "idle");
	for (p = 0; p < 4 && !ret; p++) {
		for (c = 0; c < 3 && !ret; c++) {
			ret = create(counts[c]);
			if (ret)
				break;
			parent_set("timeslice_us", "2000");
			if (parent_set("policy", policies[p])) {
				printf("%-12s (not offered)\n", policies[p]);
				break;
			}
			sum = 0;
			for (i = 0; i < nr; i++) {
				if (p == 3) {
					vgpu_set(i, "weight", 100 * (i % 4 + 1));
					sum += i % 4 + 1;
				}
			}
			for (i = 0; i < nr; i++) {
				if (p == 2)
					ideal[i] = 64.0 * (1 << 20) / vram;
				else if (p == 3)
					ideal[i] = (double)(i % 4 + 1) / sum;
				else
					ideal[i] = 1.0 / nr;
			}
			ret = run(ideal, p != 2, &err, &jain, &busy, &sbusy);
			if (p == 3)	/* unequal weights: Jain says nothing */
				printf("%-12s %6d %12.2f %% %8s %6.1f %% %9.1f %% %5.1f %%\n",
				       policies[p], nr, 100 * err, "-",
				       100 * busy, 100 * sbusy,
				       100 * sched_idle);
			else
				printf("%-12s %6d %12.2f %% %8.4f %6.1f %% %9.1f %% %5.1f %%\n",
				       policies[p], nr, 100 * err, jain,
				       100 * busy, 100 * sbusy,
				       100 * sched_idle);
		}
	}

	printf("\nswitch overhead (best effort): busy with 1 vGPU vs 4 vGPUs\n");
	for (c = 1000; c <= 2000 && !ret; c += 1000) {
		char ts[16];

		snprintf(ts, sizeof(ts), "%u", c);
		ret = create(1);
		parent_set("policy", "best_effort");
		parent_set("timeslice_us", ts);
		ideal[0] = 1;
		if (!ret)
			ret = run(ideal, true, &err, &jain, &busy1, &sbusy);
		if (!ret)
			ret = create(4);
		for (i = 0; i < 4; i++)
			ideal[i] = 0.25;
		if (!ret)
			ret = run(ideal, true, &err, &jain, &busy, &sbusy);
		if (!ret)
			printf("slice %4u us: busy %.1f %% (1 vGPU) vs %.1f %% (4): overhead %.2f %% of engine time\n",
			       c, 100 * busy1, 100 * busy,
			       100 * (busy1 - busy) / busy1);
	}

	printf("\nlight vGPU fence latency beside 3 saturated vGPUs\n");
	for (c = 1000; c <= 2000 && !ret; c += 1000) {
		for (p = 0; p < 4 && !ret; p += 3) {
			char ts[16];

			snprintf(ts, sizeof(ts), "%u", c);
			ret = create(4);
			parent_set("policy", policies[p]);
			parent_set("timeslice_us", ts);
			if (!ret)
				ret = light_latency(c / 1000.0, &p50, &p99);
			if (!ret)
				printf("%-12s slice %4u us: p50 %.2f, p99 %.2f slices\n",
				       policies[p], c, p50, p99);
		}
	}
	remove_all();
	parent_set("timeslice_us", "2000");
	if (ret)
		fprintf(stderr, "schedbench: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
