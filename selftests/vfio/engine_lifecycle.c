// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu engine lifecycle: VFIO_DEVICE_RESET, RING_CTRL.RESET, close,
 * instance removal and DMA unmapping while the ring is busy with long
 * COMPUTE or DMA commands all return promptly, stop the work that was
 * queued, leave the registers as specified and the kernel log clean, and
 * the vGPU (or a new one) works afterwards.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "engine_common.h"

/* Seconds a stop of a busy engine may take, even on the KASAN kernel. */
#define PROMPT_S	3.0
/* Queued work: 20 COMPUTE commands of 200 ms, then a fence. */
#define BUSY_CMDS	20
#define BUSY_US		200000

FIXTURE(life) {
	struct eng_fixture f;
	struct eng_vgpu a;
};

FIXTURE_SETUP(life)
{
	eng_setup(_metadata, &self->f, false);
	eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI);
}

FIXTURE_TEARDOWN_PARENT(life)
{
	eng_teardown(_metadata, &self->f);
}

/* Queue seconds of work and wait until the engine runs it. */
static void make_busy(struct __test_metadata *_metadata, struct mdgpu *g,
		      uint32_t *seq)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	double t0 = eng_now();
	int i;

	for (i = 0; i < BUSY_CMDS; i++) {
		mdgpu_cmd_compute(dw, BUSY_US);
		ASSERT_OK(mdgpu_ring_write(g, dw, MDGPU_COMPUTE_NDW,
					   ENG_TIMEOUT_MS));
	}
	*seq = g->seq + 1;
	ASSERT_EQ(*seq, mdgpu_fence(g, MDGPU_FENCE_IRQ | MDGPU_FENCE_WRITE,
				    ENG_SLOTS));
	while (!(mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_BUSY))
		ASSERT_GT(5.0, eng_now() - t0) TH_LOG("the engine never got busy");
	ASSERT_FALSE(mdgpu_fence_done(g, *seq));
}

static void check_engine_regs_zero(struct __test_metadata *_metadata,
				   struct mdgpu *g)
{
	static const uint32_t regs[] = {
		MDGPU_REG_RING_BASE_LO, MDGPU_REG_RING_BASE_HI,
		MDGPU_REG_RING_SIZE, MDGPU_REG_RING_HEAD, MDGPU_REG_RING_TAIL,
		MDGPU_REG_RING_CTRL, MDGPU_REG_ENGINE_STATUS,
		MDGPU_REG_FENCE_LAST, MDGPU_REG_ERR_CODE, MDGPU_REG_ERR_HEAD,
		MDGPU_REG_ERR_HEADER, MDGPU_REG_IRQ_STATUS, MDGPU_REG_IRQ_MASK,
		MDGPU_REG_CMDS_DONE,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(regs); i++)
		EXPECT_EQ(0, mdgpu_rd(g, regs[i]))
			TH_LOG("register 0x%x after reset", regs[i]);
}

/*
 * After a stop: the vGPU runs new work. The FILL goes to VRAM no test here
 * writes otherwise (unmap_during_dma's DMAs cover the first 32 MiB), so the
 * word after it must still read zero.
 */
#define WORKS_AT	(40u << 20)

static void check_works(struct __test_metadata *_metadata, struct mdgpu *g)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];

	mdgpu_cmd_fill(dw, WORKS_AT + 0x1000, 4096, 2, 4096, 0x600dc0de);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	EXPECT_EQ(0x600dc0de,
		  *(volatile uint32_t *)(g->vram + WORKS_AT + 0x1000));
	EXPECT_EQ(0x600dc0de,
		  *(volatile uint32_t *)(g->vram + WORKS_AT + 0x2ffc));
	EXPECT_EQ(0, *(volatile uint32_t *)(g->vram + WORKS_AT + 0x3000));
}

TEST_F(life, device_reset_busy)
{
	struct mdgpu *g = &self->a.g;
	uint32_t seq, resets;
	double t0, took;

	resets = mdgpu_rd(g, MDGPU_REG_RESET_COUNT);
	make_busy(_metadata, g, &seq);
	t0 = eng_now();
	ASSERT_OK(ioctl(g->v.device, VFIO_DEVICE_RESET));
	took = eng_now() - t0;
	EXPECT_GT(PROMPT_S, took) TH_LOG("reset of a busy engine took %.2f s",
					 took);
	check_engine_regs_zero(_metadata, g);
	EXPECT_EQ(resets + 1, mdgpu_rd(g, MDGPU_REG_RESET_COUNT));
	/* nothing of the old ring runs later */
	usleep(300000);
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_FENCE_LAST));
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS));
	EXPECT_EQ(0, *(volatile uint32_t *)(g->vram + ENG_SLOTS));
	/* as a driver does after a reset */
	ASSERT_OK(mdgpu_device_reset(g));
	check_works(_metadata, g);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(life, ring_reset_busy)
{
	struct mdgpu *g = &self->a.g;
	uint32_t seq, before;
	double t0, took;

	before = mdgpu_rd(g, MDGPU_REG_FENCE_LAST);
	make_busy(_metadata, g, &seq);
	t0 = eng_now();
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_RING_CTRL, MDGPU_RING_CTRL_RESET));
	/* RESET stops the ring: it is disabled and idle at once */
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS));
	took = eng_now() - t0;
	EXPECT_GT(PROMPT_S, took) TH_LOG("ring reset took %.2f s", took);
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_RING_HEAD));
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_RING_TAIL));
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_RING_CTRL));
	usleep(300000);
	EXPECT_EQ(before, mdgpu_rd(g, MDGPU_REG_FENCE_LAST));
	/* the placement stays; enabling again runs only new work */
	EXPECT_EQ((uint32_t)ENG_RING, mdgpu_rd(g, MDGPU_REG_RING_BASE_LO));
	EXPECT_EQ(ENG_RING_SIZE, mdgpu_rd(g, MDGPU_REG_RING_SIZE));
	ASSERT_OK(mdgpu_ring_reset(g));
	check_works(_metadata, g);
	EXPECT_NE(seq, *(volatile uint32_t *)(g->vram + ENG_SLOTS));
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(life, close_busy)
{
	struct mdgpu *g = &self->a.g;
	double t0, took;
	uint32_t seq;

	make_busy(_metadata, g, &seq);
	t0 = eng_now();
	mdgpu_detach(g);
	took = eng_now() - t0;
	EXPECT_GT(PROMPT_S, took) TH_LOG("close took %.2f s", took);

	/* a new user finds the engine stopped and can use it */
	ASSERT_OK(mdgpu_attach(g, self->a.uuid, MDGPU_OPEN_GROUP));
	usleep(300000);
	EXPECT_EQ(0, mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_BUSY);
	EXPECT_NE(seq, *(volatile uint32_t *)(g->vram + ENG_SLOTS))
		TH_LOG("the fence after the work ran after close");
	ASSERT_OK(mdgpu_irq_setup(g, MDGPU_IRQ_INTX));
	ASSERT_OK(mdgpu_ring_init(g, ENG_RING, ENG_RING_SIZE));
	check_works(_metadata, g);
	eng_check_kmsg(_metadata, &self->f);
}

struct remove_arg {
	const char *uuid;
	int ret;
	double done;
};

static void *remove_thread(void *p)
{
	struct remove_arg *a = p;

	char path[PATH_MAX];

	/*
	 * Not mdgpu_remove(): its child process would inherit our open
	 * device file and so hold up the removal itself. The fixture's
	 * teardown skips instances that are gone.
	 */
	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/remove", a->uuid);
	a->ret = mdgpu_write_file(path, "1");
	a->done = eng_now();
	return NULL;
}

/*
 * Removing a busy, open instance: the user gets the request interrupt,
 * closes the device as QEMU would, and the removal finishes promptly.
 */
TEST_F(life, remove_busy)
{
	struct remove_arg ra = { .uuid = self->a.uuid };
	struct mdgpu *g = &self->a.g;
	struct pollfd p;
	struct {
		struct vfio_irq_set hdr;
		int32_t fd;
	} set;
	double t0;
	pthread_t t;
	uint32_t seq;
	int req;

	req = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, req);
	memset(&set, 0, sizeof(set));
	set.hdr.argsz = sizeof(set);
	set.hdr.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.hdr.index = VFIO_PCI_REQ_IRQ_INDEX;
	set.hdr.count = 1;
	set.fd = req;
	ASSERT_OK(ioctl(g->v.device, VFIO_DEVICE_SET_IRQS, &set));

	make_busy(_metadata, g, &seq);
	ASSERT_OK(pthread_create(&t, NULL, remove_thread, &ra));
	p = (struct pollfd){ .fd = req, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, ENG_TIMEOUT_MS))
		TH_LOG("no request interrupt");
	t0 = eng_now();
	mdgpu_detach(g);
	pthread_join(t, NULL);
	EXPECT_OK(ra.ret);
	EXPECT_GT(PROMPT_S, ra.done - t0)
		TH_LOG("remove finished %.2f s after close", ra.done - t0);
	EXPECT_FALSE(mdgpu_instance_exists(self->a.uuid));
	close(req);

	/* the parent's engine serves a new instance */
	ASSERT_TRUE(eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI));
	check_works(_metadata, &self->a.g);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * Unmapping a buffer the engine is reading from: the unmap returns
 * promptly, and the ring either finished before it or stops with
 * MDGPU_ERR_DMA; it never reads the memory after the unmap.
 */
TEST_F(life, unmap_during_dma)
{
	const size_t len = 4 << 20;
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu_dma b;
	double t0, took;
	int i, ret, code;

	ASSERT_OK(mdgpu_dma_alloc(g, len, &b));
	memset(b.va, 0x3c, len);
	for (i = 0; i < 24; i++) {
		mdgpu_cmd_dma(dw, b.iova, (i % 8) * len, len, i & 1);
		ASSERT_OK(mdgpu_ring_write(g, dw, MDGPU_DMA_NDW,
					   ENG_TIMEOUT_MS));
	}
	ASSERT_LT(0, mdgpu_fence(g, MDGPU_FENCE_IRQ, 0));
	while (!(mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_BUSY))
		;
	t0 = eng_now();
	ASSERT_OK(mdgpu_dma_unmap(g, b.iova, len));
	took = eng_now() - t0;
	EXPECT_GT(PROMPT_S, took) TH_LOG("unmap took %.2f s", took);

	ret = mdgpu_wait_fence(g, g->seq, ENG_TIMEOUT_MS);
	code = mdgpu_rd(g, MDGPU_REG_ERR_CODE);
	if (ret) {
		EXPECT_EQ(-EIO, ret);
		EXPECT_EQ(MDGPU_ERR_DMA, code) TH_LOG("ERR_CODE %d (%s)", code,
						      mdgpu_err_name(code));
		ASSERT_OK(mdgpu_ring_reset(g));
	} else {
		TH_LOG("the DMAs finished before the unmap");
		EXPECT_EQ(MDGPU_ERR_NONE, code);
	}
	munmap(b.va, len);
	check_works(_metadata, g);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
