// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: create, tune, watch and remove mdgpu vGPUs. See mdgpuctl(8).
 */
#include "mdgpuctl.h"

int main(int argc, char **argv)
{
	mdg_out = stdout;
	mdg_err = stderr;
	return mdgpuctl_main(argc, argv);
}
