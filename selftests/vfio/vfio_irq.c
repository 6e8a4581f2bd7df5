// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu interrupts: GET_IRQ_INFO, eventfd triggers set with SET_IRQS, INTx
 * automasking, refused SET_IRQS calls (which must change nothing), races
 * between SET_IRQS, triggers and config writes, and the request interrupt
 * that asks the user to let go when the instance is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "mdgpu_harness.h"

#define INTX	VFIO_PCI_INTX_IRQ_INDEX
#define MSI	VFIO_PCI_MSI_IRQ_INDEX
#define MSIX	VFIO_PCI_MSIX_IRQ_INDEX
#define ERR	VFIO_PCI_ERR_IRQ_INDEX
#define REQ	VFIO_PCI_REQ_IRQ_INDEX

#define DATA_NONE	VFIO_IRQ_SET_DATA_NONE
#define DATA_BOOL	VFIO_IRQ_SET_DATA_BOOL
#define DATA_EVENTFD	VFIO_IRQ_SET_DATA_EVENTFD
#define MASK		VFIO_IRQ_SET_ACTION_MASK
#define UNMASK		VFIO_IRQ_SET_ACTION_UNMASK
#define TRIGGER		VFIO_IRQ_SET_ACTION_TRIGGER

FIXTURE(irq) {
	struct mdgpu_inst in;
};

FIXTURE_VARIANT(irq) {
	bool cdev;
};

FIXTURE_VARIANT_ADD(irq, group) { .cdev = false };
FIXTURE_VARIANT_ADD(irq, cdev) { .cdev = true };

FIXTURE_SETUP(irq)
{
	mdgpu_inst_setup(_metadata, &self->in, 0, variant->cdev);
}

FIXTURE_TEARDOWN_PARENT(irq)
{
	mdgpu_inst_teardown(_metadata, &self->in);
}

#define DEV(self)	((self)->in.v.device)

/* How many times @efd was signalled since the last call. */
static uint64_t signals(int efd)
{
	uint64_t n;

	if (mdgpu_eventfd_count(efd, &n))
		return ~0ULL;
	return n;
}

static int new_eventfd(struct __test_metadata *_metadata)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	return efd;
}

static int intx_unmask(int fd)
{
	return mdgpu_irq_set(fd, INTX, DATA_NONE | UNMASK, 0, 1, NULL, 0);
}

static bool intx_status(int fd)
{
	return mdgpu_cfg_read32(fd, PCI_COMMAND) >> 16 & PCI_STATUS_INTERRUPT;
}

TEST_F(irq, irq_info)
{
	static const struct {
		uint32_t count;
		uint32_t flags;
	} want[] = {
		[INTX] = { 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			      VFIO_IRQ_INFO_AUTOMASKED },
		[MSI] = { 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE },
		[MSIX] = { 0, 0 },
		[ERR] = { 1, VFIO_IRQ_INFO_EVENTFD },
		[REQ] = { 1, VFIO_IRQ_INFO_EVENTFD },
	};
	struct vfio_irq_info info;
	uint32_t i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		memset(&info, 0xa5, sizeof(info));
		info.argsz = sizeof(info);
		info.index = i;
		ASSERT_OK(ioctl(DEV(self), VFIO_DEVICE_GET_IRQ_INFO, &info));
		EXPECT_EQ(i, info.index);
		EXPECT_EQ(want[i].count, info.count) TH_LOG("index %u", i);
		/* ERR and REQ may or may not say NORESIZE. */
		EXPECT_EQ(want[i].flags,
			  info.flags & ~(i >= ERR ? VFIO_IRQ_INFO_NORESIZE : 0))
			TH_LOG("index %u flags 0x%x", i, info.flags);
	}
}

TEST_F(irq, irq_info_refused)
{
	const uint32_t bad_index[] = { 5, 6, 0x7fffffff, 0xffffffff };
	struct vfio_irq_info info;
	uint32_t i;

	for (i = 0; i < ARRAY_SIZE(bad_index); i++) {
		memset(&info, 0, sizeof(info));
		info.argsz = sizeof(info);
		info.index = bad_index[i];
		EXPECT_EQ(-1, ioctl(DEV(self), VFIO_DEVICE_GET_IRQ_INFO, &info));
		EXPECT_EQ(EINVAL, errno) TH_LOG("index %u", bad_index[i]);
		EXPECT_EQ(0, info.count);
	}
	for (i = 0; i < sizeof(info); i += 4) {
		memset(&info, 0, sizeof(info));
		info.argsz = i;
		info.index = INTX;
		EXPECT_EQ(-1, ioctl(DEV(self), VFIO_DEVICE_GET_IRQ_INFO, &info));
		EXPECT_EQ(EINVAL, errno) TH_LOG("argsz %u", i);
		EXPECT_EQ(0, info.count);
	}
}

/* Every index with a vector delivers through its eventfd. */
TEST_F(irq, trigger_each_index)
{
	static const uint32_t idx[] = { INTX, MSI, ERR, REQ };
	int fd = DEV(self);
	uint8_t yes = 1, no = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		int efd = new_eventfd(_metadata);

		ASSERT_OK(mdgpu_irq_set_eventfd(fd, idx[i], efd));
		EXPECT_EQ(0, signals(efd)) TH_LOG("index %u", idx[i]);
		ASSERT_OK(mdgpu_irq_fire(fd, idx[i]));
		EXPECT_EQ(1, signals(efd)) TH_LOG("index %u", idx[i]);
		if (idx[i] == INTX)
			ASSERT_OK(intx_unmask(fd));

		/* DATA_BOOL fires for true only. */
		ASSERT_OK(mdgpu_irq_set(fd, idx[i], DATA_BOOL | TRIGGER, 0, 1,
					&no, 1));
		EXPECT_EQ(0, signals(efd)) TH_LOG("index %u", idx[i]);
		ASSERT_OK(mdgpu_irq_set(fd, idx[i], DATA_BOOL | TRIGGER, 0, 1,
					&yes, 1));
		EXPECT_EQ(1, signals(efd)) TH_LOG("index %u", idx[i]);
		if (idx[i] == INTX)
			ASSERT_OK(intx_unmask(fd));

		/* fd -1 unregisters... */
		ASSERT_OK(mdgpu_irq_set_eventfd(fd, idx[i], -1));
		ASSERT_OK(mdgpu_irq_fire(fd, idx[i]));
		EXPECT_EQ(0, signals(efd)) TH_LOG("index %u", idx[i]);
		if (idx[i] == INTX)
			ASSERT_OK(intx_unmask(fd));

		/* ...and so does count 0 with DATA_NONE. */
		ASSERT_OK(mdgpu_irq_set_eventfd(fd, idx[i], efd));
		ASSERT_OK(mdgpu_irq_set(fd, idx[i], DATA_NONE | TRIGGER, 0, 0,
					NULL, 0));
		ASSERT_OK(mdgpu_irq_fire(fd, idx[i]));
		EXPECT_EQ(0, signals(efd)) TH_LOG("index %u", idx[i]);
		if (idx[i] == INTX)
			ASSERT_OK(intx_unmask(fd));
		close(efd);
	}
}

/* Replacing an eventfd moves delivery to the new one. */
TEST_F(irq, trigger_replaced)
{
	int a = new_eventfd(_metadata), b = new_eventfd(_metadata);
	int fd = DEV(self);

	ASSERT_OK(mdgpu_irq_set_eventfd(fd, MSI, a));
	ASSERT_OK(mdgpu_irq_set_eventfd(fd, MSI, b));
	ASSERT_OK(mdgpu_irq_fire(fd, MSI));
	EXPECT_EQ(0, signals(a));
	EXPECT_EQ(1, signals(b));
	close(a);
	close(b);
}

TEST_F(irq, intx_automask)
{
	int efd = new_eventfd(_metadata);
	int fd = DEV(self);
	uint8_t yes = 1;

	ASSERT_OK(mdgpu_irq_set_eventfd(fd, INTX, efd));
	EXPECT_FALSE(intx_status(fd));

	/* Fires once, then stays masked: a second fire is held back. */
	ASSERT_OK(mdgpu_irq_fire(fd, INTX));
	EXPECT_EQ(1, signals(efd));
	EXPECT_TRUE(intx_status(fd));
	ASSERT_OK(mdgpu_irq_fire(fd, INTX));
	EXPECT_EQ(0, signals(efd));

	/* Unmask delivers the held-back one (and masks again). */
	ASSERT_OK(intx_unmask(fd));
	EXPECT_EQ(1, signals(efd));
	EXPECT_TRUE(intx_status(fd));

	/* Nothing pending: unmask delivers nothing and deasserts. */
	ASSERT_OK(intx_unmask(fd));
	EXPECT_EQ(0, signals(efd));
	EXPECT_FALSE(intx_status(fd));
	ASSERT_OK(mdgpu_irq_fire(fd, INTX));
	EXPECT_EQ(1, signals(efd));
	ASSERT_OK(intx_unmask(fd));

	/* An explicit mask holds interrupts back the same way. */
	ASSERT_OK(mdgpu_irq_set(fd, INTX, DATA_NONE | MASK, 0, 1, NULL, 0));
	ASSERT_OK(mdgpu_irq_fire(fd, INTX));
	EXPECT_EQ(0, signals(efd));
	ASSERT_OK(mdgpu_irq_set(fd, INTX, DATA_BOOL | UNMASK, 0, 1, &yes, 1));
	EXPECT_EQ(1, signals(efd));
	close(efd);
}

struct bad_set {
	const char *what;
	uint32_t index;
	uint32_t flags;
	uint32_t start;
	uint32_t count;
	int32_t fd;		/* data for DATA_EVENTFD; DATA_BOOL sends 1 */
	int argsz_delta;	/* added to the correct argsz */
	int err;
};

#define FD_DEVNULL	(-100)	/* replaced by an fd that is no eventfd */
#define FD_CLOSED	(-101)	/* replaced by an fd number not open */

static const struct bad_set bad_sets[] = {
	{ "two data types", MSI, DATA_NONE | DATA_BOOL | TRIGGER, 0, 1, 0, 0, EINVAL },
	{ "two actions", INTX, DATA_NONE | MASK | TRIGGER, 0, 1, 0, 0, EINVAL },
	{ "no data type", MSI, TRIGGER, 0, 1, 0, 0, EINVAL },
	{ "no action", MSI, DATA_NONE, 0, 1, 0, 0, EINVAL },
	{ "unknown flag", MSI, DATA_NONE | TRIGGER | (1 << 6), 0, 1, 0, 0, EINVAL },
	{ "top flag bit", MSI, DATA_NONE | TRIGGER | (1U << 31), 0, 1, 0, 0, EINVAL },
	{ "start+count overflows", MSI, DATA_NONE | TRIGGER, 1, 0xffffffff, 0, 0, EINVAL },
	{ "start+count overflows (eventfd)", MSI, DATA_EVENTFD | TRIGGER, 1,
	  0xffffffff, 0, 0, EINVAL },
	{ "start past the end", MSI, DATA_NONE | TRIGGER, 0xffffffff, 1, 0, 0, EINVAL },
	{ "start 1", MSI, DATA_NONE | TRIGGER, 1, 1, 0, 0, EINVAL },
	{ "count 2", MSI, DATA_NONE | TRIGGER, 0, 2, 0, 0, EINVAL },
	{ "count 2 (eventfd)", MSI, DATA_EVENTFD | TRIGGER, 0, 2, 0, 0, EINVAL },
	{ "index 5", 5, DATA_NONE | TRIGGER, 0, 1, 0, 0, EINVAL },
	{ "index ~0", 0xffffffff, DATA_NONE | TRIGGER, 0, 1, 0, 0, EINVAL },
	{ "MSI-X has no vectors", MSIX, DATA_NONE | TRIGGER, 0, 1, 0, 0, EINVAL },
	{ "MSI-X eventfd", MSIX, DATA_EVENTFD | TRIGGER, 0, 1, 0, 0, EINVAL },
	{ "argsz short of the header", MSI, DATA_NONE | TRIGGER, 0, 1, 0, -1, EINVAL },
	{ "argsz zero", MSI, DATA_NONE | TRIGGER, 0, 1, 0, -20, EINVAL },
	{ "argsz without the data", MSI, DATA_EVENTFD | TRIGGER, 0, 1, 0, -4, EINVAL },
	{ "argsz with half the data", MSI, DATA_EVENTFD | TRIGGER, 0, 1, 0, -2, EINVAL },
	{ "mask MSI", MSI, DATA_NONE | MASK, 0, 1, 0, 0, EINVAL },
	{ "unmask MSI", MSI, DATA_NONE | UNMASK, 0, 1, 0, 0, EINVAL },
	{ "unmask INTx through an eventfd", INTX, DATA_EVENTFD | UNMASK, 0, 1, 0, 0, EINVAL },
	{ "eventfd -2", MSI, DATA_EVENTFD | TRIGGER, 0, 1, -2, 0, EINVAL },
	{ "not an eventfd", MSI, DATA_EVENTFD | TRIGGER, 0, 1, FD_DEVNULL, 0, EINVAL },
	{ "closed fd", MSI, DATA_EVENTFD | TRIGGER, 0, 1, FD_CLOSED, 0, EBADF },
	{ "INTx eventfd -2", INTX, DATA_EVENTFD | TRIGGER, 0, 1, -2, 0, EINVAL },
	{ "INTx start+count overflows", INTX, DATA_NONE | UNMASK, 1, 0xffffffff, 0, 0, EINVAL },
};

static int set_irqs_raw(int fd, const struct bad_set *b, int32_t efd)
{
	struct {
		struct vfio_irq_set hdr;
		int32_t data[4];
	} buf;
	uint32_t data_len = 0;

	memset(&buf, 0, sizeof(buf));
	if (b->flags & DATA_EVENTFD)
		data_len = 4;
	else if (b->flags & DATA_BOOL)
		data_len = 1;
	buf.hdr.argsz = sizeof(buf.hdr) + data_len + b->argsz_delta;
	buf.hdr.flags = b->flags;
	buf.hdr.index = b->index;
	buf.hdr.start = b->start;
	buf.hdr.count = b->count;
	buf.data[0] = efd;
	if (b->flags & DATA_BOOL)
		buf.data[0] = 1;
	return ioctl(fd, VFIO_DEVICE_SET_IRQS, &buf) ? -errno : 0;
}

/* Each refused call fails with the right errno and changes nothing. */
TEST_F(irq, set_irqs_refused)
{
	int msi = new_eventfd(_metadata), intx = new_eventfd(_metadata);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int closed = dup(msi);
	int fd = DEV(self);
	size_t i;

	ASSERT_LE(0, devnull);
	ASSERT_LE(0, closed);
	close(closed);
	ASSERT_OK(mdgpu_irq_set_eventfd(fd, MSI, msi));
	ASSERT_OK(mdgpu_irq_set_eventfd(fd, INTX, intx));

	for (i = 0; i < ARRAY_SIZE(bad_sets); i++) {
		const struct bad_set *b = &bad_sets[i];
		int32_t efd = b->fd;

		if (efd == FD_DEVNULL)
			efd = devnull;
		else if (efd == FD_CLOSED)
			efd = closed;
		EXPECT_EQ(-b->err, set_irqs_raw(fd, b, efd)) TH_LOG("%s", b->what);

		/* Nothing fired, and both eventfds are still in place. */
		EXPECT_EQ(0, signals(msi)) TH_LOG("after %s", b->what);
		EXPECT_EQ(0, signals(intx)) TH_LOG("after %s", b->what);
		EXPECT_FALSE(intx_status(fd)) TH_LOG("after %s", b->what);
		ASSERT_OK(mdgpu_irq_fire(fd, MSI));
		EXPECT_EQ(1, signals(msi)) TH_LOG("after %s", b->what);
		ASSERT_OK(mdgpu_irq_fire(fd, INTX));
		EXPECT_EQ(1, signals(intx)) TH_LOG("after %s", b->what);
		/* A reset clears INTx masking, so one failure stays one. */
		ASSERT_OK(ioctl(fd, VFIO_DEVICE_RESET));
		signals(msi);
		signals(intx);
	}
	close(devnull);
	close(msi);
	close(intx);
}

/* The driver holds its own reference: closing the eventfd is harmless. */
TEST_F(irq, eventfd_closed_by_user)
{
	int efd = new_eventfd(_metadata), other;
	int fd = DEV(self);

	ASSERT_OK(mdgpu_irq_set_eventfd(fd, MSI, efd));
	ASSERT_OK(mdgpu_irq_set_eventfd(fd, ERR, efd));
	close(efd);
	ASSERT_OK(mdgpu_irq_fire(fd, MSI));
	ASSERT_OK(mdgpu_irq_fire(fd, ERR));
	other = new_eventfd(_metadata);
	ASSERT_OK(mdgpu_irq_set_eventfd(fd, MSI, other));
	ASSERT_OK(mdgpu_irq_fire(fd, MSI));
	EXPECT_EQ(1, signals(other));
	ASSERT_OK(mdgpu_irq_set_eventfd(fd, ERR, -1));
	close(other);
}

/* A new user of the device does not inherit the last one's eventfds. */
TEST_F(irq, close_drops_eventfds)
{
	int efd = new_eventfd(_metadata);
	struct mdgpu_vfio *v = &self->in.v;
	uint32_t i;

	for (i = 0; i < MDGPU_NUM_IRQS; i++)
		if (i != MSIX)
			ASSERT_OK(mdgpu_irq_set_eventfd(v->device, i, efd));
	mdgpu_vfio_close(v);
	ASSERT_TRUE(mdgpu_open(_metadata, self->in.uuid, self->in.cdev, v));
	for (i = 0; i < MDGPU_NUM_IRQS; i++) {
		if (i == MSIX)
			continue;
		ASSERT_OK(mdgpu_irq_fire(v->device, i));
		EXPECT_EQ(0, signals(efd)) TH_LOG("index %u", i);
	}
	close(efd);
}

struct race {
	int fd;
	int efd[2];
	int iterations;
	int errors;
};

static void *race_set(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < r->iterations; i++) {
		r->errors += !!mdgpu_irq_set_eventfd(r->fd, MSI, r->efd[i & 1]);
		r->errors += !!mdgpu_irq_set_eventfd(r->fd, INTX, r->efd[i & 1]);
		if (i % 3 == 0) {
			r->errors += !!mdgpu_irq_set_eventfd(r->fd, MSI, -1);
			r->errors += !!mdgpu_irq_set(r->fd, INTX,
						     DATA_NONE | TRIGGER, 0, 0,
						     NULL, 0);
		}
	}
	return NULL;
}

static void *race_fire(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < r->iterations; i++) {
		r->errors += !!mdgpu_irq_fire(r->fd, MSI);
		r->errors += !!mdgpu_irq_fire(r->fd, INTX);
		r->errors += !!intx_unmask(r->fd);
	}
	return NULL;
}

static void *race_config(void *arg)
{
	struct race *r = arg;
	uint16_t cmd, msi;
	int i;

	for (i = 0; i < r->iterations; i++) {
		cmd = i & 1 ? PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_MASTER : 0;
		msi = PCI_MSI_FLAGS_64BIT | (i & 2 ? PCI_MSI_FLAGS_ENABLE : 0);
		r->errors += !!mdgpu_cfg_write(r->fd, PCI_COMMAND, &cmd, 2);
		r->errors += !!mdgpu_cfg_write(r->fd, 0x40 + PCI_MSI_FLAGS,
					       &msi, 2);
		if (i % 64 == 0)
			r->errors += !!ioctl(r->fd, VFIO_DEVICE_RESET);
	}
	return NULL;
}

/*
 * SET_IRQS, triggers, unmasks, config writes and resets from three threads
 * at once: no call fails, and afterwards delivery works normally. (On the
 * debug kernel, KASAN and lockdep watch the driver while this runs.)
 */
TEST_F(irq, concurrent_set_fire_config)
{
	struct race set = { .iterations = 1500 }, fire, config;
	void *(*fn[3])(void *) = { race_set, race_fire, race_config };
	struct race *arg[3] = { &set, &fire, &config };
	pthread_t th[3];
	int i, efd;

	set.fd = DEV(self);
	set.efd[0] = new_eventfd(_metadata);
	set.efd[1] = new_eventfd(_metadata);
	fire = set;
	config = set;
	for (i = 0; i < 3; i++)
		ASSERT_OK(pthread_create(&th[i], NULL, fn[i], arg[i]));
	for (i = 0; i < 3; i++)
		ASSERT_OK(pthread_join(th[i], NULL));
	EXPECT_EQ(0, set.errors);
	EXPECT_EQ(0, fire.errors);
	EXPECT_EQ(0, config.errors);

	efd = new_eventfd(_metadata);
	ASSERT_OK(mdgpu_irq_set_eventfd(DEV(self), MSI, efd));
	ASSERT_OK(mdgpu_irq_fire(DEV(self), MSI));
	EXPECT_EQ(1, signals(efd));
	/* INTx may be masked with one pending: deliver it, then unmask. */
	ASSERT_OK(intx_unmask(DEV(self)));
	ASSERT_OK(intx_unmask(DEV(self)));
	ASSERT_OK(mdgpu_irq_set_eventfd(DEV(self), INTX, efd));
	ASSERT_OK(mdgpu_irq_fire(DEV(self), INTX));
	EXPECT_EQ(1, signals(efd));
	close(efd);
	close(set.efd[0]);
	close(set.efd[1]);
}

static int wait_pid_timeout(pid_t pid, int *status, int seconds)
{
	int i;

	for (i = 0; i < seconds * 10; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r)
			return r;
		usleep(100 * 1000);
	}
	return 0;
}

/*
 * Removing an instance a user holds open asks the user to let go through
 * the request interrupt, and completes as soon as the user closes it.
 */
TEST_F(irq, remove_while_open_requests_release)
{
	struct pollfd pfd = { .events = POLLIN };
	int efd = new_eventfd(_metadata);
	char dir[PATH_MAX];
	uint64_t instances;
	int status = -1;
	pid_t pid;

	ASSERT_OK(mdgpu_irq_set_eventfd(DEV(self), REQ, efd));
	/* The device's own directory stays until the removal completes. */
	snprintf(dir, sizeof(dir), "%s/%s/%s",
		 mdgpu_parent_base(self->in.parent), self->in.parent,
		 self->in.uuid);
	ASSERT_TRUE(mdgpu_path_exists(dir));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child must not keep the device open itself. */
		struct mdgpu_vfio copy = self->in.v;

		mdgpu_vfio_close(&copy);
		_exit(mdgpu_remove(self->in.uuid) ? 1 : 0);
	}
	pfd.fd = efd;
	EXPECT_EQ(1, poll(&pfd, 1, 20000)) TH_LOG("no request interrupt");
	EXPECT_LE(1, signals(efd));
	/* Still waiting for us, and the device still works meanwhile. */
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	EXPECT_TRUE(mdgpu_path_exists(dir));
	ASSERT_OK(mdgpu_parent_u64(self->in.parent, "instances", &instances));
	EXPECT_EQ(1, instances);
	EXPECT_EQ(MDGPU_ID_MAGIC, mdgpu_reg_read(DEV(self), MDGPU_REG_ID));

	mdgpu_vfio_close(&self->in.v);
	ASSERT_EQ(pid, wait_pid_timeout(pid, &status, 30))
		TH_LOG("remove did not complete after the device was closed");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_FALSE(mdgpu_path_exists(dir));
	ASSERT_OK(mdgpu_parent_u64(self->in.parent, "instances", &instances));
	EXPECT_EQ(0, instances);
	close(efd);
}

TEST_HARNESS_MAIN
