// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu sysfs lifecycle: the parents and their attributes, the mdev types
 * and their ABI files, and creating and removing instances: the VRAM budget
 * (available_instances, vram_used, ENOSPC), bad input, and repeated or
 * concurrent use.
 *
 * The tests adapt to the module parameters. run-guest.sh loads parents=2
 * vram_mb=1024, so that every type is offered, a parent fills up quickly
 * and the two-parent test runs. The fixture's tests work on the parent
 * $MDGPU_PARENT names where set (the PCI parent, in run-guest.sh's
 * sysfs_lifecycle@pci, with sim0 beside it), which the tests of all
 * parents check too.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mdgpu_harness.h"

/*
 * Every parent: the simulated ones, then the one $MDGPU_PARENT names if
 * it is none of them (a PCI parent). Return: how many, or -errno.
 */
static int all_parents(char names[][MDGPU_NAME_LEN], int max)
{
	const char *want = getenv("MDGPU_PARENT");
	int n, i;

	n = mdgpu_parent_names(names, max);
	if (n < 0 || !want || !*want || strlen(want) >= MDGPU_NAME_LEN)
		return n;
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], want))
			return n;
	if (n == max)
		return -E2BIG;
	strcpy(names[n], want);
	return n + 1;
}

/*
 * The size of the largest memory BAR of PCI device @addr, from its
 * resource file (start, end, flags per line), or 0.
 */
static uint64_t largest_mem_bar(const char *addr)
{
	unsigned long long start, end, flags;
	uint64_t best = 0;
	char path[PATH_MAX];
	FILE *f;
	int bar;

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/resource",
		 addr);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* The standard BARs are the first six lines. */
	for (bar = 0; bar < 6; bar++) {
		if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3)
			break;
		/* IORESOURCE_MEM */
		if ((flags & 0x200) && end > start && end - start + 1 > best)
			best = end - start + 1;
	}
	fclose(f);
	return best;
}

/*
 * A PCI parent: backend "pci", its VRAM the largest memory BAR (whole
 * MiB), nothing used.
 */
static void check_pci_parent(struct __test_metadata *_metadata,
			     const char *addr)
{
	char path[PATH_MAX], buf[64];
	uint64_t val, bar;

	snprintf(path, sizeof(path), "%s/%s/backend", mdgpu_parent_base(addr),
		 addr);
	ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("pci", buf);
	bar = largest_mem_bar(addr);
	ASSERT_LE(64 * SZ_1M, bar) TH_LOG("%s: no memory BAR of 64 MiB", addr);
	ASSERT_OK(mdgpu_parent_u64(addr, "vram_total", &val));
	EXPECT_EQ(bar & ~(SZ_1M - 1), val);
	ASSERT_OK(mdgpu_parent_u64(addr, "vram_used", &val));
	EXPECT_EQ(0, val);
	ASSERT_OK(mdgpu_parent_u64(addr, "instances", &val));
	EXPECT_EQ(0, val);
}

/*
 * The simulated parents are as the module parameters say; a PCI parent
 * (run-guest.sh's PCI runs bind one beside sim0) is its BAR.
 */
TEST(parents_match_module_params)
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	char path[PATH_MAX], buf[64], expect[MDGPU_NAME_LEN];
	const char *pci = getenv("MDGPU_PARENT");
	uint64_t parents, vram_mb, val;
	int n, i;

	if (pci && mdgpu_parent_is_pci(pci))
		check_pci_parent(_metadata, pci);

	ASSERT_OK(mdgpu_module_param("parents", &parents));
	ASSERT_OK(mdgpu_module_param("vram_mb", &vram_mb));
	n = mdgpu_parent_names(names, MDGPU_MAX_PARENTS);
	ASSERT_EQ((long)parents, n);
	for (i = 0; i < n; i++) {
		snprintf(expect, sizeof(expect), "sim%d", i);
		EXPECT_STREQ(expect, names[i]);
		snprintf(path, sizeof(path), MDGPU_CLASS_DIR "/%s/backend",
			 names[i]);
		ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
		EXPECT_STREQ("sim", buf);
		ASSERT_OK(mdgpu_parent_u64(names[i], "vram_total", &val));
		EXPECT_EQ(vram_mb * SZ_1M, val);
		ASSERT_OK(mdgpu_parent_u64(names[i], "vram_used", &val));
		EXPECT_EQ(0, val);
		ASSERT_OK(mdgpu_parent_u64(names[i], "instances", &val));
		EXPECT_EQ(0, val);
	}
}

/*
 * The description is one line of key=value pairs that tools parse: check
 * every key, and that the advertised resolution fits the framebuffer at
 * 32 bits per pixel.
 */
static void check_description(struct __test_metadata *_metadata,
			      const char *desc, const struct mdgpu_type_info *t,
			      uint64_t vram_total)
{
	char copy[512], *tok, *save, *val;
	bool fb = false, max = false, res = false, disp = false;
	unsigned long w = 0, h = 0;
	char num[32];

	ASSERT_LT(strlen(desc), sizeof(copy));
	ASSERT_EQ(NULL, strchr(desc, '\n')) TH_LOG("description: '%s'", desc);
	strcpy(copy, desc);
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		val = strchr(tok, '=');
		ASSERT_NE(NULL, val) TH_LOG("token '%s' is not key=value", tok);
		*val++ = '\0';
		if (!strcmp(tok, "framebuffer")) {
			EXPECT_STREQ(t->name, val);
			fb = true;
		} else if (!strcmp(tok, "max_instances")) {
			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)(vram_total / t->size));
			EXPECT_STREQ(num, val);
			max = true;
		} else if (!strcmp(tok, "max_resolution")) {
			ASSERT_EQ(2, sscanf(val, "%lux%lu", &w, &h))
				TH_LOG("max_resolution=%s", val);
			res = true;
		} else if (!strcmp(tok, "display")) {
			EXPECT_STREQ("bochs-vbe", val);
			disp = true;
		}
	}
	EXPECT_TRUE(fb && max && res && disp) TH_LOG("description: '%s'", desc);
	EXPECT_LT(0, w);
	EXPECT_LT(0, h);
	EXPECT_LE((uint64_t)w * h * 4, t->size)
		TH_LOG("%lux%lu does not fit in %s", w, h, t->name);
}

TEST(types_match_parent_vram)
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	char path[PATH_MAX], buf[512], expect[64];
	uint64_t total, val;
	int n, p, i, registered;

	n = all_parents(names, MDGPU_MAX_PARENTS);
	ASSERT_LT(0, n);
	for (p = 0; p < n; p++) {
		ASSERT_OK(mdgpu_parent_u64(names[p], "vram_total", &total));
		registered = 0;
		for (i = 0; i < MDGPU_NR_TYPES; i++) {
			const struct mdgpu_type_info *t = &mdgpu_types[i];
			bool want = t->size <= total;

			EXPECT_EQ(want, mdgpu_type_registered(names[p], t->name))
				TH_LOG("%s: mdgpu-%s", names[p], t->name);
			if (!want || !mdgpu_type_registered(names[p], t->name))
				continue;
			registered++;

			mdgpu_type_path(path, sizeof(path), names[p], t->name,
					"name");
			ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
			snprintf(expect, sizeof(expect), "mdgpu %s", t->name);
			EXPECT_STREQ(expect, buf);

			mdgpu_type_path(path, sizeof(path), names[p], t->name,
					"device_api");
			ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
			EXPECT_STREQ("vfio-pci", buf);

			mdgpu_type_path(path, sizeof(path), names[p], t->name,
					"description");
			ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
			check_description(_metadata, buf, t, total);

			mdgpu_type_path(path, sizeof(path), names[p], t->name,
					"available_instances");
			ASSERT_OK(mdgpu_read_u64(path, &val));
			EXPECT_EQ(total / t->size, val);
		}
		/* Nothing else is offered. */
		snprintf(path, sizeof(path), "%s/%s/mdev_supported_types",
			 mdgpu_parent_base(names[p]), names[p]);
		EXPECT_EQ(registered, mdgpu_count_entries(path));
		EXPECT_LT(0, registered);
	}
}

FIXTURE(lifecycle) {
	struct mdgpu_uuid_list created;
	char parent[MDGPU_NAME_LEN];
	uint64_t vram_total;
	struct mdgpu_parent_state base;
	int results[ARRAY_SIZE(((struct mdgpu_uuid_list *)0)->uuid)];
};

FIXTURE_SETUP(lifecycle)
{
	mdgpu_first_parent(_metadata, self->parent);
	ASSERT_OK(mdgpu_parent_u64(self->parent, "vram_total",
				   &self->vram_total));
	ASSERT_OK(mdgpu_parent_state(self->parent, &self->base));
	ASSERT_EQ(0, self->base.instances)
		TH_LOG("instances left behind by an earlier test");
}

/* Runs in the harness's parent process: even after a crash of the test. */
FIXTURE_TEARDOWN_PARENT(lifecycle)
{
	mdgpu_teardown_begin();
	EXPECT_OK(mdgpu_remove_all(&self->created));
	mdgpu_expect_state(_metadata, self->parent, &self->base);
}

static int create(FIXTURE_DATA(lifecycle) *self, int type,
		  char uuid[MDGPU_UUID_LEN + 1])
{
	return mdgpu_create_tracked(&self->created, self->parent,
				    mdgpu_types[type].name, uuid);
}

static int remove_instance(FIXTURE_DATA(lifecycle) *self, const char *uuid)
{
	return mdgpu_remove_tracked(&self->created, uuid);
}

TEST_F(lifecycle, create_and_remove_each_type)
{
	char uuid[MDGPU_UUID_LEN + 1], path[PATH_MAX];
	char real[PATH_MAX], want[PATH_MAX];
	struct mdgpu_parent_state before, after;
	uint64_t off, size, resets;
	int t;

	for (t = 0; t < MDGPU_NR_TYPES; t++) {
		const struct mdgpu_type_info *type = &mdgpu_types[t];

		if (!mdgpu_type_registered(self->parent, type->name))
			continue;
		ASSERT_OK(mdgpu_parent_state(self->parent, &before));
		ASSERT_OK(create(self, t, uuid));
		ASSERT_TRUE(mdgpu_instance_exists(uuid));

		/* The device is of the type it was created from... */
		snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/mdev_type",
			 uuid);
		ASSERT_NE(NULL, realpath(path, real));
		mdgpu_type_path(path, sizeof(path), self->parent, type->name, "");
		ASSERT_NE(NULL, realpath(path, want));
		EXPECT_STREQ(want, real);
		mdgpu_type_path(path, sizeof(path), self->parent, type->name,
				"devices/");
		strcat(path, uuid);
		EXPECT_TRUE(mdgpu_path_exists(path));
		/* ...registered with VFIO (QEMU needs the group)... */
		snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/iommu_group",
			 uuid);
		EXPECT_TRUE(mdgpu_path_exists(path));

		/* ...and owns an aligned VRAM range of the type's size. */
		ASSERT_OK(mdgpu_instance_u64(uuid, "vram_size", &size));
		ASSERT_OK(mdgpu_instance_u64(uuid, "vram_offset", &off));
		ASSERT_OK(mdgpu_instance_u64(uuid, "reset_count", &resets));
		EXPECT_EQ(type->size, size);
		EXPECT_EQ(0, off % type->size);
		EXPECT_LE(off + type->size, self->vram_total);
		EXPECT_EQ(0, resets);

		ASSERT_OK(mdgpu_parent_state(self->parent, &after));
		EXPECT_EQ(before.vram_used + type->size, after.vram_used);
		EXPECT_EQ(before.instances + 1, after.instances);
		EXPECT_EQ(before.devices + 1, after.devices);
		EXPECT_EQ(before.available[t] - 1, after.available[t]);

		ASSERT_OK(remove_instance(self, uuid));
		EXPECT_FALSE(mdgpu_instance_exists(uuid));
		mdgpu_expect_state(_metadata, self->parent, &before);
	}
}

struct vram_range {
	uint64_t off;
	uint64_t size;
};

/*
 * Check the parent's budget against the ranges its instances own: ranges are
 * aligned, disjoint and add up to vram_used, and available_instances of each
 * type is the number of aligned ranges of its size that no instance touches.
 */
static void check_available_model(struct __test_metadata *_metadata,
				  const char *parent, uint64_t total)
{
	char uuids[64][MDGPU_UUID_LEN + 1];
	struct vram_range r[64];
	struct mdgpu_parent_state st;
	uint64_t used = 0, slot;
	int n, i, j, t;

	n = mdgpu_parent_instances(parent, uuids, ARRAY_SIZE(uuids));
	ASSERT_LE(0, n);
	for (i = 0; i < n; i++) {
		ASSERT_OK(mdgpu_instance_u64(uuids[i], "vram_offset", &r[i].off));
		ASSERT_OK(mdgpu_instance_u64(uuids[i], "vram_size", &r[i].size));
		EXPECT_EQ(0, r[i].off % r[i].size) TH_LOG("%s", uuids[i]);
		EXPECT_LE(r[i].off + r[i].size, total) TH_LOG("%s", uuids[i]);
		for (j = 0; j < i; j++) {
			EXPECT_TRUE(r[i].off + r[i].size <= r[j].off ||
				    r[j].off + r[j].size <= r[i].off)
				TH_LOG("%s and %s share VRAM", uuids[i], uuids[j]);
		}
		used += r[i].size;
	}
	ASSERT_OK(mdgpu_parent_state(parent, &st));
	EXPECT_EQ(used, st.vram_used);
	EXPECT_EQ((uint64_t)n, st.instances);
	for (t = 0; t < MDGPU_NR_TYPES; t++) {
		long free_slots = 0;

		if (st.available[t] < 0)
			continue;
		for (slot = 0; slot + mdgpu_types[t].size <= total;
		     slot += mdgpu_types[t].size) {
			bool busy = false;

			for (i = 0; i < n; i++)
				busy |= r[i].off < slot + mdgpu_types[t].size &&
					slot < r[i].off + r[i].size;
			free_slots += !busy;
		}
		EXPECT_EQ(free_slots, st.available[t])
			TH_LOG("mdgpu-%s with %d instances", mdgpu_types[t].name,
			       n);
	}
}

TEST_F(lifecycle, available_matches_free_ranges)
{
	static const int seq[] = { 0, 1, 0, 2, 0, 3, 1, 0, 0 };
	static const int remove_order[] = { 1, 3, 0, 6, 2, 8, 4, 5, 7 };
	char uuids[ARRAY_SIZE(seq)][MDGPU_UUID_LEN + 1];
	size_t i;

	check_available_model(_metadata, self->parent, self->vram_total);
	for (i = 0; i < ARRAY_SIZE(seq); i++) {
		uuids[i][0] = '\0';
		if (mdgpu_type_available(self->parent,
					 mdgpu_types[seq[i]].name) <= 0)
			continue;
		ASSERT_OK(create(self, seq[i], uuids[i]));
		check_available_model(_metadata, self->parent,
				      self->vram_total);
	}
	for (i = 0; i < ARRAY_SIZE(remove_order); i++) {
		if (!uuids[remove_order[i]][0])
			continue;
		ASSERT_OK(remove_instance(self, uuids[remove_order[i]]));
		check_available_model(_metadata, self->parent,
				      self->vram_total);
	}
}

/* Small instances share one large block, so large types stay creatable. */
TEST_F(lifecycle, small_instances_pack)
{
	int big = mdgpu_largest_type(self->parent);
	char uuid[MDGPU_UUID_LEN + 1];
	uint64_t i, k;
	long avail;

	if (big <= 0)
		SKIP(return, "only one type fits in %s", self->parent);
	avail = self->base.available[big];
	k = mdgpu_types[big].size / mdgpu_types[0].size;
	for (i = 0; i < k; i++) {
		ASSERT_OK(create(self, 0, uuid));
		EXPECT_EQ(avail - 1,
			  mdgpu_type_available(self->parent,
					       mdgpu_types[big].name))
			TH_LOG("after %llu mdgpu-%s", (unsigned long long)i + 1,
			       mdgpu_types[0].name);
	}
}

/*
 * A failed create (ENOSPC) leaves everything as it was: no device, the same
 * budget. Checked for every type that has no room left.
 */
static void expect_enospc_for_full_types(struct __test_metadata *_metadata,
					 FIXTURE_DATA(lifecycle) *self)
{
	struct mdgpu_parent_state st;
	char uuid[MDGPU_UUID_LEN + 1];
	int t;

	ASSERT_OK(mdgpu_parent_state(self->parent, &st));
	for (t = 0; t < MDGPU_NR_TYPES; t++) {
		if (st.available[t] != 0)
			continue;
		ASSERT_OK(mdgpu_new_uuid(uuid));
		EXPECT_ERR(ENOSPC, mdgpu_create(self->parent,
						mdgpu_types[t].name, uuid))
			TH_LOG("mdgpu-%s", mdgpu_types[t].name);
		EXPECT_FALSE(mdgpu_instance_exists(uuid));
		if (mdgpu_instance_exists(uuid))
			mdgpu_remove(uuid);
		mdgpu_expect_state(_metadata, self->parent, &st);
	}
}

/* available_instances creates in a row succeed, the next one is ENOSPC. */
TEST_F(lifecycle, available_is_exact)
{
	char uuid[MDGPU_UUID_LEN + 1];
	long avail, i;
	int t;

	for (t = 0; t < MDGPU_NR_TYPES; t++) {
		if (self->base.available[t] < 0)
			continue;
		/* Start from a mixed population where there is room. */
		if (mdgpu_type_available(self->parent, mdgpu_types[0].name) > 1)
			ASSERT_OK(create(self, 0, uuid));
		if (mdgpu_type_available(self->parent, mdgpu_types[1].name) > 1)
			ASSERT_OK(create(self, 1, uuid));

		avail = mdgpu_type_available(self->parent, mdgpu_types[t].name);
		ASSERT_LE(0, avail);
		for (i = 0; i < avail; i++) {
			ASSERT_OK(create(self, t, uuid))
				TH_LOG("mdgpu-%s: create %ld of %ld",
				       mdgpu_types[t].name, i + 1, avail);
		}
		EXPECT_EQ(0, mdgpu_type_available(self->parent,
						  mdgpu_types[t].name));
		expect_enospc_for_full_types(_metadata, self);

		ASSERT_OK(mdgpu_remove_all(&self->created));
		mdgpu_expect_state(_metadata, self->parent, &self->base);
	}
}

/* Half the VRAM is free, but no aligned 128M range: 128M must not fit. */
TEST_F(lifecycle, fragmented_vram_enospc)
{
	char uuids[64][MDGPU_UUID_LEN + 1];
	char uuid[MDGPU_UUID_LEN + 1];
	long n, i;
	uint64_t off, used;

	if (self->base.available[1] < 0)
		SKIP(return, "mdgpu-128M does not fit in %s", self->parent);
	n = self->base.available[0];
	if (n > (long)ARRAY_SIZE(uuids))
		SKIP(return, "%s holds %ld 64M instances, too many", self->parent,
		     n);
	for (i = 0; i < n; i++)
		ASSERT_OK(create(self, 0, uuids[i]));
	ASSERT_OK(mdgpu_parent_u64(self->parent, "vram_used", &used));
	ASSERT_EQ(self->vram_total, used);

	for (i = 0; i < n; i++) {
		ASSERT_OK(mdgpu_instance_u64(uuids[i], "vram_offset", &off));
		if ((off / mdgpu_types[0].size) % 2)
			ASSERT_OK(remove_instance(self, uuids[i]));
	}
	EXPECT_EQ(n / 2, mdgpu_type_available(self->parent,
					      mdgpu_types[0].name));
	EXPECT_EQ(0, mdgpu_type_available(self->parent, mdgpu_types[1].name));
	expect_enospc_for_full_types(_metadata, self);
	/* The holes are still usable by the type that fits them. */
	ASSERT_OK(create(self, 0, uuid));
	check_available_model(_metadata, self->parent, self->vram_total);
}

TEST_F(lifecycle, malformed_uuid_rejected)
{
	static const char *const bad[] = {
		"\n",
		"x",
		"0123456",
		"0123456789abcdef0123456789abcdef",		/* no dashes */
		"01234567-89ab-cdef-0123-456789abcde",		/* short */
		"0123456789-ab-cdef-0123-456789abcdef",		/* dash moved */
		"01234567-89ab-cdef-0123-456789abcdeg",		/* not hex */
		"01234567_89ab_cdef_0123_456789abcdef",
		"01234567-89ab-cdef-0123-456789abcdef-0123-4567",
	};
	struct mdgpu_parent_state other;
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	size_t i;
	int t, n;

	n = mdgpu_parent_names(names, MDGPU_MAX_PARENTS);
	ASSERT_LT(0, n);
	ASSERT_OK(mdgpu_parent_state(names[n - 1], &other));
	for (t = 0; t < MDGPU_NR_TYPES; t++) {
		if (self->base.available[t] < 0)
			continue;
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			EXPECT_ERR(EINVAL, mdgpu_create(self->parent,
							mdgpu_types[t].name,
							bad[i]))
				TH_LOG("mdgpu-%s: '%s'", mdgpu_types[t].name,
				       bad[i]);
		}
		mdgpu_expect_state(_metadata, self->parent, &self->base);
	}
	mdgpu_expect_state(_metadata, names[n - 1], &other);
}

TEST_F(lifecycle, duplicate_uuid_rejected)
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	char uuid[MDGPU_UUID_LEN + 1];
	struct mdgpu_parent_state st;
	int t, n, p;

	n = all_parents(names, MDGPU_MAX_PARENTS);
	ASSERT_LT(0, n);
	ASSERT_OK(create(self, 0, uuid));
	ASSERT_OK(mdgpu_parent_state(self->parent, &st));

	/* Same UUID again: on every type of every parent. */
	for (p = 0; p < n; p++) {
		struct mdgpu_parent_state before;

		ASSERT_OK(mdgpu_parent_state(names[p], &before));
		for (t = 0; t < MDGPU_NR_TYPES; t++) {
			if (!mdgpu_type_registered(names[p], mdgpu_types[t].name))
				continue;
			EXPECT_ERR(EEXIST, mdgpu_create(names[p],
							mdgpu_types[t].name,
							uuid))
				TH_LOG("%s mdgpu-%s", names[p],
				       mdgpu_types[t].name);
		}
		mdgpu_expect_state(_metadata, names[p], &before);
	}
	mdgpu_expect_state(_metadata, self->parent, &st);

	/* A removed instance's UUID can be used again (mdevctl does). */
	ASSERT_OK(remove_instance(self, uuid));
	ASSERT_OK(mdgpu_track(&self->created, uuid));
	ASSERT_OK(mdgpu_create(self->parent, mdgpu_types[0].name, uuid));
	EXPECT_TRUE(mdgpu_instance_exists(uuid));
	mdgpu_expect_state(_metadata, self->parent, &st);
}

TEST_F(lifecycle, create_remove_cycles_no_drift)
{
	char uuid[MDGPU_UUID_LEN + 1], keep[MDGPU_UUID_LEN + 1];
	struct mdgpu_parent_state with_one;
	uint64_t size;
	int i, t;

	/* One long-lived instance, so the cycles run on a used parent. */
	ASSERT_OK(create(self, 0, keep));
	ASSERT_OK(mdgpu_parent_state(self->parent, &with_one));
	for (i = 0; i < 64; i++) {
		t = i % MDGPU_NR_TYPES;
		if (self->base.available[t] < 0 || with_one.available[t] == 0)
			continue;
		ASSERT_OK(create(self, t, uuid)) TH_LOG("cycle %d", i);
		ASSERT_OK(mdgpu_instance_u64(uuid, "vram_size", &size));
		EXPECT_EQ(mdgpu_types[t].size, size);
		ASSERT_OK(remove_instance(self, uuid)) TH_LOG("cycle %d", i);
	}
	mdgpu_expect_state(_metadata, self->parent, &with_one);
	ASSERT_OK(remove_instance(self, keep));
	mdgpu_expect_state(_metadata, self->parent, &self->base);
}

/*
 * Several processes race for the last free ranges: exactly as many creates
 * succeed as there was room for, the others fail with ENOSPC.
 */
TEST_F(lifecycle, concurrent_creates_never_overcommit)
{
	const int nproc = 4;
	struct mdgpu_parent_state st;
	int t, i, p, ok = 0, status, go[2];
	long avail = -1, tries;
	pid_t pids[4];
	char c;

	for (t = 0; t < MDGPU_NR_TYPES; t++) {
		avail = self->base.available[t];
		if (avail > 0 && avail * 2 <= (long)ARRAY_SIZE(self->results))
			break;
	}
	if (t == MDGPU_NR_TYPES)
		SKIP(return, "no type with at most %zu free slots",
		     ARRAY_SIZE(self->results) / 2);
	tries = avail * 2;
	for (i = 0; i < tries; i++) {
		ASSERT_OK(mdgpu_new_uuid(self->created.uuid[i]));
		self->results[i] = 1;
	}

	ASSERT_OK(pipe(go));
	for (p = 0; p < nproc; p++) {
		pids[p] = fork();
		ASSERT_LE(0, pids[p]);
		if (!pids[p]) {
			close(go[1]);
			/* Start together: read returns once go[1] closes. */
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			for (i = p; i < tries; i += nproc)
				self->results[i] = mdgpu_create(self->parent,
								mdgpu_types[t].name,
								self->created.uuid[i]);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (p = 0; p < nproc; p++) {
		ASSERT_EQ(pids[p], waitpid(pids[p], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}

	for (i = 0; i < tries; i++) {
		if (!self->results[i]) {
			ok++;
		} else {
			EXPECT_ERR(ENOSPC, self->results[i]) TH_LOG("try %d", i);
		}
		EXPECT_EQ(!self->results[i],
			  mdgpu_instance_exists(self->created.uuid[i]));
	}
	EXPECT_EQ(avail, ok);
	ASSERT_OK(mdgpu_parent_state(self->parent, &st));
	EXPECT_EQ(self->base.vram_used + avail * mdgpu_types[t].size,
		  st.vram_used);
	EXPECT_EQ(0, st.available[t]);
	check_available_model(_metadata, self->parent, self->vram_total);
}

/* The fixture's parent full, another one (sim0 beside a PCI parent). */
TEST_F(lifecycle, parents_are_independent)
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	struct mdgpu_parent_state other;
	char uuid[MDGPU_UUID_LEN + 1];
	int n, big, o;
	long i, avail;

	n = all_parents(names, MDGPU_MAX_PARENTS);
	ASSERT_LE(0, n);
	for (o = 0; o < n && !strcmp(names[o], self->parent); o++)
		;
	if (o == n)
		SKIP(return, "needs two parents (parents=2)");
	ASSERT_OK(mdgpu_parent_state(names[o], &other));

	/* Fill the first parent completely. */
	big = mdgpu_largest_type(self->parent);
	ASSERT_LE(0, big);
	avail = self->base.available[big];
	for (i = 0; i < avail; i++)
		ASSERT_OK(create(self, big, uuid));
	mdgpu_expect_state(_metadata, names[o], &other);

	/* The other one still has all its room. */
	ASSERT_OK(mdgpu_create_tracked(&self->created, names[o],
				       mdgpu_types[0].name, uuid));
	ASSERT_OK(remove_instance(self, uuid));
	mdgpu_expect_state(_metadata, names[o], &other);
}

TEST_HARNESS_MAIN
