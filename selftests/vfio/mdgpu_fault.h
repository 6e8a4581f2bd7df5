/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection through the task's fail-nth file, for tests that make the
 * 1st, 2nd, 3rd, ... fault site (allocation or user copy) of an operation
 * fail in turn, until the operation runs without reaching the armed site.
 *
 * Needs CONFIG_FAULT_INJECTION with FAILSLAB and FAIL_PAGE_ALLOC and their
 * debugfs knobs; mdgpu_fault_setup() SKIPs on kernels without them.
 */
#ifndef MDGPU_FAULT_H
#define MDGPU_FAULT_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mdgpu_harness.h"

#define MDGPU_DEBUGFS		"/sys/kernel/debug"
/* Far more fault sites than any operation under test has. */
#define MDGPU_MAX_FAULTS	5000

/* Fault injection knobs set for a test, and restored afterwards. */
static const struct {
	const char *file;
	const char *value;
} mdgpu_fault_knobs[] = {
	/* GFP_KERNEL allocations may sleep: they must be eligible too. */
	{ "failslab/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	/* One stack dump per injected fault would flood the console. */
	{ "failslab/verbose", "0" },
	{ "fail_page_alloc/verbose", "0" },
	{ "fail_usercopy/verbose", "0" },
};

/* The fault attributes that fail-nth drives. */
static const char *const mdgpu_fault_attrs[] = {
	"failslab", "fail_page_alloc", "fail_usercopy",
};

/*
 * Kernel code whose own error unwinding is broken, kept out of the faults
 * where the kernel can filter them by stack (FAULT_INJECTION_STACKTRACE_
 * FILTER): a failure inside vfio_create_group() ends in a WARN in
 * vfio_group_release() (group->iommu_group is still set), which is the VFIO
 * core's bug and on a panic_on_warn kernel ends the test run.
 */
#define MDGPU_FAULT_REJECT	"vfio_create_group"

/**
 * struct mdgpu_fault_knobs - saved knob values, kept in a fixture
 * @saved: each knob's value before the test; empty if it does not exist
 * @reject: each attribute's reject-start and reject-end before the test
 * @filtered: faults inside MDGPU_FAULT_REJECT are filtered out
 */
struct mdgpu_fault_knobs {
	char saved[ARRAY_SIZE(mdgpu_fault_knobs)][32];
	char reject[ARRAY_SIZE(mdgpu_fault_attrs)][2][32];
	bool filtered;
};

/* Address range of the kernel function @name, from /proc/kallsyms. */
static inline int mdgpu_kallsyms_range(const char *name, unsigned long *start,
				       unsigned long *end)
{
	char line[256], sym[128], type;
	unsigned long addr;
	FILE *f;

	*start = 0;
	*end = ~0UL;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %127s", &addr, &type, sym) != 3)
			continue;
		if (!strcmp(sym, name) && !*start)
			*start = addr;
	}
	rewind(f);
	/* The end is where the next symbol starts: the nearest one above. */
	while (*start && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %127s", &addr, &type, sym) != 3)
			continue;
		if (addr > *start && addr < *end)
			*end = addr;
	}
	fclose(f);
	return *start && *end != ~0UL ? 0 : -ENOENT;
}

/* Keep faults out of MDGPU_FAULT_REJECT, saving the old ranges. */
static inline void mdgpu_fault_reject(struct __test_metadata *_metadata,
				      struct mdgpu_fault_knobs *k)
{
	static const char *const which[] = { "reject-start", "reject-end" };
	unsigned long range[2];
	char path[PATH_MAX], val[32];
	size_t a, w;

	snprintf(path, sizeof(path), MDGPU_DEBUGFS "/failslab/reject-start");
	if (!mdgpu_path_exists(path))
		return;		/* no FAULT_INJECTION_STACKTRACE_FILTER */
	if (mdgpu_kallsyms_range(MDGPU_FAULT_REJECT, &range[0], &range[1]))
		return;		/* not in this kernel: nothing to avoid */
	for (a = 0; a < ARRAY_SIZE(mdgpu_fault_attrs); a++) {
		for (w = 0; w < 2; w++) {
			snprintf(path, sizeof(path), MDGPU_DEBUGFS "/%s/%s",
				 mdgpu_fault_attrs[a], which[w]);
			if (mdgpu_read_file(path, k->reject[a][w],
					    sizeof(k->reject[a][w])))
				continue;
			snprintf(val, sizeof(val), "0x%lx", range[w]);
			ASSERT_OK(mdgpu_write_file(path, val)) TH_LOG("%s", path);
		}
	}
	k->filtered = true;
}

static inline void mdgpu_fault_nth_path(char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/task/%d/fail-nth", gettid());
}

/* Fixture setup: SKIP unless fail-nth works here, then set the knobs. */
static inline void mdgpu_fault_setup(struct __test_metadata *_metadata,
				     struct mdgpu_fault_knobs *k)
{
	char path[PATH_MAX];
	size_t i;

	memset(k, 0, sizeof(*k));
	mdgpu_fault_nth_path(path, sizeof(path));
	if (!mdgpu_path_exists(path))
		SKIP(return, "no fail-nth: kernel %s lacks CONFIG_FAULT_INJECTION",
		     getenv("MDGPU_KERNEL_RELEASE") ?: "");
	if (!mdgpu_path_exists(MDGPU_DEBUGFS "/failslab"))
		mount("debugfs", MDGPU_DEBUGFS, "debugfs", 0, NULL);
	if (!mdgpu_path_exists(MDGPU_DEBUGFS "/failslab"))
		SKIP(return, "no " MDGPU_DEBUGFS "/failslab (CONFIG_FAILSLAB)");

	for (i = 0; i < ARRAY_SIZE(mdgpu_fault_knobs); i++) {
		snprintf(path, sizeof(path), MDGPU_DEBUGFS "/%s",
			 mdgpu_fault_knobs[i].file);
		if (mdgpu_read_file(path, k->saved[i], sizeof(k->saved[i])))
			continue;
		ASSERT_OK(mdgpu_write_file(path, mdgpu_fault_knobs[i].value))
			TH_LOG("%s", path);
	}
	mdgpu_fault_reject(_metadata, k);
}

/* Fixture teardown: put the knobs back. */
static inline void mdgpu_fault_teardown(struct __test_metadata *_metadata,
					struct mdgpu_fault_knobs *k)
{
	static const char *const which[] = { "reject-start", "reject-end" };
	char path[PATH_MAX];
	size_t i, w;

	for (i = 0; i < ARRAY_SIZE(mdgpu_fault_attrs); i++) {
		for (w = 0; w < 2; w++) {
			if (!k->reject[i][w][0])
				continue;
			snprintf(path, sizeof(path), MDGPU_DEBUGFS "/%s/%s",
				 mdgpu_fault_attrs[i], which[w]);
			EXPECT_OK(mdgpu_write_file(path, k->reject[i][w]))
				TH_LOG("%s", path);
		}
	}

	for (i = 0; i < ARRAY_SIZE(mdgpu_fault_knobs); i++) {
		if (!k->saved[i][0])
			continue;
		snprintf(path, sizeof(path), MDGPU_DEBUGFS "/%s",
			 mdgpu_fault_knobs[i].file);
		EXPECT_OK(mdgpu_write_file(path, k->saved[i])) TH_LOG("%s", path);
	}
}

/**
 * struct mdgpu_nth - the calling thread's fail-nth file
 * @fd: the open file
 * @n: the fault site armed last; 1 for the first
 *
 * Writing N makes the N-th fault site the thread reaches fail; reading
 * gives the number of sites still to go, so 0 means it was injected.
 */
struct mdgpu_nth {
	int fd;
	unsigned int n;
};

static inline void mdgpu_nth_open(struct __test_metadata *_metadata,
				  struct mdgpu_nth *nth)
{
	char path[PATH_MAX];

	mdgpu_fault_nth_path(path, sizeof(path));
	nth->fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth->fd);
	nth->n = 0;
}

/* Arm the next site; nothing else may run before the operation. */
static inline void mdgpu_nth_arm(struct __test_metadata *_metadata,
				 struct mdgpu_nth *nth)
{
	char buf[16];
	int len;

	nth->n++;
	ASSERT_GT(MDGPU_MAX_FAULTS, nth->n)
		TH_LOG("the operation never ran without reaching the fault");
	len = snprintf(buf, sizeof(buf), "%u", nth->n);
	ASSERT_EQ(len, pwrite(nth->fd, buf, len, 0));
}

/*
 * Disarm, and report whether the fault was injected. Reading and writing
 * the file copy to and from user memory, fault sites themselves while the
 * count is still running: EFAULT there means the operation finished before
 * the armed site.
 */
static inline bool mdgpu_nth_disarm(struct __test_metadata *_metadata,
				    struct mdgpu_nth *nth)
{
	bool injected;
	char buf[16];
	ssize_t r;

	r = pread(nth->fd, buf, sizeof(buf) - 1, 0);
	if (r < 0 && errno == EFAULT) {
		injected = false;
	} else {
		ASSERT_LT(0, r);
		buf[r] = '\0';
		injected = !strcmp(buf, "0\n");
	}
	if (pwrite(nth->fd, "0", 1, 0) != 1)
		ASSERT_EQ(1, pwrite(nth->fd, "0", 1, 0));
	return injected;
}

static inline void mdgpu_nth_close(struct mdgpu_nth *nth)
{
	close(nth->fd);
	nth->fd = -1;
}

#endif /* MDGPU_FAULT_H */
