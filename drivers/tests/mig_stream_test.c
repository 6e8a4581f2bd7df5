// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the migration stream: building, the compatibility check,
 * and the incremental parser with every refusal.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "../mig_stream.c"

static const struct mdgpu_type_desc mig_test_type = {
	"64M", "mdgpu 64M", SZ_64M, 1920, 1080,
};

/* A stream being built, with its running CRC. */
struct mig_test_buf {
	u8 *data;
	size_t len;
	u32 crc;
};

static void mig_put(struct mig_test_buf *b, const void *p, size_t len)
{
	memcpy(b->data + b->len, p, len);
	b->crc = mdgpu_mig_crc(b->crc, p, len);
	b->len += len;
}

static void mig_put_rec(struct mig_test_buf *b, u32 tag, u32 flags,
			const void *payload, size_t len)
{
	struct mdgpu_mig_record r;

	mdgpu_mig_record_fill(&r, tag, flags, len);
	mig_put(b, &r, sizeof(r));
	mig_put(b, payload, len);
}

static void mig_put_end(struct mig_test_buf *b)
{
	struct mdgpu_mig_record r;
	__le32 sum;

	mdgpu_mig_record_fill(&r, MDGPU_MIG_TAG_END, 0, sizeof(sum));
	mig_put(b, &r, sizeof(r));
	sum = cpu_to_le32(~b->crc);
	memcpy(b->data + b->len, &sum, sizeof(sum));
	b->len += sizeof(sum);
}

/* Ways to spoil a stream. */
enum mig_test_fault {
	MIG_OK,
	MIG_BAD_MAGIC,
	MIG_BAD_VERSION,
	MIG_BAD_HEADER_SIZE,
	MIG_OTHER_TYPE,
	MIG_OTHER_VRAM,
	MIG_LARGER_MODE,
	MIG_OTHER_LAYOUT,
	MIG_MORE_FEATURES,
	MIG_NEWER_DEVICE,
	MIG_OTHER_MAJOR,
	MIG_BAD_CRC,
	MIG_TRUNCATED,
	MIG_UNKNOWN_MANDATORY,
	MIG_UNKNOWN_OPTIONAL,
	MIG_AFTER_END,
	MIG_VRAM_PARTIAL_PAGE,
	MIG_VRAM_OUTSIDE,
	MIG_VRAM_MISALIGNED,
	MIG_VRAM_TOO_MANY,
	MIG_ZERO_MISALIGNED,
	MIG_ZERO_EMPTY,
	MIG_RECORD_FLAGS,
	MIG_CONFIG_LENGTH,
	MIG_NO_ENGINE,
	MIG_SHARE,
	MIG_SCHED_PCT_OVER,
};

#define MIG_TEST_BUF	(64 * 1024)

/* The test pages' contents. */
static u8 mig_test_byte(u64 off, unsigned int i)
{
	return (u8)(off / MDGPU_MIG_PAGE * 31 + i * 7 + 1);
}

/*
 * A stream from a 64M device: the state records, two VRAM pages at 8 KiB,
 * one at the last page, a zero run, and END; spoilt by @fault.
 */
static void mig_build(struct mig_test_buf *b, enum mig_test_fault fault)
{
	struct mdgpu_mig_config config = {};
	struct mdgpu_mig_regs regs = {};
	struct mdgpu_mig_display *display;
	struct mdgpu_mig_engine engine = {};
	struct mdgpu_mig_sched sched = {};
	struct mdgpu_mig_zero zero;
	struct mdgpu_mig_header h;
	struct mdgpu_mig_compat c;
	struct mdgpu_mig_record r;
	u8 *page = kmalloc(MDGPU_MIG_PAGE, GFP_KERNEL);
	__le64 off;
	u64 o, at;
	unsigned int i, n;

	b->len = 0;
	b->crc = ~0u;
	if (!page)
		return;
	mdgpu_mig_compat_fill(&c, &mig_test_type);
	switch (fault) {
	case MIG_OTHER_TYPE:
		strscpy(c.type, "mdgpu-128M", sizeof(c.type));
		break;
	case MIG_OTHER_VRAM:
		c.vram_size = cpu_to_le64(SZ_128M);
		break;
	case MIG_LARGER_MODE:
		c.max_width = cpu_to_le32(3840);
		break;
	case MIG_OTHER_LAYOUT:
		c.regs_layout = cpu_to_le32(MDGPU_MIG_REGS_LAYOUT + 1);
		break;
	case MIG_MORE_FEATURES:
		c.features = cpu_to_le32(MDGPU_MIG_FEATURES | BIT(7));
		break;
	case MIG_NEWER_DEVICE:
		c.device_version = cpu_to_le32(MDGPU_DEVICE_VERSION + 1);
		break;
	case MIG_OTHER_MAJOR:
		c.device_version = cpu_to_le32(MDGPU_DEVICE_VERSION + 0x10000);
		break;
	default:
		break;
	}
	mdgpu_mig_header_fill(&h, &c);
	if (fault == MIG_BAD_MAGIC)
		h.magic = cpu_to_le64(MDGPU_MIG_MAGIC + 1);
	if (fault == MIG_BAD_VERSION)
		h.version = cpu_to_le32(MDGPU_MIG_VERSION + 1);
	if (fault == MIG_BAD_HEADER_SIZE)
		h.size = cpu_to_le32(sizeof(h) + 8);
	mig_put(b, &h, sizeof(h));

	for (i = 0; i < sizeof(config.data); i++)
		config.data[i] = i;
	mig_put_rec(b, MDGPU_MIG_TAG_CONFIG,
		    fault == MIG_RECORD_FLAGS ? BIT(3) : 0, &config,
		    sizeof(config) - (fault == MIG_CONFIG_LENGTH ? 4 : 0));
	regs.scratch = cpu_to_le32(0x12345678);
	mig_put_rec(b, MDGPU_MIG_TAG_REGS, 0, &regs, sizeof(regs));
	display = kzalloc(sizeof(*display), GFP_KERNEL);
	if (display) {
		display->dispi[1] = cpu_to_le16(1024);
		display->edid[0] = 0xee;
		mig_put_rec(b, MDGPU_MIG_TAG_DISPLAY, 0, display,
			    sizeof(*display));
		kfree(display);
	}
	engine.cmds_done = cpu_to_le32(77);
	engine.timestamp = cpu_to_le64(123456789);
	if (fault != MIG_NO_ENGINE)
		mig_put_rec(b, MDGPU_MIG_TAG_ENGINE, 0, &engine,
			    sizeof(engine));
	sched.weight = cpu_to_le32(300);
	sched.min_share = cpu_to_le32(fault == MIG_SCHED_PCT_OVER ? 101 : 12);
	mig_put_rec(b, MDGPU_MIG_TAG_SCHED, MDGPU_MIG_REC_OPTIONAL, &sched,
		    sizeof(sched));
	if (fault == MIG_SHARE) {
		struct mdgpu_mig_share share = {
			.min_share_ppm = cpu_to_le32(125000),
		};

		mig_put_rec(b, MDGPU_MIG_TAG_SHARE, MDGPU_MIG_REC_OPTIONAL,
			    &share, sizeof(share));
	}
	if (fault == MIG_UNKNOWN_MANDATORY || fault == MIG_UNKNOWN_OPTIONAL)
		mig_put_rec(b, 0x77, fault == MIG_UNKNOWN_OPTIONAL ?
				     MDGPU_MIG_REC_OPTIONAL : 0, "opaque", 6);

	/* VRAM: two pages at 8 KiB, and the last page. */
	for (n = 0, at = SZ_8K; n < 2; n++) {
		o = at;
		if (n == 1)
			o = SZ_64M - MDGPU_MIG_PAGE;
		if (fault == MIG_VRAM_OUTSIDE && n == 1)
			o = SZ_64M;
		if (fault == MIG_VRAM_MISALIGNED && n == 1)
			o += 512;
		i = n == 0 ? 2 : 1;
		if (fault == MIG_VRAM_TOO_MANY && n == 0)
			i = MDGPU_MIG_VRAM_MAX_PAGES + 1;
		mdgpu_mig_record_fill(&r, MDGPU_MIG_TAG_VRAM, 0,
				      sizeof(off) + (u64)i * MDGPU_MIG_PAGE -
				      (fault == MIG_VRAM_PARTIAL_PAGE ? 8 : 0));
		mig_put(b, &r, sizeof(r));
		off = cpu_to_le64(o);
		mig_put(b, &off, sizeof(off));
		for (; i; i--, o += MDGPU_MIG_PAGE) {
			unsigned int k;

			for (k = 0; k < MDGPU_MIG_PAGE; k++)
				page[k] = mig_test_byte(o, k);
			if (b->len + MDGPU_MIG_PAGE > MIG_TEST_BUF - 512)
				break;
			mig_put(b, page, MDGPU_MIG_PAGE);
		}
	}
	zero.offset = cpu_to_le64(SZ_1M + (fault == MIG_ZERO_MISALIGNED));
	zero.len = cpu_to_le64(fault == MIG_ZERO_EMPTY ? 0 : SZ_64K);
	mig_put_rec(b, MDGPU_MIG_TAG_ZERO, 0, &zero, sizeof(zero));
	mig_put_end(b);
	kfree(page);
	if (fault == MIG_BAD_CRC)
		b->data[b->len / 2] ^= 0x10;
	if (fault == MIG_TRUNCATED)
		b->len -= 3;
	if (fault == MIG_AFTER_END)
		b->data[b->len++] = 0;
}

/* What the VRAM callbacks saw. */
struct mig_test_sink {
	struct kunit *test;
	unsigned int pages;
	unsigned int bad_pages;
	u64 zero_off;
	u64 zero_len;
};

static int mig_test_page(void *ctx, u64 off, const void *data)
{
	struct mig_test_sink *s = ctx;
	const u8 *p = data;
	unsigned int k;

	s->pages++;
	for (k = 0; k < MDGPU_MIG_PAGE; k++)
		if (p[k] != mig_test_byte(off, k)) {
			s->bad_pages++;
			break;
		}
	return 0;
}

static int mig_test_zero(void *ctx, u64 off, u64 len)
{
	struct mig_test_sink *s = ctx;

	s->zero_off = off;
	s->zero_len = len;
	return 0;
}

static const struct mdgpu_mig_parser_ops mig_test_ops = {
	.page = mig_test_page,
	.zero = mig_test_zero,
};

/* Parse @b in pieces of @step bytes. Return: the first error, or finish's. */
static int mig_parse_all(struct kunit *test, struct mdgpu_mig_parser *p,
			 const struct mig_test_buf *b, size_t step,
			 struct mig_test_sink *sink,
			 const struct mdgpu_mig_compat *dest)
{
	size_t pos, n;
	int ret;

	memset(sink, 0, sizeof(*sink));
	sink->test = test;
	mdgpu_mig_parser_init(p, dest, &mig_test_ops, sink);
	for (pos = 0; pos < b->len; pos += n) {
		n = min(step, b->len - pos);
		ret = mdgpu_mig_parse(p, b->data + pos, n);
		if (ret)
			return ret;
	}
	return mdgpu_mig_parse_finish(p);
}

static void *mig_alloc(struct kunit *test, size_t len)
{
	void *p = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void mig_round_trip(struct kunit *test)
{
	static const size_t steps[] = { SIZE_MAX, 4096, 1000, 17, 3, 1 };
	struct mdgpu_mig_parser *p = mig_alloc(test, sizeof(*p));
	struct mig_test_buf b = { .data = mig_alloc(test, MIG_TEST_BUF) };
	struct mig_test_sink sink;
	struct mdgpu_mig_compat dest;
	unsigned int i;

	mdgpu_mig_compat_fill(&dest, &mig_test_type);
	mig_build(&b, MIG_OK);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		KUNIT_ASSERT_EQ(test, mig_parse_all(test, p, &b, steps[i],
						    &sink, &dest), 0);
		KUNIT_EXPECT_EQ(test, sink.pages, 3U);
		KUNIT_EXPECT_EQ(test, sink.bad_pages, 0U);
		KUNIT_EXPECT_EQ(test, sink.zero_off, (u64)SZ_1M);
		KUNIT_EXPECT_EQ(test, sink.zero_len, (u64)SZ_64K);
		KUNIT_EXPECT_EQ(test, p->got, MDGPU_MIG_HAVE_STATE |
				MDGPU_MIG_HAVE(MDGPU_MIG_TAG_SCHED));
		KUNIT_EXPECT_EQ(test, le32_to_cpu(p->regs.scratch), 0x12345678U);
		KUNIT_EXPECT_EQ(test, le16_to_cpu(p->display.dispi[1]), 1024);
		KUNIT_EXPECT_EQ(test, p->display.edid[0], 0xee);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(p->engine.cmds_done), 77U);
		KUNIT_EXPECT_EQ(test, le64_to_cpu(p->engine.timestamp),
				123456789ULL);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(p->sched.weight), 300U);
		KUNIT_EXPECT_EQ(test, mdgpu_mig_min_share_ppm(p), 120000U);
		KUNIT_EXPECT_EQ(test, p->config.data[200], 200);
		KUNIT_EXPECT_EQ(test, p->pos, (u64)b.len);
	}
}

/*
 * min_share: a SHARE record carries it to the part per million; without
 * one (a stream of an older module) SCHED's whole percent counts, and a
 * percent over 100 stays out of range for the scheduler to refuse.
 */
static void mig_min_share(struct kunit *test)
{
	struct mdgpu_mig_parser *p = mig_alloc(test, sizeof(*p));
	struct mdgpu_mig_compat dest;
	struct mig_test_sink sink;
	struct mig_test_buf b = { .data = mig_alloc(test, MIG_TEST_BUF) };

	mdgpu_mig_compat_fill(&dest, &mig_test_type);
	mig_build(&b, MIG_SHARE);
	KUNIT_ASSERT_EQ(test, mig_parse_all(test, p, &b, 4096, &sink, &dest), 0);
	KUNIT_EXPECT_EQ(test, p->got, MDGPU_MIG_HAVE_STATE |
			MDGPU_MIG_HAVE(MDGPU_MIG_TAG_SCHED) |
			MDGPU_MIG_HAVE(MDGPU_MIG_TAG_SHARE));
	KUNIT_EXPECT_EQ(test, mdgpu_mig_min_share_ppm(p), 125000U);

	b.len = 0;
	mig_build(&b, MIG_SCHED_PCT_OVER);
	KUNIT_ASSERT_EQ(test, mig_parse_all(test, p, &b, 4096, &sink, &dest), 0);
	KUNIT_EXPECT_EQ(test, mdgpu_mig_min_share_ppm(p), U32_MAX);
}

struct mig_refusal {
	const char *name;
	enum mig_test_fault fault;
	int err;
};

static const struct mig_refusal mig_refusals[] = {
	{ "bad magic", MIG_BAD_MAGIC, -EINVAL },
	{ "other version", MIG_BAD_VERSION, -EPROTONOSUPPORT },
	{ "header size", MIG_BAD_HEADER_SIZE, -EINVAL },
	{ "other type", MIG_OTHER_TYPE, -EOPNOTSUPP },
	{ "other VRAM size", MIG_OTHER_VRAM, -EOPNOTSUPP },
	{ "larger mode than the destination", MIG_LARGER_MODE, -EOPNOTSUPP },
	{ "other register layout", MIG_OTHER_LAYOUT, -EOPNOTSUPP },
	{ "features the destination lacks", MIG_MORE_FEATURES, -EOPNOTSUPP },
	{ "newer device minor", MIG_NEWER_DEVICE, -EOPNOTSUPP },
	{ "other device major", MIG_OTHER_MAJOR, -EOPNOTSUPP },
	{ "flipped bit", MIG_BAD_CRC, -EBADMSG },
	{ "truncated", MIG_TRUNCATED, -EBADMSG },
	{ "unknown mandatory record", MIG_UNKNOWN_MANDATORY, -EINVAL },
	{ "unknown optional record", MIG_UNKNOWN_OPTIONAL, 0 },
	{ "bytes after END", MIG_AFTER_END, -EBADMSG },
	{ "VRAM record of a partial page", MIG_VRAM_PARTIAL_PAGE, -EINVAL },
	{ "VRAM outside BAR0", MIG_VRAM_OUTSIDE, -EINVAL },
	{ "VRAM misaligned", MIG_VRAM_MISALIGNED, -EINVAL },
	{ "VRAM record too long", MIG_VRAM_TOO_MANY, -EINVAL },
	{ "zero run misaligned", MIG_ZERO_MISALIGNED, -EINVAL },
	{ "empty zero run", MIG_ZERO_EMPTY, -EINVAL },
	{ "unknown record flags", MIG_RECORD_FLAGS, -EINVAL },
	{ "CONFIG record length", MIG_CONFIG_LENGTH, -EINVAL },
	{ "no ENGINE record", MIG_NO_ENGINE, -EINVAL },
};

static void mig_refusal_desc(const struct mig_refusal *r, char *desc)
{
	strscpy(desc, r->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mig_refusal, mig_refusals, mig_refusal_desc);

static void mig_refuse(struct kunit *test)
{
	const struct mig_refusal *r = test->param_value;
	struct mdgpu_mig_parser *p = mig_alloc(test, sizeof(*p));
	struct mig_test_buf b = { .data = mig_alloc(test, MIG_TEST_BUF) };
	struct mig_test_sink sink;
	struct mdgpu_mig_compat dest;

	mdgpu_mig_compat_fill(&dest, &mig_test_type);
	mig_build(&b, r->fault);
	/* Whole, and split into odd pieces: the same answer. */
	KUNIT_EXPECT_EQ(test, mig_parse_all(test, p, &b, SIZE_MAX, &sink,
					    &dest), r->err);
	if (r->err)
		KUNIT_EXPECT_NOT_NULL(test, p->why);
	KUNIT_EXPECT_EQ(test, mig_parse_all(test, p, &b, 7, &sink, &dest),
			r->err);
	/* The error sticks. */
	if (r->err)
		KUNIT_EXPECT_EQ(test, mdgpu_mig_parse(p, b.data, 1), r->err);
}

static void mig_compat(struct kunit *test)
{
	static const struct mdgpu_type_desc big = {
		"64M", "mdgpu 64M", SZ_64M, 3840, 2160,
	};
	struct mdgpu_mig_compat a, d;
	const char *why = NULL;
	char line[160];

	mdgpu_mig_compat_fill(&a, &mig_test_type);
	mdgpu_mig_compat_fill(&d, &big);
	KUNIT_EXPECT_STREQ(test, a.type, "mdgpu-64M");
	/* A destination with a larger maximum mode takes the stream... */
	KUNIT_EXPECT_EQ(test, mdgpu_mig_compat_check(&a, &d, &why), 0);
	/* ...not the other way round. */
	KUNIT_EXPECT_EQ(test, mdgpu_mig_compat_check(&d, &a, &why),
			-EOPNOTSUPP);
	KUNIT_EXPECT_STREQ(test, why, "maximum resolution");
	/* A newer minor device version takes an older stream. */
	d = a;
	d.device_version = cpu_to_le32(MDGPU_DEVICE_VERSION + 1);
	KUNIT_EXPECT_EQ(test, mdgpu_mig_compat_check(&a, &d, &why), 0);
	mdgpu_mig_compat_format(&a, line, sizeof(line));
	KUNIT_EXPECT_STREQ(test, line,
			   "version=1 device=0x00010000 type=mdgpu-64M vram=67108864 max=1920x1080 regs=4096 layout=1 features=0x3");
}

static void mig_crc_is_zlib(struct kunit *test)
{
	/* The CRC-32 check value of "123456789" (zlib, IEEE 802.3). */
	KUNIT_EXPECT_EQ(test, ~mdgpu_mig_crc(~0u, "123456789", 9), 0xcbf43926U);
}

static struct kunit_case mdgpu_mig_stream_cases[] = {
	KUNIT_CASE(mig_round_trip),
	KUNIT_CASE(mig_min_share),
	KUNIT_CASE_PARAM(mig_refuse, mig_refusal_gen_params),
	KUNIT_CASE(mig_compat),
	KUNIT_CASE(mig_crc_is_zlib),
	{}
};

static struct kunit_suite mdgpu_mig_stream_suite = {
	.name = "mdgpu_mig_stream",
	.test_cases = mdgpu_mig_stream_cases,
};

kunit_test_suite(mdgpu_mig_stream_suite);
