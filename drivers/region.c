// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: region accesses through the device fd (pread/pwrite), and the
 * register file of BAR2.
 *
 * Offsets and sizes come from the user and are checked against the region
 * before anything is touched; an access that does not fit is refused with
 * -EINVAL as a whole. Config space and BAR2 are split into naturally aligned
 * accesses of at most 4 bytes, as a CPU would issue them.
 */
#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "mdgpu.h"
#include "mdgpu_regs.h"

/* Largest chunk copied through the kernel at once for BAR0. */
#define MDGPU_VRAM_BOUNCE	512

static u32 reg_read_const(void *ctx, const struct mdgpu_reg *reg)
{
	struct mdgpu_vgpu *vgpu = ctx;

	switch (reg->offset) {
	case MDGPU_REG_ID:
		return MDGPU_ID_MAGIC;
	case MDGPU_REG_VERSION:
		return MDGPU_DEVICE_VERSION;
	case MDGPU_REG_VRAM_SIZE_LO:
		return lower_32_bits(vgpu->vram_size);
	case MDGPU_REG_VRAM_SIZE_HI:
		return upper_32_bits(vgpu->vram_size);
	}
	return 0;
}

static u32 reg_read_scratch(void *ctx, const struct mdgpu_reg *reg)
{
	return ((struct mdgpu_vgpu *)ctx)->scratch;
}

static void reg_write_scratch(void *ctx, const struct mdgpu_reg *reg, u32 val)
{
	((struct mdgpu_vgpu *)ctx)->scratch = val;
}

static u32 reg_read_reset_count(void *ctx, const struct mdgpu_reg *reg)
{
	return ((struct mdgpu_vgpu *)ctx)->reset_count;
}

/* BAR2 register file, sorted by offset. Handlers run under vgpu->lock. */
static const struct mdgpu_reg mdgpu_bar2_regs[] = {
	{ MDGPU_REG_ID, 4, 0, "ID", reg_read_const },
	{ MDGPU_REG_VERSION, 4, 0, "VERSION", reg_read_const },
	{ MDGPU_REG_VRAM_SIZE_LO, 4, 0, "VRAM_SIZE_LO", reg_read_const },
	{ MDGPU_REG_VRAM_SIZE_HI, 4, 0, "VRAM_SIZE_HI", reg_read_const },
	{ MDGPU_REG_SCRATCH, 4, MDGPU_REG_F_WRITE, "SCRATCH",
	  reg_read_scratch, reg_write_scratch },
	{ MDGPU_REG_RESET_COUNT, 4, 0, "RESET_COUNT", reg_read_reset_count },
};

/**
 * mdgpu_regs_reset() - put the register file in its power-on state
 * @vgpu: the instance; caller holds vgpu->lock
 */
void mdgpu_regs_reset(struct mdgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	vgpu->scratch = 0;
}

/* Size of the naturally aligned access at @off, at most 4 and @left. */
static u32 mdgpu_access_size(u64 off, size_t left)
{
	if (left >= 4 && !(off & 3))
		return 4;
	if (left >= 2 && !(off & 1))
		return 2;
	return 1;
}

static void mdgpu_le_store(u8 *buf, u32 val, u32 size)
{
	u32 i;

	for (i = 0; i < size; i++)
		buf[i] = val >> (8 * i);
}

static u32 mdgpu_le_load(const u8 *buf, u32 size)
{
	u32 i, val = 0;

	for (i = 0; i < size; i++)
		val |= (u32)buf[i] << (8 * i);
	return val;
}

static void mdgpu_bar2_access(struct mdgpu_vgpu *vgpu, u32 off, u8 *buf,
			      u32 size, bool write)
{
	const size_t n = ARRAY_SIZE(mdgpu_bar2_regs);
	bool hit;
	u32 val;

	if (write) {
		val = mdgpu_le_load(buf, size);
		hit = mdgpu_reg_write(mdgpu_bar2_regs, n, vgpu, off, size, val);
	} else {
		hit = mdgpu_reg_read(mdgpu_bar2_regs, n, vgpu, off, size, &val);
		mdgpu_le_store(buf, val, size);
	}
	if (!hit)
		dev_dbg_ratelimited(vgpu->vdev.dev,
				    "unknown BAR2 %s at 0x%x size %u\n",
				    write ? "write" : "read", off, size);
}

/* Emulated regions: config space and BAR2, one small access at a time. */
static ssize_t mdgpu_emulated_rw(struct mdgpu_vgpu *vgpu, unsigned int index,
				 char __user *ubuf, size_t count, u64 off,
				 bool write)
{
	size_t done = 0;
	int ret = 0;

	mutex_lock(&vgpu->lock);
	while (done < count) {
		u32 size = mdgpu_access_size(off + done, count - done);
		u8 val[4];

		if (write && copy_from_user(val, ubuf + done, size)) {
			ret = -EFAULT;
			break;
		}
		if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
			if (write)
				ret = mdgpu_cfg_write(&vgpu->cfg, off + done,
						      val, size);
			else
				ret = mdgpu_cfg_read(&vgpu->cfg, off + done,
						     val, size);
			if (ret)
				break;
		} else {
			mdgpu_bar2_access(vgpu, off + done, val, size, write);
		}
		if (!write && copy_to_user(ubuf + done, val, size)) {
			ret = -EFAULT;
			break;
		}
		done += size;
	}
	mutex_unlock(&vgpu->lock);
	return done ? done : ret;
}

static ssize_t mdgpu_vram_rw(struct mdgpu_vgpu *vgpu, char __user *ubuf,
			     size_t count, u64 off, bool write)
{
	struct mdgpu_parent *parent = vgpu->parent;
	u8 bounce[MDGPU_VRAM_BOUNCE];
	size_t done = 0;
	int ret = 0;

	while (done < count) {
		size_t chunk = min_t(size_t, count - done, sizeof(bounce));
		u64 voff = vgpu->vram_offset + off + done;

		if (write) {
			if (copy_from_user(bounce, ubuf + done, chunk)) {
				ret = -EFAULT;
				break;
			}
			ret = parent->ops->vram_rw(parent, voff, bounce, chunk,
						   true);
			if (ret)
				break;
		} else {
			ret = parent->ops->vram_rw(parent, voff, bounce, chunk,
						   false);
			if (ret)
				break;
			if (copy_to_user(ubuf + done, bounce, chunk)) {
				ret = -EFAULT;
				break;
			}
		}
		done += chunk;
	}
	return done ? done : ret;
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
	u64 size;

	if (pos < 0)
		return -EINVAL;
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		size = MDGPU_CFG_SIZE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM:
		size = vgpu->vram_size;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS:
		size = MDGPU_REGS_SIZE;
		break;
	default:
		return -EINVAL;
	}
	if (!count)
		return 0;
	if (off >= size || count > size - off)
		return -EINVAL;

	if (index == VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM)
		return mdgpu_vram_rw(vgpu, ubuf, count, off, write);
	return mdgpu_emulated_rw(vgpu, index, ubuf, count, off, write);
}
