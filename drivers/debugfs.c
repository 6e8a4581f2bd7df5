// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: fault injection into simulated parents, through debugfs (root
 * only, /sys/kernel/debug/mdgpu/simN/). Each file is write-only:
 *
 *   hang        any value: the engine stops making progress; the progress
 *               watchdog detects it, fails the context it was running
 *               (MDGPU_ERR_HANG) and resets the engine
 *   ctx_fault   an instance's UUID: the engine faults on that instance's
 *               context (MDGPU_ERR_FAULT); nothing else is affected
 *   vram_error  a byte offset in the parent's VRAM: its page gets an
 *               uncorrectable error; the 1 MiB granule is retired and the
 *               owning instance, if any, loses the page (MDGPU_ERR_VRAM,
 *               SIGBUS on BAR0 access)
 *   lost        any value: the whole parent is lost
 *
 * and one read-write delay (0 by default), for tests of races:
 *
 *   watchdog_delay_ms  the engine thread sleeps this long (at most
 *               MDGPU_WD_DELAY_MAX_MS) between failing a context on the
 *               per-job watchdog and putting its scheduler entity to
 *               sleep; it holds the instance's lock meanwhile, so a guest
 *               reset and doorbell in that window must wait for both
 *
 * What each does is described in Documentation/device-spec.rst and
 * Documentation/admin-guide.rst. Without debugfs in the kernel, nothing of
 * this exists.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include "mdgpu.h"

static struct dentry *mdgpu_debugfs_root;

/* Copy a short user write into @buf as a trimmed string. */
static int mdgpu_debugfs_string(const char __user *ubuf, size_t count,
				char *buf, size_t size, char **str)
{
	ssize_t n;

	if (!count || count >= size)
		return -EINVAL;
	n = simple_write_to_buffer(buf, size - 1, &(loff_t){ 0 }, ubuf, count);
	if (n < 0)
		return n;
	buf[n] = '\0';
	*str = strim(buf);
	return 0;
}

static ssize_t mdgpu_hang_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	mdgpu_engine_inject_hang(file->private_data);
	return count;
}

static const struct file_operations mdgpu_hang_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = mdgpu_hang_write,
};

static ssize_t mdgpu_ctx_fault_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	struct mdgpu_parent *parent = file->private_data;
	struct mdgpu_vgpu *vgpu;
	char buf[64], *str;
	guid_t guid;
	int ret;

	ret = mdgpu_debugfs_string(ubuf, count, buf, sizeof(buf), &str);
	if (ret)
		return ret;
	if (guid_parse(str, &guid))
		return -EINVAL;
	ret = -ENOENT;
	mutex_lock(&parent->vgpus_lock);
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		if (!guid_equal(&to_mdev_device(vgpu->vdev.dev)->uuid, &guid))
			continue;
		mutex_lock(&vgpu->lock);
		ret = -ENODEV;	/* not open: it has no engine context */
		if (vgpu->engine.open) {
			mdgpu_engine_ctx_fail_locked(vgpu, MDGPU_ERR_FAULT);
			ret = 0;
		}
		mutex_unlock(&vgpu->lock);
		break;
	}
	mutex_unlock(&parent->vgpus_lock);
	return ret ?: count;
}

static const struct file_operations mdgpu_ctx_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = mdgpu_ctx_fault_write,
};

/*
 * An uncorrectable error in the VRAM page at @off: the owner's mappings go
 * and its engine context fails, then the page is poisoned (under the
 * owner's lock, so none of its accesses is using the page) and its granule
 * retired.
 */
static int mdgpu_vram_error(struct mdgpu_parent *parent, u64 off)
{
	struct mdgpu_vgpu *vgpu, *owner = NULL;
	u64 retired;
	int ret;

	if (!parent->ops->vram_poison)
		return -EOPNOTSUPP;
	if (off >= parent->vram_max)
		return -EINVAL;
	off = round_down(off, PAGE_SIZE);
	mutex_lock(&parent->vgpus_lock);
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		if (off >= vgpu->vram_offset &&
		    off - vgpu->vram_offset < vgpu->vram_size) {
			owner = vgpu;
			break;
		}
	}
	if (owner) {
		mutex_lock(&owner->lock);
		/* No user mapping may keep the page the backend frees. */
		mdgpu_vram_zap(owner);
	}
	ret = parent->ops->vram_poison(parent, off);
	/* Its contents are lost: pre-copy sends the page again (as zeroes). */
	if (!ret && owner)
		mdgpu_vram_dirty_mark(owner, off - owner->vram_offset,
				      PAGE_SIZE);
	if (!ret && owner && owner->engine.open)
		mdgpu_engine_ctx_fail_locked(owner, MDGPU_ERR_VRAM);
	if (owner)
		mutex_unlock(&owner->lock);
	if (!ret) {
		mutex_lock(&parent->lock);
		mdgpu_vram_retire(&parent->vram, off);
		retired = mdgpu_vram_retired_bytes(&parent->vram);
		mutex_unlock(&parent->lock);
	}
	mutex_unlock(&parent->vgpus_lock);
	if (ret)
		return ret;
	mdgpu_parent_set_health(parent, MDGPU_HEALTH_DEGRADED,
				"uncorrectable VRAM error at 0x%llx, %llu MiB retired",
				off, retired >> 20);
	return 0;
}

static ssize_t mdgpu_vram_error_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	u64 off;
	int ret;

	ret = kstrtou64_from_user(ubuf, count, 0, &off);
	if (ret)
		return ret;
	ret = mdgpu_vram_error(file->private_data, off);
	return ret ?: count;
}

static const struct file_operations mdgpu_vram_error_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = mdgpu_vram_error_write,
};

static ssize_t mdgpu_lost_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct mdgpu_parent *parent = file->private_data;
	unsigned int n = mdgpu_parent_lose(parent, "parent GPU lost");

	dev_err(parent->dev, "lost: %u instances failed, unplug requested\n",
		n);
	return count;
}

static const struct file_operations mdgpu_lost_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = mdgpu_lost_write,
};

/**
 * mdgpu_debugfs_init() - create /sys/kernel/debug/mdgpu
 *
 * A failure only means no fault injection; it is not an error.
 */
void mdgpu_debugfs_init(void)
{
	mdgpu_debugfs_root = debugfs_create_dir(MDGPU_DRV_NAME, NULL);
}

/**
 * mdgpu_debugfs_fini() - remove /sys/kernel/debug/mdgpu
 */
void mdgpu_debugfs_fini(void)
{
	debugfs_remove_recursive(mdgpu_debugfs_root);
	mdgpu_debugfs_root = NULL;
}

/**
 * mdgpu_debugfs_parent_add() - create a parent's fault-injection files
 * @parent: the parent, registered
 */
void mdgpu_debugfs_parent_add(struct mdgpu_parent *parent)
{
	struct dentry *dir;

	if (IS_ERR_OR_NULL(mdgpu_debugfs_root))
		return;
	dir = debugfs_create_dir(dev_name(parent->dev), mdgpu_debugfs_root);
	if (IS_ERR(dir))
		return;
	debugfs_create_file("hang", 0200, dir, parent, &mdgpu_hang_fops);
	debugfs_create_file("ctx_fault", 0200, dir, parent,
			    &mdgpu_ctx_fault_fops);
	debugfs_create_file("vram_error", 0200, dir, parent,
			    &mdgpu_vram_error_fops);
	debugfs_create_file("lost", 0200, dir, parent, &mdgpu_lost_fops);
	debugfs_create_u32("watchdog_delay_ms", 0600, dir,
			   &parent->engine->wd_delay_ms);
	parent->debugfs = dir;
}

/**
 * mdgpu_debugfs_parent_del() - remove a parent's fault-injection files
 * @parent: the parent, being destroyed
 *
 * Waits for writes in progress (debugfs_remove() does).
 */
void mdgpu_debugfs_parent_del(struct mdgpu_parent *parent)
{
	debugfs_remove_recursive(parent->debugfs);
	parent->debugfs = NULL;
}
