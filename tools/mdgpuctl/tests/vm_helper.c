// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl-vm-helper: small tools for tools/mdgpuctl/vm-test.sh.
 *
 *   hold UUID [--device-only]
 *                      open the instance through VFIO, print "held", and keep
 *                      it open until stdin reaches EOF or a signal ends us;
 *                      with --device-only, close the group and container
 *                      fds and keep only the device fd (which /proc shows
 *                      as an anonymous inode, not as /dev/vfio/N)
 *   pixel FILE X Y     print the pixel of an 8-bit RGB PNG as RRGGBB
 *   size FILE          print "WIDTHxHEIGHT" of a PNG
 *   mkstate UUID FILE  open the instance, set 640x480x32, draw a picture
 *                      (a gradient with a red box at 100,100-199,149) and a
 *                      page at 32 MiB, write SCRATCH, and save the device's
 *                      state to FILE through VFIO migration (STOP_COPY)
 *   reg UUID OFFSET    open the instance and print a BAR2 register
 *   migcmp F1 F2       compare two migration streams as a destination sees
 *                      them: the header, every device-state record (the
 *                      ENGINE record's TIMESTAMP may only grow) and VRAM
 *                      page by page (absent and ZERO pages are zeroes)
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/mdgpu_vfio.h"
#include "uapi/mdgpu.h"
#include "../mdgpuctl.h"

static int hold(const char *uuid, bool device_only)
{
	struct mdgpu_vfio dev;
	char buf[64];

	if (mdgpu_vfio_open_group(uuid, &dev) < 0) {
		fprintf(stderr, "hold: %s: %s\n", uuid, strerror(errno));
		mdgpu_vfio_close(&dev);
		return 1;
	}
	if (device_only) {
		close(dev.group);
		close(dev.container);
		dev.group = dev.container = -1;
	}
	printf("held\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	mdgpu_vfio_close(&dev);
	return 0;
}

/*
 * fault UUID: open the instance, run a FILL of 16 pages at 2 MiB and a
 * COMPUTE of 1 ms, then a command with an unknown opcode, wait for the
 * engine's error, print "faulted CODE HEAD HEADER CMDS_DONE" (the
 * registers the guest sees) and hold the device (in its error state) until
 * stdin ends.
 */
static int fault(const char *uuid)
{
	const uint32_t ring = 1u << 20, size = MDGPU_RING_SIZE_MIN;
	uint32_t code = 0, head = 0, header = 0, done = 0, *r;
	struct mdgpu_vfio dev;
	unsigned int i = 0, t;
	char buf[64];
	uint8_t *vram;

	if (mdgpu_vfio_open_group(uuid, &dev) < 0) {
		fprintf(stderr, "fault: %s: %s\n", uuid, strerror(errno));
		mdgpu_vfio_close(&dev);
		return 1;
	}
	vram = mdgpu_map_vram(dev.device, 4u << 20);
	if (!vram) {
		fprintf(stderr, "fault: mapping VRAM: %s\n", strerror(errno));
		mdgpu_vfio_close(&dev);
		return 1;
	}
	r = (uint32_t *)(vram + ring);
	r[i++] = MDGPU_CMD_HEADER(MDGPU_OP_FILL, 0, MDGPU_FILL_NDW);
	r[i++] = 2u << 20;
	r[i++] = 0;
	r[i++] = 4096;
	r[i++] = 16;
	r[i++] = 4096;
	r[i++] = 0x12345678;
	r[i++] = MDGPU_CMD_HEADER(MDGPU_OP_COMPUTE, 0, MDGPU_COMPUTE_NDW);
	r[i++] = 1000;
	r[i++] = MDGPU_CMD_HEADER(0x7f, 0, 2);
	r[i++] = 0;
	if (mdgpu_reg_write(dev.device, MDGPU_REG_RING_CTRL, MDGPU_RING_CTRL_RESET) ||
	    mdgpu_reg_write(dev.device, MDGPU_REG_RING_BASE_LO, ring) ||
	    mdgpu_reg_write(dev.device, MDGPU_REG_RING_BASE_HI, 0) ||
	    mdgpu_reg_write(dev.device, MDGPU_REG_RING_SIZE, size) ||
	    mdgpu_reg_write(dev.device, MDGPU_REG_RING_CTRL,
			      MDGPU_RING_CTRL_ENABLE) ||
	    mdgpu_reg_write(dev.device, MDGPU_REG_RING_TAIL, i * 4)) {
		fprintf(stderr, "fault: register write: %s\n", strerror(errno));
		mdgpu_vfio_close(&dev);
		return 1;
	}
	for (t = 0; t < 2000 && !code; t++) {
		if (mdgpu_reg_read32(dev.device, MDGPU_REG_ERR_CODE, &code))
			break;
		if (!code)
			usleep(10000);
	}
	mdgpu_reg_read32(dev.device, MDGPU_REG_ERR_HEAD, &head);
	mdgpu_reg_read32(dev.device, MDGPU_REG_ERR_HEADER, &header);
	mdgpu_reg_read32(dev.device, MDGPU_REG_CMDS_DONE, &done);
	printf("faulted %u %u 0x%08x %u\n", code, head, header, done);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	mdgpu_vfio_close(&dev);
	return code ? 0 : 1;
}

static png_bytep *load(const char *path, png_uint_32 *w, png_uint_32 *h)
{
	png_structp png;
	png_infop info;
	png_bytep *rows;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info || setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		fclose(f);
		return NULL;
	}
	png_init_io(png, f);
	png_read_png(png, info, PNG_TRANSFORM_STRIP_16 | PNG_TRANSFORM_STRIP_ALPHA,
		     NULL);
	*w = png_get_image_width(png, info);
	*h = png_get_image_height(png, info);
	if (png_get_color_type(png, info) != PNG_COLOR_TYPE_RGB) {
		png_destroy_read_struct(&png, &info, NULL);
		fclose(f);
		return NULL;
	}
	/* Copy the rows out before the read struct (which owns them) goes. */
	{
		png_bytep *src = png_get_rows(png, info);
		png_uint_32 y;

		rows = calloc(*h, sizeof(*rows));
		for (y = 0; rows && y < *h; y++) {
			rows[y] = malloc((size_t)*w * 3);
			if (rows[y])
				memcpy(rows[y], src[y], (size_t)*w * 3);
		}
	}
	png_destroy_read_struct(&png, &info, NULL);
	fclose(f);
	return rows;
}

static int save_state(struct mdgpu_vfio *dev, const char *file)
{
	int data_fd = -1, out;
	char buf[65536];
	ssize_t n;

	out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 ||
	    mdgpu_mig_set_state(dev->device, VFIO_DEVICE_STATE_STOP, NULL) ||
	    mdgpu_mig_set_state(dev->device, VFIO_DEVICE_STATE_STOP_COPY, &data_fd)) {
		fprintf(stderr, "mkstate: %s\n", strerror(errno));
		return 1;
	}
	while ((n = read(data_fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return 1;
	if (n < 0) {
		fprintf(stderr, "mkstate: read: %s\n", strerror(errno));
		return 1;
	}
	close(data_fd);
	if (close(out) ||
	    mdgpu_mig_set_state(dev->device, VFIO_DEVICE_STATE_RUNNING, NULL)) {
		fprintf(stderr, "mkstate: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int mkstate(const char *uuid, const char *file)
{
	const size_t len = 33 << 20;
	struct mdgpu_vfio dev;
	uint32_t *px, x, y;
	uint8_t *vram;
	int rc;

	if (mdgpu_vfio_open_group(uuid, &dev) < 0 || mdgpu_set_mode(dev.device, 640, 480, 32)) {
		fprintf(stderr, "mkstate: %s: %s\n", uuid, strerror(errno));
		return 1;
	}
	vram = mdgpu_map_vram(dev.device, len);
	if (!vram) {
		fprintf(stderr, "mkstate: mmap: %s\n", strerror(errno));
		return 1;
	}
	px = (uint32_t *)vram;
	for (y = 0; y < 480; y++)
		for (x = 0; x < 640; x++)
			px[y * 640 + x] = x >= 100 && x < 200 && y >= 100 && y < 150 ?
				0xff0000 : (x & 0xff) << 16 | (y & 0xff) << 8 | 0x5a;
	memset(vram + (32 << 20), 0xc3, 4096);
	munmap(vram, len);
	mdgpu_reg_write(dev.device, MDGPU_REG_SCRATCH, 0xc0ffee42);
	rc = save_state(&dev, file);
	mdgpu_vfio_close(&dev);
	return rc;
}

static int reg(const char *uuid, const char *off)
{
	struct mdgpu_vfio dev;
	uint32_t v;

	if (mdgpu_vfio_open_group(uuid, &dev) < 0 ||
	    mdgpu_reg_read32(dev.device, strtoul(off, NULL, 0), &v)) {
		fprintf(stderr, "reg: %s: %s\n", uuid, strerror(errno));
		return 1;
	}
	printf("0x%08x\n", v);
	mdgpu_vfio_close(&dev);
	return 0;
}

/* One stream, as a destination would end up with it. */
struct stream {
	struct mdg_mig_scan scan;
	uint8_t *state[MDGPU_MIG_TAG_SHARE + 1];
	uint64_t state_len[MDGPU_MIG_TAG_SHARE + 1];
	uint8_t **pages;
	uint64_t nr_pages;
};

static void collect(void *ctx, uint32_t tag, uint32_t flags,
		    const uint8_t *p, uint64_t len)
{
	struct stream *st = ctx;
	uint64_t off, i, n;

	(void)flags;
	if (!st->pages) {
		st->nr_pages = st->scan.compat.vram / MDGPU_MIG_PAGE;
		st->pages = calloc(st->nr_pages + 1, sizeof(*st->pages));
	}
	if (tag == MDGPU_MIG_TAG_VRAM || tag == MDGPU_MIG_TAG_ZERO) {
		memcpy(&off, p, 8);
		off = le64toh(off) / MDGPU_MIG_PAGE;
		if (tag == MDGPU_MIG_TAG_VRAM) {
			n = (len - 8) / MDGPU_MIG_PAGE;
		} else {
			memcpy(&n, p + 8, 8);
			n = le64toh(n) / MDGPU_MIG_PAGE;
		}
		for (i = 0; i < n && off + i < st->nr_pages; i++) {
			free(st->pages[off + i]);
			st->pages[off + i] = NULL;
			if (tag == MDGPU_MIG_TAG_VRAM) {
				st->pages[off + i] = malloc(MDGPU_MIG_PAGE);
				memcpy(st->pages[off + i],
				       p + 8 + i * MDGPU_MIG_PAGE, MDGPU_MIG_PAGE);
			}
		}
		return;
	}
	if (tag <= MDGPU_MIG_TAG_SHARE) {
		free(st->state[tag]);
		st->state[tag] = malloc(len + 1);
		memcpy(st->state[tag], p, len);
		st->state_len[tag] = len;
	}
}

static int load_stream(const char *file, struct stream *st)
{
	char buf[65536];
	ssize_t n;
	int fd = open(file, O_RDONLY);

	memset(st, 0, sizeof(*st));
	if (fd < 0 || mdg_mig_scan_init(&st->scan))
		return -1;
	st->scan.rec = collect;
	st->scan.ctx = st;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		mdg_mig_scan_feed(&st->scan, buf, n);
	close(fd);
	if (mdg_mig_scan_finish(&st->scan)) {
		fprintf(stderr, "migcmp: %s: %s\n", file, st->scan.why);
		return -1;
	}
	return 0;
}

static int migcmp(const char *f1, const char *f2)
{
	static const char *const names[MDGPU_MIG_TAG_SHARE + 1] = {
		"?", "CONFIG", "REGS", "DISPLAY", "ENGINE", "SCHED", "?", "?",
		"SHARE",
	};
	const size_t ts = offsetof(struct mdgpu_mig_engine, timestamp);
	struct stream a, b;
	uint64_t i, pages = 0, diff = 0;
	static const uint8_t zero[MDGPU_MIG_PAGE];
	int tag, bad = 0, state_bad = 0;

	if (load_stream(f1, &a) || load_stream(f2, &b))
		return 2;
	if (memcmp(&a.scan.compat, &b.scan.compat, sizeof(a.scan.compat))) {
		printf("headers differ: %s vs %s\n", a.scan.compat.type,
		       b.scan.compat.type);
		return 1;
	}
	for (tag = 1; tag <= MDGPU_MIG_TAG_SHARE; tag++) {
		uint8_t *x = a.state[tag], *y = b.state[tag];

		if (!x || !y) {
			if (x != y) {
				printf("%s: in one stream only\n", names[tag]);
				state_bad = 1;
			}
			continue;
		}
		if (tag == MDGPU_MIG_TAG_ENGINE) {
			uint64_t t1, t2;

			memcpy(&t1, x + ts, 8);
			memcpy(&t2, y + ts, 8);
			if (le64toh(t2) < le64toh(t1)) {
				printf("ENGINE: TIMESTAMP went backwards: %llu -> %llu\n",
				       (unsigned long long)le64toh(t1),
				       (unsigned long long)le64toh(t2));
				state_bad = 1;
			}
			printf("TIMESTAMP %llu -> %llu\n",
			       (unsigned long long)le64toh(t1),
			       (unsigned long long)le64toh(t2));
			memset(x + ts, 0, 8);
			memset(y + ts, 0, 8);
		}
		if (a.state_len[tag] != b.state_len[tag] ||
		    memcmp(x, y, a.state_len[tag])) {
			printf("%s: differs\n", names[tag]);
			for (i = 0; i < a.state_len[tag] && i < b.state_len[tag]; i++)
				if (x[i] != y[i])
					printf("  byte %llu: %02x -> %02x\n",
					       (unsigned long long)i, x[i], y[i]);
			state_bad = 1;
		}
	}
	for (i = 0; i < a.nr_pages; i++) {
		const uint8_t *x = a.pages[i] ? a.pages[i] : zero;
		const uint8_t *y = b.pages && b.pages[i] ? b.pages[i] : zero;

		if (x != zero)
			pages++;
		if (memcmp(x, y, MDGPU_MIG_PAGE)) {
			if (diff++ < 8)
				printf("VRAM page at %llu differs\n",
				       (unsigned long long)i * MDGPU_MIG_PAGE);
			bad = 1;
		}
	}
	bad |= state_bad;
	printf("%s: %llu nonzero VRAM pages, %llu differ; device-state records %s\n",
	       bad ? "different" : "same", (unsigned long long)pages,
	       (unsigned long long)diff, state_bad ? "differ" : "equal");
	return bad;
}

int main(int argc, char **argv)
{
	png_uint_32 w, h, x, y;
	png_bytep *rows;

	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2], false);
	if (argc == 4 && !strcmp(argv[1], "hold") &&
	    !strcmp(argv[3], "--device-only"))
		return hold(argv[2], true);
	/* Arguments after fault's UUID are ignored: a test can give the
	 * helper a QEMU-like "-name guest=NAME" for mdgpuctl to find.
	 */
	if (argc >= 3 && !strcmp(argv[1], "fault"))
		return fault(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "size")) {
		rows = load(argv[2], &w, &h);
		if (!rows)
			return 1;
		printf("%ux%u\n", (unsigned int)w, (unsigned int)h);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "pixel")) {
		rows = load(argv[2], &w, &h);
		x = strtoul(argv[3], NULL, 0);
		y = strtoul(argv[4], NULL, 0);
		if (!rows || x >= w || y >= h || !rows[y])
			return 1;
		printf("%02x%02x%02x\n", rows[y][3 * x], rows[y][3 * x + 1],
		       rows[y][3 * x + 2]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "mkstate"))
		return mkstate(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "reg"))
		return reg(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "migcmp"))
		return migcmp(argv[2], argv[3]);
	fprintf(stderr, "usage: mdgpuctl-vm-helper hold UUID [--device-only] | fault UUID [IGNORED...] | size FILE | pixel FILE X Y | mkstate UUID FILE | reg UUID OFFSET | migcmp F1 F2\n");
	return 2;
}
