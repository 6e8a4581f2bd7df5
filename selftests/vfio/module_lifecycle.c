// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading and unloading mdgpu.ko: parameter checking (a refused load leaves
 * nothing behind), parameter boundaries, unloading with instances present,
 * unloading refused while a VFIO device is open, and loading under fault
 * injection.
 *
 * Runs with the module NOT loaded; the path of mdgpu.ko comes in the
 * MDGPU_KO environment variable. Every test unloads what it loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mdgpu_fault.h"

FIXTURE(mod) {
	struct mdgpu_uuid_list created;
	struct mdgpu_fault_knobs knobs;
	char ko[PATH_MAX];
};

FIXTURE_SETUP(mod)
{
	const char *ko = getenv("MDGPU_KO");

	if (!ko || !*ko)
		SKIP(return, "MDGPU_KO (path of mdgpu.ko) is not set");
	ASSERT_LT(strlen(ko), sizeof(self->ko));
	strcpy(self->ko, ko);
	ASSERT_TRUE(mdgpu_path_exists(self->ko)) TH_LOG("%s", self->ko);
	ASSERT_FALSE(mdgpu_path_exists(MDGPU_MODULE_DIR))
		TH_LOG("mdgpu is loaded: these tests load it themselves");
}

static int unload(void)
{
	return syscall(SYS_delete_module, "mdgpu", O_NONBLOCK) ? -errno : 0;
}

FIXTURE_TEARDOWN_PARENT(mod)
{
	if (!self->ko[0])
		return;
	mdgpu_teardown_begin();
	mdgpu_fault_teardown(_metadata, &self->knobs);
	if (mdgpu_path_exists(MDGPU_MODULE_DIR)) {
		mdgpu_remove_all(&self->created);
		EXPECT_OK(unload());
	}
	EXPECT_FALSE(mdgpu_path_exists(MDGPU_MODULE_DIR));
	EXPECT_FALSE(mdgpu_path_exists(MDGPU_CLASS_DIR));
}

static int load(const char *ko, const char *params)
{
	int fd, ret;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Nothing of the module is left: no module, no class, no parents. */
static void expect_gone(struct __test_metadata *_metadata, const char *why)
{
	EXPECT_FALSE(mdgpu_path_exists(MDGPU_MODULE_DIR)) TH_LOG("%s", why);
	EXPECT_FALSE(mdgpu_path_exists(MDGPU_CLASS_DIR)) TH_LOG("%s", why);
}

TEST_F(mod, bad_params_refused)
{
	static const char *const bad[] = {
		"parents=0", "parents=17", "parents=100", "parents=-1",
		"parents=abc", "vram_mb=100", "vram_mb=0", "vram_mb=32",
		"vram_mb=65600", "vram_mb=131072", "parents=2 vram_mb=96",
		"parents=16 vram_mb=63",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERR(EINVAL, load(self->ko, bad[i])) TH_LOG("%s", bad[i]);
		expect_gone(_metadata, bad[i]);
		if (mdgpu_path_exists(MDGPU_MODULE_DIR))
			ASSERT_OK(unload());
	}
}

/* The module loads at the edges of the parameter ranges, and offers what fits. */
TEST_F(mod, param_boundaries)
{
	static const struct {
		const char *params;
		int parents;
		uint64_t vram_mb;
	} good[] = {
		{ "", 1, 2048 },
		{ "parents=16 vram_mb=64", 16, 64 },
		{ "parents=1 vram_mb=256", 1, 256 },
		{ "vram_mb=65536", 1, 65536 },
	};
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	uint64_t total;
	size_t i;
	int p, t;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_OK(load(self->ko, good[i].params)) TH_LOG("'%s'", good[i].params);
		ASSERT_EQ(good[i].parents,
			  mdgpu_parent_names(names, MDGPU_MAX_PARENTS));
		for (p = 0; p < good[i].parents; p++) {
			ASSERT_OK(mdgpu_parent_u64(names[p], "vram_total", &total));
			EXPECT_EQ(good[i].vram_mb * SZ_1M, total);
			for (t = 0; t < MDGPU_NR_TYPES; t++) {
				bool fits = mdgpu_types[t].size <= total;

				EXPECT_EQ(fits, mdgpu_type_registered(names[p],
								      mdgpu_types[t].name))
					TH_LOG("'%s' %s mdgpu-%s", good[i].params,
					       names[p], mdgpu_types[t].name);
				if (fits) {
					EXPECT_EQ((long)(total / mdgpu_types[t].size),
						  mdgpu_type_available(names[p],
								       mdgpu_types[t].name));
				}
			}
		}
		ASSERT_OK(unload());
		expect_gone(_metadata, good[i].params);
	}
}

/* Unloading removes every instance, open or not before, and all of mdgpu. */
TEST_F(mod, unload_removes_instances)
{
	static const struct {
		int parent;
		int type;
	} make[] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 1, 0 } };
	char uuids[ARRAY_SIZE(make)][MDGPU_UUID_LEN + 1];
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	struct mdgpu_vfio v;
	int round, efd;
	size_t i;

	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	for (i = 0; i < ARRAY_SIZE(make); i++)
		ASSERT_OK(mdgpu_new_uuid(uuids[i]));

	/* The second round reuses the UUIDs: nothing may be left over. */
	for (round = 0; round < 2; round++) {
		ASSERT_OK(load(self->ko, "parents=2 vram_mb=512"));
		ASSERT_EQ(2, mdgpu_parent_names(names, MDGPU_MAX_PARENTS));
		for (i = 0; i < ARRAY_SIZE(make); i++) {
			ASSERT_OK(mdgpu_track(&self->created, uuids[i]));
			ASSERT_OK(mdgpu_create(names[make[i].parent],
					       mdgpu_types[make[i].type].name,
					       uuids[i]));
		}
		/* Use one: VRAM written, an eventfd registered, closed. */
		ASSERT_OK(mdgpu_vfio_open_group(uuids[1], &v));
		ASSERT_EQ(4, mdgpu_region_write(v.device, VFIO_PCI_BAR0_REGION_INDEX,
						0, "mdgp", 4));
		ASSERT_OK(mdgpu_irq_set_eventfd(v.device, VFIO_PCI_MSI_IRQ_INDEX,
						efd));
		mdgpu_vfio_close(&v);

		ASSERT_OK(unload());
		expect_gone(_metadata, "unload with instances");
		for (i = 0; i < ARRAY_SIZE(make); i++)
			EXPECT_FALSE(mdgpu_instance_exists(uuids[i]));
		memset(&self->created, 0, sizeof(self->created));
	}
	close(efd);
}

/*
 * An open VFIO device pins the module: unloading is refused (rmmod says
 * "in use") and the device keeps working; once closed, the unload works.
 */
TEST_F(mod, unload_refused_while_open)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char uuid[MDGPU_UUID_LEN + 1], parent[MDGPU_NAME_LEN], state[32];
	uint64_t refcnt;
	struct mdgpu_vfio v;
	uint32_t val = 0x600df00d;

	ASSERT_OK(load(self->ko, "vram_mb=256"));
	mdgpu_first_parent(_metadata, parent);
	ASSERT_OK(mdgpu_create_tracked(&self->created, parent,
				       mdgpu_types[0].name, uuid));
	ASSERT_OK(mdgpu_vfio_open_group(uuid, &v));
	ASSERT_OK(mdgpu_read_u64(MDGPU_MODULE_DIR "/refcnt", &refcnt));
	EXPECT_LT(0, refcnt);

	EXPECT_ERR(EWOULDBLOCK, unload());
	EXPECT_ERR(EWOULDBLOCK, unload());
	ASSERT_OK(mdgpu_read_file(MDGPU_MODULE_DIR "/initstate", state,
				  sizeof(state)));
	EXPECT_STREQ("live", state);
	EXPECT_TRUE(mdgpu_instance_exists(uuid));
	EXPECT_OK(ioctl(v.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(MDGPU_PCI_VENDOR_ID, mdgpu_cfg_read32(v.device, 0) & 0xffff);
	EXPECT_EQ(MDGPU_ID_MAGIC, mdgpu_reg_read(v.device, MDGPU_REG_ID));
	ASSERT_EQ(4, mdgpu_region_write(v.device, VFIO_PCI_BAR0_REGION_INDEX, 64,
					&val, 4));
	val = 0;
	ASSERT_EQ(4, mdgpu_region_read(v.device, VFIO_PCI_BAR0_REGION_INDEX, 64,
				       &val, 4));
	EXPECT_EQ(0x600df00d, val);

	mdgpu_vfio_close(&v);
	ASSERT_OK(mdgpu_read_u64(MDGPU_MODULE_DIR "/refcnt", &refcnt));
	EXPECT_EQ(0, refcnt);
	ASSERT_OK(unload());
	expect_gone(_metadata, "unload after close");
}

/*
 * Load with each fault site failing in turn (the module loader's and then
 * mdgpu's own initialisation): every refused load leaves nothing behind.
 */
TEST_F_TIMEOUT(mod, load_under_faults, 3000)
{
	const char *params = "parents=2 vram_mb=256";
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	struct mdgpu_nth nth;
	bool injected;
	int fd, ret;

	mdgpu_fault_setup(_metadata, &self->knobs);
	if (_metadata->exit_code)
		return;
	fd = open(self->ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	mdgpu_nth_open(_metadata, &nth);
	do {
		mdgpu_nth_arm(_metadata, &nth);
		ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
		injected = mdgpu_nth_disarm(_metadata, &nth);

		if (!ret) {
			EXPECT_EQ(2, mdgpu_parent_names(names, MDGPU_MAX_PARENTS))
				TH_LOG("fault %u", nth.n);
			ASSERT_OK(unload());
		} else {
			EXPECT_TRUE(injected) TH_LOG("fault %u: %d", nth.n, ret);
		}
		expect_gone(_metadata, "after a load under fault injection");
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("fault %u: %d", nth.n, ret);
	} while (injected);
	mdgpu_nth_close(&nth);
	close(fd);
	ksft_print_msg("load survived %u fault sites\n", nth.n - 1);
}

TEST_HARNESS_MAIN
