// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the mdev driver, which turns created mdev devices into vGPUs.
 *
 * Lifetime (today's mdev API): probe allocates the vGPU with
 * vfio_alloc_device(), whose .init callback (vfio_dev.c) reserves the VRAM
 * range; then the device is registered with VFIO. remove only unregisters
 * (waiting until userspace closes the device) and drops the probe reference;
 * the last vfio_put_device() calls .release, which frees everything.
 */
#include <linux/module.h>

#include "mdgpu.h"

static int mdgpu_mdev_probe(struct mdev_device *mdev)
{
	struct mdgpu_vgpu *vgpu;
	int ret;

	vgpu = vfio_alloc_device(mdgpu_vgpu, vdev, &mdev->dev, &mdgpu_vfio_ops);
	if (IS_ERR(vgpu))
		return PTR_ERR(vgpu);

	ret = vfio_register_emulated_iommu_dev(&vgpu->vdev);
	if (ret)
		goto put_vdev;
	dev_set_drvdata(&mdev->dev, vgpu);
	return 0;

put_vdev:
	vfio_put_device(&vgpu->vdev);
	return ret;
}

static void mdgpu_mdev_remove(struct mdev_device *mdev)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&vgpu->vdev);
	vfio_put_device(&vgpu->vdev);
}

static unsigned int mdgpu_mdev_get_available(struct mdev_type *mtype)
{
	struct mdgpu_type *type = to_mdgpu_type(mtype);

	return mdgpu_parent_available(type->parent, type->desc->vram_size);
}

static ssize_t mdgpu_mdev_show_description(struct mdev_type *mtype, char *buf)
{
	struct mdgpu_type *type = to_mdgpu_type(mtype);

	return mdgpu_type_describe(type->desc, type->parent->vram_size, buf,
				   PAGE_SIZE);
}

struct mdev_driver mdgpu_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = MDGPU_DRV_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = mdgpu_vgpu_groups,
	},
	.probe = mdgpu_mdev_probe,
	.remove = mdgpu_mdev_remove,
	.get_available = mdgpu_mdev_get_available,
	.show_description = mdgpu_mdev_show_description,
};
