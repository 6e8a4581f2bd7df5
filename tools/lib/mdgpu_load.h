/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu_load - keep vGPUs' engines busy with synthetic COMPUTE jobs of a
 * known length and measure the engine time each one gets.
 *
 * Used by the scheduler kselftests and by the scheduler benchmark. Built
 * on libmdgpu. Engine time is counted from the device's own CMDS_DONE
 * register: a ring that holds only COMPUTE jobs of job_us microseconds has
 * had (CMDS_DONE delta) * job_us of engine time.
 */
#ifndef MDGPU_LOAD_H
#define MDGPU_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "libmdgpu.h"

/**
 * struct mdgpu_load - one vGPU under load
 * @g: the open instance
 * @uuid: its UUID
 * @job_us: length of each COMPUTE job
 * @busy: keep the ring topped up with jobs
 * @done: CMDS_DONE at the start of the current window
 */
struct mdgpu_load {
	struct mdgpu g;
	char uuid[40];
	uint32_t job_us;
	bool busy;
	uint32_t done;
};

/* Ring placement used by mdgpu_load_open(): the start of VRAM, 256 KiB. */
#define MDGPU_LOAD_RING_SIZE	(256u << 10)

int mdgpu_load_open(struct mdgpu_load *l, const char *uuid, uint32_t job_us);
void mdgpu_load_close(struct mdgpu_load *l);
int mdgpu_load_refill(struct mdgpu_load *l);
double mdgpu_now(void);

/**
 * mdgpu_load_measure() - run the loads for @window_ms and measure
 * @l: the loads (the busy ones are kept topped up every @poll_ms)
 * @n: how many
 * @window_ms: measuring window
 * @share: per load, the fraction of the window's wall time it got the
 *	   engine for (0..1)
 *
 * Return: 0, or -errno if a load's engine failed (error state) or a
 * register read failed.
 */
int mdgpu_load_measure(struct mdgpu_load *l, int n, int window_ms,
		       double *share);

/**
 * mdgpu_load_stop() - stop topping up and reset every ring (drops queued
 * jobs; the engine finishes at most the job it is in)
 */
void mdgpu_load_stop(struct mdgpu_load *l, int n);

/** mdgpu_jain() - Jain's fairness index of @n values: 1 = all equal */
double mdgpu_jain(const double *x, int n);

#endif /* MDGPU_LOAD_H */
