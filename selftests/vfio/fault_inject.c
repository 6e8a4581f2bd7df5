// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu fault containment: faults injected into simulated parents through
 * debugfs (/sys/kernel/debug/mdgpu/simN/), checked through sysfs, VFIO and
 * libmdgpu as a user sees them.
 *
 *  - engine hang: the progress watchdog detects it (no chunk finished
 *    while a context had work; the per-job watchdog never sees it, as a
 *    hung engine charges no time), fails the context that was running with
 *    ERR_HANG, resets the engine, and the other instance's work runs; the
 *    parent is degraded;
 *  - fault on one context: that context stops with ERR_FAULT, the other
 *    instance on the parent keeps working, the parent stays as it was;
 *  - uncorrectable VRAM error: the owner's engine stops with ERR_VRAM, its
 *    BAR0 page gives SIGBUS and pread EIO, commands touching the page fail,
 *    the rest of its VRAM and the other instance keep working; the granule
 *    is retired (vram_retired) and no new instance is ever given it;
 *  - lost parent: health failed, each open instance's engine in error
 *    (ERR_LOST) and its REQ interrupt raised, available_instances 0,
 *    create fails with ENODEV; the other parents are untouched;
 *  - a starved engine is not a hung one: an engine thread that the CPUs do
 *    not run (a real-time spinner on its CPU, as an overloaded host or a
 *    descheduled VM would do) for four times hang_timeout_ms while it has
 *    work is not reset, its context is not failed, the parent stays ok;
 *  - a stalled engine is not charged the stall: two vGPUs share an engine
 *    when a real-time spinner takes its CPU for 1.5 s; the engine time
 *    charged over the spin is what the engine could do outside it, no
 *    0.5 s job is failed by a 1 s per-job watchdog, and after it the two
 *    still share the engine evenly;
 *  - the same for FILL, which the engine runs on the CPU: a FILL the spin
 *    preempted is charged its work, and no 4 MiB FILL is failed by a 1 s
 *    per-job watchdog;
 *  - hang_timeout_ms refuses values below 500 ms (a COMPUTE chunk sleeps up
 *    to a 100 ms slice, the watchdog looks every 100 ms), and at 500 ms a
 *    COMPUTE job in 100 ms slices is not called hung while an injected
 *    hang still is;
 *  - the per-job watchdog racing a guest restart (issue 11, defect 4): with
 *    watchdog_delay_ms widening the window between the watchdog failing a
 *    context and the scheduler putting it to sleep, a ring reset, enable
 *    and doorbell in that window still get their work run.
 *
 * run-guest.sh loads the module with parents=4 vram_mb=256: each fault
 * that changes a parent's health has a parent of its own (hang: sim0,
 * VRAM error: sim1, loss: sim2), so the tests do not depend on their
 * order. Every test checks that the kernel log stays clean.
 */
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "engine_common.h"

#define DBG_ROOT	"/sys/kernel/debug/mdgpu"
#define HANG_MS		500

/* Write @val to the fault-injection file @file of @parent. */
static int inject(const char *parent, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), DBG_ROOT "/%s/%s", parent, file);
	return mdgpu_write_file(path, val);
}

static int parent_attr(const char *parent, const char *attr, char *buf,
		       size_t len)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "/sys/class/mdgpu/%s/%s", parent, attr);
	ret = mdgpu_read_file(path, buf, len);
	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

static char health_buf[128];

static const char *health(const char *parent)
{
	if (parent_attr(parent, "health", health_buf, sizeof(health_buf)))
		return "?";
	return health_buf;
}

FIXTURE(fi) {
	struct eng_fixture f;
	struct eng_vgpu a;
	struct eng_vgpu b;
};

/* The tests use their own parent; SKIP without debugfs or that parent. */
static bool fi_use_parent(struct __test_metadata *_metadata,
			  struct eng_fixture *f, const char *parent)
{
	char path[128];

	snprintf(path, sizeof(path), DBG_ROOT "/%s/hang", parent);
	if (!mdgpu_path_exists(path)) {
		mdgpu_remove_all(&f->created);
		SKIP(return false, "no %s (no debugfs, or fewer parents)", path);
	}
	strcpy(f->parent, parent);
	EXPECT_OK(mdgpu_parent_state(parent, &f->base));
	EXPECT_EQ(0, f->base.instances);
	return true;
}

FIXTURE_SETUP(fi)
{
	eng_setup(_metadata, &self->f, false);
}

FIXTURE_TEARDOWN_PARENT(fi)
{
	eng_teardown(_metadata, &self->f);
}

/* FILL a page of @v's VRAM with @val and check it arrived. */
static void fill_works(struct __test_metadata *_metadata, struct eng_vgpu *v,
		       uint64_t off, uint32_t val)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *g = &v->g;

	mdgpu_cmd_fill(dw, off, 4096, 1, 4096, val);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	EXPECT_EQ(val, *(volatile uint32_t *)(g->vram + off + 4092))
		TH_LOG("%s: the FILL did not land", v->uuid);
}

/*
 * a and b both run long COMPUTEs (and b a FILL after it) when the engine
 * hangs. The watchdog must fail the one the engine was running (ERR_HANG)
 * after about hang_timeout_ms; the other's work must then run to the end
 * without error.
 */
TEST_F(fi, hang_detected_reset_others_run)
{
	char path[] = "/sys/module/mdgpu/parameters/hang_timeout_ms";
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct eng_vgpu *victim = NULL, *other = NULL;
	char old[32] = "2000", reason[128], val[16];
	struct mdgpu *a = &self->a.g, *b = &self->b.g;
	struct mdgpu_error e;
	double t0, t;
	int err;

	if (!fi_use_parent(_metadata, &self->f, "sim0"))
		return;
	EXPECT_STREQ("ok", health("sim0"));
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI) ||
	    !eng_open(_metadata, &self->f, &self->b, MDGPU_IRQ_MSI))
		return;
	ASSERT_OK(mdgpu_read_file(path, old, sizeof(old)));
	snprintf(val, sizeof(val), "%d", HANG_MS);
	ASSERT_OK(mdgpu_write_file(path, val));

	/* 1 s of COMPUTE each: the engine is running one when it hangs. */
	mdgpu_cmd_compute(dw, 1000000);
	ENG_SUBMIT(a, dw, MDGPU_COMPUTE_NDW);
	ENG_SUBMIT(b, dw, MDGPU_COMPUTE_NDW);
	mdgpu_cmd_fill(dw, 0, 4096, 16, 4096, 0xb0b0b0b0);
	ENG_SUBMIT(b, dw, MDGPU_FILL_NDW);
	usleep(50000);
	ASSERT_OK(inject("sim0", "hang", "1"));
	t0 = eng_now();
	while (!victim && eng_now() - t0 < ENG_TIMEOUT_MS / 1000) {
		if (mdgpu_rd(a, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_ERROR) {
			victim = &self->a;
			other = &self->b;
		} else if (mdgpu_rd(b, MDGPU_REG_ENGINE_STATUS) &
			   MDGPU_ENGINE_ERROR) {
			victim = &self->b;
			other = &self->a;
		} else {
			usleep(1000);
		}
	}
	t = eng_now() - t0;
	ASSERT_NE(NULL, victim) TH_LOG("no context failed in %.1f s", t);
	err = mdgpu_error(&victim->g, &e);
	ASSERT_EQ(MDGPU_ERR_HANG, err) TH_LOG("%s", mdgpu_err_name(err));
	EXPECT_LE(HANG_MS / 1000.0 - 0.15, t)
		TH_LOG("detected after %.3f s, before hang_timeout_ms", t);
	EXPECT_EQ(MDGPU_CMD_HEADER(MDGPU_OP_COMPUTE, 0, MDGPU_COMPUTE_NDW),
		  e.header);
	EXPECT_TRUE(mdgpu_rd(&victim->g, MDGPU_REG_IRQ_STATUS) &
		    MDGPU_IRQ_ERROR);

	/* The engine was reset: the other's work runs to the end. */
	ENG_SYNC(&other->g);
	EXPECT_EQ(0, mdgpu_rd(&other->g, MDGPU_REG_ERR_CODE));
	if (other == &self->b)
		EXPECT_EQ(0xb0b0b0b0,
			  *(volatile uint32_t *)(b->vram + 15 * 4096));
	fill_works(_metadata, other, 1 << 20, 0x12345678);

	/* The victim recovers with a ring reset, like any engine error. */
	ASSERT_OK(mdgpu_ring_reset(&victim->g));
	fill_works(_metadata, victim, 2 << 20, 0xa1a1a1a1);

	EXPECT_STREQ("degraded", health("sim0"));
	ASSERT_OK(parent_attr("sim0", "health_reason", reason,
			      sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "hang")) TH_LOG("reason: %s", reason);
	mdgpu_write_file(path, old);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * A fault on a's context stops a only; b runs on, and the parent's
 * health does not change. Unknown and unopened instances are refused.
 */
TEST_F(fi, ctx_fault_contained)
{
	char before[128], other[MDGPU_UUID_LEN + 1];
	struct mdgpu *a = &self->a.g;
	int err;

	if (!fi_use_parent(_metadata, &self->f, "sim3"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI) ||
	    !eng_open(_metadata, &self->f, &self->b, MDGPU_IRQ_MSI))
		return;
	strcpy(before, health("sim3"));
	fill_works(_metadata, &self->a, 0, 1);

	ASSERT_OK(inject("sim3", "ctx_fault", self->a.uuid));
	err = mdgpu_wait_error(a, ENG_TIMEOUT_MS);
	ASSERT_EQ(MDGPU_ERR_FAULT, err) TH_LOG("%s", mdgpu_err_name(err));
	EXPECT_TRUE(mdgpu_rd(a, MDGPU_REG_IRQ_STATUS) & MDGPU_IRQ_ERROR);

	fill_works(_metadata, &self->b, 0, 0x5a5a5a5a);
	EXPECT_EQ(0, mdgpu_rd(&self->b.g, MDGPU_REG_ERR_CODE));
	EXPECT_STREQ(before, health("sim3"));

	ASSERT_OK(mdgpu_ring_reset(a));
	fill_works(_metadata, &self->a, 4096, 2);

	EXPECT_ERR(ENOENT, inject("sim3", "ctx_fault",
				  "00000000-0000-0000-0000-000000000000"));
	EXPECT_ERR(EINVAL, inject("sim3", "ctx_fault", "not-a-uuid"));
	ASSERT_OK(mdgpu_create_tracked(&self->f.created, "sim3", "64M", other));
	EXPECT_ERR(ENODEV, inject("sim3", "ctx_fault", other))
		TH_LOG("an instance nobody opened has no context to fault");
	eng_check_kmsg(_metadata, &self->f);
}

/* Read @off of BAR0 through the mapping in a child: its fate. */
static int touch_in_child(volatile uint8_t *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		(void)*(volatile uint32_t *)p;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/*
 * An uncorrectable error in a page of a's VRAM: a sees it (engine error,
 * SIGBUS, EIO), never silently different data; b and a's other pages are
 * unaffected; the granule is never given to a new instance.
 */
TEST_F(fi, vram_error_retired)
{
	const uint64_t bad_in = (1 << 20) + 8192;	/* in a's BAR0 */
	char uuids[8][MDGPU_UUID_LEN + 1], reason[128], val[32];
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *a = &self->a.g;
	uint64_t a_off, off, retired;
	long avail;
	uint8_t buf[64];
	int i, n, err;

	if (!fi_use_parent(_metadata, &self->f, "sim1"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI) ||
	    !eng_open(_metadata, &self->f, &self->b, MDGPU_IRQ_MSI))
		return;
	ASSERT_OK(mdgpu_instance_u64(self->a.uuid, "vram_offset", &a_off));
	fill_works(_metadata, &self->a, bad_in, 0x11111111);
	fill_works(_metadata, &self->a, 0, 0x22222222);
	avail = mdgpu_type_available("sim1", "64M");

	snprintf(val, sizeof(val), "0x%llx",
		 (unsigned long long)(a_off + bad_in + 100));
	ASSERT_OK(inject("sim1", "vram_error", val));
	err = mdgpu_wait_error(a, ENG_TIMEOUT_MS);
	ASSERT_EQ(MDGPU_ERR_VRAM, err) TH_LOG("%s", mdgpu_err_name(err));
	EXPECT_TRUE(mdgpu_rd(a, MDGPU_REG_IRQ_STATUS) & MDGPU_IRQ_ERROR);

	/* The bad page: SIGBUS through the mapping, EIO through pread. */
	EXPECT_EQ(SIGBUS, touch_in_child(a->vram + bad_in));
	EXPECT_ERR(EIO, mdgpu_region_read(a->v.device,
					  VFIO_PCI_BAR0_REGION_INDEX,
					  bad_in, buf, sizeof(buf)));
	/* The rest of a's VRAM is intact. */
	EXPECT_EQ(0, touch_in_child(a->vram));
	EXPECT_EQ(0x22222222, *(volatile uint32_t *)(a->vram + 4092));

	/* a's engine: commands touching the page fail, others work. */
	ASSERT_OK(mdgpu_ring_reset(a));
	mdgpu_cmd_fill(dw, bad_in - 4096, 4096, 2, 4096, 0x33333333);
	ENG_SUBMIT(a, dw, MDGPU_FILL_NDW);
	err = mdgpu_wait_error(a, ENG_TIMEOUT_MS);
	EXPECT_EQ(MDGPU_ERR_VRAM, err) TH_LOG("%s", mdgpu_err_name(err));
	ASSERT_OK(mdgpu_ring_reset(a));
	fill_works(_metadata, &self->a, 8 << 20, 0x44444444);

	/* b is untouched. */
	fill_works(_metadata, &self->b, bad_in, 0x55555555);

	EXPECT_STREQ("degraded", health("sim1"));
	ASSERT_OK(parent_attr("sim1", "health_reason", reason,
			      sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "VRAM")) TH_LOG("reason: %s", reason);
	ASSERT_OK(mdgpu_parent_u64("sim1", "vram_retired", &retired));
	EXPECT_EQ(1 << 20, retired);
	EXPECT_EQ(avail, mdgpu_type_available("sim1", "64M"))
		TH_LOG("a still owns the retired granule");

	/* a goes: its range minus the granule is free, never the granule. */
	mdgpu_detach(a);
	ASSERT_OK(mdgpu_remove_tracked(&self->f.created, self->a.uuid));
	EXPECT_EQ(avail, mdgpu_type_available("sim1", "64M"))
		TH_LOG("the range holding the retired granule is not offered");
	for (n = 0; n < 8; n++) {
		if (mdgpu_create_tracked(&self->f.created, "sim1", "64M",
					 uuids[n]))
			break;
		ASSERT_OK(mdgpu_instance_u64(uuids[n], "vram_offset", &off));
		EXPECT_FALSE(a_off + bad_in >= off &&
			     a_off + bad_in < off + (64 << 20))
			TH_LOG("new instance %s at 0x%llx holds the bad page",
			       uuids[n], (unsigned long long)off);
	}
	EXPECT_EQ(avail, n);
	EXPECT_EQ(0, mdgpu_type_available("sim1", "64M"));
	for (i = 0; i < n; i++)
		EXPECT_OK(mdgpu_remove_tracked(&self->f.created, uuids[i]));
	/* What the parent looks like from now on. */
	mdgpu_detach(&self->b.g);
	ASSERT_OK(mdgpu_remove_tracked(&self->f.created, self->b.uuid));
	EXPECT_OK(mdgpu_parent_state("sim1", &self->f.base));
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * The parent is lost: a (open, with a REQ eventfd) sees ERR_LOST and the
 * REQ interrupt; nothing new can be created; other parents go on.
 */
TEST_F(fi, lost_parent_fails_instances)
{
	char reason[128], uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_parent_state st, other0, other1;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *a = &self->a.g;
	uint64_t count = 0;
	int req, err, i;

	if (!fi_use_parent(_metadata, &self->f, "sim2"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI) ||
	    !eng_open(_metadata, &self->f, &self->b, MDGPU_IRQ_MSI))
		return;
	req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, req);
	ASSERT_OK(mdgpu_irq_set_eventfd(a->v.device, VFIO_PCI_REQ_IRQ_INDEX,
					req));
	ASSERT_OK(mdgpu_parent_state("sim0", &other0));
	ASSERT_OK(mdgpu_parent_state("sim3", &other1));
	mdgpu_cmd_compute(dw, 200000);
	ENG_SUBMIT(a, dw, MDGPU_COMPUTE_NDW);

	ASSERT_OK(inject("sim2", "lost", "1"));
	err = mdgpu_wait_error(a, ENG_TIMEOUT_MS);
	EXPECT_EQ(MDGPU_ERR_LOST, err) TH_LOG("a: %s", mdgpu_err_name(err));
	err = mdgpu_wait_error(&self->b.g, ENG_TIMEOUT_MS);
	EXPECT_EQ(MDGPU_ERR_LOST, err) TH_LOG("b: %s", mdgpu_err_name(err));
	EXPECT_OK(mdgpu_eventfd_count(req, &count));
	EXPECT_LE(1, count) TH_LOG("no REQ interrupt: QEMU would not unplug");

	EXPECT_STREQ("failed", health("sim2"));
	ASSERT_OK(parent_attr("sim2", "health_reason", reason,
			      sizeof(reason)));
	EXPECT_NE(NULL, strstr(reason, "lost")) TH_LOG("reason: %s", reason);
	ASSERT_OK(mdgpu_parent_state("sim2", &st));
	for (i = 0; i < MDGPU_NR_TYPES; i++) {
		if (st.available[i] < 0)
			continue;
		EXPECT_EQ(0, st.available[i]) {
			TH_LOG("mdgpu-%s available_instances",
			       mdgpu_types[i].name);
		}
	}
	ASSERT_OK(mdgpu_new_uuid(uuid));
	EXPECT_ERR(ENODEV, mdgpu_create("sim2", "64M", uuid))
		TH_LOG("create on a lost parent");
	EXPECT_FALSE(mdgpu_instance_exists(uuid));

	/* The engine stays failed, whatever the guest does. */
	ASSERT_OK(mdgpu_ring_reset(a));
	mdgpu_cmd_fill(dw, 0, 4096, 1, 4096, 1);
	ENG_SUBMIT(a, dw, MDGPU_FILL_NDW);
	err = mdgpu_wait_error(a, ENG_TIMEOUT_MS);
	EXPECT_EQ(MDGPU_ERR_LOST, err) TH_LOG("%s", mdgpu_err_name(err));

	/* Other parents are untouched. */
	mdgpu_expect_state(_metadata, "sim0", &other0);
	mdgpu_expect_state(_metadata, "sim3", &other1);
	EXPECT_STRNE("failed", health("sim0"));

	/* The instances can still be removed. */
	close(req);
	mdgpu_detach(a);
	mdgpu_detach(&self->b.g);
	EXPECT_OK(mdgpu_remove_all(&self->f.created));
	EXPECT_OK(mdgpu_parent_state("sim2", &self->f.base));
	EXPECT_EQ(0, self->f.base.instances);
	eng_check_kmsg(_metadata, &self->f);
}

/* Pin every engine thread (comm "mdgpu-eng/N") to @cpus; the count pinned. */
static int pin_engines(cpu_set_t *cpus)
{
	struct dirent *de;
	char path[300], comm[32];
	int n = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (mdgpu_read_file(path, comm, sizeof(comm)) ||
		    strncmp(comm, "mdgpu-eng/", 10))
			continue;
		if (!sched_setaffinity(atoi(de->d_name), sizeof(*cpus), cpus))
			n++;
	}
	closedir(d);
	return n;
}

/* Spin on CPU 0 as SCHED_FIFO for @ms; the child's exit status is 0 on success. */
static pid_t spin_rt_on_cpu0(int ms)
{
	struct sched_param sp = { .sched_priority = 10 };
	cpu_set_t cpu0;
	pid_t pid;
	double t0;

	pid = fork();
	if (pid)
		return pid;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp))
		_exit(1);
	t0 = eng_now();
	while (eng_now() - t0 < ms / 1000.0)
		;
	_exit(0);
}

/**
 * struct starve - what starve_begin() changed, for starve_end()
 * @hang: hang_timeout_ms before
 * @rt: sched_rt_runtime_us before
 * @fs: CPU 0's fair server runtime before ("" if none)
 * @all: every online CPU
 */
struct starve {
	char hang[32];
	char rt[32];
	char fs[32];
	cpu_set_t all;
};

#define STARVE_HANG	"/sys/module/mdgpu/parameters/hang_timeout_ms"
#define STARVE_RT	"/proc/sys/kernel/sched_rt_runtime_us"
#define STARVE_FS	"/sys/kernel/debug/sched/fair_server/cpu0/runtime"

/*
 * Get ready to starve the engine threads: them on CPU 0, the caller on
 * CPU 1, hang_timeout_ms at HANG_MS, RT throttling and (6.12) CPU 0's fair
 * server off, so that a SCHED_FIFO spinner on CPU 0 leaves them nothing.
 * Return: false (having logged why) if that could not be done.
 */
static bool starve_begin(struct __test_metadata *_metadata, struct starve *st)
{
	char val[16];
	cpu_set_t cpu0, cpu1;
	int i;

	CPU_ZERO(&cpu0);
	CPU_ZERO(&cpu1);
	CPU_ZERO(&st->all);
	CPU_SET(0, &cpu0);
	CPU_SET(1, &cpu1);
	for (i = 0; i < sysconf(_SC_NPROCESSORS_ONLN) && i < CPU_SETSIZE; i++)
		CPU_SET(i, &st->all);
	st->fs[0] = '\0';
	if (mdgpu_read_file(STARVE_HANG, st->hang, sizeof(st->hang)) ||
	    mdgpu_read_file(STARVE_RT, st->rt, sizeof(st->rt)) ||
	    (mdgpu_path_exists(STARVE_FS) &&
	     mdgpu_read_file(STARVE_FS, st->fs, sizeof(st->fs)))) {
		TH_LOG("cannot read the settings to change");
		return false;
	}
	st->hang[strcspn(st->hang, "\n")] = '\0';
	st->rt[strcspn(st->rt, "\n")] = '\0';
	st->fs[strcspn(st->fs, "\n")] = '\0';
	if (sched_setaffinity(0, sizeof(cpu1), &cpu1) ||
	    pin_engines(&cpu0) <= 0) {
		TH_LOG("no mdgpu-eng thread could be pinned");
		return false;
	}
	snprintf(val, sizeof(val), "%d", HANG_MS);
	EXPECT_OK(mdgpu_write_file(STARVE_HANG, val));
	EXPECT_OK(mdgpu_write_file(STARVE_RT, "-1"));
	if (st->fs[0])
		EXPECT_OK(mdgpu_write_file(STARVE_FS, "0"));
	return true;
}

/* Undo starve_begin(). */
static void starve_end(struct starve *st)
{
	if (st->fs[0])
		mdgpu_write_file(STARVE_FS, st->fs);
	mdgpu_write_file(STARVE_RT, st->rt);
	mdgpu_write_file(STARVE_HANG, st->hang);
	pin_engines(&st->all);
	sched_setaffinity(0, sizeof(st->all), &st->all);
}

/* A vGPU's engine_time_us, in seconds (-1 if unreadable). */
static double engine_s(struct eng_vgpu *v)
{
	uint64_t us;

	return mdgpu_instance_u64(v->uuid, "engine_time_us", &us) ? -1.0 :
	       us / 1e6;
}

/*
 * Chunk charging: a and b share sim3's engine under equal share, each with
 * more COMPUTE queued than the test lasts, when a real-time spinner takes
 * the engine's CPU for 1.5 s. Whichever vGPU's chunk the spin stalled must
 * not be charged the stall: over the spin, a and b together are charged
 * at most a quarter of it (the engine ran only before and after). And
 * over the next 0.4 s of engine time they still share the engine evenly.
 * Their jobs last 0.5 s and the per-job watchdog is at 1 s: it counts the
 * same charge, so the stalled job is no runaway. Charging a chunk its wall
 * time put the stalled vGPU 1.5 s (its lag limit, 1 s) ahead, the other
 * had the engine alone for that second, and the watchdog failed the
 * stalled job.
 */
TEST_F(fi, stalled_engine_is_not_charged)
{
	char pol_path[] = "/sys/class/mdgpu/sim3/policy";
	char wd_path[] = "/sys/class/mdgpu/sim3/watchdog_ms";
	char old_pol[32] = "best_effort", old_wd[32] = "2000";
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *a = &self->a.g, *b = &self->b.g;
	double t0, t1, t2, e0, e1, e2, da, db, share;
	uint32_t err_a, err_b;
	struct starve st;
	int i, status;
	pid_t pid;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	if (!fi_use_parent(_metadata, &self->f, "sim3"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI) ||
	    !eng_open(_metadata, &self->f, &self->b, MDGPU_IRQ_MSI))
		return;
	ASSERT_OK(mdgpu_read_file(pol_path, old_pol, sizeof(old_pol)));
	old_pol[strcspn(old_pol, "\n")] = '\0';
	ASSERT_OK(mdgpu_read_file(wd_path, old_wd, sizeof(old_wd)));
	old_wd[strcspn(old_wd, "\n")] = '\0';
	ASSERT_OK(mdgpu_write_file(pol_path, "equal_share"));
	ASSERT_OK(mdgpu_write_file(wd_path, "1000"));
	ASSERT_TRUE(starve_begin(_metadata, &st)) {
		starve_end(&st);
		mdgpu_write_file(pol_path, old_pol);
		mdgpu_write_file(wd_path, old_wd);
	}

	/* 8 s each, far more than the test waits for. */
	mdgpu_cmd_compute(dw, 500000);
	for (i = 0; i < 16; i++) {
		ENG_SUBMIT(a, dw, MDGPU_COMPUTE_NDW);
		ENG_SUBMIT(b, dw, MDGPU_COMPUTE_NDW);
	}
	usleep(200000);
	e0 = engine_s(&self->a) + engine_s(&self->b);
	t0 = eng_now();
	pid = spin_rt_on_cpu0(1500);
	if (pid > 0)
		waitpid(pid, &status, 0);
	t1 = eng_now();
	starve_end(&st);
	e1 = engine_s(&self->a) + engine_s(&self->b);
	/* Until they got 0.4 s after it, however slow the host. */
	da = engine_s(&self->a);
	db = engine_s(&self->b);
	e2 = e1;
	for (i = 0; i < 100 && e2 - e1 < 0.4; i++) {
		usleep(100000);
		e2 = engine_s(&self->a) + engine_s(&self->b);
	}
	t2 = eng_now();
	da = engine_s(&self->a) - da;
	db = engine_s(&self->b) - db;
	err_a = mdgpu_rd(a, MDGPU_REG_ERR_CODE);
	err_b = mdgpu_rd(b, MDGPU_REG_ERR_CODE);
	mdgpu_write_file(pol_path, old_pol);
	mdgpu_write_file(wd_path, old_wd);
	EXPECT_OK(mdgpu_ring_reset(a));
	EXPECT_OK(mdgpu_ring_reset(b));

	ASSERT_LT(0, pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the spinner could not become SCHED_FIFO on CPU 0");
	/* No 0.5 s job was charged the per-job limit of 1 s. */
	EXPECT_EQ(0, err_a) TH_LOG("a: %s", mdgpu_err_name(err_a));
	EXPECT_EQ(0, err_b) TH_LOG("b: %s", mdgpu_err_name(err_b));
	EXPECT_LE(0, e0);
	TH_LOG("over the %.3f s spin: %.3f s charged; after it: a %.3f s, b %.3f s in %.3f s",
	       t1 - t0, e1 - e0, da, db, t2 - t1);
	EXPECT_LT(e1 - e0, 0.25 * 1.5)
		TH_LOG("the stall was charged: %.3f s of engine time over a %.3f s spin",
		       e1 - e0, t1 - t0);
	/* The engine worked after the spin, and for both evenly. */
	ASSERT_LE(0.4, da + db)
		TH_LOG("the engine ran %.3f s in the %.1f s after the spin",
		       da + db, t2 - t1);
	share = da / (da + db);
	EXPECT_TRUE(share >= 0.5 * 0.75 && share <= 0.5 * 1.25)
		TH_LOG("after the spin a got %.3f of the engine, b %.3f: not half each within 25 %%",
		       share, 1 - share);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * The same for work the engine does on the CPU: a queues 64 FILLs of 4 MiB
 * and the spinner takes the engine's CPU while they run, with the per-job
 * watchdog at 1 s. The FILL chunk the spin preempted is charged its work,
 * not the 1.5 s it waited for a CPU: over the spin a is charged at most a
 * quarter of it, and no FILL is failed by the watchdog. Charging the
 * chunk's wall time failed the FILL with ERR_WATCHDOG.
 */
TEST_F(fi, stalled_fill_is_not_charged)
{
	char wd_path[] = "/sys/class/mdgpu/sim3/watchdog_ms";
	char old_wd[32] = "2000";
	uint32_t dw[MDGPU_CMD_MAX_NDW], done;
	struct mdgpu *a = &self->a.g;
	double t0, t1, e0, e1;
	struct starve st;
	int i, err, status;
	pid_t pid;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	if (!fi_use_parent(_metadata, &self->f, "sim3"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	ASSERT_OK(mdgpu_read_file(wd_path, old_wd, sizeof(old_wd)));
	old_wd[strcspn(old_wd, "\n")] = '\0';
	ASSERT_OK(mdgpu_write_file(wd_path, "1000"));
	ASSERT_TRUE(starve_begin(_metadata, &st)) {
		starve_end(&st);
		mdgpu_write_file(wd_path, old_wd);
	}

	e0 = engine_s(&self->a);
	for (i = 0; i < 64; i++) {
		mdgpu_cmd_fill(dw, (16 + i % 8 * 4) * SZ_1M, 4096, 1024, 4096,
			       i);
		ENG_SUBMIT(a, dw, MDGPU_FILL_NDW);
	}
	t0 = eng_now();
	pid = spin_rt_on_cpu0(1500);
	if (pid > 0)
		waitpid(pid, &status, 0);
	t1 = eng_now();
	done = mdgpu_rd(a, MDGPU_REG_CMDS_DONE);
	e1 = engine_s(&self->a);
	starve_end(&st);
	err = mdgpu_wait_idle(a, ENG_TIMEOUT_MS);
	mdgpu_write_file(wd_path, old_wd);

	ASSERT_LT(0, pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the spinner could not become SCHED_FIFO on CPU 0");
	TH_LOG("over the %.3f s spin: %.3f s charged, %u of 64 FILLs done",
	       t1 - t0, e1 - e0, done);
	/* The premise: the FILLs were still running when the spin began. */
	EXPECT_GT(64, done) TH_LOG("the FILLs ended before the spin");
	EXPECT_EQ(0, err)
		TH_LOG("%d, %s", err,
		       mdgpu_err_name(mdgpu_rd(a, MDGPU_REG_ERR_CODE)));
	EXPECT_LT(e1 - e0, 0.25 * 1.5)
		TH_LOG("the stall was charged: %.3f s of engine time over a %.3f s spin",
		       e1 - e0, t1 - t0);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * hang_timeout_ms has a floor: a COMPUTE chunk sleeps up to a whole slice
 * (100 ms at most) with nothing finished, and the watchdog, which looks
 * every 100 ms, takes a check that comes half the timeout late for a
 * stalled machine and starts its wait again. Below 500 is refused (0,
 * off, is not); at 500, a COMPUTE job of 1 s in 100 ms slices runs to
 * its end without a hang, and an injected hang is still detected. With a
 * floor of 200 the injected hang was not seen within 20 s: nearly every
 * check looked late.
 */
TEST_F(fi, hang_timeout_floor)
{
	char ts_path[] = "/sys/class/mdgpu/sim0/timeslice_us";
	char old_hang[32] = "2000", old_ts[32] = "2000", buf[32];
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *a = &self->a.g;
	int err;

	if (!fi_use_parent(_metadata, &self->f, "sim0"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	ASSERT_OK(mdgpu_read_file(STARVE_HANG, old_hang, sizeof(old_hang)));
	old_hang[strcspn(old_hang, "\n")] = '\0';
	ASSERT_OK(mdgpu_read_file(ts_path, old_ts, sizeof(old_ts)));
	old_ts[strcspn(old_ts, "\n")] = '\0';

	EXPECT_EQ(-EINVAL, mdgpu_write_file(STARVE_HANG, "499"));
	EXPECT_EQ(-EINVAL, mdgpu_write_file(STARVE_HANG, "1"));
	ASSERT_OK(mdgpu_read_file(STARVE_HANG, buf, sizeof(buf)));
	EXPECT_EQ(strtoul(old_hang, NULL, 10), strtoul(buf, NULL, 10))
		TH_LOG("a refused value changed hang_timeout_ms to %s", buf);
	EXPECT_OK(mdgpu_write_file(STARVE_HANG, "0"));
	ASSERT_OK(mdgpu_write_file(STARVE_HANG, "500"));
	ASSERT_OK(mdgpu_write_file(ts_path, "100000"));

	mdgpu_cmd_compute(dw, 1000000);
	ENG_SUBMIT(a, dw, MDGPU_COMPUTE_NDW);
	err = mdgpu_wait_idle(a, ENG_TIMEOUT_MS);
	EXPECT_EQ(0, err)
		TH_LOG("a COMPUTE job in 100 ms slices: %d, %s", err,
		       mdgpu_err_name(mdgpu_rd(a, MDGPU_REG_ERR_CODE)));
	if (err)
		ASSERT_OK(mdgpu_ring_reset(a));

	/* A real hang is still one. */
	mdgpu_cmd_compute(dw, 1000000);
	ENG_SUBMIT(a, dw, MDGPU_COMPUTE_NDW);
	usleep(50000);
	ASSERT_OK(inject("sim0", "hang", "1"));
	err = mdgpu_wait_error(a, ENG_TIMEOUT_MS);
	EXPECT_EQ(MDGPU_ERR_HANG, err) TH_LOG("%s", mdgpu_err_name(err));

	mdgpu_write_file(ts_path, old_ts);
	mdgpu_write_file(STARVE_HANG, old_hang);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * The engine thread has a second of COMPUTE to run when a real-time
 * spinner takes its CPU for four times hang_timeout_ms (RT throttling and,
 * on 6.12, CPU 0's fair server off meanwhile, so nothing else runs there).
 * The engine finishes nothing in that time, but only because it gets no
 * CPU: the progress watchdog must not call that a hang. Before the fix it
 * failed the context with ERR_HANG and degraded the parent.
 */
TEST_F(fi, starved_engine_is_not_hung)
{
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *a = &self->a.g;
	double t0, t_spin, t_done;
	struct starve st;
	char reason[128];
	int status;
	pid_t pid;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	if (!fi_use_parent(_metadata, &self->f, "sim3"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	EXPECT_STREQ("ok", health("sim3"));
	ASSERT_TRUE(starve_begin(_metadata, &st))
		starve_end(&st);

	mdgpu_cmd_compute(dw, 1000000);
	ENG_SUBMIT(a, dw, MDGPU_COMPUTE_NDW);
	usleep(50000);
	t0 = eng_now();
	pid = spin_rt_on_cpu0(4 * HANG_MS);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t_spin = eng_now() - t0;
	ASSERT_EQ(mdgpu_wait_idle(a, ENG_TIMEOUT_MS), 0);
	t_done = eng_now() - t0;

	starve_end(&st);

	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the spinner could not become SCHED_FIFO on CPU 0");
	/* The premise: the engine could not finish the job while it spun. */
	EXPECT_LE(t_spin - 0.01, t_done)
		TH_LOG("the job ended %.3f s in, before the spin ended (%.3f s): the engine was not starved",
		       t_done, t_spin);
	EXPECT_EQ(0, mdgpu_rd(a, MDGPU_REG_ERR_CODE))
		TH_LOG("%s", mdgpu_err_name(mdgpu_rd(a, MDGPU_REG_ERR_CODE)));
	EXPECT_STREQ("ok", health("sim3"));
	if (strcmp(health("sim3"), "ok") &&
	    !parent_attr("sim3", "health_reason", reason, sizeof(reason)))
		TH_LOG("health reason: %s", reason);
	fill_works(_metadata, &self->a, 0, 0x5a5a5a5a);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * Defect 4: the watchdog fails a's long COMPUTE, then (watchdog_delay_ms)
 * waits before putting a's scheduler entity to sleep. The guest resets its
 * ring, enables it and rings the doorbell as soon as it sees the error.
 * If the engine let go of the instance between the two steps, that restart
 * would land in the window: the context runnable in the engine, asleep in
 * the scheduler, and no later doorbell would ever run it.
 */
TEST_F(fi, watchdog_race_with_restart)
{
	char wd_path[PATH_MAX], old_wd[32] = "2000";
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu *a = &self->a.g;
	int i, err;

	if (!fi_use_parent(_metadata, &self->f, "sim3"))
		return;
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_MSI))
		return;
	snprintf(wd_path, sizeof(wd_path), "/sys/class/mdgpu/sim3/watchdog_ms");
	ASSERT_OK(mdgpu_read_file(wd_path, old_wd, sizeof(old_wd)));
	ASSERT_OK(mdgpu_write_file(wd_path, "20"));
	ASSERT_OK(inject("sim3", "watchdog_delay_ms", "300"));
	for (i = 0; i < 3; i++) {
		mdgpu_cmd_compute(dw, 500000);
		ENG_SUBMIT(a, dw, MDGPU_COMPUTE_NDW);
		err = mdgpu_wait_error(a, ENG_TIMEOUT_MS);
		ASSERT_EQ(MDGPU_ERR_WATCHDOG, err)
			TH_LOG("round %d: %s", i, mdgpu_err_name(err));
		/* inside the widened window, if the engine left it open */
		ASSERT_OK(mdgpu_ring_reset(a));
		mdgpu_cmd_fill(dw, (uint64_t)i * 4096, 4096, 1, 4096, i + 1);
		ENG_SUBMIT(a, dw, MDGPU_FILL_NDW);
		err = mdgpu_wait_idle(a, 5000);
		ASSERT_EQ(0, err)
			TH_LOG("round %d: the ring restarted in the watchdog's window never ran (%d)",
			       i, err);
		EXPECT_EQ((uint32_t)i + 1,
			  *(volatile uint32_t *)(a->vram + i * 4096ULL + 4092));
	}
	EXPECT_OK(inject("sim3", "watchdog_delay_ms", "0"));
	mdgpu_write_file(wd_path, old_wd);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
