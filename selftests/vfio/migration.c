// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu VFIO migration v2 through the real uAPI, the way QEMU drives it:
 *
 *  - the migration flags (STOP_COPY and P2P, PRE_COPY on 6.2+ kernels), the
 *    compatibility descriptor in sysfs, no device DMA logging; the
 *    migration_state attribute (also "closed" and "parked");
 *  - every arc and multi-arc request the VFIO core allows, with the data fd
 *    returned exactly where a session starts, and the refused requests;
 *  - STOP and RUNNING_P2P freeze the engine (no register moves, no
 *    interrupt) while config space and registers still answer;
 *  - STOP_COPY's stream, parsed and checked against the device and against
 *    MIG_DATA_SIZE; PRE_COPY's info, temporary end and dirty pages, and a
 *    shadow copy built from many pre-copy rounds compared with VRAM;
 *  - round trips to another instance on the same and on another parent
 *    (VRAM, registers, EDID, mode, TIMESTAMP), and commands frozen mid-FILL
 *    and mid-COMPUTE that complete exactly once on the destination;
 *  - refused streams (each errno of the contract, one log line), the
 *    destination usable after VFIO_DEVICE_RESET, 1-byte writes, unknown
 *    optional records;
 *  - reset during STOP_COPY, PRE_COPY and RESUMING; the parked state.
 *
 * The tests SKIP when the device does not advertise migration. run-guest.sh
 * loads the module with two parents of 512 MiB; its migration@pci run
 * works on the PCI parent, with sim0 (256 MiB) as the other parent.
 */
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/utsname.h>

#include "engine_common.h"
#include "mig_vfio.h"

#define PAGE		4096ULL
#define VRAM_64M	(64ULL << 20)
#define CHUNK		(64 * 1024)

/* How long a stopped engine must stay still: longer than its queued work. */
#define FREEZE_MS	800

#define ST_STOP		VFIO_DEVICE_STATE_STOP
#define ST_RUNNING	VFIO_DEVICE_STATE_RUNNING
#define ST_STOP_COPY	VFIO_DEVICE_STATE_STOP_COPY
#define ST_RESUMING	VFIO_DEVICE_STATE_RESUMING
#define ST_RUNNING_P2P	VFIO_DEVICE_STATE_RUNNING_P2P
#define ST_PRE_COPY	VFIO_DEVICE_STATE_PRE_COPY
#define ST_PRE_COPY_P2P	VFIO_DEVICE_STATE_PRE_COPY_P2P
#define ST_ERROR	VFIO_DEVICE_STATE_ERROR

/* Bochs VBE DISPI register indexes. */
enum {
	VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK,
	VBE_VIRT_WIDTH, VBE_VIRT_HEIGHT, VBE_X_OFFSET, VBE_Y_OFFSET,
};

#define VBE_ENABLED		0x01
#define VBE_LFB_ENABLED		0x40
#define EDID_BLOCK		128
#define EDID_LINK	offsetof(struct vfio_region_gfx_edid, link_state)
#define EDID_SIZE	offsetof(struct vfio_region_gfx_edid, edid_size)

FIXTURE(migration) {
	struct eng_fixture f;
	struct eng_vgpu a;
	struct eng_vgpu b;
	uint64_t flags;
	bool precopy;
	char other[MDGPU_NAME_LEN];
};

/* The fixture's data, as the helpers take it. */
#define mig_self _test_data_migration

/* ------------------------------------------------------------------------
 * small helpers
 */

static bool saving_state(uint32_t s)
{
	return s == ST_STOP_COPY || s == ST_PRE_COPY || s == ST_PRE_COPY_P2P;
}

static bool state_supported(uint64_t flags, uint32_t s)
{
	switch (s) {
	case ST_STOP:
	case ST_RUNNING:
	case ST_STOP_COPY:
	case ST_RESUMING:
		return true;
	case ST_RUNNING_P2P:
		return flags & VFIO_MIGRATION_P2P;
	case ST_PRE_COPY:
		return flags & VFIO_MIGRATION_PRE_COPY;
	case ST_PRE_COPY_P2P:
		return (flags & VFIO_MIGRATION_PRE_COPY) &&
		       (flags & VFIO_MIGRATION_P2P);
	}
	return false;
}

/* The running kernel is 6.2 or later, whose VFIO core has PRE_COPY. */
static bool kernel_has_precopy(const char **release)
{
	static struct utsname u;
	int maj = 0, min = 0;

	uname(&u);
	*release = u.release;
	if (sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return false;
	return maj > 6 || (maj == 6 && min >= 2);
}

/*
 * An instance attribute: in its mdgpu/ group, or else directly in the mdev's
 * directory. Return 0 or -errno; the trailing newline is dropped.
 */
static int inst_attr(const char *uuid, const char *attr, char *buf,
		     size_t len)
{
	char path[PATH_MAX];
	int ret;

	ret = mdgpu_instance_read(uuid, attr, buf, len);
	if (ret != -ENOENT)
		return ret;
	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/%s", uuid, attr);
	return mdgpu_read_file(path, buf, len);
}

/* The device's state (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE GET) is @want. */
static void check_state(struct __test_metadata *_metadata,
			struct eng_vgpu *v, uint32_t want, const char *what)
{
	uint32_t st;

	ASSERT_OK(mdgpu_mig_get_state(v->g.v.device, &st)) TH_LOG("%s: get-state", what);
	ASSERT_EQ(want, st) TH_LOG("%s: state %s, want %s", what,
				   mig_state_name(st), mig_state_name(want));
}

/* The instance's sysfs migration_state reads @want. */
static void check_sysfs(struct __test_metadata *_metadata, const char *uuid,
			const char *want)
{
	char s[64] = "";

	EXPECT_OK(inst_attr(uuid, "migration_state", s, sizeof(s)))
		TH_LOG("sysfs migration_state, want %s", want);
	EXPECT_STREQ(want, s);
}

/* Go to @state, which must start no data session. */
static void go(struct __test_metadata *_metadata, struct eng_vgpu *v,
	       uint32_t state)
{
	int fd, ret = mdgpu_mig_set_state(v->g.v.device, state, &fd);

	ASSERT_OK(ret) TH_LOG("set state %s", mig_state_name(state));
	EXPECT_EQ(-1, fd) TH_LOG("set state %s returned a data fd",
				 mig_state_name(state));
	if (fd >= 0)
		close(fd);
	check_state(_metadata, v, state, mig_state_name(state));
}

/* Go to a state that starts a session; return its data fd. */
static int go_fd(struct __test_metadata *_metadata, struct eng_vgpu *v,
		 uint32_t state)
{
	int fd, ret = mdgpu_mig_set_state(v->g.v.device, state, &fd);

	EXPECT_OK(ret) TH_LOG("set state %s", mig_state_name(state));
	EXPECT_LE(0, fd) TH_LOG("set state %s: no data fd",
				mig_state_name(state));
	if (ret || fd < 0) {
		if (fd >= 0)
			close(fd);
		ASSERT_TRUE(false);
	}
	check_state(_metadata, v, state, mig_state_name(state));
	return fd;
}

/* Read a VRAM range through pread() of the BAR0 region. */
static void vram_pread(struct __test_metadata *_metadata, int device,
		       uint64_t off, void *buf, size_t len)
{
	size_t done = 0, n;
	ssize_t r;

	while (done < len) {
		n = len - done < (8u << 20) ? len - done : (8u << 20);
		r = mdgpu_region_read(device, VFIO_PCI_BAR0_REGION_INDEX,
				      off + done, (uint8_t *)buf + done, n);
		ASSERT_EQ((ssize_t)n, r)
			TH_LOG("pread BAR0 0x%llx",
			       (unsigned long long)(off + done));
		done += n;
	}
}

static void vram_pwrite(struct __test_metadata *_metadata, int device,
			uint64_t off, const void *buf, size_t len)
{
	ASSERT_EQ((ssize_t)len, mdgpu_region_write(device,
						   VFIO_PCI_BAR0_REGION_INDEX,
						   off, buf, len));
}

/* Compare two VRAM images; log the first differing pages. */
static void expect_same_vram(struct __test_metadata *_metadata,
			     const uint8_t *want, const uint8_t *got,
			     size_t len, const char *what)
{
	size_t pg, bad = 0;

	for (pg = 0; pg < len / PAGE; pg++) {
		if (!memcmp(want + pg * PAGE, got + pg * PAGE, PAGE))
			continue;
		if (bad++ < 5) {
			long d = eng_first_diff(want + pg * PAGE,
						got + pg * PAGE, PAGE);

			TH_LOG("%s: page 0x%zx byte 0x%lx is 0x%02x, want 0x%02x",
			       what, pg * PAGE, d, got[pg * PAGE + d],
			       want[pg * PAGE + d]);
		}
	}
	EXPECT_EQ(0, bad) TH_LOG("%s: %zu pages differ", what, bad);
}

/* Whole VRAM of an instance, malloc'ed. */
static uint8_t *vram_image(struct __test_metadata *_metadata,
			   struct eng_vgpu *v)
{
	uint8_t *img = malloc(v->g.vram_size);

	ASSERT_NE(NULL, img);
	vram_pread(_metadata, v->g.v.device, 0, img, v->g.vram_size);
	return img;
}

/* Create an instance of @type on @parent and open it, without a ring. */
static void open_dst(struct __test_metadata *_metadata, struct mig_self *self,
		     const char *parent, const char *type,
		     struct eng_vgpu *v)
{
	ASSERT_OK(mdgpu_create_tracked(&self->f.created, parent, type,
				       v->uuid)) TH_LOG("create %s on %s",
							type, parent);
	ASSERT_OK(mdgpu_attach(&v->g, v->uuid, MDGPU_OPEN_GROUP));
}

/*
 * The destination takes over the source's driver state (what a guest
 * driver keeps in its own memory) and an INTx eventfd of its own.
 */
static void adopt(struct __test_metadata *_metadata, struct eng_vgpu *dst,
		  const struct eng_vgpu *src)
{
	dst->g.ring_base = src->g.ring_base;
	dst->g.ring_size = src->g.ring_size;
	dst->g.tail = src->g.tail;
	dst->g.head = src->g.head;
	dst->g.seq = src->g.seq;
	dst->g.irq_enable = src->g.irq_enable;
	if (dst->g.irq_efd < 0) {
		dst->g.irq_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_LE(0, dst->g.irq_efd);
		ASSERT_OK(mdgpu_irq_set_eventfd(dst->g.v.device,
						VFIO_PCI_INTX_IRQ_INDEX,
						dst->g.irq_efd));
		dst->g.irq_mode = MDGPU_IRQ_INTX;
	}
}

/* Write commands to the ring, ring the doorbell or not. */
static uint32_t put_cmd(struct __test_metadata *_metadata, struct mdgpu *g,
			const uint32_t *dw, unsigned int ndw, bool kick)
{
	uint32_t at = g->tail;

	ASSERT_OK(mdgpu_ring_write(g, dw, ndw, ENG_TIMEOUT_MS));
	if (kick)
		ASSERT_OK(mdgpu_kick(g));
	return at;
}

/* A FENCE with the next sequence number; return the number. */
static uint32_t put_fence(struct __test_metadata *_metadata, struct mdgpu *g,
			  uint32_t flags, uint64_t addr, bool kick)
{
	uint32_t dw[MDGPU_FENCE_NDW];

	mdgpu_cmd_fence(dw, g->seq + 1, flags, addr);
	put_cmd(_metadata, g, dw, MDGPU_FENCE_NDW, kick);
	return ++g->seq;
}

/* Wait for FENCE_LAST to reach @seq, polling (the IRQ is checked apart). */
static int wait_fence_poll(struct mdgpu *g, uint32_t seq, int timeout_ms)
{
	double end = eng_now() + timeout_ms / 1000.0;

	while (!mdgpu_fence_done(g, seq)) {
		if (mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_ERROR)
			return -EIO;
		if (eng_now() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

/*
 * Take every interrupt delivered so far, so INTx is unmasked: a saved
 * device with INTx masked by an undelivered interrupt stays masked on the
 * destination, as it would on the source.
 */
static void irq_quiesce(struct mdgpu *g)
{
	while (mdgpu_irq_wait(g, 20) > 0)
		mdgpu_irq_handle(g);
	mdgpu_irq_handle(g);
}

static uint32_t rd(struct eng_vgpu *v, uint32_t reg)
{
	return mdgpu_rd(&v->g, reg);
}

static uint32_t vram32(struct eng_vgpu *v, uint64_t off)
{
	return *(volatile uint32_t *)(v->g.vram + off);
}

/* ------------------------------------------------------------------------
 * saving and resuming
 */

/*
 * Save @v: from its current state to STOP_COPY (the core splits the
 * request), read the stream into @s (feeding @p if given) in @chunk pieces
 * until read() returns 0, which it keeps returning. @v stays in STOP_COPY.
 */
static void save(struct __test_metadata *_metadata, struct eng_vgpu *v,
		 struct mig_buf *s, struct mig_parser *p, size_t chunk)
{
	int fd, ret;
	char c;

	fd = go_fd(_metadata, v, ST_STOP_COPY);
	ret = mig_read_fd(fd, chunk, s, p);
	EXPECT_OK(ret) TH_LOG("reading the STOP_COPY stream: %s (%s)",
			      strerror(-ret), p && p->err ? p->why : "");
	EXPECT_EQ(0, read(fd, &c, 1)) TH_LOG("read after the end");
	EXPECT_EQ(0, read(fd, &c, 1)) TH_LOG("second read after the end");
	close(fd);
	ASSERT_OK(ret);
	check_state(_metadata, v, ST_STOP_COPY, "after reading the stream");
}

/*
 * Resume @v from @len bytes of @s written in @chunk pieces: to RESUMING,
 * write, to STOP. Return the arc's 0 or -errno; *@werr gets the first
 * write's error (0 if all were taken).
 */
static int resume(struct __test_metadata *_metadata, struct eng_vgpu *v,
		  const uint8_t *s, size_t len, size_t chunk, int *werr)
{
	size_t done = 0;
	int fd, ret;

	fd = go_fd(_metadata, v, ST_RESUMING);
	*werr = mig_write_fd(fd, s, len, chunk, &done);
	if (*werr) {
		char c = 0;

		/* Every later write fails the same way. */
		EXPECT_EQ(-1, write(fd, &c, 1));
		EXPECT_EQ(-*werr, errno) TH_LOG("a write after the refusal");
	}
	ret = mdgpu_mig_set_state(v->g.v.device, ST_STOP, &(int){ -1 });
	close(fd);
	return ret;
}

static void resume_ok(struct __test_metadata *_metadata, struct eng_vgpu *v,
		      const uint8_t *s, size_t len, size_t chunk)
{
	int werr, ret = resume(_metadata, v, s, len, chunk, &werr);

	ASSERT_OK(werr) TH_LOG("write: %s", strerror(-werr));
	ASSERT_OK(ret) TH_LOG("RESUMING -> STOP: %s", strerror(-ret));
	check_state(_metadata, v, ST_STOP, "resumed");
}

/*
 * The state of a small source: SCRATCH, two random pages at 1 MiB, a
 * fence. Its stream is the "good stream" of the refusal tests.
 */
#define GOOD_SCRATCH	0xc0ffee01u
#define GOOD_VRAM	0x100000ULL	/* 1 MiB */

static void good_stream(struct __test_metadata *_metadata,
			struct mig_self *self, struct mig_buf *s)
{
	struct mig_parser p = {};
	uint8_t page[2 * PAGE];

	eng_random_bytes(page, sizeof(page), 77);
	eng_vram_write(&self->a.g, GOOD_VRAM, page, sizeof(page));
	ASSERT_OK(mdgpu_wr(&self->a.g, MDGPU_REG_SCRATCH, GOOD_SCRATCH));
	ENG_SYNC(&self->a.g);
	save(_metadata, &self->a, s, &p, CHUNK);
	EXPECT_OK(mig_parse_finish(&p)) TH_LOG("%s", p.why);
	mig_parse_free(&p);
	go(_metadata, &self->a, ST_RUNNING);
}

/* @v holds the good stream's state. */
static void check_good(struct __test_metadata *_metadata, struct eng_vgpu *v)
{
	uint8_t page[2 * PAGE], got[2 * PAGE];

	eng_random_bytes(page, sizeof(page), 77);
	EXPECT_EQ(GOOD_SCRATCH, rd(v, MDGPU_REG_SCRATCH));
	vram_pread(_metadata, v->g.v.device, GOOD_VRAM, got, sizeof(got));
	EXPECT_EQ(0, memcmp(page, got, sizeof(got)))
		TH_LOG("the good stream's VRAM pages");
}

/*
 * @len bytes of @s are refused by @v with @want (or @alt if not 0): by a
 * write and then the RESUMING -> STOP arc, or by the arc. Then @v is in
 * ERROR; VFIO_DEVICE_RESET brings it to RUNNING, usable, and @good then
 * resumes.
 */
static void refused(struct __test_metadata *_metadata, struct eng_vgpu *v,
		    const uint8_t *s, size_t len, size_t chunk, int want,
		    int alt, const struct mig_buf *good, const char *what)
{
	int werr, ret;

	ret = resume(_metadata, v, s, len, chunk, &werr);
	if (werr) {
		EXPECT_TRUE(werr == -want || (alt && werr == -alt))
			TH_LOG("%s: write failed with %s, want %s", what,
			       strerror(-werr), strerror(want));
		EXPECT_EQ(werr, ret) TH_LOG("%s: RESUMING -> STOP: %s after a write failed with %s",
					    what, strerror(-ret),
					    strerror(-werr));
	} else {
		EXPECT_TRUE(ret == -want || (alt && ret == -alt))
			TH_LOG("%s: RESUMING -> STOP: %s, want %s", what,
			       ret ? strerror(-ret) : "success",
			       strerror(want));
	}
	check_state(_metadata, v, ST_ERROR, what);

	ASSERT_EQ(0, ioctl(v->g.v.device, VFIO_DEVICE_RESET))
		TH_LOG("%s: VFIO_DEVICE_RESET from ERROR", what);
	check_state(_metadata, v, ST_RUNNING, what);
	EXPECT_EQ(MDGPU_ID_MAGIC, rd(v, MDGPU_REG_ID));
	EXPECT_EQ(0, rd(v, MDGPU_REG_SCRATCH)) TH_LOG("%s: power-on state", what);
	ASSERT_OK(mdgpu_wr(&v->g, MDGPU_REG_SCRATCH, 0x600d));
	EXPECT_EQ(0x600d, rd(v, MDGPU_REG_SCRATCH)) TH_LOG("%s: usable", what);

	if (good) {
		resume_ok(_metadata, v, good->p, good->len, CHUNK);
		check_good(_metadata, v);
		go(_metadata, v, ST_RUNNING);
	}
}

/* ------------------------------------------------------------------------
 * fixture
 */

FIXTURE_SETUP(migration)
{
	char names[MDGPU_MAX_PARENTS][MDGPU_NAME_LEN], buf[512];
	const char *release;
	bool claims;
	int ret, n;

	self->b.g.v.device = -1;
	self->b.g.irq_efd = -1;
	self->b.g.err_efd = -1;
	eng_setup(_metadata, &self->f, false);
	if (!eng_open(_metadata, &self->f, &self->a, MDGPU_IRQ_INTX))
		return;
	ret = mdgpu_mig_flags(self->a.g.v.device, &self->flags);
	if (ret) {
		claims = !inst_attr(self->a.uuid, "migration_compat", buf,
				    sizeof(buf));
		mdgpu_teardown_begin();
		mdgpu_remove_all(&self->f.created);
		ASSERT_FALSE(claims)
			TH_LOG("migration_compat exists, yet VFIO_DEVICE_FEATURE_MIGRATION: %s",
			       strerror(-ret));
		SKIP(return, "mdgpu on %s does not advertise VFIO migration (%s)",
		     (kernel_has_precopy(&release), release), strerror(-ret));
	}
	self->precopy = self->flags & VFIO_MIGRATION_PRE_COPY;
	/*
	 * The other parent: a simulated one other than ours (sim0 for a
	 * PCI parent, whose name is no simulated parent's).
	 */
	n = mdgpu_parent_names(names, MDGPU_MAX_PARENTS);
	self->other[0] = '\0';
	if (n > 0 && strcmp(names[0], self->f.parent))
		snprintf(self->other, sizeof(self->other), "%s", names[0]);
	else if (n > 1)
		snprintf(self->other, sizeof(self->other), "%s", names[1]);
}

FIXTURE_TEARDOWN_PARENT(migration)
{
	eng_teardown(_metadata, &self->f);
}

/* ------------------------------------------------------------------------
 * flags and attributes
 */

/*
 * STOP_COPY and P2P always, PRE_COPY exactly on kernels whose VFIO core
 * has it; no device DMA logging; the state starts RUNNING; the compat
 * descriptor in sysfs matches the type, also in the type's description.
 */
TEST_F(migration, flags_and_compat)
{
	const uint64_t known = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
			       VFIO_MIGRATION_PRE_COPY;
	char buf[1024], path[PATH_MAX], want[160], *line;
	struct mig_compat c;
	const char *release;
	bool want_pre = kernel_has_precopy(&release);
	int ret;

	EXPECT_EQ(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P,
		  self->flags & (VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P));
	EXPECT_EQ(0, self->flags & ~known);
	EXPECT_EQ(want_pre, !!(self->flags & VFIO_MIGRATION_PRE_COPY))
		TH_LOG("kernel %s: PRE_COPY %s", release,
		       want_pre ? "expected" : "not possible");
	ASSERT_OK(mdgpu_device_feature(self->a.g.v.device, VFIO_DEVICE_FEATURE_PROBE |
			      VFIO_DEVICE_FEATURE_GET |
			      VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0));

	/* Device DMA logging would make QEMU drop the container's log. */
	ret = mdgpu_device_feature(self->a.g.v.device, VFIO_DEVICE_FEATURE_PROBE |
			  VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_DMA_LOGGING_START, NULL, 0);
	if (want_pre) {
		EXPECT_EQ(-ENOTTY, ret) TH_LOG("DMA logging probe: %s",
					       strerror(-ret));
	} else {
		EXPECT_NE(0, ret) TH_LOG("DMA logging probe succeeded");
	}

	check_state(_metadata, &self->a, ST_RUNNING, "after open");

	ASSERT_OK(inst_attr(self->a.uuid, "migration_compat", buf,
			    sizeof(buf)));
	ASSERT_OK(mig_compat_parse(buf, &c)) TH_LOG("migration_compat: '%s'",
						    buf);
	EXPECT_EQ(MDGPU_MIG_VERSION, c.version);
	EXPECT_EQ(MDGPU_DEVICE_VERSION, c.device);
	EXPECT_STREQ("mdgpu-64M", c.type);
	EXPECT_EQ(VRAM_64M, c.vram);
	EXPECT_EQ(1920, c.max_w);
	EXPECT_EQ(1080, c.max_h);
	EXPECT_EQ(MDGPU_REGS_SIZE, c.regs);
	EXPECT_EQ(MDGPU_MIG_REGS_LAYOUT, c.layout);
	EXPECT_EQ(MDGPU_MIG_FEATURES, c.features);

	ASSERT_OK(mdgpu_type_path(path, sizeof(path), self->f.parent, "64M",
				  "description"));
	ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
	/*
	 * The description's one line carries what the type does not say
	 * already: the stream version, device version, layout, features.
	 */
	snprintf(want, sizeof(want),
		 " migration=%u device_version=0x%08x regs_layout=%u features=0x%x",
		 c.version, c.device, c.layout, c.features);
	line = strstr(buf, " migration=");
	ASSERT_NE(NULL, line) TH_LOG("description: '%s'", buf);
	EXPECT_STREQ(want, line);
	eng_check_kmsg(_metadata, &self->f);
}

/* ------------------------------------------------------------------------
 * the state machine
 */

/*
 * Every pair of supported states, each reached from RUNNING by one
 * request (the core splits it) and then asked for the other: get-state
 * and sysfs after each, a data fd exactly when a saving session starts
 * (from outside the saving group) or RESUMING is entered. Old data fds
 * end (0 or an error, never data) once their session is over. Then the
 * requests the core refuses leave the state as it was.
 */
TEST_F(migration, every_arc)
{
	static const uint32_t all[] = {
		ST_STOP, ST_RUNNING, ST_STOP_COPY, ST_RESUMING, ST_RUNNING_P2P,
		ST_PRE_COPY, ST_PRE_COPY_P2P,
	};
	static const uint32_t bad[] = { ST_ERROR, 8, 9, 0x7fffffff, ~0u };
	struct mig_buf good = {};
	unsigned int i, j, arcs = 0;
	int fd1, fd2, ret, werr;
	size_t done;
	char c;

	good_stream(_metadata, self, &good);
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		uint32_t from = all[i];

		if (!state_supported(self->flags, from))
			continue;
		for (j = 0; j < ARRAY_SIZE(all); j++) {
			uint32_t to = all[j];
			bool blocked, want_fd;

			if (!state_supported(self->flags, to))
				continue;
			blocked = from == ST_STOP_COPY &&
				  (to == ST_PRE_COPY || to == ST_PRE_COPY_P2P);
			want_fd = from != to &&
				  ((saving_state(to) && !saving_state(from)) ||
				   to == ST_RESUMING);

			/* RUNNING -> from */
			ret = mdgpu_mig_set_state(self->a.g.v.device, from, &fd1);
			ASSERT_OK(ret) TH_LOG("RUNNING -> %s: %s",
					      mig_state_name(from),
					      strerror(-ret));
			EXPECT_EQ(saving_state(from) || from == ST_RESUMING,
				  fd1 >= 0) TH_LOG("RUNNING -> %s: data fd %d",
						   mig_state_name(from), fd1);
			check_state(_metadata, &self->a, from, "from");
			if (from == ST_RESUMING && fd1 >= 0)
				EXPECT_OK(mig_write_fd(fd1, good.p, good.len,
						       CHUNK, &done));

			/* from -> to */
			ret = mdgpu_mig_set_state(self->a.g.v.device, to, &fd2);
			if (blocked) {
				EXPECT_EQ(-EINVAL, ret)
					TH_LOG("%s -> %s is not an arc",
					       mig_state_name(from),
					       mig_state_name(to));
				check_state(_metadata, &self->a, from,
					    "after a refused request");
				to = from;
			} else {
				EXPECT_OK(ret) TH_LOG("%s -> %s: %s",
						      mig_state_name(from),
						      mig_state_name(to),
						      strerror(-ret));
				EXPECT_EQ(want_fd, fd2 >= 0)
					TH_LOG("%s -> %s: data fd %d",
					       mig_state_name(from),
					       mig_state_name(to), fd2);
				check_state(_metadata, &self->a, to,
					    mig_state_name(to));
				arcs++;
			}

			/* to -> RUNNING */
			if (to == ST_RESUMING && fd2 >= 0)
				EXPECT_OK(mig_write_fd(fd2, good.p, good.len,
						       CHUNK, &done));
			werr = mig_set(self->a.g.v.device, ST_RUNNING);
			ASSERT_OK(werr) TH_LOG("%s -> RUNNING: %s",
					       mig_state_name(to),
					       strerror(-werr));
			check_state(_metadata, &self->a, ST_RUNNING, "back");

			/* The sessions are over. */
			if (fd1 >= 0) {
				EXPECT_GE(0, read(fd1, &c, 1))
					TH_LOG("%s's fd after its session",
					       mig_state_name(from));
				close(fd1);
			}
			if (fd2 >= 0) {
				EXPECT_GE(0, read(fd2, &c, 1))
					TH_LOG("%s's fd after its session",
					       mig_state_name(to));
				close(fd2);
			}
		}
	}
	TH_LOG("%u transitions between %s states", arcs,
	       self->precopy ? "7" : "5");
	EXPECT_EQ(self->precopy ? 7 * 7 - 2 : 5 * 5, arcs);

	/* Requests for no state, ERROR, or a state the device lacks. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, mdgpu_mig_set_state(self->a.g.v.device, bad[i], &fd1))
			TH_LOG("request %u", bad[i]);
		check_state(_metadata, &self->a, ST_RUNNING, "refused");
	}
	if (!self->precopy) {
		EXPECT_EQ(-EINVAL, mdgpu_mig_set_state(self->a.g.v.device,
						       ST_PRE_COPY, &fd1));
		check_state(_metadata, &self->a, ST_RUNNING, "no PRE_COPY");
	}
	/* The device still works. */
	ENG_SYNC(&self->a.g);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * The instance's migration_state attribute names the state through a
 * migration (each state the device has, ERROR after a refused stream) and
 * says "closed" when no one has the device open.
 */
TEST_F(migration, sysfs_migration_state)
{
	static const uint32_t walk[] = {
		ST_RUNNING_P2P, ST_STOP, ST_STOP_COPY, ST_STOP, ST_RUNNING,
		ST_PRE_COPY, ST_PRE_COPY_P2P, ST_STOP_COPY, ST_RUNNING,
	};
	struct mig_buf good = {};
	uint8_t bad[64] = {};
	size_t i, done;
	int fd, werr;

	check_sysfs(_metadata, self->a.uuid, "running");
	for (i = 0; i < ARRAY_SIZE(walk); i++) {
		if (!state_supported(self->flags, walk[i]))
			continue;
		ASSERT_OK(mdgpu_mig_set_state(self->a.g.v.device, walk[i], &fd));
		if (fd >= 0)
			close(fd);
		check_sysfs(_metadata, self->a.uuid, mig_state_name(walk[i]));
	}
	good_stream(_metadata, self, &good);
	fd = go_fd(_metadata, &self->a, ST_RESUMING);
	check_sysfs(_metadata, self->a.uuid, "resuming");
	ASSERT_OK(mig_write_fd(fd, good.p, good.len, CHUNK, &done));
	close(fd);
	go(_metadata, &self->a, ST_STOP);
	check_sysfs(_metadata, self->a.uuid, "stop");
	go(_metadata, &self->a, ST_RUNNING);
	EXPECT_NE(0, resume(_metadata, &self->a, bad, sizeof(bad), CHUNK,
			    &werr));
	check_sysfs(_metadata, self->a.uuid, "error");
	ASSERT_EQ(0, ioctl(self->a.g.v.device, VFIO_DEVICE_RESET));
	check_sysfs(_metadata, self->a.uuid, "running");
	mdgpu_detach(&self->a.g);
	check_sysfs(_metadata, self->a.uuid, "closed");
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* ------------------------------------------------------------------------
 * STOP and RUNNING_P2P
 */

/*
 * Queue a 500 ms COMPUTE, a FILL and an IRQ fence, freeze the device in
 * @stopped while the COMPUTE runs, and ring the doorbell for one more
 * fence: for FREEZE_MS (longer than the work left) nothing moves and no
 * interrupt comes, config space and registers answer. Back in RUNNING
 * all of it completes.
 */
static void freeze(struct __test_metadata *_metadata, struct mig_self *self,
		   uint32_t stopped)
{
	struct mdgpu *g = &self->a.g;
	uint32_t dw[MDGPU_CMD_MAX_NDW], head, done, fence, irq, tail, at, val;
	uint32_t seq1, seq2, cfg_a[64], cfg_b[64];
	const uint64_t fill = 4ULL << 20;
	uint64_t irqs;
	int i, attempt;
	double t0;

	for (attempt = 0;; attempt++) {
		ENG_SYNC(g);
		while (mdgpu_irq_handle(g) > 0)
			;
		irqs = g->irqs;
		done = rd(&self->a, MDGPU_REG_CMDS_DONE);
		*(volatile uint32_t *)(g->vram + ENG_SLOTS) = 0;
		val = 0xf111f111 + attempt;

		mdgpu_cmd_compute(dw, 500000);
		at = put_cmd(_metadata, g, dw, MDGPU_COMPUTE_NDW, false);
		mdgpu_cmd_fill(dw, fill, 1 << 20, 1, 0, val);
		put_cmd(_metadata, g, dw, MDGPU_FILL_NDW, false);
		seq1 = put_fence(_metadata, g,
				 MDGPU_FENCE_IRQ | MDGPU_FENCE_WRITE, ENG_SLOTS,
				 true);
		t0 = eng_now();
		usleep(20000);
		seq2 = put_fence(_metadata, g, MDGPU_FENCE_IRQ, 0, false);
		go(_metadata, &self->a, stopped);
		if (rd(&self->a, MDGPU_REG_RING_HEAD) == at)
			break;
		/* A host so slow that the COMPUTE ended first: again. */
		TH_LOG("the COMPUTE ended %.3f s after the doorbell, before %s",
		       eng_now() - t0, mig_state_name(stopped));
		ASSERT_GT(2, attempt);
		go(_metadata, &self->a, ST_RUNNING);
		ASSERT_OK(mdgpu_kick(g));
		ASSERT_OK(mdgpu_wait_fence(g, seq2, ENG_TIMEOUT_MS));
	}

	for (i = 0; i < 64; i++)
		cfg_a[i] = mdgpu_cfg_read32(g->v.device, i * 4);
	head = rd(&self->a, MDGPU_REG_RING_HEAD);
	fence = rd(&self->a, MDGPU_REG_FENCE_LAST);
	irq = rd(&self->a, MDGPU_REG_IRQ_STATUS);
	EXPECT_EQ(done, rd(&self->a, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(seq1 - 1, fence);
	EXPECT_EQ(0, irq & MDGPU_IRQ_FENCE);

	/* A doorbell while stopped only moves RING_TAIL. */
	ASSERT_OK(mdgpu_kick(g));
	tail = g->tail;
	EXPECT_EQ(tail, rd(&self->a, MDGPU_REG_RING_TAIL));

	EXPECT_EQ(0, mdgpu_irq_wait(g, FREEZE_MS))
		TH_LOG("an interrupt while %s", mig_state_name(stopped));
	EXPECT_EQ(head, rd(&self->a, MDGPU_REG_RING_HEAD));
	EXPECT_EQ(done, rd(&self->a, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(fence, rd(&self->a, MDGPU_REG_FENCE_LAST));
	EXPECT_EQ(irq, rd(&self->a, MDGPU_REG_IRQ_STATUS));
	EXPECT_EQ(0, vram32(&self->a, ENG_SLOTS)) TH_LOG("fence written");
	EXPECT_NE(val, vram32(&self->a, fill)) TH_LOG("FILL ran");
	EXPECT_EQ(MDGPU_ID_MAGIC, rd(&self->a, MDGPU_REG_ID));
	EXPECT_EQ(MDGPU_PCI_VENDOR_ID | MDGPU_PCI_DEVICE_ID << 16,
		  mdgpu_cfg_read32(g->v.device, 0));
	for (i = 0; i < 64; i++)
		cfg_b[i] = mdgpu_cfg_read32(g->v.device, i * 4);
	EXPECT_EQ(0, memcmp(cfg_a, cfg_b, sizeof(cfg_a)))
		TH_LOG("config space changed while %s",
		       mig_state_name(stopped));
	check_state(_metadata, &self->a, stopped, "still");

	go(_metadata, &self->a, ST_RUNNING);
	ASSERT_OK(mdgpu_wait_fence(g, seq2, ENG_TIMEOUT_MS));
	EXPECT_EQ(done + 4, rd(&self->a, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(seq1, vram32(&self->a, ENG_SLOTS));
	EXPECT_EQ(val, vram32(&self->a, fill));
	EXPECT_EQ(val, vram32(&self->a, fill + (1 << 20) - 4));
	/* The fences' interrupt came (the wait may have polled past it). */
	if (g->irqs == irqs)
		EXPECT_EQ(1, mdgpu_irq_wait(g, 2000));
	irq_quiesce(g);
	EXPECT_LT(irqs, g->irqs) TH_LOG("no fence interrupt after RUNNING");
	EXPECT_EQ(tail, rd(&self->a, MDGPU_REG_RING_HEAD));
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(migration, stop_freezes_engine)
{
	freeze(_metadata, self, ST_STOP);
}

TEST_F(migration, running_p2p_freezes_engine)
{
	freeze(_metadata, self, ST_RUNNING_P2P);
}

/* ------------------------------------------------------------------------
 * STOP_COPY stream
 */

/**
 * struct seen - what a parser callback collects
 * @shadow: VRAM as the records so far make it (calloc'ed), or NULL
 * @size: its size
 * @config: the last CONFIG record
 * @regs: the last REGS record
 * @display: the last DISPLAY record
 * @engine: the last ENGINE record
 * @sched_flags: flags of the SCHED record
 */
struct seen {
	uint8_t *shadow;
	uint64_t size;
	struct mdgpu_mig_config config;
	struct mdgpu_mig_regs regs;
	struct mdgpu_mig_display display;
	struct mdgpu_mig_engine engine;
	uint32_t sched_flags;
};

static int seen_record(struct mig_parser *p, const struct mdgpu_mig_record *h,
		       const uint8_t *payload, uint64_t off)
{
	struct seen *s = p->priv;
	uint64_t len = le64toh(h->len), at;
	struct mdgpu_mig_zero z;

	(void)off;
	switch (le32toh(h->tag)) {
	case MDGPU_MIG_TAG_CONFIG:
		memcpy(&s->config, payload, sizeof(s->config));
		break;
	case MDGPU_MIG_TAG_REGS:
		memcpy(&s->regs, payload, sizeof(s->regs));
		break;
	case MDGPU_MIG_TAG_DISPLAY:
		memcpy(&s->display, payload, sizeof(s->display));
		break;
	case MDGPU_MIG_TAG_ENGINE:
		memcpy(&s->engine, payload, sizeof(s->engine));
		break;
	case MDGPU_MIG_TAG_SCHED:
		s->sched_flags = le32toh(h->flags);
		break;
	case MDGPU_MIG_TAG_VRAM:
		memcpy(&at, payload, 8);
		at = le64toh(at);
		if (s->shadow && at + len - 8 <= s->size)
			memcpy(s->shadow + at, payload + 8, len - 8);
		break;
	case MDGPU_MIG_TAG_ZERO:
		memcpy(&z, payload, sizeof(z));
		if (s->shadow && le64toh(z.offset) + le64toh(z.len) <= s->size)
			memset(s->shadow + le64toh(z.offset), 0,
			       le64toh(z.len));
		break;
	}
	return 0;
}

/*
 * The whole stream of a device with a little state, read in odd-sized
 * pieces until read() returns 0: header and compat as sysfs says, each
 * device record once with the device's values, VRAM records that rebuild
 * VRAM byte for byte, few pages for a nearly empty device, one END with
 * the right CRC at the very end. Then the device runs on unchanged.
 */
TEST_F(migration, stop_copy_stream)
{
	struct mdgpu *g = &self->a.g;
	struct seen sn = { .size = VRAM_64M };
	struct mig_parser p = { .record = seen_record, .priv = &sn };
	uint8_t pat[3 * PAGE], cfg[MDGPU_CFG_SIZE], *img;
	uint32_t dw[MDGPU_CMD_MAX_NDW], scratch = 0x12345678;
	struct mig_compat c, h;
	struct mig_buf s = {};
	uint64_t ts;
	char buf[512] = "";
	int i;

	/* The CRC is zlib's. */
	ASSERT_EQ(0xcbf43926, mig_crc32(0, "123456789", 9));

	sn.shadow = calloc(1, VRAM_64M);
	ASSERT_NE(NULL, sn.shadow);
	eng_random_bytes(pat, sizeof(pat), 5);
	eng_vram_write(g, 1 << 20, pat, 2 * PAGE);
	vram_pwrite(_metadata, g->v.device, 8 << 20, pat + 2 * PAGE, PAGE);
	mdgpu_cmd_fill(dw, 16 << 20, 4096, 16, 4096, 0xabcdef01);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_SCRATCH, scratch));
	ts = mdgpu_timestamp(g);

	save(_metadata, &self->a, &s, &p, 4093);
	ASSERT_OK(mig_parse_finish(&p)) TH_LOG("%s", p.why);
	TH_LOG("stream: %zu bytes, %u records, %llu VRAM pages, %llu zero bytes",
	       s.len, p.records, (unsigned long long)p.vram_pages,
	       (unsigned long long)p.zero_bytes);
	EXPECT_EQ(s.len - MIG_END_LEN, p.end_off) TH_LOG("END is last");

	mig_compat_of(&p.hdr, &h);
	EXPECT_STREQ("mdgpu-64M", h.type);
	EXPECT_EQ(VRAM_64M, h.vram);
	EXPECT_EQ(MDGPU_DEVICE_VERSION, h.device);
	EXPECT_EQ(1920, h.max_w);
	EXPECT_EQ(1080, h.max_h);
	EXPECT_EQ(MDGPU_REGS_SIZE, h.regs);
	EXPECT_EQ(MDGPU_MIG_REGS_LAYOUT, h.layout);
	EXPECT_EQ(MDGPU_MIG_FEATURES, h.features);
	EXPECT_OK(inst_attr(self->a.uuid, "migration_compat", buf,
			    sizeof(buf)));
	EXPECT_OK(mig_compat_parse(buf, &c)) TH_LOG("'%s'", buf);
	EXPECT_EQ(0, memcmp(&c, &h, sizeof(c)))
		TH_LOG("header compat (%s %llu) vs sysfs '%s'", h.type,
		       (unsigned long long)h.vram, buf);
	EXPECT_EQ(0, p.hdr.compat.reserved[0] | p.hdr.compat.reserved[1]);

	EXPECT_EQ(1, p.count[MDGPU_MIG_TAG_CONFIG]);
	EXPECT_EQ(1, p.count[MDGPU_MIG_TAG_REGS]);
	EXPECT_EQ(1, p.count[MDGPU_MIG_TAG_DISPLAY]);
	EXPECT_EQ(1, p.count[MDGPU_MIG_TAG_ENGINE]);
	EXPECT_GE(1, p.count[MDGPU_MIG_TAG_SCHED]);
	if (p.count[MDGPU_MIG_TAG_SCHED])
		EXPECT_EQ(MDGPU_MIG_REC_OPTIONAL, sn.sched_flags);
	EXPECT_EQ(0, p.unknown);
	if (mdgpu_parent_is_pci(self->f.parent)) {
		/* No lazy backing: every page is sent. */
		EXPECT_EQ(VRAM_64M / PAGE, p.vram_pages);
	} else {
		/* 3 pages written, 16 filled, ring and fence pages: no more. */
		EXPECT_LE(19, p.vram_pages);
		EXPECT_GE(40, p.vram_pages)
			TH_LOG("absent VRAM is in the stream");
	}

	/* Device records against the device, still in STOP_COPY. */
	for (i = 0; i < MDGPU_CFG_SIZE; i += 4)
		*(uint32_t *)(cfg + i) = mdgpu_cfg_read32(g->v.device, i);
	EXPECT_EQ(0, memcmp(cfg, sn.config.data, sizeof(cfg)))
		TH_LOG("CONFIG record");
	EXPECT_EQ(scratch, le32toh(sn.regs.scratch));
	EXPECT_EQ(rd(&self->a, MDGPU_REG_RESET_COUNT),
		  le32toh(sn.regs.reset_count));
	EXPECT_EQ(ENG_RING, le64toh(sn.engine.ring_base));
	EXPECT_EQ(ENG_RING_SIZE, le32toh(sn.engine.ring_size));
	EXPECT_EQ(g->tail, le32toh(sn.engine.head));
	EXPECT_EQ(g->tail, le32toh(sn.engine.tail));
	EXPECT_EQ(1, sn.engine.enabled);
	EXPECT_EQ(0, sn.engine.cur_valid);
	EXPECT_EQ(rd(&self->a, MDGPU_REG_CMDS_DONE),
		  le32toh(sn.engine.cmds_done));
	EXPECT_EQ(g->seq, le32toh(sn.engine.fence_last));
	EXPECT_EQ(rd(&self->a, MDGPU_REG_IRQ_MASK),
		  le32toh(sn.engine.irq_mask));
	EXPECT_LE(ts, le64toh(sn.engine.timestamp));
	/* The mode registers (ID and the VRAM size are computed on read). */
	for (i = VBE_XRES; i <= VBE_Y_OFFSET; i++) {
		uint16_t v = 0;

		mdgpu_region_read(g->v.device, VFIO_PCI_BAR2_REGION_INDEX,
				  MDGPU_DISPI_REG(i), &v, 2);
		EXPECT_EQ(v, le16toh(sn.display.dispi[i])) TH_LOG("DISPI %d", i);
	}

	/* VRAM rebuilt from the records is the device's. */
	img = vram_image(_metadata, &self->a);
	expect_same_vram(_metadata, img, sn.shadow, VRAM_64M,
			 "stream vs VRAM");
	EXPECT_EQ(0, memcmp(img + (1 << 20), pat, 2 * PAGE));

	/* And the device goes on as before. */
	go(_metadata, &self->a, ST_RUNNING);
	EXPECT_EQ(scratch, rd(&self->a, MDGPU_REG_SCRATCH));
	EXPECT_EQ(0, memcmp((const void *)(g->vram + (1 << 20)), pat,
			    2 * PAGE));
	ENG_SYNC(g);
	free(img);
	free(sn.shadow);
	mig_parse_free(&p);
	mig_buf_free(&s);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * MIG_DATA_SIZE answers in RUNNING and STOP_COPY (on 6.1 the driver
 * answers it itself), grows by at least the bytes of newly written pages
 * (on a parent without lazy backing it counts every page from the start
 * and does not grow), and in STOP_COPY is no less than the stream that
 * follows (less a page) and not far above it.
 */
TEST_F(migration, data_size)
{
	struct mdgpu *g = &self->a.g;
	uint64_t e0, e1, e2, e3;
	struct mig_buf s = {};
	uint8_t *buf;
	int fd;

	ASSERT_OK(mdgpu_device_feature(g->v.device, VFIO_DEVICE_FEATURE_PROBE |
			      VFIO_DEVICE_FEATURE_GET |
			      VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, NULL, 0));
	ASSERT_OK(mdgpu_mig_data_size(g->v.device, &e0));
	buf = malloc(1 << 20);
	ASSERT_NE(NULL, buf);
	eng_random_bytes(buf, 1 << 20, 9);
	eng_vram_write(g, 2 << 20, buf, 1 << 20);
	ASSERT_OK(mdgpu_mig_data_size(g->v.device, &e1));
	if (mdgpu_parent_is_pci(self->f.parent)) {
		EXPECT_LE(VRAM_64M, e0) TH_LOG("no lazy backing: all VRAM");
		EXPECT_EQ(e0, e1) TH_LOG("256 new pages: %llu -> %llu",
					 (unsigned long long)e0,
					 (unsigned long long)e1);
	} else {
		EXPECT_LE(e0 + (1 << 20), e1)
			TH_LOG("256 new pages: %llu -> %llu",
			       (unsigned long long)e0, (unsigned long long)e1);
	}

	fd = go_fd(_metadata, &self->a, ST_STOP_COPY);
	ASSERT_OK(mdgpu_mig_data_size(g->v.device, &e2));
	ASSERT_OK(mig_read_fd(fd, CHUNK, &s, NULL));
	close(fd);
	ASSERT_OK(mdgpu_mig_data_size(g->v.device, &e3));
	TH_LOG("MIG_DATA_SIZE %llu empty, %llu with 1 MiB, %llu in STOP_COPY",
	       (unsigned long long)e0, (unsigned long long)e1,
	       (unsigned long long)e2);
	TH_LOG("stream %zu bytes; MIG_DATA_SIZE %llu after reading it",
	       s.len, (unsigned long long)e3);
	EXPECT_LE(s.len, e2 + PAGE);
	EXPECT_GE(s.len + s.len / 4 + CHUNK, e2);
	go(_metadata, &self->a, ST_RUNNING);
	free(buf);
	mig_buf_free(&s);
	eng_check_kmsg(_metadata, &self->f);
}

/* ------------------------------------------------------------------------
 * PRE_COPY
 */

/* Why a PRE_COPY test does not run. */
static const char *no_precopy(void)
{
	const char *release;

	kernel_has_precopy(&release);
	return release;
}

/* Read a pre-copy fd until its temporary end (ENOMSG). */
static void read_round(struct __test_metadata *_metadata, int fd,
		       struct mig_buf *s, struct mig_parser *p)
{
	int ret = mig_read_fd(fd, CHUNK, s, p);

	ASSERT_EQ(-ENOMSG, ret) TH_LOG("pre-copy read: %s (%s)",
				       ret ? strerror(-ret) : "0 (end)",
				       p && p->err ? p->why : "");
}

/*
 * initial_bytes > 0, falling as the first round is read, 0 with
 * dirty_bytes 0 at the temporary end (ENOMSG, again on the next read);
 * dirty_bytes grows after writes through pwrite, the mapping and the
 * engine; the dirty pages come in the next round; STOP_COPY continues the
 * same fd to read() == 0 (the info ioctl refused there); the whole byte
 * sequence resumes on another instance byte-exact.
 */
TEST_F(migration, precopy_info_and_resume)
{
	struct mdgpu *g = &self->a.g;
	struct seen sn = { .size = VRAM_64M };
	struct mig_parser p = { .record = seen_record, .priv = &sn };
	struct vfio_precopy_info in, prev;
	uint64_t initial0, total = 0, d0;
	uint8_t pat[64 * PAGE], *ia, *ib;
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mig_buf s = {};
	int fd, fd2, ret;
	ssize_t n;

	if (!self->precopy)
		SKIP(return, "no PRE_COPY on kernel %s", no_precopy());
	sn.shadow = calloc(1, VRAM_64M);
	ASSERT_NE(NULL, sn.shadow);
	eng_random_bytes(pat, sizeof(pat), 3);
	eng_vram_write(g, 2 << 20, pat, sizeof(pat));

	fd = go_fd(_metadata, &self->a, ST_PRE_COPY);
	ASSERT_OK(mdgpu_mig_precopy_info(fd, &in));
	initial0 = in.initial_bytes;
	EXPECT_LE(sizeof(pat), in.initial_bytes);
	EXPECT_EQ(0, in.dirty_bytes);
	prev = in;
	for (;;) {
		ASSERT_OK(mig_buf_reserve(&s, 16384));
		n = read(fd, s.p + s.len, 16384);
		if (n < 0)
			break;
		ASSERT_LT(0, n) TH_LOG("read() == 0 in PRE_COPY");
		ASSERT_OK(mig_parse_feed(&p, s.p + s.len, n))
			TH_LOG("%s", p.why);
		s.len += n;
		total += n;
		ASSERT_OK(mdgpu_mig_precopy_info(fd, &in));
		EXPECT_LE(in.initial_bytes, prev.initial_bytes);
		if (total < initial0)
			EXPECT_GT(initial0, in.initial_bytes)
				TH_LOG("initial_bytes did not fall after %llu bytes",
				       (unsigned long long)total);
		prev = in;
	}
	ASSERT_EQ(ENOMSG, errno) TH_LOG("temporary end: %s", strerror(errno));
	TH_LOG("first round: initial_bytes %llu, read %llu",
	       (unsigned long long)initial0, (unsigned long long)total);
	EXPECT_LE(initial0, total);
	ASSERT_OK(mdgpu_mig_precopy_info(fd, &in));
	EXPECT_EQ(0, in.initial_bytes);
	EXPECT_EQ(0, in.dirty_bytes);
	EXPECT_EQ(-1, read(fd, pat, 1));
	EXPECT_EQ(ENOMSG, errno);

	/* Dirtied through pwrite, the mapping, the engine. */
	vram_pwrite(_metadata, g->v.device, 4 << 20, pat, 2 * PAGE);
	ASSERT_OK(mdgpu_mig_precopy_info(fd, &in));
	EXPECT_LE(2 * PAGE, in.dirty_bytes) TH_LOG("after pwrite of 2 pages");
	d0 = in.dirty_bytes;
	eng_vram_write(g, 5 << 20, pat + 2 * PAGE, 3 * PAGE);
	ASSERT_OK(mdgpu_mig_precopy_info(fd, &in));
	EXPECT_LE(d0 + 3 * PAGE, in.dirty_bytes)
		TH_LOG("after writing 3 pages through the mapping");
	d0 = in.dirty_bytes;
	mdgpu_cmd_fill(dw, 6 << 20, PAGE, 1, 0, 0x0d0d0d0d);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	ASSERT_OK(mdgpu_mig_precopy_info(fd, &in));
	EXPECT_LE(d0 + PAGE, in.dirty_bytes) TH_LOG("after an engine FILL");

	read_round(_metadata, fd, &s, &p);
	ASSERT_OK(mdgpu_mig_precopy_info(fd, &in));
	EXPECT_EQ(0, in.initial_bytes);
	EXPECT_EQ(0, in.dirty_bytes);
	EXPECT_EQ(0, memcmp(sn.shadow + (4 << 20), pat, 2 * PAGE));
	EXPECT_EQ(0, memcmp(sn.shadow + (5 << 20), pat + 2 * PAGE, 3 * PAGE));
	EXPECT_EQ(0x0d0d0d0d, *(uint32_t *)(sn.shadow + (6 << 20)));

	/* PRE_COPY -> STOP_COPY: the same fd. */
	ret = mdgpu_mig_set_state(g->v.device, ST_STOP_COPY, &fd2);
	ASSERT_OK(ret);
	EXPECT_EQ(-1, fd2) TH_LOG("STOP_COPY after PRE_COPY: a new fd");
	if (fd2 >= 0)
		close(fd2);
	EXPECT_EQ(-EINVAL, mdgpu_mig_precopy_info(fd, &in))
		TH_LOG("VFIO_MIG_GET_PRECOPY_INFO in STOP_COPY");
	ASSERT_OK(mig_read_fd(fd, CHUNK, &s, &p)) TH_LOG("%s", p.why);
	close(fd);
	ASSERT_OK(mig_parse_finish(&p)) TH_LOG("%s", p.why);

	ia = vram_image(_metadata, &self->a);
	expect_same_vram(_metadata, ia, sn.shadow, VRAM_64M, "stream vs A");
	open_dst(_metadata, self, self->f.parent, "64M", &self->b);
	resume_ok(_metadata, &self->b, s.p, s.len, 100000);
	ib = vram_image(_metadata, &self->b);
	expect_same_vram(_metadata, ia, ib, VRAM_64M, "B vs A");
	EXPECT_EQ(rd(&self->a, MDGPU_REG_CMDS_DONE),
		  rd(&self->b, MDGPU_REG_CMDS_DONE));
	go(_metadata, &self->b, ST_RUNNING);
	go(_metadata, &self->a, ST_RUNNING);
	free(ia);
	free(ib);
	free(sn.shadow);
	mig_parse_free(&p);
	mig_buf_free(&s);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * Dirty tracking against a shadow copy: over many pre-copy rounds write
 * random pages through the mapping (also while a round is being read, and
 * pages of the round before again), through pwrite and with the engine;
 * apply every round's records to a shadow; after STOP_COPY the shadow is
 * VRAM byte for byte. Pre-copy converges: the rounds carry the pages, and
 * after a round with no writes STOP_COPY has (next to) none left.
 */
TEST_F(migration, precopy_dirty_vs_shadow)
{
	enum { ROUNDS = 16, PER_ROUND = 24, WORK_PAGES = 48 << 8 };
	struct mdgpu *g = &self->a.g;
	struct seen sn = { .size = VRAM_64M };
	struct mig_parser p = { .record = seen_record, .priv = &sn };
	uint32_t rnd = 0x5eed, dw[MDGPU_CMD_MAX_NDW], last[PER_ROUND] = {};
	struct mig_buf s = {};
	uint8_t page[PAGE], *img;
	uint64_t pre_pages;
	int fd, r, k, ret;
	ssize_t n;

	if (!self->precopy)
		SKIP(return, "no PRE_COPY on kernel %s", no_precopy());
	sn.shadow = calloc(1, VRAM_64M);
	ASSERT_NE(NULL, sn.shadow);
	for (k = 0; k < 64; k++) {
		eng_random_bytes(page, PAGE, k + 1000);
		eng_vram_write(g, (eng_rand(&rnd) % WORK_PAGES) * PAGE, page,
			       PAGE);
	}
	fd = go_fd(_metadata, &self->a, ST_PRE_COPY);
	read_round(_metadata, fd, &s, &p);

	for (r = 0; r < ROUNDS; r++) {
		/* The pages of the last round again, one dword each. */
		for (k = 0; k < PER_ROUND / 2; k++)
			*(volatile uint32_t *)(g->vram + last[k] * PAGE +
					       (eng_rand(&rnd) % 1024) * 4) =
				eng_rand(&rnd);
		/* New pages, whole or one dword. */
		for (k = 0; k < PER_ROUND; k++) {
			last[k] = eng_rand(&rnd) % WORK_PAGES;
			if (k % 3) {
				*(volatile uint32_t *)(g->vram + last[k] * PAGE +
						       (eng_rand(&rnd) % 1024) * 4) =
					eng_rand(&rnd) | 1;
			} else {
				eng_random_bytes(page, PAGE, eng_rand(&rnd));
				eng_vram_write(g, last[k] * PAGE, page, PAGE);
			}
		}
		eng_random_bytes(page, PAGE, r);
		vram_pwrite(_metadata, g->v.device,
			    (eng_rand(&rnd) % WORK_PAGES) * PAGE, page, PAGE);
		mdgpu_cmd_fill(dw, (eng_rand(&rnd) % (WORK_PAGES - 8)) * PAGE,
			       1024 + (eng_rand(&rnd) % 4) * 1024,
			       1 + eng_rand(&rnd) % 6, 2 * PAGE,
			       eng_rand(&rnd));
		ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
		if (r % 2)
			ENG_SYNC(g);

		/* Part of the round, more writes, the rest. */
		ASSERT_OK(mig_buf_reserve(&s, CHUNK));
		n = read(fd, s.p + s.len, CHUNK);
		ASSERT_NE(0, n) TH_LOG("read() == 0 in PRE_COPY");
		if (n > 0) {
			ASSERT_OK(mig_parse_feed(&p, s.p + s.len, n))
				TH_LOG("%s", p.why);
			s.len += n;
		} else {
			ASSERT_EQ(ENOMSG, errno);
		}
		for (k = 0; k < 4; k++)
			*(volatile uint32_t *)(g->vram + last[k] * PAGE + 8) =
				0xfeed0000 + r;
		ret = mig_read_fd(fd, CHUNK, &s, &p);
		ASSERT_EQ(-ENOMSG, ret) TH_LOG("round %d: %s (%s)", r,
					       strerror(-ret), p.why);
	}
	/* A quiet round: afterwards nothing is dirty. */
	ENG_SYNC(g);
	read_round(_metadata, fd, &s, &p);
	pre_pages = p.vram_pages;
	ret = mdgpu_mig_set_state(g->v.device, ST_STOP_COPY, &k);
	ASSERT_OK(ret);
	if (k >= 0)
		close(k);
	ASSERT_OK(mig_read_fd(fd, CHUNK, &s, &p)) TH_LOG("%s", p.why);
	close(fd);
	ASSERT_OK(mig_parse_finish(&p)) TH_LOG("%s", p.why);
	TH_LOG("%d rounds: %zu bytes; VRAM pages: %llu in pre-copy, %llu in STOP_COPY",
	       ROUNDS, s.len, (unsigned long long)pre_pages,
	       (unsigned long long)(p.vram_pages - pre_pages));
	/* Pre-copy carried the pages; the stop-copy has next to nothing. */
	EXPECT_LT(ROUNDS * PER_ROUND / 2, pre_pages);
	EXPECT_GE(4, p.vram_pages - pre_pages)
		TH_LOG("pages sent again at STOP_COPY after a quiet round");

	img = vram_image(_metadata, &self->a);
	expect_same_vram(_metadata, img, sn.shadow, VRAM_64M,
			 "shadow vs VRAM");
	go(_metadata, &self->a, ST_RUNNING);
	free(img);
	free(sn.shadow);
	mig_parse_free(&p);
	mig_buf_free(&s);
	eng_check_kmsg(_metadata, &self->f);
}

/* ------------------------------------------------------------------------
 * round trips
 */

/* Find the EDID region by its type capability, as QEMU does; -1 if none. */
static int edid_region(int fd)
{
	int r = mdgpu_region_find(fd, VFIO_REGION_TYPE_GFX,
				  VFIO_REGION_SUBTYPE_GFX_EDID);

	return r < 0 ? -1 : r;
}

static const uint32_t snap_regs[] = {
	MDGPU_REG_ID, MDGPU_REG_VERSION, MDGPU_REG_VRAM_SIZE_LO,
	MDGPU_REG_VRAM_SIZE_HI, MDGPU_REG_SCRATCH, MDGPU_REG_RESET_COUNT,
	MDGPU_REG_DISPLAY_STATUS, MDGPU_REG_MODE_ERRORS, MDGPU_QEXT_ENDIAN,
	MDGPU_REG_RING_BASE_LO, MDGPU_REG_RING_BASE_HI, MDGPU_REG_RING_SIZE,
	MDGPU_REG_RING_HEAD, MDGPU_REG_RING_TAIL, MDGPU_REG_RING_CTRL,
	MDGPU_REG_ENGINE_STATUS, MDGPU_REG_FENCE_LAST, MDGPU_REG_ERR_CODE,
	MDGPU_REG_ERR_HEAD, MDGPU_REG_ERR_HEADER, MDGPU_REG_IRQ_STATUS,
	MDGPU_REG_IRQ_MASK, MDGPU_REG_CMDS_DONE,
};

/**
 * struct snap - what a guest and the host see of a stopped device
 * @cfg: config space
 * @regs: snap_regs
 * @dispi: the DISPI registers
 * @edid: the EDID window of BAR2
 * @hdr: the EDID region's header
 * @host_edid: the EDID region's blob
 * @plane: VFIO_DEVICE_QUERY_GFX_PLANE of the primary plane (region)
 */
struct snap {
	uint32_t cfg[MDGPU_CFG_SIZE / 4];
	uint32_t regs[ARRAY_SIZE(snap_regs)];
	uint16_t dispi[16];
	uint8_t edid[MDGPU_BAR2_EDID_SIZE];
	struct vfio_region_gfx_edid hdr;
	uint8_t host_edid[MDGPU_BAR2_EDID_SIZE];
	struct vfio_device_gfx_plane_info plane;
};

static void snapshot(struct __test_metadata *_metadata, struct eng_vgpu *v,
		     struct snap *sn)
{
	int fd = v->g.v.device, r = edid_region(fd);
	size_t i;

	memset(sn, 0, sizeof(*sn));
	for (i = 0; i < ARRAY_SIZE(sn->cfg); i++)
		sn->cfg[i] = mdgpu_cfg_read32(fd, i * 4);
	for (i = 0; i < ARRAY_SIZE(snap_regs); i++)
		sn->regs[i] = rd(v, snap_regs[i]);
	for (i = 0; i < 16; i++)
		mdgpu_region_read(fd, VFIO_PCI_BAR2_REGION_INDEX,
				  MDGPU_DISPI_REG(i), &sn->dispi[i], 2);
	for (i = 0; i < MDGPU_BAR2_EDID_SIZE; i += 4)
		mdgpu_region_read(fd, VFIO_PCI_BAR2_REGION_INDEX,
				  MDGPU_BAR2_EDID + i, sn->edid + i, 4);
	ASSERT_LE(0, r) TH_LOG("no EDID region");
	ASSERT_EQ((ssize_t)sizeof(sn->hdr),
		  mdgpu_region_read(fd, r, 0, &sn->hdr, sizeof(sn->hdr)));
	ASSERT_EQ(MDGPU_BAR2_EDID_SIZE,
		  mdgpu_region_read(fd, r, sn->hdr.edid_offset, sn->host_edid,
				    MDGPU_BAR2_EDID_SIZE));
	sn->plane.argsz = sizeof(sn->plane);
	sn->plane.flags = VFIO_GFX_PLANE_TYPE_REGION;
	sn->plane.drm_plane_type = 1;	/* DRM_PLANE_TYPE_PRIMARY */
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, &sn->plane));
}

static void expect_same_snap(struct __test_metadata *_metadata,
			     const struct snap *a, const struct snap *b)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(a->cfg); i++)
		EXPECT_EQ(a->cfg[i], b->cfg[i]) TH_LOG("config 0x%zx", i * 4);
	for (i = 0; i < ARRAY_SIZE(snap_regs); i++)
		EXPECT_EQ(a->regs[i], b->regs[i])
			TH_LOG("register 0x%x", snap_regs[i]);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(a->dispi[i], b->dispi[i]) TH_LOG("DISPI %zu", i);
	EXPECT_EQ(0, memcmp(a->edid, b->edid, sizeof(a->edid)))
		TH_LOG("EDID window");
	EXPECT_EQ(a->hdr.edid_size, b->hdr.edid_size);
	EXPECT_EQ(a->hdr.link_state, b->hdr.link_state);
	EXPECT_EQ(a->hdr.max_xres, b->hdr.max_xres);
	EXPECT_EQ(a->hdr.max_yres, b->hdr.max_yres);
	EXPECT_EQ(0, memcmp(a->host_edid, b->host_edid, a->hdr.edid_size))
		TH_LOG("host EDID");
	EXPECT_EQ(a->plane.drm_format, b->plane.drm_format);
	EXPECT_EQ(a->plane.width, b->plane.width);
	EXPECT_EQ(a->plane.height, b->plane.height);
	EXPECT_EQ(a->plane.stride, b->plane.stride);
	EXPECT_EQ(a->plane.size, b->plane.size);
	EXPECT_EQ(a->plane.x_pos, b->plane.x_pos);
	EXPECT_EQ(a->plane.y_pos, b->plane.y_pos);
	EXPECT_EQ(a->plane.region_index, b->plane.region_index);
}

static void vbe(struct __test_metadata *_metadata, int fd, unsigned int index,
		uint16_t val)
{
	ASSERT_EQ(2, mdgpu_region_write(fd, VFIO_PCI_BAR2_REGION_INDEX,
					MDGPU_DISPI_REG(index), &val, 2));
}

/* Give A a state in every part the stream carries. */
static void dress(struct __test_metadata *_metadata, struct eng_vgpu *v)
{
	struct mdgpu *g = &v->g;
	int fd = g->v.device, r = edid_region(fd), i, k;
	uint8_t buf[128 * 1024], edid[2 * EDID_BLOCK];
	uint32_t dw[MDGPU_CMD_MAX_NDW], val;

	eng_random_bytes(buf, sizeof(buf), 11);
	eng_vram_write(g, 1 << 20, buf, sizeof(buf));
	eng_random_bytes(buf, 64 * 1024, 12);
	vram_pwrite(_metadata, fd, 20 << 20, buf, 64 * 1024);
	mdgpu_cmd_fill(dw, 30 << 20, 1000, 20, 4096, 0x3c3c3c3c);
	ENG_SUBMIT(g, dw, MDGPU_FILL_NDW);
	ENG_SYNC(g);
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_SCRATCH, 0xa5c3e1f0));

	/* 800x600, 32 bpp, 1024 pixels a line, panned down one line. */
	vbe(_metadata, fd, VBE_ENABLE, 0);
	vbe(_metadata, fd, VBE_BPP, 32);
	vbe(_metadata, fd, VBE_XRES, 800);
	vbe(_metadata, fd, VBE_YRES, 600);
	vbe(_metadata, fd, VBE_BANK, 0);
	vbe(_metadata, fd, VBE_VIRT_WIDTH, 1024);
	vbe(_metadata, fd, VBE_VIRT_HEIGHT, 601);
	vbe(_metadata, fd, VBE_X_OFFSET, 0);
	vbe(_metadata, fd, VBE_Y_OFFSET, 1);
	vbe(_metadata, fd, VBE_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
	EXPECT_EQ(MDGPU_DISPLAY_ENABLED,
		  rd(v, MDGPU_REG_DISPLAY_STATUS) & MDGPU_DISPLAY_ENABLED);

	/* A two-block monitor of our own, through the EDID region. */
	ASSERT_LE(0, r);
	for (k = 0; k < 2; k++) {
		uint8_t sum = 0;

		for (i = 0; i < EDID_BLOCK - 1; i++)
			edid[k * EDID_BLOCK + i] = 0x40 + k * 3 + i;
		for (i = 0; i < EDID_BLOCK - 1; i++)
			sum += edid[k * EDID_BLOCK + i];
		edid[k * EDID_BLOCK + EDID_BLOCK - 1] = -sum;
	}
	val = VFIO_DEVICE_GFX_LINK_STATE_DOWN;
	ASSERT_EQ(4, mdgpu_region_write(fd, r, EDID_LINK, &val, 4));
	ASSERT_EQ(sizeof(edid), mdgpu_region_write(fd, r, 0x100, edid,
						   sizeof(edid)));
	val = sizeof(edid);
	ASSERT_EQ(4, mdgpu_region_write(fd, r, EDID_SIZE, &val, 4));
	val = VFIO_DEVICE_GFX_LINK_STATE_UP;
	ASSERT_EQ(4, mdgpu_region_write(fd, r, EDID_LINK, &val, 4));

	g->irq_enable = MDGPU_IRQ_FENCE;
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_IRQ_MASK, g->irq_enable));
}

/*
 * A dressed instance with work queued (a COMPUTE, a FILL, an IRQ fence),
 * stopped, saved and resumed into a new instance on @parent: in STOP the
 * destination shows the same config space, registers, display, EDID,
 * plane and VRAM; its TIMESTAMP does not go back; run, it completes the
 * queued work like the source does.
 */
static void roundtrip(struct __test_metadata *_metadata,
		      struct mig_self *self, const char *parent)
{
	struct mdgpu *ga = &self->a.g, *gb = &self->b.g;
	struct mig_parser p = {};
	uint32_t dw[MDGPU_CMD_MAX_NDW], seq, done;
	uint8_t *ia, *ib;
	struct snap *sa, *sb;
	struct mig_buf s = {};
	uint64_t ts, tsb;

	if (!parent[0])
		SKIP(return, "one parent only");
	sa = calloc(1, sizeof(*sa));
	sb = calloc(1, sizeof(*sb));
	ASSERT_TRUE(sa && sb);
	dress(_metadata, &self->a);
	irq_quiesce(ga);
	open_dst(_metadata, self, parent, "64M", &self->b);

	done = rd(&self->a, MDGPU_REG_CMDS_DONE);
	mdgpu_cmd_compute(dw, 150000);
	put_cmd(_metadata, ga, dw, MDGPU_COMPUTE_NDW, false);
	mdgpu_cmd_fill(dw, 40 << 20, PAGE, 1, 0, 0x77777777);
	put_cmd(_metadata, ga, dw, MDGPU_FILL_NDW, false);
	seq = put_fence(_metadata, ga, MDGPU_FENCE_IRQ | MDGPU_FENCE_WRITE,
			ENG_SLOTS, true);
	ts = mdgpu_timestamp(ga);
	go(_metadata, &self->a, ST_STOP);
	snapshot(_metadata, &self->a, sa);
	save(_metadata, &self->a, &s, &p, CHUNK);
	ASSERT_OK(mig_parse_finish(&p)) TH_LOG("%s", p.why);
	ia = vram_image(_metadata, &self->a);

	resume_ok(_metadata, &self->b, s.p, s.len, 1 << 20);
	snapshot(_metadata, &self->b, sb);
	expect_same_snap(_metadata, sa, sb);
	ib = vram_image(_metadata, &self->b);
	expect_same_vram(_metadata, ia, ib, VRAM_64M, "VRAM of B vs A");

	adopt(_metadata, &self->b, &self->a);
	go(_metadata, &self->b, ST_RUNNING);
	tsb = mdgpu_timestamp(gb);
	EXPECT_LE(ts, tsb) TH_LOG("TIMESTAMP went back: %llu on A, %llu on B",
				  (unsigned long long)ts,
				  (unsigned long long)tsb);
	ASSERT_OK(wait_fence_poll(gb, seq, ENG_TIMEOUT_MS));
	EXPECT_EQ(done + 3, rd(&self->b, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(seq, vram32(&self->b, ENG_SLOTS));
	EXPECT_EQ(0x77777777, vram32(&self->b, (40 << 20) + PAGE - 4));
	mdgpu_cmd_timestamp(dw, ENG_SLOTS + 8);
	ENG_SUBMIT(gb, dw, MDGPU_TIMESTAMP_NDW);
	ENG_SYNC(gb);
	EXPECT_LE(ts, *(volatile uint64_t *)(gb->vram + ENG_SLOTS + 8))
		TH_LOG("TIMESTAMP command on B");

	go(_metadata, &self->a, ST_RUNNING);
	ASSERT_OK(mdgpu_wait_fence(ga, seq, ENG_TIMEOUT_MS));
	EXPECT_EQ(done + 3, rd(&self->a, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(0x77777777, vram32(&self->a, (40 << 20) + PAGE - 4));
	EXPECT_EQ(0, memcmp((const void *)(ga->vram + (40 << 20)),
			    (const void *)(gb->vram + (40 << 20)), PAGE))
		TH_LOG("A and B went on alike");
	free(ia);
	free(ib);
	free(sa);
	free(sb);
	mig_parse_free(&p);
	mig_buf_free(&s);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(migration, roundtrip_same_parent)
{
	roundtrip(_metadata, self, self->f.parent);
}

TEST_F(migration, roundtrip_other_parent)
{
	roundtrip(_metadata, self, self->other);
}

/* ------------------------------------------------------------------------
 * a command in progress
 */

#define MID_FILL_DST	0x100000ULL	/* 1 MiB */
/* FILL sizes of the attempts: a slower host is caught with a smaller one. */
#define MID_FILL_LEN(attempt)	((4u << 20) << (attempt))
#define MID_ATTEMPTS	4
#define MID_FILL_VAL	0x5eed1234u

/* The FILL's range holds its value, and its neighbours are untouched. */
static void check_fill(struct __test_metadata *_metadata, struct eng_vgpu *v,
		       uint32_t val, uint32_t len, const uint8_t *before,
		       const char *who)
{
	uint32_t *want = malloc(1 << 20);
	uint64_t off;
	int i;

	ASSERT_NE(NULL, want);
	for (i = 0; i < (1 << 18); i++)
		want[i] = val;
	for (off = 0; off < len; off += 1 << 20)
		EXPECT_EQ(0, memcmp((const void *)(v->g.vram + MID_FILL_DST +
						   off), want, 1 << 20))
			TH_LOG("%s: FILL MiB %llu", who,
			       (unsigned long long)(off >> 20));
	EXPECT_EQ(0, memcmp((const void *)(v->g.vram + MID_FILL_DST - PAGE),
			    before, PAGE)) TH_LOG("%s: page before", who);
	EXPECT_EQ(0, memcmp((const void *)(v->g.vram + MID_FILL_DST + len),
			    before + PAGE, PAGE))
		TH_LOG("%s: page after", who);
	free(want);
}

/* Read a parent's watchdog_ms into @old (if not NULL) and write @val. */
static int parent_watchdog(const char *parent, char *old, size_t len,
			   const char *val)
{
	char path[PATH_MAX];
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s/watchdog_ms",
		 mdgpu_parent_base(parent), parent);
	if (old)
		ret = mdgpu_read_file(path, old, len);
	return ret ?: mdgpu_write_file(path, val);
}

/* Wait for @seq on @v, logging the engine's error if it stopped on one. */
static void wait_done(struct __test_metadata *_metadata, struct eng_vgpu *v,
		      uint32_t seq, const char *who)
{
	struct mdgpu_error e;
	int ret = wait_fence_poll(&v->g, seq, ENG_TIMEOUT_MS);

	mdgpu_error(&v->g, &e);
	ASSERT_OK(ret) TH_LOG("%s: fence %u: ERR_CODE %u (%s) head 0x%x header 0x%08x",
			      who, seq, e.code, mdgpu_err_name(e.code),
			      e.head, e.header);
}

/*
 * Stop the source in the middle of a FILL of many chunks or a 250 ms
 * COMPUTE, with an IRQ fence behind it: HEAD is still at the command and
 * CMDS_DONE has not moved; the stream carries the command in progress.
 * Resumed on a new instance on @parent, the destination finishes it
 * exactly once (CMDS_DONE + 2 with the fence, fence written, pixels), and
 * so does the source when it runs again. The per-job watchdog is raised
 * for slow (debug) kernels: the test is about the migration, not it.
 */
static void mid_command(struct __test_metadata *_metadata,
			struct mig_self *self, bool fill, const char *parent)
{
	struct mdgpu *ga = &self->a.g, *gb = &self->b.g;
	struct seen sn = {};
	struct mig_parser p = { .record = seen_record, .priv = &sn };
	uint32_t dw[MDGPU_CMD_MAX_NDW], at, seq, done, fence0, hdr, val = 0;
	uint32_t len = 0;
	char wd[2][32] = { "", "" };
	uint8_t around[2 * PAGE];
	struct mig_buf s = {};
	int attempt;
	double t0;

	if (!parent[0])
		SKIP(return, "one parent only");
	ASSERT_OK(parent_watchdog(self->f.parent, wd[0], sizeof(wd[0]),
				  "60000"));
	if (strcmp(parent, self->f.parent))
		ASSERT_OK(parent_watchdog(parent, wd[1], sizeof(wd[1]),
					  "60000"));
	open_dst(_metadata, self, parent, "64M", &self->b);
	eng_random_bytes(around, sizeof(around), 21);
	eng_vram_write(ga, MID_FILL_DST - PAGE, around, PAGE);

	for (attempt = 0;; attempt++) {
		ENG_SYNC(ga);
		irq_quiesce(ga);
		done = rd(&self->a, MDGPU_REG_CMDS_DONE);
		fence0 = rd(&self->a, MDGPU_REG_FENCE_LAST);
		*(volatile uint32_t *)(ga->vram + ENG_SLOTS) = 0;
		if (fill) {
			val = MID_FILL_VAL + attempt;
			len = MID_FILL_LEN(attempt);
			eng_vram_write(ga, MID_FILL_DST + len, around + PAGE,
				       PAGE);
			mdgpu_cmd_fill(dw, MID_FILL_DST, len, 1, 0, val);
			at = put_cmd(_metadata, ga, dw, MDGPU_FILL_NDW, false);
		} else {
			mdgpu_cmd_compute(dw, 250000);
			at = put_cmd(_metadata, ga, dw, MDGPU_COMPUTE_NDW,
				     false);
		}
		hdr = dw[0];
		seq = put_fence(_metadata, ga,
				MDGPU_FENCE_IRQ | MDGPU_FENCE_WRITE, ENG_SLOTS,
				true);
		t0 = eng_now();
		if (fill) {
			while (vram32(&self->a, MID_FILL_DST) != val &&
			       eng_now() - t0 < 10)
				;
			ASSERT_EQ(val, vram32(&self->a, MID_FILL_DST))
				TH_LOG("the FILL did not start");
		} else {
			usleep(50000);
		}
		go(_metadata, &self->a, ST_STOP);
		if (rd(&self->a, MDGPU_REG_RING_HEAD) == at)
			break;
		/* A host so slow that the command ended first: again. */
		TH_LOG("the command ended %.3f s after the doorbell, before STOP",
		       eng_now() - t0);
		ASSERT_GT(MID_ATTEMPTS - 1, attempt);
		go(_metadata, &self->a, ST_RUNNING);
		wait_done(_metadata, &self->a, seq, "A, again");
	}
	EXPECT_EQ(done, rd(&self->a, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(fence0, rd(&self->a, MDGPU_REG_FENCE_LAST));
	if (fill)
		ASSERT_NE(val, vram32(&self->a, MID_FILL_DST + len - 4))
			TH_LOG("the FILL finished before STOP");

	save(_metadata, &self->a, &s, &p, CHUNK);
	ASSERT_OK(mig_parse_finish(&p)) TH_LOG("%s", p.why);
	EXPECT_EQ(1, sn.engine.cur_valid) TH_LOG("no command in progress");
	EXPECT_EQ(fill ? MDGPU_FILL_NDW : MDGPU_COMPUTE_NDW,
		  sn.engine.cur_ndw);
	EXPECT_EQ(hdr, le32toh(sn.engine.cur_dw[0]));
	EXPECT_EQ(at, le32toh(sn.engine.head));
	if (fill) {
		EXPECT_LT(0, le64toh(sn.engine.cur_done));
		EXPECT_GT(len, le64toh(sn.engine.cur_done));
	}
	TH_LOG("%s saved %.0f ms after the doorbell, %llu of %u done",
	       fill ? "FILL" : "COMPUTE", (eng_now() - t0) * 1000,
	       (unsigned long long)le64toh(sn.engine.cur_done),
	       fill ? len : 250000000);

	resume_ok(_metadata, &self->b, s.p, s.len, CHUNK);
	EXPECT_EQ(at, rd(&self->b, MDGPU_REG_RING_HEAD));
	EXPECT_EQ(done, rd(&self->b, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(fence0, rd(&self->b, MDGPU_REG_FENCE_LAST));
	if (fill) {
		EXPECT_EQ(val, vram32(&self->b, MID_FILL_DST));
		EXPECT_NE(val, vram32(&self->b, MID_FILL_DST + len - 4));
	}
	adopt(_metadata, &self->b, &self->a);
	go(_metadata, &self->b, ST_RUNNING);
	wait_done(_metadata, &self->b, seq, "B");
	usleep(50000);
	EXPECT_EQ(done + 2, rd(&self->b, MDGPU_REG_CMDS_DONE))
		TH_LOG("B: the command and the fence, once each");
	EXPECT_EQ(seq, rd(&self->b, MDGPU_REG_FENCE_LAST));
	EXPECT_EQ(seq, vram32(&self->b, ENG_SLOTS));
	EXPECT_EQ(gb->tail, rd(&self->b, MDGPU_REG_RING_HEAD));
	EXPECT_EQ(MDGPU_ENGINE_ENABLED, rd(&self->b, MDGPU_REG_ENGINE_STATUS));
	EXPECT_NE(0, rd(&self->b, MDGPU_REG_IRQ_STATUS) & MDGPU_IRQ_FENCE);
	EXPECT_EQ(1, mdgpu_irq_wait(gb, 1000)) TH_LOG("B's fence interrupt");
	if (fill)
		check_fill(_metadata, &self->b, val, len, around, "B");

	/* The source, run again, completes it independently. */
	go(_metadata, &self->a, ST_RUNNING);
	wait_done(_metadata, &self->a, seq, "A");
	usleep(50000);
	EXPECT_EQ(done + 2, rd(&self->a, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(seq, vram32(&self->a, ENG_SLOTS));
	EXPECT_EQ(ga->tail, rd(&self->a, MDGPU_REG_RING_HEAD));
	if (fill)
		check_fill(_metadata, &self->a, val, len, around, "A");
	ENG_SYNC(gb);
	ENG_SYNC(ga);
	EXPECT_OK(parent_watchdog(self->f.parent, NULL, 0, wd[0]));
	if (wd[1][0])
		EXPECT_OK(parent_watchdog(parent, NULL, 0, wd[1]));
	mig_parse_free(&p);
	mig_buf_free(&s);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(migration, mid_fill_same_parent)
{
	mid_command(_metadata, self, true, self->f.parent);
}

TEST_F(migration, mid_fill_other_parent)
{
	mid_command(_metadata, self, true, self->other);
}

TEST_F(migration, mid_compute_same_parent)
{
	mid_command(_metadata, self, false, self->f.parent);
}

TEST_F(migration, mid_compute_other_parent)
{
	mid_command(_metadata, self, false, self->other);
}

/* ------------------------------------------------------------------------
 * refused streams
 */

/* A good stream from A and a destination B on the same parent. */
static void refusal_setup(struct __test_metadata *_metadata,
			  struct mig_self *self, struct mig_buf *good)
{
	good_stream(_metadata, self, good);
	open_dst(_metadata, self, self->f.parent, "64M", &self->b);
}

/* A copy of @good with the header changed by @fix and the CRC fixed. */
static struct mig_buf with_header(struct __test_metadata *_metadata,
				  const struct mig_buf *good,
				  void (*fix)(struct mdgpu_mig_header *h))
{
	struct mig_buf m = {};

	EXPECT_OK(mig_buf_put(&m, good->p, good->len));
	fix((struct mdgpu_mig_header *)m.p);
	mig_fix_crc(m.p, m.len);
	return m;
}

/* Offset of the first record with @tag in a well-formed stream, or 0. */
static size_t find_record(const struct mig_buf *s, uint32_t tag)
{
	size_t off[256];
	int n = mig_record_offsets(s->p, s->len, off, 256), i;

	for (i = 0; i < n && i < 256; i++) {
		struct mdgpu_mig_record h;

		memcpy(&h, s->p + off[i], sizeof(h));
		if (le32toh(h.tag) == tag)
			return off[i];
	}
	return 0;
}

/* @good with a record inserted before END, the CRC recomputed. */
static struct mig_buf with_record(struct __test_metadata *_metadata,
				  const struct mig_buf *good, uint32_t tag,
				  uint32_t flags, size_t len)
{
	struct mig_buf m = {};
	uint8_t payload[256];

	memset(payload, 0x5a, sizeof(payload));
	EXPECT_OK(mig_buf_put(&m, good->p, good->len - MIG_END_LEN));
	EXPECT_OK(mig_put_record(&m, tag, flags, payload, len));
	EXPECT_OK(mig_put_end(&m));
	return m;
}

/* Kernel log records since the last call that contain @a and @b. */
static int kmsg_count(struct eng_fixture *f, const char *a, const char *b)
{
	char rec[2048];
	int n = 0;
	ssize_t r;

	for (;;) {
		r = read(f->kmsg, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			return n;
		rec[r] = '\0';
		if (strstr(rec, a) && strstr(rec, b))
			n++;
	}
}

/*
 * A refused stream leaves one line in the kernel log, naming the instance
 * (the log is rate-limited: this runs before the other refusal tests).
 */
TEST_F(migration, refusal_logs_one_line)
{
	struct mig_buf good = {}, m = {};

	ASSERT_LE(0, self->f.kmsg);
	refusal_setup(_metadata, self, &good);
	ASSERT_OK(mig_buf_put(&m, good.p, good.len));
	m.p[0] ^= 0xff;
	kmsg_count(&self->f, "", "");
	refused(_metadata, &self->b, m.p, m.len, CHUNK, EINVAL, 0, NULL,
		"bad magic");
	EXPECT_EQ(1, kmsg_count(&self->f, self->b.uuid, "migration"))
		TH_LOG("kernel log lines about the refusal");
	mig_buf_free(&m);
	mig_buf_free(&good);
}

static void bad_magic(struct mdgpu_mig_header *h)
{
	h->magic ^= htole64(0xff);
}

TEST_F(migration, refuse_bad_magic)
{
	struct mig_buf good = {}, m;

	refusal_setup(_metadata, self, &good);
	m = with_header(_metadata, &good, bad_magic);
	refused(_metadata, &self->b, m.p, m.len, CHUNK, EINVAL, 0, &good,
		"bad magic");
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

static void next_version(struct mdgpu_mig_header *h)
{
	h->version = htole32(MDGPU_MIG_VERSION + 1);
}

TEST_F(migration, refuse_other_version)
{
	struct mig_buf good = {}, m;

	refusal_setup(_metadata, self, &good);
	m = with_header(_metadata, &good, next_version);
	refused(_metadata, &self->b, m.p, m.len, CHUNK, EPROTONOSUPPORT, 0,
		&good, "version + 1");
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

static void type_128m(struct mdgpu_mig_header *h)
{
	memset(h->compat.type, 0, sizeof(h->compat.type));
	snprintf(h->compat.type, sizeof(h->compat.type), "mdgpu-128M");
}

static void vram_128m(struct mdgpu_mig_header *h)
{
	h->compat.vram_size = htole64(128ULL << 20);
}

static void max_4k(struct mdgpu_mig_header *h)
{
	h->compat.max_width = htole32(3840);
	h->compat.max_height = htole32(2160);
}

static void layout_next(struct mdgpu_mig_header *h)
{
	h->compat.regs_layout = htole32(MDGPU_MIG_REGS_LAYOUT + 1);
}

static void feature_new(struct mdgpu_mig_header *h)
{
	h->compat.features |= htole32(1u << 7);
}

static void regs_8k(struct mdgpu_mig_header *h)
{
	h->compat.regs_size = htole32(2 * MDGPU_REGS_SIZE);
}

/*
 * A destination unlike the source: another type, VRAM size, a larger
 * maximum resolution, another register layout or size, a feature it
 * lacks. Each EOPNOTSUPP.
 */
TEST_F(migration, refuse_incompatible_compat)
{
	static const struct {
		void (*fix)(struct mdgpu_mig_header *h);
		const char *what;
	} c[] = {
		{ type_128m, "type mdgpu-128M" },
		{ vram_128m, "vram 128 MiB" },
		{ max_4k, "max 3840x2160" },
		{ layout_next, "register layout + 1" },
		{ regs_8k, "8 KiB of registers" },
		{ feature_new, "unknown feature" },
	};
	struct mig_buf good = {}, m;
	size_t i;

	refusal_setup(_metadata, self, &good);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		m = with_header(_metadata, &good, c[i].fix);
		refused(_metadata, &self->b, m.p, m.len, CHUNK, EOPNOTSUPP, 0,
			&good, c[i].what);
		mig_buf_free(&m);
	}
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* A real 64M stream into a 128M instance. */
TEST_F(migration, refuse_64M_into_128M)
{
	struct mig_buf good = {};
	struct eng_vgpu c = { .g = { .v = MDGPU_VFIO_INIT } };

	if (!mdgpu_type_registered(self->f.parent, "128M"))
		SKIP(return, "no mdgpu-128M on %s", self->f.parent);
	good_stream(_metadata, self, &good);
	open_dst(_metadata, self, self->f.parent, "128M", &c);
	refused(_metadata, &c, good.p, good.len, CHUNK, EOPNOTSUPP, 0, NULL,
		"64M stream into 128M");
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * Streams cut short: nothing, inside the header, right after it, inside a
 * record header, inside a VRAM page, without END, inside END. The writes
 * are taken; RESUMING -> STOP fails with EBADMSG.
 */
TEST_F(migration, refuse_truncated)
{
	struct mig_buf good = {};
	size_t cut[8], vram, i;
	const size_t hdr = sizeof(struct mdgpu_mig_header);
	char what[64];

	refusal_setup(_metadata, self, &good);
	vram = find_record(&good, MDGPU_MIG_TAG_VRAM);
	ASSERT_NE(0, vram);
	cut[0] = 0;
	cut[1] = 1;
	cut[2] = hdr - 1;
	cut[3] = hdr;
	cut[4] = hdr + 8;
	cut[5] = vram + MIG_REC_HDR + 8 + 100;
	cut[6] = good.len - MIG_END_LEN;
	cut[7] = good.len - 1;
	for (i = 0; i < ARRAY_SIZE(cut); i++) {
		snprintf(what, sizeof(what), "cut at %zu of %zu", cut[i],
			 good.len);
		refused(_metadata, &self->b, good.p, cut[i], CHUNK, EBADMSG, 0,
			&good, what);
	}
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* One byte of a VRAM page flipped: the CRC finds it (EBADMSG). */
TEST_F(migration, refuse_flipped_vram_byte)
{
	struct mig_buf good = {}, m = {};
	size_t vram;

	refusal_setup(_metadata, self, &good);
	vram = find_record(&good, MDGPU_MIG_TAG_VRAM);
	ASSERT_NE(0, vram);
	ASSERT_OK(mig_buf_put(&m, good.p, good.len));
	m.p[vram + MIG_REC_HDR + 8 + 1234] ^= 0x10;
	refused(_metadata, &self->b, m.p, m.len, CHUNK, EBADMSG, 0, &good,
		"flipped VRAM byte");
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * A flipped bit in a record header's length: wrong for the tag (EINVAL),
 * or a stream that no longer adds up (EBADMSG).
 */
TEST_F(migration, refuse_flipped_record_length)
{
	static const uint64_t flip[] = { 1, 0x100, 1ULL << 40 };
	struct mig_buf good = {}, m = {};
	size_t regs, i;
	uint64_t len;
	char what[64];

	refusal_setup(_metadata, self, &good);
	regs = find_record(&good, MDGPU_MIG_TAG_REGS);
	ASSERT_NE(0, regs);
	for (i = 0; i < ARRAY_SIZE(flip); i++) {
		m.len = 0;
		ASSERT_OK(mig_buf_put(&m, good.p, good.len));
		memcpy(&len, m.p + regs + 8, 8);
		len = htole64(le64toh(len) ^ flip[i]);
		memcpy(m.p + regs + 8, &len, 8);
		snprintf(what, sizeof(what), "REGS length ^ 0x%llx",
			 (unsigned long long)flip[i]);
		refused(_metadata, &self->b, m.p, m.len, CHUNK, EINVAL, EBADMSG,
			&good, what);
	}
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* A record with an unknown tag and no OPTIONAL flag (EINVAL). */
TEST_F(migration, refuse_unknown_mandatory_record)
{
	struct mig_buf good = {}, m;

	refusal_setup(_metadata, self, &good);
	m = with_record(_metadata, &good, 0x1234, 0, 40);
	refused(_metadata, &self->b, m.p, m.len, CHUNK, EINVAL, 0, &good,
		"unknown mandatory record");
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* An unknown OPTIONAL record is skipped: the stream resumes. */
TEST_F(migration, accept_unknown_optional_record)
{
	struct mig_buf good = {}, m;

	refusal_setup(_metadata, self, &good);
	m = with_record(_metadata, &good, 0x1235, MDGPU_MIG_REC_OPTIONAL, 200);
	resume_ok(_metadata, &self->b, m.p, m.len, CHUNK);
	check_good(_metadata, &self->b);
	go(_metadata, &self->b, ST_RUNNING);
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* Bytes after END: one, or a whole record (EBADMSG). */
TEST_F(migration, refuse_bytes_after_end)
{
	struct mig_buf good = {}, m = {};
	uint8_t zero[8] = {};

	refusal_setup(_metadata, self, &good);
	ASSERT_OK(mig_buf_put(&m, good.p, good.len));
	ASSERT_OK(mig_buf_put(&m, zero, 1));
	refused(_metadata, &self->b, m.p, m.len, CHUNK, EBADMSG, 0, &good,
		"one byte after END");
	m.len = good.len;
	ASSERT_OK(mig_put_record(&m, MDGPU_MIG_TAG_SCHED,
				 MDGPU_MIG_REC_OPTIONAL, zero, 0));
	refused(_metadata, &self->b, m.p, m.len, CHUNK, EBADMSG, 0, &good,
		"a record after END");
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* A VRAM record outside BAR0, or not page-aligned (EINVAL). */
TEST_F(migration, refuse_bad_vram_offset)
{
	static const uint64_t at[] = { VRAM_64M, VRAM_64M - PAGE, 4 };
	struct mig_buf good = {}, m = {};
	struct mdgpu_mig_record h;
	uint64_t off;
	size_t vram, i;
	char what[64];

	refusal_setup(_metadata, self, &good);
	vram = find_record(&good, MDGPU_MIG_TAG_VRAM);
	ASSERT_NE(0, vram);
	memcpy(&h, good.p + vram, sizeof(h));
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		/* VRAM_64M - PAGE with more than one page runs past the end. */
		if (at[i] == VRAM_64M - PAGE && le64toh(h.len) < 8 + 2 * PAGE)
			continue;
		m.len = 0;
		ASSERT_OK(mig_buf_put(&m, good.p, good.len));
		off = htole64(at[i]);
		memcpy(m.p + vram + MIG_REC_HDR, &off, 8);
		mig_fix_crc(m.p, m.len);
		snprintf(what, sizeof(what), "VRAM record at 0x%llx",
			 (unsigned long long)at[i]);
		refused(_metadata, &self->b, m.p, m.len, CHUNK, EINVAL, 0,
			&good, what);
	}
	mig_buf_free(&m);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* The good stream written one byte at a time, then in odd pieces. */
TEST_F(migration, resume_any_write_split)
{
	struct mig_buf good = {};

	refusal_setup(_metadata, self, &good);
	resume_ok(_metadata, &self->b, good.p, good.len, 1);
	check_good(_metadata, &self->b);
	go(_metadata, &self->b, ST_RUNNING);
	resume_ok(_metadata, &self->b, good.p, good.len, 4099);
	check_good(_metadata, &self->b);
	go(_metadata, &self->b, ST_RUNNING);
	TH_LOG("%zu bytes written one by one", good.len);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* ------------------------------------------------------------------------
 * reset in a data state
 */

/* The data fd of an ended session gives no data, however often read. */
static void expect_disconnected(struct __test_metadata *_metadata, int fd,
				const char *what)
{
	char buf[256];
	int i;

	for (i = 0; i < 3; i++)
		EXPECT_GE(0, read(fd, buf, sizeof(buf)))
			TH_LOG("%s: data after the reset", what);
}

/* After a reset: power-on registers and VRAM, engine usable, saves again. */
static void expect_fresh(struct __test_metadata *_metadata,
			 struct eng_vgpu *v, uint32_t resets)
{
	struct mig_parser p = {};
	struct mig_buf s = {};

	check_state(_metadata, v, ST_RUNNING, "after VFIO_DEVICE_RESET");
	EXPECT_EQ(0, rd(v, MDGPU_REG_SCRATCH));
	EXPECT_LT(resets, rd(v, MDGPU_REG_RESET_COUNT));
	EXPECT_EQ(0, vram32(v, 1 << 20));
	ASSERT_OK(mdgpu_device_reset(&v->g));
	ENG_SYNC(&v->g);
	save(_metadata, v, &s, &p, CHUNK);
	EXPECT_OK(mig_parse_finish(&p)) TH_LOG("%s", p.why);
	go(_metadata, v, ST_RUNNING);
	mig_parse_free(&p);
	mig_buf_free(&s);
}

TEST_F(migration, reset_during_stop_copy)
{
	struct mdgpu *g = &self->a.g;
	uint32_t resets;
	uint8_t buf[100];
	int fd;

	*(volatile uint32_t *)(g->vram + (1 << 20)) = 0xdeadbeef;
	ASSERT_OK(mdgpu_wr(g, MDGPU_REG_SCRATCH, 0x1111));
	resets = rd(&self->a, MDGPU_REG_RESET_COUNT);
	fd = go_fd(_metadata, &self->a, ST_STOP_COPY);
	ASSERT_EQ(100, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, ioctl(g->v.device, VFIO_DEVICE_RESET));
	expect_disconnected(_metadata, fd, "STOP_COPY");
	close(fd);
	expect_fresh(_metadata, &self->a, resets);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(migration, reset_during_pre_copy)
{
	struct mdgpu *g = &self->a.g;
	struct vfio_precopy_info in;
	uint32_t resets;
	uint8_t buf[100];
	int fd;

	if (!self->precopy)
		SKIP(return, "no PRE_COPY on kernel %s", no_precopy());
	*(volatile uint32_t *)(g->vram + (1 << 20)) = 0xdeadbeef;
	resets = rd(&self->a, MDGPU_REG_RESET_COUNT);
	fd = go_fd(_metadata, &self->a, ST_PRE_COPY);
	ASSERT_LT(0, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, ioctl(g->v.device, VFIO_DEVICE_RESET));
	expect_disconnected(_metadata, fd, "PRE_COPY");
	EXPECT_NE(0, mdgpu_mig_precopy_info(fd, &in)) TH_LOG("info after the reset");
	close(fd);
	expect_fresh(_metadata, &self->a, resets);
	eng_check_kmsg(_metadata, &self->f);
}

TEST_F(migration, reset_during_resuming)
{
	struct mig_buf good = {};
	size_t done;
	char c = 0;
	int fd;

	refusal_setup(_metadata, self, &good);
	fd = go_fd(_metadata, &self->b, ST_RESUMING);
	ASSERT_OK(mig_write_fd(fd, good.p, good.len / 2, CHUNK, &done));
	ASSERT_EQ(0, ioctl(self->b.g.v.device, VFIO_DEVICE_RESET));
	check_state(_metadata, &self->b, ST_RUNNING, "after the reset");
	EXPECT_EQ(-1, write(fd, &c, 1)) TH_LOG("write after the reset");
	expect_disconnected(_metadata, fd, "RESUMING");
	close(fd);
	EXPECT_EQ(0, rd(&self->b, MDGPU_REG_SCRATCH));
	ASSERT_OK(mdgpu_wr(&self->b.g, MDGPU_REG_SCRATCH, 7));
	EXPECT_EQ(7, rd(&self->b, MDGPU_REG_SCRATCH));
	resume_ok(_metadata, &self->b, good.p, good.len, CHUNK);
	check_good(_metadata, &self->b);
	go(_metadata, &self->b, ST_RUNNING);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/* ------------------------------------------------------------------------
 * parked
 */

/*
 * Closed in STOP after a successful RESUMING -> STOP, an instance is
 * "parked": opened again it runs from the restored state, VRAM included.
 */
TEST_F(migration, parked_after_resume)
{
	struct mig_buf good = {};
	uint32_t cfg[MDGPU_CFG_SIZE / 4], tail, done;
	int i;

	refusal_setup(_metadata, self, &good);
	for (i = 0; i < MDGPU_CFG_SIZE / 4; i++)
		cfg[i] = mdgpu_cfg_read32(self->a.g.v.device, i * 4);
	tail = rd(&self->a, MDGPU_REG_RING_TAIL);
	done = rd(&self->a, MDGPU_REG_CMDS_DONE);
	resume_ok(_metadata, &self->b, good.p, good.len, CHUNK);
	check_sysfs(_metadata, self->b.uuid, "stop");
	mdgpu_detach(&self->b.g);
	check_sysfs(_metadata, self->b.uuid, "parked");

	ASSERT_OK(mdgpu_attach(&self->b.g, self->b.uuid, MDGPU_OPEN_GROUP));
	check_state(_metadata, &self->b, ST_RUNNING, "reopened");
	check_sysfs(_metadata, self->b.uuid, "running");
	check_good(_metadata, &self->b);
	for (i = 0; i < MDGPU_CFG_SIZE / 4; i++)
		EXPECT_EQ(cfg[i], mdgpu_cfg_read32(self->b.g.v.device, i * 4))
			TH_LOG("config 0x%x", i * 4);
	EXPECT_EQ(tail, rd(&self->b, MDGPU_REG_RING_HEAD));
	EXPECT_EQ(tail, rd(&self->b, MDGPU_REG_RING_TAIL));
	EXPECT_EQ(done, rd(&self->b, MDGPU_REG_CMDS_DONE));
	EXPECT_EQ(ENG_RING, rd(&self->b, MDGPU_REG_RING_BASE_LO));
	adopt(_metadata, &self->b, &self->a);
	ENG_SYNC(&self->b.g);
	mig_buf_free(&good);
	eng_check_kmsg(_metadata, &self->f);
}

/*
 * Any other close discards the state as before: in RUNNING, and in STOP
 * without a resume. sysfs says "closed".
 */
TEST_F(migration, close_without_resume_discards)
{
	static const uint32_t states[] = { ST_RUNNING, ST_STOP };
	struct mdgpu *g = &self->a.g;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(states); i++) {
		*(volatile uint32_t *)(g->vram + (1 << 20)) = 0xdeadbeef;
		ASSERT_OK(mdgpu_wr(g, MDGPU_REG_SCRATCH, 0x2222));
		if (states[i] != ST_RUNNING)
			go(_metadata, &self->a, states[i]);
		mdgpu_detach(g);
		check_sysfs(_metadata, self->a.uuid, "closed");
		ASSERT_OK(mdgpu_attach(g, self->a.uuid, MDGPU_OPEN_GROUP));
		check_state(_metadata, &self->a, ST_RUNNING, "reopened");
		EXPECT_EQ(0, rd(&self->a, MDGPU_REG_SCRATCH));
		EXPECT_EQ(0, vram32(&self->a, 1 << 20));
	}
	eng_check_kmsg(_metadata, &self->f);
}

TEST_HARNESS_MAIN
