// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the display of an instance.
 *
 * The guest drives a Bochs VBE ("std VGA") register interface in BAR2, so
 * the stock bochs DRM driver works unmodified. Every mode the guest sets is
 * validated (display_mode.c) before the scanout turns on or changes; a
 * refused mode leaves the display as it was and is counted in
 * MDGPU_REG_MODE_ERRORS. The host side sees the scanout through
 * VFIO_DEVICE_QUERY_GFX_PLANE and sets the monitor's EDID through the EDID
 * region. All state is under vgpu->lock.
 */
#include <linux/uaccess.h>
#include <linux/sizes.h>

#include "mdgpu.h"

/* enum drm_plane_type values, which the VFIO uAPI uses for plane types. */
#define MDGPU_PLANE_PRIMARY	1
#define MDGPU_PLANE_CURSOR	2

static const u8 mdgpu_mode_err_code[] = {
	[MDGPU_MODE_OK] = MDGPU_MODE_ERR_NONE,
	[MDGPU_MODE_BAD_FORMAT] = MDGPU_MODE_ERR_FORMAT,
	[MDGPU_MODE_TOO_LARGE] = MDGPU_MODE_ERR_TOO_LARGE,
	[MDGPU_MODE_NO_FIT] = MDGPU_MODE_ERR_NO_FIT,
};

static struct mdgpu_mode_limits mdgpu_display_limits(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_mode_limits lim = {
		.vram_size = vgpu->vram_size,
		.max_width = vgpu->type->desc->max_width,
		.max_height = vgpu->type->desc->max_height,
	};

	return lim;
}

/* Make the guest-visible EDID follow the host's link state and blob. */
static void mdgpu_display_publish_edid(struct mdgpu_display *d)
{
	memset(d->edid, 0, sizeof(d->edid));
	if (d->link_up)
		memcpy(d->edid, d->host_edid, d->host_edid_size);
}

/**
 * mdgpu_display_init() - give a new instance its monitor
 * @vgpu: the instance, not yet visible to anyone
 *
 * The default monitor is connected and prefers the type's largest mode.
 */
void mdgpu_display_init(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_display *d = &vgpu->display;
	int n;

	n = mdgpu_edid_build(d->host_edid, sizeof(d->host_edid),
			     vgpu->type->desc->max_width,
			     vgpu->type->desc->max_height);
	d->host_edid_size = n > 0 ? n : 0;
	d->link_up = true;
	mdgpu_display_publish_edid(d);
	d->endian = MDGPU_QEXT_ENDIAN_LITTLE;
}

/**
 * mdgpu_display_reset() - turn the display off and forget the guest's mode
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * The monitor (EDID, link) is the host's and survives a device reset.
 */
void mdgpu_display_reset(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_display *d = &vgpu->display;

	lockdep_assert_held(&vgpu->lock);
	memset(d->dispi, 0, sizeof(d->dispi));
	memset(d->vga, 0, sizeof(d->vga));
	memset(&d->mode, 0, sizeof(d->mode));
	d->endian = MDGPU_QEXT_ENDIAN_LITTLE;
	d->enabled = false;
	d->last_error = MDGPU_MODE_ERR_NONE;
	d->mode_errors = 0;
}

/**
 * mdgpu_display_status() - value of MDGPU_REG_DISPLAY_STATUS
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * Return: the register value.
 */
u32 mdgpu_display_status(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_display *d = &vgpu->display;

	lockdep_assert_held(&vgpu->lock);
	return (d->enabled ? MDGPU_DISPLAY_ENABLED : 0) |
	       (u32)d->last_error << MDGPU_DISPLAY_ERROR_SHIFT;
}

/**
 * mdgpu_display_scanout() - what the primary plane shows now
 * @vgpu: the instance; caller holds vgpu->lock
 * @mode: the scanout, its DRM format following the guest's byte order
 *
 * Return: true if the display is on (and @mode valid).
 */
bool mdgpu_display_scanout(struct mdgpu_vgpu *vgpu, struct mdgpu_mode *mode)
{
	struct mdgpu_display *d = &vgpu->display;

	lockdep_assert_held(&vgpu->lock);
	if (!d->enabled)
		return false;
	*mode = d->mode;
	mode->drm_format = mdgpu_mode_format(mode->bpp,
					     d->endian == MDGPU_QEXT_ENDIAN_BIG);
	return true;
}

/* BAR2 handlers; the register table in mmio.c calls them under vgpu->lock */

/**
 * mdgpu_edid_blob_read() - BAR2 0x000-0x3ff: the monitor's EDID
 * @ctx: the instance; caller holds its lock (the register table in mmio.c)
 * @reg: the table entry
 * @off: byte offset in the blob
 * @size: access size
 *
 * Return: @size bytes of the blob, little-endian.
 */
u32 mdgpu_edid_blob_read(void *ctx, const struct mdgpu_reg *reg, u32 off,
			 u32 size)
{
	struct mdgpu_vgpu *vgpu = ctx;
	u32 i, val = 0;

	lockdep_assert_held(&vgpu->lock);
	for (i = 0; i < size; i++)
		val |= (u32)vgpu->display.edid[off + i] << (8 * i);
	return val;
}

/**
 * mdgpu_vga_read() - BAR2 0x400-0x41f: VGA I/O ports 0x3c0-0x3df
 * @ctx: the instance; caller holds its lock (the register table in mmio.c)
 * @reg: the table entry
 * @off: port - 0x3c0
 * @size: access size
 *
 * Return: the stored port values.
 */
u32 mdgpu_vga_read(void *ctx, const struct mdgpu_reg *reg, u32 off, u32 size)
{
	struct mdgpu_vgpu *vgpu = ctx;
	u32 i, val = 0;

	lockdep_assert_held(&vgpu->lock);
	for (i = 0; i < size; i++)
		val |= (u32)vgpu->display.vga[off + i] << (8 * i);
	return val;
}

/**
 * mdgpu_vga_write() - store a VGA port write
 * @ctx: the instance; caller holds its lock (the register table in mmio.c)
 * @reg: the table entry
 * @off: port - 0x3c0
 * @size: access size
 * @val: value written
 *
 * The legacy VGA state is kept so the guest reads back what it wrote; it
 * does not affect the linear framebuffer scanout.
 */
void mdgpu_vga_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		     u32 size, u32 val)
{
	struct mdgpu_vgpu *vgpu = ctx;
	u32 i;

	lockdep_assert_held(&vgpu->lock);
	for (i = 0; i < size; i++)
		vgpu->display.vga[off + i] = val >> (8 * i);
}

/**
 * mdgpu_dispi_read() - BAR2 0x500-0x515: Bochs VBE DISPI registers
 * @ctx: the instance; caller holds its lock (the register table in mmio.c)
 * @reg: the table entry
 * @off: 2 * register index
 * @size: access size (2)
 *
 * Return: the register value.
 */
u32 mdgpu_dispi_read(void *ctx, const struct mdgpu_reg *reg, u32 off, u32 size)
{
	struct mdgpu_vgpu *vgpu = ctx;
	struct mdgpu_display *d = &vgpu->display;
	u32 index = off / 2;

	lockdep_assert_held(&vgpu->lock);
	switch (index) {
	case MDGPU_DISPI_ID:
		return MDGPU_DISPI_ID5;
	case MDGPU_DISPI_VIDEO_MEMORY_64K:
		return min_t(u64, vgpu->vram_size / SZ_64K, U16_MAX);
	case MDGPU_DISPI_XRES:
	case MDGPU_DISPI_YRES:
	case MDGPU_DISPI_BPP:
		if (!(d->dispi[MDGPU_DISPI_ENABLE] & MDGPU_DISPI_GETCAPS))
			break;
		if (index == MDGPU_DISPI_XRES)
			return vgpu->type->desc->max_width;
		if (index == MDGPU_DISPI_YRES)
			return vgpu->type->desc->max_height;
		return 32;
	}
	return d->dispi[index];
}

/**
 * mdgpu_dispi_write() - a guest write to a DISPI register
 * @ctx: the instance; caller holds its lock (the register table in mmio.c)
 * @reg: the table entry
 * @off: 2 * register index
 * @size: access size (2)
 * @val: value written
 *
 * The register always takes the value. The scanout follows whenever the
 * registers describe a valid mode. Turning the display on with an invalid
 * mode is refused: it stays off, ENABLE reads back without its enable bit,
 * and MDGPU_REG_MODE_ERRORS counts it. While the display is on, a write
 * that leaves the registers invalid (say, half of a page flip) keeps the
 * last valid scanout until the registers are valid again.
 */
void mdgpu_dispi_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		       u32 size, u32 val)
{
	struct mdgpu_vgpu *vgpu = ctx;
	struct mdgpu_display *d = &vgpu->display;
	struct mdgpu_mode_limits lim = mdgpu_display_limits(vgpu);
	enum mdgpu_mode_error err;
	struct mdgpu_mode mode;
	u32 index = off / 2;

	lockdep_assert_held(&vgpu->lock);
	if (index == MDGPU_DISPI_ID || index == MDGPU_DISPI_VIDEO_MEMORY_64K)
		return;
	d->dispi[index] = val;
	if (!(d->dispi[MDGPU_DISPI_ENABLE] & MDGPU_DISPI_ENABLED)) {
		d->enabled = false;
		return;
	}
	err = mdgpu_mode_from_dispi(d->dispi, &lim, &mode);
	if (!err) {
		d->mode = mode;
		d->enabled = true;
		d->last_error = MDGPU_MODE_ERR_NONE;
		return;
	}
	d->last_error = mdgpu_mode_err_code[err];
	if (index != MDGPU_DISPI_ENABLE)
		return;
	d->mode_errors++;
	if (!d->enabled)
		d->dispi[MDGPU_DISPI_ENABLE] &= ~MDGPU_DISPI_ENABLED;
	dev_dbg_ratelimited(vgpu->vdev.dev,
			    "refused display mode %ux%u %u bpp (error %u)\n",
			    d->dispi[MDGPU_DISPI_XRES], d->dispi[MDGPU_DISPI_YRES],
			    d->dispi[MDGPU_DISPI_BPP], d->last_error);
}

/**
 * mdgpu_qext_read() - BAR2 0x600-0x607: QEMU extended registers
 * @ctx: the instance; caller holds its lock (the register table in mmio.c)
 * @reg: the table entry
 * @off: offset in the block
 * @size: access size (4)
 *
 * Return: the register value.
 */
u32 mdgpu_qext_read(void *ctx, const struct mdgpu_reg *reg, u32 off, u32 size)
{
	struct mdgpu_vgpu *vgpu = ctx;

	lockdep_assert_held(&vgpu->lock);
	return off ? vgpu->display.endian : 8;
}

/**
 * mdgpu_qext_write() - set the framebuffer byte order
 * @ctx: the instance; caller holds its lock (the register table in mmio.c)
 * @reg: the table entry
 * @off: offset in the block
 * @size: access size (4)
 * @val: value written; only the two defined byte orders are taken
 */
void mdgpu_qext_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		      u32 size, u32 val)
{
	struct mdgpu_vgpu *vgpu = ctx;

	lockdep_assert_held(&vgpu->lock);
	if (off && (val == MDGPU_QEXT_ENDIAN_LITTLE ||
		    val == MDGPU_QEXT_ENDIAN_BIG))
		vgpu->display.endian = val;
}

/**
 * mdgpu_display_query_plane() - VFIO_DEVICE_QUERY_GFX_PLANE
 * @vgpu: the instance
 * @arg: user pointer to struct vfio_device_gfx_plane_info
 *
 * Only the plane types in vgpu->plane_types are offered; a plane type that
 * is not is refused as a device without it refuses it (EINVAL), probe or
 * not. With VFIO_GFX_PLANE_TYPE_PROBE, answers whether a plane type is
 * offered. Otherwise describes the primary plane: all-zero format and size
 * while the display is off. A region query with drm_plane_type 0 asks for
 * the primary plane: QEMU's region display leaves the field 0. There is no
 * cursor plane: it reads as empty. A region plane is BAR0 and needs the
 * scanout at offset 0; a dma-buf plane needs a page-aligned scanout;
 * otherwise the plane reads as empty.
 *
 * Return: 0, -EFAULT, or -EINVAL for a short argsz, bad flags, a plane
 * type the instance does not offer or an unknown plane.
 */
long mdgpu_display_query_plane(struct mdgpu_vgpu *vgpu, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_gfx_plane_info,
					  dmabuf_id);
	u32 offered = READ_ONCE(vgpu->plane_types);
	struct vfio_device_gfx_plane_info plane;
	struct mdgpu_mode mode = {};
	bool on = false;
	u32 kind, which, id = 0;
	int ret;

	if (copy_from_user(&plane, arg, minsz))
		return -EFAULT;
	if (plane.argsz < minsz)
		return -EINVAL;
	kind = plane.flags & ~VFIO_GFX_PLANE_TYPE_PROBE;
	if (plane.flags & ~(VFIO_GFX_PLANE_TYPE_PROBE |
			    VFIO_GFX_PLANE_TYPE_DMABUF |
			    VFIO_GFX_PLANE_TYPE_REGION))
		return -EINVAL;
	if (!(kind == VFIO_GFX_PLANE_TYPE_DMABUF &&
	      (offered & MDGPU_PLANES_DMABUF)) &&
	    !(kind == VFIO_GFX_PLANE_TYPE_REGION &&
	      (offered & MDGPU_PLANES_REGION)))
		return -EINVAL;
	if (plane.flags & VFIO_GFX_PLANE_TYPE_PROBE)
		return 0;
	/* QEMU asks for a region plane without naming the plane: primary. */
	which = plane.drm_plane_type;
	if (kind == VFIO_GFX_PLANE_TYPE_REGION && !which)
		which = MDGPU_PLANE_PRIMARY;
	if (which != MDGPU_PLANE_PRIMARY && which != MDGPU_PLANE_CURSOR)
		return -EINVAL;

	if (which == MDGPU_PLANE_PRIMARY) {
		if (kind == VFIO_GFX_PLANE_TYPE_DMABUF) {
			ret = mdgpu_dmabuf_plane_id(vgpu, &id, &mode);
			if (ret)
				return ret;
			on = id != 0;
		} else {
			mutex_lock(&vgpu->lock);
			on = mdgpu_display_scanout(vgpu, &mode) && !mode.offset;
			mutex_unlock(&vgpu->lock);
		}
	}

	plane.drm_format = on ? mode.drm_format : 0;
	plane.drm_format_mod = 0;
	plane.width = on ? mode.width : 0;
	plane.height = on ? mode.height : 0;
	plane.stride = on ? mode.stride : 0;
	plane.size = on ? mode.size : 0;
	plane.x_pos = 0;
	plane.y_pos = 0;
	plane.x_hot = 0;
	plane.y_hot = 0;
	if (kind == VFIO_GFX_PLANE_TYPE_REGION)
		plane.region_index = VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM;
	else
		plane.dmabuf_id = id;
	return copy_to_user(arg, &plane, minsz) ? -EFAULT : 0;
}

/**
 * mdgpu_edid_region_rw() - access the EDID region
 * @vgpu: the instance
 * @off: offset in the region; the caller checked @off + @len against
 *	 MDGPU_EDID_REGION_SIZE
 * @buf: kernel buffer
 * @len: bytes
 * @write: direction
 *
 * The header is struct vfio_region_gfx_edid: edid_size and link_state are
 * writable, the rest read-only; the blob follows at MDGPU_EDID_REGION_BLOB.
 * The host writes the blob and edid_size, then sets the link up: only then
 * does the guest see the new EDID.
 *
 * Return: 0, or -EINVAL for a partial or invalid header write.
 */
int mdgpu_edid_region_rw(struct mdgpu_vgpu *vgpu, u32 off, u8 *buf, u32 len,
			 bool write)
{
	struct mdgpu_display *d = &vgpu->display;
	u8 head[MDGPU_EDID_REGION_BLOB] = {};
	struct vfio_region_gfx_edid *hdr = (void *)head;
	u32 val;

	lockdep_assert_held(&vgpu->lock);
	if (off >= MDGPU_EDID_REGION_BLOB) {
		off -= MDGPU_EDID_REGION_BLOB;
		if (write)
			memcpy(d->host_edid + off, buf, len);
		else
			memcpy(buf, d->host_edid + off, len);
		return 0;
	}
	if (!write) {
		u32 n = min_t(u32, len, MDGPU_EDID_REGION_BLOB - off);

		hdr->edid_offset = MDGPU_EDID_REGION_BLOB;
		hdr->edid_max_size = sizeof(d->host_edid);
		hdr->edid_size = d->host_edid_size;
		hdr->max_xres = vgpu->type->desc->max_width;
		hdr->max_yres = vgpu->type->desc->max_height;
		hdr->link_state = d->link_up ? VFIO_DEVICE_GFX_LINK_STATE_UP :
					       VFIO_DEVICE_GFX_LINK_STATE_DOWN;
		memcpy(buf, head + off, n);
		if (n < len)
			memcpy(buf + n, d->host_edid, len - n);
		return 0;
	}
	/* Header writes: one whole 32-bit field at a time. */
	if (len != 4 || off % 4)
		return -EINVAL;
	memcpy(&val, buf, 4);
	switch (off) {
	case offsetof(struct vfio_region_gfx_edid, edid_size):
		if (val > sizeof(d->host_edid))
			return -EINVAL;
		d->host_edid_size = val;
		return 0;
	case offsetof(struct vfio_region_gfx_edid, link_state):
		if (val != VFIO_DEVICE_GFX_LINK_STATE_UP &&
		    val != VFIO_DEVICE_GFX_LINK_STATE_DOWN)
			return -EINVAL;
		d->link_up = val == VFIO_DEVICE_GFX_LINK_STATE_UP;
		mdgpu_display_publish_edid(d);
		return 0;
	}
	return -EINVAL;	/* a read-only field */
}

/**
 * mdgpu_display_save_locked() - the display as a DISPLAY record
 * @vgpu: the instance; caller holds vgpu->lock
 * @m: filled in
 */
void mdgpu_display_save_locked(struct mdgpu_vgpu *vgpu,
			       struct mdgpu_mig_display *m)
{
	const struct mdgpu_display *d = &vgpu->display;
	unsigned int i;

	lockdep_assert_held(&vgpu->lock);
	BUILD_BUG_ON(ARRAY_SIZE(m->dispi) < MDGPU_DISPI_NR);
	BUILD_BUG_ON(sizeof(m->vga) != sizeof(d->vga));
	BUILD_BUG_ON(sizeof(m->edid) != sizeof(d->edid));
	BUILD_BUG_ON(sizeof(m->host_edid) != sizeof(d->host_edid));
	memset(m, 0, sizeof(*m));
	for (i = 0; i < MDGPU_DISPI_NR; i++)
		m->dispi[i] = cpu_to_le16(d->dispi[i]);
	memcpy(m->vga, d->vga, sizeof(m->vga));
	m->endian = cpu_to_le32(d->endian);
	m->mode_errors = cpu_to_le32(d->mode_errors);
	m->last_error = d->last_error;
	m->enabled = d->enabled;
	m->link_up = d->link_up;
	m->host_edid_size = cpu_to_le32(d->host_edid_size);
	memcpy(m->edid, d->edid, sizeof(m->edid));
	memcpy(m->host_edid, d->host_edid, sizeof(m->host_edid));
}

/**
 * mdgpu_display_check() - can the instance take a DISPLAY record?
 * @vgpu: the instance
 * @m: the record, from a user
 *
 * Return: NULL, or why not.
 */
const char *mdgpu_display_check(struct mdgpu_vgpu *vgpu,
				const struct mdgpu_mig_display *m)
{
	unsigned int i;

	for (i = MDGPU_DISPI_NR; i < ARRAY_SIZE(m->dispi); i++)
		if (m->dispi[i])
			return "display registers";
	if (le32_to_cpu(m->endian) != MDGPU_QEXT_ENDIAN_LITTLE &&
	    le32_to_cpu(m->endian) != MDGPU_QEXT_ENDIAN_BIG)
		return "display byte order";
	if (m->last_error > MDGPU_MODE_ERR_NO_FIT || m->enabled > 1 ||
	    m->link_up > 1)
		return "display state";
	if (le32_to_cpu(m->host_edid_size) > sizeof(m->host_edid))
		return "EDID size";
	return NULL;
}

/**
 * mdgpu_display_load_locked() - give the instance a checked DISPLAY record
 * @vgpu: the instance; caller holds vgpu->lock
 * @m: the record, accepted by mdgpu_display_check()
 *
 * The scanout is derived again from the registers, against this
 * instance's limits: a display saved on is on here if its registers
 * describe a valid mode (they do, unless the guest was half-way through
 * changing it; it is then off until the guest completes the change).
 */
void mdgpu_display_load_locked(struct mdgpu_vgpu *vgpu,
			       const struct mdgpu_mig_display *m)
{
	struct mdgpu_display *d = &vgpu->display;
	struct mdgpu_mode_limits lim = mdgpu_display_limits(vgpu);
	struct mdgpu_mode mode;
	unsigned int i;

	lockdep_assert_held(&vgpu->lock);
	for (i = 0; i < MDGPU_DISPI_NR; i++)
		d->dispi[i] = le16_to_cpu(m->dispi[i]);
	memcpy(d->vga, m->vga, sizeof(d->vga));
	d->endian = le32_to_cpu(m->endian);
	d->mode_errors = le32_to_cpu(m->mode_errors);
	d->last_error = m->last_error;
	d->link_up = m->link_up;
	d->host_edid_size = le32_to_cpu(m->host_edid_size);
	memcpy(d->edid, m->edid, sizeof(d->edid));
	memcpy(d->host_edid, m->host_edid, sizeof(d->host_edid));
	d->enabled = false;
	memset(&d->mode, 0, sizeof(d->mode));
	if (m->enabled &&
	    (d->dispi[MDGPU_DISPI_ENABLE] & MDGPU_DISPI_ENABLED) &&
	    mdgpu_mode_from_dispi(d->dispi, &lim, &mode) == MDGPU_MODE_OK) {
		d->mode = mode;
		d->enabled = true;
	}
}
