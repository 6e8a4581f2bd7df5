// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error unwinding under fault injection: make the 1st, 2nd, 3rd, ...
 * allocation (or user copy) of an operation fail, through the task's
 * fail-nth file, until the operation runs without reaching the armed fault.
 * After every failed attempt everything a user can see must be as before:
 * no device, the same budget, a device that still works. On the debug
 * kernel kmemleak and KASAN then look for what the unwinding got wrong.
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

TEST_HARNESS_MAIN
