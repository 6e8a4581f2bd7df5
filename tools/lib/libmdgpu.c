// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmdgpu: a userspace driver for mdgpu instances over VFIO. See
 * libmdgpu.h for the API and Documentation/libmdgpu.rst for how to use it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libmdgpu.h"

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
	g->v = (struct mdgpu_vfio)MDGPU_VFIO_INIT;
	g->irq_efd = g->err_efd = -1;
	g->next_iova = DMA_IOVA_BASE;
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
	struct mdgpu_region ri;
	void *p;
	int ret;

	init_fds(g);
	ret = flags & MDGPU_OPEN_CDEV ? mdgpu_vfio_open_cdev(uuid, &g->v) :
					mdgpu_vfio_open_group(uuid, &g->v);
	if (ret)
		return ret;
	ret = mdgpu_region_info(g->v.device, VFIO_PCI_BAR0_REGION_INDEX +
				MDGPU_BAR_VRAM, &ri);
	if (ret)
		return ret;
	if (!ri.size || !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -ENODEV;
	p = mdgpu_region_mmap(g->v.device, VFIO_PCI_BAR0_REGION_INDEX +
			      MDGPU_BAR_VRAM, 0, ri.size,
			      PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		return -errno;
	g->vram = p;
	g->vram_size = ri.size;
	return enable_device(g);
}

void mdgpu_detach(struct mdgpu *g)
{
	int *fds[] = { &g->irq_efd, &g->err_efd };
	size_t i;

	if (g->vram)
		munmap((void *)g->vram, g->vram_size);
	g->vram = NULL;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	mdgpu_vfio_close(&g->v);
	g->ring_size = 0;
	g->irq_mode = MDGPU_IRQ_NONE;
}

/* ------------------------------------------------------------------------
 * registers
 */

uint32_t mdgpu_rd(struct mdgpu *g, uint32_t reg)
{
	uint32_t val;

	return mdgpu_reg_read32(g->v.device, reg, &val) ? 0xffffffff : val;
}

int mdgpu_wr(struct mdgpu *g, uint32_t reg, uint32_t val)
{
	return mdgpu_reg_write(g->v.device, reg, val);
}

int mdgpu_cfg_rd(struct mdgpu *g, uint32_t off, void *val, size_t len)
{
	return mdgpu_cfg_read(g->v.device, off, val, len);
}

int mdgpu_cfg_wr(struct mdgpu *g, uint32_t off, const void *val, size_t len)
{
	return mdgpu_cfg_write(g->v.device, off, val, len);
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
	if (g->v.iommufd >= 0) {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = g->v.ioas_id,
			.user_va = (uintptr_t)va,
			.length = len,
			.iova = iova,
		};

		return ioctl(g->v.iommufd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
	} else {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ |
				 VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)va,
			.iova = iova,
			.size = len,
		};

		return ioctl(g->v.container, VFIO_IOMMU_MAP_DMA, &map) ? -errno :
								       0;
	}
}

int mdgpu_dma_unmap(struct mdgpu *g, uint64_t iova, size_t len)
{
	if (g->v.iommufd >= 0) {
		struct iommu_ioas_unmap unmap = {
			.size = sizeof(unmap),
			.ioas_id = g->v.ioas_id,
			.iova = iova,
			.length = len,
		};

		return ioctl(g->v.iommufd, IOMMU_IOAS_UNMAP, &unmap) ? -errno :
									0;
	} else {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap),
			.iova = iova,
			.size = len,
		};

		if (ioctl(g->v.container, VFIO_IOMMU_UNMAP_DMA, &unmap))
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
	int32_t fd32 = fd;
	bool efd = flags & VFIO_IRQ_SET_DATA_EVENTFD;

	return mdgpu_irq_set(g->v.device, index, flags, 0, count,
			     efd ? &fd32 : NULL, efd ? sizeof(fd32) : 0);
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

	if (ioctl(g->v.device, VFIO_DEVICE_RESET))
		return -errno;
	g->seq = mdgpu_rd(g, MDGPU_REG_FENCE_LAST);
	ret = apply_irq_mode(g);
	if (ret)
		return ret;
	if (g->ring_size)
		return mdgpu_ring_init(g, g->ring_base, g->ring_size);
	return 0;
}
