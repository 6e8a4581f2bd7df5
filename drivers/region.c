// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: region accesses through the device fd (pread/pwrite).
 *
 * Offsets and sizes come from the user and are checked against the region
 * before anything is touched; an access that does not fit is refused with
 * -EINVAL as a whole. User memory is only touched outside vgpu->lock (the
 * user buffer may itself be a mapping of this device's BAR0, whose fault
 * handler takes the lock): data goes through a kernel bounce buffer.
 * Config space and BAR2 are split into naturally aligned accesses of at
 * most 4 bytes, as a CPU would issue them. A 4-byte aligned BAR2 access,
 * what a guest's 32-bit MMIO becomes, goes straight to mmio.c.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mdgpu.h"

/* Size of the naturally aligned access at @off, at most 4 and @left. */
static u32 mdgpu_access_size(u64 off, size_t left)
{
	if (left >= 4 && !(off & 3))
		return 4;
	if (left >= 2 && !(off & 1))
		return 2;
	return 1;
}

/* Emulated regions, on a kernel buffer. Caller holds vgpu->lock. */
static int mdgpu_emulated_rw(struct mdgpu_vgpu *vgpu, unsigned int index,
			     u8 *buf, u32 count, u32 off, bool write)
{
	u32 done = 0;
	int ret;

	lockdep_assert_held(&vgpu->lock);
	if (index == MDGPU_EDID_REGION_INDEX)
		return mdgpu_edid_region_rw(vgpu, off, buf, count, write);

	while (done < count) {
		u32 size = mdgpu_access_size(off + done, count - done);

		if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
			if (write)
				ret = mdgpu_cfg_write(&vgpu->cfg, off + done,
						      buf + done, size);
			else
				ret = mdgpu_cfg_read(&vgpu->cfg, off + done,
						     buf + done, size);
			if (ret)
				return ret;
		} else {
			mdgpu_bar2_access(vgpu, off + done, buf + done, size,
					  write);
		}
		done += size;
	}
	return 0;
}

static int mdgpu_vram_chunk(struct mdgpu_vgpu *vgpu, u64 off, u8 *buf,
			    u32 len, bool write)
{
	int ret;

	/* Under the lock so a reset cannot discard the pages meanwhile. */
	mutex_lock(&vgpu->lock);
	if (write)
		mdgpu_vram_dirty_mark(vgpu, off, len);
	ret = mdgpu_vgpu_vram_rw(vgpu, off, buf, len, write);
	mutex_unlock(&vgpu->lock);
	return ret;
}

/*
 * One naturally aligned register access of 1, 2 or 4 bytes: the hot path
 * of a trapping guest. get_user()/put_user() of a typed value skip the
 * generic copy (and its object-size checks) a variable-size copy needs.
 */
static ssize_t mdgpu_reg_rw_fast(struct mdgpu_vgpu *vgpu, unsigned int index,
				 char __user *ubuf, u32 count, u32 off,
				 bool write)
{
	/* The bytes as they are in user memory; no byte swapping. */
	union {
		u32 v32;
		u16 v16;
		u8 v8;
		u8 bytes[4];
	} buf = { .v32 = 0 };
	int ret;

	if (write) {
		if (count == 4)
			ret = get_user(buf.v32, (u32 __user *)ubuf);
		else if (count == 2)
			ret = get_user(buf.v16, (u16 __user *)ubuf);
		else
			ret = get_user(buf.v8, (u8 __user *)ubuf);
		if (ret)
			return ret;
	}
	mutex_lock(&vgpu->lock);
	if (index == VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS) {
		mdgpu_bar2_access(vgpu, off, buf.bytes, count, write);
		ret = 0;
	} else {
		ret = mdgpu_emulated_rw(vgpu, index, buf.bytes, count, off,
					write);
	}
	mutex_unlock(&vgpu->lock);
	if (ret)
		return ret;
	if (!write) {
		if (count == 4)
			ret = put_user(buf.v32, (u32 __user *)ubuf);
		else if (count == 2)
			ret = put_user(buf.v16, (u16 __user *)ubuf);
		else
			ret = put_user(buf.v8, (u8 __user *)ubuf);
		if (ret)
			return ret;
	}
	return count;
}

static u64 mdgpu_region_size(struct mdgpu_vgpu *vgpu, u64 index)
{
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return MDGPU_CFG_SIZE;
	case VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM:
		return vgpu->vram_size;
	case VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS:
		return MDGPU_REGS_SIZE;
	case MDGPU_EDID_REGION_INDEX:
		return MDGPU_EDID_REGION_SIZE;
	}
	return 0;
}

/**
 * mdgpu_region_rw() - read or write a region through the device fd
 * @vgpu: the instance
 * @ubuf: user buffer
 * @count: bytes to transfer
 * @pos: file position: region index in the upper bits, offset below
 * @write: direction
 *
 * Return: bytes transferred, or -EINVAL for an access outside any region,
 * -EFAULT for a bad buffer, -ENOMEM if VRAM could not be backed.
 */
ssize_t mdgpu_region_rw(struct mdgpu_vgpu *vgpu, char __user *ubuf,
			size_t count, loff_t pos, bool write)
{
	u64 index = (u64)pos >> MDGPU_REGION_SHIFT;
	u64 off = (u64)pos & MDGPU_REGION_MASK;
	size_t chunk, done = 0;
	u8 small[16], *buf = small;
	bool vram;
	int ret = 0;
	u64 size;

	/* The hot path: a 4-byte register access, as a trapped 32-bit MMIO. */
	if (count == 4 && index == VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS &&
	    off < MDGPU_REGS_SIZE && !(off & 3)) {
		if (write)
			return mdgpu_bar2_write32(vgpu, (const __le32 __user *)ubuf,
						  off);
		return mdgpu_bar2_read32(vgpu, (__le32 __user *)ubuf, off);
	}

	size = mdgpu_region_size(vgpu, index);
	if (pos < 0 || !size)
		return -EINVAL;
	if (!count)
		return 0;
	if (off >= size || count > size - off)
		return -EINVAL;

	vram = index == VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM;
	if (!vram && index != MDGPU_EDID_REGION_INDEX &&
	    (count == 1 || count == 2 || count == 4) && !(off & (count - 1)))
		return mdgpu_reg_rw_fast(vgpu, index, ubuf, count, off, write);
	/*
	 * Emulated regions are at most a page and go in one piece; register
	 * accesses (the hot path) use the stack.
	 */
	chunk = vram ? min_t(size_t, count, PAGE_SIZE) : count;
	if (chunk > sizeof(small)) {
		buf = kmalloc(chunk, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}

	while (done < count) {
		size_t n = min(chunk, count - done);

		if (write && copy_from_user(buf, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		if (vram) {
			ret = mdgpu_vram_chunk(vgpu, off + done, buf, n, write);
		} else {
			mutex_lock(&vgpu->lock);
			ret = mdgpu_emulated_rw(vgpu, index, buf, n, off, write);
			mutex_unlock(&vgpu->lock);
		}
		if (ret)
			break;
		if (!write && copy_to_user(ubuf + done, buf, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
	}
	if (buf != small)
		kfree(buf);
	return done ? done : ret;
}
