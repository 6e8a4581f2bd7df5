// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error unwinding under fault injection: make the 1st, 2nd, 3rd, ...
 * allocation (or user copy) of an operation fail, through the task's
 * fail-nth file, until the operation runs without reaching the armed fault.
 * After every failed attempt everything a user can see must be as before:
 * no device, the same budget, a device that still works. On the debug
 * kernel kmemleak and KASAN then look for what the unwinding got wrong.
 *
 * The operations: instance creation and removal, opening the device,
 * SET_IRQS, a BAR0 write; migration (each state change that starts or ends
 * a data session, reading a saved stream, loading one and the RESUMING ->
 * STOP that applies it); and compaction of the parent's VRAM, which
 * relocates an open instance. A failed migration step must leave the
 * device in its old state or in ERROR (which VFIO_DEVICE_RESET leaves),
 * never in a state with wrong contents; a failed compaction leaves every
 * instance where it was with its VRAM as it was.
 *
 * Needs CONFIG_FAULT_INJECTION (+ FAILSLAB, FAIL_PAGE_ALLOC, debugfs);
 * skipped on kernels without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "mdgpu_fault.h"
#include "mig_vfio.h"

FIXTURE(fail_nth) {
	struct mdgpu_uuid_list created;
	struct mdgpu_fault_knobs knobs;
	char parent[MDGPU_NAME_LEN];
	struct mdgpu_parent_state base;
};

FIXTURE_SETUP(fail_nth)
{
	mdgpu_first_parent(_metadata, self->parent);
	ASSERT_OK(mdgpu_parent_state(self->parent, &self->base));
	ASSERT_EQ(0, self->base.instances);
	/*
	 * Last: teardown, which restores the knobs, only follows a setup
	 * that completed.
	 */
	mdgpu_fault_setup(_metadata, &self->knobs);
}

FIXTURE_TEARDOWN_PARENT(fail_nth)
{
	mdgpu_teardown_begin();
	mdgpu_fault_teardown(_metadata, &self->knobs);
	EXPECT_OK(mdgpu_remove_all(&self->created));
	mdgpu_expect_state(_metadata, self->parent, &self->base);
}

/* Create an instance of @type with each fault site failing in turn. */
static void create_under_faults(struct __test_metadata *_metadata,
				FIXTURE_DATA(fail_nth) *self, int type)
{
	char path[PATH_MAX], uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_parent_state before, after;
	struct mdgpu_nth nth;
	bool injected;
	ssize_t r;
	int fd, err;

	mdgpu_type_path(path, sizeof(path), self->parent,
			mdgpu_types[type].name, "create");
	mdgpu_nth_open(_metadata, &nth);
	do {
		ASSERT_OK(mdgpu_parent_state(self->parent, &before));
		ASSERT_OK(mdgpu_new_uuid(uuid));
		fd = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);

		mdgpu_nth_arm(_metadata, &nth);
		r = write(fd, uuid, MDGPU_UUID_LEN);
		err = errno;
		injected = mdgpu_nth_disarm(_metadata, &nth);
		close(fd);

		if (mdgpu_instance_exists(uuid))
			ASSERT_OK(mdgpu_track(&self->created, uuid));
		if (r == MDGPU_UUID_LEN) {
			/* Created despite the fault: then it is complete. */
			uint64_t size;

			ASSERT_TRUE(mdgpu_instance_exists(uuid))
				TH_LOG("fault %u", nth.n);
			ASSERT_OK(mdgpu_instance_u64(uuid, "vram_size", &size));
			EXPECT_EQ(mdgpu_types[type].size, size);
			ASSERT_OK(mdgpu_parent_state(self->parent, &after));
			EXPECT_EQ(before.instances + 1, after.instances)
				TH_LOG("fault %u", nth.n);
			EXPECT_EQ(before.vram_used + size, after.vram_used)
				TH_LOG("fault %u", nth.n);
			ASSERT_OK(mdgpu_remove_tracked(&self->created, uuid));
		} else {
			EXPECT_TRUE(injected)
				TH_LOG("create failed (%s) with no fault injected",
				       strerror(err));
			EXPECT_FALSE(mdgpu_instance_exists(uuid))
				TH_LOG("fault %u: failed create left a device (%s)",
				       nth.n, strerror(err));
		}
		mdgpu_expect_state(_metadata, self->parent, &before);
		if (_metadata->exit_code)
			TH_LOG("mdgpu-%s: fault %u, create %s", mdgpu_types[type].name,
			       nth.n, r < 0 ? strerror(err) : "succeeded");
		ASSERT_EQ(0, _metadata->exit_code);
	} while (injected);
	mdgpu_nth_close(&nth);
	/* Without a fault, the create succeeded. */
	ASSERT_EQ(MDGPU_UUID_LEN, r);
	ksft_print_msg("mdgpu-%s: create survived %u fault sites\n",
		       mdgpu_types[type].name, nth.n - 1);
}

TEST_F_TIMEOUT(fail_nth, create, 1200)
{
	char uuid[MDGPU_UUID_LEN + 1];
	int t;

	if (!self->knobs.filtered)
		SKIP(return, "%s() WARNs when it fails (VFIO core bug): needs %s",
		     MDGPU_FAULT_REJECT,
		     "CONFIG_FAULT_INJECTION_STACKTRACE_FILTER to avoid it");

	for (t = 0; t < MDGPU_NR_TYPES; t++) {
		if (self->base.available[t] < 0)
			continue;
		create_under_faults(_metadata, self, t);
	}
	/* Again with other instances around. */
	ASSERT_OK(mdgpu_create_tracked(&self->created, self->parent,
				       mdgpu_types[0].name, uuid));
	create_under_faults(_metadata, self, 0);
}

TEST_F_TIMEOUT(fail_nth, remove, 1200)
{
	char path[PATH_MAX], uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_parent_state with;
	struct mdgpu_nth nth;
	bool injected;
	ssize_t r;
	int fd;

	mdgpu_nth_open(_metadata, &nth);
	do {
		ASSERT_OK(mdgpu_create_tracked(&self->created, self->parent,
					       mdgpu_types[0].name, uuid));
		ASSERT_OK(mdgpu_parent_state(self->parent, &with));
		snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/remove", uuid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);

		mdgpu_nth_arm(_metadata, &nth);
		r = write(fd, "1", 1);
		injected = mdgpu_nth_disarm(_metadata, &nth);
		close(fd);

		if (r == 1) {
			EXPECT_FALSE(mdgpu_instance_exists(uuid))
				TH_LOG("fault %u", nth.n);
			mdgpu_expect_state(_metadata, self->parent, &self->base);
		} else {
			/* Refused: the instance is still whole. */
			EXPECT_TRUE(injected) TH_LOG("fault %u", nth.n);
			mdgpu_expect_state(_metadata, self->parent, &with);
			ASSERT_OK(mdgpu_remove_tracked(&self->created, uuid));
		}
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("fault %u", nth.n);
		mdgpu_remove_all(&self->created);
	} while (injected);
	mdgpu_nth_close(&nth);
	ksft_print_msg("remove survived %u fault sites\n", nth.n - 1);
}

/* Open the device fd of a group with each fault site failing in turn. */
TEST_F_TIMEOUT(fail_nth, open_device, 1200)
{
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio v, again;
	uint64_t refcnt, closed;
	struct mdgpu_nth nth;
	bool injected;
	int ret;

	ASSERT_OK(mdgpu_create_tracked(&self->created, self->parent,
				       mdgpu_types[0].name, uuid));
	ASSERT_OK(mdgpu_vfio_group_setup(uuid, &v));
	/* The module's references while the device is not open. */
	ASSERT_OK(mdgpu_read_u64(MDGPU_MODULE_DIR "/refcnt", &closed));
	mdgpu_nth_open(_metadata, &nth);
	do {
		mdgpu_nth_arm(_metadata, &nth);
		ret = mdgpu_vfio_get_device(uuid, &v);
		injected = mdgpu_nth_disarm(_metadata, &nth);

		if (!ret) {
			EXPECT_EQ(MDGPU_PCI_VENDOR_ID,
				  mdgpu_cfg_read32(v.device, 0) & 0xffff);
			close(v.device);
			v.device = -1;
		} else {
			EXPECT_TRUE(injected) TH_LOG("fault %u: %d", nth.n, ret);
		}
		/* Nothing stayed held, and the device opens normally. */
		ASSERT_OK(mdgpu_read_u64(MDGPU_MODULE_DIR "/refcnt", &refcnt));
		EXPECT_EQ(closed, refcnt) TH_LOG("fault %u", nth.n);
		again = v;
		ASSERT_OK(mdgpu_vfio_get_device(uuid, &again))
			TH_LOG("fault %u", nth.n);
		EXPECT_EQ(MDGPU_ID_MAGIC, mdgpu_reg_read(again.device,
							 MDGPU_REG_ID));
		close(again.device);
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("fault %u", nth.n);
	} while (injected);
	mdgpu_nth_close(&nth);
	mdgpu_vfio_close(&v);
	ksft_print_msg("device open survived %u fault sites\n", nth.n - 1);
}

static uint64_t signals(int efd)
{
	uint64_t n;

	return mdgpu_eventfd_count(efd, &n) ? ~0ULL : n;
}

/* Register an eventfd with each fault site failing in turn. */
TEST_F_TIMEOUT(fail_nth, set_irqs, 1200)
{
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio v;
	int a, b, ret;
	struct mdgpu_nth nth;
	bool injected;

	ASSERT_OK(mdgpu_create_tracked(&self->created, self->parent,
				       mdgpu_types[0].name, uuid));
	ASSERT_OK(mdgpu_vfio_open_group(uuid, &v));
	a = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	mdgpu_nth_open(_metadata, &nth);
	do {
		ASSERT_OK(mdgpu_irq_set_eventfd(v.device, VFIO_PCI_MSI_IRQ_INDEX,
						a));
		mdgpu_nth_arm(_metadata, &nth);
		ret = mdgpu_irq_set_eventfd(v.device, VFIO_PCI_MSI_IRQ_INDEX, b);
		injected = mdgpu_nth_disarm(_metadata, &nth);

		ASSERT_OK(mdgpu_irq_fire(v.device, VFIO_PCI_MSI_IRQ_INDEX));
		if (!ret) {
			EXPECT_EQ(0, signals(a)) TH_LOG("fault %u", nth.n);
			EXPECT_EQ(1, signals(b)) TH_LOG("fault %u", nth.n);
		} else {
			/* Refused: the old eventfd is still the one. */
			EXPECT_TRUE(injected) TH_LOG("fault %u: %d", nth.n, ret);
			EXPECT_EQ(1, signals(a)) TH_LOG("fault %u", nth.n);
			EXPECT_EQ(0, signals(b)) TH_LOG("fault %u", nth.n);
		}
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("fault %u", nth.n);
	} while (injected);
	mdgpu_nth_close(&nth);
	mdgpu_vfio_close(&v);
	close(a);
	close(b);
	ksft_print_msg("SET_IRQS survived %u fault sites\n", nth.n - 1);
}

/* Write a fresh VRAM page with each fault site failing in turn. */
TEST_F_TIMEOUT(fail_nth, bar0_write, 1200)
{
	uint8_t pattern[4096], back[4096], zero[4096] = { 0 };
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio v;
	struct mdgpu_nth nth;
	bool injected;
	uint64_t off;
	ssize_t r;
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = i * 7 + 1;
	ASSERT_OK(mdgpu_create_tracked(&self->created, self->parent,
				       mdgpu_types[0].name, uuid));
	ASSERT_OK(mdgpu_vfio_open_group(uuid, &v));
	mdgpu_nth_open(_metadata, &nth);
	do {
		/* A page never written before, so it has to be allocated. */
		off = (uint64_t)(nth.n + 1) * sizeof(pattern);
		ASSERT_LT(off, mdgpu_types[0].size);
		mdgpu_nth_arm(_metadata, &nth);
		r = mdgpu_region_write(v.device, VFIO_PCI_BAR0_REGION_INDEX, off,
				       pattern, sizeof(pattern));
		injected = mdgpu_nth_disarm(_metadata, &nth);

		if (r < 0) {
			EXPECT_TRUE(injected) TH_LOG("fault %u: %zd", nth.n, r);
			EXPECT_TRUE(r == -ENOMEM || r == -EFAULT)
				TH_LOG("fault %u: %zd", nth.n, r);
			r = 0;
		}
		/* What was reported written is there; the rest is blank. */
		ASSERT_EQ((ssize_t)sizeof(back),
			  mdgpu_region_read(v.device, VFIO_PCI_BAR0_REGION_INDEX,
					    off, back, sizeof(back)));
		EXPECT_EQ(0, memcmp(pattern, back, r)) TH_LOG("fault %u", nth.n);
		EXPECT_EQ(0, memcmp(zero, back + r, sizeof(back) - r))
			TH_LOG("fault %u", nth.n);
		/* And the page can be written normally afterwards. */
		ASSERT_EQ((ssize_t)sizeof(pattern),
			  mdgpu_region_write(v.device, VFIO_PCI_BAR0_REGION_INDEX,
					     off, pattern, sizeof(pattern)));
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("fault %u", nth.n);
	} while (injected);
	mdgpu_nth_close(&nth);
	mdgpu_vfio_close(&v);
	ksft_print_msg("BAR0 write survived %u fault sites\n", nth.n - 1);
}

/* ------------------------------------------------------------------------
 * migration and relocation
 */

#define PG		4096u
#define MIG_CHUNK	(64 * 1024)

/* Pages written before each attempt: first, middle and last MiB. */
static const uint64_t pat_off[] = { 0, (1u << 20) + PG, 63u << 20 };

static void pat_page(uint8_t *buf, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < PG; j++)
		buf[j] = (uint8_t)(j * 13 + i * 71 + 1);
}

static int pat_write(int device)
{
	uint8_t buf[PG];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pat_off); i++) {
		pat_page(buf, i);
		if (mdgpu_region_write(device, VFIO_PCI_BAR0_REGION_INDEX,
				       pat_off[i], buf, PG) != PG)
			return -EIO;
	}
	return 0;
}

/* 1: every pattern page reads back; 0: all read as zeroes; else -1. */
static int pat_state(int device)
{
	uint8_t want[PG], got[PG], zero[PG] = { 0 };
	unsigned int i, same = 0, zeroes = 0;

	for (i = 0; i < ARRAY_SIZE(pat_off); i++) {
		pat_page(want, i);
		if (mdgpu_region_read(device, VFIO_PCI_BAR0_REGION_INDEX,
				      pat_off[i], got, PG) != PG)
			return -1;
		same += !memcmp(want, got, PG);
		zeroes += !memcmp(zero, got, PG);
	}
	if (same == ARRAY_SIZE(pat_off))
		return 1;
	return zeroes == ARRAY_SIZE(pat_off) ? 0 : -1;
}

/* Create and open a 64M instance; SKIP if it cannot migrate. */
static bool mig_open(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fail_nth) *self, char *uuid,
		     struct mdgpu_vfio *v, uint64_t *flags)
{
	ASSERT_OK(mdgpu_create_tracked(&self->created, self->parent,
				       mdgpu_types[0].name, uuid));
	ASSERT_OK(mdgpu_vfio_open_group(uuid, v));
	if (mdgpu_mig_flags(v->device, flags)) {
		mdgpu_vfio_close(v);
		SKIP(return false, "the device does not advertise migration");
	}
	return true;
}

/* VFIO_DEVICE_RESET, which leaves any state for RUNNING. */
static void mig_reset(struct __test_metadata *_metadata, int device)
{
	uint32_t st;

	ASSERT_EQ(0, ioctl(device, VFIO_DEVICE_RESET)) TH_LOG("%s",
							      strerror(errno));
	ASSERT_OK(mdgpu_mig_get_state(device, &st));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, st)
		TH_LOG("after reset: %s", mig_state_name(st));
}

/* The whole STOP_COPY stream of @device (left in STOP_COPY). */
static void mig_save_ref(struct __test_metadata *_metadata, int device,
			 struct mig_buf *s, struct mig_parser *p)
{
	int fd;

	ASSERT_OK(mdgpu_mig_set_state(device, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	ASSERT_LE(0, fd);
	ASSERT_OK(mig_read_fd(fd, MIG_CHUNK, s, NULL));
	close(fd);
	memset(p, 0, sizeof(*p));
	ASSERT_OK(mig_parse_all(p, s->p, s->len)) TH_LOG("%s", p->why);
	ASSERT_EQ(ARRAY_SIZE(pat_off), p->vram_pages);
}

/*
 * Each state change that starts a data session (RUNNING -> STOP_COPY,
 * -> PRE_COPY, -> RESUMING; the core runs them as several arcs) with each
 * fault site failing in turn. A failure leaves the old state with VRAM
 * untouched, or ERROR, or (the core failing to hand over the fd) the new
 * state without an fd; a reset then gives a working RUNNING device.
 */
TEST_F_TIMEOUT(fail_nth, migration_arcs, 1200)
{
	static const uint32_t targets[] = {
		VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_PRE_COPY,
		VFIO_DEVICE_STATE_RESUMING,
	};
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio v;
	struct mdgpu_nth nth;
	uint64_t flags;
	uint32_t st;
	bool injected;
	size_t t;
	int fd, ret;

	if (!mig_open(_metadata, self, uuid, &v, &flags))
		return;
	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		if (targets[t] == VFIO_DEVICE_STATE_PRE_COPY &&
		    !(flags & VFIO_MIGRATION_PRE_COPY))
			continue;
		mdgpu_nth_open(_metadata, &nth);
		do {
			ASSERT_OK(pat_write(v.device));
			mdgpu_nth_arm(_metadata, &nth);
			ret = mdgpu_mig_set_state(v.device, targets[t], &fd);
			injected = mdgpu_nth_disarm(_metadata, &nth);

			ASSERT_OK(mdgpu_mig_get_state(v.device, &st));
			if (!ret) {
				EXPECT_LE(0, fd) TH_LOG("fault %u", nth.n);
				EXPECT_EQ(targets[t], st);
			} else {
				EXPECT_TRUE(injected)
					TH_LOG("fault %u: %s with no fault injected",
					       nth.n, strerror(-ret));
				EXPECT_TRUE(st == VFIO_DEVICE_STATE_RUNNING ||
					    st == VFIO_DEVICE_STATE_ERROR ||
					    st == targets[t])
					TH_LOG("fault %u: state %s", nth.n,
					       mig_state_name(st));
				if (st == VFIO_DEVICE_STATE_RUNNING)
					EXPECT_EQ(1, pat_state(v.device))
						TH_LOG("fault %u: VRAM changed",
						       nth.n);
			}
			if (fd >= 0)
				close(fd);
			if (st != VFIO_DEVICE_STATE_RUNNING)
				mig_reset(_metadata, v.device);
			EXPECT_EQ(MDGPU_ID_MAGIC,
				  mdgpu_reg_read(v.device, MDGPU_REG_ID));
			ASSERT_EQ(0, _metadata->exit_code)
				TH_LOG("to %s: fault %u (%s)",
				       mig_state_name(targets[t]), nth.n,
				       ret ? strerror(-ret) : "succeeded");
		} while (injected);
		mdgpu_nth_close(&nth);
		ASSERT_OK(ret);
		ksft_print_msg("migration to %s survived %u fault sites\n",
			       mig_state_name(targets[t]), nth.n - 1);
	}
	mdgpu_vfio_close(&v);
}

/*
 * Read a STOP_COPY stream with each fault site failing in turn: a failed
 * read() loses nothing, so reading on gives the whole stream, checksum
 * and all, as long as without faults.
 */
TEST_F_TIMEOUT(fail_nth, migration_save, 1200)
{
	struct mig_buf ref = { 0 }, s = { 0 };
	char uuid[MDGPU_UUID_LEN + 1];
	struct mig_parser rp, p;
	struct mdgpu_vfio v;
	struct mdgpu_nth nth;
	uint64_t flags;
	bool injected;
	int fd, ret;

	if (!mig_open(_metadata, self, uuid, &v, &flags))
		return;
	ASSERT_OK(pat_write(v.device));
	mig_save_ref(_metadata, v.device, &ref, &rp);
	mig_reset(_metadata, v.device);
	mdgpu_nth_open(_metadata, &nth);
	do {
		ASSERT_OK(pat_write(v.device));
		ASSERT_OK(mdgpu_mig_set_state(v.device,
					      VFIO_DEVICE_STATE_STOP_COPY, &fd));
		ASSERT_LE(0, fd);
		s.len = 0;
		mdgpu_nth_arm(_metadata, &nth);
		ret = mig_read_fd(fd, MIG_CHUNK, &s, NULL);
		injected = mdgpu_nth_disarm(_metadata, &nth);

		if (ret) {
			EXPECT_TRUE(injected) TH_LOG("fault %u: %s", nth.n,
						     strerror(-ret));
			EXPECT_TRUE(ret == -EFAULT || ret == -ENOMEM)
				TH_LOG("fault %u: %s", nth.n, strerror(-ret));
			/* The rest of the stream follows on. */
			EXPECT_OK(mig_read_fd(fd, MIG_CHUNK, &s, NULL))
				TH_LOG("fault %u", nth.n);
		}
		close(fd);
		memset(&p, 0, sizeof(p));
		EXPECT_OK(mig_parse_all(&p, s.p, s.len))
			TH_LOG("fault %u: %s", nth.n, p.why);
		EXPECT_EQ(ref.len, s.len) TH_LOG("fault %u", nth.n);
		EXPECT_EQ(rp.vram_pages, p.vram_pages) TH_LOG("fault %u", nth.n);
		mig_parse_free(&p);
		mig_reset(_metadata, v.device);
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("fault %u (%s)", nth.n,
							  ret ? strerror(-ret) :
							  "read whole");
	} while (injected);
	mdgpu_nth_close(&nth);
	ksft_print_msg("reading the stream survived %u fault sites\n",
		       nth.n - 1);
	mig_parse_free(&rp);
	mig_buf_free(&s);
	mig_buf_free(&ref);
	mdgpu_vfio_close(&v);
}

/*
 * Load a saved stream (the writes, then RESUMING -> STOP, which applies
 * it) with each fault site failing in turn. Either the device reaches STOP
 * with the saved VRAM (the request may still fail after that, in the
 * core's copy of its answer), or it refuses the stream and ends in ERROR
 * (or stays in RESUMING if the state change never reached it); it never
 * reaches STOP with other contents. A reset recovers it.
 */
TEST_F_TIMEOUT(fail_nth, migration_load, 1200)
{
	char uuid[MDGPU_UUID_LEN + 1];
	struct mig_buf ref = { 0 };
	struct mdgpu_vfio v;
	struct mdgpu_nth nth;
	struct mig_parser rp;
	uint64_t flags;
	bool injected;
	int fd, werr, ret;
	size_t done;
	uint32_t st;

	if (!mig_open(_metadata, self, uuid, &v, &flags))
		return;
	ASSERT_OK(pat_write(v.device));
	mig_save_ref(_metadata, v.device, &ref, &rp);
	mig_reset(_metadata, v.device);
	mdgpu_nth_open(_metadata, &nth);
	do {
		ASSERT_EQ(0, pat_state(v.device));
		ASSERT_OK(mdgpu_mig_set_state(v.device,
					      VFIO_DEVICE_STATE_RESUMING, &fd));
		ASSERT_LE(0, fd);
		mdgpu_nth_arm(_metadata, &nth);
		werr = mig_write_fd(fd, ref.p, ref.len, MIG_CHUNK, &done);
		ret = mig_set(v.device, VFIO_DEVICE_STATE_STOP);
		injected = mdgpu_nth_disarm(_metadata, &nth);
		close(fd);

		ASSERT_OK(mdgpu_mig_get_state(v.device, &st));
		if (st == VFIO_DEVICE_STATE_STOP) {
			/*
			 * Loaded; the request may still have failed after the
			 * driver, in the core's copy of the answer.
			 */
			EXPECT_TRUE(!ret || injected) TH_LOG("fault %u", nth.n);
			EXPECT_OK(werr)
				TH_LOG("fault %u: STOP took a stream whose write failed",
				       nth.n);
			EXPECT_EQ(1, pat_state(v.device))
				TH_LOG("fault %u: loaded, but not the saved VRAM",
				       nth.n);
		} else {
			EXPECT_TRUE(injected)
				TH_LOG("fault %u: write %s, STOP %s, no fault injected",
				       nth.n, strerror(-werr), strerror(-ret));
			EXPECT_NE(0, ret)
				TH_LOG("fault %u: STOP took a stream whose write failed (%s)",
				       nth.n, strerror(-werr));
			EXPECT_TRUE(st == VFIO_DEVICE_STATE_ERROR ||
				    st == VFIO_DEVICE_STATE_RESUMING)
				TH_LOG("fault %u: state %s", nth.n,
				       mig_state_name(st));
		}
		mig_reset(_metadata, v.device);
		EXPECT_EQ(MDGPU_ID_MAGIC, mdgpu_reg_read(v.device, MDGPU_REG_ID));
		ASSERT_EQ(0, _metadata->exit_code)
			TH_LOG("fault %u: write %s, STOP %s", nth.n,
			       strerror(-werr), strerror(-ret));
	} while (injected);
	mdgpu_nth_close(&nth);
	ASSERT_OK(werr);
	ASSERT_OK(ret);
	ksft_print_msg("loading a stream survived %u fault sites\n",
		       nth.n - 1);
	mig_parse_free(&rp);
	mig_buf_free(&ref);
	mdgpu_vfio_close(&v);
}

static uint64_t parent_u64(struct __test_metadata *_metadata,
			   const char *parent, const char *attr)
{
	uint64_t v = ~0ULL;

	EXPECT_OK(mdgpu_parent_u64(parent, attr, &v)) TH_LOG("%s", attr);
	return v;
}

/*
 * Compact a parent whose two 64M instances sit in different halves, both
 * open with data in their VRAM, with each fault site failing in turn:
 * one of them is relocated, or, on failure, both stay where they were;
 * either way with their VRAM as written and the parent's counts whole.
 */
TEST_F_TIMEOUT(fail_nth, compact, 1200)
{
	char path[PATH_MAX], uuid[4][MDGPU_UUID_LEN + 1];
	uint64_t off[2], now[2], used, relocs, largest;
	struct mdgpu_vfio v[2];
	struct mdgpu_nth nth;
	bool injected;
	int i, fd, err, keep[2] = { 1, 3 };
	ssize_t r;

	if (self->base.available[0] < 4)
		SKIP(return, "needs room for four 64M instances");
	snprintf(path, sizeof(path), "%s/%s/compact",
		 mdgpu_parent_base(self->parent), self->parent);
	mdgpu_nth_open(_metadata, &nth);
	do {
		/* Four in a row, then every other one removed. */
		for (i = 0; i < 4; i++)
			ASSERT_OK(mdgpu_create_tracked(&self->created,
						       self->parent,
						       mdgpu_types[0].name,
						       uuid[i]));
		ASSERT_OK(mdgpu_remove_tracked(&self->created, uuid[0]));
		ASSERT_OK(mdgpu_remove_tracked(&self->created, uuid[2]));
		for (i = 0; i < 2; i++) {
			ASSERT_OK(mdgpu_vfio_open_group(uuid[keep[i]], &v[i]));
			ASSERT_OK(pat_write(v[i].device));
			ASSERT_OK(mdgpu_instance_u64(uuid[keep[i]],
						     "vram_offset", &off[i]));
		}
		largest = parent_u64(_metadata, self->parent,
				     "vram_largest_free");
		ASSERT_EQ(mdgpu_types[0].size, largest)
			TH_LOG("the two instances are not apart");
		used = parent_u64(_metadata, self->parent, "vram_used");
		relocs = parent_u64(_metadata, self->parent, "relocations");
		fd = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);

		mdgpu_nth_arm(_metadata, &nth);
		r = write(fd, "1", 1);
		err = errno;
		injected = mdgpu_nth_disarm(_metadata, &nth);
		close(fd);

		for (i = 0; i < 2; i++) {
			ASSERT_OK(mdgpu_instance_u64(uuid[keep[i]],
						     "vram_offset", &now[i]));
			EXPECT_EQ(1, pat_state(v[i].device))
				TH_LOG("fault %u: %s lost its VRAM", nth.n,
				       uuid[keep[i]]);
		}
		EXPECT_EQ(used, parent_u64(_metadata, self->parent,
					   "vram_used"));
		if (r == 1) {
			EXPECT_EQ(1, (now[0] != off[0]) + (now[1] != off[1]))
				TH_LOG("fault %u", nth.n);
			EXPECT_EQ(relocs + 1,
				  parent_u64(_metadata, self->parent,
					     "relocations"));
			EXPECT_EQ(2 * mdgpu_types[0].size,
				  parent_u64(_metadata, self->parent,
					     "vram_largest_free"));
		} else {
			EXPECT_TRUE(injected) TH_LOG("fault %u: %s", nth.n,
						     strerror(err));
			EXPECT_EQ(off[0], now[0]) TH_LOG("fault %u", nth.n);
			EXPECT_EQ(off[1], now[1]) TH_LOG("fault %u", nth.n);
			EXPECT_EQ(relocs, parent_u64(_metadata, self->parent,
						     "relocations"));
			EXPECT_EQ(largest,
				  parent_u64(_metadata, self->parent,
					     "vram_largest_free"));
		}
		for (i = 0; i < 2; i++)
			mdgpu_vfio_close(&v[i]);
		EXPECT_OK(mdgpu_remove_all(&self->created));
		mdgpu_expect_state(_metadata, self->parent, &self->base);
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("fault %u (%s)", nth.n,
							  r == 1 ? "compacted" :
							  strerror(err));
	} while (injected);
	mdgpu_nth_close(&nth);
	ASSERT_EQ(1, r);
	ksft_print_msg("compaction survived %u fault sites\n", nth.n - 1);
}

TEST_HARNESS_MAIN
