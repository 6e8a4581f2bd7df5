// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu VRAM oversubscription on the simulated parent (vram_mb=256).
 *
 * - vram_ratio: 1000 by default; out-of-range values are refused; at 2000
 *   two 256M instances exist on 256 MiB of VRAM (vram_used 512 MiB) and
 *   available_instances follows; lowering below what the instances hold
 *   is refused (EBUSY) and changes nothing; once they are gone it works.
 * - Out of backing: with one instance holding ~240 MiB of written VRAM,
 *   the other's FILL past what is left puts exactly that instance's
 *   engine in its error state with ERR_CODE NOMEM, and a write through
 *   its BAR0 mapping to a page without backing gets SIGBUS, while the
 *   first instance goes on running commands and keeps its data; the
 *   parent never populates more than vram_total, and the failure is
 *   counted in vram_backing_failures.
 * - Zero pages are given back: once the first instance overwrote its
 *   data with zeroes, the next failure's reclaim pass frees those pages
 *   (vram_reclaimed, vram_populated), the zeroed range still reads zeroes
 *   and the other instance's FILL then succeeds.
 * - Zeroes written to VRAM without backing cost nothing.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "engine_common.h"

#define MiB		(1ULL << 20)
#define STEP		(4 * MiB)
/*
 * Waits for hundreds of MiB of FILL: minutes on a loaded TCG host with
 * KASAN. Only a hang takes this long; it is not a performance limit.
 */
#define OV_TIMEOUT_MS	600000

/* Wait until @g's engine finished everything queued, without error. */
#define OV_SYNC(g) do {							\
	struct mdgpu_error __e;						\
	int __r = mdgpu_wait_idle((g), OV_TIMEOUT_MS);			\
									\
	mdgpu_error((g), &__e);						\
	ASSERT_EQ(0, __r) TH_LOG("wait: %d; ERR_CODE %u (%s)", __r,	\
				 __e.code, mdgpu_err_name(__e.code));	\
} while (0)

static uint64_t parent_attr(const char *parent, const char *attr)
{
	uint64_t v;

	return mdgpu_parent_u64(parent, attr, &v) ? UINT64_MAX : v;
}

static int parent_write(const char *parent, const char *attr,
			const char *val);

static int set_ratio(const char *parent, const char *val)
{
	return parent_write(parent, "vram_ratio", val);
}

/* Create an instance of @type and open it with the standard ring. */
static bool ov_open(struct __test_metadata *_metadata, struct eng_fixture *f,
		    struct eng_vgpu *v, bool *attached, const char *type)
{
	int ret;

	ASSERT_OK(mdgpu_create_tracked(&f->created, f->parent, type,
				       v->uuid)) {
		return false;
	}
	ret = mdgpu_attach(&v->g, v->uuid, MDGPU_OPEN_GROUP);
	*attached = true;	/* mdgpu_detach() undoes even a failure */
	EXPECT_OK(ret) TH_LOG("mdgpu_attach(%s)", v->uuid);
	if (ret)
		return false;
	ret = mdgpu_irq_setup(&v->g, MDGPU_IRQ_NONE);
	EXPECT_OK(ret);
	if (ret)
		return false;
	ret = mdgpu_ring_init(&v->g, ENG_RING, ENG_RING_SIZE);
	EXPECT_OK(ret);
	return !ret;
}

/* FILL [@off, @off + @len) with @val, in STEP commands. */
static int ov_fill(struct mdgpu *g, uint64_t off, uint64_t len, uint32_t val)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint64_t o;
	int ret;

	for (o = off; o < off + len; o += STEP) {
		uint64_t n = off + len - o < STEP ? off + len - o : STEP;

		mdgpu_cmd_fill(dw, o, MiB, n / MiB, MiB, val);
		ret = mdgpu_submit(g, dw, MDGPU_FILL_NDW, OV_TIMEOUT_MS);
		if (ret)
			return ret;
	}
	return 0;
}

/* Whether every byte of [@off, @off + @len) at 1 MiB steps + 4K is @b. */
static bool ov_check(struct mdgpu *g, uint64_t off, uint64_t len, uint8_t b)
{
	uint64_t o;

	for (o = off; o < off + len; o += MiB)
		if (g->vram[o] != b || g->vram[o + 4096 + 17] != b ||
		    g->vram[o + MiB - 1] != b)
			return false;
	return true;
}

FIXTURE(ov) {
	struct eng_fixture f;
	struct eng_vgpu a, b;
	bool attached_a, attached_b;
	uint64_t total;
	char watchdog[32];
};

static int parent_write(const char *parent, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", mdgpu_parent_base(parent),
		 parent, attr);
	return mdgpu_write_file(path, val);
}

FIXTURE_SETUP(ov)
{
	eng_setup(_metadata, &self->f, false);
	self->total = parent_attr(self->f.parent, "vram_total");
	ASSERT_EQ(256 * MiB, self->total)
		TH_LOG("run with vram_mb=256");
	ASSERT_EQ(1000, parent_attr(self->f.parent, "vram_ratio"));
	/*
	 * Hundreds of MiB of FILL on TCG, under load or KASAN: no per-job
	 * limit (the watchdog is not what this tests).
	 */
	ASSERT_NE(UINT64_MAX, parent_attr(self->f.parent, "watchdog_ms"));
	snprintf(self->watchdog, sizeof(self->watchdog), "%llu",
		 (unsigned long long)parent_attr(self->f.parent, "watchdog_ms"));
	ASSERT_OK(parent_write(self->f.parent, "watchdog_ms", "0"));
}

FIXTURE_TEARDOWN_PARENT(ov)
{
	if (self->attached_a)
		mdgpu_detach(&self->a.g);
	if (self->attached_b)
		mdgpu_detach(&self->b.g);
	mdgpu_teardown_begin();
	EXPECT_OK(mdgpu_remove_all(&self->f.created));
	EXPECT_OK(set_ratio(self->f.parent, "1000"));
	EXPECT_OK(parent_write(self->f.parent, "watchdog_ms", self->watchdog));
	mdgpu_expect_state(_metadata, self->f.parent, &self->f.base);
}

/* Promise beyond the VRAM, and the ratio's limits. */
TEST_F(ov, ratio_promise_and_lowering)
{
	const char *p = self->f.parent;
	char u[2][MDGPU_UUID_LEN + 1];

	EXPECT_EQ(1, mdgpu_type_available(p, "256M"));
	EXPECT_EQ(-ERANGE, set_ratio(p, "999"));
	EXPECT_EQ(-ERANGE, set_ratio(p, "3001"));
	EXPECT_EQ(-EINVAL, set_ratio(p, "1.5"));
	EXPECT_EQ(-EINVAL, set_ratio(p, "-2000"));
	EXPECT_EQ(1000, parent_attr(p, "vram_ratio"));

	ASSERT_OK(set_ratio(p, "2000"));
	EXPECT_EQ(2000, parent_attr(p, "vram_ratio"));
	EXPECT_EQ(2, mdgpu_type_available(p, "256M"));
	EXPECT_EQ(8, mdgpu_type_available(p, "64M"));
	ASSERT_OK(mdgpu_create_tracked(&self->f.created, p, "256M", u[0]));
	ASSERT_OK(mdgpu_create_tracked(&self->f.created, p, "256M", u[1]));
	EXPECT_EQ(512 * MiB, parent_attr(p, "vram_used"))
		TH_LOG("twice the VRAM is promised");
	EXPECT_EQ(0, mdgpu_type_available(p, "64M"));
	EXPECT_NE(0, mdgpu_create(p, "64M", u[0]));

	/* Lowering below what exists: refused, nothing changes. */
	EXPECT_EQ(-EBUSY, set_ratio(p, "1000"));
	EXPECT_EQ(-EBUSY, set_ratio(p, "1500"));
	EXPECT_EQ(2000, parent_attr(p, "vram_ratio"));
	EXPECT_EQ(512 * MiB, parent_attr(p, "vram_used"));
	/* Raising is live. */
	ASSERT_OK(set_ratio(p, "3000"));
	EXPECT_EQ(4, mdgpu_type_available(p, "64M"));
	ASSERT_OK(set_ratio(p, "2000"));
	EXPECT_EQ(0, mdgpu_type_available(p, "64M"));

	/* The instance past the VRAM gone, lowering works. */
	ASSERT_OK(mdgpu_remove_tracked(&self->f.created, u[1]));
	ASSERT_OK(set_ratio(p, "1000"));
	EXPECT_EQ(0, mdgpu_type_available(p, "256M"));
	eng_check_kmsg(_metadata, &self->f);
}

/* Zeroes written where there is no backing allocate nothing. */
TEST_F(ov, zeroes_cost_nothing)
{
	struct mdgpu *g = &self->a.g;
	uint64_t p0;
	uint8_t *zero;

	ASSERT_TRUE(ov_open(_metadata, &self->f, &self->a, &self->attached_a,
			    "64M"));
	OV_SYNC(g);
	p0 = parent_attr(self->f.parent, "vram_populated");
	ASSERT_OK(ov_fill(g, 0, 32 * MiB, 0));
	OV_SYNC(g);
	zero = calloc(1, MiB);
	ASSERT_NE(NULL, zero);
	ASSERT_EQ((ssize_t)MiB,
		  mdgpu_region_write(g->v.device, VFIO_PCI_BAR0_REGION_INDEX,
				     40 * MiB, zero, MiB));
	free(zero);
	EXPECT_EQ(p0, parent_attr(self->f.parent, "vram_populated"))
		TH_LOG("zeroes written to unbacked VRAM allocated memory");
	ASSERT_OK(ov_fill(g, 0, 16 * MiB, 0x01010101));
	OV_SYNC(g);
	EXPECT_EQ(p0 + 16 * MiB, parent_attr(self->f.parent,
					     "vram_populated"));
	EXPECT_TRUE(ov_check(g, 0, 16 * MiB, 1));
	EXPECT_TRUE(ov_check(g, 16 * MiB, 16 * MiB, 0));
	eng_check_kmsg(_metadata, &self->f);
}

static sigjmp_buf ov_jmp;

static void ov_sigbus(int sig)
{
	siglongjmp(ov_jmp, sig);
}

/* Write @off of @g's mapping; return the signal it got, or 0. */
static int ov_poke(struct mdgpu *g, uint64_t off)
{
	struct sigaction sa = { .sa_handler = ov_sigbus }, old;
	volatile int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	sig = sigsetjmp(ov_jmp, 1);
	if (!sig)
		g->vram[off] = 0x5a;
	sigaction(SIGBUS, &old, NULL);
	return sig;
}

/*
 * B overruns the backing: only B fails, A works on; zero pages of A are
 * given back and B then succeeds.
 */
TEST_F(ov, overrun_fails_only_the_overrunner)
{
	const char *p = self->f.parent;
	struct mdgpu *a = &self->a.g, *b = &self->b.g;
	uint64_t fail0, recl0, pop;
	struct mdgpu_error e;
	int tries, ret;

	ASSERT_OK(set_ratio(p, "2000"));
	ASSERT_TRUE(ov_open(_metadata, &self->f, &self->a, &self->attached_a,
			    "256M"));
	ASSERT_TRUE(ov_open(_metadata, &self->f, &self->b, &self->attached_b,
			    "256M"));
	OV_SYNC(a);
	OV_SYNC(b);
	fail0 = parent_attr(p, "vram_backing_failures");
	recl0 = parent_attr(p, "vram_reclaimed");

	/* A writes 240 MiB: its work area and everything past its ring. */
	ASSERT_OK(ov_fill(a, 0, ENG_WORK_SIZE, 0xa5a5a5a5));
	ASSERT_OK(ov_fill(a, 64 * MiB, 192 * MiB, 0x3c3c3c3c));
	OV_SYNC(a);
	EXPECT_EQ(fail0, parent_attr(p, "vram_backing_failures"));

	/* B wants 32 MiB; about 16 are left. */
	ASSERT_OK(ov_fill(b, 0, 32 * MiB, 0x77777777));
	/* -EIO: the engine stopped on an error before the FILLs were done */
	EXPECT_EQ(-EIO, mdgpu_wait_idle(b, OV_TIMEOUT_MS));
	mdgpu_error(b, &e);
	EXPECT_EQ(MDGPU_ERR_NOMEM, e.code)
		TH_LOG("B: ERR_CODE %u (%s)", e.code, mdgpu_err_name(e.code));
	pop = parent_attr(p, "vram_populated");
	EXPECT_LE(pop, self->total) TH_LOG("populated %llu",
					   (unsigned long long)pop);
	EXPECT_LT(fail0, parent_attr(p, "vram_backing_failures"));
	/* A mapping's write to an unbacked page: SIGBUS for B alone. */
	EXPECT_EQ(SIGBUS, ov_poke(b, 200 * MiB));
	EXPECT_LE(parent_attr(p, "vram_populated"), self->total);

	/* A goes on: commands run, its data is intact. */
	mdgpu_error(a, &e);
	EXPECT_EQ(MDGPU_ERR_NONE, e.code);
	ASSERT_OK(ov_fill(a, 0, MiB, 0x11111111));
	OV_SYNC(a);
	EXPECT_TRUE(ov_check(a, 0, MiB, 0x11));
	EXPECT_TRUE(ov_check(a, MiB, ENG_WORK_SIZE - MiB, 0xa5));
	EXPECT_TRUE(ov_check(a, 64 * MiB, 192 * MiB, 0x3c));
	EXPECT_EQ(0, ov_poke(a, 100 * MiB));
	EXPECT_EQ(0x5a, a->vram[100 * MiB]);

	/* A clears what it wrote past its ring: those pages cost nothing. */
	ASSERT_OK(ov_fill(a, 64 * MiB, 192 * MiB, 0));
	OV_SYNC(a);
	for (tries = 0; tries < 3; tries++) {
		uint64_t r = parent_attr(p, "vram_reclaimed");
		int ms;

		ASSERT_OK(ioctl(b->v.device, VFIO_DEVICE_RESET));
		ASSERT_OK(mdgpu_ring_init(b, ENG_RING, ENG_RING_SIZE));
		ASSERT_OK(ov_fill(b, 0, 32 * MiB, 0x77777777));
		ret = mdgpu_wait_idle(b, OV_TIMEOUT_MS);
		if (!ret && mdgpu_error(b, &e) == MDGPU_ERR_NONE)
			break;
		/* It ran short again: the reclaim pass it queued runs. */
		for (ms = 0; ms < ENG_TIMEOUT_MS &&
		     parent_attr(p, "vram_reclaimed") == r; ms += 50)
			usleep(50 * 1000);
	}
	ASSERT_GT(3, tries) TH_LOG("B never got its memory back");
	EXPECT_TRUE(ov_check(b, 0, 32 * MiB, 0x77));
	EXPECT_LE(recl0 + 150 * MiB, parent_attr(p, "vram_reclaimed"))
		TH_LOG("zero pages given back: %llu bytes",
		       (unsigned long long)(parent_attr(p, "vram_reclaimed") -
					    recl0));
	EXPECT_TRUE(ov_check(a, 64 * MiB, 192 * MiB, 0));
	EXPECT_TRUE(ov_check(a, MiB, ENG_WORK_SIZE - MiB, 0xa5));
	EXPECT_LE(parent_attr(p, "vram_populated"), self->total);
	mdgpu_error(a, &e);
	EXPECT_EQ(MDGPU_ERR_NONE, e.code);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
