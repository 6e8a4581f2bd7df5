// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu at scale: many vGPUs on one parent.
 *
 *  - lifecycle: MDGPU_SCALE_N (256) instances of the 64M type are created
 *    on one parent, each is opened the way QEMU opens it (VFIO group and
 *    container, BAR0 mapped, bus mastering on), MDGPU_SCALE_BUSY (4) of
 *    them spread over the set run a FILL and a fence each and the result is
 *    read back through their BAR0 mapping while all the others stay open;
 *    every instance is closed and removed, and the parent's VRAM, instance
 *    and available counts are back where they were. It logs the time of
 *    the first and the last create, so a creation that slows down with the
 *    count shows. make check runs it with 256 on a vram_mb=16384 parent.
 *  - with MDGPU_SCALE_WEIGHTED=1 (make scale-test), instead of those few:
 *    while the instances all stay open, groups of MDGPU_SCALE_GROUP (64)
 *    at a time are kept busy with COMPUTE jobs under the weighted policy,
 *    weights 100, 200, 300, 400 repeating, the per-job watchdog at its
 *    default (2 s of charged engine time);
 *    in each group every vGPU's part of the engine time the group got
 *    (its engine_time_us) is within REL_TOL of its weight's part, over
 *    MDGPU_SCALE_WINDOW_MS (4000), longer (up to eight times) until the
 *    group got 2 s of engine time on a host that gives the VM little CPU.
 *    With
 *    MDGPU_SCALE_WRONG_WEIGHT=1 the test writes weight 100 to every vGPU
 *    but still expects 1:2:3:4: the check must then fail (how the bound
 *    was shown to catch a scheduler that ignores weights).
 *
 * Creates, opens, closes and removes run from MDGPU_SCALE_THREADS (2)
 * threads, as several management clients would.
 *
 * The parent must hold MDGPU_SCALE_N 64M instances (make scale-test:
 * 1024 on vram_mb=65536); the test skips otherwise.
 */
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>

#include "engine_common.h"
#include "mdgpu_load.h"

#define SCALE_MAX	1024
#define JOB_US		500
#define WARMUP_MS	500
/* A weighted share may be this far from its target, as a fraction of it. */
#define REL_TOL		0.25
/*
 * The least engine time a group must get before its shares are checked:
 * a weight-100 vGPU among 64 (1/160) then has 12.5 ms, six slices of
 * 2 ms, so one slice more or less at either end of the window stays
 * within REL_TOL. On a host that gives the VM little CPU the window grows
 * (by a second at a time, up to eight times MDGPU_SCALE_WINDOW_MS).
 */
#define GROUP_ENGINE_MIN_US	2000000.0

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s ? strtoul(s, NULL, 0) : def;
}

FIXTURE(scale) {
	struct eng_fixture f;
	char (*uuid)[MDGPU_UUID_LEN + 1];
	struct mdgpu *g;
	unsigned long n;
};

/* Remove whatever instance is left on @parent (the list of 64 is short). */
static int remove_all_on(const char *parent)
{
	static char uuids[SCALE_MAX][MDGPU_UUID_LEN + 1];
	int i, n, ret = 0;

	n = mdgpu_parent_instances(parent, uuids, SCALE_MAX);
	for (i = 0; i < n; i++)
		ret = mdgpu_remove(uuids[i]) ?: ret;
	return n < 0 ? n : ret;
}

/* The parent's instances attribute, or ULONG_MAX if unreadable. */
static unsigned long parent_instances(const char *parent)
{
	uint64_t v;

	return mdgpu_parent_u64(parent, "instances", &v) ? ULONG_MAX : v;
}

FIXTURE_SETUP(scale)
{
	struct rlimit rl;

	eng_setup(_metadata, &self->f, false);
	self->n = env_ul("MDGPU_SCALE_N", 256);
	ASSERT_GE(SCALE_MAX, self->n);
	if (mdgpu_type_available(self->f.parent, "64M") < (long)self->n)
		SKIP(return, "%s has no room for %lu vGPUs of 64M",
		     self->f.parent, self->n);
	/* A group, a container and a device file per open instance. */
	ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 8 * SCALE_MAX + 64)
		rl.rlim_max = 8 * SCALE_MAX + 64;
	rl.rlim_cur = rl.rlim_max;
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	self->uuid = calloc(self->n, sizeof(*self->uuid));
	self->g = calloc(self->n, sizeof(*self->g));
	ASSERT_NE(NULL, self->uuid);
	ASSERT_NE(NULL, self->g);
}

FIXTURE_TEARDOWN_PARENT(scale)
{
	mdgpu_teardown_begin();
	EXPECT_OK(remove_all_on(self->f.parent));
	mdgpu_expect_state(_metadata, self->f.parent, &self->f.base);
}

/*
 * The steps of the lifecycle, each run by MDGPU_SCALE_THREADS (2) threads
 * over interleaved instances (the VMs have two vCPUs): instance i is
 * thread i % threads's.
 */
enum scale_step { STEP_CREATE, STEP_OPEN, STEP_CLOSE, STEP_REMOVE };

struct scale_worker {
	FIXTURE_DATA(scale) *self;
	enum scale_step step;
	unsigned long first, stride;
	double *lat;		/* per instance, seconds */
	unsigned long failed;	/* index + 1 of the first failure */
	int err;
};

static void *scale_worker(void *arg)
{
	struct scale_worker *w = arg;
	FIXTURE_DATA(scale) *self = w->self;
	unsigned long i;
	double t;
	int ret = 0;

	for (i = w->first; i < self->n; i += w->stride) {
		t = eng_now();
		switch (w->step) {
		case STEP_CREATE:
			ret = mdgpu_create(self->f.parent, "64M",
					   self->uuid[i]);
			break;
		case STEP_OPEN:
			ret = mdgpu_attach(&self->g[i], self->uuid[i],
					   MDGPU_OPEN_GROUP);
			if (!ret && self->g[i].vram_size != 64 * SZ_1M)
				ret = -EINVAL;
			break;
		case STEP_CLOSE:
			mdgpu_detach(&self->g[i]);
			break;
		case STEP_REMOVE:
			ret = mdgpu_remove(self->uuid[i]);
			break;
		}
		w->lat[i] = eng_now() - t;
		if (ret && !w->failed) {
			w->failed = i + 1;
			w->err = ret;
		}
	}
	return NULL;
}

/* Run @step over every instance; the seconds it took, or < 0. */
static double run_step(struct __test_metadata *_metadata,
		       FIXTURE_DATA(scale) *self, enum scale_step step,
		       const char *what, double *lat)
{
	unsigned long nt = env_ul("MDGPU_SCALE_THREADS", 2), k;
	struct scale_worker w[8];
	pthread_t t[8];
	double t0 = eng_now();
	bool ok = true;

	nt = nt < 1 ? 1 : nt > 8 ? 8 : nt;
	for (k = 0; k < nt; k++) {
		w[k] = (struct scale_worker){ .self = self, .step = step,
					      .first = k, .stride = nt,
					      .lat = lat };
		if (pthread_create(&t[k], NULL, scale_worker, &w[k]))
			scale_worker(&w[k]), t[k] = 0;
	}
	for (k = 0; k < nt; k++) {
		if (t[k])
			pthread_join(t[k], NULL);
		EXPECT_EQ(0, w[k].failed)
			TH_LOG("%s of instance %lu of %lu (%s): %d", what,
			       w[k].failed, self->n,
			       self->uuid[w[k].failed ? w[k].failed - 1 : 0],
			       w[k].err);
		ok = ok && !w[k].failed;
	}
	return ok ? eng_now() - t0 : -1;
}

/* Create and open every instance; log the first and the last create. */
static void create_open_all(struct __test_metadata *_metadata,
			    FIXTURE_DATA(scale) *self)
{
	static double lat[SCALE_MAX];
	unsigned long i;
	double t;

	for (i = 0; i < self->n; i++)
		ASSERT_OK(mdgpu_new_uuid(self->uuid[i]));
	t = run_step(_metadata, self, STEP_CREATE, "create", lat);
	ASSERT_LE(0, t);
	TH_LOG("%lu creates in %.1f s: first %.1f ms, last %.1f ms", self->n,
	       t, 1e3 * lat[0], 1e3 * lat[self->n - 1]);
	ASSERT_EQ(self->n, parent_instances(self->f.parent))
		TH_LOG("the parent counts every instance");
	t = run_step(_metadata, self, STEP_OPEN, "open", lat);
	ASSERT_LE(0, t);
	TH_LOG("%lu opens in %.1f s", self->n, t);
}

static void close_remove_all(struct __test_metadata *_metadata,
			     FIXTURE_DATA(scale) *self)
{
	static double lat[SCALE_MAX];
	double tc, tr;

	tc = run_step(_metadata, self, STEP_CLOSE, "close", lat);
	tr = run_step(_metadata, self, STEP_REMOVE, "remove", lat);
	TH_LOG("%lu closes in %.1f s, removes in %.1f s", self->n, tc, tr);
	EXPECT_EQ(0, parent_instances(self->f.parent));
	mdgpu_expect_state(_metadata, self->f.parent, &self->f.base);
}

/* A few vGPUs spread over the set (first, last, between) run a FILL. */
static void few_busy(struct __test_metadata *_metadata,
		     FIXTURE_DATA(scale) *self)
{
	unsigned long busy = env_ul("MDGPU_SCALE_BUSY", 4), i, k;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *g;

	busy = busy < self->n ? busy : self->n;
	for (k = 0; k < busy; k++) {
		i = busy > 1 ? k * (self->n - 1) / (busy - 1) : 0;
		g = &self->g[i];
		ASSERT_OK(mdgpu_irq_setup(g, MDGPU_IRQ_MSI));
		ASSERT_OK(mdgpu_ring_init(g, ENG_RING, ENG_RING_SIZE));
		mdgpu_cmd_fill(dw, 1 << 20, 4096, 16, 4096, 0x5ca1e000 + i);
		ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
		mdgpu_cmd_compute(dw, 2000);
		ENG_SUBMIT(g, dw, MDGPU_COMPUTE_NDW);
	}
	for (k = 0; k < busy; k++) {
		i = busy > 1 ? k * (self->n - 1) / (busy - 1) : 0;
		g = &self->g[i];
		ENG_SYNC(g);
		EXPECT_EQ(0x5ca1e000 + i,
			  *(volatile uint32_t *)(g->vram + (1 << 20) +
						 15 * 4096 + 4092))
			TH_LOG("vGPU %lu's FILL", i);
	}
}

static int vgpu_weight(const char *uuid, unsigned int w)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", w);
	return mdgpu_instance_write(uuid, "weight", val);
}

/* A vGPU's statistic @name (engine_time_us, slices...), or -1. */
static double inst_stat(const char *uuid, const char *name)
{
	uint64_t v;

	return mdgpu_instance_u64(uuid, name, &v) ? -1.0 : (double)v;
}

static double engine_us(const char *uuid)
{
	return inst_stat(uuid, "engine_time_us");
}

/*
 * Groups of MDGPU_SCALE_GROUP busy at a time under the weighted policy:
 * each one's part of the engine time the group got against its weight's
 * part. The engine time is the scheduler's own per-vGPU account
 * (engine_time_us), which a scheduler that ignored a weight would show
 * as well; counting jobs (CMDS_DONE x 500 us) would leave a weight-100
 * vGPU among 64 only a few jobs per window under TCG, too coarse for the
 * bound. The jobs' part of wall time is logged.
 */
static void weighted_groups(struct __test_metadata *_metadata,
			    FIXTURE_DATA(scale) *self)
{
	unsigned long group = env_ul("MDGPU_SCALE_GROUP", 64), k, base;
	unsigned long window = env_ul("MDGPU_SCALE_WINDOW_MS", 4000);
	bool wrong = env_ul("MDGPU_SCALE_WRONG_WEIGHT", 0);
	static struct mdgpu_load load[SCALE_MAX];
	static double share[SCALE_MAX], part[SCALE_MAX], e0[SCALE_MAX];
	static double sl0[SCALE_MAX];
	double sum, esum, wsum, worst, err, e, t0, wall;
	unsigned int w, rounds;

	group = group < self->n ? group : self->n;
	for (k = 0; k < self->n; k++)
		ASSERT_OK(vgpu_weight(self->uuid[k],
				      wrong ? 100 : 100 * (1 + k % 4)));
	for (base = 0; base + group <= self->n; base += group) {
		/* The busy ones through mdgpu_load; the others stay open. */
		for (k = 0; k < group; k++) {
			mdgpu_detach(&self->g[base + k]);
			ASSERT_OK(mdgpu_load_open(&load[k],
						  self->uuid[base + k], JOB_US));
			load[k].busy = true;
		}
		ASSERT_OK(mdgpu_load_measure(load, group, WARMUP_MS, share));
		for (k = 0; k < group; k++) {
			e0[k] = engine_us(self->uuid[base + k]);
			sl0[k] = inst_stat(self->uuid[base + k], "slices");
		}
		/* At least @window, and until the group got enough time. */
		t0 = mdgpu_now();
		memset(share, 0, sizeof(share));
		rounds = 0;
		do {
			ASSERT_OK(mdgpu_load_measure(load, group, 1000, part));
			for (k = 0; k < group; k++)
				share[k] += part[k];
			rounds++;
			wall = mdgpu_now() - t0;
			for (esum = 0, k = 0; k < group; k++)
				esum += engine_us(self->uuid[base + k]) - e0[k];
		} while (wall * 1e3 < window ||
			 (esum < GROUP_ENGINE_MIN_US && wall * 1e3 < 8 * window));
		for (k = 0; k < group; k++)
			share[k] /= rounds;
		esum = sum = wsum = worst = 0;
		for (k = 0; k < group; k++) {
			e = engine_us(self->uuid[base + k]);
			ASSERT_LE(0, e0[k]);
			ASSERT_LE(e0[k], e);
			e0[k] = e - e0[k];
			esum += e0[k];
			sum += share[k];
			wsum += 1 + (base + k) % 4;
		}
		mdgpu_load_stop(load, group);
		ASSERT_LT(0, esum) TH_LOG("group at %lu got no engine time",
					  base);
		for (k = 0; k < group; k++) {
			w = 1 + (base + k) % 4;
			err = e0[k] / esum / (w / wsum) - 1;
			if (fabs(err) > fabs(worst))
				worst = err;
			EXPECT_TRUE(fabs(err) <= REL_TOL)
				TH_LOG("vGPU %lu (weight %u): %.5f of the group's engine time, expected %.5f +- %.0f %% (%.0f slices, longest chunk so far %.0f us)",
				       base + k, 100 * w, e0[k] / esum,
				       w / wsum, 100 * REL_TOL,
				       inst_stat(self->uuid[base + k], "slices") - sl0[k],
				       inst_stat(self->uuid[base + k],
						 "engine_max_chunk_us"));
		}
		TH_LOG("vGPUs %lu-%lu busy for %.1f s: engine %.1f %% and jobs %.1f %% of wall time, worst share error %+.1f %%",
		       base, base + group - 1, wall, esum / (1e4 * wall),
		       100 * sum, 100 * worst);
		for (k = 0; k < group; k++) {
			mdgpu_load_close(&load[k]);
			ASSERT_OK(mdgpu_attach(&self->g[base + k],
					       self->uuid[base + k],
					       MDGPU_OPEN_GROUP));
		}
	}
}

TEST_F_TIMEOUT(scale, lifecycle, 7200)
{
	char path[PATH_MAX];
	bool weighted = env_ul("MDGPU_SCALE_WEIGHTED", 0);

	snprintf(path, sizeof(path), MDGPU_CLASS_DIR "/%s/policy",
		 self->f.parent);
	/*
	 * The per-job watchdog stays at its default: it counts a chunk's
	 * work, not the time a loaded host stalled it.
	 */
	if (weighted)
		ASSERT_OK(mdgpu_write_file(path, "weighted"));
	create_open_all(_metadata, self);
	if (weighted)
		weighted_groups(_metadata, self);
	else
		few_busy(_metadata, self);
	close_remove_all(_metadata, self);
	if (weighted)
		EXPECT_OK(mdgpu_write_file(path, "best_effort"));
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
