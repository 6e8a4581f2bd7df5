// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: module entry points and parameters.
 *
 * mdgpu virtualizes a GPU with the VFIO mediated-device framework: every
 * parent GPU offers vGPU types, and each created instance is a virtual PCI
 * GPU a VM can be given with vfio-pci.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "mdgpu.h"

static unsigned int parents = 1;
module_param(parents, uint, 0444);
MODULE_PARM_DESC(parents, "Number of simulated parent GPUs (1-16, default 1; PCI parents are bound through sysfs)");

static unsigned int vram_mb = 2048;
module_param(vram_mb, uint, 0444);
MODULE_PARM_DESC(vram_mb,
		 "VRAM of each simulated parent in MiB, a multiple of 64 (64-65536, default 2048; populated on first use)");

unsigned int mdgpu_hang_timeout_ms = 2000;

/*
 * hang_timeout_ms: 0 (never) or at least MDGPU_HANG_TIMEOUT_MIN_MS, as a
 * COMPUTE chunk legitimately sleeps up to a whole slice; a shorter timeout
 * would call such a sleep a hang. Refused otherwise (at load too).
 */
static int mdgpu_hang_timeout_set(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int ms;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	if (ms && ms < MDGPU_HANG_TIMEOUT_MIN_MS)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops mdgpu_hang_timeout_ops = {
	.set = mdgpu_hang_timeout_set,
	.get = param_get_uint,
};

module_param_cb(hang_timeout_ms, &mdgpu_hang_timeout_ops,
		&mdgpu_hang_timeout_ms, 0644);
MODULE_PARM_DESC(hang_timeout_ms,
		 "An engine with work that finishes no chunk for this long is hung and reset (ms, default 2000; 0: never; else at least 500)");

static int __init mdgpu_init(void)
{
	int ret;

	if (parents < 1 || parents > MDGPU_MAX_PARENTS) {
		pr_err("mdgpu: parents=%u is out of range 1-%u\n", parents,
		       MDGPU_MAX_PARENTS);
		return -EINVAL;
	}
	if (vram_mb < 64 || vram_mb > 65536 || vram_mb % 64) {
		pr_err("mdgpu: vram_mb=%u must be a multiple of 64 in 64-65536\n",
		       vram_mb);
		return -EINVAL;
	}

	ret = mdgpu_regs_init();
	if (WARN_ON_ONCE(ret))
		return ret;
	ret = mdev_register_driver(&mdgpu_mdev_driver);
	if (ret)
		return ret;
	mdgpu_debugfs_init();
	ret = mdgpu_sim_parents_create(parents, (u64)vram_mb * SZ_1M);
	if (ret)
		goto fini_debugfs;
	ret = mdgpu_pci_driver_register();
	if (ret)
		goto destroy_sims;
	return 0;

destroy_sims:
	mdgpu_sim_parents_destroy();
fini_debugfs:
	mdgpu_debugfs_fini();
	mdev_unregister_driver(&mdgpu_mdev_driver);
	return ret;
}

static void __exit mdgpu_exit(void)
{
	mdgpu_pci_driver_unregister();
	mdgpu_sim_parents_destroy();
	mdgpu_debugfs_fini();
	mdev_unregister_driver(&mdgpu_mdev_driver);
}

module_init(mdgpu_init);
module_exit(mdgpu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated (VFIO mdev) virtual GPU on simulated or PCI parents");
MODULE_AUTHOR("The mdgpu developers");
