// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-busy - keep vGPUs' engines busy with COMPUTE jobs for a while.
 *
 * usage: mdgpu-busy SECONDS JOB_US UUID...
 *
 * Opens each vGPU through libmdgpu (VFIO), keeps its ring topped up with
 * COMPUTE jobs of JOB_US microseconds for SECONDS, then empties the rings
 * and closes. The monitoring VM test runs it in the background so that the
 * scheduler figures move while Prometheus scrapes. A vGPU whose engine
 * goes to its error state (the watchdog stopped a job) is left so, open
 * and not reset, like a guest that does not recover, until SECONDS are
 * over; the others keep running. Exits 1 if a vGPU could not be opened or
 * an engine failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mdgpu_load.h"

#define MDGPU_BUSY_MAX	16

int main(int argc, char **argv)
{
	struct mdgpu_load l[MDGPU_BUSY_MAX];
	double end;
	int n, i, ret = 0;

	if (argc < 4 || argc - 3 > MDGPU_BUSY_MAX) {
		fprintf(stderr, "usage: mdgpu-busy SECONDS JOB_US UUID... (at most %d)\n",
			MDGPU_BUSY_MAX);
		return 2;
	}
	n = argc - 3;
	for (i = 0; i < n; i++) {
		if (mdgpu_load_open(&l[i], argv[3 + i], atoi(argv[2]))) {
			fprintf(stderr, "mdgpu-busy: cannot open %s\n", argv[3 + i]);
			while (i--)
				mdgpu_load_close(&l[i]);
			return 1;
		}
		l[i].busy = true;
	}
	end = mdgpu_now() + atof(argv[1]);
	while (mdgpu_now() < end) {
		for (i = 0; i < n; i++) {
			if (l[i].busy && mdgpu_load_refill(&l[i])) {
				fprintf(stderr, "mdgpu-busy: the engine of %s failed\n",
					l[i].uuid);
				l[i].busy = false;
				ret = 1;
			}
		}
		usleep(5000);
	}
	for (i = 0; i < n; i++) {
		/* Only the rings that ran: a failed one keeps its error. */
		if (l[i].busy)
			mdgpu_load_stop(&l[i], 1);
		mdgpu_load_close(&l[i]);
	}
	return ret ? 1 : 0;
}
