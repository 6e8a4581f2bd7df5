// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: VFIO device operations of an instance.
 *
 * Object lifetime: .init runs inside vfio_alloc_device() and takes the VRAM
 * range; .release runs when the last reference is dropped and gives it back.
 * Everything the user opened (interrupt eventfds) is dropped at
 * .close_device, so a closed device holds no user resources.
 */
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/pci_regs.h>
#include <linux/uaccess.h>

#include "mdgpu.h"
#include "mdgpu_compat.h"

static int mdgpu_vfio_init(struct vfio_device *vdev)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);
	struct mdgpu_type *type = to_mdgpu_type(to_mdev_device(vdev->dev)->type);
	int ret;

	vgpu->type = type;
	/* Held until .release, which still uses the parent. */
	vgpu->parent = type->parent;
	mdgpu_parent_get(vgpu->parent);
	vgpu->vram_size = type->desc->vram_size;
	vgpu->layout.vram_size = vgpu->vram_size;
	vgpu->layout.regs_size = MDGPU_REGS_SIZE;
	ret = mdgpu_cfg_layout_check(&vgpu->layout);
	if (WARN_ON_ONCE(ret))
		goto put_parent;
	ret = mdgpu_vram_mmap_init(vgpu);
	if (ret)
		goto put_parent;
	ret = mdgpu_parent_reserve_vram(vgpu);
	if (ret)
		goto fini_mmap;
	mutex_init(&vgpu->lock);
	INIT_LIST_HEAD(&vgpu->planes);
	vgpu->plane_types = MDGPU_PLANES_DEFAULT;
	mdgpu_cfg_init(&vgpu->cfg, &vgpu->layout);
	mdgpu_display_init(vgpu);
	mdgpu_engine_ctx_init(vgpu);
	mdgpu_mig_init(vgpu);
	mdgpu_parent_add_vgpu(vgpu);
	return 0;

fini_mmap:
	mdgpu_vram_mmap_fini(vgpu);
put_parent:
	mdgpu_parent_put(vgpu->parent);
	return ret;
}

static void mdgpu_vfio_release(struct vfio_device *vdev)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);

	mdgpu_parent_del_vgpu(vgpu);
	mdgpu_mig_fini(vgpu);
	mdgpu_engine_ctx_fini(vgpu);
	mdgpu_dmabuf_release_all(vgpu);
	mdgpu_parent_release_vram(vgpu);
	mdgpu_vram_mmap_fini(vgpu);
	mutex_destroy(&vgpu->lock);
	mdgpu_parent_put(vgpu->parent);
	mdgpu_vfio_release_done(vdev);
}

/**
 * mdgpu_vgpu_reset_locked() - put the device in its power-on state
 * @vgpu: the instance; caller holds vgpu->lock
 * @count: count it in RESET_COUNT (a reset the user asked for)
 */
void mdgpu_vgpu_reset_locked(struct mdgpu_vgpu *vgpu, bool count)
{
	lockdep_assert_held(&vgpu->lock);
	mdgpu_cfg_init(&vgpu->cfg, &vgpu->layout);
	mdgpu_regs_reset(vgpu);
	vgpu->irq.intx_masked = false;
	vgpu->irq.intx_pending = false;
	/*
	 * A reset device starts with a blank framebuffer: first remove every
	 * user mapping, so none can reach the pages being discarded. The
	 * discard takes the pages out in a time that does not depend on how
	 * many there are; the caller frees them once it dropped the lock
	 * (mdgpu_parent_reap_vram()), or the backend does by itself.
	 */
	mdgpu_vram_zap(vgpu);
	mdgpu_vgpu_vram_discard(vgpu, 0, vgpu->vram_size);
	if (count)
		vgpu->reset_count++;
}

static int mdgpu_vfio_open(struct vfio_device *vdev)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);
	int ret;

	ret = mdgpu_dma_agent_start(vgpu);
	if (ret)
		return ret;
	mutex_lock(&vgpu->lock);
	/*
	 * Each user starts from a device in its power-on state, VRAM
	 * included (close discarded it already; a device never opened
	 * before reads zeroes anyway), as vfio-pci resets a device on open;
	 * unless the instance was parked with a resumed migration state.
	 */
	if (!vgpu->mig.parked) {
		mdgpu_cfg_init(&vgpu->cfg, &vgpu->layout);
		mdgpu_regs_reset(vgpu);
	}
	vgpu->mig.parked = false;
	/* The engine's VRAM pages count against the opener's memory limit. */
	vgpu->memcg = get_mem_cgroup_from_mm(current->mm);
	mdgpu_engine_ctx_open_locked(vgpu);
	/* Migration's STOP does not outlive a close. */
	mdgpu_engine_ctx_thaw_locked(vgpu);
	vgpu->open = true;
	mutex_unlock(&vgpu->lock);
	return 0;
}

static void mdgpu_vfio_close(struct vfio_device *vdev)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);
	bool parked;

	/* Data files end; a resumed device closed in STOP is parked. */
	mdgpu_mig_close(vgpu);
	mutex_lock(&vgpu->lock);
	parked = vgpu->mig.parked;
	mutex_unlock(&vgpu->lock);
	/* No DMA may be in flight once the IOMMU context goes. */
	mdgpu_engine_ctx_close(vgpu, parked);
	mdgpu_irq_release(vgpu);
	mdgpu_dmabuf_release_all(vgpu);
	/*
	 * The next user, maybe another tenant given this persistent
	 * instance, must not read this one's framebuffer, rings or DMA
	 * data; and a closed instance holds no host memory. No mapping of
	 * BAR0 is left (each holds the device file open), and exported
	 * dma-bufs keep their own pages.
	 */
	mutex_lock(&vgpu->lock);
	vgpu->open = false;
	/* Tracking, for a migration of this user, ends with it. */
	mdgpu_vram_dirty_stop(vgpu);
	mdgpu_vram_zap(vgpu);
	if (!parked)
		mdgpu_vgpu_vram_discard(vgpu, 0, vgpu->vram_size);
	/* The engine no longer runs the context: nobody charges it now. */
	mem_cgroup_put(vgpu->memcg);
	vgpu->memcg = NULL;
	mutex_unlock(&vgpu->lock);
	mdgpu_parent_reap_vram(vgpu->parent);
}

static int mdgpu_vfio_mmap(struct vfio_device *vdev,
			   struct vm_area_struct *vma)
{
	return mdgpu_vram_mmap(to_mdgpu_vgpu(vdev), vma);
}

static ssize_t mdgpu_vfio_read(struct vfio_device *vdev, char __user *buf,
			       size_t count, loff_t *ppos)
{
	ssize_t ret = mdgpu_region_rw(to_mdgpu_vgpu(vdev), buf, count, *ppos,
				      false);

	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t mdgpu_vfio_write(struct vfio_device *vdev,
				const char __user *buf, size_t count,
				loff_t *ppos)
{
	ssize_t ret = mdgpu_region_rw(to_mdgpu_vgpu(vdev), (char __user *)buf,
				      count, *ppos, true);

	if (ret > 0)
		*ppos += ret;
	return ret;
}

static long mdgpu_ioctl_get_info(void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = MDGPU_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * The EDID region is device-specific: its type is told by a capability
 * chained after the region info. A caller whose argsz leaves no room for it
 * is told the size it needs, as the VFIO uAPI describes.
 */
static long mdgpu_ioctl_edid_region_info(void __user *arg,
					 struct vfio_region_info *info)
{
	struct vfio_region_info_cap_type cap = {
		.header.id = VFIO_REGION_INFO_CAP_TYPE,
		.header.version = 1,
		.type = VFIO_REGION_TYPE_GFX,
		.subtype = VFIO_REGION_SUBTYPE_GFX_EDID,
	};
	u32 need = sizeof(*info) + sizeof(cap);

	info->offset = mdgpu_region_offset(info->index);
	info->size = MDGPU_EDID_REGION_SIZE;
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		      VFIO_REGION_INFO_FLAG_CAPS;
	info->cap_offset = 0;
	if (info->argsz < need) {
		info->argsz = need;
	} else {
		info->cap_offset = sizeof(*info);
		if (copy_to_user(arg + sizeof(*info), &cap, sizeof(cap)))
			return -EFAULT;
	}
	return copy_to_user(arg, info, sizeof(*info)) ? -EFAULT : 0;
}

static long mdgpu_ioctl_region_info(struct mdgpu_vgpu *vgpu,
				    void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = MDGPU_CFG_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM:
		info.size = vgpu->vram_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS:
		info.size = MDGPU_REGS_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR1_REGION_INDEX:
	case VFIO_PCI_BAR3_REGION_INDEX ... VFIO_PCI_ROM_REGION_INDEX:
	case VFIO_PCI_VGA_REGION_INDEX:
		info.size = 0;
		info.flags = 0;
		break;
	case MDGPU_EDID_REGION_INDEX:
		return mdgpu_ioctl_edid_region_info(arg, &info);
	default:
		return -EINVAL;
	}
	info.offset = mdgpu_region_offset(info.index);
	info.cap_offset = 0;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long mdgpu_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd,
			     unsigned long arg)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return mdgpu_ioctl_get_info(uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return mdgpu_ioctl_region_info(vgpu, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return mdgpu_irq_get_info(vgpu, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return mdgpu_irq_set_ioctl(vgpu, uarg);
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return mdgpu_display_query_plane(vgpu, uarg);
	case VFIO_DEVICE_GET_GFX_DMABUF:
		return mdgpu_dmabuf_get_ioctl(vgpu, uarg);
	case VFIO_DEVICE_RESET:
		/* Migration returns to RUNNING first: its files detach. */
		mdgpu_mig_reset(vgpu);
		mutex_lock(&vgpu->lock);
		mdgpu_vgpu_reset_locked(vgpu, true);
		mutex_unlock(&vgpu->lock);
		/* The VRAM the reset discarded is freed outside the lock. */
		mdgpu_parent_reap_vram(vgpu->parent);
		return 0;
	}
	return -ENOTTY;
}

/*
 * Called by the VFIO core while remove waits for the user to close the
 * device: ask the user (QEMU turns this into a guest hot-unplug) through
 * the request interrupt, if one is set up.
 */
static void mdgpu_vfio_request(struct vfio_device *vdev, unsigned int count)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);

	mdgpu_irq_raise(vgpu, VFIO_PCI_REQ_IRQ_INDEX);
	if (!count)
		dev_notice(vdev->dev,
			   "removal waits for the user to release the device\n");
}

/*
 * The user unmaps an IOVA range. The engine reads and writes guest memory
 * with vfio_dma_rw() and keeps no pins, so there is nothing to release; a
 * DMA chunk in flight to the range is waited for.
 */
static void mdgpu_vfio_dma_unmap(struct vfio_device *vdev, u64 iova,
				 u64 length)
{
	mdgpu_engine_dma_unmap(to_mdgpu_vgpu(vdev), iova, length);
}

#ifndef MDGPU_HAVE_VFIO_MIG_DATA_SIZE
/* Features the VFIO core does not know (v6.1): MIG_DATA_SIZE. */
static int mdgpu_vfio_device_feature(struct vfio_device *vdev, u32 flags,
				     void __user *arg, size_t argsz)
{
	return mdgpu_mig_device_feature(to_mdgpu_vgpu(vdev), flags, arg,
					argsz);
}
#endif

const struct vfio_device_ops mdgpu_vfio_ops = {
	.name = "mdgpu",
	.init = mdgpu_vfio_init,
	.release = mdgpu_vfio_release,
	.open_device = mdgpu_vfio_open,
	.close_device = mdgpu_vfio_close,
	.read = mdgpu_vfio_read,
	.write = mdgpu_vfio_write,
	.ioctl = mdgpu_vfio_ioctl,
	.mmap = mdgpu_vfio_mmap,
	.request = mdgpu_vfio_request,
	.dma_unmap = mdgpu_vfio_dma_unmap,
#ifndef MDGPU_HAVE_VFIO_MIG_DATA_SIZE
	.device_feature = mdgpu_vfio_device_feature,
#endif
	MDGPU_VFIO_IOMMUFD_OPS
};
