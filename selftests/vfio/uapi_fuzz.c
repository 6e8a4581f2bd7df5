// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu uAPI fuzzer: random but reproducible sequences of everything a
 * hostile VFIO user (or a guest behind it) can do to an instance, from
 * several threads on several instances of one parent at once:
 * configuration space, BAR0 and BAR2 reads and writes at any offset and
 * size, BAR0 mappings, ring contents (random and half-valid commands),
 * ring registers and doorbells, SET_IRQS with any index, flags and count,
 * device reset, the display registers, plane queries and dma-buf exports,
 * region and IRQ info, DMA map and unmap, close and reopen.
 *
 * It checks only what must hold whatever the sequence: every call returns
 * (no hang), the kernel log gets no warning or report, every instance can
 * still be removed, and the parent's VRAM and instance counts come back to
 * where they were. MDGPU_FUZZ_OPS sets the operations of each thread
 * (default 2500, what make check runs) and MDGPU_FUZZ_SEED the seed
 * (default 1); a failing run
 * is reproduced with the same seed.
 */
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "engine_common.h"

#define FUZZ_THREADS	4
#define DMA_LEN		(256 * 1024)
#define DMA_IOVA	(1ULL << 30)

struct fuzzer {
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu g;
	bool open;
	uint32_t seed;
	unsigned long ops;
	unsigned long done;
	unsigned long failed_calls;
	int reopen_errors;
	void *dma;
	bool dma_mapped;
};

static uint32_t rnd(struct fuzzer *z)
{
	return eng_rand(&z->seed);
}

/* A number that is often on an edge: 0, small, a power of 2 +-1, all ones. */
static uint64_t edgy(struct fuzzer *z, uint64_t max)
{
	uint64_t v;

	switch (rnd(z) % 6) {
	case 0:
		return 0;
	case 1:
		return rnd(z) % 16;
	case 2:
		v = 1ULL << (rnd(z) % 40);
		return v + (rnd(z) % 3) - 1;
	case 3:
		return ~0ULL >> (rnd(z) % 64);
	default:
		return max ? ((uint64_t)rnd(z) << 32 | rnd(z)) % max : 0;
	}
}

/* Where region @index starts in the device file, as the kernel reports. */
static off_t region_off(struct fuzzer *z, unsigned int index)
{
	off_t pos = 0;

	mdgpu_region_pos(z->g.v.device, index, 0, &pos);
	return pos;
}

static bool fuzz_open(struct fuzzer *z)
{
	if (mdgpu_attach(&z->g, z->uuid, MDGPU_OPEN_GROUP))
		return false;
	mdgpu_irq_setup(&z->g, rnd(z) & 1 ? MDGPU_IRQ_MSI : MDGPU_IRQ_INTX);
	mdgpu_ring_init(&z->g, ENG_RING, ENG_RING_SIZE);
	z->open = true;
	z->dma_mapped = false;
	return true;
}

static void fuzz_close(struct fuzzer *z)
{
	mdgpu_detach(&z->g);
	z->open = false;
	z->dma_mapped = false;
}

/* A command with random but often plausible fields, into @dw. */
static unsigned int random_command(struct fuzzer *z, uint32_t *dw)
{
	uint64_t vram = z->g.vram_size;
	unsigned int n, i;

	switch (rnd(z) % 9) {
	case 0:
		return mdgpu_cmd_nop(dw, 1 + rnd(z) % 8);
	case 1:
		return mdgpu_cmd_fill(dw, edgy(z, vram) & ~3ULL,
				      4 * (1 + rnd(z) % 64), 1 + rnd(z) % 64,
				      4 * (rnd(z) % 2048), rnd(z));
	case 2:
		return mdgpu_cmd_copy(dw, edgy(z, vram), edgy(z, vram),
				      1 + rnd(z) % 4096, 1 + rnd(z) % 32,
				      rnd(z) % 8192, rnd(z) % 8192);
	case 3:
		return mdgpu_cmd_dma(dw, DMA_IOVA + edgy(z, DMA_LEN),
				     edgy(z, vram), 1 + rnd(z) % 8192,
				     rnd(z) & 1);
	case 4:
		return mdgpu_cmd_fence(dw, rnd(z), rnd(z) % 4,
				       edgy(z, vram) & ~3ULL);
	case 5:
		return mdgpu_cmd_timestamp(dw, edgy(z, vram) & ~7ULL);
	case 6:
		return mdgpu_cmd_compute(dw, 1 + rnd(z) % 500);
	default:
		/* garbage, with a plausible length now and then */
		n = 1 + rnd(z) % 12;
		for (i = 0; i < n; i++)
			dw[i] = rnd(z);
		if (rnd(z) & 1)
			dw[0] = (dw[0] & ~0xff0000u) | n << 16;
		return n;
	}
}

static void op_ring(struct fuzzer *z)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW + 16];
	unsigned int n = random_command(z, dw);

	if (mdgpu_ring_space(&z->g) < (n + 1) * 4)
		mdgpu_ring_reset(&z->g);
	if (mdgpu_ring_write(&z->g, dw, n, 0) == 0 && rnd(z) % 4)
		mdgpu_kick(&z->g);
}

static void op_regs(struct fuzzer *z)
{
	uint64_t v = ((uint64_t)rnd(z) << 32) | rnd(z);
	static const unsigned int sizes[] = { 1, 2, 3, 4, 8 };
	unsigned int size = sizes[rnd(z) % 5];
	uint64_t off;

	/* engine registers most often, then anywhere in BAR2 and past it */
	if (rnd(z) % 3)
		off = 0x900 + (rnd(z) % 0x48);
	else
		off = edgy(z, MDGPU_REGS_SIZE + 64);
	off += region_off(z, VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS);
	if (rnd(z) & 1) {
		if (pwrite(z->g.v.device, &v, size, off) < 0)
			z->failed_calls++;
	} else if (pread(z->g.v.device, &v, size, off) < 0) {
		z->failed_calls++;
	}
}

static void op_cfg(struct fuzzer *z)
{
	uint32_t v = rnd(z);
	unsigned int size = 1 << (rnd(z) % 3);
	uint64_t off = edgy(z, 4096);

	/* keep memory decoding on most of the time */
	if (off >= 4 && off < 6 && (rnd(z) % 8))
		return;
	off += region_off(z, VFIO_PCI_CONFIG_REGION_INDEX);
	if (rnd(z) & 1) {
		if (pwrite(z->g.v.device, &v, size, off) < 0)
			z->failed_calls++;
	} else if (pread(z->g.v.device, &v, size, off) < 0) {
		z->failed_calls++;
	}
}

static void op_bar0(struct fuzzer *z)
{
	static __thread uint8_t buf[65536];
	uint64_t off = edgy(z, z->g.vram_size + 8192);
	size_t len = 1 + rnd(z) % sizeof(buf);
	ssize_t r;

	if (rnd(z) & 1) {
		memset(buf, rnd(z), len);
		r = pwrite(z->g.v.device, buf, len, region_off(z, 0) + off);
	} else {
		r = pread(z->g.v.device, buf, len, region_off(z, 0) + off);
	}
	if (r < 0)
		z->failed_calls++;
}

static void op_mmap(struct fuzzer *z)
{
	size_t len = 4096 * (1 + rnd(z) % 64);
	uint64_t off = (edgy(z, z->g.vram_size) & ~4095ULL);
	volatile uint8_t *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, z->g.v.device,
		 region_off(z, 0) + off);
	if (p == MAP_FAILED) {
		z->failed_calls++;
		return;
	}
	p[0] = rnd(z);
	(void)p[len - 1];
	munmap((void *)p, len);
}

static void op_irqs(struct fuzzer *z)
{
	struct {
		struct vfio_irq_set s;
		int32_t fd[4];
	} a;
	unsigned int i;
	int efd = -1;

	memset(&a, 0, sizeof(a));
	a.s.argsz = rnd(z) % 8 ? sizeof(a) : rnd(z) % 64;
	a.s.index = rnd(z) % 7;
	a.s.flags = (1u << (rnd(z) % 3)) | (1u << (3 + rnd(z) % 3));
	if (!(rnd(z) % 8))
		a.s.flags = rnd(z);
	a.s.start = rnd(z) % 4 ? 0 : rnd(z);
	a.s.count = rnd(z) % 4;
	if (a.s.flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		for (i = 0; i < 4; i++)
			a.fd[i] = rnd(z) % 3 ? efd : -1;
	}
	if (ioctl(z->g.v.device, VFIO_DEVICE_SET_IRQS, &a))
		z->failed_calls++;
	if (efd >= 0)
		close(efd);
}

static void op_display(struct fuzzer *z)
{
	struct vfio_device_gfx_plane_info p;
	uint32_t id;
	int fd;

	switch (rnd(z) % 3) {
	case 0:
		/* DISPI index/data pairs, QEMU's extended registers */
		mdgpu_wr(&z->g, 0x500 + 2 * (rnd(z) % 16), rnd(z) % 5000);
		break;
	case 1:
		memset(&p, 0, sizeof(p));
		p.argsz = rnd(z) % 8 ? sizeof(p) : rnd(z) % 128;
		p.flags = rnd(z) % 4 ? (1u << (rnd(z) % 3)) : rnd(z);
		p.drm_plane_type = rnd(z) % 4;
		if (ioctl(z->g.v.device, VFIO_DEVICE_QUERY_GFX_PLANE, &p))
			z->failed_calls++;
		break;
	default:
		id = rnd(z) % 4;
		fd = ioctl(z->g.v.device, VFIO_DEVICE_GET_GFX_DMABUF, &id);
		if (fd >= 0)
			close(fd);
		else
			z->failed_calls++;
	}
}

static void op_info(struct fuzzer *z)
{
	struct vfio_region_info r = { .argsz = sizeof(r) };
	struct vfio_irq_info i = { .argsz = sizeof(i) };

	r.index = rnd(z) % 12;
	if (!(rnd(z) % 4))
		r.argsz = rnd(z) % 64;
	if (ioctl(z->g.v.device, VFIO_DEVICE_GET_REGION_INFO, &r))
		z->failed_calls++;
	i.index = rnd(z) % 8;
	if (ioctl(z->g.v.device, VFIO_DEVICE_GET_IRQ_INFO, &i))
		z->failed_calls++;
}

static void op_dma(struct fuzzer *z)
{
	if (z->dma_mapped) {
		if (mdgpu_dma_unmap(&z->g, DMA_IOVA, DMA_LEN))
			z->failed_calls++;
		z->dma_mapped = false;
	} else if (!mdgpu_dma_map(&z->g, z->dma, DMA_LEN, DMA_IOVA)) {
		z->dma_mapped = true;
	} else {
		z->failed_calls++;
	}
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *z = arg;
	unsigned int op;

	while (z->done < z->ops) {
		if (!z->open && !fuzz_open(z)) {
			z->reopen_errors++;
			break;
		}
		op = rnd(z) % 100;
		if (op < 30)
			op_ring(z);
		else if (op < 50)
			op_regs(z);
		else if (op < 60)
			op_cfg(z);
		else if (op < 70)
			op_bar0(z);
		else if (op < 75)
			op_mmap(z);
		else if (op < 82)
			op_irqs(z);
		else if (op < 90)
			op_display(z);
		else if (op < 94)
			op_info(z);
		else if (op < 97)
			op_dma(z);
		else if (op < 99)
			ioctl(z->g.v.device, VFIO_DEVICE_RESET);
		else
			fuzz_close(z);
		z->done++;
	}
	if (z->open)
		fuzz_close(z);
	return NULL;
}

FIXTURE(fz) {
	struct eng_fixture f;
};

FIXTURE_SETUP(fz)
{
	eng_setup(_metadata, &self->f, false);
}

FIXTURE_TEARDOWN_PARENT(fz)
{
	eng_teardown(_metadata, &self->f);
}

TEST_F_TIMEOUT(fz, random_sequences, 3600)
{
	const char *ops_env = getenv("MDGPU_FUZZ_OPS");
	const char *seed_env = getenv("MDGPU_FUZZ_SEED");
	unsigned long ops = ops_env ? strtoul(ops_env, NULL, 0) : 2500;
	uint32_t seed = seed_env ? strtoul(seed_env, NULL, 0) : 1;
	struct fuzzer z[FUZZ_THREADS];
	pthread_t t[FUZZ_THREADS];
	unsigned long total = 0, failed = 0;
	double t0 = eng_now();
	int i;

	memset(z, 0, sizeof(z));
	for (i = 0; i < FUZZ_THREADS; i++) {
		ASSERT_OK(mdgpu_create_tracked(&self->f.created, self->f.parent,
					       "64M", z[i].uuid));
		z[i].seed = seed * 7919 + i;
		z[i].ops = ops;
		z[i].g.v.device = -1;
		z[i].dma = mmap(NULL, DMA_LEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, z[i].dma);
	}
	for (i = 0; i < FUZZ_THREADS; i++)
		ASSERT_OK(pthread_create(&t[i], NULL, fuzz_thread, &z[i]));
	for (i = 0; i < FUZZ_THREADS; i++) {
		pthread_join(t[i], NULL);
		total += z[i].done;
		failed += z[i].failed_calls;
		EXPECT_EQ(0, z[i].reopen_errors)
			TH_LOG("thread %d could not open its vGPU again", i);
		EXPECT_EQ(ops, z[i].done);
	}
	TH_LOG("seed %u: %lu operations on %d vGPUs in %.1f s (%lu refused)",
	       seed, total, FUZZ_THREADS, eng_now() - t0, failed);

	/* Every instance is still removable, and each removal is complete. */
	for (i = 0; i < FUZZ_THREADS; i++)
		EXPECT_OK(mdgpu_remove_tracked(&self->f.created, z[i].uuid));
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
