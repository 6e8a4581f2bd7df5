// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu_load - synthetic engine load and per-vGPU engine time measurement.
 * See mdgpu_load.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdgpu_load.h"

double mdgpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int mdgpu_load_open(struct mdgpu_load *l, const char *uuid, uint32_t job_us)
{
	int ret;

	memset(l, 0, sizeof(*l));
	snprintf(l->uuid, sizeof(l->uuid), "%s", uuid);
	l->job_us = job_us;
	ret = mdgpu_attach(&l->g, uuid, MDGPU_OPEN_GROUP);
	if (ret)
		return ret;
	return mdgpu_ring_init(&l->g, 0, MDGPU_LOAD_RING_SIZE);
}

void mdgpu_load_close(struct mdgpu_load *l)
{
	mdgpu_detach(&l->g);
}

/**
 * mdgpu_load_refill() - fill the ring with COMPUTE jobs and ring the bell
 * @l: the load
 *
 * Return: 0, or -EIO if the engine is in its error state.
 */
int mdgpu_load_refill(struct mdgpu_load *l)
{
	uint32_t dw[MDGPU_COMPUTE_NDW];
	unsigned int ndw = mdgpu_cmd_compute(dw, l->job_us);
	int queued = 0;

	mdgpu_ring_head(&l->g);
	while (mdgpu_ring_space(&l->g) >= 4 * ndw + 64) {
		if (mdgpu_ring_write(&l->g, dw, ndw, 0))
			break;
		queued++;
	}
	if (queued && mdgpu_kick(&l->g))
		return -EIO;
	if (mdgpu_rd(&l->g, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_ERROR)
		return -EIO;
	return 0;
}

int mdgpu_load_measure(struct mdgpu_load *l, int n, int window_ms,
		       double *share)
{
	double t0, t1, end;
	uint32_t now;
	int i, ret;

	for (i = 0; i < n; i++) {
		if (l[i].busy) {
			ret = mdgpu_load_refill(&l[i]);
			if (ret)
				return ret;
		}
	}
	for (i = 0; i < n; i++)
		l[i].done = mdgpu_rd(&l[i].g, MDGPU_REG_CMDS_DONE);
	t0 = mdgpu_now();
	end = t0 + window_ms / 1e3;
	while (mdgpu_now() < end) {
		usleep(20000);
		for (i = 0; i < n; i++) {
			if (!l[i].busy)
				continue;
			ret = mdgpu_load_refill(&l[i]);
			if (ret)
				return ret;
		}
	}
	for (i = 0; i < n; i++) {
		now = mdgpu_rd(&l[i].g, MDGPU_REG_CMDS_DONE);
		share[i] = (double)(uint32_t)(now - l[i].done) * l[i].job_us;
	}
	t1 = mdgpu_now();
	for (i = 0; i < n; i++)
		share[i] /= (t1 - t0) * 1e6;
	return 0;
}

void mdgpu_load_stop(struct mdgpu_load *l, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		l[i].busy = false;
		mdgpu_ring_reset(&l[i].g);
	}
}

double mdgpu_jain(const double *x, int n)
{
	double sum = 0, sq = 0;
	int i;

	for (i = 0; i < n; i++) {
		sum += x[i];
		sq += x[i] * x[i];
	}
	return sq > 0 ? sum * sum / (n * sq) : 1.0;
}
