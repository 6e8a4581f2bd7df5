// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu VRAM backing on the simulated parent: reads never allocate, and
 * reset, close and remove free what writes allocated.
 *
 * - Reading never-written VRAM through the BAR0 mapping (the shared zero
 *   page), by pread and by the engine (DMA to the guest, COPY of untouched
 *   VRAM) leaves the instance's vram_populated where it was, and reads
 *   zeroes.
 * - A page a mapping shows as the zero page shows what any later write
 *   puts there: a write through the same or another mapping, a pwrite, an
 *   engine FILL or COPY. (A mapping that kept the zero page would read
 *   zeroes over written data.)
 * - After VFIO_DEVICE_RESET of a fully populated 512M instance, and after
 *   close and remove, the instance's and the parent's vram_populated are
 *   0 when the call returns: the pages are freed, not only unindexed.
 *
 * On a parent without lazy backing (a PCI parent: VRAM is device memory),
 * vram_populated is always the whole VRAM: the tests check that, and the
 * zeroes and what every write path leaves, then SKIP the parts about
 * backing (reads_allocate_nothing, the big instance's freeing).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "engine_common.h"

#define PAGE		4096ULL
/* Read through the mapping before anything writes it. */
#define READ_SIZE	(32ULL << 20)
#define CHUNK		(1ULL << 20)

#define NO_LAZY \
	"PCI parent: no lazy backing, VRAM is always all populated (checked)"

static uint64_t populated(const char *uuid)
{
	uint64_t v;

	return mdgpu_instance_u64(uuid, "vram_populated", &v) ? UINT64_MAX : v;
}

static uint64_t parent_populated(const char *parent)
{
	uint64_t v;

	return mdgpu_parent_u64(parent, "vram_populated", &v) ? UINT64_MAX : v;
}

static bool all_zero(const volatile uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Read one byte of every page of [@off, @off + @len) through @vram. */
static void touch_read(const volatile uint8_t *vram, uint64_t off,
		       uint64_t len)
{
	uint64_t o;

	for (o = off; o < off + len; o += PAGE)
		(void)vram[o + 123];
}

FIXTURE(lazy) {
	struct eng_fixture f;
	struct eng_vgpu a;
};

FIXTURE_SETUP(lazy)
{
	eng_setup(_metadata, &self->f, false);
	eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_NONE);
}

FIXTURE_TEARDOWN_PARENT(lazy)
{
	eng_teardown(_metadata, &self->f);
}

/* Reads of never-written VRAM, by every path, allocate nothing. */
TEST_F(lazy, reads_allocate_nothing)
{
	const bool lazy = !mdgpu_parent_is_pci(self->f.parent);
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu_dma buf;
	uint64_t p0;
	uint8_t *rd;

	ENG_SYNC(g);	/* the ring's page is written now */
	p0 = populated(self->a.uuid);
	ASSERT_NE(UINT64_MAX, p0);
	if (!lazy)
		EXPECT_EQ(g->vram_size, p0);
	rd = malloc(CHUNK);
	ASSERT_NE(NULL, rd);

	/* through the mapping */
	touch_read(g->vram, 0, READ_SIZE);
	EXPECT_TRUE(all_zero(g->vram, 64 * PAGE));
	EXPECT_TRUE(all_zero(g->vram + READ_SIZE - 64 * PAGE, 64 * PAGE));
	EXPECT_EQ(p0, populated(self->a.uuid))
		TH_LOG("read faults allocated %lld bytes",
		       (long long)(populated(self->a.uuid) - p0));
	/* by pread */
	memset(rd, 0xee, CHUNK);
	ASSERT_EQ((ssize_t)CHUNK,
		  mdgpu_region_read(g->v.device, VFIO_PCI_BAR0_REGION_INDEX,
				    36ULL << 20, rd, CHUNK));
	EXPECT_TRUE(all_zero(rd, CHUNK));
	EXPECT_EQ(p0, populated(self->a.uuid)) TH_LOG("pread allocated");
	/* by the engine: DMA to the guest, and COPY of untouched VRAM */
	ASSERT_OK(mdgpu_dma_alloc(g, 64 * 1024, &buf));
	memset(buf.va, 0xee, buf.len);
	mdgpu_cmd_dma(dw, buf.iova, 40ULL << 20, 64 * 1024, true);
	ENG_SUBMIT(g, dw, MDGPU_DMA_NDW);
	mdgpu_cmd_copy(dw, 44ULL << 20, 46ULL << 20, 4 * PAGE, 4, 4 * PAGE,
		       4 * PAGE);
	ENG_SUBMIT(g, dw, MDGPU_COPY_NDW);
	ENG_SYNC(g);
	EXPECT_TRUE(all_zero(buf.va, buf.len));
	EXPECT_EQ(p0, populated(self->a.uuid)) TH_LOG("the engine allocated");
	ASSERT_OK(mdgpu_dma_free(g, &buf));

	/* the first write allocates that page and no other */
	g->vram[5 * PAGE + 9] = 0x42;
	EXPECT_EQ(0x42, g->vram[5 * PAGE + 9]);
	EXPECT_EQ(p0 + (lazy ? PAGE : 0), populated(self->a.uuid));
	free(rd);
	eng_check_kmsg(_metadata, &self->f);
	if (!lazy && !_metadata->exit_code)
		SKIP(return, NO_LAZY);
}

/*
 * A page mapped as the zero page shows whatever is written to it later,
 * by any path, in every mapping.
 */
TEST_F(lazy, zero_page_gives_way)
{
	const uint64_t a = 1ULL << 20, b = 2ULL << 20, c = 3ULL << 20,
		       d = 4ULL << 20;
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	volatile uint8_t *map2;
	uint8_t pat[PAGE];
	uint32_t v;

	ENG_SYNC(g);
	map2 = mdgpu_region_mmap(g->v.device, VFIO_PCI_BAR0_REGION_INDEX, 0,
				 READ_SIZE, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, (void *)map2);
	touch_read(g->vram, 0, READ_SIZE);
	touch_read(map2, 0, READ_SIZE);
	eng_random_bytes(pat, sizeof(pat), 3);

	/* pwrite */
	ASSERT_EQ((ssize_t)PAGE,
		  mdgpu_region_write(g->v.device, VFIO_PCI_BAR0_REGION_INDEX,
				     a, pat, PAGE));
	EXPECT_EQ(-1, eng_first_diff((const void *)(g->vram + a), pat, PAGE))
		TH_LOG("the mapping still shows zeroes after pwrite");
	EXPECT_EQ(-1, eng_first_diff((const void *)(map2 + a), pat, PAGE));
	/* engine FILL */
	mdgpu_cmd_fill(dw, b, PAGE, 1, PAGE, 0x5a5a5a5a);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	memcpy(&v, (const void *)(g->vram + b + PAGE - 4), 4);
	EXPECT_EQ(0x5a5a5a5a, v) TH_LOG("the mapping missed a FILL");
	memcpy(&v, (const void *)(map2 + b), 4);
	EXPECT_EQ(0x5a5a5a5a, v);
	/* engine COPY from a written page */
	mdgpu_cmd_copy(dw, a, d, PAGE, 1, PAGE, PAGE);
	ENG_SUBMIT(g, dw, MDGPU_COPY_NDW);
	ENG_SYNC(g);
	EXPECT_EQ(-1, eng_first_diff((const void *)(g->vram + d), pat, PAGE))
		TH_LOG("the mapping missed a COPY");
	/* a write through the other mapping */
	map2[c + 77] = 0x99;
	EXPECT_EQ(0x99, g->vram[c + 77])
		TH_LOG("one mapping missed a write through another");
	EXPECT_EQ(0x99, map2[c + 77]);
	/* and a write through the same one, to a page both show as zero */
	g->vram[c + PAGE + 1] = 0x77;
	EXPECT_EQ(0x77, map2[c + PAGE + 1]);

	/* a reset makes it all zeroes again, and frees it (lazy backing) */
	ASSERT_OK(ioctl(g->v.device, VFIO_DEVICE_RESET));
	EXPECT_TRUE(all_zero(g->vram + a, PAGE));
	EXPECT_TRUE(all_zero(map2 + c, 2 * PAGE));
	EXPECT_TRUE(all_zero(g->vram + b, PAGE));
	EXPECT_TRUE(all_zero(map2 + d, PAGE));
	EXPECT_EQ(mdgpu_parent_is_pci(self->f.parent) ? g->vram_size : 0,
		  populated(self->a.uuid));
	munmap((void *)map2, READ_SIZE);
	eng_check_kmsg(_metadata, &self->f);
}

FIXTURE(big) {
	struct eng_fixture f;
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu g;
	bool attached;
};

/* An instance of the parent's largest type (512M on sim0, vram_mb=1024). */
FIXTURE_SETUP(big)
{
	uint64_t total = 0;
	int big;

	eng_setup(_metadata, &self->f, false);
	if (mdgpu_parent_is_pci(self->f.parent)) {
		ASSERT_OK(mdgpu_parent_u64(self->f.parent, "vram_total",
					   &total));
		ASSERT_EQ(total, parent_populated(self->f.parent));
		SKIP(return, NO_LAZY ": nothing for reset, close or remove to free");
	}
	ASSERT_EQ(0, parent_populated(self->f.parent))
		TH_LOG("memory of an earlier instance still counted");
	big = mdgpu_largest_type(self->f.parent);
	ASSERT_LE(0, big);
	ASSERT_OK(mdgpu_create_tracked(&self->f.created, self->f.parent,
				       mdgpu_types[big].name, self->uuid));
	ASSERT_OK(mdgpu_attach(&self->g, self->uuid, MDGPU_OPEN_GROUP));
	self->attached = true;
}

FIXTURE_TEARDOWN_PARENT(big)
{
	if (self->attached)
		mdgpu_detach(&self->g);
	eng_teardown(_metadata, &self->f);
}

/* pwrite @len bytes from offset 0, a MiB at a time. */
static int fill(struct mdgpu *g, uint64_t len)
{
	static uint8_t buf[CHUNK];
	uint64_t off;

	memset(buf, 0xa5, sizeof(buf));
	for (off = 0; off < len; off += CHUNK)
		if (mdgpu_region_write(g->v.device, VFIO_PCI_BAR0_REGION_INDEX,
				       off, buf, CHUNK) != (ssize_t)CHUNK)
			return -1;
	return 0;
}

/*
 * Every page of the instance (512 MiB on sim0) is freed by the time
 * VFIO_DEVICE_RESET, close and remove return.
 */
TEST_F_TIMEOUT(big, reset_close_remove_free_everything, 600)
{
	struct mdgpu *g = &self->g;
	const uint64_t size = g->vram_size;
	uint64_t o;

	ASSERT_LE(128 * SZ_1M, size) TH_LOG("the writes below need 128 MiB");
	ASSERT_OK(fill(g, size));
	EXPECT_EQ(size, populated(self->uuid));
	EXPECT_EQ(size, parent_populated(self->f.parent));

	ASSERT_OK(ioctl(g->v.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, populated(self->uuid));
	EXPECT_EQ(0, parent_populated(self->f.parent))
		TH_LOG("reset left pages allocated");
	EXPECT_TRUE(all_zero(g->vram + size - PAGE, PAGE));

	/* through the mapping this time: fault, zero page, pfn_mkwrite */
	for (o = 0; o < (64ULL << 20); o += PAGE)
		(void)g->vram[o];
	EXPECT_EQ(0, parent_populated(self->f.parent));
	for (o = 0; o < (64ULL << 20); o += PAGE)
		g->vram[o] = 1;
	EXPECT_EQ(64ULL << 20, parent_populated(self->f.parent));
	mdgpu_detach(g);
	self->attached = false;
	EXPECT_EQ(0, parent_populated(self->f.parent))
		TH_LOG("close left pages allocated");

	ASSERT_OK(mdgpu_attach(g, self->uuid, MDGPU_OPEN_GROUP));
	self->attached = true;
	ASSERT_OK(fill(g, 128ULL << 20));
	EXPECT_EQ(128ULL << 20, parent_populated(self->f.parent));
	mdgpu_detach(g);
	self->attached = false;
	ASSERT_OK(mdgpu_remove_tracked(&self->f.created, self->uuid));
	EXPECT_EQ(0, parent_populated(self->f.parent))
		TH_LOG("remove left pages allocated");
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
