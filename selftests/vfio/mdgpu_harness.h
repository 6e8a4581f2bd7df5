/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kselftest harness plus mdgpu's assertion helpers. Included once by
 * every test program (the harness header defines functions and globals).
 */
#ifndef MDGPU_HARNESS_H
#define MDGPU_HARNESS_H

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "mdgpu_selftest.h"

/*
 * The tests run in VMs under software emulation, some on a kernel with KASAN
 * and lockdep, where a sysfs create costs tens of milliseconds: give each
 * test more than the harness's default 30 s.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180

/*
 * The harness's SKIP() overwrites the exit code, so a test that had failed
 * an EXPECT and then skipped (an overloaded host, say) would read as
 * skipped and its failure would be lost. Here a skip after a failure
 * leaves the failure standing; the statement (return) still runs.
 */
#undef SKIP
#define SKIP(statement, fmt, ...) do {					\
	snprintf(_metadata->results->reason,				\
		 sizeof(_metadata->results->reason), fmt, ##__VA_ARGS__); \
	if (_metadata->exit_code == KSFT_FAIL) {			\
		TH_LOG("not skipped (a check failed before): %s",	\
		       _metadata->results->reason);			\
	} else {							\
		if (TH_LOG_ENABLED)					\
			fprintf(TH_LOG_STREAM, "#      SKIP      %s\n", \
				_metadata->results->reason);		\
		_metadata->exit_code = KSFT_SKIP;			\
	}								\
	_metadata->trigger = 0;						\
	statement;							\
} while (0)

/* A helper returning 0 or -errno succeeded / failed with exactly @err. */
#define ASSERT_OK(expr)		ASSERT_EQ(0, (long)(expr))
#define EXPECT_OK(expr)		EXPECT_EQ(0, (long)(expr))
#define ASSERT_ERR(err, expr)	ASSERT_EQ(-(long)(err), (long)(expr))
#define EXPECT_ERR(err, expr)	EXPECT_EQ(-(long)(err), (long)(expr))

/*
 * The parent a test program works on: the one $MDGPU_PARENT names when the
 * runner set it (run-guest.sh's PROG@pci runs: the PCI address of the PCI
 * parent it bound), else the first simulated parent, sim0.
 */
static inline void mdgpu_first_parent(struct __test_metadata *_metadata,
				      char parent[MDGPU_NAME_LEN])
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	const char *want = getenv("MDGPU_PARENT");
	uint64_t size;
	int n;

	if (want && *want) {
		ASSERT_GT(MDGPU_NAME_LEN, strlen(want))
			TH_LOG("MDGPU_PARENT=%s: too long", want);
		ASSERT_OK(mdgpu_parent_u64(want, "vram_total", &size))
			TH_LOG("MDGPU_PARENT=%s is no mdgpu parent", want);
		strcpy(parent, want);
		return;
	}
	n = mdgpu_parent_names(names, MDGPU_MAX_PARENTS);
	ASSERT_LT(0, n) TH_LOG("no mdgpu parent: is mdgpu.ko loaded? (%d)", n);
	strcpy(parent, names[0]);
}

/*
 * Why the runs on a parent named by $MDGPU_PARENT skip the cdev variants:
 * opening through the cdev and iommufd is the VFIO core's path, the same
 * on every backend, and the group variants cover the parent.
 */
#define MDGPU_CDEV_ON_SIM0 \
	"cdev/iommufd open: the VFIO core's path, the same for every backend (run on sim0)"

/*
 * Whether @parent is a PCI parent: VRAM in a PCI BAR, so no lazy backing,
 * no dma-buf planes, no VRAM error injection, and only as much VRAM as the
 * BAR (drivers/pci_backend.c).
 */
static inline bool mdgpu_parent_is_pci(const char *parent)
{
	return strchr(parent, ':') != NULL;
}

/* Fail (without stopping) unless a parent looks exactly as in @want. */
static inline void mdgpu_expect_state(struct __test_metadata *_metadata,
				      const char *parent,
				      const struct mdgpu_parent_state *want)
{
	struct mdgpu_parent_state got;
	int i;

	EXPECT_OK(mdgpu_parent_state(parent, &got));
	EXPECT_EQ(want->vram_used, got.vram_used) TH_LOG("%s vram_used", parent);
	EXPECT_EQ(want->instances, got.instances) TH_LOG("%s instances", parent);
	EXPECT_EQ(want->devices, got.devices) TH_LOG("%s devices/", parent);
	for (i = 0; i < MDGPU_NR_TYPES; i++) {
		EXPECT_EQ(want->available[i], got.available[i])
			TH_LOG("%s mdgpu-%s available_instances", parent,
			       mdgpu_types[i].name);
	}
}

/* Index in mdgpu_types of the largest type registered on @parent, or -1. */
static inline int mdgpu_largest_type(const char *parent)
{
	int i;

	for (i = MDGPU_NR_TYPES - 1; i >= 0; i--)
		if (mdgpu_type_registered(parent, mdgpu_types[i].name))
			return i;
	return -1;
}

/*
 * Open an instance's VFIO device the way the fixture variant asks: through
 * its group and a type1 container, or through its cdev bound to iommufd.
 * SKIPs (and returns false) when the kernel has no cdev/iommufd interface.
 */
static inline bool mdgpu_open(struct __test_metadata *_metadata,
			      const char *uuid, bool cdev,
			      struct mdgpu_vfio *v)
{
	char path[PATH_MAX];
	int ret;

	if (!cdev) {
		ret = mdgpu_vfio_open_group(uuid, v);
		EXPECT_OK(ret) TH_LOG("open %s through its VFIO group", uuid);
		return !ret;
	}
	if (getenv("MDGPU_PARENT") && *getenv("MDGPU_PARENT"))
		SKIP(return false, MDGPU_CDEV_ON_SIM0);
	if (!mdgpu_path_exists("/dev/iommu"))
		SKIP(return false, "no /dev/iommu: kernel %s has no IOMMUFD",
		     getenv("MDGPU_KERNEL_RELEASE") ?: "");
	ret = mdgpu_vfio_cdev_path(uuid, path, sizeof(path));
	if (ret == -ENOENT)
		SKIP(return false, "no vfio-dev/: kernel has no VFIO_DEVICE_CDEV");
	ret = ret ?: mdgpu_vfio_open_cdev(uuid, v);
	EXPECT_OK(ret) TH_LOG("open %s through its VFIO cdev and iommufd", uuid);
	return !ret;
}

/**
 * struct mdgpu_inst - fixture part for tests on one open instance
 * @created: instances to remove at teardown
 * @parent: the parent the instance is on
 * @base: the parent's state before the test
 * @type: index in mdgpu_types of the instance's type
 * @cdev: opened through the cdev/iommufd path
 * @uuid: the instance
 * @v: its open VFIO device (valid in the test process only)
 */
struct mdgpu_inst {
	struct mdgpu_uuid_list created;
	char parent[MDGPU_NAME_LEN];
	struct mdgpu_parent_state base;
	int type;
	bool cdev;
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_vfio v;
};

/* For mdgpu_inst_setup(): the largest type the parent offers. */
#define MDGPU_TYPE_LARGEST	(-1)

/*
 * Fixture setup: create an instance of @type (an index in mdgpu_types, or
 * MDGPU_TYPE_LARGEST) on the first parent, write @val to its mdgpu/@attr
 * unless @attr is NULL (some attributes can only change while the device
 * is closed), and open it.
 */
static inline void mdgpu_inst_setup_attr(struct __test_metadata *_metadata,
					 struct mdgpu_inst *in, int type,
					 bool cdev, const char *attr,
					 const char *val)
{
	int ret;

	in->cdev = cdev;
	in->v = (struct mdgpu_vfio)MDGPU_VFIO_INIT;
	mdgpu_first_parent(_metadata, in->parent);
	if (type == MDGPU_TYPE_LARGEST) {
		type = mdgpu_largest_type(in->parent);
		ASSERT_LE(0, type) TH_LOG("%s offers no type", in->parent);
	}
	in->type = type;
	if (!mdgpu_type_registered(in->parent, mdgpu_types[type].name))
		SKIP(return, "mdgpu-%s does not fit in %s",
		     mdgpu_types[type].name, in->parent);
	ASSERT_OK(mdgpu_parent_state(in->parent, &in->base));
	ASSERT_EQ(0, in->base.instances)
		TH_LOG("instances left behind by an earlier test");
	ASSERT_OK(mdgpu_create_tracked(&in->created, in->parent,
				       mdgpu_types[type].name, in->uuid));
	if (attr) {
		ret = mdgpu_instance_write(in->uuid, attr, val);
		EXPECT_OK(ret) TH_LOG("write %s to mdgpu/%s", val, attr);
		if (ret) {
			mdgpu_remove_all(&in->created);
			ASSERT_OK(ret);
		}
	}
	if (!mdgpu_open(_metadata, in->uuid, cdev, &in->v)) {
		/* Teardown does not run after a failed setup. */
		mdgpu_remove_all(&in->created);
		return;
	}
}

/* Fixture setup: create an instance of @type on the first parent, open it. */
static inline void mdgpu_inst_setup(struct __test_metadata *_metadata,
				    struct mdgpu_inst *in, int type, bool cdev)
{
	mdgpu_inst_setup_attr(_metadata, in, type, cdev, NULL, NULL);
}

/*
 * Start of every teardown that removes instances. The teardown is meant to
 * run in the harness's parent process, after the test process exited and
 * so closed everything. But after an ASSERT in the test, the harness's
 * longjmp can restore its local "child" from a register as it was before
 * fork() (this is what -Wclobbered warns about), and then the teardown runs
 * in the test process itself, with the devices still open: removing them
 * would wait for ourselves. So drop whatever VFIO files and mappings this
 * process holds first; in the parent there are none.
 */
static inline void mdgpu_teardown_begin(void)
{
	mdgpu_vfio_release_all();
}

/* Fixture teardown: remove the instances, check nothing was left over. */
static inline void mdgpu_inst_teardown(struct __test_metadata *_metadata,
				       struct mdgpu_inst *in)
{
	mdgpu_teardown_begin();
	EXPECT_OK(mdgpu_remove_all(&in->created));
	mdgpu_expect_state(_metadata, in->parent, &in->base);
}

/* Create one more instance of @type on the fixture's parent, and open it. */
static inline void mdgpu_inst_another(struct __test_metadata *_metadata,
				      struct mdgpu_inst *in, int type,
				      char uuid[MDGPU_UUID_LEN + 1],
				      struct mdgpu_vfio *v)
{
	ASSERT_OK(mdgpu_create_tracked(&in->created, in->parent,
				       mdgpu_types[type].name, uuid));
	ASSERT_TRUE(mdgpu_open(_metadata, uuid, in->cdev, v));
}

#endif /* MDGPU_HARNESS_H */
