// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu VRAM dirty tracking through VFIO pre-copy: no write is missed.
 *
 * The device goes to PRE_COPY and the test drains its migration stream
 * into an image of VRAM, as a destination would build it, while a thread
 * writes random pages through the BAR0 mapping (the guest's path, with no
 * trap) and the test itself writes VRAM by pwrite and engine FILLs between
 * drains. Each time the writer is paused and the stream is drained to
 * ENOMSG ("nothing more for now"), the image must equal VRAM as the device
 * holds it: a page that differs was written and never sent again, a
 * missed write. The same holds after STOP_COPY at end of stream. Each
 * drain reads one round, which holds at most every page once: a drain
 * that reads more did not stop at the round's end (ENOMSG), which a reader
 * needs to make progress against a writer.
 *
 * Skips while the device does not offer VFIO_MIGRATION_PRE_COPY (the
 * kernel's VFIO core predates it), or does not send VRAM in pre-copy
 * (its initial bytes do not cover the VRAM written before).
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "engine_common.h"
#include "mdgpu_mig.h"
#include "uapi/mdgpu_migration.h"
#include "mdgpu_vfio.h"

/*
 * Pre-copy rounds checked against VRAM; fewer on a PCI parent, where each
 * check reads all of the instance's VRAM from device memory (pread of
 * BAR0) and the first round sends all of it, to keep make check's time.
 */
#define ROUNDS		12
#define ROUNDS_PCI	6
/* Writes the mapping thread makes per round, at least. */
#define WRITES_MIN	200
/* The writer stays in the work area; the test's own writes go above. */
#define WRITER_SIZE	(32ULL << 20)
#define OWN_BASE	(40ULL << 20)
#define OWN_SIZE	(8ULL << 20)
#define PAGE		MDGPU_MIG_PAGE
/* VRAM written before pre-copy starts: one page in 16 of the writer's. */
#define WRITTEN_BEFORE	(WRITER_SIZE / 16)
/* What one read() asks for. */
#define STREAM_BUF	(1u << 20)

/**
 * struct mig_sink - a destination's view of the stream
 * @image: VRAM as the stream says so far (starts as zeroes)
 * @size: bytes of @image
 * @buf: the bytes of one read()
 * @scan: the stream's checker (tools/lib), which hands over each record
 * @outside: a VRAM or ZERO record went beyond @image
 */
struct mig_sink {
	uint8_t *image;
	uint64_t size;
	uint8_t *buf;
	struct mdg_mig_scan scan;
	bool outside;
};

/* A whole record: VRAM and ZERO go into the image, the rest is state. */
static void sink_record(void *ctx, uint32_t tag, uint32_t flags,
			const uint8_t *payload, uint64_t len)
{
	struct mig_sink *s = ctx;
	struct mdgpu_mig_zero z;
	uint64_t off, n;

	(void)flags;
	if (tag == MDGPU_MIG_TAG_VRAM) {
		memcpy(&off, payload, 8);
		off = le64toh(off);
		n = len - 8;
		if (off > s->size || n > s->size - off)
			s->outside = true;
		else
			memcpy(s->image + off, payload + 8, n);
	} else if (tag == MDGPU_MIG_TAG_ZERO) {
		memcpy(&z, payload, sizeof(z));
		off = le64toh(z.offset);
		n = le64toh(z.len);
		if (off > s->size || n > s->size - off)
			s->outside = true;
		else
			memset(s->image + off, 0, n);
	}
}

/*
 * The most bytes one pre-copy round of @size bytes of VRAM can hold: each
 * page once, in a VRAM record (a record header and offset per 64 pages) or
 * in a ZERO record (a record per run), and the stream header.
 */
static uint64_t round_max(uint64_t size)
{
	return size + size / PAGE * (sizeof(struct mdgpu_mig_record) +
				     sizeof(struct mdgpu_mig_zero)) +
	       STREAM_BUF;
}

/*
 * Read what the data fd has now: in pre-copy, to the end of the current
 * round. Return: 1 at ENOMSG (pre-copy: nothing more for now), 0 at end of
 * stream, -errno on error; -EFBIG if more came than one round can hold
 * (the round did not end: it took in pages written while it was read),
 * -EBADMSG for a stream the checker refuses (s->scan.why says why).
 */
static int sink_drain(int fd, struct mig_sink *s)
{
	uint64_t got = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, s->buf, STREAM_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ENOMSG ? 1 : -errno;
		if (n == 0)
			return 0;
		got += n;
		if (got > round_max(s->size))
			return -EFBIG;
		if (mdg_mig_scan_feed(&s->scan, s->buf, n) || s->outside)
			return -EBADMSG;
	}
}

/**
 * struct writer - the thread writing through the mapping
 * @g: the instance
 * @seed: its random state
 * @run: write while set
 * @quit: leave
 * @writes: writes made so far
 * @paused: it saw @run clear and wrote nothing since
 */
struct writer {
	struct mdgpu *g;
	uint32_t seed;
	atomic_bool run;
	atomic_bool quit;
	atomic_ulong writes;
	atomic_bool paused;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	volatile uint8_t *vram = w->g->vram;

	while (!atomic_load(&w->quit)) {
		uint32_t r = eng_rand(&w->seed);
		uint64_t page = r % (WRITER_SIZE / PAGE);
		uint32_t val = eng_rand(&w->seed);

		if (!atomic_load(&w->run)) {
			atomic_store(&w->paused, true);
			usleep(1000);
			continue;
		}
		atomic_store(&w->paused, false);
		/*
		 * A word somewhere in the page; a word read first, so that
		 * the write finds a read-only PTE (.pfn_mkwrite) where a
		 * plain write to an unmapped page takes the .fault path; or
		 * the whole page.
		 */
		if (r & 0x80000000u) {
			*(volatile uint32_t *)(vram + page * PAGE +
					       (val & (PAGE - 4))) = val;
		} else if (r & 0x40000000u) {
			volatile uint32_t *p = (volatile uint32_t *)
				(vram + page * PAGE + (val & (PAGE - 4)));

			*p = *p + 1;
		} else {
			uint32_t i;

			for (i = 0; i < PAGE; i += 4)
				*(volatile uint32_t *)(vram + page * PAGE + i) =
					val + i;
		}
		atomic_fetch_add(&w->writes, 1);
	}
	return NULL;
}

static int mig_state(int device, uint32_t state, int *data_fd)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_mig_state st;
	} f = {
		.hdr.argsz = sizeof(f),
		.hdr.flags = VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		.st.device_state = state,
		.st.data_fd = -1,
	};

	if (ioctl(device, VFIO_DEVICE_FEATURE, &f))
		return -errno;
	if (data_fd)
		*data_fd = f.st.data_fd;
	else if (f.st.data_fd >= 0)
		close(f.st.data_fd);
	return 0;
}

static bool has_precopy(int device)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_migration mig;
	} f = {
		.hdr.argsz = sizeof(f),
		.hdr.flags = VFIO_DEVICE_FEATURE_GET |
			     VFIO_DEVICE_FEATURE_MIGRATION,
	};

	if (ioctl(device, VFIO_DEVICE_FEATURE, &f))
		return false;
	return f.mig.flags & VFIO_MIGRATION_PRE_COPY;
}

/* Compare the image with VRAM as pread reads it; return pages that differ. */
static uint64_t image_diff(struct __test_metadata *_metadata, struct mdgpu *g,
			   const struct mig_sink *s, uint8_t *vram, int round)
{
	uint64_t off, bad = 0;

	ASSERT_EQ((ssize_t)g->vram_size,
		  mdgpu_region_read(g->v.device, VFIO_PCI_BAR0_REGION_INDEX, 0,
				    vram, g->vram_size)) {
		return 1;
	}
	for (off = 0; off < g->vram_size; off += PAGE) {
		if (!memcmp(s->image + off, vram + off, PAGE))
			continue;
		if (bad++ < 8)
			TH_LOG("round %d: page 0x%llx was written and not sent",
			       round, (unsigned long long)off);
	}
	return bad;
}

FIXTURE(dirty) {
	struct eng_fixture f;
	struct eng_vgpu a;
};

FIXTURE_SETUP(dirty)
{
	eng_setup(_metadata, &self->f, false);
	eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_NONE);
}

FIXTURE_TEARDOWN_PARENT(dirty)
{
	eng_teardown(_metadata, &self->f);
}

/*
 * 20-30 s on stock kernels under TCG, about 4 min on the debug kernel on a
 * loaded host; a round that never ends fails at once (-EFBIG), so the
 * timeout only guards against a hang.
 */
TEST_F_TIMEOUT(dirty, precopy_misses_no_write, 600)
{
	struct mdgpu *g = &self->a.g;
	struct writer w = { .g = g, .seed = 0x5eed };
	struct vfio_precopy_info info = { .argsz = sizeof(info) };
	struct mig_sink s = { .size = g->vram_size };
	uint32_t dw[MDGPU_CMD_MAX_NDW], seed = 77;
	uint8_t *vram, page[PAGE];
	uint64_t off, total_writes;
	pthread_t thread;
	int fd = -1, round, ret, rounds = ROUNDS;

	if (!has_precopy(g->v.device))
		SKIP(return, "the device offers no VFIO_MIGRATION_PRE_COPY");
	s.image = calloc(1, g->vram_size);
	s.buf = malloc(STREAM_BUF);
	vram = malloc(g->vram_size);
	ASSERT_TRUE(s.image && s.buf && vram);
	ASSERT_OK(mdg_mig_scan_init(&s.scan));
	s.scan.rec = sink_record;
	s.scan.ctx = &s;

	/* Some VRAM written before tracking starts. */
	eng_random_bytes(page, sizeof(page), 1);
	for (off = 0; off < WRITER_SIZE; off += 16 * PAGE)
		eng_vram_write(g, off, page, sizeof(page));

	ASSERT_OK(mig_state(g->v.device, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_LE(0, fd);
	ASSERT_OK(ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info));
	if (info.initial_bytes < WRITTEN_BEFORE) {
		/* A device that sends all VRAM at STOP_COPY tracks nothing. */
		close(fd);
		ASSERT_OK(mig_state(g->v.device, VFIO_DEVICE_STATE_RUNNING,
				    NULL));
		free(vram);
		free(s.buf);
		free(s.image);
		mdg_mig_scan_free(&s.scan);
		SKIP(return, "pre-copy sends no VRAM (%llu initial bytes)",
		     (unsigned long long)info.initial_bytes);
	}

	ASSERT_OK(pthread_create(&thread, NULL, writer_thread, &w));
	if (mdgpu_parent_is_pci(self->f.parent))
		rounds = ROUNDS_PCI;
	for (round = 0; round < rounds; round++) {
		unsigned long start = atomic_load(&w.writes);

		/* Drain while the writer writes through the mapping. */
		atomic_store(&w.run, true);
		do {
			ret = sink_drain(fd, &s);
			ASSERT_LE(0, ret) TH_LOG("round %d: %s%s%s", round,
						 strerror(-ret),
						 ret == -EFBIG ?
						 ": more than one round, no ENOMSG" :
						 ": ", s.scan.why);
			ASSERT_EQ(1, ret) TH_LOG("end of stream in PRE_COPY");
			usleep(1000);
		} while (atomic_load(&w.writes) - start < WRITES_MIN);
		atomic_store(&w.run, false);
		while (!atomic_load(&w.paused))
			usleep(1000);

		/* Writes that do not go through the mapping. */
		off = OWN_BASE + (eng_rand(&seed) % (OWN_SIZE / PAGE)) * PAGE;
		eng_random_bytes(page, sizeof(page), eng_rand(&seed));
		ASSERT_EQ((ssize_t)sizeof(page),
			  mdgpu_region_write(g->v.device,
					     VFIO_PCI_BAR0_REGION_INDEX, off,
					     page, sizeof(page)));
		off = OWN_BASE + (eng_rand(&seed) % (OWN_SIZE / PAGE - 4)) *
			PAGE;
		mdgpu_cmd_fill(dw, off, PAGE, 3, PAGE, eng_rand(&seed));
		ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
		ENG_SYNC(g);

		/* Nothing writes now: drained, the image is VRAM. */
		ASSERT_EQ(1, sink_drain(fd, &s)) TH_LOG("%s", s.scan.why);
		ASSERT_OK(ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info));
		EXPECT_EQ(0, info.initial_bytes + info.dirty_bytes)
			TH_LOG("round %d: drained, yet %llu + %llu bytes left",
			       round, (unsigned long long)info.initial_bytes,
			       (unsigned long long)info.dirty_bytes);
		ASSERT_EQ(0, image_diff(_metadata, g, &s, vram, round));
	}
	atomic_store(&w.quit, true);
	pthread_join(thread, NULL);
	total_writes = atomic_load(&w.writes);
	TH_LOG("%d rounds, %llu writes through the mapping, %llu pages sent",
	       rounds, (unsigned long long)total_writes,
	       (unsigned long long)s.scan.vram_pages);

	/* STOP_COPY: the rest, up to end of stream; the image is VRAM. */
	ASSERT_OK(mig_state(g->v.device, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	ASSERT_EQ(0, sink_drain(fd, &s)) TH_LOG("%s", s.scan.why);
	/* END came, with the right CRC-32, and nothing after it. */
	EXPECT_OK(mdg_mig_scan_finish(&s.scan)) TH_LOG("%s", s.scan.why);
	EXPECT_EQ(0, image_diff(_metadata, g, &s, vram, rounds));
	close(fd);
	ASSERT_OK(mig_state(g->v.device, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_OK(mig_state(g->v.device, VFIO_DEVICE_STATE_RUNNING, NULL));
	free(vram);
	free(s.buf);
	free(s.image);
	mdg_mig_scan_free(&s.scan);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * A round that ends inside a read() is still told by the next read() with
 * ENOMSG, even if pages were written since: the read after a round's last
 * bytes does not start the next round. (A reader that reads to ENOMSG
 * would otherwise never stop while the guest writes.) The first round is
 * read up to the read() it ends in: the first one where only the written
 * page has backing (sim0), one of the last where every page is sent (a
 * parent without lazy backing, such as a PCI parent).
 */
TEST_F(dirty, round_end_after_data)
{
	struct mdgpu *g = &self->a.g;
	uint64_t got = 0;
	uint8_t page[PAGE], *buf;
	ssize_t n;
	int fd = -1;

	if (!has_precopy(g->v.device))
		SKIP(return, "the device offers no VFIO_MIGRATION_PRE_COPY");
	buf = malloc(STREAM_BUF);
	ASSERT_NE(NULL, buf);
	eng_random_bytes(page, sizeof(page), 5);
	eng_vram_write(g, 0, page, sizeof(page));

	ASSERT_OK(mig_state(g->v.device, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_LE(0, fd);
	/* The header and the first round, up to a read() it ends in. */
	do {
		n = read(fd, buf, STREAM_BUF);
		ASSERT_LT(0, n) TH_LOG("read after %llu bytes: %s",
				       (unsigned long long)got,
				       n ? strerror(errno) : "end of stream");
		got += n;
		ASSERT_GE(round_max(g->vram_size), got)
			TH_LOG("the first round does not end");
	} while (n == STREAM_BUF);
	if (!mdgpu_parent_is_pci(self->f.parent))
		EXPECT_GT(STREAM_BUF, got)
			TH_LOG("one page written, yet the first round needs more than a read");

	/* Written since; still the round's end comes first. */
	ASSERT_EQ((ssize_t)sizeof(page),
		  mdgpu_region_write(g->v.device, VFIO_PCI_BAR0_REGION_INDEX,
				     PAGE, page, sizeof(page)));
	n = read(fd, buf, STREAM_BUF);
	EXPECT_EQ(-1, n) TH_LOG("%zd bytes of a next round, no ENOMSG", n);
	EXPECT_EQ(ENOMSG, errno);
	/* Then the next round, with the page, and its end. */
	n = read(fd, buf, STREAM_BUF);
	EXPECT_LE((ssize_t)(PAGE + sizeof(struct mdgpu_mig_record) + 8), n)
		TH_LOG("next round: %zd (%s)", n, strerror(errno));
	EXPECT_EQ(-1, read(fd, buf, STREAM_BUF));
	EXPECT_EQ(ENOMSG, errno);
	close(fd);
	free(buf);
	ASSERT_OK(mig_state(g->v.device, VFIO_DEVICE_STATE_RUNNING, NULL));
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
