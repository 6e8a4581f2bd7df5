/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulated PCI configuration space of an mdgpu instance.
 *
 * Pure logic over plain data: no locking, no allocation. The caller owns the
 * struct and serialises access to it (see struct mdgpu_vgpu::lock).
 */
#ifndef _MDGPU_CFG_H
#define _MDGPU_CFG_H

#include <linux/types.h>
#include "uapi/mdgpu.h"

/**
 * struct mdgpu_cfg_layout - what the configuration space advertises
 * @vram_size: size of BAR0 in bytes; a power of two of at least 4 KiB
 * @regs_size: size of BAR2 in bytes; a power of two of 4 KiB .. 2 GiB
 */
struct mdgpu_cfg_layout {
	u64 vram_size;
	u32 regs_size;
};

/**
 * struct mdgpu_cfg - the emulated configuration space
 * @data: current register contents, as the guest reads them
 * @wmask: per-bit write enable; bits clear here are read-only
 * @w1cmask: per-bit write-one-to-clear; writing 1 clears such a bit
 */
struct mdgpu_cfg {
	u8 data[MDGPU_CFG_SIZE];
	u8 wmask[MDGPU_CFG_SIZE];
	u8 w1cmask[MDGPU_CFG_SIZE];
};

int mdgpu_cfg_layout_check(const struct mdgpu_cfg_layout *layout);
void mdgpu_cfg_init(struct mdgpu_cfg *cfg,
		    const struct mdgpu_cfg_layout *layout);
int mdgpu_cfg_read(const struct mdgpu_cfg *cfg, u32 off, void *buf, u32 len);
int mdgpu_cfg_write(struct mdgpu_cfg *cfg, u32 off, const void *buf, u32 len);
u16 mdgpu_cfg_command(const struct mdgpu_cfg *cfg);
bool mdgpu_cfg_msi_enabled(const struct mdgpu_cfg *cfg);
void mdgpu_cfg_set_intx_status(struct mdgpu_cfg *cfg, bool asserted);
void mdgpu_cfg_restore(struct mdgpu_cfg *cfg, const u8 *saved);

#endif /* _MDGPU_CFG_H */
