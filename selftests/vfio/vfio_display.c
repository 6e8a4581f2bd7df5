// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu display through VFIO, as a guest driver and QEMU (display=on) see
 * it: the EDID window in BAR2 and the EDID region the host sets it through,
 * the Bochs VBE mode registers with DISPLAY_STATUS and MODE_ERRORS for
 * accepted and refused modes, VFIO_DEVICE_QUERY_GFX_PLANE and
 * VFIO_DEVICE_GET_GFX_DMABUF, and the pixels a dma-buf shows. Every test
 * of the disp fixture runs on the smallest and the largest type, on an
 * instance whose plane_types attribute offers both plane types; the planes
 * fixture checks what each value of plane_types offers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mdgpu_harness.h"

/* Bochs VBE DISPI register indexes (BAR2 0x500 + 2 * index). */
enum {
	VBE_ID,
	VBE_XRES,
	VBE_YRES,
	VBE_BPP,
	VBE_ENABLE,
	VBE_BANK,
	VBE_VIRT_WIDTH,
	VBE_VIRT_HEIGHT,
	VBE_X_OFFSET,
	VBE_Y_OFFSET,
	VBE_VIDEO_MEMORY_64K,
};

#define VBE_ID5			0xb0c5
#define VBE_ENABLED		0x01
#define VBE_GETCAPS		0x02
#define VBE_LFB_ENABLED		0x40

#define FOURCC(a, b, c, d)	((uint32_t)(a) | (uint32_t)(b) << 8 | \
				 (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define FMT_XRGB8888		FOURCC('X', 'R', '2', '4')
#define FMT_RGB888		FOURCC('R', 'G', '2', '4')
#define FMT_RGB565		FOURCC('R', 'G', '1', '6')

#define PLANE_PRIMARY		1
#define PLANE_CURSOR		2

#define PAGE			4096ULL
#define EDID_BLOCK		128

/* The types' largest modes, as the device specification gives them. */
static const struct {
	uint32_t w, h;
} type_max[MDGPU_NR_TYPES] = {
	{ 1920, 1080 }, { 2560, 1600 }, { 3840, 2160 }, { 3840, 2400 },
};

/*
 * @in: the instance, offering both plane types, or only region planes on
 *	a PCI parent (which refuses dma-buf planes: planes.*.pci_no_dmabuf)
 * @dmabuf: dma-buf planes are offered
 */
FIXTURE(disp) {
	struct mdgpu_inst in;
	bool dmabuf;
};

FIXTURE_VARIANT(disp) {
	int type;
};

FIXTURE_VARIANT_ADD(disp, type_64M) { .type = 0 };
/* 512M on sim0 (vram_mb=1024), 256M on the test VMs' PCI parent. */
FIXTURE_VARIANT_ADD(disp, type_largest) { .type = MDGPU_TYPE_LARGEST };

FIXTURE_SETUP(disp)
{
	char parent[MDGPU_NAME_LEN];

	mdgpu_first_parent(_metadata, parent);
	self->dmabuf = !mdgpu_parent_is_pci(parent);
	mdgpu_inst_setup_attr(_metadata, &self->in, variant->type, false,
			      "plane_types", self->dmabuf ? "both" : "region");
}

FIXTURE_TEARDOWN_PARENT(disp)
{
	mdgpu_inst_teardown(_metadata, &self->in);
}

#define FD(self)	((self)->in.v.device)
#define VRAM(self)	(mdgpu_types[(self)->in.type].size)
#define MAXW(self)	(type_max[(self)->in.type].w)
#define MAXH(self)	(type_max[(self)->in.type].h)
/* The plane type the tests query: dma-buf where offered, else region. */
#define PLANE(self)	((self)->dmabuf ? VFIO_GFX_PLANE_TYPE_DMABUF : \
			 VFIO_GFX_PLANE_TYPE_REGION)
#define NO_DMABUF_REASON \
	"PCI parent: no dma-buf planes (its VRAM has no struct pages)"

/* ------------------------------------------------------------------------
 * helpers
 */

static int vbe_write(int fd, unsigned int index, uint16_t val)
{
	ssize_t n = mdgpu_region_write(fd, VFIO_PCI_BAR2_REGION_INDEX,
				       MDGPU_DISPI_REG(index), &val, 2);

	return n == 2 ? 0 : n < 0 ? (int)n : -EIO;
}

static uint16_t vbe_read(int fd, unsigned int index)
{
	uint16_t val = 0xdead;

	mdgpu_region_read(fd, VFIO_PCI_BAR2_REGION_INDEX,
			  MDGPU_DISPI_REG(index), &val, 2);
	return val;
}

/**
 * struct mode - what a driver writes to the DISPI registers
 * @w: XRES
 * @h: YRES
 * @bpp: BPP
 * @vw: VIRT_WIDTH (0: same as @w)
 * @x: X_OFFSET
 * @y: Y_OFFSET
 */
struct mode {
	uint32_t w, h, bpp, vw, x, y;
};

/*
 * Program @m the way Linux's bochs driver does (display off, mode, on) and
 * return DISPLAY_STATUS.
 */
static uint32_t set_mode(int fd, const struct mode *m)
{
	const struct {
		unsigned int index;
		uint32_t val;
	} seq[] = {
		{ VBE_ENABLE, 0 },
		{ VBE_BPP, m->bpp },
		{ VBE_XRES, m->w },
		{ VBE_YRES, m->h },
		{ VBE_BANK, 0 },
		{ VBE_VIRT_WIDTH, m->vw ? m->vw : m->w },
		{ VBE_VIRT_HEIGHT, m->h },
		{ VBE_X_OFFSET, m->x },
		{ VBE_Y_OFFSET, m->y },
		{ VBE_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(seq); i++)
		if (vbe_write(fd, seq[i].index, seq[i].val))
			return 0xdeadbeef;
	return mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS);
}

static uint32_t status_error(uint32_t status)
{
	return (status & MDGPU_DISPLAY_ERROR_MASK) >> MDGPU_DISPLAY_ERROR_SHIFT;
}

static int query_plane(int fd, uint32_t flags, uint32_t plane_type,
		       struct vfio_device_gfx_plane_info *p)
{
	memset(p, 0xa5, sizeof(*p));
	p->argsz = sizeof(*p);
	p->flags = flags;
	p->drm_plane_type = plane_type;
	return ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, p) ? -errno : 0;
}

static int get_dmabuf(int fd, uint32_t id)
{
	int ret = ioctl(fd, VFIO_DEVICE_GET_GFX_DMABUF, &id);

	return ret < 0 ? -errno : ret;
}

/* The primary plane is empty (display off or not describable). */
static void expect_empty_plane(struct __test_metadata *_metadata, int fd,
			       uint32_t kind, const char *why)
{
	struct vfio_device_gfx_plane_info p;

	ASSERT_OK(query_plane(fd, kind, PLANE_PRIMARY, &p)) TH_LOG("%s", why);
	EXPECT_EQ(0, p.drm_format) TH_LOG("%s", why);
	EXPECT_EQ(0, p.width) TH_LOG("%s", why);
	EXPECT_EQ(0, p.height) TH_LOG("%s", why);
	EXPECT_EQ(0, p.stride) TH_LOG("%s", why);
	EXPECT_EQ(0, p.size) TH_LOG("%s", why);
	if (kind == VFIO_GFX_PLANE_TYPE_DMABUF) {
		EXPECT_EQ(0, p.dmabuf_id) TH_LOG("%s", why);
	} else {
		EXPECT_EQ(VFIO_PCI_BAR0_REGION_INDEX, p.region_index)
			TH_LOG("%s", why);
	}
}

/* The primary plane shows @m (at 32, 24 or 16 bpp, little-endian). */
static void expect_plane(struct __test_metadata *_metadata, int fd,
			 uint32_t kind, const struct mode *m,
			 struct vfio_device_gfx_plane_info *p)
{
	uint32_t cpp = m->bpp / 8, vw = m->vw > m->w ? m->vw : m->w;
	uint32_t fmt = m->bpp == 32 ? FMT_XRGB8888 :
		       m->bpp == 24 ? FMT_RGB888 : FMT_RGB565;

	ASSERT_OK(query_plane(fd, kind, PLANE_PRIMARY, p));
	EXPECT_EQ(fmt, p->drm_format) TH_LOG("%ux%u %u bpp", m->w, m->h, m->bpp);
	EXPECT_EQ(0, p->drm_format_mod);
	EXPECT_EQ(m->w, p->width);
	EXPECT_EQ(m->h, p->height);
	EXPECT_EQ(vw * cpp, p->stride);
	EXPECT_EQ((uint64_t)(m->h - 1) * vw * cpp + m->w * cpp, p->size);
	EXPECT_EQ(0, p->x_pos);
	EXPECT_EQ(0, p->y_pos);
	EXPECT_EQ(0, p->x_hot);
	EXPECT_EQ(0, p->y_hot);
	if (kind == VFIO_GFX_PLANE_TYPE_DMABUF) {
		EXPECT_NE(0, p->dmabuf_id);
	} else {
		EXPECT_EQ(VFIO_PCI_BAR0_REGION_INDEX, p->region_index);
	}
}

static int edid_region_or_fail(struct __test_metadata *_metadata, int fd)
{
	/* Found the way QEMU does: by its type capability, not its index. */
	int r = mdgpu_region_find(fd, VFIO_REGION_TYPE_GFX,
				  VFIO_REGION_SUBTYPE_GFX_EDID);
	struct mdgpu_region info = { 0 };

	EXPECT_LE(0, r) TH_LOG("no region of type GFX / subtype GFX_EDID");
	if (r >= 0)
		EXPECT_OK(mdgpu_region_info(fd, r, &info));
	EXPECT_EQ(0x500, info.size);
	return r < 0 ? -1 : r;
}

static int edid_hdr_write(int fd, int r, size_t field, uint32_t val)
{
	ssize_t n = mdgpu_region_write(fd, r, field, &val, 4);

	return n == 4 ? 0 : n < 0 ? (int)n : -EIO;
}

static void read_hdr(struct __test_metadata *_metadata, int fd, int r,
		     struct vfio_region_gfx_edid *h)
{
	ASSERT_EQ((ssize_t)sizeof(*h), mdgpu_region_read(fd, r, 0, h, sizeof(*h)));
}

/* The whole EDID window, read with accesses of @size bytes. */
static void read_window(struct __test_metadata *_metadata, int fd,
			uint8_t win[MDGPU_BAR2_EDID_SIZE], size_t size)
{
	size_t off;

	for (off = 0; off < MDGPU_BAR2_EDID_SIZE; off += size)
		ASSERT_EQ((ssize_t)size,
			  mdgpu_region_read(fd, VFIO_PCI_BAR2_REGION_INDEX,
					    MDGPU_BAR2_EDID + off, win + off,
					    size)) TH_LOG("offset 0x%zx", off);
}

/* The window shows the first @len bytes of @blob, then zeroes. */
static void expect_window(struct __test_metadata *_metadata, int fd,
			  const uint8_t *blob, size_t len)
{
	uint8_t win[MDGPU_BAR2_EDID_SIZE], want[MDGPU_BAR2_EDID_SIZE] = {};

	memcpy(want, blob, len);
	read_window(_metadata, fd, win, 4);
	EXPECT_EQ(0, memcmp(want, win, sizeof(win)))
		TH_LOG("EDID window differs from the %zu bytes expected", len);
}

static uint8_t edid_sum(const uint8_t *b)
{
	uint8_t s = 0;
	int i;

	for (i = 0; i < EDID_BLOCK; i++)
		s += b[i];
	return s;
}

/* ------------------------------------------------------------------------
 * EDID
 */

/* A new instance's monitor: the region's header and blob, and the window. */
TEST_F(disp, edid_window_matches_region)
{
	static const uint8_t magic[8] = { 0, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0 };
	uint8_t blob[MDGPU_BAR2_EDID_SIZE], w1[sizeof(blob)], w2[sizeof(blob)];
	struct vfio_region_gfx_edid h;
	int fd = FD(self), r = edid_region_or_fail(_metadata, fd);
	const uint8_t *dtd = blob + 54;

	ASSERT_LE(0, r);
	read_hdr(_metadata, fd, r, &h);
	EXPECT_EQ(0x100, h.edid_offset);
	EXPECT_EQ(MDGPU_BAR2_EDID_SIZE, h.edid_max_size);
	EXPECT_EQ(EDID_BLOCK, h.edid_size);
	EXPECT_EQ(MAXW(self), h.max_xres);
	EXPECT_EQ(MAXH(self), h.max_yres);
	EXPECT_EQ(VFIO_DEVICE_GFX_LINK_STATE_UP, h.link_state);

	ASSERT_EQ((ssize_t)sizeof(blob),
		  mdgpu_region_read(fd, r, h.edid_offset, blob, sizeof(blob)));
	EXPECT_EQ(0, memcmp(magic, blob, sizeof(magic)));
	EXPECT_EQ(0, edid_sum(blob)) TH_LOG("EDID checksum");
	/* The preferred (first detailed) timing is the type's largest mode. */
	EXPECT_EQ(MAXW(self), dtd[2] | (dtd[4] >> 4) << 8);
	EXPECT_EQ(MAXH(self), dtd[5] | (dtd[7] >> 4) << 8);

	/* One read across the header's end gets the blob's first bytes. */
	{
		uint8_t both[16];

		ASSERT_EQ(16, mdgpu_region_read(fd, r, h.edid_offset - 8, both,
						16));
		EXPECT_EQ(0, memcmp(both + 8, blob, 8));
	}

	/* The guest's window: the blob, then zeroes, for 1/2/4-byte reads. */
	expect_window(_metadata, fd, blob, h.edid_size);
	read_window(_metadata, fd, w1, 1);
	read_window(_metadata, fd, w2, 2);
	EXPECT_EQ(0, memcmp(w1, w2, sizeof(w1)));
	read_window(_metadata, fd, w2, 4);
	EXPECT_EQ(0, memcmp(w1, w2, sizeof(w1)));
}

/* The guest cannot write its monitor's EDID. */
TEST_F(disp, edid_window_read_only)
{
	uint8_t before[MDGPU_BAR2_EDID_SIZE], after[MDGPU_BAR2_EDID_SIZE];
	const uint32_t junk = 0x5a5a5a5a;
	const size_t offs[] = { 0, 1, 2, 8, 54, 127, 128, 0x3fc, 0x3fe, 0x3ff };
	int fd = FD(self);
	size_t i, s;

	read_window(_metadata, fd, before, 4);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		for (s = 1; s <= 4; s *= 2)
			if (offs[i] % s == 0)
				mdgpu_region_write(fd, VFIO_PCI_BAR2_REGION_INDEX,
						   offs[i], &junk, s);
	read_window(_metadata, fd, after, 4);
	EXPECT_EQ(0, memcmp(before, after, sizeof(before)));
}

/* A made-up monitor: @blocks EDID blocks, each filled with @seed. */
static void fake_edid(uint8_t *b, int blocks, uint8_t seed)
{
	int i, k;

	for (k = 0; k < blocks; k++) {
		uint8_t *blk = b + k * EDID_BLOCK;

		for (i = 0; i < EDID_BLOCK - 1; i++)
			blk[i] = seed + k * 7 + i;
		blk[EDID_BLOCK - 1] = 0;
		blk[EDID_BLOCK - 1] = -edid_sum(blk);
	}
}

/*
 * The host changes the monitor as the VFIO uAPI says (link down, blob and
 * size, link up) and the guest's window follows, only at link up.
 */
TEST_F(disp, edid_host_update)
{
	uint8_t orig[MDGPU_BAR2_EDID_SIZE], blob[MDGPU_BAR2_EDID_SIZE];
	uint8_t back[MDGPU_BAR2_EDID_SIZE], zero[MDGPU_BAR2_EDID_SIZE] = {};
	struct vfio_region_gfx_edid h;
	int fd = FD(self), r = edid_region_or_fail(_metadata, fd);
	const uint32_t blob_off = 0x100;

	ASSERT_LE(0, r);
	ASSERT_EQ(EDID_BLOCK, mdgpu_region_read(fd, r, blob_off, orig,
						EDID_BLOCK));

	/* Unplugged: the guest reads no EDID at all. */
	ASSERT_OK(edid_hdr_write(fd, r, offsetof(typeof(h), link_state),
				 VFIO_DEVICE_GFX_LINK_STATE_DOWN));
	read_hdr(_metadata, fd, r, &h);
	EXPECT_EQ(VFIO_DEVICE_GFX_LINK_STATE_DOWN, h.link_state);
	expect_window(_metadata, fd, zero, 0);

	/* Two blocks; nothing shows until the link is up again. */
	fake_edid(blob, 2, 0x21);
	ASSERT_EQ(2 * EDID_BLOCK, mdgpu_region_write(fd, r, blob_off, blob,
						     2 * EDID_BLOCK));
	ASSERT_OK(edid_hdr_write(fd, r, offsetof(typeof(h), edid_size),
				 2 * EDID_BLOCK));
	expect_window(_metadata, fd, zero, 0);
	ASSERT_OK(edid_hdr_write(fd, r, offsetof(typeof(h), link_state),
				 VFIO_DEVICE_GFX_LINK_STATE_UP));
	expect_window(_metadata, fd, blob, 2 * EDID_BLOCK);
	read_hdr(_metadata, fd, r, &h);
	EXPECT_EQ(2 * EDID_BLOCK, h.edid_size);
	EXPECT_EQ(VFIO_DEVICE_GFX_LINK_STATE_UP, h.link_state);
	ASSERT_EQ(2 * EDID_BLOCK, mdgpu_region_read(fd, r, blob_off, back,
						    2 * EDID_BLOCK));
	EXPECT_EQ(0, memcmp(blob, back, 2 * EDID_BLOCK));

	/* Changes while the link is up wait for the next link-up write. */
	memcpy(orig, blob, 2 * EDID_BLOCK);
	fake_edid(blob, 1, 0x77);
	ASSERT_EQ(EDID_BLOCK, mdgpu_region_write(fd, r, blob_off, blob,
						 EDID_BLOCK));
	ASSERT_OK(edid_hdr_write(fd, r, offsetof(typeof(h), edid_size),
				 EDID_BLOCK));
	expect_window(_metadata, fd, orig, 2 * EDID_BLOCK);
	ASSERT_OK(edid_hdr_write(fd, r, offsetof(typeof(h), link_state),
				 VFIO_DEVICE_GFX_LINK_STATE_UP));
	/* A shorter EDID leaves no trace of the longer one. */
	expect_window(_metadata, fd, blob, EDID_BLOCK);

	/* The largest blob the region takes, written with odd-sized writes. */
	fake_edid(blob, MDGPU_BAR2_EDID_SIZE / EDID_BLOCK, 0x03);
	ASSERT_EQ(3, mdgpu_region_write(fd, r, blob_off, blob, 3));
	ASSERT_EQ(MDGPU_BAR2_EDID_SIZE - 3,
		  mdgpu_region_write(fd, r, blob_off + 3, blob + 3,
				     MDGPU_BAR2_EDID_SIZE - 3));
	ASSERT_OK(edid_hdr_write(fd, r, offsetof(typeof(h), edid_size),
				 MDGPU_BAR2_EDID_SIZE));
	ASSERT_OK(edid_hdr_write(fd, r, offsetof(typeof(h), link_state),
				 VFIO_DEVICE_GFX_LINK_STATE_UP));
	expect_window(_metadata, fd, blob, MDGPU_BAR2_EDID_SIZE);

	/* The monitor is the host's: a device reset keeps it. */
	ASSERT_OK(ioctl(fd, VFIO_DEVICE_RESET));
	expect_window(_metadata, fd, blob, MDGPU_BAR2_EDID_SIZE);
	read_hdr(_metadata, fd, r, &h);
	EXPECT_EQ(MDGPU_BAR2_EDID_SIZE, h.edid_size);
	EXPECT_EQ(VFIO_DEVICE_GFX_LINK_STATE_UP, h.link_state);
}

/* Bad writes to the EDID region fail with EINVAL and change nothing. */
TEST_F(disp, edid_region_bad_writes)
{
	const struct {
		uint64_t off;
		uint32_t len;
		uint32_t val;
		const char *what;
	} bad[] = {
		{ 8, 4, MDGPU_BAR2_EDID_SIZE + 1, "edid_size too large" },
		{ 8, 4, 0x10000, "edid_size 64 KiB" },
		{ 8, 4, 0xffffffff, "edid_size -1" },
		{ 0x14, 4, 0, "link_state 0" },
		{ 0x14, 4, 3, "link_state 3" },
		{ 0x14, 4, 0xffffffff, "link_state -1" },
		{ 0x00, 4, 0x200, "edid_offset (read-only)" },
		{ 0x04, 4, 0x100, "edid_max_size (read-only)" },
		{ 0x0c, 4, 640, "max_xres (read-only)" },
		{ 0x10, 4, 480, "max_yres (read-only)" },
		{ 0x18, 4, 1, "padding after the header" },
		{ 0xfc, 4, 1, "last word before the blob" },
		{ 0x09, 4, 1, "unaligned edid_size" },
		{ 0x08, 2, 1, "2-byte edid_size" },
		{ 0x08, 1, 1, "1-byte edid_size" },
		{ 0x08, 8, 1, "8 bytes at edid_size" },
		{ 0x14, 8, 1, "8 bytes at link_state" },
		{ 0xfc, 8, 0, "from the header into the blob" },
		{ 0x500, 1, 0, "at the region's end" },
		{ 0x4ff, 2, 0, "across the region's end" },
		{ 0x100, 0x401, 0, "blob larger than the buffer" },
		{ 0x1000, 4, 0, "past the region" },
		{ (1ULL << 40) - 4, 4, 0, "at the last offset of the index" },
	};
	uint8_t win[MDGPU_BAR2_EDID_SIZE], blob[MDGPU_BAR2_EDID_SIZE];
	uint8_t hb[0x500], ha[0x500], buf[0x500];
	int fd = FD(self), r = edid_region_or_fail(_metadata, fd);
	size_t i;

	ASSERT_LE(0, r);
	ASSERT_EQ((ssize_t)sizeof(hb), mdgpu_region_read(fd, r, 0, hb,
							 sizeof(hb)));
	read_window(_metadata, fd, win, 4);
	memcpy(blob, hb + 0x100, sizeof(blob));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, &bad[i].val, 4);
		EXPECT_EQ(-EINVAL, mdgpu_region_write(fd, r, bad[i].off, buf,
						      bad[i].len))
			TH_LOG("%s", bad[i].what);
		/* Nothing changed, even after a link-up publishes. */
		ASSERT_EQ((ssize_t)sizeof(ha),
			  mdgpu_region_read(fd, r, 0, ha, sizeof(ha)));
		EXPECT_EQ(0, memcmp(hb, ha, sizeof(ha))) TH_LOG("%s", bad[i].what);
	}
	ASSERT_OK(edid_hdr_write(fd, r, 0x14, VFIO_DEVICE_GFX_LINK_STATE_UP));
	expect_window(_metadata, fd, blob, EDID_BLOCK);

	/* Reads past the end fail as a whole too. */
	EXPECT_EQ(-EINVAL, mdgpu_region_read(fd, r, 0x500, buf, 1));
	EXPECT_EQ(-EINVAL, mdgpu_region_read(fd, r, 0x4fc, buf, 8));
	EXPECT_EQ(-EINVAL, mdgpu_region_read(fd, r, 0, buf, 0x501));
}

/* ------------------------------------------------------------------------
 * mode registers, DISPLAY_STATUS and MODE_ERRORS
 */

TEST_F(disp, registers_at_open)
{
	int fd = FD(self);

	EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS));
	EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_MODE_ERRORS));
	EXPECT_EQ(VBE_ID5, vbe_read(fd, VBE_ID));
	EXPECT_EQ(VRAM(self) / 65536, vbe_read(fd, VBE_VIDEO_MEMORY_64K));
	EXPECT_EQ(0, vbe_read(fd, VBE_XRES));
	EXPECT_EQ(0, vbe_read(fd, VBE_ENABLE));

	/* GETCAPS: what the bochs driver reads to learn the limits. */
	ASSERT_OK(vbe_write(fd, VBE_ENABLE, VBE_GETCAPS));
	EXPECT_EQ(MAXW(self), vbe_read(fd, VBE_XRES));
	EXPECT_EQ(MAXH(self), vbe_read(fd, VBE_YRES));
	EXPECT_EQ(32, vbe_read(fd, VBE_BPP));
	ASSERT_OK(vbe_write(fd, VBE_ENABLE, 0));
	EXPECT_EQ(0, vbe_read(fd, VBE_XRES));
	EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS));
}

TEST_F(disp, valid_modes)
{
	const struct mode modes[] = {
		{ 640, 480, 32, 0, 0, 0 },
		{ 800, 600, 16, 0, 0, 0 },
		{ 1024, 768, 24, 0, 0, 0 },
		{ MAXW(self), MAXH(self), 32, 0, 0, 0 },
		{ 1, 1, 32, 0, 0, 0 },
		{ 640, 480, 32, 1024, 0, 1 },
	};
	int fd = FD(self);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		const struct mode *m = &modes[i];

		EXPECT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, m))
			TH_LOG("%ux%u %u bpp", m->w, m->h, m->bpp);
		EXPECT_EQ(VBE_ENABLED | VBE_LFB_ENABLED,
			  vbe_read(fd, VBE_ENABLE));
		EXPECT_EQ(m->w, vbe_read(fd, VBE_XRES));
		EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_MODE_ERRORS));
		ASSERT_OK(vbe_write(fd, VBE_ENABLE, 0));
		EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS));
	}
}

/*
 * The last byte of the scanout may be the last byte of BAR0; one byte
 * further is refused. With a 32 KiB stride the offsets reach the end of
 * every type's BAR0.
 */
static void fit_at_end(uint64_t vram, struct mode *m, int extra_px)
{
	uint64_t stride = 8192 * 4, size, off;

	*m = (struct mode){ 640, 480, 32, 8192, 0, 0 };
	size = (m->h - 1) * stride + m->w * 4;
	off = vram - size + extra_px * 4;
	m->y = off / stride;
	m->x = off % stride / 4;
}

/* Every reason a mode is refused; the display stays off each time. */
TEST_F(disp, refused_modes)
{
	struct mode last, past;
	const struct mode ok = { 640, 480, 32, 0, 0, 0 };
	uint32_t w = MAXW(self), h = MAXH(self);
	const struct {
		struct mode m;
		uint32_t err;
		const char *what;
	} bad[] = {
		{ { 640, 480, 8, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "8 bpp" },
		{ { 640, 480, 15, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "15 bpp" },
		{ { 640, 480, 0, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "0 bpp" },
		{ { 640, 480, 33, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "33 bpp" },
		{ { 640, 480, 64, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "64 bpp" },
		{ { 0, 480, 32, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "width 0" },
		{ { 640, 0, 32, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "height 0" },
		{ { 0, 0, 0, 0, 0, 0 }, MDGPU_MODE_ERR_FORMAT, "all zero" },
		{ { w + 1, h, 32, 0, 0, 0 }, MDGPU_MODE_ERR_TOO_LARGE, "too wide" },
		{ { w, h + 1, 32, 0, 0, 0 }, MDGPU_MODE_ERR_TOO_LARGE, "too high" },
		{ { 65535, 65535, 32, 0, 0, 0 }, MDGPU_MODE_ERR_TOO_LARGE, "65535^2" },
		{ { 640, 480, 32, 8192, 0, 65535 }, MDGPU_MODE_ERR_NO_FIT,
		  "y offset past the end" },
		{ { 640, 480, 32, 65535, 65535, 65535 }, MDGPU_MODE_ERR_NO_FIT,
		  "largest offsets" },
		{ { w, h, 32, 65535, 0, 0 }, MDGPU_MODE_ERR_NO_FIT,
		  "virtual width too large for the height" },
		{ { 0 }, MDGPU_MODE_ERR_NO_FIT, "one pixel past the end" },
	};
	int fd = FD(self);
	uint32_t errors = 0;
	size_t i;

	fit_at_end(VRAM(self), &last, 0);
	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &last))
		TH_LOG("last pixel at the end of BAR0: %ux%u+%u+%u", last.w,
		       last.h, last.x, last.y);
	fit_at_end(VRAM(self), &past, 1);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct mode *m = i == ARRAY_SIZE(bad) - 1 ? &past : &bad[i].m;
		struct vfio_device_gfx_plane_info p;
		uint32_t st;

		st = set_mode(fd, m);
		EXPECT_EQ(0, st & MDGPU_DISPLAY_ENABLED) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(bad[i].err, status_error(st)) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(0, st & ~(MDGPU_DISPLAY_ENABLED |
				    MDGPU_DISPLAY_ERROR_MASK));
		EXPECT_EQ(++errors, mdgpu_reg_read(fd, MDGPU_REG_MODE_ERRORS))
			TH_LOG("%s", bad[i].what);
		/* ENABLE keeps the other bits, not ENABLED. */
		EXPECT_EQ(VBE_LFB_ENABLED, vbe_read(fd, VBE_ENABLE))
			TH_LOG("%s", bad[i].what);
		if (self->dmabuf)
			expect_empty_plane(_metadata, fd,
					   VFIO_GFX_PLANE_TYPE_DMABUF,
					   bad[i].what);
		expect_empty_plane(_metadata, fd, VFIO_GFX_PLANE_TYPE_REGION,
				   bad[i].what);
		/* The cursor plane is empty either way. */
		ASSERT_OK(query_plane(fd, PLANE(self), PLANE_CURSOR, &p));
		EXPECT_EQ(0, p.drm_format);
		if (self->dmabuf)
			EXPECT_EQ(0, p.dmabuf_id);

		/* Turning the display off keeps the reason... */
		ASSERT_OK(vbe_write(fd, VBE_ENABLE, 0));
		EXPECT_EQ(bad[i].err << MDGPU_DISPLAY_ERROR_SHIFT,
			  mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS));
		/* ...a good mode clears it but not the count. */
		EXPECT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &ok));
		EXPECT_EQ(errors, mdgpu_reg_read(fd, MDGPU_REG_MODE_ERRORS));
	}

	/* A reset clears both, and turns the display off. */
	ASSERT_EQ(0, set_mode(fd, &bad[0].m) & MDGPU_DISPLAY_ENABLED);
	ASSERT_OK(ioctl(fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS));
	EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_MODE_ERRORS));
	EXPECT_EQ(0, vbe_read(fd, VBE_XRES));
	EXPECT_EQ(0, vbe_read(fd, VBE_ENABLE));
	expect_empty_plane(_metadata, fd, PLANE(self), "reset");
}

/*
 * While the display is on, a write that leaves the registers invalid (a
 * page flip half done) keeps the last good scanout; the next valid state
 * takes over. Re-enabling with invalid registers is a refused mode set.
 */
TEST_F(disp, invalid_while_on_keeps_scanout)
{
	const struct mode m = { 640, 480, 32, 0, 0, 0 };
	struct vfio_device_gfx_plane_info p;
	int fd = FD(self);
	uint32_t st;

	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &m));
	ASSERT_OK(vbe_write(fd, VBE_XRES, MAXW(self) + 1));
	st = mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS);
	EXPECT_EQ(MDGPU_DISPLAY_ENABLED, st & MDGPU_DISPLAY_ENABLED);
	EXPECT_EQ(MDGPU_MODE_ERR_TOO_LARGE, status_error(st));
	expect_plane(_metadata, fd, PLANE(self), &m, &p);

	ASSERT_OK(vbe_write(fd, VBE_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED));
	EXPECT_EQ(1, mdgpu_reg_read(fd, MDGPU_REG_MODE_ERRORS));
	st = mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS);
	EXPECT_EQ(MDGPU_DISPLAY_ENABLED, st & MDGPU_DISPLAY_ENABLED);
	expect_plane(_metadata, fd, PLANE(self), &m, &p);

	/* Valid again: a new scanout. */
	ASSERT_OK(vbe_write(fd, VBE_XRES, 800));
	EXPECT_EQ(MDGPU_DISPLAY_ENABLED,
		  mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS));
	ASSERT_OK(query_plane(fd, PLANE(self), PLANE_PRIMARY, &p));
	EXPECT_EQ(800, p.width);
	EXPECT_EQ(800 * 4, p.stride);
}

/* ------------------------------------------------------------------------
 * gfx plane queries and dma-bufs
 */

TEST_F(disp, plane_query_bad_arguments)
{
	const uint32_t D = VFIO_GFX_PLANE_TYPE_DMABUF;
	const uint32_t R = VFIO_GFX_PLANE_TYPE_REGION;
	const uint32_t P = VFIO_GFX_PLANE_TYPE_PROBE;
	const uint32_t bad_flags[] = {
		0, P, D | R, D | R | P, 1u << 3, D | 1u << 3, R | 1u << 31,
		P | D | 1u << 8, 0xffffffff,
	};
	const uint32_t bad_planes[] = { 3, 4, 0xff, 0xffffffff };
	struct vfio_device_gfx_plane_info p;
	const struct mode m = { 640, 480, 32, 0, 0, 0 };
	int fd = FD(self);
	size_t i;

	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &m));
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		uint32_t f = bad_flags[i];

		EXPECT_EQ(-EINVAL, query_plane(fd, f, PLANE_PRIMARY, &p))
			TH_LOG("flags 0x%x", f);
	}
	for (i = 0; i < ARRAY_SIZE(bad_planes); i++) {
		EXPECT_EQ(-EINVAL, query_plane(fd, D, bad_planes[i], &p))
			TH_LOG("plane type %u", bad_planes[i]);
		EXPECT_EQ(-EINVAL, query_plane(fd, R, bad_planes[i], &p))
			TH_LOG("plane type %u", bad_planes[i]);
	}
	/* A dma-buf plane must be named; a region plane 0 is the primary. */
	EXPECT_EQ(-EINVAL, query_plane(fd, D, 0, &p));

	/* argsz must cover the structure up to dmabuf_id. */
	for (i = 0; i < offsetof(typeof(p), dmabuf_id) + 4; i += 4) {
		memset(&p, 0, sizeof(p));
		p.argsz = i;
		p.flags = D;
		p.drm_plane_type = PLANE_PRIMARY;
		EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p));
		EXPECT_EQ(EINVAL, errno) TH_LOG("argsz %zu", i);
		EXPECT_EQ(0, p.drm_format);
	}
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, NULL));
	EXPECT_EQ(EFAULT, errno);

	/*
	 * Probing: both types are offered (dma-buf not on a PCI parent);
	 * probe writes nothing back.
	 */
	EXPECT_EQ(self->dmabuf ? 0 : -EINVAL,
		  query_plane(fd, P | D, PLANE_PRIMARY, &p));
	EXPECT_EQ(0xa5a5a5a5, p.drm_format);
	EXPECT_OK(query_plane(fd, P | R, PLANE_PRIMARY, &p));
	EXPECT_EQ(0xa5a5a5a5, p.width);
}

TEST_F(disp, plane_query_before_and_after_mode_set)
{
	const struct mode modes[] = {
		{ 800, 600, 32, 0, 0, 0 },
		{ 1024, 768, 16, 0, 0, 0 },
		{ 640, 480, 24, 0, 0, 0 },
		{ MAXW(self), MAXH(self), 32, 0, 0, 0 },
	};
	const struct mode paged = { 640, 480, 32, 1024, 0, 1 };
	const struct mode unaligned = { 640, 480, 32, 0, 0, 1 };
	struct vfio_device_gfx_plane_info p, q;
	uint32_t ids[ARRAY_SIZE(modes)];
	int fd = FD(self);
	size_t i;

	const uint32_t D = VFIO_GFX_PLANE_TYPE_DMABUF;
	const uint32_t R = VFIO_GFX_PLANE_TYPE_REGION;
	const bool dmabuf = self->dmabuf;

	if (dmabuf)
		expect_empty_plane(_metadata, fd, D, "open");
	expect_empty_plane(_metadata, fd, R, "open");

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &modes[i]));
		expect_plane(_metadata, fd, R, &modes[i], &q);
		if (!dmabuf)
			continue;
		expect_plane(_metadata, fd, D, &modes[i], &p);
		ids[i] = p.dmabuf_id;
		/* The same plane keeps its id. */
		expect_plane(_metadata, fd, D, &modes[i], &q);
		EXPECT_EQ(ids[i], q.dmabuf_id);
		if (i)
			EXPECT_NE(ids[i - 1], ids[i]);
	}
	/* Back to an earlier mode: its id again. */
	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &modes[0]));
	if (dmabuf) {
		expect_plane(_metadata, fd, D, &modes[0], &p);
		EXPECT_EQ(ids[0], p.dmabuf_id);
	}

	/* A page-aligned scanout not at 0: a dma-buf, but no region plane. */
	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &paged));
	if (dmabuf)
		expect_plane(_metadata, fd, D, &paged, &p);
	expect_empty_plane(_metadata, fd, R, "scanout at 4096");
	/* Not page-aligned: neither. */
	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &unaligned));
	if (dmabuf)
		expect_empty_plane(_metadata, fd, D, "scanout at 2560");
	expect_empty_plane(_metadata, fd, R, "scanout at 2560");

	/* Display off: empty again. */
	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &modes[0]));
	ASSERT_OK(vbe_write(fd, VBE_ENABLE, 0));
	if (dmabuf)
		expect_empty_plane(_metadata, fd, D, "off");
	expect_empty_plane(_metadata, fd, R, "off");
}

/*
 * The offsets select a linear start address: an X offset past the end of a
 * line is how the bochs driver flips to a buffer that does not start a line.
 */
TEST_F(disp, x_offset_past_line_end)
{
	const struct mode m = { 640, 480, 32, 640, 1024, 0 };
	const struct mode at_end = { 640, 480, 32, 640, 65535, 0 };
	struct vfio_device_gfx_plane_info p;
	int fd = FD(self);

	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &m));
	if (self->dmabuf) {
		ASSERT_OK(query_plane(fd, VFIO_GFX_PLANE_TYPE_DMABUF,
				      PLANE_PRIMARY, &p));
		EXPECT_EQ(FMT_XRGB8888, p.drm_format);
		EXPECT_EQ(640, p.width);
		EXPECT_EQ(640 * 4, p.stride);
		EXPECT_NE(0, p.dmabuf_id);
	} else {
		/* Only a dma-buf plane can start inside BAR0. */
		expect_empty_plane(_metadata, fd, VFIO_GFX_PLANE_TYPE_REGION,
				   "scanout at 1024 * 4");
	}
	/* 65535 * 4 bytes in still fits every type's BAR0. */
	EXPECT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &at_end));
	EXPECT_EQ(0, mdgpu_reg_read(fd, MDGPU_REG_MODE_ERRORS));
}

/* The QEMU endianness register selects the plane's byte order. */
TEST_F(disp, plane_format_follows_byte_order)
{
	const struct {
		uint32_t bpp, little, big;
	} fmts[] = {
		{ 32, FMT_XRGB8888, FOURCC('B', 'X', '2', '4') },
		{ 24, FMT_RGB888, FOURCC('B', 'G', '2', '4') },
		{ 16, FMT_RGB565, FMT_RGB565 | 1u << 31 },
	};
	struct vfio_device_gfx_plane_info p;
	int fd = FD(self);
	size_t i;

	EXPECT_EQ(8, mdgpu_reg_read(fd, MDGPU_QEXT_SIZE));
	EXPECT_EQ(MDGPU_QEXT_ENDIAN_LITTLE, mdgpu_reg_read(fd, MDGPU_QEXT_ENDIAN));
	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		const struct mode m = { 640, 480, fmts[i].bpp, 0, 0, 0 };

		ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &m));
		ASSERT_OK(mdgpu_reg_write(fd, MDGPU_QEXT_ENDIAN,
					  MDGPU_QEXT_ENDIAN_BIG));
		ASSERT_OK(query_plane(fd, PLANE(self), PLANE_PRIMARY, &p));
		EXPECT_EQ(fmts[i].big, p.drm_format) TH_LOG("%u bpp", m.bpp);
		ASSERT_OK(query_plane(fd, VFIO_GFX_PLANE_TYPE_REGION,
				      PLANE_PRIMARY, &p));
		EXPECT_EQ(fmts[i].big, p.drm_format) TH_LOG("%u bpp", m.bpp);
		/* Other values are dropped. */
		ASSERT_OK(mdgpu_reg_write(fd, MDGPU_QEXT_ENDIAN, 0x12345678));
		EXPECT_EQ(MDGPU_QEXT_ENDIAN_BIG,
			  mdgpu_reg_read(fd, MDGPU_QEXT_ENDIAN));
		ASSERT_OK(mdgpu_reg_write(fd, MDGPU_QEXT_ENDIAN,
					  MDGPU_QEXT_ENDIAN_LITTLE));
		ASSERT_OK(query_plane(fd, PLANE(self), PLANE_PRIMARY, &p));
		EXPECT_EQ(fmts[i].little, p.drm_format) TH_LOG("%u bpp", m.bpp);
	}
	/* A reset goes back to little-endian. */
	ASSERT_OK(mdgpu_reg_write(fd, MDGPU_QEXT_ENDIAN, MDGPU_QEXT_ENDIAN_BIG));
	ASSERT_OK(ioctl(fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(MDGPU_QEXT_ENDIAN_LITTLE, mdgpu_reg_read(fd, MDGPU_QEXT_ENDIAN));
}

TEST_F(disp, dmabuf_unknown_ids)
{
	const struct mode m = { 640, 480, 32, 0, 0, 0 };
	struct vfio_device_gfx_plane_info p;
	int fd = FD(self), buf;
	uint32_t i;

	if (!self->dmabuf)
		SKIP(return, NO_DMABUF_REASON);

	/* Nothing shown yet: no id is known. */
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-ENOENT, get_dmabuf(fd, i)) TH_LOG("id %u", i);
	EXPECT_EQ(-ENOENT, get_dmabuf(fd, 0xffffffff));

	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &m));
	expect_plane(_metadata, fd, VFIO_GFX_PLANE_TYPE_DMABUF, &m, &p);
	EXPECT_EQ(-ENOENT, get_dmabuf(fd, 0));
	EXPECT_EQ(-ENOENT, get_dmabuf(fd, p.dmabuf_id + 1));
	EXPECT_EQ(-ENOENT, get_dmabuf(fd, p.dmabuf_id + 1000));
	EXPECT_EQ(-ENOENT, get_dmabuf(fd, ~p.dmabuf_id));
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_GFX_DMABUF, NULL));
	EXPECT_EQ(EFAULT, errno);

	buf = get_dmabuf(fd, p.dmabuf_id);
	ASSERT_LE(0, buf);
	EXPECT_EQ(FD_CLOEXEC, fcntl(buf, F_GETFD) & FD_CLOEXEC);
	close(buf);
}

static uint32_t pixel(uint32_t x, uint32_t y, uint32_t seed)
{
	return (x * 0x010203 + y * 0x0301 + seed) & 0xffffff;
}

/* Lines of @w 32-bit pixels at @stride hold pixel(x, y, seed). */
static int check_pixels(const uint8_t *base, uint32_t w, uint32_t h,
			uint32_t stride, uint32_t seed)
{
	uint32_t x, y;

	for (y = 0; y < h; y++) {
		const uint32_t *line = (const void *)(base + (size_t)y * stride);

		for (x = 0; x < w; x++)
			if (line[x] != pixel(x, y, seed))
				return -(int)(y * w + x) - 1;
	}
	return 0;
}

static uint8_t *map_bar0(struct __test_metadata *_metadata, int fd,
			 size_t len)
{
	void *p = mdgpu_region_mmap(fd, VFIO_PCI_BAR0_REGION_INDEX, 0, len,
				    PROT_READ | PROT_WRITE);

	EXPECT_NE(MAP_FAILED, p) TH_LOG("mmap BAR0: %s", strerror(errno));
	return p == MAP_FAILED ? NULL : p;
}

/*
 * What the guest draws into BAR0 is what the host's dma-buf shows: pixels
 * written before the export and after it, through a BAR0 mapping and
 * through pwrite, for a scanout at 0 and at a page-aligned offset.
 */
TEST_F(disp, dmabuf_shows_pixels)
{
	const struct mode modes[] = {
		{ 640, 480, 32, 0, 0, 0 },
		{ 300, 200, 32, 1024, 0, 3 },	/* stride 4 KiB, at 12 KiB */
	};
	int fd = FD(self);
	size_t bar_len = 4 << 20, i;
	uint8_t *bar = map_bar0(_metadata, fd, bar_len);

	if (!self->dmabuf)
		SKIP(return, NO_DMABUF_REASON);

	ASSERT_NE(NULL, bar);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		const struct mode *m = &modes[i];
		uint32_t vw = m->vw ? m->vw : m->w, stride = vw * 4;
		uint64_t off = (uint64_t)m->y * stride + m->x * 4;
		struct vfio_device_gfx_plane_info p;
		uint32_t x, y, v;
		uint8_t *px;
		int buf;

		memset(bar, 0, bar_len);
		for (y = 0; y < m->h; y++)
			for (x = 0; x < m->w; x++)
				memcpy(bar + off + (size_t)y * stride + 4 * x,
				       &(uint32_t){ pixel(x, y, i) }, 4);
		ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, m));
		expect_plane(_metadata, fd, VFIO_GFX_PLANE_TYPE_DMABUF, m, &p);
		buf = get_dmabuf(fd, p.dmabuf_id);
		ASSERT_LE(0, buf) TH_LOG("GET_GFX_DMABUF: %s", strerror(-buf));
		EXPECT_EQ((off_t)((p.size + PAGE - 1) & ~(PAGE - 1)),
			  lseek(buf, 0, SEEK_END));
		px = mmap(NULL, p.size, PROT_READ, MAP_SHARED, buf, 0);
		ASSERT_NE(MAP_FAILED, px) TH_LOG("mmap dma-buf: %s",
						 strerror(errno));
		EXPECT_EQ(0, check_pixels(px, m->w, m->h, p.stride, i))
			TH_LOG("%ux%u at 0x%llx", m->w, m->h,
			       (unsigned long long)off);

		/* Later writes show through, by mapping and by pwrite. */
		bar[off + 4 * 5] = 0x42;
		EXPECT_EQ(0x42, px[4 * 5]);
		v = 0x00c0ffee;
		ASSERT_EQ(4, mdgpu_region_write(fd, VFIO_PCI_BAR0_REGION_INDEX,
						off + (uint64_t)(m->h - 1) *
						stride + 4 * (m->w - 1), &v, 4));
		EXPECT_EQ(v, *(uint32_t *)(px + (size_t)(m->h - 1) * p.stride +
					   4 * (m->w - 1)));
		munmap(px, p.size);

		/* A mapping larger than the dma-buf is refused. */
		px = mmap(NULL, p.size + 2 * PAGE, PROT_READ, MAP_SHARED, buf,
			  0);
		EXPECT_EQ(MAP_FAILED, px);
		if (px != MAP_FAILED)
			munmap(px, p.size + 2 * PAGE);
		close(buf);
	}
	munmap(bar, bar_len);
}

/*
 * A dma-buf keeps showing the last picture after the instance is gone, and
 * never what the next owner of that VRAM draws.
 */
TEST_F(disp, dmabuf_outlives_instance)
{
	const struct mode m = { 640, 480, 32, 0, 0, 0 };
	struct vfio_device_gfx_plane_info p;
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio next = MDGPU_VFIO_INIT;
	size_t len = (size_t)m.w * m.h * 4;
	uint8_t *bar, *px, *nbar;
	uint32_t x, y;
	int buf;

	if (!self->dmabuf)
		SKIP(return, NO_DMABUF_REASON);

	bar = map_bar0(_metadata, FD(self), len);
	ASSERT_NE(NULL, bar);
	for (y = 0; y < m.h; y++)
		for (x = 0; x < m.w; x++)
			memcpy(bar + ((size_t)y * m.w + x) * 4,
			       &(uint32_t){ pixel(x, y, 9) }, 4);
	munmap(bar, len);
	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(FD(self), &m));
	expect_plane(_metadata, FD(self), VFIO_GFX_PLANE_TYPE_DMABUF, &m, &p);
	buf = get_dmabuf(FD(self), p.dmabuf_id);
	ASSERT_LE(0, buf);

	/* Remove the instance; the dma-buf does not hold it. */
	mdgpu_vfio_close(&self->in.v);
	ASSERT_OK(mdgpu_remove_tracked(&self->in.created, self->in.uuid));
	px = mmap(NULL, p.size, PROT_READ, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, px);
	EXPECT_EQ(0, check_pixels(px, m.w, m.h, p.stride, 9));

	/* The next owner of that VRAM starts blank and draws its own. */
	mdgpu_inst_another(_metadata, &self->in, self->in.type, uuid, &next);
	nbar = map_bar0(_metadata, next.device, len);
	ASSERT_NE(NULL, nbar);
	EXPECT_EQ(0, nbar[0]);
	EXPECT_EQ(0, nbar[len - 1]);
	memset(nbar, 0xee, len);
	EXPECT_EQ(0, check_pixels(px, m.w, m.h, p.stride, 9))
		TH_LOG("a dma-buf of a removed instance shows another's VRAM");
	munmap(nbar, len);
	munmap(px, p.size);
	close(buf);
	mdgpu_vfio_close(&next);
}

/* ------------------------------------------------------------------------
 * plane_types: which plane types an instance offers
 */

FIXTURE(planes) {
	struct mdgpu_inst in;
};

/*
 * @value: what is written to plane_types before the device is opened, or
 *	   NULL to keep the default
 * @shown: what the attribute then reads
 * @region: region planes are offered
 * @dmabuf: dma-buf planes are offered
 */
FIXTURE_VARIANT(planes) {
	const char *value;
	const char *shown;
	bool region;
	bool dmabuf;
};

FIXTURE_VARIANT_ADD(planes, default) {
	.value = NULL, .shown = "region", .region = true, .dmabuf = false,
};
FIXTURE_VARIANT_ADD(planes, region) {
	.value = "region", .shown = "region", .region = true, .dmabuf = false,
};
FIXTURE_VARIANT_ADD(planes, dmabuf) {
	.value = "dmabuf\n", .shown = "dmabuf", .region = false, .dmabuf = true,
};
FIXTURE_VARIANT_ADD(planes, both) {
	.value = "both", .shown = "both", .region = true, .dmabuf = true,
};

FIXTURE_SETUP(planes)
{
	char parent[MDGPU_NAME_LEN], val[32] = "";

	mdgpu_first_parent(_metadata, parent);
	if (mdgpu_parent_is_pci(parent) && variant->dmabuf) {
		/* Refused there, leaving region planes: checked, then skipped. */
		ASSERT_OK(mdgpu_create_tracked(&self->in.created, parent,
					       mdgpu_types[0].name,
					       self->in.uuid));
		EXPECT_ERR(EOPNOTSUPP, mdgpu_instance_write(self->in.uuid,
							    "plane_types",
							    variant->value));
		EXPECT_OK(mdgpu_instance_read(self->in.uuid, "plane_types",
					      val, sizeof(val)));
		EXPECT_STREQ("region", val);
		EXPECT_OK(mdgpu_remove_all(&self->in.created));
		if (_metadata->exit_code)
			return;
		SKIP(return, "PCI parent: plane_types %s refused (EOPNOTSUPP, as it must be): no dma-buf planes",
		     variant->shown);
	}
	mdgpu_inst_setup_attr(_metadata, &self->in, 0, false,
			      variant->value ? "plane_types" : NULL,
			      variant->value);
}

FIXTURE_TEARDOWN_PARENT(planes)
{
	mdgpu_inst_teardown(_metadata, &self->in);
}

/*
 * A plane type the instance does not offer is refused as by a device that
 * lacks it: EINVAL to a probe (QEMU then tries the other type) and to a
 * query, ENOTTY to VFIO_DEVICE_GET_GFX_DMABUF. The offered types work.
 */
TEST_F(planes, offered_types)
{
	const uint32_t D = VFIO_GFX_PLANE_TYPE_DMABUF;
	const uint32_t R = VFIO_GFX_PLANE_TYPE_REGION;
	const uint32_t P = VFIO_GFX_PLANE_TYPE_PROBE;
	const struct mode m = { 640, 480, 32, 0, 0, 0 };
	struct vfio_device_gfx_plane_info p;
	int fd = self->in.v.device, buf;
	char val[32];
	uint32_t id;

	EXPECT_EQ(variant->dmabuf ? 0 : -EINVAL,
		  query_plane(fd, P | D, PLANE_PRIMARY, &p))
		TH_LOG("probe of dma-buf planes");
	EXPECT_EQ(variant->region ? 0 : -EINVAL,
		  query_plane(fd, P | R, PLANE_PRIMARY, &p))
		TH_LOG("probe of region planes");

	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &m));
	if (variant->region) {
		expect_plane(_metadata, fd, R, &m, &p);
	} else {
		EXPECT_EQ(-EINVAL, query_plane(fd, R, PLANE_PRIMARY, &p));
		EXPECT_EQ(-EINVAL, query_plane(fd, R, PLANE_CURSOR, &p));
	}
	if (variant->dmabuf) {
		expect_plane(_metadata, fd, D, &m, &p);
		buf = get_dmabuf(fd, p.dmabuf_id);
		EXPECT_LE(0, buf) TH_LOG("GET_GFX_DMABUF: %s", strerror(-buf));
		if (buf >= 0)
			close(buf);
	} else {
		EXPECT_EQ(-EINVAL, query_plane(fd, D, PLANE_PRIMARY, &p));
		EXPECT_EQ(-EINVAL, query_plane(fd, D, PLANE_CURSOR, &p));
		/* Not even an id a dma-buf instance would have used. */
		for (id = 0; id < 4; id++)
			EXPECT_EQ(-ENOTTY, get_dmabuf(fd, id)) TH_LOG("id %u", id);
		EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_GFX_DMABUF, NULL));
		EXPECT_EQ(ENOTTY, errno);
	}

	memset(val, 0, sizeof(val));
	EXPECT_OK(mdgpu_instance_read(self->in.uuid, "plane_types", val,
				      sizeof(val)));
	EXPECT_STREQ(variant->shown, val);
}

/*
 * QEMU's region display (display=on without OpenGL) asks for the plane as
 * QEMU 7.2 to 10.0 do: argsz and flags set, everything else 0, not even
 * drm_plane_type. That is the primary plane, described as with
 * drm_plane_type 1, whenever region planes are offered.
 */
TEST_F(planes, region_query_as_qemu_sends_it)
{
	const struct mode m = { 800, 600, 32, 0, 0, 0 };
	struct vfio_device_gfx_plane_info p, want;
	int fd = self->in.v.device;

	ASSERT_EQ(MDGPU_DISPLAY_ENABLED, set_mode(fd, &m));
	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.flags = VFIO_GFX_PLANE_TYPE_REGION;
	if (!variant->region) {
		EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p));
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p))
		TH_LOG("QUERY_GFX_PLANE as QEMU sends it: %s", strerror(errno));
	expect_plane(_metadata, fd, VFIO_GFX_PLANE_TYPE_REGION, &m, &want);
	EXPECT_EQ(want.drm_format, p.drm_format);
	EXPECT_EQ(800, p.width);
	EXPECT_EQ(600, p.height);
	EXPECT_EQ(want.stride, p.stride);
	EXPECT_EQ(want.size, p.size);
	EXPECT_EQ(VFIO_PCI_BAR0_REGION_INDEX, p.region_index);
	/* Display off: empty, not an error (QEMU then keeps its picture). */
	ASSERT_OK(vbe_write(fd, VBE_ENABLE, 0));
	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.flags = VFIO_GFX_PLANE_TYPE_REGION;
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p));
	EXPECT_EQ(0, p.drm_format);
	EXPECT_EQ(0, p.size);
}

/*
 * plane_types is fixed while the device is open (EBUSY, nothing changes)
 * and takes effect at the next open; bad values are EINVAL.
 */
TEST_F(planes, change_only_while_closed)
{
	static const char *const bad[] = {
		"\n", "none", "Region", "region,dmabuf", "region dmabuf",
		"regions", "dma-buf", "0", "3",
	};
	/* A PCI parent has no other value to change to: region again. */
	const bool pci = mdgpu_parent_is_pci(self->in.parent);
	const char *other = variant->dmabuf || pci ? "region" : "dmabuf";
	const bool other_dmabuf = !variant->dmabuf && !pci;
	const uint32_t P = VFIO_GFX_PLANE_TYPE_PROBE;
	struct vfio_device_gfx_plane_info p;
	const char *uuid = self->in.uuid;
	char val[32];
	size_t i;

	EXPECT_ERR(EBUSY, mdgpu_instance_write(uuid, "plane_types", other));
	EXPECT_ERR(EBUSY, mdgpu_instance_write(uuid, "plane_types",
					       variant->shown));
	ASSERT_OK(mdgpu_instance_read(uuid, "plane_types", val, sizeof(val)));
	EXPECT_STREQ(variant->shown, val);
	EXPECT_EQ(variant->dmabuf ? 0 : -EINVAL,
		  query_plane(self->in.v.device,
			      P | VFIO_GFX_PLANE_TYPE_DMABUF, PLANE_PRIMARY,
			      &p));

	mdgpu_vfio_close(&self->in.v);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *b = bad[i];

		EXPECT_ERR(EINVAL, mdgpu_instance_write(uuid, "plane_types", b))
			TH_LOG("'%s'", b ?: "");
	}
	if (pci) {
		EXPECT_ERR(EOPNOTSUPP,
			   mdgpu_instance_write(uuid, "plane_types", "dmabuf"));
		EXPECT_ERR(EOPNOTSUPP,
			   mdgpu_instance_write(uuid, "plane_types", "both"));
	}
	ASSERT_OK(mdgpu_instance_read(uuid, "plane_types", val, sizeof(val)));
	EXPECT_STREQ(variant->shown, val);

	/* Closed: the change is taken and holds for the next user. */
	ASSERT_OK(mdgpu_instance_write(uuid, "plane_types", other));
	ASSERT_OK(mdgpu_instance_read(uuid, "plane_types", val, sizeof(val)));
	EXPECT_STREQ(other, val);
	ASSERT_TRUE(mdgpu_open(_metadata, uuid, false, &self->in.v));
	EXPECT_EQ(other_dmabuf ? 0 : -EINVAL,
		  query_plane(self->in.v.device,
			      P | VFIO_GFX_PLANE_TYPE_DMABUF, PLANE_PRIMARY,
			      &p));
	EXPECT_EQ(other_dmabuf ? -EINVAL : 0,
		  query_plane(self->in.v.device,
			      P | VFIO_GFX_PLANE_TYPE_REGION, PLANE_PRIMARY,
			      &p));
}

TEST_HARNESS_MAIN
