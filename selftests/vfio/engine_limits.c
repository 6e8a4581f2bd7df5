// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu engine limits: what one guest's commands may cost the host and the
 * other tenants.
 *
 *  - a chunk is bounded in pages touched, not only in bytes: a rectangle of
 *    narrow rows far apart runs a few rows per chunk (engine_chunks);
 *  - VRAM pages the engine allocates are charged to the memory cgroup of
 *    the process that opened the device, so the VMM's memory limit holds;
 *    at the limit only that context stops, with ERR_NOMEM, nobody is
 *    OOM-killed, and closing the device gives the memory back;
 *  - the watchdog firing while the guest resets and restarts its ring
 *    never leaves a context that later doorbells cannot wake;
 *  - a DMA from user memory that never faults in (userfaultfd) holds
 *    neither the parent's engine, which runs the other vGPUs meanwhile,
 *    nor the device's close, which aborts it after a bounded wait.
 */
#include <linux/userfaultfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "engine_common.h"

/* Must match MDGPU_CHUNK_PAGES in include/mdgpu_cmd.h. */
#define CHUNK_PAGES	34
#define CG_ROOT		"/sys/fs/cgroup"
#define CG		CG_ROOT "/mdgpu-engine-limits"

static long vgpu_attr(const char *uuid, const char *attr)
{
	uint64_t v;

	return mdgpu_instance_u64(uuid, attr, &v) ? -1 : (long)v;
}

static long cg_read(const char *file)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), CG "/%s", file);
	if (mdgpu_read_file(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* The line @key of memory.events ("\nmax ", "\noom "), or -1. */
static long cg_event(const char *key)
{
	char buf[512], *p;

	if (mdgpu_read_file(CG "/memory.events", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* The "max" line of memory.events: times the limit refused a charge. */
static long cg_max_events(void)
{
	return cg_event("\nmax ");
}

/* Make CG with @max as memory.max and move this process into it. */
static bool cg_enter(struct __test_metadata *_metadata, const char *max)
{
	if (!mdgpu_path_exists(CG_ROOT "/cgroup.controllers") &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
		SKIP(return false, "no cgroup v2: %s", strerror(errno));
	if (mdgpu_write_file(CG_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return false, "no memory controller");
	rmdir(CG);
	if (mkdir(CG, 0755) && errno != EEXIST) {
		EXPECT_OK(-errno) TH_LOG("mkdir " CG);
		return false;
	}
	EXPECT_OK(mdgpu_write_file(CG "/memory.max", max));
	EXPECT_OK(mdgpu_write_file(CG "/cgroup.procs", "0"));
	return true;
}

FIXTURE(lim) {
	struct eng_fixture f;
	struct eng_vgpu a;
	struct eng_vgpu b;
};

FIXTURE_SETUP(lim)
{
	eng_setup(_metadata, &self->f, false);
}

FIXTURE_TEARDOWN_PARENT(lim)
{
	eng_teardown(_metadata, &self->f);
	/* The test process, the cgroup's only member, has exited. */
	rmdir(CG);
}

/*
 * FILL 4 bytes in each of 12288 pages, and COPY 1 byte into each of 8192
 * pages: every chunk touches at most CHUNK_PAGES pages, so the engine runs
 * at least rows / CHUNK_PAGES chunks (before the fix: one 64 KiB chunk
 * for the whole FILL, allocating 12288 pages while holding the engine).
 */
TEST_F(lim, chunk_bounded_by_pages)
{
	const uint32_t rows = 12288, crows = 8192;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *g = &self->a.g;
	long c0, c1;
	uint32_t r;

	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	c0 = vgpu_attr(self->a.uuid, "engine_chunks");
	ASSERT_LE(0, c0);
	mdgpu_cmd_fill(dw, 0, 4, rows, 4096, 0xfeedf00d);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	c1 = vgpu_attr(self->a.uuid, "engine_chunks");
	TH_LOG("FILL of %u rows of 4 bytes, stride 4096: %ld chunks", rows,
	       c1 - c0);
	EXPECT_LE((long)(rows + CHUNK_PAGES - 1) / CHUNK_PAGES, c1 - c0);
	for (r = 0; r < rows; r += 1021) {
		EXPECT_EQ(0xfeedf00d,
			  *(volatile uint32_t *)(g->vram + r * 4096ULL));
		EXPECT_EQ(0, *(volatile uint32_t *)(g->vram + r * 4096ULL + 4));
	}

	/*
	 * COPY 1 byte a row, packed source, one page apart at the target:
	 * the destination extent, 16 MiB + 32 MiB, lies inside the 64M BAR0.
	 */
	c0 = c1;
	mdgpu_cmd_copy(dw, 0, 16ULL << 20, 1, crows, 1, 4096);
	ENG_SUBMIT(g, dw, MDGPU_COPY_NDW);
	ENG_SYNC(g);
	c1 = vgpu_attr(self->a.uuid, "engine_chunks");
	TH_LOG("COPY of %u rows of 1 byte to stride 4096: %ld chunks", crows,
	       c1 - c0);
	EXPECT_LE((long)crows / (CHUNK_PAGES / 2), c1 - c0);
	/* source bytes 0..3 are the FILL's 0xfeedf00d, little endian */
	EXPECT_EQ(0x0d, *(volatile uint8_t *)(g->vram + (16ULL << 20)));
	EXPECT_EQ(0xf0, *(volatile uint8_t *)(g->vram + (16ULL << 20) + 4096));
	EXPECT_EQ(0, *(volatile uint8_t *)(g->vram + (16ULL << 20) + 4 * 4096));

	/* Packed rows are still one linear run: 16 MiB in 256 chunks. */
	c0 = c1;
	mdgpu_cmd_fill(dw, 0, 64, 262144, 64, 1);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	c1 = vgpu_attr(self->a.uuid, "engine_chunks");
	EXPECT_GE(256 + 8, c1 - c0) TH_LOG("%ld chunks", c1 - c0);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * Within the limit: the engine's VRAM pages show in the opener's cgroup
 * (memory.current), and closing the device gives them back.
 */
TEST_F(lim, memcg_charged_to_opener)
{
	const uint32_t mib = 16;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *g = &self->a.g;
	long m0, m1, m2;

	if (mdgpu_parent_is_pci(self->f.parent))
		SKIP(return, "PCI parent: VRAM is device memory, charged to no cgroup");
	if (!cg_enter(_metadata, "max"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	m0 = cg_read("memory.current");
	ASSERT_LE(0, m0);
	/* 16 MiB of rows, 4096 apart: the engine allocates each page */
	mdgpu_cmd_fill(dw, 0, 4096, mib * 256, 4096, 0x11111111);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	m1 = cg_read("memory.current");
	TH_LOG("memory.current %ld -> %ld KiB", m0 >> 10, m1 >> 10);
	EXPECT_LE((long)(mib - 1) << 20, m1 - m0)
		TH_LOG("the engine's VRAM pages were not charged to the opener");

	mdgpu_detach(g);
	m2 = cg_read("memory.current");
	TH_LOG("after close: %ld KiB", m2 >> 10);
	EXPECT_GT(m1 - ((long)(mib - 1) << 20), m2)
		TH_LOG("close did not give the VRAM pages back");
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * At the limit: the FILL stops with ERR_NOMEM, the limit was hit
 * (memory.events max), the cgroup's OOM killer never ran (memory.events
 * oom); with room again, a ring reset recovers the vGPU.
 */
TEST_F(lim, memcg_limit_stops_context)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *g = &self->a.g;
	long m, ev0, oom0;
	int err;

	if (mdgpu_parent_is_pci(self->f.parent))
		SKIP(return, "PCI parent: VRAM is device memory, charged to no cgroup");
	if (!cg_enter(_metadata, "12M"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	/*
	 * The device charges the cgroup it was opened from; the test itself
	 * leaves it, or its own next allocation at the full limit (a file
	 * opened to read memory.events) would call the cgroup's OOM killer
	 * on it.
	 */
	ASSERT_OK(mdgpu_write_file(CG_ROOT "/cgroup.procs", "0"));
	ev0 = cg_max_events();
	oom0 = cg_event("\noom ");
	/* 40 MiB of rows: far past the 12 MiB limit */
	mdgpu_cmd_fill(dw, 0, 4096, 40 * 256, 4096, 0x22222222);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	err = mdgpu_wait_error(g, ENG_TIMEOUT_MS);
	EXPECT_EQ(MDGPU_ERR_NOMEM, err) TH_LOG("ERR_CODE %d (%s)", err,
					       mdgpu_err_name(err));
	m = cg_read("memory.current");
	TH_LOG("memory.current %ld KiB, memory.events max %ld -> %ld",
	       m >> 10, ev0, cg_max_events());
	EXPECT_GE(12L << 20, m);
	EXPECT_LT(ev0, cg_max_events());
	EXPECT_EQ(oom0, cg_event("\noom "))
		TH_LOG("the engine's allocations must fail, not call the OOM killer");
	EXPECT_EQ(0x22222222, *(volatile uint32_t *)(g->vram))
		TH_LOG("the pages written before the limit stay");

	ASSERT_OK(mdgpu_write_file(CG "/memory.max", "max"));
	ASSERT_OK(mdgpu_ring_reset(g));
	mdgpu_cmd_fill(dw, 40ULL << 20, 4096, 256, 4096, 0x33333333);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	EXPECT_EQ(0x33333333,
		  *(volatile uint32_t *)(g->vram + (40ULL << 20) + 4096));
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * The watchdog fires on long COMPUTEs again and again while the guest
 * resets its ring, re-enables it and rings the doorbell right away: every
 * time, the new work must run (the context must not end up runnable in
 * the engine and asleep in the scheduler).
 */
TEST_F(lim, watchdog_then_immediate_restart)
{
	char path[PATH_MAX];
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *g = &self->a.g;
	char old[32] = "2000";
	int i, err, rounds = 40;

	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	snprintf(path, sizeof(path), "%s/%s/watchdog_ms",
		 mdgpu_parent_base(self->f.parent), self->f.parent);
	mdgpu_read_file(path, old, sizeof(old));
	ASSERT_OK(mdgpu_write_file(path, "10"));
	for (i = 0; i < rounds; i++) {
		mdgpu_cmd_compute(dw, 200000);
		ENG_SUBMIT(g, dw, MDGPU_COMPUTE_NDW);
		err = mdgpu_wait_error(g, ENG_TIMEOUT_MS);
		ASSERT_EQ(MDGPU_ERR_WATCHDOG, err) TH_LOG("round %d: %s", i,
							  mdgpu_err_name(err));
		/* restart at once, racing the engine's return to pick */
		ASSERT_OK(mdgpu_ring_reset(g));
		mdgpu_cmd_fill(dw, (uint64_t)i * 4096, 4096, 1, 4096, i + 1);
		ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
		err = mdgpu_wait_idle(g, ENG_TIMEOUT_MS);
		ASSERT_EQ(0, err) TH_LOG("round %d: the restarted ring never ran",
					 i);
		ASSERT_EQ((uint32_t)i + 1,
			  *(volatile uint32_t *)(g->vram + i * 4096ULL));
	}
	mdgpu_write_file(path, old);
	eng_check_kmsg(_metadata, &self->f);
}

/* Anonymous memory whose pages never fault in: nobody serves @uffd. */
static void *stuck_memory(size_t len, int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	void *p;

	*uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (*uffd < 0)
		return NULL;
	if (ioctl(*uffd, UFFDIO_API, &api))
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	reg.range.start = (unsigned long)p;
	reg.range.len = len;
	if (ioctl(*uffd, UFFDIO_REGISTER, &reg))
		return NULL;
	return p;
}

TEST_F(lim, blocked_dma_holds_neither_engine_nor_close)
{
	const uint64_t iova = 1ULL << 32;
	const size_t len = 65536;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	double t0, took;
	int uffd = -1, r;
	void *stuck;

	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI) ||
	    !eng_open(_metadata, &self->f, &self->b, MDGPU_IRQ_MSI))
		return;
	stuck = stuck_memory(len, &uffd);
	if (!stuck)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_OK(mdgpu_dma_map(&self->a.g, stuck, len, iova));
	mdgpu_cmd_dma(dw, iova, 0, 4096, false);
	ENG_SUBMIT(&self->a.g, dw, MDGPU_DMA_NDW);
	usleep(300000);
	EXPECT_EQ(MDGPU_ENGINE_BUSY, mdgpu_rd(&self->a.g, MDGPU_REG_ENGINE_STATUS) &
				      MDGPU_ENGINE_BUSY)
		TH_LOG("the DMA is not pending");

	/* The neighbour on the same engine runs meanwhile. */
	t0 = eng_now();
	mdgpu_cmd_fill(dw, 0, 4096, 16, 4096, 7);
	ENG_SUBMIT(&self->b.g, dw, MDGPU_FILL_NDW);
	r = mdgpu_wait_idle(&self->b.g, 5000);
	EXPECT_EQ(0, r) TH_LOG("the neighbour's FILL did not run while a DMA of another vGPU was blocked");
	TH_LOG("neighbour's FILL done in %.3f s", eng_now() - t0);
	if (r) {
		/* Unblock the engine so the test ends instead of hanging. */
		close(uffd);
		uffd = -1;
	}

	/* Closing the device aborts the blocked access in bounded time. */
	t0 = eng_now();
	mdgpu_detach(&self->a.g);
	took = eng_now() - t0;
	TH_LOG("close with a blocked DMA took %.2f s", took);
	EXPECT_GT(10.0, took);
	if (uffd >= 0)
		close(uffd);
	munmap(stuck, len);

	/* The neighbour keeps working after it. */
	mdgpu_cmd_fill(dw, 4096 * 16, 4096, 16, 4096, 8);
	ENG_SUBMIT(&self->b.g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(&self->b.g);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
