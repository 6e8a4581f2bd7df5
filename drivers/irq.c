// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: interrupts of an instance, delivered to the user through eventfds
 * set with VFIO_DEVICE_SET_IRQS.
 *
 * Indexes: INTx (maskable, automasked after it fires), MSI (one vector),
 * MSI-X (none), ERR and REQ (the host asks the user to release the
 * device). ERR is offered, so QEMU sets up its error notifier without a
 * warning, but never signalled by the device: QEMU stops the whole VM on
 * it, and no fault of one engine context is worth that. The REQ index is
 * also raised when the parent is lost (debugfs.c). All state is under
 * vgpu->lock, so a trigger can never see an eventfd that SET_IRQS is
 * replacing.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/pci_regs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mdgpu.h"
#include "mdgpu_compat.h"

static u32 mdgpu_irq_count(unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	}
	return 0;
}

/**
 * mdgpu_irq_get_info() - VFIO_DEVICE_GET_IRQ_INFO
 * @vgpu: the instance
 * @arg: user pointer to struct vfio_irq_info
 *
 * Return: 0, -EFAULT, or -EINVAL for a short argsz or unknown index.
 */
long mdgpu_irq_get_info(struct mdgpu_vgpu *vgpu, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;

	info.count = mdgpu_irq_count(info.index);
	info.flags = info.count ? VFIO_IRQ_INFO_EVENTFD : 0;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.count)
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* Signal the eventfd of @index and update INTx state. Holds vgpu->lock. */
static void mdgpu_irq_fire_locked(struct mdgpu_vgpu *vgpu, unsigned int index)
{
	struct mdgpu_irq *irq = &vgpu->irq;

	lockdep_assert_held(&vgpu->lock);
	if (index == VFIO_PCI_INTX_IRQ_INDEX) {
		if (irq->intx_masked) {
			irq->intx_pending = true;
			return;
		}
		irq->intx_masked = true;
		mdgpu_cfg_set_intx_status(&vgpu->cfg, true);
	}
	if (irq->trigger[index])
		mdgpu_eventfd_signal(irq->trigger[index]);
}

/**
 * mdgpu_irq_raise() - raise an interrupt of the instance
 * @vgpu: the instance
 * @index: VFIO IRQ index with a count of 1
 */
void mdgpu_irq_raise(struct mdgpu_vgpu *vgpu, unsigned int index)
{
	if (!mdgpu_irq_count(index))
		return;
	mutex_lock(&vgpu->lock);
	mdgpu_irq_fire_locked(vgpu, index);
	mutex_unlock(&vgpu->lock);
}

/**
 * mdgpu_irq_device_locked() - raise the device's interrupt
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * MSI when the guest enabled it in config space, or when the user set an
 * MSI eventfd and no INTx eventfd (a VMM that emulates the MSI capability
 * itself, as QEMU does, switches the VFIO index instead); otherwise INTx,
 * unless the command register's interrupt disable bit is set.
 */
void mdgpu_irq_device_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_irq *irq = &vgpu->irq;

	lockdep_assert_held(&vgpu->lock);
	/* A device stopped for migration raises none: it waits for thaw. */
	if (vgpu->engine.frozen) {
		vgpu->engine.irq_deferred = true;
		return;
	}
	if (mdgpu_cfg_msi_enabled(&vgpu->cfg) ||
	    (irq->trigger[VFIO_PCI_MSI_IRQ_INDEX] &&
	     !irq->trigger[VFIO_PCI_INTX_IRQ_INDEX]))
		mdgpu_irq_fire_locked(vgpu, VFIO_PCI_MSI_IRQ_INDEX);
	else if (!(mdgpu_cfg_command(&vgpu->cfg) & PCI_COMMAND_INTX_DISABLE))
		mdgpu_irq_fire_locked(vgpu, VFIO_PCI_INTX_IRQ_INDEX);
}

static void mdgpu_irq_set_trigger_locked(struct mdgpu_vgpu *vgpu,
					 unsigned int index,
					 struct eventfd_ctx *ctx)
{
	struct eventfd_ctx **slot = &vgpu->irq.trigger[index];

	lockdep_assert_held(&vgpu->lock);
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = ctx;
}

static void mdgpu_intx_unmask_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_irq *irq = &vgpu->irq;

	lockdep_assert_held(&vgpu->lock);
	irq->intx_masked = false;
	mdgpu_cfg_set_intx_status(&vgpu->cfg, false);
	if (irq->intx_pending) {
		irq->intx_pending = false;
		mdgpu_irq_fire_locked(vgpu, VFIO_PCI_INTX_IRQ_INDEX);
	}
}

static int mdgpu_irq_set_locked(struct mdgpu_vgpu *vgpu,
				const struct vfio_irq_set *hdr, const u8 *data)
{
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	bool fire = hdr->count && (type == VFIO_IRQ_SET_DATA_NONE ||
				   (type == VFIO_IRQ_SET_DATA_BOOL && data[0]));
	struct eventfd_ctx *ctx;
	s32 fd;

	lockdep_assert_held(&vgpu->lock);

	if (action != VFIO_IRQ_SET_ACTION_MASK &&
	    action != VFIO_IRQ_SET_ACTION_UNMASK &&
	    action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;	/* exactly one action */
	if (action == VFIO_IRQ_SET_ACTION_MASK ||
	    action == VFIO_IRQ_SET_ACTION_UNMASK) {
		/* Only INTx masks; eventfd-driven unmasking is not offered. */
		if (hdr->index != VFIO_PCI_INTX_IRQ_INDEX ||
		    type == VFIO_IRQ_SET_DATA_EVENTFD)
			return -EINVAL;
		if (!hdr->count || !fire)
			return 0;
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			vgpu->irq.intx_masked = true;
		else
			mdgpu_intx_unmask_locked(vgpu);
		return 0;
	}

	/* ACTION_TRIGGER */
	if (!hdr->count) {
		/* DATA_NONE with count 0 tears the index down. */
		if (type != VFIO_IRQ_SET_DATA_NONE)
			return -EINVAL;
		mdgpu_irq_set_trigger_locked(vgpu, hdr->index, NULL);
		return 0;
	}
	if (type != VFIO_IRQ_SET_DATA_EVENTFD) {
		if (fire)
			mdgpu_irq_fire_locked(vgpu, hdr->index);
		return 0;
	}
	memcpy(&fd, data, sizeof(fd));
	if (fd < 0) {
		if (fd != -1)
			return -EINVAL;
		mdgpu_irq_set_trigger_locked(vgpu, hdr->index, NULL);
		return 0;
	}
	ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mdgpu_irq_set_trigger_locked(vgpu, hdr->index, ctx);
	return 0;
}

/**
 * mdgpu_irq_set_ioctl() - VFIO_DEVICE_SET_IRQS
 * @vgpu: the instance
 * @arg: user pointer to struct vfio_irq_set and its data
 *
 * The header is validated by the VFIO core's helper (flags, index, and
 * start/count against the index's count without overflow) before any data
 * is copied.
 *
 * Return: 0 or a negative errno; a refused call changes nothing.
 */
long mdgpu_irq_set_ioctl(struct mdgpu_vgpu *vgpu, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	u8 *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	ret = vfio_set_irqs_validate_and_prepare(&hdr,
						 mdgpu_irq_count(hdr.index),
						 VFIO_PCI_NUM_IRQS,
						 &data_size);
	if (ret)
		return ret;
	if (!mdgpu_irq_count(hdr.index))
		return -EINVAL;
	if (data_size) {
		data = memdup_user(arg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	mutex_lock(&vgpu->lock);
	ret = mdgpu_irq_set_locked(vgpu, &hdr, data);
	mutex_unlock(&vgpu->lock);
	kfree(data);
	return ret;
}

/**
 * mdgpu_irq_release() - drop every eventfd the user set
 * @vgpu: the instance, being closed
 */
void mdgpu_irq_release(struct mdgpu_vgpu *vgpu)
{
	unsigned int i;

	mutex_lock(&vgpu->lock);
	for (i = 0; i < ARRAY_SIZE(vgpu->irq.trigger); i++)
		mdgpu_irq_set_trigger_locked(vgpu, i, NULL);
	vgpu->irq.intx_masked = false;
	vgpu->irq.intx_pending = false;
	mutex_unlock(&vgpu->lock);
}
