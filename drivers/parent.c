// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: parent GPUs, as their backends register them.
 */

/**
 * DOC: Parent registration
 *
 * A backend makes a device a parent GPU with mdgpu_parent_register(): the
 * device (a class device of its own, a PCI device its driver was bound
 * to), the backend's operations (struct mdgpu_backend_ops) and the VRAM
 * size. The core then sets up the VRAM allocator, the types that fit
 * (the backend's table or the default one), the backend (->init), the
 * engine, the parent's sysfs attributes on the device, its debugfs
 * directory, and registers the device as an mdev parent, so its types
 * appear under ``mdev_supported_types``.
 *
 * mdgpu_parent_unregister() undoes it, in the backend's remove path: if
 * the backend says the device is going away under its instances (a PCI
 * unbind or hot-unplug) and instances exist, the parent is marked lost
 * first, as by the
 * ``lost`` fault injection: no new instance, each open instance's engine
 * context fails with MDGPU_ERR_LOST and its user gets the request
 * interrupt. Then every instance is removed (the mdev core waits for their
 * users to close them, repeating the request), the engine stops and the
 * backend's ->fini runs, all before the call returns, so the backend may
 * release its device's resources right after. The structure itself goes
 * with its last reference (mdgpu_parent_put()).
 */
#include <linux/idr.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "mdgpu.h"

/* Parent numbers (mdgpu_parent::index). */
static DEFINE_IDA(mdgpu_parent_ida);

static void mdgpu_parent_free(struct kref *ref)
{
	struct mdgpu_parent *parent = container_of(ref, struct mdgpu_parent,
						   ref);

	/* Instances hold a reference: none is left to use the engine. */
	mdgpu_engine_free(parent);
	mdgpu_parent_resv_fini(parent);
	mdgpu_vram_map_fini(&parent->vram);
	ida_free(&mdgpu_parent_ida, parent->index);
	mutex_destroy(&parent->vgpus_lock);
	mutex_destroy(&parent->lock);
	put_device(parent->dev);
	kfree(parent);
}

/**
 * mdgpu_parent_get() - take a reference on a parent
 * @parent: the parent
 */
void mdgpu_parent_get(struct mdgpu_parent *parent)
{
	kref_get(&parent->ref);
}

/**
 * mdgpu_parent_put() - drop a reference on a parent
 * @parent: the parent; freed with the last reference
 */
void mdgpu_parent_put(struct mdgpu_parent *parent)
{
	kref_put(&parent->ref, mdgpu_parent_free);
}

/**
 * mdgpu_parent_reserve_vram() - give a new instance its VRAM range
 * @vgpu: the instance, in .init: its parent and VRAM size (its type's
 *	  framebuffer size) are set
 *
 * An instance whose UUID has a reservation on the parent takes it
 * (mdgpu_resv_claim_locked()): the reserved range if it holds VRAM, so
 * the create succeeds however full the parent is otherwise. Any other
 * gets a free range.
 *
 * Return: 0 (@vgpu->vram_offset and @vgpu->resv set), -ENOSPC when no
 * aligned range of the size is free (retired granules are never used) or
 * the instance is larger than its reserved range, -EIO when its reserved
 * range has a retired granule, or -ENODEV when the parent is lost.
 */
int mdgpu_parent_reserve_vram(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_parent *parent = vgpu->parent;
	struct mdgpu_resv *resv = NULL;
	bool placed = false;
	int ret = 0;

	mutex_lock(&parent->lock);
	if (parent->health == MDGPU_HEALTH_FAILED) {
		ret = -ENODEV;
		goto unlock;
	}
	resv = mdgpu_resv_claim_locked(parent, vgpu, &vgpu->vram_offset);
	if (IS_ERR(resv)) {
		ret = PTR_ERR(resv);
		goto unlock;
	}
	vgpu->resv = resv;
	placed = resv && resv->spec.vram_mb;
	if (!placed)
		ret = mdgpu_vram_alloc(&parent->vram, vgpu->vram_size,
				       &vgpu->vram_offset);
	if (ret && resv)
		mdgpu_resv_unclaim_locked(vgpu);
	if (!ret)
		parent->instances++;
unlock:
	mutex_unlock(&parent->lock);
	return ret;
}

/**
 * mdgpu_parent_reap_vram() - wait until discarded VRAM is freed
 * @parent: the parent; the caller holds no mdgpu lock
 *
 * A discard runs under the owning instance's lock and may leave freeing
 * the memory to later (mdgpu_backend_ops::vram_reap); whoever discarded
 * calls this once the lock is dropped, so a reset, close or remove
 * returns with the memory freed and uncharged, while the instance's
 * other users (register reads, page faults) waited only for the discard.
 */
void mdgpu_parent_reap_vram(struct mdgpu_parent *parent)
{
	might_sleep();
	if (parent->ops->vram_reap)
		parent->ops->vram_reap(parent);
}

/**
 * mdgpu_parent_release_vram() - take the VRAM range back from an instance
 * @vgpu: the instance, in .release
 *
 * The range's contents are discarded first, so whoever gets it next reads
 * zeroes: one tenant never sees another's data; and its memory is freed
 * before the range is, so the next instance given the range does not find
 * the parent's memory still counting the last one's pages. A reserved
 * range goes back to its reservation, any other to the parent.
 */
void mdgpu_parent_release_vram(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_parent *parent = vgpu->parent;
	u64 offset = vgpu->vram_offset, size = vgpu->vram_size;

	parent->ops->vram_discard(parent, offset, size);
	mdgpu_parent_reap_vram(parent);
	mutex_lock(&parent->lock);
	if (!mdgpu_vgpu_pinned(vgpu))
		mdgpu_vram_free(&parent->vram, offset, size);
	if (vgpu->resv)
		mdgpu_resv_unclaim_locked(vgpu);
	parent->instances--;
	mutex_unlock(&parent->lock);
	/* mdgpu_parent_unregister() may wait for the last one. */
	wake_up_var(&parent->instances);
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

static int mdgpu_parent_share_fn(struct mdgpu_sched *s,
				 struct mdgpu_sched_entity *e, void *arg)
{
	mdgpu_sched_entity_set_share(e, *(unsigned int *)arg);
	return 0;
}

/*
 * The fixed share of an instance (fixed_share policy) is its part of the
 * VRAM its parent promises, @promise: so the shares of all instances add
 * up to at most the whole engine, whatever the oversubscription ratio.
 * The caller holds the parent's vgpus_lock, so a ratio change and the
 * listing of a new instance (mdgpu_parent_add_vgpu()) do not interleave.
 */
static void mdgpu_parent_set_share(struct mdgpu_vgpu *vgpu, u64 promise)
{
	unsigned int max = div64_u64(promise, vgpu->vram_size);

	lockdep_assert_held(&vgpu->parent->vgpus_lock);
	mdgpu_engine_entity_call(vgpu, mdgpu_parent_share_fn, &max);
}

/**
 * mdgpu_parent_set_vram_ratio() - change how much VRAM may be promised
 * @parent: the parent
 * @permille: the oversubscription ratio in thousandths, 1000 to
 *	      MDGPU_VRAM_RATIO_MAX
 *
 * Instances may be promised VRAM up to @permille / 1000 times the
 * parent's VRAM from now on (available_instances follows at once).
 * Raising always works; lowering works only while every instance's range
 * lies inside the new promise.
 *
 * Return: 0; -ERANGE for a ratio out of range; -EOPNOTSUPP for a ratio
 * other than 1000 on a parent whose VRAM has no lazy backing (the PCI
 * parent); -EBUSY if an instance's range reaches past the new promise.
 */
int mdgpu_parent_set_vram_ratio(struct mdgpu_parent *parent, u32 permille)
{
	int ret = mdgpu_vram_ratio_valid(permille, parent->ops->vram_lazy);
	struct mdgpu_vgpu *vgpu;
	u64 promise;

	if (ret)
		return ret;
	promise = mdgpu_vram_promise(parent->vram_size, permille,
				     MDGPU_VRAM_GRANULE_SHIFT);
	/* Keeps the instances and their fixed shares as they are meanwhile. */
	mutex_lock(&parent->vgpus_lock);
	mutex_lock(&parent->lock);
	ret = mdgpu_vram_map_resize(&parent->vram, promise);
	if (!ret)
		parent->vram_ratio = permille;
	mutex_unlock(&parent->lock);
	if (!ret)
		list_for_each_entry(vgpu, &parent->vgpus, parent_node)
			mdgpu_parent_set_share(vgpu, promise);
	mutex_unlock(&parent->vgpus_lock);
	return ret;
}

/**
 * mdgpu_parent_vram_ratio() - the parent's VRAM oversubscription ratio
 * @parent: the parent
 *
 * Return: the ratio in thousandths.
 */
u32 mdgpu_parent_vram_ratio(struct mdgpu_parent *parent)
{
	u32 permille;

	mutex_lock(&parent->lock);
	permille = parent->vram_ratio;
	mutex_unlock(&parent->lock);
	return permille;
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
		dev_warn(parent->dev, "health %s: %s\n",
			 mdgpu_health_name(health), parent->health_reason);
	}
	mutex_unlock(&parent->lock);
}

/**
 * mdgpu_parent_add_vgpu() - list a new instance on its parent
 * @vgpu: the instance, at the end of .init
 *
 * Its fixed share becomes its part of the VRAM promised now; a reserved
 * instance takes its reservation's engine share and class.
 */
void mdgpu_parent_add_vgpu(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_parent *parent = vgpu->parent;
	u64 promise;

	mutex_lock(&parent->vgpus_lock);
	list_add_tail(&vgpu->parent_node, &parent->vgpus);
	mutex_lock(&parent->lock);
	promise = (u64)parent->vram.nr_granules << parent->vram.granule_shift;
	mutex_unlock(&parent->lock);
	mdgpu_parent_set_share(vgpu, promise);
	mutex_unlock(&parent->vgpus_lock);
	mdgpu_resv_attach(vgpu);
}

/**
 * mdgpu_parent_del_vgpu() - take an instance off its parent's list
 * @vgpu: the instance, at the start of .release
 *
 * Once this returns, no fault injection or hang recovery touches it; a
 * reserved instance's engine share is unheld again.
 */
void mdgpu_parent_del_vgpu(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_parent *parent = vgpu->parent;

	mdgpu_resv_detach(vgpu);
	mutex_lock(&parent->vgpus_lock);
	list_del(&vgpu->parent_node);
	mutex_unlock(&parent->vgpus_lock);
}

static int mdgpu_parent_setup_types(struct mdgpu_parent *parent)
{
	const struct mdgpu_type_desc *descs = parent->ops->types;
	unsigned int i, nr = parent->ops->nr_types;

	if (!descs) {
		descs = mdgpu_type_descs;
		nr = mdgpu_nr_type_descs;
	}
	for (i = 0; i < nr; i++) {
		const struct mdgpu_type_desc *desc = &descs[i];
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

/**
 * mdgpu_parent_lose() - the parent GPU is lost
 * @parent: the parent
 * @why: the reason, for the ``health_reason`` attribute and the log
 *
 * No instance can be created any more, each open instance's engine
 * context is put in its error state (MDGPU_ERR_LOST) and each user gets the
 * request interrupt (QEMU unplugs the device from its guest). The
 * instances stay until their users release them.
 *
 * Return: the number of instances that existed.
 */
unsigned int mdgpu_parent_lose(struct mdgpu_parent *parent, const char *why)
{
	struct mdgpu_vgpu *vgpu;
	unsigned int n = 0;

	/* First: no new instance from now on. */
	mdgpu_parent_set_health(parent, MDGPU_HEALTH_FAILED, "%s", why);
	mutex_lock(&parent->vgpus_lock);
	mdgpu_engine_lose(parent);
	/* Ask each user to release its device (QEMU unplugs it). */
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		mdgpu_irq_raise(vgpu, VFIO_PCI_REQ_IRQ_INDEX);
		n++;
	}
	mutex_unlock(&parent->vgpus_lock);
	return n;
}

/**
 * mdgpu_parent_register() - make a device a parent GPU
 * @dev: the device: registered, owned by the backend, with no driver data
 *	 of its own (the parent is set as its driver data)
 * @ops: the backend's operations, with at least init, fini, vram_rw,
 *	 vram_discard, vram_pfn and run_chunk
 * @vram_size: VRAM size in bytes, a multiple of 1 MiB
 * @backend: initial value of mdgpu_parent::backend, for @ops->init
 *
 * On success the device carries the parent's attributes and offers the
 * types of @ops (or the default ones) that fit in @vram_size. The parent
 * holds a reference on @dev until it is freed.
 *
 * Return: the parent, or an ERR_PTR(): -EINVAL for a VRAM size no type
 * fits in or missing operations, -ENOMEM, or the error of a step.
 */
struct mdgpu_parent *mdgpu_parent_register(struct device *dev,
					   const struct mdgpu_backend_ops *ops,
					   u64 vram_size, void *backend)
{
	struct mdgpu_parent *parent;
	int ret;

	if (!ops->init || !ops->fini || !ops->vram_rw || !ops->vram_discard ||
	    !ops->vram_pfn || !ops->run_chunk)
		return ERR_PTR(-EINVAL);
	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return ERR_PTR(-ENOMEM);
	ret = ida_alloc(&mdgpu_parent_ida, GFP_KERNEL);
	if (ret < 0)
		goto free_parent;
	parent->index = ret;
	parent->dev = get_device(dev);
	kref_init(&parent->ref);
	parent->vram_size = vram_size;
	parent->vram_max = ops->vram_lazy ?
		mdgpu_vram_promise(vram_size, MDGPU_VRAM_RATIO_MAX,
				   MDGPU_VRAM_GRANULE_SHIFT) : vram_size;
	parent->vram_ratio = MDGPU_VRAM_RATIO_MIN;
	parent->ops = ops;
	parent->backend = backend;
	mutex_init(&parent->lock);
	mutex_init(&parent->vgpus_lock);
	INIT_LIST_HEAD(&parent->vgpus);
	INIT_LIST_HEAD(&parent->resvs);
	INIT_WORK(&parent->reclaim_work, mdgpu_vram_reclaim_work);
	strscpy(parent->health_reason, "none", sizeof(parent->health_reason));
	/* From here on, mdgpu_parent_put() frees everything done so far. */

	ret = mdgpu_vram_map_init_max(&parent->vram, vram_size,
				      parent->vram_max,
				      MDGPU_VRAM_GRANULE_SHIFT);
	if (ret)
		goto put_parent;
	ret = mdgpu_parent_setup_types(parent);
	if (ret)
		goto put_parent;
	ret = ops->init(parent);
	if (ret)
		goto put_parent;
	ret = mdgpu_engine_create(parent);
	if (ret)
		goto fini_backend;
	dev_set_drvdata(dev, parent);
	ret = sysfs_create_groups(&dev->kobj, mdgpu_parent_groups);
	if (ret)
		goto stop_engine;
	ret = mdev_register_parent(&parent->mdev_parent, dev,
				   &mdgpu_mdev_driver, parent->type_ptrs,
				   parent->nr_types);
	if (ret)
		goto remove_groups;
	mdgpu_debugfs_parent_add(parent);
	dev_info(dev, "mdgpu parent %u: backend %s, %llu MiB VRAM, %u types\n",
		 parent->index, ops->name, vram_size >> 20, parent->nr_types);
	return parent;

remove_groups:
	sysfs_remove_groups(&dev->kobj, mdgpu_parent_groups);
stop_engine:
	dev_set_drvdata(dev, NULL);
	mdgpu_engine_stop(parent);
fini_backend:
	ops->fini(parent);
put_parent:
	mdgpu_parent_put(parent);
	return ERR_PTR(ret);
free_parent:
	kfree(parent);
	return ERR_PTR(ret);
}

/**
 * mdgpu_parent_unregister() - remove a parent GPU
 * @parent: the parent, registered
 * @lost: the device is going away under its instances (unbind,
 *	  hot-unplug): their users are told first (mdgpu_parent_lose())
 *
 * Returns once no instance exists (waiting for their users to close them),
 * the engine is stopped and the backend's ->fini has run. Drops the
 * registration's reference.
 */
void mdgpu_parent_unregister(struct mdgpu_parent *parent, bool lost)
{
	struct device *dev = parent->dev;
	unsigned int n;

	/* No fault is injected from here on. */
	mdgpu_debugfs_parent_del(parent);
	mutex_lock(&parent->lock);
	n = parent->instances;
	mutex_unlock(&parent->lock);
	/* With no instance, nobody needs to be told. */
	if (lost && n) {
		n = mdgpu_parent_lose(parent, "parent device removed");
		dev_warn(dev, "removed with %u instances: unplug requested, waiting for their users\n",
			 n);
	}
	/* Removes every instance, waiting for their users to let go. */
	mdev_unregister_parent(&parent->mdev_parent);
	/*
	 * The instances' .release (which discards their VRAM) normally ran
	 * in there; wait in case a reference on one was still held.
	 */
	wait_var_event(&parent->instances, !READ_ONCE(parent->instances));
	sysfs_remove_groups(&dev->kobj, mdgpu_parent_groups);
	/* Only instances queue it, and none is left. */
	cancel_work_sync(&parent->reclaim_work);
	mdgpu_engine_stop(parent);
	parent->ops->fini(parent);
	dev_set_drvdata(dev, NULL);
	mdgpu_parent_put(parent);
}
