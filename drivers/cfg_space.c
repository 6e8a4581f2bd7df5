// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: emulated PCI configuration space.
 *
 * Every byte of the space carries three things: its value, a mask of the bits
 * the guest may write, and a mask of the bits that are write-one-to-clear.
 * BAR sizing falls out of the masks: the address bits below the BAR size are
 * read-only zero, so writing all-ones reads back the size mask, as on real
 * hardware. Accesses of any length and alignment inside the space work byte
 * by byte; anything outside is refused.
 */
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/pci_regs.h>
#include <linux/string.h>

#include "mdgpu_cfg.h"

/* Command register bits the guest may change. */
#define MDGPU_CMD_WMASK	(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | \
			 PCI_COMMAND_INTX_DISABLE)
/* Status register error bits, cleared by writing one. */
#define MDGPU_STATUS_W1C	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			 PCI_STATUS_REC_TARGET_ABORT | \
			 PCI_STATUS_REC_MASTER_ABORT | \
			 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

static void put8(u8 *a, u32 off, u8 v)
{
	a[off] = v;
}

static void put16(u8 *a, u32 off, u16 v)
{
	a[off] = v & 0xff;
	a[off + 1] = v >> 8;
}

static void put32(u8 *a, u32 off, u32 v)
{
	put16(a, off, v & 0xffff);
	put16(a, off + 2, v >> 16);
}

static u16 get16(const u8 *a, u32 off)
{
	return a[off] | (a[off + 1] << 8);
}

/**
 * mdgpu_cfg_layout_check() - validate what a configuration space advertises
 * @layout: the layout to check
 *
 * Return: 0 when the BAR sizes are powers of two in the ranges PCI allows for
 * the BAR kinds mdgpu uses, -EINVAL otherwise.
 */
int mdgpu_cfg_layout_check(const struct mdgpu_cfg_layout *layout)
{
	if (layout->vram_size < 4096 || !is_power_of_2(layout->vram_size))
		return -EINVAL;
	if (layout->regs_size < 4096 || layout->regs_size > (1U << 31) ||
	    !is_power_of_2(layout->regs_size))
		return -EINVAL;
	return 0;
}

static void cfg_init_bars(struct mdgpu_cfg *cfg,
			  const struct mdgpu_cfg_layout *layout)
{
	u64 vram_mask = ~(layout->vram_size - 1);
	u32 off = PCI_BASE_ADDRESS_0 + 4 * MDGPU_BAR_VRAM;

	/* BAR0/1: 64-bit prefetchable memory. */
	put32(cfg->data, off, PCI_BASE_ADDRESS_SPACE_MEMORY |
	      PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	put32(cfg->wmask, off, (u32)vram_mask & PCI_BASE_ADDRESS_MEM_MASK);
	put32(cfg->wmask, off + 4, (u32)(vram_mask >> 32));

	/* BAR2: 32-bit non-prefetchable memory. */
	off = PCI_BASE_ADDRESS_0 + 4 * MDGPU_BAR_REGS;
	put32(cfg->data, off, PCI_BASE_ADDRESS_SPACE_MEMORY |
	      PCI_BASE_ADDRESS_MEM_TYPE_32);
	put32(cfg->wmask, off, ~(layout->regs_size - 1) &
	      PCI_BASE_ADDRESS_MEM_MASK);
}

static void cfg_init_msi(struct mdgpu_cfg *cfg)
{
	u32 cap = MDGPU_CFG_MSI_CAP;

	put8(cfg->data, cap + PCI_CAP_LIST_ID, PCI_CAP_ID_MSI);
	put8(cfg->data, cap + PCI_CAP_LIST_NEXT, 0);
	/* One vector, 64-bit addresses, no per-vector masking. */
	put16(cfg->data, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
	put16(cfg->wmask, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE);
	put32(cfg->wmask, cap + PCI_MSI_ADDRESS_LO, 0xfffffffc);
	put32(cfg->wmask, cap + PCI_MSI_ADDRESS_HI, 0xffffffff);
	put16(cfg->wmask, cap + PCI_MSI_DATA_64, 0xffff);
}

/**
 * mdgpu_cfg_init() - put a configuration space in its power-on state
 * @cfg: the space to initialise; every byte is overwritten
 * @layout: BAR sizes, already accepted by mdgpu_cfg_layout_check()
 *
 * Used at creation and on every device reset.
 */
void mdgpu_cfg_init(struct mdgpu_cfg *cfg,
		    const struct mdgpu_cfg_layout *layout)
{
	memset(cfg, 0, sizeof(*cfg));

	put16(cfg->data, PCI_VENDOR_ID, MDGPU_PCI_VENDOR_ID);
	put16(cfg->data, PCI_DEVICE_ID, MDGPU_PCI_DEVICE_ID);
	put16(cfg->wmask, PCI_COMMAND, MDGPU_CMD_WMASK);
	put16(cfg->data, PCI_STATUS, PCI_STATUS_CAP_LIST);
	put16(cfg->w1cmask, PCI_STATUS, MDGPU_STATUS_W1C);
	put8(cfg->data, PCI_REVISION_ID, MDGPU_PCI_REVISION);
	put8(cfg->data, PCI_CLASS_PROG, MDGPU_PCI_CLASS & 0xff);
	put16(cfg->data, PCI_CLASS_DEVICE, MDGPU_PCI_CLASS >> 8);
	put8(cfg->wmask, PCI_CACHE_LINE_SIZE, 0xff);
	put8(cfg->wmask, PCI_LATENCY_TIMER, 0xff);
	put8(cfg->data, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);

	cfg_init_bars(cfg, layout);

	put16(cfg->data, PCI_SUBSYSTEM_VENDOR_ID, MDGPU_PCI_SUBSYS_VENDOR_ID);
	put16(cfg->data, PCI_SUBSYSTEM_ID, MDGPU_PCI_SUBSYS_ID);
	put8(cfg->data, PCI_CAPABILITY_LIST, MDGPU_CFG_MSI_CAP);
	put8(cfg->wmask, PCI_INTERRUPT_LINE, 0xff);
	put8(cfg->data, PCI_INTERRUPT_PIN, 1);	/* INTA# */

	cfg_init_msi(cfg);
}

static int cfg_check_range(u32 off, u32 len)
{
	if (!len || off >= MDGPU_CFG_SIZE || len > MDGPU_CFG_SIZE - off)
		return -EINVAL;
	return 0;
}

/**
 * mdgpu_cfg_read() - read from the configuration space
 * @cfg: the space
 * @off: byte offset of the access
 * @buf: where to store @len bytes, little-endian as the guest sees them
 * @len: access length; any length that stays inside the space
 *
 * Return: 0, or -EINVAL if the access is empty or leaves the space.
 */
int mdgpu_cfg_read(const struct mdgpu_cfg *cfg, u32 off, void *buf, u32 len)
{
	int ret = cfg_check_range(off, len);

	if (ret)
		return ret;
	memcpy(buf, cfg->data + off, len);
	return 0;
}

/**
 * mdgpu_cfg_write() - write to the configuration space
 * @cfg: the space
 * @off: byte offset of the access
 * @buf: @len bytes to write, little-endian
 * @len: access length; any length that stays inside the space
 *
 * Read-only bits keep their value, write-one-to-clear bits are cleared where
 * @buf has a one. A refused access changes nothing.
 *
 * Return: 0, or -EINVAL if the access is empty or leaves the space.
 */
int mdgpu_cfg_write(struct mdgpu_cfg *cfg, u32 off, const void *buf, u32 len)
{
	const u8 *val = buf;
	int ret = cfg_check_range(off, len);
	u32 i;

	if (ret)
		return ret;
	for (i = 0; i < len; i++) {
		u32 o = off + i;
		u8 keep = cfg->data[o] & ~cfg->wmask[o];

		keep &= ~(val[i] & cfg->w1cmask[o]);
		cfg->data[o] = keep | (val[i] & cfg->wmask[o]);
	}
	return 0;
}

/**
 * mdgpu_cfg_command() - the guest's current PCI command register
 * @cfg: the space
 *
 * Return: the command register value.
 */
u16 mdgpu_cfg_command(const struct mdgpu_cfg *cfg)
{
	return get16(cfg->data, PCI_COMMAND);
}

/**
 * mdgpu_cfg_msi_enabled() - whether the guest turned MSI on
 * @cfg: the space
 *
 * Return: true if the MSI enable bit is set.
 */
bool mdgpu_cfg_msi_enabled(const struct mdgpu_cfg *cfg)
{
	return get16(cfg->data, MDGPU_CFG_MSI_CAP + PCI_MSI_FLAGS) &
	       PCI_MSI_FLAGS_ENABLE;
}

/**
 * mdgpu_cfg_set_intx_status() - reflect the INTx line in the status register
 * @cfg: the space
 * @asserted: whether the device's INTx is asserted
 */
void mdgpu_cfg_set_intx_status(struct mdgpu_cfg *cfg, bool asserted)
{
	u16 st = get16(cfg->data, PCI_STATUS);

	if (asserted)
		st |= PCI_STATUS_INTERRUPT;
	else
		st &= ~PCI_STATUS_INTERRUPT;
	put16(cfg->data, PCI_STATUS, st);
}

/**
 * mdgpu_cfg_restore() - take a saved configuration space
 * @cfg: a space in its power-on state
 * @saved: MDGPU_CFG_SIZE bytes as a user read them, from a migration
 *	   stream (not trusted)
 *
 * Only what the user could have written (and the interrupt status the
 * device sets) is taken: identity, capabilities and BAR sizes stay this
 * device's own.
 */
void mdgpu_cfg_restore(struct mdgpu_cfg *cfg, const u8 *saved)
{
	u32 o;

	for (o = 0; o < MDGPU_CFG_SIZE; o++)
		cfg->data[o] = (cfg->data[o] & ~cfg->wmask[o]) |
			       (saved[o] & cfg->wmask[o]);
	mdgpu_cfg_set_intx_status(cfg, get16(saved, PCI_STATUS) &
				       PCI_STATUS_INTERRUPT);
}
