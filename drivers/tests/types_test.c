// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the vGPU type table and its descriptions.
 */
#include <kunit/test.h>
#include <linux/log2.h>
#include <linux/sizes.h>

#include "../types.c"

static void types_table_sane(struct kunit *test)
{
	unsigned int i, j;

	KUNIT_ASSERT_GE(test, mdgpu_nr_type_descs, 3U);
	for (i = 0; i < mdgpu_nr_type_descs; i++) {
		const struct mdgpu_type_desc *d = &mdgpu_type_descs[i];

		KUNIT_EXPECT_TRUE(test, is_power_of_2(d->vram_size));
		KUNIT_EXPECT_GE(test, d->vram_size, (u64)SZ_64M);
		/* The largest mode at 32 bpp fits in the framebuffer. */
		KUNIT_EXPECT_LE(test, (u64)d->max_width * d->max_height * 4,
				d->vram_size);
		if (i)
			KUNIT_EXPECT_GT(test, d->vram_size,
					mdgpu_type_descs[i - 1].vram_size);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, d->sysfs_name,
					    mdgpu_type_descs[j].sysfs_name);
	}
}

static void types_describe(struct kunit *test)
{
	char buf[192];
	int n;

	n = mdgpu_type_describe(&mdgpu_type_descs[0], SZ_2G, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "framebuffer=64M max_instances=32 max_resolution=1920x1080 display=bochs-vbe migration=1 device_version=0x00010000 regs_layout=1 features=0x3\n");
	KUNIT_EXPECT_EQ(test, n, (int)strlen(buf));
	/* Never overruns a short buffer. */
	n = mdgpu_type_describe(&mdgpu_type_descs[0], SZ_2G, buf, 8);
	KUNIT_EXPECT_EQ(test, n, 7);
	KUNIT_EXPECT_EQ(test, strlen(buf), (size_t)7);
}

static struct kunit_case mdgpu_types_cases[] = {
	KUNIT_CASE(types_table_sane),
	KUNIT_CASE(types_describe),
	{}
};

static struct kunit_suite mdgpu_types_suite = {
	.name = "mdgpu_types",
	.test_cases = mdgpu_types_cases,
};

kunit_test_suite(mdgpu_types_suite);
