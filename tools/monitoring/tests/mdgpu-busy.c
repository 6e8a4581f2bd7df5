// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-busy - keep vGPUs' engines busy with COMPUTE jobs for a while.
 *
 * usage: mdgpu-busy SECONDS JOB_US UUID...
 *
 * Opens each vGPU through libmdgpu (VFIO), keeps its ring topped up with
 * COMPUTE jobs of JOB_US microseconds for SECONDS, then empties the rings
 * and closes. The monitoring VM test runs it in the background so that the
 * scheduler figures move while Prometheus scrapes. Exits 1 if a vGPU could
 * not be opened or its engine failed.
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
	while (!ret && mdgpu_now() < end) {
		for (i = 0; i < n && !ret; i++)
			ret = mdgpu_load_refill(&l[i]);
		usleep(5000);
	}
	if (ret)
		fprintf(stderr, "mdgpu-busy: an engine failed\n");
	mdgpu_load_stop(l, n);
	for (i = 0; i < n; i++)
		mdgpu_load_close(&l[i]);
	return ret ? 1 : 0;
}
