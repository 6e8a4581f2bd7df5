// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the scanout as a dma-buf (VFIO_DEVICE_GET_GFX_DMABUF), which QEMU
 * imports to show the guest's display without copying.
 *
 * Each distinct primary plane (offset, size, format, stride) the guest has
 * shown gets an id; VFIO_DEVICE_QUERY_GFX_PLANE reports it and
 * VFIO_DEVICE_GET_GFX_DMABUF exports a dma-buf over the VRAM pages of that
 * plane, on a backend that has struct pages (mdgpu_parent_has_dmabuf()).
 * An export holds its own page references and nothing else of the
 * instance, so it outlives resets and removal safely: it keeps showing the
 * last picture and never reaches memory someone else owns. Only the
 * MDGPU_MAX_PLANES most recently shown planes are remembered per instance,
 * so a guest flipping through many offsets cannot make the host allocate
 * without bound. The plane list is under vgpu->lock.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/iosys-map.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mdgpu.h"

MODULE_IMPORT_NS(DMA_BUF);

#define MDGPU_MAX_PLANES	16

/**
 * struct mdgpu_plane - a scanout plane the guest has shown
 * @node: entry in vgpu->planes, most recently used first
 * @id: the plane's dmabuf_id, never 0
 * @mode: what the plane shows
 */
struct mdgpu_plane {
	struct list_head node;
	u32 id;
	struct mdgpu_mode mode;
};

/**
 * struct mdgpu_dmabuf - one exported dma-buf
 * @nr_pages: pages in @pages
 * @pages: the plane's VRAM pages, each referenced by the export
 */
struct mdgpu_dmabuf {
	unsigned int nr_pages;
	struct page **pages;
};

static void mdgpu_dmabuf_put_pages(struct mdgpu_dmabuf *db)
{
	unsigned int i;

	for (i = 0; i < db->nr_pages; i++)
		if (db->pages[i])
			put_page(db->pages[i]);
	kvfree(db->pages);
	db->pages = NULL;
}

static struct sg_table *mdgpu_dmabuf_map(struct dma_buf_attachment *at,
					 enum dma_data_direction dir)
{
	struct mdgpu_dmabuf *db = at->dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, db->pages, db->nr_pages, 0,
					(size_t)db->nr_pages << PAGE_SHIFT,
					GFP_KERNEL);
	if (ret)
		goto free_sgt;
	ret = dma_map_sgtable(at->dev, sgt, dir, 0);
	if (ret)
		goto free_table;
	return sgt;

free_table:
	sg_free_table(sgt);
free_sgt:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void mdgpu_dmabuf_unmap(struct dma_buf_attachment *at,
			       struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	dma_unmap_sgtable(at->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static int mdgpu_dmabuf_mmap(struct dma_buf *buf, struct vm_area_struct *vma)
{
	struct mdgpu_dmabuf *db = buf->priv;

	return vm_map_pages(vma, db->pages, db->nr_pages);
}

static int mdgpu_dmabuf_vmap(struct dma_buf *buf, struct iosys_map *map)
{
	struct mdgpu_dmabuf *db = buf->priv;
	void *vaddr = vm_map_ram(db->pages, db->nr_pages, NUMA_NO_NODE);

	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void mdgpu_dmabuf_vunmap(struct dma_buf *buf, struct iosys_map *map)
{
	struct mdgpu_dmabuf *db = buf->priv;

	vm_unmap_ram(map->vaddr, db->nr_pages);
}

static void mdgpu_dmabuf_release(struct dma_buf *buf)
{
	struct mdgpu_dmabuf *db = buf->priv;

	mdgpu_dmabuf_put_pages(db);
	kfree(db);
}

static const struct dma_buf_ops mdgpu_dmabuf_ops = {
	.map_dma_buf = mdgpu_dmabuf_map,
	.unmap_dma_buf = mdgpu_dmabuf_unmap,
	.mmap = mdgpu_dmabuf_mmap,
	.vmap = mdgpu_dmabuf_vmap,
	.vunmap = mdgpu_dmabuf_vunmap,
	.release = mdgpu_dmabuf_release,
};

static bool mdgpu_mode_same(const struct mdgpu_mode *a,
			    const struct mdgpu_mode *b)
{
	return a->offset == b->offset && a->width == b->width &&
	       a->height == b->height && a->stride == b->stride &&
	       a->drm_format == b->drm_format;
}

/**
 * mdgpu_dmabuf_plane_id() - the dmabuf_id of the current primary plane
 * @vgpu: the instance
 * @id: the id; 0 if there is nothing a dma-buf can show (display off, or a
 *	scanout that does not start on a page boundary)
 * @mode: the plane's mode, when @id is not 0
 *
 * The mode and its id are taken under one hold of vgpu->lock, so they
 * always describe the same scanout.
 *
 * Return: 0 or -ENOMEM.
 */
int mdgpu_dmabuf_plane_id(struct mdgpu_vgpu *vgpu, u32 *id,
			  struct mdgpu_mode *mode)
{
	struct mdgpu_plane *p, *fresh;
	unsigned int n = 0;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;

	mutex_lock(&vgpu->lock);
	*id = 0;
	if (!mdgpu_display_scanout(vgpu, mode) || !PAGE_ALIGNED(mode->offset))
		goto unlock;
	list_for_each_entry(p, &vgpu->planes, node) {
		if (mdgpu_mode_same(&p->mode, mode)) {
			*id = p->id;
			list_move(&p->node, &vgpu->planes);
			goto unlock;
		}
		n++;
	}
	if (n >= MDGPU_MAX_PLANES) {
		/* Reuse the least recently shown entry. */
		p = list_last_entry(&vgpu->planes, struct mdgpu_plane, node);
		list_del(&p->node);
		kfree(fresh);
		fresh = p;
	}
	fresh->mode = *mode;
	fresh->id = ++vgpu->next_plane_id;
	if (!fresh->id)		/* 0 means "no plane" */
		fresh->id = ++vgpu->next_plane_id;
	*id = fresh->id;
	list_add(&fresh->node, &vgpu->planes);
	fresh = NULL;
unlock:
	mutex_unlock(&vgpu->lock);
	kfree(fresh);
	return 0;
}

/* Reference the VRAM pages of @mode. Caller holds vgpu->lock. */
static int mdgpu_dmabuf_get_pages(struct mdgpu_vgpu *vgpu,
				  const struct mdgpu_mode *mode,
				  struct mdgpu_dmabuf *db)
{
	unsigned int i;

	lockdep_assert_held(&vgpu->lock);
	/* vram_page() allocates what has no backing yet. */
	mdgpu_vram_dirty_backing_changed(vgpu);
	db->nr_pages = DIV_ROUND_UP(mode->size, PAGE_SIZE);
	db->pages = kvcalloc(db->nr_pages, sizeof(*db->pages), GFP_KERNEL);
	if (!db->pages)
		return -ENOMEM;
	for (i = 0; i < db->nr_pages; i++) {
		struct page *page;

		page = mdgpu_vgpu_vram_page(vgpu, mode->offset +
					    ((u64)i << PAGE_SHIFT));
		if (!page) {
			mdgpu_dmabuf_put_pages(db);
			return -ENOMEM;
		}
		get_page(page);
		db->pages[i] = page;
	}
	return 0;
}

/**
 * mdgpu_dmabuf_get_ioctl() - VFIO_DEVICE_GET_GFX_DMABUF
 * @vgpu: the instance
 * @arg: user pointer to the u32 dmabuf_id
 *
 * Refused with -ENOTTY, as by a device without dma-buf support, when the
 * instance does not offer dma-buf planes. An instance offers them only if
 * its parent's backend has struct pages behind VRAM (the simulated one;
 * not the PCI parent, whose VRAM is a BAR): plane_types refuses "dmabuf"
 * and "both" with -EOPNOTSUPP there.
 *
 * Return: a new dma-buf fd, -ENOENT for an id the instance does not know
 * (any more), or another negative errno.
 */
long mdgpu_dmabuf_get_ioctl(struct mdgpu_vgpu *vgpu, void __user *arg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct mdgpu_dmabuf *db;
	struct mdgpu_plane *p;
	struct dma_buf *buf;
	int ret = -ENOENT;
	u32 id;

	if (!(READ_ONCE(vgpu->plane_types) & MDGPU_PLANES_DMABUF))
		return -ENOTTY;
	/* Cannot be offered then (plane_types refuses it); be sure anyway. */
	if (!mdgpu_parent_has_dmabuf(vgpu->parent))
		return -EOPNOTSUPP;
	if (get_user(id, (u32 __user *)arg))
		return -EFAULT;
	db = kzalloc(sizeof(*db), GFP_KERNEL);
	if (!db)
		return -ENOMEM;

	mutex_lock(&vgpu->lock);
	list_for_each_entry(p, &vgpu->planes, node) {
		if (id && p->id == id) {
			ret = mdgpu_dmabuf_get_pages(vgpu, &p->mode, db);
			break;
		}
	}
	mutex_unlock(&vgpu->lock);
	if (ret)
		goto free_db;

	exp.ops = &mdgpu_dmabuf_ops;
	exp.size = (size_t)db->nr_pages << PAGE_SHIFT;
	exp.flags = O_RDWR;
	exp.priv = db;
	buf = dma_buf_export(&exp);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto put_pages;
	}
	ret = dma_buf_fd(buf, O_CLOEXEC);
	if (ret < 0)
		dma_buf_put(buf);	/* releases db */
	return ret;

put_pages:
	mdgpu_dmabuf_put_pages(db);
free_db:
	kfree(db);
	return ret;
}

/**
 * mdgpu_dmabuf_release_all() - forget the instance's planes
 * @vgpu: the instance, being closed or released
 *
 * Exported dma-bufs stay valid until their last user closes them.
 */
void mdgpu_dmabuf_release_all(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_plane *p, *tmp;

	mutex_lock(&vgpu->lock);
	list_for_each_entry_safe(p, tmp, &vgpu->planes, node) {
		list_del(&p->node);
		kfree(p);
	}
	mutex_unlock(&vgpu->lock);
}
