// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the simulated parents, created at module load.
 *
 * The ``parents`` and ``vram_mb`` module parameters ask for simulated
 * parent GPUs. Each is a device of class ``mdgpu`` named ``simN``, which
 * exists only to be the parent: mdgpu registers it with
 * mdgpu_parent_register() and the simulated backend (sim_backend.c), as
 * any backend registers its device. They live from module load to module
 * unload; mdgpu_parent_unregister() removes their instances first.
 */
#include <linux/slab.h>

#include "mdgpu.h"

static struct class mdgpu_class = {
	.name = MDGPU_DRV_NAME,
};

/**
 * struct mdgpu_sim_parent - a simulated parent's device
 * @dev: the class device ``simN``
 * @parent: what mdgpu_parent_register() returned for @dev
 */
struct mdgpu_sim_parent {
	struct device dev;
	struct mdgpu_parent *parent;
};

static struct mdgpu_sim_parent *mdgpu_sims[MDGPU_MAX_PARENTS];
static unsigned int mdgpu_nr_sims;
static bool mdgpu_class_registered;

static void mdgpu_sim_dev_release(struct device *dev)
{
	kfree(container_of(dev, struct mdgpu_sim_parent, dev));
}

static int mdgpu_sim_parent_create(unsigned int index, u64 vram_size)
{
	struct mdgpu_sim_parent *sim;
	struct mdgpu_parent *parent;
	int ret;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	sim->dev.class = &mdgpu_class;
	sim->dev.release = mdgpu_sim_dev_release;
	device_initialize(&sim->dev);
	/* From here on, put_device() frees the structure. */
	ret = dev_set_name(&sim->dev, "sim%u", index);
	if (ret)
		goto put_dev;
	ret = device_add(&sim->dev);
	if (ret)
		goto put_dev;
	parent = mdgpu_parent_register(&sim->dev, &mdgpu_sim_ops, vram_size,
				       NULL);
	if (IS_ERR(parent)) {
		ret = PTR_ERR(parent);
		goto del_dev;
	}
	sim->parent = parent;
	mdgpu_sims[mdgpu_nr_sims++] = sim;
	return 0;

del_dev:
	device_del(&sim->dev);
put_dev:
	put_device(&sim->dev);
	return ret;
}

/**
 * mdgpu_sim_parents_destroy() - remove every simulated parent and the class
 */
void mdgpu_sim_parents_destroy(void)
{
	while (mdgpu_nr_sims) {
		struct mdgpu_sim_parent *sim = mdgpu_sims[--mdgpu_nr_sims];

		mdgpu_parent_unregister(sim->parent, false);
		device_del(&sim->dev);
		put_device(&sim->dev);	/* the parent may hold it longer */
	}
	if (mdgpu_class_registered)
		class_unregister(&mdgpu_class);
	mdgpu_class_registered = false;
}

/**
 * mdgpu_sim_parents_create() - create the simulated parents
 * @count: number of parents, 1 to MDGPU_MAX_PARENTS
 * @vram_size: VRAM of each, in bytes
 *
 * On failure everything created so far is removed again.
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_sim_parents_create(unsigned int count, u64 vram_size)
{
	unsigned int i;
	int ret;

	ret = class_register(&mdgpu_class);
	if (ret)
		return ret;
	mdgpu_class_registered = true;
	for (i = 0; i < count; i++) {
		ret = mdgpu_sim_parent_create(i, vram_size);
		if (ret) {
			mdgpu_sim_parents_destroy();
			return ret;
		}
	}
	return 0;
}
