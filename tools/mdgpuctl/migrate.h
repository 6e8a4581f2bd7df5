/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpuctl: saving and restoring an instance's state through VFIO
 * migration (migrate.c), shared by checkpoint, restore and evacuate
 * (cmd_migrate.c) and by relocation (relocate.h, mdgpu-balancer --move).
 */
#ifndef MDGPUCTL_MIGRATE_H
#define MDGPUCTL_MIGRATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/mdgpu_vfio.h"
#include "mdgpuctl.h"

#define MDG_CKPT_CHUNK	(1024 * 1024)

/**
 * struct mdg_ckpt_src - where a stream to restore comes from
 * @fd: a file, or -1 for @mem
 * @mem: the stream in memory
 * @len: bytes at @mem
 * @off: bytes of @mem already read
 */
struct mdg_ckpt_src {
	int fd;
	const uint8_t *mem;
	size_t len;
	size_t off;
};

/**
 * struct mdg_ckpt_mem - a stream kept in memory (evacuate, relocation)
 * @data: the bytes (malloc'd)
 * @len: bytes used
 * @cap: bytes allocated
 */
struct mdg_ckpt_mem {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/**
 * struct mdg_ckpt_sink - where a saved stream goes
 * @fd: a file, or -1 for @mem
 * @mem: memory
 */
struct mdg_ckpt_sink {
	int fd;
	struct mdg_ckpt_mem *mem;
};

extern const char mdg_ckpt_one_user[];

int mdg_ckpt_write_all(int fd, const void *buf, size_t len);
int mdg_ckpt_attr(const struct mdg_instance *in, const char *name, char *buf,
		  size_t len, char *path, size_t plen);
void mdg_ckpt_state(const struct mdg_instance *in, char *buf, size_t len);
int mdg_ckpt_open(const char *uuid, struct mdgpu_vfio *dev);
int mdg_ckpt_set_state(struct mdgpu_vfio *dev, const char *uuid,
		       uint32_t state, int *data_fd);
void mdg_ckpt_reset(struct mdgpu_vfio *dev, const char *uuid);
int mdg_ckpt_save(struct mdgpu_vfio *dev, const char *uuid,
		  struct mdg_ckpt_sink *sink, struct mdg_mig_scan *scan);
int mdg_ckpt_load(struct mdgpu_vfio *dev, const char *uuid,
		  struct mdg_ckpt_src *src, struct mdg_mig_scan *scan);
void mdg_ckpt_summary(const struct mdg_mig_scan *s, char *buf, size_t len);
char *mdg_mdevctl_definition(const char *uuid, const char *parent);
int mdg_mdevctl_move(const char *uuid, const char *from, const char *to,
		     const char *json, char *why, size_t len);

#endif /* MDGPUCTL_MIGRATE_H */
