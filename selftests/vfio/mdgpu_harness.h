/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kselftest harness plus mdgpu's assertion helpers. Included once by
 * every test program (the harness header defines functions and globals).
 */
#ifndef MDGPU_HARNESS_H
#define MDGPU_HARNESS_H

#include "kselftest_harness.h"
#include "mdgpu_selftest.h"

/*
 * The tests run in VMs under software emulation, some on a kernel with KASAN
 * and lockdep, where a sysfs create costs tens of milliseconds: give each
 * test more than the harness's default 30 s.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180

/* A helper returning 0 or -errno succeeded / failed with exactly @err. */
#define ASSERT_OK(expr)		ASSERT_EQ(0, (long)(expr))
#define EXPECT_OK(expr)		EXPECT_EQ(0, (long)(expr))
#define ASSERT_ERR(err, expr)	ASSERT_EQ(-(long)(err), (long)(expr))
#define EXPECT_ERR(err, expr)	EXPECT_EQ(-(long)(err), (long)(expr))

/* The first parent, sim0: every test program works on it. */
static inline void mdgpu_first_parent(struct __test_metadata *_metadata,
				      char parent[MDGPU_NAME_LEN])
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	int n = mdgpu_parent_names(names, MDGPU_MAX_PARENTS);

	ASSERT_LT(0, n) TH_LOG("no mdgpu parent: is mdgpu.ko loaded? (%d)", n);
	strcpy(parent, names[0]);
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
	for (i = 0; i < MDGPU_NR_TYPES; i++)
		EXPECT_EQ(want->available[i], got.available[i])
			TH_LOG("%s mdgpu-%s available_instances", parent,
			       mdgpu_types[i].name);
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

#endif /* MDGPU_HARNESS_H */
