/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared parts of the engine selftests (engine_cmds, engine_errors,
 * engine_lifecycle): instances opened through libmdgpu, a standard VRAM
 * layout, deterministic test data and a kernel log check. Included once per
 * program, after mdgpu_harness.h.
 */
#ifndef MDGPU_ENGINE_COMMON_H
#define MDGPU_ENGINE_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "libmdgpu.h"
#include "mdgpu_harness.h"

/*
 * VRAM layout of the tests (every instance is at least 64 MiB):
 *   [0, 48 MiB)             work area: commands' sources and destinations
 *   [56 MiB, 56 MiB + 4K)   fence and timestamp slots
 *   [60 MiB, 60 MiB + ring) the ring
 */
#define ENG_WORK		0ULL
#define ENG_WORK_SIZE		(48ULL << 20)
#define ENG_SLOTS		(56ULL << 20)
#define ENG_RING		(60ULL << 20)
#define ENG_RING_SIZE		0x10000u

/* Generous for TCG and the KASAN kernel; a working engine needs far less. */
#define ENG_TIMEOUT_MS		20000

/**
 * struct eng_vgpu - one instance opened through libmdgpu
 * @uuid: the instance
 * @g: libmdgpu's state (valid in the test process only)
 */
struct eng_vgpu {
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu g;
};

/**
 * struct eng_fixture - fixture part shared by the engine tests
 * @created: instances to remove at teardown
 * @parent: the parent they are on
 * @base: the parent's state before the test
 * @cdev: open through the cdev/iommufd path
 * @kmsg: /dev/kmsg, positioned at the end when the test started, or -1
 */
struct eng_fixture {
	struct mdgpu_uuid_list created;
	char parent[MDGPU_NAME_LEN];
	struct mdgpu_parent_state base;
	bool cdev;
	int kmsg;
};

static inline double eng_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift32: the same data on every run, different per seed. */
static inline uint32_t eng_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static inline void eng_random_bytes(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = eng_rand(&seed) >> 24;
}

/* Copy between VRAM (through BAR0) and plain memory, bytewise volatile. */
static inline void eng_vram_read(struct mdgpu *g, uint64_t off, void *dst,
				 size_t len)
{
	memcpy(dst, (const void *)(g->vram + off), len);
}

static inline void eng_vram_write(struct mdgpu *g, uint64_t off,
				  const void *src, size_t len)
{
	memcpy((void *)(g->vram + off), src, len);
}

/* Offset of the first byte where @a and @b differ, or -1. */
static inline long eng_first_diff(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	size_t i;

	if (!memcmp(a, b, len))
		return -1;
	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

/* Fixture setup common part: find the parent, note its state and kmsg. */
static inline void eng_setup(struct __test_metadata *_metadata,
			     struct eng_fixture *f, bool cdev)
{
	f->cdev = cdev;
	f->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->kmsg >= 0)
		lseek(f->kmsg, 0, SEEK_END);
	mdgpu_first_parent(_metadata, f->parent);
	ASSERT_OK(mdgpu_parent_state(f->parent, &f->base));
	ASSERT_EQ(0, f->base.instances)
		TH_LOG("instances left behind by an earlier test");
}

/*
 * Create a 64M instance and open it through libmdgpu with @irq, with the
 * standard ring in place. SKIPs when the cdev path is asked for and the
 * kernel has none.
 */
static inline bool eng_open(struct __test_metadata *_metadata,
			    struct eng_fixture *f, struct eng_vgpu *v,
			    enum mdgpu_irq_mode irq)
{
	int ret;

	if (f->cdev && getenv("MDGPU_PARENT") && *getenv("MDGPU_PARENT"))
		SKIP(return false, MDGPU_CDEV_ON_SIM0);
	ASSERT_OK(mdgpu_create_tracked(&f->created, f->parent, "64M",
				       v->uuid)) {
		return false;
	}
	if (f->cdev && !mdgpu_vfio_cdev_available(v->uuid)) {
		/* Teardown does not run after a setup that skipped. */
		mdgpu_remove_all(&f->created);
		SKIP(return false, "kernel %s has no VFIO cdev/iommufd",
		     getenv("MDGPU_KERNEL_RELEASE") ?: "");
	}
	ret = mdgpu_attach(&v->g, v->uuid, f->cdev ? MDGPU_OPEN_CDEV :
			 MDGPU_OPEN_GROUP);
	EXPECT_OK(ret) TH_LOG("mdgpu_attach(%s, %s)", v->uuid,
			      f->cdev ? "cdev" : "group");
	if (ret)
		return false;
	EXPECT_EQ(64 * SZ_1M, v->g.vram_size);
	ret = mdgpu_irq_setup(&v->g, irq);
	EXPECT_OK(ret) TH_LOG("mdgpu_irq_setup(%d)", irq);
	if (ret)
		return false;
	ret = mdgpu_ring_init(&v->g, ENG_RING, ENG_RING_SIZE);
	EXPECT_OK(ret);
	if (ret)
		return false;
	EXPECT_EQ(MDGPU_ENGINE_ENABLED, mdgpu_rd(&v->g, MDGPU_REG_ENGINE_STATUS))
		TH_LOG("a new, enabled ring is idle without error");
	return !ret;
}

/*
 * Fail if the kernel logged a warning, a BUG, a sanitizer report or a hung
 * task since eng_setup().
 */
static inline void eng_check_kmsg(struct __test_metadata *_metadata,
				  struct eng_fixture *f)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "KASAN", "UBSAN", "kmemleak",
		"INFO: task", "lockdep", "possible circular", "Call Trace",
	};
	char rec[2048];
	ssize_t n;
	size_t i;

	if (f->kmsg < 0)
		return;
	for (;;) {
		n = read(f->kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			EXPECT_EQ(NULL, strstr(rec, bad[i]))
				TH_LOG("kernel log: %s", rec);
	}
	close(f->kmsg);
	f->kmsg = -1;
}

/* Fixture teardown: remove every instance, check the parent is as before. */
static inline void eng_teardown(struct __test_metadata *_metadata,
				struct eng_fixture *f)
{
	mdgpu_teardown_begin();
	EXPECT_OK(mdgpu_remove_all(&f->created));
	mdgpu_expect_state(_metadata, f->parent, &f->base);
}

/* Submit a command or fail the test. */
#define ENG_SUBMIT(g, dw, ndw) \
	ASSERT_OK(mdgpu_submit((g), (dw), (ndw), ENG_TIMEOUT_MS))

/* Submit an IRQ fence, wait for it, and check the engine is healthy. */
#define ENG_SYNC(g) do {						\
	struct mdgpu_error __e;						\
	int __r = mdgpu_wait_idle((g), ENG_TIMEOUT_MS);			\
									\
	mdgpu_error((g), &__e);						\
	ASSERT_EQ(0, __r) TH_LOG("wait: %d; ERR_CODE %u (%s) head 0x%x" \
				 " header 0x%08x status 0x%x", __r,	\
				 __e.code, mdgpu_err_name(__e.code),	\
				 __e.head, __e.header, __e.status);	\
} while (0)

#endif /* MDGPU_ENGINE_COMMON_H */
