// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the PCI parent driver.
 */

/**
 * DOC: PCI parent
 *
 * mdgpu registers a PCI driver named ``mdgpu`` that makes a PCI device a
 * parent GPU whose VRAM is the device's largest memory BAR (QEMU's
 * ``ivshmem-plain`` device, 1af4:1110, whose BAR2 is its shared memory;
 * at least 64 MiB, the smallest type). It has no ID table: it binds to
 * no device on its own, so loading mdgpu on a host with such a device
 * changes nothing. The administrator binds a device explicitly, either
 *
 * - with ``driver_override`` (only that device)::
 *
 *	echo mdgpu > /sys/bus/pci/devices/0000:00:04.0/driver_override
 *	echo 0000:00:04.0 > /sys/bus/pci/drivers_probe
 *
 * - or with ``new_id`` (every unbound device of that vendor and device
 *   ID, now and later)::
 *
 *	echo 1af4 1110 > /sys/bus/pci/drivers/mdgpu/new_id
 *
 * The parent is then the PCI device itself: its types are under
 * ``/sys/bus/pci/devices/<address>/mdev_supported_types``, which is where
 * libvirt, Nova and KubeVirt look. Unbinding (``echo <address> >
 * /sys/bus/pci/drivers/mdgpu/unbind``) or hot-unplugging the device with
 * instances marks the parent lost: each open instance's engine context
 * fails with MDGPU_ERR_LOST and its user gets the request interrupt; the
 * unbind waits until every user has closed its instance, then removes the
 * instances and releases the BAR.
 */
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "mdgpu.h"
#include "mdgpu_pci.h"

/* The smallest VRAM worth a parent: the smallest type. */
#define MDGPU_PCI_MIN_VRAM	SZ_64M

/* The largest memory BAR, or -ENODEV if none has MDGPU_PCI_MIN_VRAM. */
static int mdgpu_pci_vram_bar(struct pci_dev *pdev)
{
	resource_size_t best_len = 0;
	int bar, best = -ENODEV;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		resource_size_t len = pci_resource_len(pdev, bar);

		if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
		    len < MDGPU_PCI_MIN_VRAM || len <= best_len)
			continue;
		best = bar;
		best_len = len;
	}
	return best;
}

static int mdgpu_pci_probe(struct pci_dev *pdev,
			   const struct pci_device_id *id)
{
	struct mdgpu_parent *parent;
	struct mdgpu_pci *pci;
	u64 size;
	int ret;

	pci = kzalloc(sizeof(*pci), GFP_KERNEL);
	if (!pci)
		return -ENOMEM;
	pci->bar = mdgpu_pci_vram_bar(pdev);
	if (pci->bar < 0) {
		dev_err(&pdev->dev, "no memory BAR of at least %u MiB to use as VRAM\n",
			MDGPU_PCI_MIN_VRAM >> 20);
		ret = pci->bar;
		goto free_pci;
	}
	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto free_pci;
	ret = pci_request_region(pdev, pci->bar, MDGPU_DRV_NAME);
	if (ret)
		goto disable;
	pci->base = pci_resource_start(pdev, pci->bar);
	/* A whole number of VRAM granules. */
	size = round_down((u64)pci_resource_len(pdev, pci->bar),
			  BIT_ULL(MDGPU_VRAM_GRANULE_SHIFT));
	parent = mdgpu_parent_register(&pdev->dev, &mdgpu_pci_ops, size, pci);
	if (IS_ERR(parent)) {
		ret = PTR_ERR(parent);
		goto release_region;
	}
	return 0;

release_region:
	pci_release_region(pdev, pci->bar);
disable:
	pci_disable_device(pdev);
free_pci:
	kfree(pci);
	return ret;
}

static void mdgpu_pci_remove(struct pci_dev *pdev)
{
	struct mdgpu_parent *parent = pci_get_drvdata(pdev);
	struct mdgpu_pci *pci = parent->backend;

	/* Returns once no instance uses the BAR any more. */
	mdgpu_parent_unregister(parent, true);
	pci_release_region(pdev, pci->bar);
	pci_disable_device(pdev);
	kfree(pci);
}

static struct pci_driver mdgpu_pci_driver = {
	.name = MDGPU_DRV_NAME,
	/*
	 * No ID table: the driver binds only through driver_override or
	 * new_id (which accepts any ID when there is no table).
	 */
	.id_table = NULL,
	.probe = mdgpu_pci_probe,
	.remove = mdgpu_pci_remove,
};

/**
 * mdgpu_pci_driver_register() - offer the PCI parent driver
 *
 * Binds to nothing until the administrator asks (see the DOC above).
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_pci_driver_register(void)
{
	return pci_register_driver(&mdgpu_pci_driver);
}

/**
 * mdgpu_pci_driver_unregister() - remove the driver and its parents
 */
void mdgpu_pci_driver_unregister(void)
{
	pci_unregister_driver(&mdgpu_pci_driver);
}
