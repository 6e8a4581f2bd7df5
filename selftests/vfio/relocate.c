// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu live relocation: writing 1 to a parent's "compact" moves instances
 * inside its VRAM so that the largest free range grows. An open instance
 * whose BAR0 is mapped and whose engine is busy moves without anything the
 * user can see but a stall: the mapping reads what was written before,
 * writes after the move land where pread of BAR0 finds them, the engine
 * completes every command and fence, and a neighbour is untouched. A
 * closed instance moves too.
 *
 * The layouts are made of the parent's 64 MiB slots, as many as its VRAM
 * holds (a power of two, 4 to MAX_SLOTS): eight on sim0 (vram_mb=512), four
 * on the test VMs' 256 MiB PCI parent, where the move is a copy through
 * the BAR and a discard writes zeroes.
 */
#include <stdlib.h>

#include "engine_common.h"

#define SLOT		(64 * SZ_1M)
#define MAX_SLOTS	16
/* Written through the mapping before the move. */
#define PAT_OFF		(32 * SZ_1M)
#define PAT_LEN		(4 * SZ_1M)
/* Filled by the engine while the move happens. */
#define FILL_OFF	(8 * SZ_1M)
#define FILL_LEN	(4 * SZ_1M)
#define FILL_VALUE	0x5a6b7c8du
/* Written after the move, through the mapping and through pwrite. */
#define POST_OFF	(40 * SZ_1M)
#define POST_LEN	(1 * SZ_1M)
/* Engine copy of the POST data, after the move. */
#define COPY_OFF	(44 * SZ_1M)
/* Busy work queued before the move: COMPUTE slices and FILLs. */
#define BUSY_ROUNDS	12
#define BUSY_US		20000

FIXTURE(reloc) {
	struct eng_fixture f;
	struct eng_vgpu a;	/* moves, open and busy */
	struct eng_vgpu n;	/* neighbour, open, stays */
	char filler[MDGPU_UUID_LEN + 1];	/* closed, stays */
};

FIXTURE_SETUP(reloc)
{
	eng_setup(_metadata, &self->f, false);
}

FIXTURE_TEARDOWN_PARENT(reloc)
{
	if (self->a.g.v.device > 0)
		mdgpu_detach(&self->a.g);
	if (self->n.g.v.device > 0)
		mdgpu_detach(&self->n.g);
	eng_check_kmsg(_metadata, &self->f);
	eng_teardown(_metadata, &self->f);
}

static uint64_t parent_attr(struct __test_metadata *_metadata,
			    const char *parent, const char *attr)
{
	uint64_t v = 0;

	EXPECT_OK(mdgpu_parent_u64(parent, attr, &v)) TH_LOG("%s", attr);
	return v;
}

static uint64_t inst_offset(struct __test_metadata *_metadata,
			    const char *uuid)
{
	uint64_t v = ~0ULL;

	EXPECT_OK(mdgpu_instance_u64(uuid, "vram_offset", &v));
	return v;
}

static int compact(const char *parent)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/compact", mdgpu_parent_base(parent),
		 parent);
	return mdgpu_write_file(path, "1");
}

/*
 * The number of 64 MiB slots of the fixture's parent, or 0 after a SKIP
 * (VRAM not a power of two of 4 to MAX_SLOTS slots, or instances on it).
 */
static int nr_slots(struct __test_metadata *_metadata, struct eng_fixture *f)
{
	uint64_t total = parent_attr(_metadata, f->parent, "vram_total");
	uint64_t n = total / SLOT;

	if (n < 4 || n > MAX_SLOTS || (n & (n - 1)) || total % SLOT)
		SKIP(return 0, "the layouts need 4 to %d 64 MiB slots, a power of two; %s has %llu MiB",
		     MAX_SLOTS, f->parent, (unsigned long long)(total >> 20));
	if (f->base.available[0] != (long)n)
		SKIP(return 0, "%s is not empty", f->parent);
	return n;
}

/* The name of the type of @size bytes. */
static const char *type_of(uint64_t size)
{
	int i;

	for (i = 0; i < MDGPU_NR_TYPES; i++)
		if (mdgpu_types[i].size == size)
			return mdgpu_types[i].name;
	return "none";
}

/*
 * Fill the parent's @n slots with 64 MiB instances, then keep only those
 * at the slots in @keep (indices into @uuids, by slot), removing the rest.
 */
static void fragment(struct __test_metadata *_metadata,
		     struct eng_fixture *f, int n,
		     char uuids[MAX_SLOTS][MDGPU_UUID_LEN + 1],
		     const bool keep[MAX_SLOTS])
{
	char made[MAX_SLOTS][MDGPU_UUID_LEN + 1];
	int i;

	memset(uuids, 0, MAX_SLOTS * (MDGPU_UUID_LEN + 1));
	for (i = 0; i < n; i++) {
		uint64_t off;

		ASSERT_OK(mdgpu_create_tracked(&f->created, f->parent, "64M",
					       made[i]));
		off = inst_offset(_metadata, made[i]);
		ASSERT_EQ(0, off % SLOT);
		ASSERT_GT((uint64_t)n, off / SLOT);
		strcpy(uuids[off / SLOT], made[i]);
	}
	for (i = 0; i < n; i++)
		if (!keep[i])
			ASSERT_OK(mdgpu_remove_tracked(&f->created, uuids[i]));
}

/* Compare VRAM at @off, through the mapping and through pread of BAR0. */
static void expect_vram(struct __test_metadata *_metadata, struct mdgpu *g,
			uint64_t off, const void *want, size_t len,
			const char *what)
{
	uint8_t *buf = malloc(len);
	long diff;

	ASSERT_NE(NULL, buf);
	eng_vram_read(g, off, buf, len);
	diff = eng_first_diff(buf, want, len);
	EXPECT_EQ(-1, diff) TH_LOG("%s: mapping differs at +0x%lx", what, diff);
	memset(buf, 0xee, len);
	EXPECT_EQ((ssize_t)len,
		  mdgpu_region_read(g->v.device, VFIO_PCI_BAR0_REGION_INDEX +
				    MDGPU_BAR_VRAM, off, buf, len));
	diff = eng_first_diff(buf, want, len);
	EXPECT_EQ(-1, diff) TH_LOG("%s: pread differs at +0x%lx", what, diff);
	free(buf);
}

#define HANG_PARAM	"/sys/module/mdgpu/parameters/hang_timeout_ms"

/*
 * A: open, mapped, patterned, engine busy, alone in the lower half (slot
 * 0). The neighbour starts the upper half, with a closed filler after it
 * where there are eight slots or more, so the only way to a free half of
 * VRAM is to move A up. (With four slots the halves hold one instance
 * each: the planner tries the lower one first.)
 */
TEST_F_TIMEOUT(reloc, busy_mapped_instance, 300)
{
	bool keep[MAX_SLOTS] = { [0] = true };
	char uuids[MAX_SLOTS][MDGPU_UUID_LEN + 1];
	uint32_t dw[MDGPU_CMD_MAX_NDW], done0, done1, seq;
	uint8_t *pat = malloc(PAT_LEN), *npat = malloc(PAT_LEN);
	uint8_t *post = malloc(POST_LEN), *fill = malloc(FILL_LEN);
	uint64_t off0, off1, noff, relocs0, t_us, half;
	char hang_old[16] = "2000";
	struct mdgpu_error e;
	double t0;
	int i, n, ret;

	ASSERT_NE(NULL, pat);
	ASSERT_NE(NULL, npat);
	ASSERT_NE(NULL, post);
	ASSERT_NE(NULL, fill);
	n = nr_slots(_metadata, &self->f);
	if (!n)
		return;
	half = n / 2 * SLOT;
	keep[n / 2] = true;
	keep[n / 2 + 1] = n >= 8;
	fragment(_metadata, &self->f, n, uuids, keep);
	if (_metadata->exit_code)
		return;
	ASSERT_EQ(half / 2, parent_attr(_metadata, self->f.parent,
					"vram_largest_free"));
	ASSERT_EQ(0, mdgpu_type_available(self->f.parent, type_of(half)));

	strcpy(self->a.uuid, uuids[0]);
	strcpy(self->n.uuid, uuids[n / 2]);
	if (keep[n / 2 + 1])
		strcpy(self->filler, uuids[n / 2 + 1]);
	ASSERT_OK(mdgpu_attach(&self->a.g, self->a.uuid, MDGPU_OPEN_GROUP));
	ASSERT_OK(mdgpu_irq_setup(&self->a.g, MDGPU_IRQ_MSI));
	ASSERT_OK(mdgpu_ring_init(&self->a.g, ENG_RING, ENG_RING_SIZE));
	ASSERT_OK(mdgpu_attach(&self->n.g, self->n.uuid, MDGPU_OPEN_GROUP));

	eng_random_bytes(pat, PAT_LEN, 11);
	eng_random_bytes(npat, PAT_LEN, 12);
	eng_random_bytes(post, POST_LEN, 13);
	eng_vram_write(&self->a.g, PAT_OFF, pat, PAT_LEN);
	eng_vram_write(&self->n.g, PAT_OFF, npat, PAT_LEN);
	off0 = inst_offset(_metadata, self->a.uuid);
	noff = inst_offset(_metadata, self->n.uuid);
	ASSERT_EQ(0, off0);
	relocs0 = parent_attr(_metadata, self->f.parent, "relocations");

	/* Keep the engine busy across the move: COMPUTE and FILL rounds. */
	done0 = mdgpu_rd(&self->a.g, MDGPU_REG_CMDS_DONE);
	for (i = 0; i < BUSY_ROUNDS; i++) {
		mdgpu_cmd_compute(dw, BUSY_US);
		ASSERT_OK(mdgpu_ring_write(&self->a.g, dw, MDGPU_COMPUTE_NDW,
					   ENG_TIMEOUT_MS));
		mdgpu_cmd_fill(dw, FILL_OFF, 4096, FILL_LEN / 4096, 4096,
			       i == BUSY_ROUNDS - 1 ? FILL_VALUE : (uint32_t)i);
		ASSERT_OK(mdgpu_ring_write(&self->a.g, dw, MDGPU_FILL_NDW,
					   ENG_TIMEOUT_MS));
	}
	seq = self->a.g.seq + 1;
	ASSERT_EQ(seq, mdgpu_fence(&self->a.g,
				   MDGPU_FENCE_IRQ | MDGPU_FENCE_WRITE,
				   ENG_SLOTS));
	t0 = eng_now();
	while (!(mdgpu_rd(&self->a.g, MDGPU_REG_ENGINE_STATUS) &
		 MDGPU_ENGINE_BUSY))
		ASSERT_GT(5.0, eng_now() - t0) TH_LOG("the engine never got busy");

	/*
	 * The hang watchdog at its floor for the move: a move of device
	 * memory (the PCI parent, seconds under TCG) outlasts it while the
	 * engine waits for the instance's lock, which is no engine hang.
	 */
	ASSERT_OK(mdgpu_read_file(HANG_PARAM, hang_old, sizeof(hang_old)));
	ASSERT_OK(mdgpu_write_file(HANG_PARAM, "500"));
	t0 = eng_now();
	ret = compact(self->f.parent);
	t_us = (eng_now() - t0) * 1e6;
	EXPECT_OK(mdgpu_write_file(HANG_PARAM, hang_old));
	ASSERT_OK(ret);
	ksft_print_msg("compact moving a busy, mapped 64 MiB instance: %llu us (hang_timeout_ms 500); engine timeslice_us %llu\n",
		       (unsigned long long)t_us,
		       (unsigned long long)parent_attr(_metadata,
						       self->f.parent,
						       "timeslice_us"));

	off1 = inst_offset(_metadata, self->a.uuid);
	EXPECT_NE(off0, off1) TH_LOG("the busy instance did not move");
	EXPECT_EQ(0, off1 % SLOT);
	EXPECT_EQ(noff, inst_offset(_metadata, self->n.uuid));
	EXPECT_EQ(half, parent_attr(_metadata, self->f.parent,
				    "vram_largest_free"));
	EXPECT_EQ(relocs0 + 1, parent_attr(_metadata, self->f.parent,
					   "relocations"));
	EXPECT_EQ(1, mdgpu_type_available(self->f.parent, type_of(half)));

	/* The mapping refaults at the new place and reads the old data. */
	expect_vram(_metadata, &self->a.g, PAT_OFF, pat, PAT_LEN,
		    "pattern written before the move");

	/* The engine finished what was queued, in the right place. */
	ENG_SYNC(&self->a.g);
	EXPECT_TRUE(mdgpu_fence_done(&self->a.g, seq));
	EXPECT_EQ(0, mdgpu_error(&self->a.g, &e)) TH_LOG("ERR_CODE %u", e.code);
	/* The rounds, their fence, and the one ENG_SYNC submitted. */
	done1 = mdgpu_rd(&self->a.g, MDGPU_REG_CMDS_DONE);
	EXPECT_EQ(2 * BUSY_ROUNDS + 2, done1 - done0);
	for (i = 0; i < (int)(FILL_LEN / 4); i++)
		((uint32_t *)fill)[i] = FILL_VALUE;
	expect_vram(_metadata, &self->a.g, FILL_OFF, fill, FILL_LEN,
		    "FILL run across the move");

	/* Writes after the move: through the mapping, then through pwrite. */
	eng_vram_write(&self->a.g, POST_OFF, post, POST_LEN / 2);
	EXPECT_EQ((ssize_t)(POST_LEN / 2),
		  mdgpu_region_write(self->a.g.v.device,
				     VFIO_PCI_BAR0_REGION_INDEX +
				     MDGPU_BAR_VRAM, POST_OFF + POST_LEN / 2,
				     post + POST_LEN / 2, POST_LEN / 2));
	expect_vram(_metadata, &self->a.g, POST_OFF, post, POST_LEN,
		    "data written after the move");
	/* ... and the engine sees them where the user put them. */
	mdgpu_cmd_copy(dw, POST_OFF, COPY_OFF, POST_LEN, 1, 0, 0);
	ENG_SUBMIT(&self->a.g, dw, MDGPU_COPY_NDW);
	ENG_SYNC(&self->a.g);
	expect_vram(_metadata, &self->a.g, COPY_OFF, post, POST_LEN,
		    "engine COPY after the move");

	/* The neighbour did not notice. */
	expect_vram(_metadata, &self->n.g, PAT_OFF, npat, PAT_LEN,
		    "neighbour's pattern");

	/* Nothing left to gain: a second compaction moves nothing. */
	ASSERT_OK(compact(self->f.parent));
	EXPECT_EQ(relocs0 + 1, parent_attr(_metadata, self->f.parent,
					   "relocations"));
	EXPECT_EQ(off1, inst_offset(_metadata, self->a.uuid));

	free(pat);
	free(npat);
	free(post);
	free(fill);
}

/*
 * Instances no one has open move too, and work afterwards. One instance in
 * each pair of slots (odd slots in the lower half, even ones in the upper
 * half: 1, 3, 4, 6 of eight), so no 128 MiB range is free.
 */
TEST_F_TIMEOUT(reloc, closed_instances, 300)
{
	bool keep[MAX_SLOTS] = { false };
	char uuids[MAX_SLOTS][MDGPU_UUID_LEN + 1];
	uint64_t relocs0, used0, moved, half;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint32_t word = 0x12345678, back = 0;
	int i, n;

	n = nr_slots(_metadata, &self->f);
	if (!n)
		return;
	half = n / 2 * SLOT;
	for (i = 0; i < n; i++)
		keep[i] = i < n / 2 ? i % 2 : !(i % 2);
	fragment(_metadata, &self->f, n, uuids, keep);
	if (_metadata->exit_code)
		return;
	ASSERT_EQ(64 * SZ_1M, parent_attr(_metadata, self->f.parent,
					  "vram_largest_free"));
	relocs0 = parent_attr(_metadata, self->f.parent, "relocations");
	used0 = parent_attr(_metadata, self->f.parent, "vram_used");

	ASSERT_OK(compact(self->f.parent));
	EXPECT_EQ(half, parent_attr(_metadata, self->f.parent,
				    "vram_largest_free"));
	EXPECT_EQ(used0, parent_attr(_metadata, self->f.parent, "vram_used"));
	moved = parent_attr(_metadata, self->f.parent, "relocations") - relocs0;
	EXPECT_LE(1, moved);
	EXPECT_GE((uint64_t)n / 4, moved);
	EXPECT_EQ(1, mdgpu_type_available(self->f.parent, type_of(half)));

	/* Every instance still works where it is now. */
	for (i = 0; i < n; i++) {
		struct mdgpu g;

		if (!keep[i])
			continue;
		ASSERT_OK(mdgpu_attach(&g, uuids[i], MDGPU_OPEN_GROUP));
		ASSERT_OK(mdgpu_ring_init(&g, ENG_RING, ENG_RING_SIZE));
		mdgpu_cmd_fill(dw, 0, 4, 1, 0, word + i);
		EXPECT_OK(mdgpu_submit(&g, dw, MDGPU_FILL_NDW,
				       ENG_TIMEOUT_MS));
		EXPECT_OK(mdgpu_wait_idle(&g, ENG_TIMEOUT_MS));
		EXPECT_EQ(4, mdgpu_region_read(g.v.device,
					       VFIO_PCI_BAR0_REGION_INDEX +
					       MDGPU_BAR_VRAM, 0, &back, 4));
		EXPECT_EQ(word + i, back);
		mdgpu_detach(&g);
	}
	/* The freed half of VRAM can be used. */
	ASSERT_OK(mdgpu_create_tracked(&self->f.created, self->f.parent,
				       type_of(half), uuids[0]));
}

/* Only "1" is accepted. */
TEST_F(reloc, bad_writes)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/compact",
		 mdgpu_parent_base(self->f.parent), self->f.parent);
	EXPECT_ERR(EINVAL, mdgpu_write_file(path, "0"));
	EXPECT_ERR(EINVAL, mdgpu_write_file(path, "2"));
	EXPECT_ERR(EINVAL, mdgpu_write_file(path, "yes"));
	/* Nothing to compact on an empty parent. */
	EXPECT_OK(compact(self->f.parent));
}

TEST_HARNESS_MAIN
