// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu stress: many instances and threads doing the operations that race
 * in the module, for a given number of cycles.
 *
 *  - lifecycle: each thread creates a vGPU, opens it, gives it busy work
 *    (FILLs, COMPUTEs, DMAs both ways), and then resets it, resets its
 *    ring, unmaps its DMA buffer, closes it or removes it while that work
 *    runs, and starts over;
 *  - tunables: while vGPUs run, a thread switches the scheduling policy and
 *    changes the time slice, watchdog and every vGPU's weight, minimum
 *    share, cap and priority; afterwards every vGPU finishes a fence;
 *  - many busy: 32 vGPUs run work at once and all finish.
 *
 * MDGPU_STRESS_THREADS (default 4) and MDGPU_STRESS_CYCLES (default 25)
 * size the lifecycle test; MDGPU_STRESS_ROUNDS (default 200) the tunables
 * test. The checks: every step succeeds or fails with an errno, nothing
 * hangs, the kernel log stays clean, and the parent's VRAM and instance
 * counts return to where they were.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "engine_common.h"

#define MAX_THREADS	16
#define DMA_LEN		(1024 * 1024)
#define DMA_IOVA	(1ULL << 30)

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s ? strtoul(s, NULL, 0) : def;
}

struct worker {
	const char *parent;
	unsigned int index;
	unsigned long cycles;
	unsigned long done;
	uint32_t seed;
	int failures;
	char what[160];
};

/* Fill the ring with seconds of mixed work. */
static int make_busy(struct mdgpu *g, uint32_t *seed)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	int i, ret = 0;

	for (i = 0; i < 24 && !ret; i++) {
		switch (eng_rand(seed) % 4) {
		case 0:
			mdgpu_cmd_fill(dw, (eng_rand(seed) % 32) << 20, 4096,
				       256, 4096, eng_rand(seed));
			ret = mdgpu_ring_write(g, dw, MDGPU_FILL_NDW, 5000);
			break;
		case 1:
			mdgpu_cmd_compute(dw, 20000);
			ret = mdgpu_ring_write(g, dw, MDGPU_COMPUTE_NDW, 5000);
			break;
		default:
			mdgpu_cmd_dma(dw, DMA_IOVA, (eng_rand(seed) % 32) << 20,
				      DMA_LEN, eng_rand(seed) & 1);
			ret = mdgpu_ring_write(g, dw, MDGPU_DMA_NDW, 5000);
		}
	}
	return ret ?: mdgpu_kick(g);
}

/* Progress of a long run, so one stopped early still tells its count. */
static void progress(struct worker *w, double t0)
{
	if (w->done && !(w->done % 100))
		ksft_print_msg("thread %u: %lu cycles in %.0f s\n", w->index,
			       w->done, eng_now() - t0);
}

static void *lifecycle_thread(void *arg)
{
	struct worker *w = arg;
	char uuid[MDGPU_UUID_LEN + 1];
	double t0 = eng_now();
	struct mdgpu g;
	void *dma;
	int ret;

	dma = mmap(NULL, DMA_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (dma == MAP_FAILED) {
		w->failures++;
		return NULL;
	}
	for (; w->done < w->cycles; w->done++) {
		progress(w, t0);
		if (mdgpu_new_uuid(uuid) || mdgpu_create(w->parent, "64M", uuid)) {
			snprintf(w->what, sizeof(w->what), "create, cycle %lu",
				 w->done);
			w->failures++;
			break;
		}
		ret = mdgpu_attach(&g, uuid, MDGPU_OPEN_GROUP);
		ret = ret ?: mdgpu_irq_setup(&g, eng_rand(&w->seed) & 1 ?
					     MDGPU_IRQ_MSI : MDGPU_IRQ_INTX);
		ret = ret ?: mdgpu_ring_init(&g, ENG_RING, ENG_RING_SIZE);
		ret = ret ?: mdgpu_dma_map(&g, dma, DMA_LEN, DMA_IOVA);
		ret = ret ?: make_busy(&g, &w->seed);
		if (ret) {
			snprintf(w->what, sizeof(w->what),
				 "open and submit, cycle %lu: %d", w->done, ret);
			w->failures++;
		}
		usleep(eng_rand(&w->seed) % 50000);
		switch (eng_rand(&w->seed) % 4) {
		case 0:
			ioctl(g.v.device, VFIO_DEVICE_RESET);
			break;
		case 1:
			mdgpu_ring_reset(&g);
			break;
		case 2:
			mdgpu_dma_unmap(&g, DMA_IOVA, DMA_LEN);
			break;
		default:
			break;
		}
		usleep(eng_rand(&w->seed) % 20000);
		mdgpu_detach(&g);
		if (mdgpu_remove(uuid)) {
			snprintf(w->what, sizeof(w->what), "remove, cycle %lu",
				 w->done);
			w->failures++;
			break;
		}
	}
	munmap(dma, DMA_LEN);
	return NULL;
}


FIXTURE(st) {
	struct eng_fixture f;
	struct eng_vgpu v[32];
};

FIXTURE_SETUP(st)
{
	eng_setup(_metadata, &self->f, false);
}

FIXTURE_TEARDOWN_PARENT(st)
{
	eng_teardown(_metadata, &self->f);
}

TEST_F_TIMEOUT(st, lifecycle_under_load, 7200)
{
	unsigned long threads = env_ul("MDGPU_STRESS_THREADS", 4);
	unsigned long cycles = env_ul("MDGPU_STRESS_CYCLES", 25);
	struct worker w[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	unsigned long total = 0;
	double t0 = eng_now();
	unsigned long i;

	ASSERT_GE(MAX_THREADS, threads);
	memset(w, 0, sizeof(w));
	for (i = 0; i < threads; i++) {
		w[i].parent = self->f.parent;
		w[i].index = i;
		w[i].cycles = cycles;
		w[i].seed = 0x5eed + i;
		ASSERT_OK(pthread_create(&t[i], NULL, lifecycle_thread, &w[i]));
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += w[i].done;
		EXPECT_EQ(0, w[i].failures) TH_LOG("thread %lu: %s", i,
						   w[i].what);
	}
	TH_LOG("%lu threads: %lu create/open/busy/stop/close/remove cycles in %.1f s",
	       threads, total, eng_now() - t0);
	EXPECT_EQ(threads * cycles, total);
	eng_check_kmsg(_metadata, &self->f);
}

struct tuner {
	const char *parent;
	char uuids[8][MDGPU_UUID_LEN + 1];
	int n;
	unsigned long rounds;
	uint32_t seed;
	int refused;
};

static void tune(const char *dir, const char *attr, const char *val)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	mdgpu_write_file(path, val);
}

static void *tuner_thread(void *arg)
{
	static const char *const policies[] = {
		"best_effort", "equal_share", "fixed_share", "weighted",
	};
	struct tuner *t = arg;
	char pdir[256], vdir[256], val[32];
	unsigned long r;
	int i;

	snprintf(pdir, sizeof(pdir), "/sys/class/mdgpu/%s", t->parent);
	for (r = 0; r < t->rounds; r++) {
		tune(pdir, "policy", policies[eng_rand(&t->seed) % 4]);
		snprintf(val, sizeof(val), "%u", 100 + eng_rand(&t->seed) % 20000);
		tune(pdir, "timeslice_us", val);
		snprintf(val, sizeof(val), "%u", 500 + eng_rand(&t->seed) % 3000);
		tune(pdir, "watchdog_ms", val);
		i = eng_rand(&t->seed) % t->n;
		snprintf(vdir, sizeof(vdir), MDEV_DEVICES_DIR "/%s/mdgpu",
			 t->uuids[i]);
		snprintf(val, sizeof(val), "%u", 1 + eng_rand(&t->seed) % 10000);
		tune(vdir, "weight", val);
		snprintf(val, sizeof(val), "%u", eng_rand(&t->seed) % 20);
		tune(vdir, "min_share", val);
		snprintf(val, sizeof(val), "%u", 20 + eng_rand(&t->seed) % 81);
		tune(vdir, "cap", val);
		snprintf(val, sizeof(val), "%u", eng_rand(&t->seed) % 8);
		tune(vdir, "priority", val);
		usleep(eng_rand(&t->seed) % 5000);
	}
	/* Back to a policy that serves everybody. */
	tune(pdir, "policy", "best_effort");
	for (i = 0; i < t->n; i++) {
		snprintf(vdir, sizeof(vdir), MDEV_DEVICES_DIR "/%s/mdgpu",
			 t->uuids[i]);
		tune(vdir, "min_share", "0");
		tune(vdir, "cap", "100");
		tune(vdir, "priority", "0");
	}
	return NULL;
}

TEST_F_TIMEOUT(st, tunables_under_load, 1800)
{
	struct tuner tn = { .parent = self->f.parent, .n = 4, .seed = 77 };
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	pthread_t t;
	int i, j;

	tn.rounds = env_ul("MDGPU_STRESS_ROUNDS", 200);
	for (i = 0; i < tn.n; i++) {
		if (!eng_open(_metadata, &self->f, &self->v[i], MDGPU_IRQ_MSI))
			return;
		strcpy(tn.uuids[i], self->v[i].uuid);
	}
	ASSERT_OK(pthread_create(&t, NULL, tuner_thread, &tn));
	for (j = 0; j < 20; j++) {
		for (i = 0; i < tn.n; i++) {
			mdgpu_cmd_compute(dw, 2000);
			mdgpu_ring_write(&self->v[i].g, dw, MDGPU_COMPUTE_NDW,
					 ENG_TIMEOUT_MS);
			mdgpu_cmd_fill(dw, (uint64_t)j << 20, 4096, 64, 4096,
				       j);
			mdgpu_submit(&self->v[i].g, dw, MDGPU_FILL_NDW,
				     ENG_TIMEOUT_MS);
		}
		usleep(20000);
	}
	pthread_join(t, NULL);
	/* Nobody was starved or stopped: every vGPU finishes a fence. */
	for (i = 0; i < tn.n; i++)
		ENG_SYNC(&self->v[i].g);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F_TIMEOUT(st, many_busy, 1800)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	int i, j, n = 32;
	double t0;

	if (mdgpu_type_available(self->f.parent, "64M") < n)
		SKIP(return, "the parent has no room for %d vGPUs of 64M", n);
	for (i = 0; i < n; i++)
		if (!eng_open(_metadata, &self->f, &self->v[i], MDGPU_IRQ_MSI))
			return;
	t0 = eng_now();
	for (j = 0; j < 4; j++)
		for (i = 0; i < n; i++) {
			mdgpu_cmd_compute(dw, 5000);
			ENG_SUBMIT(&self->v[i].g, dw, MDGPU_COMPUTE_NDW);
			mdgpu_cmd_fill(dw, (uint64_t)j << 20, 4096, 16, 4096,
				       i);
			ENG_SUBMIT(&self->v[i].g, dw, MDGPU_FILL_NDW);
		}
	for (i = 0; i < n; i++) {
		ENG_SYNC(&self->v[i].g);
		EXPECT_EQ((uint32_t)i,
			  *(volatile uint32_t *)(self->v[i].g.vram + (3 << 20)));
	}
	TH_LOG("%d vGPUs, 4 x (5 ms COMPUTE + 64 KiB FILL) each, done in %.2f s",
	       n, eng_now() - t0);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
