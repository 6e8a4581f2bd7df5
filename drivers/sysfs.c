// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: sysfs attributes of parents and instances (one value per file).
 * Documented in Documentation/ABI/testing/sysfs-class-mdgpu and
 * Documentation/ABI/testing/sysfs-bus-mdev-devices-mdgpu.
 */
#include <linux/sched.h>
#include <linux/sysfs.h>

#include "mdgpu.h"
#include "mdgpu_sched_sysfs.h"

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mdgpu_parent(dev)->ops->name);
}
static DEVICE_ATTR_RO(backend);

static ssize_t vram_total_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_mdgpu_parent(dev)->vram_size);
}
static DEVICE_ATTR_RO(vram_total);

static ssize_t vram_used_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	u64 used;

	mutex_lock(&parent->lock);
	used = mdgpu_vram_used_bytes(&parent->vram);
	mutex_unlock(&parent->lock);
	return sysfs_emit(buf, "%llu\n", used);
}
static DEVICE_ATTR_RO(vram_used);

static ssize_t vram_populated_parent_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);

	if (!parent->ops->vram_populated)
		return sysfs_emit(buf, "%llu\n", parent->vram_size);
	return sysfs_emit(buf, "%llu\n", parent->ops->vram_populated(parent));
}

static struct device_attribute dev_attr_vram_populated_parent =
	__ATTR(vram_populated, 0444, vram_populated_parent_show, NULL);

static ssize_t instances_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	unsigned int n;

	mutex_lock(&parent->lock);
	n = parent->instances;
	mutex_unlock(&parent->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(instances);

static ssize_t health_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	enum mdgpu_health health;

	mutex_lock(&parent->lock);
	health = parent->health;
	mutex_unlock(&parent->lock);
	return sysfs_emit(buf, "%s\n", mdgpu_health_name(health));
}
static DEVICE_ATTR_RO(health);

static ssize_t health_reason_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	ssize_t n;

	mutex_lock(&parent->lock);
	n = sysfs_emit(buf, "%s\n", parent->health_reason);
	mutex_unlock(&parent->lock);
	return n;
}
static DEVICE_ATTR_RO(health_reason);

static ssize_t vram_retired_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	u64 bytes;

	mutex_lock(&parent->lock);
	bytes = mdgpu_vram_retired_bytes(&parent->vram);
	mutex_unlock(&parent->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(vram_retired);

static ssize_t vram_largest_free_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	u64 bytes = 0;

	mutex_lock(&parent->lock);
	if (parent->health != MDGPU_HEALTH_FAILED)
		bytes = mdgpu_vram_largest_free(&parent->vram);
	mutex_unlock(&parent->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(vram_largest_free);

static ssize_t relocations_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	u64 n;

	mutex_lock(&parent->lock);
	n = parent->relocations;
	mutex_unlock(&parent->lock);
	return sysfs_emit(buf, "%llu\n", n);
}
static DEVICE_ATTR_RO(relocations);

/* Writing 1 compacts the parent's VRAM (drivers/relocate.c). */
static ssize_t compact_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);
	unsigned int val, moved;
	int ret;

	ret = kstrtouint(buf, 0, &val);
	if (ret)
		return ret;
	if (val != 1)
		return -EINVAL;
	ret = mdgpu_parent_compact(parent, &moved);
	return ret ?: count;
}
static DEVICE_ATTR_WO(compact);

static ssize_t vram_ratio_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  mdgpu_parent_vram_ratio(to_mdgpu_parent(dev)));
}

/* The VRAM oversubscription ratio in thousandths (drivers/vram_reclaim.c). */
static ssize_t vram_ratio_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 10, &val);
	if (ret)
		return ret;
	ret = mdgpu_parent_set_vram_ratio(to_mdgpu_parent(dev), val);
	return ret ?: count;
}
static DEVICE_ATTR_RW(vram_ratio);

static ssize_t vram_backing_failures_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);

	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&parent->backing_failures));
}
static DEVICE_ATTR_RO(vram_backing_failures);

static ssize_t vram_reclaimed_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct mdgpu_parent *parent = to_mdgpu_parent(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&parent->reclaimed));
}
static DEVICE_ATTR_RO(vram_reclaimed);

static struct attribute *mdgpu_parent_attrs[] = {
	&dev_attr_backend.attr,
	&dev_attr_vram_total.attr,
	&dev_attr_vram_used.attr,
	&dev_attr_vram_populated_parent.attr,
	&dev_attr_instances.attr,
	&dev_attr_health.attr,
	&dev_attr_health_reason.attr,
	&dev_attr_vram_retired.attr,
	&dev_attr_vram_largest_free.attr,
	&dev_attr_relocations.attr,
	&dev_attr_compact.attr,
	&dev_attr_vram_ratio.attr,
	&dev_attr_vram_backing_failures.attr,
	&dev_attr_vram_reclaimed.attr,
	NULL,
};

static const struct attribute_group mdgpu_parent_group = {
	.attrs = mdgpu_parent_attrs,
};

const struct attribute_group *mdgpu_parent_groups[] = {
	&mdgpu_parent_group,
	&mdgpu_sched_parent_group,
	&mdgpu_resv_parent_group,
	NULL,
};

/* Instance attributes, in the "mdgpu" directory of the mdev device. */

static ssize_t vram_offset_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);
	u64 off;

	/* Relocation changes it under the instance lock. */
	mutex_lock(&vgpu->lock);
	off = vgpu->vram_offset;
	mutex_unlock(&vgpu->lock);
	return sysfs_emit(buf, "%llu\n", off);
}
static DEVICE_ATTR_RO(vram_offset);

static ssize_t vram_size_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", vgpu->vram_size);
}
static DEVICE_ATTR_RO(vram_size);

static ssize_t reset_count_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);
	u32 n;

	mutex_lock(&vgpu->lock);
	n = vgpu->reset_count;
	mutex_unlock(&vgpu->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(reset_count);

static ssize_t plane_types_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);
	u32 types;

	mutex_lock(&vgpu->lock);
	types = vgpu->plane_types;
	mutex_unlock(&vgpu->lock);
	return sysfs_emit(buf, "%s\n", mdgpu_plane_types_name(types));
}

/* The plane types are fixed while a VFIO user has the device open. */
static ssize_t plane_types_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);
	int types = mdgpu_plane_types_parse(buf);
	int ret = 0;

	if (types < 0)
		return types;
	/* dma-buf export needs struct pages behind VRAM (not a BAR). */
	if ((types & MDGPU_PLANES_DMABUF) &&
	    !mdgpu_parent_has_dmabuf(vgpu->parent))
		return -EOPNOTSUPP;
	mutex_lock(&vgpu->lock);
	if (vgpu->open)
		ret = -EBUSY;
	else
		vgpu->plane_types = types;
	mutex_unlock(&vgpu->lock);
	return ret ?: count;
}
static DEVICE_ATTR_RW(plane_types);

static ssize_t migration_state_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mdgpu_mig_state_name(dev_get_drvdata(dev)));
}
static DEVICE_ATTR_RO(migration_state);

static ssize_t migration_compat_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);
	int n = mdgpu_mig_compat_format(&vgpu->mig.compat, buf, PAGE_SIZE - 1);

	buf[n] = '\n';
	return n + 1;
}
static DEVICE_ATTR_RO(migration_compat);

/**
 * mdgpu_vram_populated() - bytes of an instance's VRAM that have backing
 * @vgpu: the instance; caller holds vgpu->lock (its range does not move)
 *
 * The pages written since their last discard, as the backend's vram_next
 * finds them; without vram_next every page counts.
 *
 * Return: the bytes.
 */
static u64 mdgpu_vram_populated(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_parent *parent = vgpu->parent;
	u64 base = vgpu->vram_offset, end = base + vgpu->vram_size, off;
	u64 pages = 0;

	lockdep_assert_held(&vgpu->lock);
	if (!parent->ops->vram_next)
		return vgpu->vram_size;
	for (off = parent->ops->vram_next(parent, base, end); off < end;
	     off = parent->ops->vram_next(parent, off + PAGE_SIZE, end)) {
		pages++;
		if (!(pages % 1024))
			cond_resched();
	}
	return pages << PAGE_SHIFT;
}

static ssize_t vram_populated_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);
	u64 bytes;

	mutex_lock(&vgpu->lock);
	bytes = mdgpu_vram_populated(vgpu);
	mutex_unlock(&vgpu->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(vram_populated);

/* The engine's counters of the context, copied under the engine lock. */
static int mdgpu_vgpu_engine_stats_get(struct mdgpu_sched *s,
				       struct mdgpu_sched_entity *e, void *arg)
{
	struct mdgpu_engine_ctx *ctx =
		container_of(e, struct mdgpu_engine_ctx, entity);

	mdgpu_sched_assert_held(s);
	*(struct mdgpu_engine_stats *)arg = ctx->stats;
	return 0;
}

static ssize_t engine_errors_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct mdgpu_engine_stats st;
	int ret = mdgpu_engine_entity_call(dev_get_drvdata(dev),
					   mdgpu_vgpu_engine_stats_get, &st);

	if (ret)
		return ret;
	return sysfs_emit(buf, "%llu\n", st.errors);
}
static DEVICE_ATTR_RO(engine_errors);

static ssize_t engine_commands_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct mdgpu_engine_stats st;
	int ret = mdgpu_engine_entity_call(dev_get_drvdata(dev),
					   mdgpu_vgpu_engine_stats_get, &st);

	if (ret)
		return ret;
	return sysfs_emit(buf, "%llu\n", st.cmds);
}
static DEVICE_ATTR_RO(engine_commands);

/*
 * The context's error registers (ERR_CODE, ERR_HEAD, ERR_HEADER), as the
 * guest reads them: under vgpu->lock.
 */
static void mdgpu_vgpu_engine_error(struct device *dev, u32 *code, u32 *head,
				    u32 *header)
{
	struct mdgpu_vgpu *vgpu = dev_get_drvdata(dev);

	mutex_lock(&vgpu->lock);
	*code = vgpu->engine.err_code;
	*head = vgpu->engine.err_head;
	*header = vgpu->engine.err_header;
	mutex_unlock(&vgpu->lock);
}

static ssize_t engine_error_code_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	u32 code, head, header;

	mdgpu_vgpu_engine_error(dev, &code, &head, &header);
	return sysfs_emit(buf, "%u\n", code);
}
static DEVICE_ATTR_RO(engine_error_code);

static ssize_t engine_error_head_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	u32 code, head, header;

	mdgpu_vgpu_engine_error(dev, &code, &head, &header);
	return sysfs_emit(buf, "%u\n", head);
}
static DEVICE_ATTR_RO(engine_error_head);

static ssize_t engine_error_header_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	u32 code, head, header;

	mdgpu_vgpu_engine_error(dev, &code, &head, &header);
	return sysfs_emit(buf, "0x%08x\n", header);
}
static DEVICE_ATTR_RO(engine_error_header);

static struct attribute *mdgpu_vgpu_attrs[] = {
	&dev_attr_vram_offset.attr,
	&dev_attr_vram_size.attr,
	&dev_attr_reset_count.attr,
	&dev_attr_plane_types.attr,
	&dev_attr_migration_state.attr,
	&dev_attr_migration_compat.attr,
	&mdgpu_dev_attr_weight.attr,
	&mdgpu_dev_attr_min_share.attr,
	&mdgpu_dev_attr_cap.attr,
	&mdgpu_dev_attr_priority.attr,
	&mdgpu_dev_attr_engine_time_us.attr,
	&mdgpu_dev_attr_wait_time_us.attr,
	&mdgpu_dev_attr_throttled_us.attr,
	&mdgpu_dev_attr_slices.attr,
	&mdgpu_dev_attr_preemptions.attr,
	&mdgpu_dev_attr_watchdog_count.attr,
	&mdgpu_dev_attr_wait_latency_us.attr,
	&mdgpu_dev_attr_wait_latency_sum_us.attr,
	&mdgpu_dev_attr_wait_histogram.attr,
	&mdgpu_dev_attr_engine_chunks.attr,
	&mdgpu_dev_attr_engine_max_chunk_us.attr,
	&dev_attr_vram_populated.attr,
	&dev_attr_engine_errors.attr,
	&dev_attr_engine_commands.attr,
	&dev_attr_engine_error_code.attr,
	&dev_attr_engine_error_head.attr,
	&dev_attr_engine_error_header.attr,
	NULL,
};

static const struct attribute_group mdgpu_vgpu_group = {
	.name = "mdgpu",
	.attrs = mdgpu_vgpu_attrs,
};

const struct attribute_group *mdgpu_vgpu_groups[] = {
	&mdgpu_vgpu_group,
	NULL,
};
