// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: parent GPUs.
 *
 * Each parent is a device of class "mdgpu" (named simN for the simulated
 * backend) that owns a VRAM address space and offers the vGPU types that fit
 * in it. Parents live from module load to module unload; instances never
 * outlive them because mdev_unregister_parent() removes every instance first.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "mdgpu.h"

static struct class mdgpu_class = {
	.name = MDGPU_DRV_NAME,
	.dev_groups = mdgpu_parent_groups,
};

static struct mdgpu_parent *mdgpu_parents[MDGPU_MAX_PARENTS];
static unsigned int mdgpu_nr_parents;
static bool mdgpu_class_registered;

static void mdgpu_parent_dev_release(struct device *dev)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);

	/* Instances hold a reference: none is left to use the backend. */
	mdgpu_engine_free(parent);
	if (parent->backend)
		parent->ops->fini(parent);
	mdgpu_vram_map_fini(&parent->vram);
	mutex_destroy(&parent->vgpus_lock);
	mutex_destroy(&parent->lock);
	kfree(parent);
}

/**
 * mdgpu_parent_reserve_vram() - give an instance a VRAM range
 * @parent: the parent
 * @size: range size, the instance type's framebuffer size
 * @offset: start of the range, on success
 *
 * Return: 0, -ENOSPC when no aligned range of @size is free (retired
 * granules are never used), or -ENODEV when the parent is lost.
 */
int mdgpu_parent_reserve_vram(struct mdgpu_parent *parent, u64 size,
			      u64 *offset)
{
	int ret;

	mutex_lock(&parent->lock);
	if (parent->health == MDGPU_HEALTH_FAILED)
		ret = -ENODEV;
	else
		ret = mdgpu_vram_alloc(&parent->vram, size, offset);
	if (!ret)
		parent->instances++;
	mutex_unlock(&parent->lock);
	return ret;
}

/**
 * mdgpu_parent_release_vram() - take a VRAM range back from an instance
 * @parent: the parent
 * @offset: start of the range
 * @size: size of the range
 *
 * The range's contents are discarded first, so whoever gets it next reads
 * zeroes: one tenant never sees another's data.
 */
void mdgpu_parent_release_vram(struct mdgpu_parent *parent, u64 offset,
			       u64 size)
{
	parent->ops->vram_discard(parent, offset, size);
	mutex_lock(&parent->lock);
	mdgpu_vram_free(&parent->vram, offset, size);
	parent->instances--;
	mutex_unlock(&parent->lock);
}

/**
 * mdgpu_parent_available() - how many more instances of a size fit
 * @parent: the parent
 * @size: framebuffer size of the type
 *
 * Return: the exact number of instances of @size that could be created now:
 * 0 on a lost parent.
 */
unsigned int mdgpu_parent_available(struct mdgpu_parent *parent, u64 size)
{
	unsigned int n = 0;

	mutex_lock(&parent->lock);
	if (parent->health != MDGPU_HEALTH_FAILED)
		n = mdgpu_vram_free_slots(&parent->vram, size);
	mutex_unlock(&parent->lock);
	return n;
}

/**
 * mdgpu_health_name() - the name of a health state, as sysfs shows it
 * @health: the state
 *
 * Return: "ok", "degraded" or "failed".
 */
const char *mdgpu_health_name(enum mdgpu_health health)
{
	switch (health) {
	case MDGPU_HEALTH_OK:
		return "ok";
	case MDGPU_HEALTH_DEGRADED:
		return "degraded";
	case MDGPU_HEALTH_FAILED:
		break;
	}
	return "failed";
}

/**
 * mdgpu_parent_set_health() - report a fault of the parent
 * @parent: the parent
 * @health: the state the fault leaves it in
 * @fmt: why, for the ``health_reason`` attribute (printf format)
 *
 * Health never improves: a fault less severe than the current state
 * leaves state and reason as they are. The reason is also logged.
 */
void mdgpu_parent_set_health(struct mdgpu_parent *parent,
			     enum mdgpu_health health, const char *fmt, ...)
{
	va_list args;

	mutex_lock(&parent->lock);
	if (health >= parent->health) {
		parent->health = health;
		va_start(args, fmt);
		vscnprintf(parent->health_reason,
			   sizeof(parent->health_reason), fmt, args);
		va_end(args);
		dev_warn(&parent->dev, "health %s: %s\n",
			 mdgpu_health_name(health), parent->health_reason);
	}
	mutex_unlock(&parent->lock);
}

/**
 * mdgpu_parent_add_vgpu() - list a new instance on its parent
 * @vgpu: the instance, at the end of .init
 */
void mdgpu_parent_add_vgpu(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_parent *parent = vgpu->parent;

	mutex_lock(&parent->vgpus_lock);
	list_add_tail(&vgpu->parent_node, &parent->vgpus);
	mutex_unlock(&parent->vgpus_lock);
}

/**
 * mdgpu_parent_del_vgpu() - take an instance off its parent's list
 * @vgpu: the instance, at the start of .release
 *
 * Once this returns, no fault injection or hang recovery touches it.
 */
void mdgpu_parent_del_vgpu(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_parent *parent = vgpu->parent;

	mutex_lock(&parent->vgpus_lock);
	list_del(&vgpu->parent_node);
	mutex_unlock(&parent->vgpus_lock);
}

static int mdgpu_parent_setup_types(struct mdgpu_parent *parent)
{
	unsigned int i;

	for (i = 0; i < mdgpu_nr_type_descs; i++) {
		const struct mdgpu_type_desc *desc = &mdgpu_type_descs[i];
		struct mdgpu_type *t;

		if (desc->vram_size > parent->vram_size)
			continue;
		if (parent->nr_types == ARRAY_SIZE(parent->types))
			break;
		t = &parent->types[parent->nr_types];
		t->desc = desc;
		t->parent = parent;
		t->mtype.sysfs_name = desc->sysfs_name;
		t->mtype.pretty_name = desc->pretty_name;
		parent->type_ptrs[parent->nr_types++] = &t->mtype;
	}
	return parent->nr_types ? 0 : -EINVAL;
}

static int mdgpu_parent_create(unsigned int index, u64 vram_size)
{
	struct mdgpu_parent *parent;
	int ret;

	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return -ENOMEM;
	parent->index = index;
	parent->vram_size = vram_size;
	parent->ops = &mdgpu_sim_ops;
	mutex_init(&parent->lock);
	mutex_init(&parent->vgpus_lock);
	INIT_LIST_HEAD(&parent->vgpus);
	strscpy(parent->health_reason, "none", sizeof(parent->health_reason));
	parent->dev.class = &mdgpu_class;
	parent->dev.release = mdgpu_parent_dev_release;
	device_initialize(&parent->dev);
	/* From here on, put_device() frees everything allocated so far. */

	ret = dev_set_name(&parent->dev, "sim%u", index);
	if (ret)
		goto put_dev;
	ret = mdgpu_vram_map_init(&parent->vram, vram_size,
				  MDGPU_VRAM_GRANULE_SHIFT);
	if (ret)
		goto put_dev;
	ret = mdgpu_parent_setup_types(parent);
	if (ret)
		goto put_dev;
	ret = parent->ops->init(parent);
	if (ret)
		goto put_dev;
	ret = mdgpu_engine_create(parent);
	if (ret)
		goto put_dev;
	ret = device_add(&parent->dev);
	if (ret)
		goto put_dev;
	ret = mdev_register_parent(&parent->mdev_parent, &parent->dev,
				   &mdgpu_mdev_driver, parent->type_ptrs,
				   parent->nr_types);
	if (ret)
		goto del_dev;
	mdgpu_parents[mdgpu_nr_parents++] = parent;
	mdgpu_debugfs_parent_add(parent);
	return 0;

del_dev:
	device_del(&parent->dev);
put_dev:
	put_device(&parent->dev);
	return ret;
}

static void mdgpu_parent_destroy(struct mdgpu_parent *parent)
{
	/* No fault is injected from here on. */
	mdgpu_debugfs_parent_del(parent);
	/* Removes every instance, waiting for their users to let go. */
	mdev_unregister_parent(&parent->mdev_parent);
	mdgpu_engine_stop(parent);
	device_del(&parent->dev);
	put_device(&parent->dev);	/* the backend goes with the last ref */
}

/**
 * mdgpu_parents_destroy() - remove every parent and the class
 */
void mdgpu_parents_destroy(void)
{
	while (mdgpu_nr_parents)
		mdgpu_parent_destroy(mdgpu_parents[--mdgpu_nr_parents]);
	if (mdgpu_class_registered)
		class_unregister(&mdgpu_class);
	mdgpu_class_registered = false;
}

/**
 * mdgpu_parents_create() - create the simulated parents
 * @count: number of parents, 1 to MDGPU_MAX_PARENTS
 * @vram_size: VRAM of each, in bytes
 *
 * On failure everything created so far is removed again.
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_parents_create(unsigned int count, u64 vram_size)
{
	unsigned int i;
	int ret;

	ret = class_register(&mdgpu_class);
	if (ret)
		return ret;
	mdgpu_class_registered = true;
	for (i = 0; i < count; i++) {
		ret = mdgpu_parent_create(i, vram_size);
		if (ret) {
			mdgpu_parents_destroy();
			return ret;
		}
	}
	return 0;
}
