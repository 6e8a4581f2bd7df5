// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the CPU executor (cpu_exec.c), the run_chunk of the
 * simulated and PCI backends, over a plain-memory VRAM: a FILL writes its
 * little-endian pattern inside its rectangle only, a COPY copies through
 * the backend's in-device copy or, without one, through the bounce buffer,
 * DMA moves between the agent's buffer and VRAM in the command's
 * direction, FENCE writes only with its WRITE flag, TIMESTAMP writes the
 * value the core gave, and COMPUTE gives the lock back, occupies the
 * engine to the job's or the slice's end as planned, and ends early when
 * the engine is wanted. The COMPUTE plan (which chunk ends the job) is
 * tested as the pure function it is.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/sizes.h>

#include "../cpu_exec.c"

#define CPU_VRAM	SZ_256K
#define CPU_OFF		SZ_128K
#define CPU_SIZE	SZ_128K

/**
 * struct cpu_vram - plain-memory VRAM of the executor's tests
 * @mem: the parent's VRAM
 * @copies: in-device copies made
 */
struct cpu_vram {
	u8 *mem;
	unsigned int copies;
};

static int cpu_vram_rw(struct mdgpu_parent *parent, u64 offset, void *buf,
		       size_t len, bool write)
{
	struct cpu_vram *v = parent->backend;

	if (write)
		memcpy(v->mem + offset, buf, len);
	else
		memcpy(buf, v->mem + offset, len);
	return 0;
}

static int cpu_vram_copy(struct mdgpu_parent *parent, u64 dst, u64 src,
			 size_t len)
{
	struct cpu_vram *v = parent->backend;

	v->copies++;
	memcpy(v->mem + dst, v->mem + src, len);
	return 0;
}

static const struct mdgpu_backend_ops cpu_ops = {
	.name = "cpu-test",
	.vram_rw = cpu_vram_rw,
	.vram_copy = cpu_vram_copy,
};

/* No in-device copy: the executor bounces. */
static const struct mdgpu_backend_ops cpu_ops_nocopy = {
	.name = "cpu-test-nocopy",
	.vram_rw = cpu_vram_rw,
};

/*
 * The engine's chunk wait (engine_sched.c), replaced: it waits until the
 * deadline, or says at once that the engine is wanted when cpu_wanted is
 * set, as a doorbell would.
 */
static bool cpu_wanted;
static unsigned int cpu_waits;

bool mdgpu_engine_chunk_wait(struct mdgpu_engine *eng, u64 deadline)
{
	cpu_waits++;
	if (cpu_wanted)
		return true;
	while (ktime_get_ns() < deadline)
		usleep_range(5, 10);
	return false;
}

/**
 * struct cpu_env - an instance on a plain-memory parent, and an executor
 * @eng: the parent's engine (only its lock_waiting is used: no thread)
 * @parent: the parent
 * @vgpu: the instance, at CPU_OFF; each test holds its lock while it runs
 *	  chunks, as the engine thread does
 * @vram: the parent's VRAM
 * @x: the executor
 */
struct cpu_env {
	struct mdgpu_engine eng;
	struct mdgpu_parent parent;
	struct mdgpu_vgpu vgpu;
	struct cpu_vram vram;
	struct mdgpu_cpu_exec x;
};

static void cpu_env_exit(void *data)
{
	struct cpu_env *e = data;

	mutex_destroy(&e->vgpu.lock);
	mdgpu_cpu_exec_fini(&e->x);
}

static struct cpu_env *cpu_env(struct kunit *test,
			       const struct mdgpu_backend_ops *ops)
{
	struct cpu_env *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, e);
	e->vram.mem = kunit_kzalloc(test, CPU_VRAM, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e->vram.mem);
	e->parent.ops = ops;
	e->parent.engine = &e->eng;
	e->parent.backend = &e->vram;
	e->parent.vram_size = CPU_VRAM;
	e->vgpu.parent = &e->parent;
	e->vgpu.vram_offset = CPU_OFF;
	e->vgpu.vram_size = CPU_SIZE;
	mutex_init(&e->vgpu.lock);
	cpu_wanted = false;
	cpu_waits = 0;
	KUNIT_ASSERT_EQ(test, mdgpu_cpu_exec_init(&e->x), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cpu_env_exit, e),
			0);
	return e;
}

/* The instance's VRAM byte at @off. */
static u8 *cpu_at(struct cpu_env *e, u64 off)
{
	return e->vram.mem + CPU_OFF + off;
}

static int cpu_run(struct cpu_env *e, const struct mdgpu_cmd *cmd, u64 off,
		   u64 len)
{
	struct mdgpu_chunk c = {
		.vgpu = &e->vgpu, .cmd = cmd, .off = off, .len = len,
		.start = ktime_get_ns(), .last = true,
	};

	return mdgpu_cpu_exec_run(&e->x, &c);
}

/* A 2D FILL writes its rows, little-endian, and nothing between them. */
static void cpu_fill_rect(struct kunit *test)
{
	struct cpu_env *e = cpu_env(test, &cpu_ops);
	struct mdgpu_cmd cmd = {
		.op = MDGPU_OP_FILL,
		.fill = { .dst = 0x1000, .width = 8, .height = 3,
			  .stride = 16, .value = 0x11223344 },
	};
	static const u8 le[4] = { 0x44, 0x33, 0x22, 0x11 };
	unsigned int row, i;

	/* Rows 1 and 2 only: the chunk starts at the second row. */
	mutex_lock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, cpu_run(e, &cmd, 8, 16), 0);
	mutex_unlock(&e->vgpu.lock);
	for (row = 0; row < 3; row++) {
		for (i = 0; i < 16; i++) {
			u8 want = row && i < 8 ? le[i % 4] : 0;

			KUNIT_EXPECT_EQ_MSG(test, *cpu_at(e, 0x1000 + row * 16 + i),
					    want, "row %u byte %u", row, i);
		}
	}
}

/* COPY: in the device when the backend can, else bounced; same bytes. */
static void cpu_copy(struct kunit *test)
{
	const struct mdgpu_backend_ops *ops[] = { &cpu_ops, &cpu_ops_nocopy };
	struct mdgpu_cmd cmd = {
		.op = MDGPU_OP_COPY,
		.copy = { .src = 0x2000, .dst = 0x8000, .width = 5000,
			  .height = 1, .src_stride = 5000, .dst_stride = 5000 },
	};
	unsigned int k, i;

	for (k = 0; k < ARRAY_SIZE(ops); k++) {
		struct cpu_env *e = cpu_env(test, ops[k]);

		for (i = 0; i < 5000; i++)
			*cpu_at(e, 0x2000 + i) = i * 7 + k;
		mutex_lock(&e->vgpu.lock);
		KUNIT_EXPECT_EQ(test, cpu_run(e, &cmd, 0, 5000), 0);
		mutex_unlock(&e->vgpu.lock);
		KUNIT_EXPECT_EQ(test, e->vram.copies, k ? 0 : 1);
		KUNIT_EXPECT_EQ(test, memcmp(cpu_at(e, 0x8000),
					     cpu_at(e, 0x2000), 5000), 0);
		KUNIT_EXPECT_EQ(test, *cpu_at(e, 0x8000 + 5000), 0);
	}
}

/* DMA moves between the buffer and VRAM at the chunk's offset. */
static void cpu_dma(struct kunit *test)
{
	struct cpu_env *e = cpu_env(test, &cpu_ops);
	u8 *buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	struct mdgpu_cmd cmd = {
		.op = MDGPU_OP_DMA,
		.dma = { .vram = 0x3000, .len = 512, .to_guest = true },
	};
	struct mdgpu_chunk c = {
		.vgpu = &e->vgpu, .cmd = &cmd, .off = 256, .len = 256,
	};

	KUNIT_ASSERT_NOT_NULL(test, buf);
	c.buf = buf;
	memset(cpu_at(e, 0x3000 + 256), 0xab, 256);
	mutex_lock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, mdgpu_cpu_exec_run(&e->x, &c), 0);
	KUNIT_EXPECT_EQ(test, buf[0], 0xab);
	KUNIT_EXPECT_EQ(test, buf[255], 0xab);
	cmd.dma.to_guest = false;
	memset(buf, 0xcd, 256);
	KUNIT_EXPECT_EQ(test, mdgpu_cpu_exec_run(&e->x, &c), 0);
	mutex_unlock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, *cpu_at(e, 0x3000 + 256), 0xcd);
	KUNIT_EXPECT_EQ(test, *cpu_at(e, 0x3000 + 511), 0xcd);
	KUNIT_EXPECT_EQ(test, *cpu_at(e, 0x3000 + 255), 0);
}

/* FENCE writes only with MDGPU_FENCE_WRITE; TIMESTAMP writes the value. */
static void cpu_fence_timestamp(struct kunit *test)
{
	struct cpu_env *e = cpu_env(test, &cpu_ops);
	struct mdgpu_cmd fence = {
		.op = MDGPU_OP_FENCE,
		.fence = { .seq = 0xa1b2c3d4, .addr = 0x100 },
	};
	struct mdgpu_cmd ts = {
		.op = MDGPU_OP_TIMESTAMP, .timestamp = { .addr = 0x200 },
	};
	struct mdgpu_chunk c = { .vgpu = &e->vgpu, .cmd = &ts, .len = 1,
				 .value = 0x0102030405060708ULL };
	static const u8 ts_le[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };

	mutex_lock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, cpu_run(e, &fence, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, *(u32 *)cpu_at(e, 0x100), 0);
	fence.flags = MDGPU_FENCE_WRITE;
	KUNIT_EXPECT_EQ(test, cpu_run(e, &fence, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(*(__le32 *)cpu_at(e, 0x100)),
			0xa1b2c3d4);
	KUNIT_EXPECT_EQ(test, mdgpu_cpu_exec_run(&e->x, &c), 0);
	mutex_unlock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, memcmp(cpu_at(e, 0x200), ts_le, 8), 0);
}

/*
 * COMPUTE returns with the lock held again, having occupied the engine
 * for at least the chunk's time, which it reports.
 */
static void cpu_compute(struct kunit *test)
{
	struct cpu_env *e = cpu_env(test, &cpu_ops);
	struct mdgpu_cmd cmd = { .op = MDGPU_OP_COMPUTE,
				 .compute = { .us = 30 } };
	struct mdgpu_chunk c = {
		.vgpu = &e->vgpu, .cmd = &cmd, .len = 30 * NSEC_PER_USEC,
		.start = ktime_get_ns(), .end_by = U64_MAX, .last = true,
	};

	mutex_lock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, mdgpu_cpu_exec_run(&e->x, &c), 0);
	KUNIT_EXPECT_TRUE(test, mutex_is_locked(&e->vgpu.lock));
	mutex_unlock(&e->vgpu.lock);
	KUNIT_EXPECT_GE(test, c.len, 30 * NSEC_PER_USEC);
	KUNIT_EXPECT_GE(test, ktime_get_ns() - c.start, c.len);
}

/*
 * A job longer than the slice: the chunk stops at the slice's end, not at
 * the job's; a doorbell (the engine wanted) ends it before either.
 */
static void cpu_compute_slice_and_doorbell(struct kunit *test)
{
	struct cpu_env *e = cpu_env(test, &cpu_ops);
	struct mdgpu_cmd cmd = { .op = MDGPU_OP_COMPUTE,
				 .compute = { .us = 1000000 } };
	u64 job = 1000000ULL * NSEC_PER_USEC, slice = 2 * NSEC_PER_MSEC;
	struct mdgpu_chunk c = {
		.vgpu = &e->vgpu, .cmd = &cmd, .len = job, .last = true,
	};

	c.start = ktime_get_ns();
	c.end_by = c.start + slice;
	mutex_lock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, mdgpu_cpu_exec_run(&e->x, &c), 0);
	mutex_unlock(&e->vgpu.lock);
	KUNIT_EXPECT_GE(test, c.len, slice);
	KUNIT_EXPECT_LT(test, c.len, job);
	KUNIT_EXPECT_EQ(test, cpu_waits, 1U);

	cpu_wanted = true;
	c.len = job;
	c.start = ktime_get_ns();
	c.end_by = c.start + slice;
	mutex_lock(&e->vgpu.lock);
	KUNIT_EXPECT_EQ(test, mdgpu_cpu_exec_run(&e->x, &c), 0);
	mutex_unlock(&e->vgpu.lock);
	/* Ended by the wake-up, not by the slice: no wait to its end. */
	KUNIT_EXPECT_LT(test, c.len, slice);
	KUNIT_EXPECT_EQ(test, cpu_waits, 2U);
}

/**
 * struct plan_case - one COMPUTE plan and what it must be
 * @name: what it shows
 * @rest: ns of the job left
 * @avail: ns to the slice's end
 * @late: the wake-up lateness learned
 * @last: expected: the chunk ends the job
 * @len: expected chunk length
 * @sleep: expected timed sleep
 */
struct plan_case {
	const char *name;
	u64 rest, avail, late;
	bool last;
	u64 len, sleep;
};

#define US(x)	((x) * NSEC_PER_USEC)
static const struct plan_case plan_cases[] = {
	{ "job ends in the slice, spins the lateness",
	  US(500), US(2000), US(100), true, US(500), US(400) },
	{ "no lateness learned: sleeps to the end",
	  US(500), US(2000), 0, true, US(500), US(500) },
	{ "job longer than the slice: stops at the slice end, spins",
	  US(5000), US(2000), US(100), false, US(2000), US(1900) },
	{ "job ends within the lateness after the slice: finished now",
	  US(2150), US(2000), US(100), true, US(2150), US(2050) },
	{ "job ends within two latenesses after the slice: finished now",
	  US(2200), US(2000), US(100), true, US(2200), US(2100) },
	{ "job ends past two latenesses: stops at the slice end",
	  US(2201), US(2000), US(100), false, US(2000), US(1900) },
	{ "spin bounded by MDGPU_COMPUTE_SPIN_MAX_NS",
	  US(1000), US(2000), US(900), true, US(1000), US(800) },
	{ "lateness longer than the job: all spin",
	  US(50), US(2000), US(100), true, US(50), 0 },
	{ "slice over: at least the minimum chunk",
	  US(5000), 0, 0, false, MDGPU_COMPUTE_CHUNK_MIN_NS,
	  MDGPU_COMPUTE_CHUNK_MIN_NS },
	{ "slice over, lateness learned: the minimum chunk all spun",
	  US(5000), 0, US(100), false, MDGPU_COMPUTE_CHUNK_MIN_NS, 0 },
	{ "no slice end",
	  US(5000), U64_MAX, US(100), true, US(5000), US(4900) },
};

static void plan_case_desc(const struct plan_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(plan_case, plan_cases, plan_case_desc);

static void cpu_compute_plan(struct kunit *test)
{
	const struct plan_case *c = test->param_value;
	struct mdgpu_compute_plan p;

	mdgpu_cpu_compute_plan(c->rest, c->avail, c->late, &p);
	KUNIT_EXPECT_EQ(test, p.last, c->last);
	KUNIT_EXPECT_EQ(test, p.len, c->len);
	KUNIT_EXPECT_EQ(test, p.sleep, c->sleep);
}

/*
 * Over a grid: a chunk that does not end the job, waking up to two
 * latenesses after its end, still ends before the job's end; the chunk
 * that ends it lasts exactly the rest; every chunk, the job's last or one
 * that ends at the slice's end, spins the margin (at most the bound) to
 * its end, so a late wake-up does not make it end late.
 */
static void cpu_compute_plan_never_crosses(struct kunit *test)
{
	static const u64 rests[] = { US(1), US(50), US(100), US(499),
				     US(500), US(2000), US(2100), US(2300),
				     US(100000) };
	static const u64 avails[] = { 0, US(10), US(100), US(2000) };
	static const u64 lates[] = { 0, US(30), US(100), US(300) };
	struct mdgpu_compute_plan p;
	unsigned int i, j, k;

	for (i = 0; i < ARRAY_SIZE(rests); i++)
		for (j = 0; j < ARRAY_SIZE(avails); j++)
			for (k = 0; k < ARRAY_SIZE(lates); k++) {
				mdgpu_cpu_compute_plan(rests[i], avails[j],
						       lates[k], &p);
				KUNIT_EXPECT_LE(test, p.sleep, p.len);
				/* Every chunk spins the margin to its end. */
				KUNIT_EXPECT_EQ(test, p.len - p.sleep,
						min3(p.len, lates[k],
						     MDGPU_COMPUTE_SPIN_MAX_NS));
				if (p.last) {
					KUNIT_EXPECT_EQ(test, p.len, rests[i]);
				} else {
					KUNIT_EXPECT_LT(test,
							p.len + 2 * lates[k],
							rests[i]);
				}
			}
}

/*
 * The spin margin learned from wake-up latenesses: steady latenesses give
 * a margin of about that lateness; latenesses that vary give a margin that
 * covers the late ones (the average alone would leave half of them to end
 * their job late); it never exceeds the bound.
 */
static void cpu_learn_late(struct kunit *test)
{
	struct mdgpu_cpu_exec x = {};
	unsigned int i;

	for (i = 0; i < 64; i++)
		mdgpu_cpu_learn_late(&x, US(100));
	KUNIT_EXPECT_LE(test, mdgpu_cpu_spin(&x), US(101));
	KUNIT_EXPECT_GE(test, mdgpu_cpu_spin(&x), US(99));

	memset(&x, 0, sizeof(x));
	for (i = 0; i < 64; i++)
		mdgpu_cpu_learn_late(&x, i & 1 ? US(130) : US(70));
	KUNIT_EXPECT_GE(test, mdgpu_cpu_spin(&x), US(130));
	KUNIT_EXPECT_LE(test, mdgpu_cpu_spin(&x), MDGPU_COMPUTE_SPIN_MAX_NS);

	for (i = 0; i < 64; i++)
		mdgpu_cpu_learn_late(&x, i & 1 ? MDGPU_COMPUTE_SPIN_MAX_NS : 0);
	KUNIT_EXPECT_EQ(test, mdgpu_cpu_spin(&x), MDGPU_COMPUTE_SPIN_MAX_NS);
}

#undef US

static struct kunit_case cpu_exec_cases[] = {
	KUNIT_CASE(cpu_fill_rect),
	KUNIT_CASE(cpu_copy),
	KUNIT_CASE(cpu_dma),
	KUNIT_CASE(cpu_fence_timestamp),
	KUNIT_CASE(cpu_compute),
	KUNIT_CASE(cpu_compute_slice_and_doorbell),
	KUNIT_CASE_PARAM(cpu_compute_plan, plan_case_gen_params),
	KUNIT_CASE(cpu_compute_plan_never_crosses),
	KUNIT_CASE(cpu_learn_late),
	{}
};

static struct kunit_suite cpu_exec_suite = {
	.name = "mdgpu_cpu_exec",
	.test_cases = cpu_exec_cases,
};

kunit_test_suite(cpu_exec_suite);
