// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: capacity a parent reserves for named instances.
 */

/**
 * DOC: Reserved capacity
 *
 * The admin reserves, on a parent, VRAM and an engine share for an
 * instance named by its UUID, and the priority class it will run in, by
 * writing ``UUID:VRAM_MB:SHARE_PPM:PRIORITY`` to the parent's
 * ``reservations`` attribute (``-UUID`` deletes).
 *
 * Reservations are keyed by UUID, not by priority class, because VRAM is
 * given at create time (.init), while the priority class is a tunable of
 * the instance set after create (mdevctl and libvirt write it once the
 * device exists): at create, the UUID is all that tells a critical
 * instance from an ordinary one.
 *
 * - VRAM: the range is allocated from the VRAM map when the reservation is
 *   made, and stays allocated until the reservation is deleted. Ordinary
 *   creates, ``available_instances`` and compaction see it as used, so
 *   admission is exact with no arithmetic of its own; the instance created
 *   with the UUID takes the range (however full the parent is otherwise),
 *   and gives it back to the reservation, not to the parent, when it goes.
 *   Reservations together hold at most the parent's own VRAM, whatever its
 *   ``vram_ratio``; a reserved range stops a lowering of the ratio like an
 *   instance's range does.
 * - Engine share: reserved in the scheduler (scheduler/sched_reserve.c):
 *   no other minimum share may use it; the instance gets it as its
 *   ``min_share``, and the reservation's class as its ``priority``, when
 *   it is created.
 *
 * A reservation held by an instance cannot be deleted (-EBUSY); the
 * instance keeps its range (compaction does not move it).
 */
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "mdgpu.h"
#include "mdgpu_sched.h"

static const guid_t *mdgpu_vgpu_uuid(struct mdgpu_vgpu *vgpu)
{
	return &to_mdev_device(vgpu->vdev.dev)->uuid;
}

static struct mdgpu_resv *mdgpu_resv_find(struct mdgpu_parent *parent,
					  const guid_t *uuid)
{
	struct mdgpu_resv *r;

	lockdep_assert_held(&parent->lock);
	list_for_each_entry(r, &parent->resvs, node)
		if (guid_equal(&r->spec.uuid, uuid))
			return r;
	return NULL;
}

static int mdgpu_resv_sched_add(struct mdgpu_sched *s, void *arg)
{
	mdgpu_sched_assert_held(s);
	return mdgpu_sched_reserve_add(s, *(u32 *)arg);
}

static int mdgpu_resv_sched_drop(struct mdgpu_sched *s, void *arg)
{
	mdgpu_sched_assert_held(s);
	mdgpu_sched_reserve_drop(s, *(u32 *)arg);
	return 0;
}

/*
 * Reserve what @spec asks for. Return: 0; -ENODEV on a failed parent;
 * -EEXIST if @spec's UUID is reserved already; -ENOSPC when the parent has
 * MDGPU_RESV_MAX reservations, its reservations would hold more than its
 * VRAM, no aligned range of the size is free, or the engine share is
 * committed (minimum shares and other reservations).
 */
static int mdgpu_parent_resv_add(struct mdgpu_parent *parent,
				 const struct mdgpu_resv_spec *spec)
{
	u64 size = (u64)spec->vram_mb << 20;
	struct mdgpu_resv *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->spec = *spec;
	mutex_lock(&parent->lock);
	if (parent->health == MDGPU_HEALTH_FAILED)
		ret = -ENODEV;
	else if (mdgpu_resv_find(parent, &spec->uuid))
		ret = -EEXIST;
	else if (parent->nr_resvs >= MDGPU_RESV_MAX)
		ret = -ENOSPC;
	else
		ret = mdgpu_resv_vram_admit(parent->vram_size,
					    parent->resv_vram, size);
	if (!ret && size)
		ret = mdgpu_vram_alloc(&parent->vram, size, &r->vram_offset);
	if (ret == -EINVAL)	/* larger than what the parent promises */
		ret = -ENOSPC;
	if (ret)
		goto unlock;
	ret = mdgpu_engine_sched_call(parent, mdgpu_resv_sched_add,
				      &r->spec.share);
	if (ret) {
		if (size)
			mdgpu_vram_free(&parent->vram, r->vram_offset, size);
		goto unlock;
	}
	list_add_tail(&r->node, &parent->resvs);
	parent->nr_resvs++;
	parent->resv_vram += size;
	r = NULL;
unlock:
	mutex_unlock(&parent->lock);
	kfree(r);
	return ret;
}

/* Return: 0, -ENOENT if @uuid has no reservation, -EBUSY if it is held. */
static int mdgpu_parent_resv_del(struct mdgpu_parent *parent,
				 const guid_t *uuid)
{
	u64 size;
	struct mdgpu_resv *r;
	int ret = 0;

	mutex_lock(&parent->lock);
	r = mdgpu_resv_find(parent, uuid);
	if (!r)
		ret = -ENOENT;
	else if (r->holder)
		ret = -EBUSY;
	if (ret)
		goto unlock;
	size = (u64)r->spec.vram_mb << 20;
	if (size)
		mdgpu_vram_free(&parent->vram, r->vram_offset, size);
	mdgpu_engine_sched_call(parent, mdgpu_resv_sched_drop, &r->spec.share);
	list_del(&r->node);
	parent->nr_resvs--;
	parent->resv_vram -= size;
	kfree(r);
unlock:
	mutex_unlock(&parent->lock);
	return ret;
}

/**
 * mdgpu_parent_resv_fini() - free a parent's reservations
 * @parent: the parent, being freed (no instance is left)
 */
void mdgpu_parent_resv_fini(struct mdgpu_parent *parent)
{
	struct mdgpu_resv *r, *tmp;

	list_for_each_entry_safe(r, tmp, &parent->resvs, node) {
		list_del(&r->node);
		kfree(r);
	}
	parent->nr_resvs = 0;
}

/**
 * mdgpu_resv_claim_locked() - give a new instance its reserved VRAM
 * @parent: the parent; caller holds its lock
 * @vgpu: the instance, in .init (its size is known)
 * @offset: the start of its range, when the reservation holds VRAM
 *
 * Return: NULL if the instance's UUID has no reservation here; the
 * reservation, now held by @vgpu (*@offset is set if it holds VRAM, else
 * the caller allocates as for any instance); ERR_PTR(-ENOSPC) if the
 * reserved range is smaller than the instance, ERR_PTR(-EIO) if a granule
 * of the part it would use was retired (delete and reserve again).
 */
struct mdgpu_resv *mdgpu_resv_claim_locked(struct mdgpu_parent *parent,
					   struct mdgpu_vgpu *vgpu,
					   u64 *offset)
{
	struct mdgpu_resv *r;
	int fit;

	lockdep_assert_held(&parent->lock);
	r = mdgpu_resv_find(parent, mdgpu_vgpu_uuid(vgpu));
	/* The mdev core keeps UUIDs unique: a held one is not created twice. */
	if (!r || WARN_ON_ONCE(r->holder))
		return NULL;
	fit = mdgpu_resv_fit(&r->spec, vgpu->vram_size);
	if (fit < 0) {
		dev_dbg_ratelimited(parent->dev,
				    "%pUl: type larger than its reservation\n",
				    &r->spec.uuid);
		return ERR_PTR(fit);
	}
	/* A granule retired since the range was reserved is never used. */
	if (fit && mdgpu_vram_range_retired(&parent->vram, r->vram_offset,
					    vgpu->vram_size))
		return ERR_PTR(-EIO);
	if (fit)
		*offset = r->vram_offset;
	r->holder = vgpu;
	return r;
}

/**
 * mdgpu_resv_unclaim_locked() - an instance gives its reservation back
 * @vgpu: the instance, in .release (or .init's unwind); the caller holds
 *	  its parent's lock
 */
void mdgpu_resv_unclaim_locked(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->parent->lock);
	vgpu->resv->holder = NULL;
	vgpu->resv = NULL;
}

/**
 * mdgpu_vgpu_pinned() - whether an instance's range must stay where it is
 * @vgpu: the instance
 *
 * Return: true when its range is the VRAM of its reservation (which owns
 * the range, so compaction leaves it in place).
 */
bool mdgpu_vgpu_pinned(const struct mdgpu_vgpu *vgpu)
{
	return vgpu->resv && vgpu->resv->spec.vram_mb;
}

static int mdgpu_resv_attach_fn(struct mdgpu_sched *s,
				struct mdgpu_sched_entity *e, void *arg)
{
	const struct mdgpu_resv_spec *spec = arg;

	mdgpu_sched_assert_held(s);
	return mdgpu_sched_reserve_attach(s, e, spec->share, spec->priority,
					  ktime_get_ns());
}

static int mdgpu_resv_detach_fn(struct mdgpu_sched *s,
				struct mdgpu_sched_entity *e, void *arg)
{
	mdgpu_sched_assert_held(s);
	mdgpu_sched_reserve_detach(s, e, ktime_get_ns());
	return 0;
}

/**
 * mdgpu_resv_attach() - a reserved instance takes its engine share
 * @vgpu: the instance, at the end of .init
 *
 * It gets the reserved share as its ``min_share`` and the reservation's
 * class as its ``priority`` (mdgpu_sched_reserve_attach()).
 */
void mdgpu_resv_attach(struct mdgpu_vgpu *vgpu)
{
	if (!vgpu->resv)
		return;
	/* The share was admitted when it was reserved: this cannot fail. */
	WARN_ON_ONCE(mdgpu_engine_entity_call(vgpu, mdgpu_resv_attach_fn,
					      &vgpu->resv->spec));
}

/**
 * mdgpu_resv_detach() - a reserved instance gives its engine share back
 * @vgpu: the instance, at the start of .release
 */
void mdgpu_resv_detach(struct mdgpu_vgpu *vgpu)
{
	if (vgpu->resv)
		mdgpu_engine_entity_call(vgpu, mdgpu_resv_detach_fn, NULL);
}

/* ---- sysfs -------------------------------------------------------------- */

static ssize_t reservations_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	struct mdgpu_resv *r;
	int n = 0;

	mutex_lock(&parent->lock);
	list_for_each_entry(r, &parent->resvs, node) {
		const struct mdgpu_resv_spec *s = &r->spec;

		n += sysfs_emit_at(buf, n, "%pUl:%u:%u:%u ", &s->uuid,
				   s->vram_mb, s->share, s->priority);
		if (s->vram_mb)
			n += sysfs_emit_at(buf, n, "%llu", r->vram_offset);
		else
			n += sysfs_emit_at(buf, n, "-");
		n += sysfs_emit_at(buf, n, " %s\n",
				   r->holder ? "held" : "unheld");
	}
	mutex_unlock(&parent->lock);
	return n;
}

static ssize_t reservations_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	struct mdgpu_resv_spec spec;
	int ret = mdgpu_resv_parse(buf, &spec);

	if (!ret)
		ret = mdgpu_resv_spec_check(&spec);
	if (ret)
		return ret;
	if (spec.remove)
		ret = mdgpu_parent_resv_del(parent, &spec.uuid);
	else
		ret = mdgpu_parent_resv_add(parent, &spec);
	return ret ?: count;
}
static DEVICE_ATTR_RW(reservations);

/* VRAM and share of the reservations no instance holds. */
static void mdgpu_resv_unheld(struct mdgpu_parent *parent, u64 *vram,
			      u64 *share)
{
	struct mdgpu_resv *r;

	*vram = 0;
	*share = 0;
	mutex_lock(&parent->lock);
	list_for_each_entry(r, &parent->resvs, node) {
		if (r->holder)
			continue;
		*vram += (u64)r->spec.vram_mb << 20;
		*share += r->spec.share;
	}
	mutex_unlock(&parent->lock);
}

static ssize_t reserved_vram_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	u64 vram, share;

	mdgpu_resv_unheld(to_mdgpu_parent(dev), &vram, &share);
	return sysfs_emit(buf, "%llu\n", vram);
}
static DEVICE_ATTR_RO(reserved_vram);

static ssize_t reserved_share_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	u64 vram, share;

	mdgpu_resv_unheld(to_mdgpu_parent(dev), &vram, &share);
	return sysfs_emit(buf, "%llu\n", share);
}
static DEVICE_ATTR_RO(reserved_share);

static struct attribute *mdgpu_resv_parent_attrs[] = {
	&dev_attr_reservations.attr,
	&dev_attr_reserved_vram.attr,
	&dev_attr_reserved_share.attr,
	NULL,
};

/* The parent's reservation files (an unnamed group, in drivers/sysfs.c). */
const struct attribute_group mdgpu_resv_parent_group = {
	.attrs = mdgpu_resv_parent_attrs,
};
