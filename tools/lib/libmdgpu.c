// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmdgpu: a userspace driver for mdgpu instances over VFIO. See
 * libmdgpu.h for the API and Documentation/libmdgpu.rst for how to use it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ioctl.h>
#include <linux/pci_regs.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "libmdgpu.h"

/*
 * The VFIO device cdev and iommufd uAPI, for building against userspace
 * headers older than the running kernel (Debian 12 ships 6.1 headers, from
 * before the cdev interface and without <linux/iommufd.h>). These layouts
 * are stable kernel ABI.
 */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

#define LIBMDGPU_IOMMUFD_TYPE		(';')

struct libmdgpu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

struct libmdgpu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

struct libmdgpu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define LIBMDGPU_IOAS_ALLOC	_IO(LIBMDGPU_IOMMUFD_TYPE, 0x81)
#define LIBMDGPU_IOAS_MAP	_IO(LIBMDGPU_IOMMUFD_TYPE, 0x85)
#define LIBMDGPU_IOAS_UNMAP	_IO(LIBMDGPU_IOMMUFD_TYPE, 0x86)
#define LIBMDGPU_MAP_FIXED_IOVA	(1u << 0)
#define LIBMDGPU_MAP_WRITEABLE	(1u << 1)
#define LIBMDGPU_MAP_READABLE	(1u << 2)

#define MDEV_DIR		"/sys/bus/mdev/devices"
#define REGION_OFFSET(index)	((off_t)(index) << 40)
#define DMA_IOVA_BASE		(1ULL << 32)

/* ------------------------------------------------------------------------
 * time
 */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until @deadline, at least 0. */
static int left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

/* ------------------------------------------------------------------------
 * opening
 */

static void init_fds(struct mdgpu *g)
{
	memset(g, 0, sizeof(*g));
	g->container = g->group = g->iommufd = g->device = -1;
	g->irq_efd = g->err_efd = -1;
	g->next_iova = DMA_IOVA_BASE;
}

static int open_group(struct mdgpu *g, const char *uuid)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[PATH_MAX], link[PATH_MAX];
	const char *num;
	ssize_t n;

	snprintf(path, sizeof(path), MDEV_DIR "/%s/iommu_group", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	num = strrchr(link, '/');
	num = num ? num + 1 : link;
	if (strlen(num) > 32)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "/dev/vfio/%s", num);

	g->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (g->container < 0)
		return -errno;
	g->group = open(path, O_RDWR | O_CLOEXEC);
	if (g->group < 0)
		return -errno;
	if (ioctl(g->group, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	if (ioctl(g->group, VFIO_GROUP_SET_CONTAINER, &g->container))
		return -errno;
	if (ioctl(g->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
	    ioctl(g->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		return -errno;
	g->device = ioctl(g->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	return g->device < 0 ? -errno : 0;
}

/* Name of the instance's vfio-dev/vfioN entry, or -ENOENT without cdevs. */
static int cdev_name(const char *uuid, char *name, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	snprintf(dir, sizeof(dir), MDEV_DIR "/%s/vfio-dev", uuid);
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "vfio", 4) &&
		    strlen(de->d_name) < len) {
			strcpy(name, de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

bool mdgpu_cdev_available(const char *uuid)
{
	char name[64];

	return !access("/dev/iommu", F_OK) && !cdev_name(uuid, name,
							 sizeof(name));
}

/* Open the cdev, through a private node if devtmpfs has none. */
static int open_cdev_node(const char *uuid, const char *name)
{
	char path[PATH_MAX], buf[32];
	unsigned int maj, min;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? -errno : fd;
	snprintf(path, sizeof(path), MDEV_DIR "/%s/vfio-dev/%s/dev", uuid,
		 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	snprintf(path, sizeof(path), "/tmp/libmdgpu-%s-%d", name, getpid());
	unlink(path);
	if (mknod(path, S_IFCHR | 0600, makedev(maj, min)))
		return -errno;
	fd = open(path, O_RDWR | O_CLOEXEC);
	n = errno;
	unlink(path);
	return fd < 0 ? -(int)n : fd;
}

static int open_cdev(struct mdgpu *g, const char *uuid)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct libmdgpu_ioas_alloc ioas = { .size = sizeof(ioas) };
	char name[64];
	int ret;

	ret = cdev_name(uuid, name, sizeof(name));
	if (ret)
		return ret;
	g->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (g->iommufd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	ret = open_cdev_node(uuid, name);
	if (ret < 0)
		return ret;
	g->device = ret;
	bind.iommufd = g->iommufd;
	if (ioctl(g->device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	if (ioctl(g->iommufd, LIBMDGPU_IOAS_ALLOC, &ioas))
		return -errno;
	g->ioas_id = ioas.out_ioas_id;
	attach.pt_id = g->ioas_id;
	if (ioctl(g->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	return 0;
}

/* Memory decoding and bus mastering on, as a driver's probe does. */
static int enable_device(struct mdgpu *g)
{
	uint16_t cmd;
	int ret;

	ret = mdgpu_cfg_rd(g, PCI_COMMAND, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (g->irq_mode == MDGPU_IRQ_MSI)
		cmd |= PCI_COMMAND_INTX_DISABLE;
	else
		cmd &= ~PCI_COMMAND_INTX_DISABLE;
	return mdgpu_cfg_wr(g, PCI_COMMAND, &cmd, sizeof(cmd));
}

int mdgpu_attach(struct mdgpu *g, const char *uuid, unsigned int flags)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM,
	};
	void *p;
	int ret;

	init_fds(g);
	ret = flags & MDGPU_OPEN_CDEV ? open_cdev(g, uuid) :
					open_group(g, uuid);
	if (ret)
		return ret;
	if (ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	if (!ri.size || !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -ENODEV;
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 g->device, ri.offset);
	if (p == MAP_FAILED)
		return -errno;
	g->vram = p;
	g->vram_size = ri.size;
	return enable_device(g);
}

void mdgpu_detach(struct mdgpu *g)
{
	int *fds[] = { &g->irq_efd, &g->err_efd, &g->device, &g->group,
		       &g->container, &g->iommufd };
	size_t i;

	if (g->vram)
		munmap((void *)g->vram, g->vram_size);
	g->vram = NULL;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	g->ring_size = 0;
	g->irq_mode = MDGPU_IRQ_NONE;
}

/* ------------------------------------------------------------------------
 * registers
 */

static off_t bar2(uint32_t reg)
{
	return REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_REGS) + reg;
}

uint32_t mdgpu_rd(struct mdgpu *g, uint32_t reg)
{
	uint32_t val;

	if (pread(g->device, &val, sizeof(val), bar2(reg)) != sizeof(val))
		return 0xffffffff;
	return val;
}

int mdgpu_wr(struct mdgpu *g, uint32_t reg, uint32_t val)
{
	ssize_t n = pwrite(g->device, &val, sizeof(val), bar2(reg));

	if (n < 0)
		return -errno;
	return n == sizeof(val) ? 0 : -EIO;
}

int mdgpu_cfg_rd(struct mdgpu *g, uint32_t off, void *val, size_t len)
{
	ssize_t n = pread(g->device, val, len,
			  REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int mdgpu_cfg_wr(struct mdgpu *g, uint32_t off, const void *val, size_t len)
{
	ssize_t n = pwrite(g->device, val, len,
			   REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

uint64_t mdgpu_timestamp(struct mdgpu *g)
{
	uint32_t lo = mdgpu_rd(g, MDGPU_REG_TIMESTAMP_LO);

	return (uint64_t)mdgpu_rd(g, MDGPU_REG_TIMESTAMP_HI) << 32 | lo;
}

/* ------------------------------------------------------------------------
 * DMA
 */

int mdgpu_dma_map(struct mdgpu *g, void *va, size_t len, uint64_t iova)
{
	if (g->iommufd >= 0) {
		struct libmdgpu_ioas_map map = {
			.size = sizeof(map),
			.flags = LIBMDGPU_MAP_FIXED_IOVA |
				 LIBMDGPU_MAP_READABLE |
				 LIBMDGPU_MAP_WRITEABLE,
			.ioas_id = g->ioas_id,
			.user_va = (uintptr_t)va,
			.length = len,
			.iova = iova,
		};

		return ioctl(g->iommufd, LIBMDGPU_IOAS_MAP, &map) ? -errno : 0;
	} else {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ |
				 VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)va,
			.iova = iova,
			.size = len,
		};

		return ioctl(g->container, VFIO_IOMMU_MAP_DMA, &map) ? -errno :
								       0;
	}
}

int mdgpu_dma_unmap(struct mdgpu *g, uint64_t iova, size_t len)
{
	if (g->iommufd >= 0) {
		struct libmdgpu_ioas_unmap unmap = {
			.size = sizeof(unmap),
			.ioas_id = g->ioas_id,
			.iova = iova,
			.length = len,
		};

		return ioctl(g->iommufd, LIBMDGPU_IOAS_UNMAP, &unmap) ? -errno :
									0;
	} else {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap),
			.iova = iova,
			.size = len,
		};

		if (ioctl(g->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
			return -errno;
		return unmap.size == len ? 0 : -EIO;
	}
}

int mdgpu_dma_alloc(struct mdgpu *g, size_t len, struct mdgpu_dma *buf)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *p;
	int ret;

	len = (len + page - 1) & ~(page - 1);
	if (!len)
		return -EINVAL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	ret = mdgpu_dma_map(g, p, len, g->next_iova);
	if (ret) {
		munmap(p, len);
		return ret;
	}
	buf->va = p;
	buf->iova = g->next_iova;
	buf->len = len;
	/* One unmapped page after every buffer catches overruns. */
	g->next_iova += len + page;
	return 0;
}

int mdgpu_dma_free(struct mdgpu *g, struct mdgpu_dma *buf)
{
	int ret = 0;

	if (!buf->va)
		return 0;
	ret = mdgpu_dma_unmap(g, buf->iova, buf->len);
	munmap(buf->va, buf->len);
	buf->va = NULL;
	return ret;
}

/* ------------------------------------------------------------------------
 * interrupts
 */

static int set_irq(struct mdgpu *g, uint32_t index, uint32_t flags,
		   uint32_t count, int fd)
{
	struct {
		struct vfio_irq_set hdr;
		int32_t fd;
	} s = {
		.hdr = {
			.argsz = sizeof(s.hdr),
			.flags = flags,
			.index = index,
			.count = count,
		},
		.fd = fd,
	};

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		s.hdr.argsz += sizeof(s.fd);
	return ioctl(g->device, VFIO_DEVICE_SET_IRQS, &s) ? -errno : 0;
}

static int set_trigger(struct mdgpu *g, uint32_t index, int fd)
{
	if (fd < 0)
		return set_irq(g, index, VFIO_IRQ_SET_DATA_NONE |
				  VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1);
	return set_irq(g, index, VFIO_IRQ_SET_DATA_EVENTFD |
			  VFIO_IRQ_SET_ACTION_TRIGGER, 1, fd);
}

static int intx_unmask(struct mdgpu *g)
{
	return set_irq(g, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE |
		       VFIO_IRQ_SET_ACTION_UNMASK, 1, -1);
}

static int set_msi_enable(struct mdgpu *g, bool on)
{
	uint16_t flags;
	int ret;

	ret = mdgpu_cfg_rd(g, MDGPU_CFG_MSI_CAP + PCI_MSI_FLAGS, &flags,
			   sizeof(flags));
	if (ret)
		return ret;
	if (on)
		flags |= PCI_MSI_FLAGS_ENABLE;
	else
		flags &= ~PCI_MSI_FLAGS_ENABLE;
	return mdgpu_cfg_wr(g, MDGPU_CFG_MSI_CAP + PCI_MSI_FLAGS, &flags,
			    sizeof(flags));
}

/* Program config space, IRQ_MASK and the triggers for g->irq_mode. */
static int apply_irq_mode(struct mdgpu *g)
{
	int ret;

	ret = set_msi_enable(g, g->irq_mode == MDGPU_IRQ_MSI);
	ret = ret ?: enable_device(g);
	if (g->irq_mode == MDGPU_IRQ_INTX)
		ret = ret ?: intx_unmask(g);
	return ret ?: mdgpu_wr(g, MDGPU_REG_IRQ_MASK, g->irq_enable);
}

int mdgpu_irq_setup(struct mdgpu *g, enum mdgpu_irq_mode mode)
{
	uint32_t index = mode == MDGPU_IRQ_MSI ? VFIO_PCI_MSI_IRQ_INDEX :
						 VFIO_PCI_INTX_IRQ_INDEX;
	int ret;

	/* Tear down whatever was there. */
	set_trigger(g, VFIO_PCI_INTX_IRQ_INDEX, -1);
	set_trigger(g, VFIO_PCI_MSI_IRQ_INDEX, -1);
	set_trigger(g, VFIO_PCI_ERR_IRQ_INDEX, -1);
	if (g->irq_efd >= 0)
		close(g->irq_efd);
	if (g->err_efd >= 0)
		close(g->err_efd);
	g->irq_efd = g->err_efd = -1;
	g->irq_mode = MDGPU_IRQ_NONE;
	g->irq_enable = 0;
	if (mode == MDGPU_IRQ_NONE)
		return apply_irq_mode(g);

	g->irq_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->err_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->irq_efd < 0 || g->err_efd < 0)
		return -errno;
	ret = set_trigger(g, index, g->irq_efd);
	ret = ret ?: set_trigger(g, VFIO_PCI_ERR_IRQ_INDEX, g->err_efd);
	if (ret)
		return ret;
	g->irq_mode = mode;
	g->irq_enable = MDGPU_IRQ_FENCE | MDGPU_IRQ_ERROR;
	return apply_irq_mode(g);
}

static uint64_t drain(int efd)
{
	uint64_t n;

	if (efd < 0 || read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

int mdgpu_irq_handle(struct mdgpu *g)
{
	uint64_t n = drain(g->irq_efd);
	uint32_t st;
	int ret;

	g->irqs += n;
	g->err_irqs += drain(g->err_efd);
	st = mdgpu_rd(g, MDGPU_REG_IRQ_STATUS);
	if (st == 0xffffffff)
		return -EIO;
	if (st) {
		ret = mdgpu_wr(g, MDGPU_REG_IRQ_STATUS, st);
		if (ret)
			return ret;
		g->irq_status |= st;
	}
	if (n && g->irq_mode == MDGPU_IRQ_INTX) {
		ret = intx_unmask(g);
		if (ret)
			return ret;
	}
	return (int)st;
}

int mdgpu_irq_wait(struct mdgpu *g, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = g->irq_efd, .events = POLLIN },
		{ .fd = g->err_efd, .events = POLLIN },
	};
	int ret;

	if (g->irq_efd < 0)
		return -EINVAL;
	ret = poll(p, 2, timeout_ms);
	if (ret < 0)
		return -errno;
	return ret > 0;
}

/* ------------------------------------------------------------------------
 * ring
 */

int mdgpu_ring_init(struct mdgpu *g, uint64_t base, uint32_t size)
{
	int ret;

	ret = mdgpu_wr(g, MDGPU_REG_RING_CTRL, MDGPU_RING_CTRL_RESET);
	ret = ret ?: mdgpu_wr(g, MDGPU_REG_RING_BASE_LO, (uint32_t)base);
	ret = ret ?: mdgpu_wr(g, MDGPU_REG_RING_BASE_HI, base >> 32);
	ret = ret ?: mdgpu_wr(g, MDGPU_REG_RING_SIZE, size);
	ret = ret ?: mdgpu_wr(g, MDGPU_REG_RING_CTRL, MDGPU_RING_CTRL_ENABLE);
	if (ret)
		return ret;
	g->ring_base = base;
	g->ring_size = size;
	g->head = g->tail = 0;
	/* Fences continue from what the device last completed. */
	g->seq = mdgpu_rd(g, MDGPU_REG_FENCE_LAST);
	return 0;
}

int mdgpu_ring_reset(struct mdgpu *g)
{
	return mdgpu_ring_init(g, g->ring_base, g->ring_size);
}

uint32_t mdgpu_ring_head(struct mdgpu *g)
{
	g->head = mdgpu_rd(g, MDGPU_REG_RING_HEAD);
	return g->head;
}

uint32_t mdgpu_ring_space(struct mdgpu *g)
{
	uint32_t used;

	if (!g->ring_size)
		return 0;
	used = (g->tail - g->head) & (g->ring_size - 1);
	/* HEAD == TAIL means empty, so one dword always stays free. */
	return g->ring_size - used - 4;
}

/* Whether the ring's placement fits our mapping, so we can write it. */
static bool ring_mapped(struct mdgpu *g)
{
	return g->ring_size && !(g->ring_size & (g->ring_size - 1)) &&
	       g->ring_base <= g->vram_size &&
	       g->ring_size <= g->vram_size - g->ring_base;
}

int mdgpu_ring_write(struct mdgpu *g, const uint32_t *dw, unsigned int ndw,
		     int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint32_t need = ndw * 4;
	volatile uint32_t *ring;
	unsigned int i;

	if (!ring_mapped(g))
		return -EINVAL;
	if (need > g->ring_size - 4)
		return -ENOSPC;
	if (mdgpu_ring_space(g) < need) {
		/* The engine only reads what the doorbell announced. */
		mdgpu_kick(g);
		while (mdgpu_ring_head(g), mdgpu_ring_space(g) < need) {
			if (mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS) &
			    MDGPU_ENGINE_ERROR)
				return -EIO;
			if (!left_ms(deadline))
				return -ETIMEDOUT;
			usleep(20);
		}
	}
	ring = (volatile uint32_t *)(g->vram + g->ring_base);
	for (i = 0; i < ndw; i++) {
		ring[g->tail / 4] = dw[i];
		g->tail = (g->tail + 4) & (g->ring_size - 1);
	}
	return 0;
}

int mdgpu_kick(struct mdgpu *g)
{
	/* The commands must be in VRAM before the engine can see the tail. */
	__sync_synchronize();
	return mdgpu_wr(g, MDGPU_REG_RING_TAIL, g->tail);
}

int mdgpu_submit(struct mdgpu *g, const uint32_t *dw, unsigned int ndw,
		 int timeout_ms)
{
	int ret = mdgpu_ring_write(g, dw, ndw, timeout_ms);

	return ret ?: mdgpu_kick(g);
}

/* ------------------------------------------------------------------------
 * command builders
 */

unsigned int mdgpu_cmd_nop(uint32_t *dw, unsigned int ndw)
{
	unsigned int i;

	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_NOP, 0, ndw);
	for (i = 1; i < ndw; i++)
		dw[i] = 0;
	return ndw;
}

unsigned int mdgpu_cmd_fill(uint32_t *dw, uint64_t dst, uint32_t width,
			    uint32_t height, uint32_t stride, uint32_t value)
{
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_FILL, 0, MDGPU_FILL_NDW);
	dw[1] = (uint32_t)dst;
	dw[2] = dst >> 32;
	dw[3] = width;
	dw[4] = height;
	dw[5] = stride;
	dw[6] = value;
	return MDGPU_FILL_NDW;
}

unsigned int mdgpu_cmd_copy(uint32_t *dw, uint64_t src, uint64_t dst,
			    uint32_t width, uint32_t height,
			    uint32_t src_stride, uint32_t dst_stride)
{
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_COPY, 0, MDGPU_COPY_NDW);
	dw[1] = (uint32_t)src;
	dw[2] = src >> 32;
	dw[3] = (uint32_t)dst;
	dw[4] = dst >> 32;
	dw[5] = width;
	dw[6] = height;
	dw[7] = src_stride;
	dw[8] = dst_stride;
	return MDGPU_COPY_NDW;
}

unsigned int mdgpu_cmd_dma(uint32_t *dw, uint64_t iova, uint64_t vram,
			   uint32_t len, bool to_guest)
{
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_DMA,
				 to_guest ? MDGPU_DMA_TO_GUEST : 0,
				 MDGPU_DMA_NDW);
	dw[1] = (uint32_t)iova;
	dw[2] = iova >> 32;
	dw[3] = (uint32_t)vram;
	dw[4] = vram >> 32;
	dw[5] = len;
	dw[6] = 0;
	return MDGPU_DMA_NDW;
}

unsigned int mdgpu_cmd_fence(uint32_t *dw, uint32_t seq, uint32_t flags,
			     uint64_t addr)
{
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_FENCE, flags, MDGPU_FENCE_NDW);
	dw[1] = seq;
	dw[2] = (uint32_t)addr;
	dw[3] = addr >> 32;
	return MDGPU_FENCE_NDW;
}

unsigned int mdgpu_cmd_timestamp(uint32_t *dw, uint64_t addr)
{
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_TIMESTAMP, 0, MDGPU_TIMESTAMP_NDW);
	dw[1] = (uint32_t)addr;
	dw[2] = addr >> 32;
	return MDGPU_TIMESTAMP_NDW;
}

unsigned int mdgpu_cmd_compute(uint32_t *dw, uint32_t usec)
{
	dw[0] = MDGPU_CMD_HEADER(MDGPU_OP_COMPUTE, 0, MDGPU_COMPUTE_NDW);
	dw[1] = usec;
	return MDGPU_COMPUTE_NDW;
}

/* ------------------------------------------------------------------------
 * fences
 */

int64_t mdgpu_fence(struct mdgpu *g, uint32_t flags, uint64_t addr)
{
	uint32_t dw[MDGPU_FENCE_NDW];
	uint32_t seq = g->seq + 1;
	int ret;

	mdgpu_cmd_fence(dw, seq, flags, addr);
	ret = mdgpu_submit(g, dw, MDGPU_FENCE_NDW, 10000);
	if (ret)
		return ret;
	g->seq = seq;
	return seq;
}

bool mdgpu_fence_done(struct mdgpu *g, uint32_t seq)
{
	return (int32_t)(mdgpu_rd(g, MDGPU_REG_FENCE_LAST) - seq) >= 0;
}

int mdgpu_wait_fence(struct mdgpu *g, uint32_t seq, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int ret;

	for (;;) {
		if (mdgpu_fence_done(g, seq))
			return 0;
		if (mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_ERROR)
			return -EIO;
		if (!left_ms(deadline))
			return -ETIMEDOUT;
		if (g->irq_mode == MDGPU_IRQ_NONE) {
			usleep(50);
			continue;
		}
		/*
		 * Re-check the registers now and then even without an
		 * interrupt: the fence may not have asked for one.
		 */
		ret = mdgpu_irq_wait(g, left_ms(deadline) < 50 ?
					left_ms(deadline) : 50);
		if (ret < 0)
			return ret;
		if (ret) {
			ret = mdgpu_irq_handle(g);
			if (ret < 0)
				return ret;
		}
	}
}

int mdgpu_wait_idle(struct mdgpu *g, int timeout_ms)
{
	int64_t seq = mdgpu_fence(g, g->irq_mode != MDGPU_IRQ_NONE ?
				     MDGPU_FENCE_IRQ : 0, 0);

	if (seq < 0)
		return (int)seq;
	return mdgpu_wait_fence(g, (uint32_t)seq, timeout_ms);
}

/* ------------------------------------------------------------------------
 * errors and reset
 */

uint32_t mdgpu_error(struct mdgpu *g, struct mdgpu_error *e)
{
	e->status = mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS);
	e->code = mdgpu_rd(g, MDGPU_REG_ERR_CODE);
	e->head = mdgpu_rd(g, MDGPU_REG_ERR_HEAD);
	e->header = mdgpu_rd(g, MDGPU_REG_ERR_HEADER);
	return e->code;
}

int mdgpu_wait_error(struct mdgpu *g, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		if (mdgpu_rd(g, MDGPU_REG_ENGINE_STATUS) & MDGPU_ENGINE_ERROR)
			return (int)mdgpu_rd(g, MDGPU_REG_ERR_CODE);
		if (!left_ms(deadline))
			return -ETIMEDOUT;
		usleep(200);
	}
}

const char *mdgpu_err_name(uint32_t code)
{
	static const char *const names[] = {
		[MDGPU_ERR_NONE] = "NONE",
		[MDGPU_ERR_OPCODE] = "OPCODE",
		[MDGPU_ERR_LENGTH] = "LENGTH",
		[MDGPU_ERR_RESERVED] = "RESERVED",
		[MDGPU_ERR_RANGE] = "RANGE",
		[MDGPU_ERR_ALIGN] = "ALIGN",
		[MDGPU_ERR_SIZE] = "SIZE",
		[MDGPU_ERR_STRIDE] = "STRIDE",
		[MDGPU_ERR_OVERLAP] = "OVERLAP",
		[MDGPU_ERR_DMA] = "DMA",
		[MDGPU_ERR_RING] = "RING",
		[MDGPU_ERR_WATCHDOG] = "WATCHDOG",
		[MDGPU_ERR_NOMEM] = "NOMEM",
		[MDGPU_ERR_HANG] = "HANG",
		[MDGPU_ERR_FAULT] = "FAULT",
		[MDGPU_ERR_VRAM] = "VRAM",
		[MDGPU_ERR_LOST] = "LOST",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "?";
}

int mdgpu_device_reset(struct mdgpu *g)
{
	int ret;

	if (ioctl(g->device, VFIO_DEVICE_RESET))
		return -errno;
	g->seq = mdgpu_rd(g, MDGPU_REG_FENCE_LAST);
	ret = apply_irq_mode(g);
	if (ret)
		return ret;
	if (g->ring_size)
		return mdgpu_ring_init(g, g->ring_base, g->ring_size);
	return 0;
}
