/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capacity a parent reserves for named instances: the pure part (the
 * ``reservations`` attribute's syntax and its checks, drivers/reserve_spec.c).
 * The parent side is drivers/reserve.c.
 */
#ifndef _MDGPU_RESV_H
#define _MDGPU_RESV_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/uuid.h>

/* Most reservations on one parent (their lines fit one page). */
#define MDGPU_RESV_MAX		32
/* Largest VRAM a reservation may hold, MiB (mdgpu.vram_mb's maximum). */
#define MDGPU_RESV_VRAM_MAX_MB	65536
/* Longest line the ``reservations`` attribute takes. */
#define MDGPU_RESV_LINE_MAX	96

struct mdgpu_vgpu;

/**
 * struct mdgpu_resv_spec - one reservation as the admin writes it
 * @uuid: the instance it is for
 * @vram_mb: VRAM held for it, MiB: 0 (none) or a power of two
 * @share: engine share held for it, parts per million
 * @priority: the priority class it gets when created, 0..7
 * @remove: the line asks to delete the reservation of @uuid (the other
 *	    fields are 0)
 */
struct mdgpu_resv_spec {
	guid_t uuid;
	u32 vram_mb;
	u32 share;
	u32 priority;
	bool remove;
};

/**
 * struct mdgpu_resv - a reservation on a parent (mdgpu_parent::resvs)
 * @node: on the parent's list, under mdgpu_parent::lock
 * @spec: what was reserved; constant
 * @vram_offset: the VRAM range held for it (@spec.vram_mb MiB), allocated
 *		 when the reservation was made and owned by the reservation
 *		 until it is deleted, whoever uses it; constant
 * @holder: the instance created with @spec.uuid, or NULL; under
 *	    mdgpu_parent::lock
 */
struct mdgpu_resv {
	struct list_head node;
	struct mdgpu_resv_spec spec;
	u64 vram_offset;
	struct mdgpu_vgpu *holder;
};

int mdgpu_resv_parse(const char *buf, struct mdgpu_resv_spec *spec);
int mdgpu_resv_spec_check(const struct mdgpu_resv_spec *spec);
int mdgpu_resv_vram_admit(u64 vram_size, u64 reserved, u64 size);
int mdgpu_resv_fit(const struct mdgpu_resv_spec *spec, u64 size);

#endif /* _MDGPU_RESV_H */
