// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the core's VRAM access helpers (vram_access.c) against a
 * mock backend that records each call: the instance's offset is added,
 * ranges outside the instance never reach the backend, optional operations
 * that are missing are answered by the core (no in-device copy, every page
 * backed, no dma-buf pages, unchanged page protection).
 */
#include <kunit/test.h>
#include <linux/sizes.h>

#include "../vram_access.c"

#define MOCK_INST_OFF	SZ_64M
#define MOCK_INST_SIZE	SZ_64M

/**
 * struct mock_backend - what the mock saw
 * @calls: backend calls so far
 * @offset: parent offset of the last call
 * @len: length of the last call
 * @src: source offset of the last copy
 */
struct mock_backend {
	unsigned int calls;
	u64 offset;
	u64 len;
	u64 src;
};

static int mock_rw(struct mdgpu_parent *parent, u64 offset, void *buf,
		   size_t len, bool write)
{
	struct mock_backend *m = parent->backend;

	m->calls++;
	m->offset = offset;
	m->len = len;
	if (!write)
		memset(buf, 0x5a, len);
	return 0;
}

static void mock_discard(struct mdgpu_parent *parent, u64 offset, u64 len)
{
	struct mock_backend *m = parent->backend;

	m->calls++;
	m->offset = offset;
	m->len = len;
}

static int mock_pfn(struct mdgpu_parent *parent, u64 offset,
		    unsigned long *pfn)
{
	struct mock_backend *m = parent->backend;

	m->calls++;
	m->offset = offset;
	*pfn = 0x100000 + (offset >> PAGE_SHIFT);
	return 0;
}

static int mock_copy(struct mdgpu_parent *parent, u64 dst, u64 src,
		     size_t len)
{
	struct mock_backend *m = parent->backend;

	m->calls++;
	m->offset = dst;
	m->src = src;
	m->len = len;
	return 0;
}

static u64 mock_next(struct mdgpu_parent *parent, u64 offset, u64 end)
{
	struct mock_backend *m = parent->backend;

	m->calls++;
	/* Only the instance's page at +8 MiB is backed. */
	if (offset <= MOCK_INST_OFF + SZ_8M && MOCK_INST_OFF + SZ_8M < end)
		return MOCK_INST_OFF + SZ_8M;
	return end;
}

static const struct mdgpu_backend_ops mock_full_ops = {
	.name = "mock",
	.vram_rw = mock_rw,
	.vram_discard = mock_discard,
	.vram_pfn = mock_pfn,
	.vram_copy = mock_copy,
	.vram_next = mock_next,
};

/* Only the required operations. */
static const struct mdgpu_backend_ops mock_min_ops = {
	.name = "mock-min",
	.vram_rw = mock_rw,
	.vram_discard = mock_discard,
	.vram_pfn = mock_pfn,
};

static void mock_vgpu_exit(void *data)
{
	struct mdgpu_vgpu *vgpu = data;

	mutex_destroy(&vgpu->lock);
}

/*
 * An instance at MOCK_INST_OFF of a 256 MiB parent. Each test holds its
 * lock (as the helpers' callers do) from start to end.
 */
static struct mdgpu_vgpu *mock_vgpu(struct kunit *test,
				    const struct mdgpu_backend_ops *ops)
{
	struct mdgpu_parent *parent = kunit_kzalloc(test, sizeof(*parent),
						    GFP_KERNEL);
	struct mdgpu_vgpu *vgpu = kunit_kzalloc(test, sizeof(*vgpu),
						GFP_KERNEL);
	struct mock_backend *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, parent);
	KUNIT_ASSERT_NOT_NULL(test, vgpu);
	KUNIT_ASSERT_NOT_NULL(test, m);
	parent->ops = ops;
	parent->backend = m;
	parent->vram_size = SZ_256M;
	vgpu->parent = parent;
	vgpu->vram_offset = MOCK_INST_OFF;
	vgpu->vram_size = MOCK_INST_SIZE;
	mutex_init(&vgpu->lock);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mock_vgpu_exit,
							vgpu), 0);
	return vgpu;
}

static struct mock_backend *mock_of(struct mdgpu_vgpu *vgpu)
{
	return vgpu->parent->backend;
}

/* In-range accesses reach the backend at instance offset + access offset. */
static void vram_access_adds_offset(struct kunit *test)
{
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, &mock_full_ops);
	struct mock_backend *m = mock_of(vgpu);
	unsigned long pfn = 0;
	u8 buf[16];

	mutex_lock(&vgpu->lock);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_rw(vgpu, 100, buf, 16, false), 0);
	KUNIT_EXPECT_EQ(test, m->offset, MOCK_INST_OFF + 100);
	KUNIT_EXPECT_EQ(test, m->len, 16);
	KUNIT_EXPECT_EQ(test, buf[15], 0x5a);
	/* The last byte of the instance. */
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_rw(vgpu, MOCK_INST_SIZE - 1, buf,
						 1, true), 0);
	KUNIT_EXPECT_EQ(test, m->offset, MOCK_INST_OFF + MOCK_INST_SIZE - 1);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_pfn(vgpu, 3 * PAGE_SIZE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn,
			0x100000 + ((MOCK_INST_OFF >> PAGE_SHIFT) + 3));
	mdgpu_vgpu_vram_discard(vgpu, 0, MOCK_INST_SIZE);
	KUNIT_EXPECT_EQ(test, m->offset, MOCK_INST_OFF);
	KUNIT_EXPECT_EQ(test, m->len, MOCK_INST_SIZE);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_copy(vgpu, SZ_1M, 0, 4096), 0);
	KUNIT_EXPECT_EQ(test, m->offset, MOCK_INST_OFF + SZ_1M);
	KUNIT_EXPECT_EQ(test, m->src, MOCK_INST_OFF);
	KUNIT_EXPECT_EQ(test, m->calls, 5);
	/* vram_next answers in instance offsets. */
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_next(vgpu, 0), SZ_8M);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_next(vgpu, SZ_8M + PAGE_SIZE),
			MOCK_INST_SIZE);
	mutex_unlock(&vgpu->lock);
}

/* Out-of-range accesses never reach the backend. */
static void vram_access_refuses_outside(struct kunit *test)
{
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, &mock_full_ops);
	struct mock_backend *m = mock_of(vgpu);
	unsigned long pfn;
	u8 buf[16];

	mutex_lock(&vgpu->lock);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_rw(vgpu, MOCK_INST_SIZE - 8, buf,
						 16, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_rw(vgpu, MOCK_INST_SIZE, buf, 1,
						 true), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_rw(vgpu, U64_MAX - 4, buf, 16,
						 false), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_pfn(vgpu, MOCK_INST_SIZE, &pfn),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_copy(vgpu, MOCK_INST_SIZE - 100,
						   0, 4096), -EINVAL);
	/* Overlapping ranges are not a device copy. */
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_copy(vgpu, 100, 0, 4096),
			-EINVAL);
	mdgpu_vgpu_vram_discard(vgpu, SZ_32M, MOCK_INST_SIZE);
	KUNIT_EXPECT_EQ(test, m->calls, 0);
	mutex_unlock(&vgpu->lock);
}

/* Missing optional operations are answered by the core. */
static void vram_access_optional_ops(struct kunit *test)
{
	struct mdgpu_vgpu *vgpu = mock_vgpu(test, &mock_min_ops);
	struct mock_backend *m = mock_of(vgpu);
	pgprot_t prot = PAGE_SHARED;

	mutex_lock(&vgpu->lock);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_copy(vgpu, SZ_1M, 0, 4096),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_next(vgpu, 12345), 12345);
	KUNIT_EXPECT_EQ(test, mdgpu_vgpu_vram_next(vgpu, MOCK_INST_SIZE + 1),
			MOCK_INST_SIZE);
	KUNIT_EXPECT_NULL(test, mdgpu_vgpu_vram_page(vgpu, 0));
	KUNIT_EXPECT_FALSE(test, mdgpu_vgpu_vram_bad(vgpu, 0, PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, mdgpu_parent_has_dmabuf(vgpu->parent));
	KUNIT_EXPECT_EQ(test,
			pgprot_val(mdgpu_vgpu_vram_pgprot(vgpu, prot)),
			pgprot_val(prot));
	KUNIT_EXPECT_EQ(test, m->calls, 0);
	mutex_unlock(&vgpu->lock);
}

static struct kunit_case vram_access_cases[] = {
	KUNIT_CASE(vram_access_adds_offset),
	KUNIT_CASE(vram_access_refuses_outside),
	KUNIT_CASE(vram_access_optional_ops),
	{}
};

static struct kunit_suite vram_access_suite = {
	.name = "mdgpu_vram_access",
	.test_cases = vram_access_cases,
};

kunit_test_suite(vram_access_suite);
