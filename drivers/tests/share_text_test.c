// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the text form of min_share (drivers/share_text.c):
 * percent with up to four decimals, one part per million per step.
 */
#include <kunit/test.h>

#include "../share_text.c"

static void share_parse_ok(struct kunit *test)
{
	static const struct {
		const char *text;
		u32 ppm;
	} ok[] = {
		{ "0", 0 }, { "30", 300000 }, { "30\n", 300000 },
		{ "100", 1000000 }, { "100.0000", 1000000 }, { "12.5", 125000 },
		{ "0.0001", 1 }, { "0.0976\n", 976 }, { "99.9999", 999999 },
		{ "007.25", 72500 }, { "33.3333", 333333 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		u32 ppm = 12345;

		KUNIT_EXPECT_EQ_MSG(test, mdgpu_share_parse(ok[i].text, &ppm), 0,
				    "%s", ok[i].text);
		KUNIT_EXPECT_EQ_MSG(test, ppm, ok[i].ppm, "%s", ok[i].text);
	}
}

static void share_parse_refused(struct kunit *test)
{
	static const char * const inval[] = {
		"", "\n", "-1", "+1", " 1", "1 ", "1\n\n", ".5", "5.", "5.\n",
		"0.00001", "1.2.3", "1,5", "0x10", "1e2", "12.5%",
	};
	static const char * const range[] = {
		"101", "100.0001", "1000000000000000000000", "4294967296",
	};
	size_t i;
	u32 ppm = 12345;

	for (i = 0; i < ARRAY_SIZE(inval); i++)
		KUNIT_EXPECT_EQ_MSG(test, mdgpu_share_parse(inval[i], &ppm),
				    -EINVAL, "\"%s\"", inval[i]);
	for (i = 0; i < ARRAY_SIZE(range); i++)
		KUNIT_EXPECT_EQ_MSG(test, mdgpu_share_parse(range[i], &ppm),
				    -ERANGE, "\"%s\"", range[i]);
	/* Nothing written on error. */
	KUNIT_EXPECT_EQ(test, ppm, 12345U);
}

static void share_format(struct kunit *test)
{
	static const struct {
		u32 ppm;
		const char *text;
	} out[] = {
		{ 0, "0\n" }, { 300000, "30\n" }, { 1000000, "100\n" },
		{ 125000, "12.5\n" }, { 1, "0.0001\n" }, { 976, "0.0976\n" },
		{ 999999, "99.9999\n" }, { 10, "0.001\n" }, { 100100, "10.01\n" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(out); i++) {
		int n = mdgpu_share_format(out[i].ppm, buf, sizeof(buf));

		KUNIT_EXPECT_STREQ(test, buf, out[i].text);
		KUNIT_EXPECT_EQ(test, n, (int)strlen(out[i].text));
	}
}

/* Every value reads back as written: format and parse are inverses. */
static void share_round_trip(struct kunit *test)
{
	char buf[32];
	u32 ppm, back;

	for (ppm = 0; ppm <= MDGPU_SCHED_SHARE_ONE; ppm += 977) {
		mdgpu_share_format(ppm, buf, sizeof(buf));
		KUNIT_ASSERT_EQ_MSG(test, mdgpu_share_parse(buf, &back), 0,
				    "%s", buf);
		KUNIT_ASSERT_EQ(test, back, ppm);
	}
}

static struct kunit_case mdgpu_share_text_cases[] = {
	KUNIT_CASE(share_parse_ok),
	KUNIT_CASE(share_parse_refused),
	KUNIT_CASE(share_format),
	KUNIT_CASE(share_round_trip),
	{}
};

static struct kunit_suite mdgpu_share_text_suite = {
	.name = "mdgpu_share_text",
	.test_cases = mdgpu_share_text_cases,
};

kunit_test_suite(mdgpu_share_text_suite);
