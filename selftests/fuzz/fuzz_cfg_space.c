// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing the emulated PCI configuration space (drivers/cfg_space.c) as a
 * guest drives it: any sequence of reads and writes of any offset, length
 * and value, after a layout that may or may not be valid.
 *
 * Input: vram_size (u64), regs_size (u32), then operations of
 * { kind u8, offset u16, length u16, data[length] for writes }.
 */
#include <linux/pci_regs.h>

#include "fuzz.h"
#include "mdgpu_cfg.h"

static bool range_ok(u32 off, u32 len)
{
	return len && (u64)off + len <= MDGPU_CFG_SIZE;
}

static u64 bar_value(const u8 *d, u32 off, bool is64)
{
	u64 v = d[off] | d[off + 1] << 8 | d[off + 2] << 16 |
		(u64)d[off + 3] << 24;

	if (is64)
		v |= (u64)(d[off + 4] | d[off + 5] << 8 | d[off + 6] << 16 |
			   (u64)d[off + 7] << 24) << 32;
	return v;
}

static void check_space(const struct mdgpu_cfg *cfg,
			const struct mdgpu_cfg *init,
			const struct mdgpu_cfg_layout *l)
{
	u32 bar0 = PCI_BASE_ADDRESS_0 + 4 * MDGPU_BAR_VRAM;
	u32 bar2 = PCI_BASE_ADDRESS_0 + 4 * MDGPU_BAR_REGS;
	u64 v;

	FZ_CHECK(!memcmp(cfg->wmask, init->wmask, MDGPU_CFG_SIZE) &&
		 !memcmp(cfg->w1cmask, init->w1cmask, MDGPU_CFG_SIZE),
		 "the masks changed");
	/* Identity and capability list are read-only. */
	FZ_CHECK(!memcmp(cfg->data, init->data, 4), "vendor/device changed");
	FZ_CHECK(cfg->data[PCI_CAPABILITY_LIST] == MDGPU_CFG_MSI_CAP &&
		 cfg->data[MDGPU_CFG_MSI_CAP] == PCI_CAP_ID_MSI,
		 "capability list changed");
	/* A BAR never claims an address below its own size alignment. */
	v = bar_value(cfg->data, bar0, true);
	FZ_CHECK(!(v & (l->vram_size - 1) & ~(u64)0xf),
		 "BAR0 %#llx not aligned to %#llx", (unsigned long long)v,
		 (unsigned long long)l->vram_size);
	FZ_CHECK((v & 0xf) == (PCI_BASE_ADDRESS_MEM_TYPE_64 |
			       PCI_BASE_ADDRESS_MEM_PREFETCH),
		 "BAR0 type bits changed");
	v = bar_value(cfg->data, bar2, false);
	FZ_CHECK(!(v & (l->regs_size - 1) & ~(u64)0xf),
		 "BAR2 %#llx not aligned to %#x", (unsigned long long)v,
		 l->regs_size);
	FZ_CHECK(!(v & 0xf), "BAR2 type bits changed");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz_input in = { data, size };
	struct mdgpu_cfg_layout l;
	struct mdgpu_cfg *cfg, *init, *before;
	int ops = 0;

	l.vram_size = fz_u64(&in);
	l.regs_size = fz_u32(&in);
	if (mdgpu_cfg_layout_check(&l)) {
		FZ_CHECK(l.vram_size < 4096 || (l.vram_size & (l.vram_size - 1)) ||
			 l.regs_size < 4096 || l.regs_size > (1U << 31) ||
			 (l.regs_size & (l.regs_size - 1)),
			 "a valid layout was refused");
		return 0;
	}
	FZ_CHECK(l.vram_size >= 4096 && !(l.vram_size & (l.vram_size - 1)) &&
		 l.regs_size >= 4096 && l.regs_size <= (1U << 31) &&
		 !(l.regs_size & (l.regs_size - 1)),
		 "an invalid layout was accepted");

	cfg = malloc(sizeof(*cfg));
	init = malloc(sizeof(*init));
	before = malloc(sizeof(*before));
	if (!cfg || !init || !before)
		abort();
	mdgpu_cfg_init(cfg, &l);
	memcpy(init, cfg, sizeof(*cfg));

	while (in.left && ops++ < 64) {
		u8 kind = fz_u8(&in);
		u32 off = fz_u16(&in) % 512;
		u32 len = fz_u16(&in) % 320;
		u8 *buf = malloc(len ? len : 1);
		u32 i;
		int ret;

		if (!buf)
			abort();
		memcpy(before, cfg, sizeof(*cfg));
		switch (kind % 3) {
		case 0:
			for (i = 0; i < len; i++)
				buf[i] = fz_u8(&in);
			ret = mdgpu_cfg_write(cfg, off, buf, len);
			FZ_CHECK(!ret == range_ok(off, len),
				 "write %u+%u returned %d", off, len, ret);
			for (i = 0; i < MDGPU_CFG_SIZE; i++) {
				u8 ch = before->data[i] ^ cfg->data[i];
				u8 w1c = before->data[i] & ~cfg->data[i] &
					 init->w1cmask[i];

				/* Outside the access, or read-only: no change. */
				if (ret || i < off || i >= off + len) {
					FZ_CHECK(!ch, "byte %#x changed", i);
					continue;
				}
				FZ_CHECK(!(ch & ~(init->wmask[i] | w1c)),
					 "read-only bits %#x of byte %#x changed",
					 ch & ~init->wmask[i], i);
				FZ_CHECK(!(w1c & ~buf[i - off]),
					 "byte %#x: W1C bits cleared by a 0", i);
			}
			break;
		case 1:
			memset(buf, 0xa5, len);
			ret = mdgpu_cfg_read(cfg, off, buf, len);
			FZ_CHECK(!ret == range_ok(off, len),
				 "read %u+%u returned %d", off, len, ret);
			FZ_CHECK(ret || !memcmp(buf, cfg->data + off, len),
				 "read %u+%u differs from the space", off, len);
			FZ_CHECK(!memcmp(before, cfg, sizeof(*cfg)),
				 "a read changed the space");
			break;
		default:
			mdgpu_cfg_set_intx_status(cfg, off & 1);
			FZ_CHECK(!!(cfg->data[PCI_STATUS] & PCI_STATUS_INTERRUPT) ==
				 (off & 1), "INTx status not reflected");
			break;
		}
		free(buf);
		check_space(cfg, init, &l);
		(void)mdgpu_cfg_command(cfg);
		(void)mdgpu_cfg_msi_enabled(cfg);
	}
	free(before);
	free(init);
	free(cfg);
	return 0;
}
