// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-cfgdump: open an mdgpu instance through VFIO (group/container path),
 * the way QEMU does, and print its PCI identity, BARs (sized as firmware
 * sizes them) and the raw configuration space.
 *
 * usage: mdgpu-cfgdump UUID
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/mdgpu_vfio.h"
#include "uapi/mdgpu.h"

static int die(const char *what)
{
	fprintf(stderr, "mdgpu-cfgdump: %s: %s\n", what, strerror(errno));
	return 1;
}

static uint32_t rd32(const uint8_t *c, unsigned int off)
{
	return c[off] | c[off + 1] << 8 | c[off + 2] << 16 |
	       (uint32_t)c[off + 3] << 24;
}

int main(int argc, char **argv)
{
	uint8_t cfg[MDGPU_CFG_SIZE];
	struct mdgpu_vfio mdev;
	int dev;
	uint32_t ones = 0xffffffff, lo, hi;
	unsigned int i;
	off_t base;

	if (argc != 2) {
		fprintf(stderr, "usage: mdgpu-cfgdump UUID\n");
		return 2;
	}
	if (mdgpu_vfio_open_group(argv[1], &mdev))
		return die(argv[1]);
	dev = mdev.device;
	if (mdgpu_region_pos(dev, VFIO_PCI_CONFIG_REGION_INDEX, 0, &base))
		return die("VFIO_DEVICE_GET_REGION_INFO");
	if (pread(dev, cfg, sizeof(cfg), base) != sizeof(cfg))
		return die("config read");

	printf("%s: vendor %04x device %04x subsystem %04x:%04x class %06x rev %02x\n",
	       argv[1], rd32(cfg, 0) & 0xffff, rd32(cfg, 0) >> 16,
	       rd32(cfg, 0x2c) & 0xffff, rd32(cfg, 0x2c) >> 16,
	       rd32(cfg, 8) >> 8, cfg[8]);
	/* Size BAR0 (64-bit) and BAR2 the way firmware does. */
	if (pwrite(dev, &ones, 4, base + 0x10) != 4 ||
	    pwrite(dev, &ones, 4, base + 0x14) != 4 ||
	    pread(dev, &lo, 4, base + 0x10) != 4 ||
	    pread(dev, &hi, 4, base + 0x14) != 4)
		return die("BAR0 sizing");
	printf("  BAR0: 64-bit prefetchable memory, %llu MiB (framebuffer)\n",
	       (unsigned long long)(~(((uint64_t)hi << 32) | (lo & ~0xfU)) + 1) >> 20);
	if (pwrite(dev, &ones, 4, base + 0x18) != 4 ||
	    pread(dev, &lo, 4, base + 0x18) != 4)
		return die("BAR2 sizing");
	printf("  BAR2: 32-bit memory, %u KiB (registers)\n",
	       (~(lo & ~0xfU) + 1) >> 10);
	if (pread(dev, cfg, sizeof(cfg), base) != sizeof(cfg))
		return die("config read");
	printf("  capabilities: %s at 0x%02x\n",
	       cfg[cfg[0x34]] == 5 ? "MSI" : "?", cfg[0x34]);
	for (i = 0; i < 64; i += 16) {
		unsigned int j;

		printf("  %02x:", i);
		for (j = 0; j < 16; j++)
			printf(" %02x", cfg[i + j]);
		printf("\n");
	}
	mdgpu_vfio_close(&mdev);
	return 0;
}
