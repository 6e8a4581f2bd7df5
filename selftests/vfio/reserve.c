// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu reserved capacity (the parent's ``reservations`` attribute) on the
 * simulated parent (vram_mb=256).
 *
 * - VRAM: a 128 MiB reservation for UUID R leaves ordinary creates
 *   exactly the rest (available_instances, then ENOSPC); R is created
 *   however full the parent is, in its reserved range, and gets the
 *   reservation's class; removing R gives the range back to the
 *   reservation, not to ordinary creates; a held reservation cannot be
 *   deleted (EBUSY); deleting it frees the range. Bad lines are refused
 *   with the documented errno, and reservations together never hold more
 *   than the parent's VRAM, whatever vram_ratio.
 * - Engine share: a reserved share is admitted against minimum shares
 *   (sum of minimums + unheld reservations <= the engine) from both
 *   sides; R gets it as its min_share when created, can lower it and
 *   raise it back, and it is unheld again when R goes.
 * - Preemption bound: with two class-0 vGPUs saturating the engine in
 *   100 ms slices, the reserved vGPU (class 7) is picked within a chunk of
 *   becoming ready: its mean wait, from its own wait_latency_sum_us and
 *   wait_histogram, measured in slices, stays far below the half slice a
 *   vGPU that had to wait for the slice's end would average.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mdgpu_selftest.h"
#include "mdgpu_load.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#define ASSERT_OK(expr)		ASSERT_EQ(0, (long)(expr))
#define EXPECT_OK(expr)		EXPECT_EQ(0, (long)(expr))
#define EXPECT_ERR(err, expr)	EXPECT_EQ(-(long)(err), (long)(expr))

#define MiB		(1ULL << 20)
/* Parts per million of the engine per unit of the min_share file. */
#define PPM_PER_PERCENT		10000
#define SLICE_US	100000
#define JOB_US		500
#define WAKEUPS		24

FIXTURE(resv) {
	char parent[MDGPU_NAME_LEN];
	struct mdgpu_uuid_list list;
	char r[MDGPU_UUID_LEN + 1];	/* the reserved UUID */
	char r2[MDGPU_UUID_LEN + 1];
	struct mdgpu_load load[3];	/* closed when the test's process exits */
};

static int pwrite_attr(const char *parent, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", mdgpu_parent_base(parent),
		 parent, attr);
	return mdgpu_write_file(path, val);
}

static int pread_attr(const char *parent, const char *attr, char *buf,
		      size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", mdgpu_parent_base(parent),
		 parent, attr);
	return mdgpu_read_file(path, buf, len);
}

static uint64_t pattr(const char *parent, const char *attr)
{
	uint64_t v;

	return mdgpu_parent_u64(parent, attr, &v) ? UINT64_MAX : v;
}

static uint64_t iattr(const char *uuid, const char *attr)
{
	uint64_t v;

	return mdgpu_instance_u64(uuid, attr, &v) ? UINT64_MAX : v;
}

static int reserve(const char *parent, const char *uuid, unsigned int mb,
		   unsigned int ppm, unsigned int prio)
{
	char line[128];

	snprintf(line, sizeof(line), "%s:%u:%u:%u", uuid, mb, ppm, prio);
	return pwrite_attr(parent, "reservations", line);
}

static int unreserve(const char *parent, const char *uuid)
{
	char line[64];

	snprintf(line, sizeof(line), "-%s", uuid);
	return pwrite_attr(parent, "reservations", line);
}

/* The state word ("held", "unheld") of @uuid's line, or "" if none. */
static const char *resv_state(const char *parent, const char *uuid,
			      char *buf, size_t len)
{
	char *line, *save = NULL;

	if (pread_attr(parent, "reservations", buf, len))
		return "";
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, uuid, MDGPU_UUID_LEN)) {
			char *sp = strrchr(line, ' ');

			return sp ? sp + 1 : "";
		}
	return "";
}

static int set_min(const char *uuid, unsigned int ppm)
{
	char v[16];

	/* min_share is a percent with up to four decimals. */
	snprintf(v, sizeof(v), "%u.%04u", ppm / PPM_PER_PERCENT,
		 ppm % PPM_PER_PERCENT);
	return mdgpu_instance_write(uuid, "min_share", v);
}

FIXTURE_SETUP(resv)
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN];
	char buf[4096];

	memset(&self->list, 0, sizeof(self->list));
	ASSERT_LT(0, mdgpu_parent_names(names, MDGPU_MAX_PARENTS));
	strcpy(self->parent, names[0]);
	ASSERT_EQ(256 * MiB, pattr(self->parent, "vram_total"))
		TH_LOG("run with vram_mb=256");
	ASSERT_OK(pread_attr(self->parent, "reservations", buf, sizeof(buf)));
	ASSERT_STREQ("", buf) TH_LOG("reservations left over: %s", buf);
	ASSERT_OK(mdgpu_new_uuid(self->r));
	ASSERT_OK(mdgpu_new_uuid(self->r2));
	ASSERT_OK(pwrite_attr(self->parent, "policy", "weighted"));
}

/*
 * In the harness's parent, after the test's process exited (so also after
 * a failed ASSERT): its devices are closed, the instances can go.
 */
FIXTURE_TEARDOWN_PARENT(resv)
{
	mdgpu_remove_all(&self->list);
	unreserve(self->parent, self->r);
	unreserve(self->parent, self->r2);
	pwrite_attr(self->parent, "vram_ratio", "1000");
	pwrite_attr(self->parent, "policy", "best_effort");
	pwrite_attr(self->parent, "timeslice_us", "2000");
}

/* Bad lines, and what a parent can hold. */
TEST_F(resv, lines_checked)
{
	const char *p = self->parent;
	char line[128], buf[4096];

	EXPECT_ERR(EINVAL, pwrite_attr(p, "reservations", "junk"));
	EXPECT_ERR(EINVAL, reserve(p, self->r, 96, 0, 0));
	EXPECT_ERR(EINVAL, reserve(p, self->r, 0, 0, 0));
	EXPECT_ERR(ERANGE, reserve(p, self->r, 64, 0, 8));
	EXPECT_ERR(ERANGE, reserve(p, self->r, 0, 1000001, 0));
	EXPECT_ERR(ENOSPC, reserve(p, self->r, 512, 0, 0));
	EXPECT_ERR(ENOENT, unreserve(p, self->r));
	snprintf(line, sizeof(line), "%s:64:0:0:1", self->r);
	EXPECT_ERR(EINVAL, pwrite_attr(p, "reservations", line));
	ASSERT_OK(pread_attr(p, "reservations", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);

	/* Reservations hold at most the parent's VRAM, whatever the ratio. */
	ASSERT_OK(pwrite_attr(p, "vram_ratio", "2000"));
	ASSERT_OK(reserve(p, self->r, 128, 0, 0));
	EXPECT_ERR(EEXIST, reserve(p, self->r, 64, 0, 0));
	EXPECT_ERR(ENOSPC, reserve(p, self->r2, 256, 0, 0));
	ASSERT_OK(reserve(p, self->r2, 128, 0, 0));
	EXPECT_EQ(256 * MiB, pattr(p, "reserved_vram"));
	/* The other 256 MiB of the promise are for ordinary creates. */
	EXPECT_EQ(4, mdgpu_type_available(p, "64M"));
	/* A reserved range past the VRAM stops lowering the ratio. */
	if (pwrite_attr(p, "vram_ratio", "1000") == 0) {
		EXPECT_EQ(0, mdgpu_type_available(p, "64M"));
	} else {
		EXPECT_EQ(2000, pattr(p, "vram_ratio"));
	}
	ASSERT_OK(unreserve(p, self->r));
	ASSERT_OK(unreserve(p, self->r2));
	EXPECT_EQ(0, pattr(p, "reserved_vram"));
	ASSERT_OK(pwrite_attr(p, "vram_ratio", "1000"));
	EXPECT_EQ(4, mdgpu_type_available(p, "64M"));
}

/* The reserved create succeeds on a full parent; ordinary ones do not. */
TEST_F(resv, vram_for_the_named_instance)
{
	const char *p = self->parent;
	char u[3][MDGPU_UUID_LEN + 1], buf[4096];
	uint64_t off;
	int i;

	ASSERT_OK(reserve(p, self->r, 128, 0, 7));
	EXPECT_EQ(128 * MiB, pattr(p, "reserved_vram"));
	EXPECT_STREQ("unheld", resv_state(p, self->r, buf, sizeof(buf)));
	EXPECT_EQ(2, mdgpu_type_available(p, "64M"));
	EXPECT_EQ(1, mdgpu_type_available(p, "128M"));
	EXPECT_EQ(0, mdgpu_type_available(p, "256M"));
	EXPECT_EQ(128 * MiB, pattr(p, "vram_used"));

	/* Fill the parent with ordinary instances. */
	for (i = 0; i < 2; i++)
		ASSERT_OK(mdgpu_create_tracked(&self->list, p, "64M", u[i]));
	EXPECT_EQ(0, mdgpu_type_available(p, "64M"));
	EXPECT_ERR(ENOSPC, mdgpu_create_tracked(&self->list, p, "64M", u[2]));

	/* The reserved UUID still gets its VRAM, and its class. */
	ASSERT_OK(mdgpu_track(&self->list, self->r));
	ASSERT_OK(mdgpu_create(p, "128M", self->r));
	off = iattr(self->r, "vram_offset");
	EXPECT_EQ(0, off % (128 * MiB));
	EXPECT_EQ(7, iattr(self->r, "priority"));
	EXPECT_STREQ("held", resv_state(p, self->r, buf, sizeof(buf)));
	EXPECT_EQ(0, pattr(p, "reserved_vram"));
	EXPECT_EQ(256 * MiB, pattr(p, "vram_used"));
	EXPECT_ERR(EBUSY, unreserve(p, self->r));

	/* Removed: the range goes back to the reservation, not to others. */
	ASSERT_OK(mdgpu_remove_tracked(&self->list, self->r));
	EXPECT_STREQ("unheld", resv_state(p, self->r, buf, sizeof(buf)));
	EXPECT_EQ(128 * MiB, pattr(p, "reserved_vram"));
	EXPECT_EQ(0, mdgpu_type_available(p, "64M"));
	EXPECT_ERR(ENOSPC, mdgpu_create_tracked(&self->list, p, "64M", u[2]));
	/* A type larger than the reservation does not take it. */
	EXPECT_ERR(ENOSPC, mdgpu_create(p, "256M", self->r));
	/* Created again, it is at the same place. */
	ASSERT_OK(mdgpu_track(&self->list, self->r));
	ASSERT_OK(mdgpu_create(p, "64M", self->r));
	EXPECT_EQ(off, iattr(self->r, "vram_offset"));
	ASSERT_OK(mdgpu_remove_tracked(&self->list, self->r));

	/* Deleted: ordinary creates get the range. */
	ASSERT_OK(unreserve(p, self->r));
	EXPECT_EQ(0, pattr(p, "reserved_vram"));
	EXPECT_EQ(2, mdgpu_type_available(p, "64M"));
	EXPECT_OK(mdgpu_create_tracked(&self->list, p, "64M", u[2]));
}

/* sum of minimums + unheld reservations <= the engine, from both sides. */
TEST_F(resv, engine_share_admitted)
{
	const char *p = self->parent;
	char a[MDGPU_UUID_LEN + 1], b[MDGPU_UUID_LEN + 1];

	ASSERT_OK(mdgpu_create_tracked(&self->list, p, "64M", a));
	ASSERT_OK(mdgpu_create_tracked(&self->list, p, "64M", b));
	ASSERT_OK(set_min(a, 500000));
	EXPECT_ERR(ENOSPC, reserve(p, self->r, 0, 510000, 7));
	ASSERT_OK(reserve(p, self->r, 0, 300000, 7));
	EXPECT_EQ(300000, pattr(p, "reserved_share"));
	EXPECT_ERR(ERANGE, set_min(b, 300000));
	EXPECT_OK(set_min(b, 200000));
	EXPECT_ERR(ENOSPC, reserve(p, self->r2, 0, 10000, 0));

	/* The owner gets it as its minimum, and its class. */
	ASSERT_OK(mdgpu_track(&self->list, self->r));
	ASSERT_OK(mdgpu_create(p, "64M", self->r));
	EXPECT_EQ(300000 / PPM_PER_PERCENT, iattr(self->r, "min_share"));
	EXPECT_EQ(7, iattr(self->r, "priority"));
	EXPECT_EQ(0, pattr(p, "reserved_share"));
	/* Lowered, it is still its own: others cannot take it. */
	EXPECT_OK(set_min(self->r, 0));
	EXPECT_ERR(ERANGE, set_min(b, 300000));
	EXPECT_OK(set_min(self->r, 300000));
	EXPECT_ERR(ERANGE, set_min(self->r, 310000));

	/* Gone: unheld again; deleted: free for others. */
	ASSERT_OK(mdgpu_remove_tracked(&self->list, self->r));
	EXPECT_EQ(300000, pattr(p, "reserved_share"));
	EXPECT_ERR(ERANGE, set_min(b, 300000));
	ASSERT_OK(unreserve(p, self->r));
	EXPECT_EQ(0, pattr(p, "reserved_share"));
	EXPECT_OK(set_min(b, 500000));
}

/* Sum of a wait_histogram line's buckets. */
static uint64_t hist_count(const char *uuid)
{
	char buf[512], *s, *end;
	uint64_t n = 0;

	if (mdgpu_instance_read(uuid, "wait_histogram", buf, sizeof(buf)))
		return 0;
	for (s = buf; *s; s = end) {
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s)
			break;
		n += v;
	}
	return n;
}

/*
 * The reserved vGPU, newly busy, runs within a chunk while two class-0
 * vGPUs keep the engine busy in 100 ms slices.
 */
TEST_F(resv, preempts_lower_classes_within_a_chunk)
{
	const char *p = self->parent;
	struct mdgpu_load *r = &self->load[2];
	char u[2][MDGPU_UUID_LEN + 1], slice[16];
	uint64_t sum0, n0, sum1, n1, chunk = 0;
	double share[3], mean_us;
	int i;

	snprintf(slice, sizeof(slice), "%d", SLICE_US);
	ASSERT_OK(pwrite_attr(p, "timeslice_us", slice));
	ASSERT_OK(reserve(p, self->r, 64, 0, 7));
	for (i = 0; i < 2; i++) {
		ASSERT_OK(mdgpu_create_tracked(&self->list, p, "64M", u[i]));
		ASSERT_OK(mdgpu_load_open(&self->load[i], u[i], JOB_US));
		self->load[i].busy = true;
	}
	ASSERT_OK(mdgpu_track(&self->list, self->r));
	ASSERT_OK(mdgpu_create(p, "64M", self->r));
	ASSERT_EQ(7, iattr(self->r, "priority"));
	ASSERT_OK(mdgpu_load_open(r, self->r, JOB_US));
	ASSERT_OK(mdgpu_load_measure(self->load, 2, 500, share));

	sum0 = iattr(self->r, "wait_latency_sum_us");
	n0 = hist_count(self->r);
	for (i = 0; i < WAKEUPS; i++) {
		int64_t seq;

		ASSERT_OK(mdgpu_load_refill(&self->load[i % 2]));
		/* Arrive at various points of the running slice. */
		usleep(3000 + (i * 7919) % 40000);
		seq = mdgpu_fence(&r->g, 0, 0);
		ASSERT_LE(0, seq);
		ASSERT_OK(mdgpu_wait_fence(&r->g, seq, 10000));
	}
	sum1 = iattr(self->r, "wait_latency_sum_us");
	n1 = hist_count(self->r);
	for (i = 0; i < 2; i++) {
		uint64_t c = iattr(u[i], "engine_max_chunk_us");

		if (c != UINT64_MAX && c > chunk)
			chunk = c;
	}
	mdgpu_load_stop(self->load, 2);
	ASSERT_LT(n0, n1);
	mean_us = (double)(sum1 - sum0) / (double)(n1 - n0);
	TH_LOG("reserved vGPU: %llu waits, mean %.0f us = %.3f slices (%d us); longest chunk of the class-0 vGPUs %llu us (mean wait %.2f chunks)",
	       (unsigned long long)(n1 - n0), mean_us, mean_us / SLICE_US,
	       SLICE_US, (unsigned long long)chunk,
	       chunk ? mean_us / (double)chunk : 0.0);
	/*
	 * Waiting for the end of the slice would average half a slice over
	 * these arrival points; a chunk is a few hundred microseconds.
	 */
	EXPECT_GT(0.2, mean_us / SLICE_US);
}

TEST_HARNESS_MAIN
