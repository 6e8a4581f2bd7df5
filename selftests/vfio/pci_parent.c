// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI parent: mdgpu bound, on request only, to the test VM's QEMU
 * ivshmem-plain device (1af4:1110), whose BAR2 becomes the parent's VRAM.
 * Checks that loading mdgpu binds nothing, that driver_override and new_id
 * bind it, that instances' BAR0 is the device's BAR (the PFN behind a user
 * mapping is the BAR's), pread/pwrite and the mapping agree, the engine's
 * FILL and COPY work, reset zeroes, region display planes work and dma-buf
 * planes are refused, and that unbinding the PCI device with an open
 * instance sends the request interrupt, fails the engine context with
 * LOST and completes once the user closes the device; and the same when
 * the device itself goes away (sysfs remove, the path of a hot-unplug)
 * with one instance open and mapped and another never opened, after which
 * a rescan finds the device again, unbound; and once more when QEMU
 * hot-unplugs the device (device_del through the VM harness's hot-plug
 * channel, an ACPI hot-unplug in the guest) and plugs it back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include "libmdgpu.h"
#include "mdgpu_harness.h"

#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
#define IVSHMEM_VRAM_BAR	2
#define PCI_DRIVERS		"/sys/bus/pci/drivers"
#define PAGE			4096ULL
#define RING			(60ULL << 20)
#define RING_SIZE		0x10000u
#define TIMEOUT_MS		20000

/* Bochs VBE DISPI register indexes (BAR2 0x500 + 2 * index). */
enum { VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK,
       VBE_VIRT_WIDTH, VBE_VIRT_HEIGHT, VBE_X_OFFSET, VBE_Y_OFFSET };

static int read_hex(const char *path, unsigned long *val)
{
	char buf[64];
	int ret = mdgpu_read_file(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	*val = strtoul(buf, NULL, 16);
	return 0;
}

/* The PCI address of the ivshmem-plain device, or -ENOENT. */
static int find_ivshmem(char addr[MDGPU_NAME_LEN])
{
	char path[PATH_MAX];
	unsigned long vendor, device;
	struct dirent *de;
	DIR *dir = opendir(MDGPU_PCI_DEVICES_DIR);
	int ret = -ENOENT;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= MDGPU_NAME_LEN)
			continue;
		snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/vendor",
			 de->d_name);
		if (read_hex(path, &vendor) || vendor != IVSHMEM_VENDOR)
			continue;
		snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/device",
			 de->d_name);
		if (read_hex(path, &device) || device != IVSHMEM_DEVICE)
			continue;
		strcpy(addr, de->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

/* The name of the driver bound to @addr, "" if none. */
static void driver_of(const char *addr, char *buf, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/driver", addr);
	n = readlink(path, link, sizeof(link) - 1);
	buf[0] = '\0';
	if (n > 0) {
		link[n] = '\0';
		snprintf(buf, len, "%s", strrchr(link, '/') + 1);
	}
}

static bool bound_to_mdgpu(const char *addr)
{
	char drv[64];

	driver_of(addr, drv, sizeof(drv));
	return !strcmp(drv, "mdgpu");
}

static int pci_write(const char *addr, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/%s", addr, attr);
	return mdgpu_write_file(path, val);
}

/* Bind @addr to mdgpu the documented way: driver_override, drivers_probe. */
static int bind_override(const char *addr)
{
	int ret = pci_write(addr, "driver_override", "mdgpu");

	if (ret)
		return ret;
	return mdgpu_write_file("/sys/bus/pci/drivers_probe", addr);
}

/* Unbind @addr from mdgpu if bound, and clear driver_override. */
static void unbind(const char *addr)
{
	if (bound_to_mdgpu(addr))
		mdgpu_write_file(PCI_DRIVERS "/mdgpu/unbind", addr);
	pci_write(addr, "driver_override", "\n");
}

/* CPU physical start and length of BAR @bar of @addr. */
static int bar_range(const char *addr, int bar, uint64_t *start,
		     uint64_t *len)
{
	char path[PATH_MAX], line[256];
	unsigned long long s, e, flags;
	FILE *f;
	int i, ret = -EIO;

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/resource", addr);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	for (i = 0; fgets(line, sizeof(line), f); i++) {
		if (i != bar)
			continue;
		if (sscanf(line, "%llx %llx %llx", &s, &e, &flags) == 3 && e > s) {
			*start = s;
			*len = e - s + 1;
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

/*
 * Whether x86 PAT's memory type list has [@start, @start + @len) as
 * write-combining: the type the kernel's mapping of the BAR recorded,
 * which every user mapping of that range then gets. -ENOENT without the
 * list (no debugfs, or no PAT).
 */
static int pat_wc(uint64_t start, uint64_t len)
{
	char line[256], want[64];
	FILE *f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");
	int ret = 0;

	if (!f)
		return -ENOENT;
	snprintf(want, sizeof(want), "0x%016llx-0x%016llx",
		 (unsigned long long)start, (unsigned long long)(start + len));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want) && strstr(line, "write-combining"))
			ret = 1;
	fclose(f);
	return ret;
}

/* Fill BAR @bar of unbound @addr with @byte through its sysfs resource. */
static int bar_fill(const char *addr, int bar, uint64_t len, int byte)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/resource%d",
		 addr, bar);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	memset(p, byte, len);
	munmap(p, len);
	return 0;
}

static int vbe_write(int fd, unsigned int index, uint16_t val)
{
	ssize_t n = mdgpu_region_write(fd, VFIO_PCI_BAR2_REGION_INDEX,
				       MDGPU_DISPI_REG(index), &val, 2);

	return n == 2 ? 0 : -EIO;
}

FIXTURE(pci) {
	char addr[MDGPU_NAME_LEN];
	struct mdgpu_uuid_list created;
	uint64_t bar_start, bar_len;
};

FIXTURE_SETUP(pci)
{
	if (find_ivshmem(self->addr))
		SKIP(return, "no ivshmem-plain device (run-vm.sh adds one)");
	ASSERT_FALSE(bound_to_mdgpu(self->addr))
		TH_LOG("%s bound to mdgpu before the test asked", self->addr);
	ASSERT_OK(bar_range(self->addr, IVSHMEM_VRAM_BAR, &self->bar_start,
			    &self->bar_len));
	/* Leftovers of another user of the memory: gone after the bind. */
	ASSERT_OK(bar_fill(self->addr, IVSHMEM_VRAM_BAR, self->bar_len, 0xff));
	ASSERT_OK(bind_override(self->addr));
	ASSERT_TRUE(bound_to_mdgpu(self->addr));
}

FIXTURE_TEARDOWN_PARENT(pci)
{
	mdgpu_teardown_begin();
	EXPECT_OK(mdgpu_remove_all(&self->created));
	unbind(self->addr);
	EXPECT_FALSE(bound_to_mdgpu(self->addr));
}

/* Create a 64M instance on the PCI parent and open it with a ring. */
static void open_64m(struct __test_metadata *_metadata,
		     FIXTURE_DATA(pci) *self, char uuid[MDGPU_UUID_LEN + 1],
		     struct mdgpu *g)
{
	ASSERT_OK(mdgpu_create_tracked(&self->created, self->addr, "64M",
				       uuid));
	ASSERT_OK(mdgpu_attach(g, uuid, MDGPU_OPEN_GROUP));
	ASSERT_EQ(64 * SZ_1M, g->vram_size);
	ASSERT_OK(mdgpu_irq_setup(g, MDGPU_IRQ_MSI));
	ASSERT_OK(mdgpu_ring_init(g, RING, RING_SIZE));
}

/*
 * Loading mdgpu binds nothing; new_id (the other documented way) binds the
 * device, and unbinding it leaves it without a driver.
 */
TEST(bind_only_when_asked)
{
	char addr[MDGPU_NAME_LEN], drv[64];

	if (find_ivshmem(addr))
		SKIP(return, "no ivshmem-plain device (run-vm.sh adds one)");
	ASSERT_TRUE(mdgpu_path_exists(PCI_DRIVERS "/mdgpu"))
		TH_LOG("mdgpu registers its PCI driver");
	driver_of(addr, drv, sizeof(drv));
	ASSERT_STREQ("", drv) TH_LOG("the ivshmem device is unbound after insmod");

	ASSERT_OK(mdgpu_write_file(PCI_DRIVERS "/mdgpu/new_id", "1af4 1110"));
	EXPECT_TRUE(bound_to_mdgpu(addr)) TH_LOG("new_id binds it");
	EXPECT_OK(mdgpu_write_file(PCI_DRIVERS "/mdgpu/remove_id", "1af4 1110"));
	if (bound_to_mdgpu(addr))
		EXPECT_OK(mdgpu_write_file(PCI_DRIVERS "/mdgpu/unbind", addr));
	driver_of(addr, drv, sizeof(drv));
	EXPECT_STREQ("", drv);
}

/* The PCI device is the parent: its BAR is the VRAM, its types fit it. */
TEST_F(pci, parent_and_types)
{
	char path[PATH_MAX], buf[64];
	uint64_t total;

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/backend",
		 self->addr);
	ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("pci", buf);
	ASSERT_OK(mdgpu_parent_u64(self->addr, "vram_total", &total));
	EXPECT_EQ(self->bar_len, total);
	EXPECT_TRUE(mdgpu_type_registered(self->addr, "64M"));
	EXPECT_EQ(self->bar_len >= 128 * SZ_1M,
		  mdgpu_type_registered(self->addr, "128M"));
	EXPECT_EQ(self->bar_len >= 512 * SZ_1M,
		  mdgpu_type_registered(self->addr, "512M"));
	EXPECT_EQ((long)(self->bar_len / (64 * SZ_1M)),
		  mdgpu_type_available(self->addr, "64M"));
	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/health",
		 self->addr);
	ASSERT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
}

/*
 * Two instances on the BAR: what the BAR held before the bind reads as
 * zeroes, the BAR is mapped write-combining, pwrite shows through the
 * mapping and the mapping through pread, and neither instance sees the
 * other's data. (/proc/self/pagemap does not show the frames of PFN
 * mappings, and a BAR a driver holds cannot be mapped through sysfs, so
 * the frames themselves are not compared.)
 */
TEST_F(pci, vram_is_the_bar)
{
	static const uint64_t offs[] = { 0, PAGE + 12, 33 * SZ_1M + 4,
					 64 * SZ_1M - 8 };
	char uuid[2][MDGPU_UUID_LEN + 1];
	struct mdgpu g[2];
	uint64_t vo[2], v, got;
	size_t i, k;
	int ret;

	for (k = 0; k < 2; k++) {
		open_64m(_metadata, self, uuid[k], &g[k]);
		ASSERT_OK(mdgpu_instance_u64(uuid[k], "vram_offset", &vo[k]));
	}
	EXPECT_NE(vo[0], vo[1]);
	ret = pat_wc(self->bar_start, self->bar_len);
	if (ret != -ENOENT)
		EXPECT_EQ(1, ret) TH_LOG("BAR %#llx+%#llx write-combining in PAT",
					 (unsigned long long)self->bar_start,
					 (unsigned long long)self->bar_len);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < ARRAY_SIZE(offs); i++) {
			v = 0x1000000000000000ULL * (k + 1) + offs[i];
			EXPECT_EQ(0, *(volatile uint64_t *)(g[k].vram + offs[i]))
				TH_LOG("instance %zu offset %#llx before a write",
				       k, (unsigned long long)offs[i]);
			*(volatile uint64_t *)(g[k].vram + offs[i]) = v;
		}
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < ARRAY_SIZE(offs); i++) {
			v = 0x1000000000000000ULL * (k + 1) + offs[i];
			got = 0;
			EXPECT_EQ(8, mdgpu_region_read(g[k].v.device,
						       VFIO_PCI_BAR0_REGION_INDEX,
						       offs[i], &got, 8));
			EXPECT_EQ(v, got);
			v = ~v;
			EXPECT_EQ(8, mdgpu_region_write(g[k].v.device,
							VFIO_PCI_BAR0_REGION_INDEX,
							offs[i], &v, 8));
			EXPECT_EQ(v, *(volatile uint64_t *)(g[k].vram + offs[i]));
		}
	}
	for (k = 0; k < 2; k++)
		mdgpu_detach(&g[k]);
}

/* The engine's FILL and COPY land in the BAR, seen through the mapping. */
TEST_F(pci, engine_fill_copy)
{
	const uint64_t src = 0, dst = 8 * SZ_1M, len = SZ_1M;
	char uuid[MDGPU_UUID_LEN + 1];
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	struct mdgpu g;
	uint64_t i;
	unsigned int n;

	open_64m(_metadata, self, uuid, &g);
	n = mdgpu_cmd_fill(dw, src, 4096, len / 4096, 4096, 0xa5c3e10f);
	ASSERT_OK(mdgpu_submit(&g, dw, n, TIMEOUT_MS));
	ASSERT_OK(mdgpu_wait_idle(&g, TIMEOUT_MS));
	/* A marker the COPY must carry along, written through the mapping. */
	*(volatile uint32_t *)(g.vram + src + 4096 * 17) = 0x600d600d;
	n = mdgpu_cmd_copy(dw, src, dst, 4096, len / 4096, 4096, 4096);
	ASSERT_OK(mdgpu_submit(&g, dw, n, TIMEOUT_MS));
	ASSERT_OK(mdgpu_wait_idle(&g, TIMEOUT_MS));
	for (i = 0; i < len; i += 4) {
		uint32_t want = i == 4096 * 17 ? 0x600d600d : 0xa5c3e10f;

		if (*(volatile uint32_t *)(g.vram + src + i) != want ||
		    *(volatile uint32_t *)(g.vram + dst + i) != want) {
			EXPECT_EQ(want, *(volatile uint32_t *)(g.vram + dst + i))
				TH_LOG("first difference at %#llx",
				       (unsigned long long)i);
			break;
		}
	}
	/* Nothing past the filled range. */
	EXPECT_EQ(0, *(volatile uint32_t *)(g.vram + dst + len));
	mdgpu_detach(&g);
}

/*
 * A device reset zeroes the instance's part of the BAR: what was written
 * through the mapping, by pwrite, by an engine FILL and by an engine COPY,
 * each in a 1 MiB piece of its own (the backend zeroes only the pieces
 * written or mapped since they were last zeroed, so each way of writing
 * must mark its piece). Before the reset only pread looks at the last
 * three: it maps nothing.
 */
TEST_F(pci, reset_zeroes)
{
	static const uint64_t offs[] = {
		0, 5 * PAGE + 100, 63 * SZ_1M,	/* through the mapping */
		10 * SZ_1M + 8,			/* pwrite */
		20 * SZ_1M,			/* engine FILL */
		30 * SZ_1M + 4096,		/* engine COPY */
	};
	char uuid[MDGPU_UUID_LEN + 1];
	uint32_t dw[MDGPU_CMD_MAX_NDW];
	uint64_t got, val;
	struct mdgpu g;
	unsigned int n;
	size_t i;

	open_64m(_metadata, self, uuid, &g);
	for (i = 0; i < 3; i++)
		*(volatile uint64_t *)(g.vram + offs[i]) = 0xfeedfacecafe0000ULL + i;
	val = 0xfeedfacecafe0003ULL;
	ASSERT_EQ(8, mdgpu_region_write(g.v.device, VFIO_PCI_BAR0_REGION_INDEX,
					offs[3], &val, 8));
	n = mdgpu_cmd_fill(dw, offs[4], 4096, 1, 4096, 0x5a5a5a5a);
	ASSERT_OK(mdgpu_submit(&g, dw, n, TIMEOUT_MS));
	ASSERT_OK(mdgpu_wait_idle(&g, TIMEOUT_MS));
	n = mdgpu_cmd_copy(dw, offs[4], offs[5], 4096, 1, 4096, 4096);
	ASSERT_OK(mdgpu_submit(&g, dw, n, TIMEOUT_MS));
	ASSERT_OK(mdgpu_wait_idle(&g, TIMEOUT_MS));
	for (i = 3; i < ARRAY_SIZE(offs); i++) {
		got = 0;
		EXPECT_EQ(8, mdgpu_region_read(g.v.device,
					       VFIO_PCI_BAR0_REGION_INDEX,
					       offs[i], &got, 8));
		EXPECT_NE(0, got) TH_LOG("offset %#llx written",
					 (unsigned long long)offs[i]);
	}
	ASSERT_OK(mdgpu_device_reset(&g));
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		got = ~0ULL;
		EXPECT_EQ(8, mdgpu_region_read(g.v.device,
					       VFIO_PCI_BAR0_REGION_INDEX,
					       offs[i], &got, 8));
		EXPECT_EQ(0, got) TH_LOG("offset %#llx after reset",
					 (unsigned long long)offs[i]);
		EXPECT_EQ(0, *(volatile uint64_t *)(g.vram + offs[i]));
	}
	mdgpu_detach(&g);
}

/*
 * Region planes work on device memory; dma-buf planes need pages, so a
 * PCI parent's instances refuse them: plane_types "dmabuf"/"both" is
 * EOPNOTSUPP, probing a dma-buf plane EINVAL, GET_GFX_DMABUF ENOTTY.
 */
TEST_F(pci, region_plane_no_dmabuf)
{
	char uuid[MDGPU_UUID_LEN + 1];
	struct vfio_device_gfx_plane_info p;
	uint32_t id = 1, px = 0;
	struct mdgpu g;
	int fd;

	ASSERT_OK(mdgpu_create_tracked(&self->created, self->addr, "64M",
				       uuid));
	EXPECT_ERR(EOPNOTSUPP, mdgpu_instance_write(uuid, "plane_types", "both"));
	EXPECT_ERR(EOPNOTSUPP,
		   mdgpu_instance_write(uuid, "plane_types", "dmabuf"));
	EXPECT_OK(mdgpu_instance_write(uuid, "plane_types", "region"));
	ASSERT_OK(mdgpu_attach(&g, uuid, MDGPU_OPEN_GROUP));
	fd = g.v.device;

	ASSERT_OK(vbe_write(fd, VBE_ENABLE, 0));
	ASSERT_OK(vbe_write(fd, VBE_BPP, 32));
	ASSERT_OK(vbe_write(fd, VBE_XRES, 800));
	ASSERT_OK(vbe_write(fd, VBE_YRES, 600));
	ASSERT_OK(vbe_write(fd, VBE_VIRT_WIDTH, 800));
	ASSERT_OK(vbe_write(fd, VBE_VIRT_HEIGHT, 600));
	ASSERT_OK(vbe_write(fd, VBE_ENABLE, 0x41));
	ASSERT_EQ(MDGPU_DISPLAY_ENABLED,
		  mdgpu_reg_read(fd, MDGPU_REG_DISPLAY_STATUS));

	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.flags = VFIO_GFX_PLANE_TYPE_REGION;
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p))
		TH_LOG("region plane: %s", strerror(errno));
	EXPECT_EQ(800, p.width);
	EXPECT_EQ(600, p.height);
	EXPECT_EQ(800 * 4, p.stride);
	EXPECT_EQ(800 * 600 * 4, p.size);
	EXPECT_EQ(VFIO_PCI_BAR0_REGION_INDEX, p.region_index);
	/* The host reads the picture from the region, as QEMU does. */
	*(volatile uint32_t *)(g.vram + 4 * (800 * 10 + 20)) = 0x00ff8040;
	EXPECT_EQ(4, mdgpu_region_read(fd, p.region_index,
				       4 * (800 * 10 + 20), &px, 4));
	EXPECT_EQ(0x00ff8040, px);

	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF;
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_GFX_DMABUF, &id));
	EXPECT_EQ(ENOTTY, errno);
	mdgpu_detach(&g);
}

/*
 * Relocation on device memory (needs a BAR of at least 256 MiB): with the
 * 64 MiB slots 1 and 3 in use, compact moves one instance so that a
 * 128 MiB range is free; the moved instance's data reads back through its
 * mapping (which faults again onto the new frames) and through pread.
 */
TEST_F(pci, relocate_by_copy)
{
	char uuid[4][MDGPU_UUID_LEN + 1], path[PATH_MAX];
	uint64_t before[4], after, n = 0, v, got;
	int i, k, kept[2], nk = 0, moved = 0;
	struct mdgpu g[2];

	if (self->bar_len < 256 * SZ_1M)
		SKIP(return, "BAR of %llu MiB: no room to relocate",
		     (unsigned long long)(self->bar_len >> 20));
	for (i = 0; i < 4; i++) {
		ASSERT_OK(mdgpu_create_tracked(&self->created, self->addr,
					       "64M", uuid[i]));
		ASSERT_OK(mdgpu_instance_u64(uuid[i], "vram_offset",
					     &before[i]));
	}
	/* Keep the instances at 64 MiB and 192 MiB, open and mapped. */
	for (i = 0; i < 4; i++) {
		if (before[i] == 0 || before[i] == 128 * SZ_1M) {
			ASSERT_OK(mdgpu_remove_tracked(&self->created, uuid[i]));
			continue;
		}
		ASSERT_LT(nk, 2);
		kept[nk] = i;
		ASSERT_OK(mdgpu_attach(&g[nk], uuid[i], MDGPU_OPEN_GROUP));
		for (v = 0; v < 64 * SZ_1M; v += 4 * SZ_1M + PAGE)
			*(volatile uint64_t *)(g[nk].vram + v) = before[i] + v;
		nk++;
	}
	ASSERT_EQ(2, nk);

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/compact",
		 self->addr);
	ASSERT_OK(mdgpu_write_file(path, "1"));
	ASSERT_OK(mdgpu_parent_u64(self->addr, "relocations", &n));
	EXPECT_EQ(1, n);
	ASSERT_OK(mdgpu_parent_u64(self->addr, "vram_largest_free", &after));
	EXPECT_EQ(128 * SZ_1M, after);
	for (k = 0; k < 2; k++) {
		i = kept[k];
		ASSERT_OK(mdgpu_instance_u64(uuid[i], "vram_offset", &after));
		moved += after != before[i];
		for (v = 0; v < 64 * SZ_1M; v += 4 * SZ_1M + PAGE) {
			got = 0;
			EXPECT_EQ(before[i] + v,
				  *(volatile uint64_t *)(g[k].vram + v))
				TH_LOG("instance from %#llx, offset %#llx, mapping",
				       (unsigned long long)before[i],
				       (unsigned long long)v);
			EXPECT_EQ(8, mdgpu_region_read(g[k].v.device,
						       VFIO_PCI_BAR0_REGION_INDEX,
						       v, &got, 8));
			EXPECT_EQ(before[i] + v, got);
		}
		mdgpu_detach(&g[k]);
	}
	EXPECT_EQ(1, moved);
}

struct unbind_arg {
	const char *addr;
	int ret;
};

static void *unbind_thread(void *p)
{
	struct unbind_arg *a = p;

	a->ret = mdgpu_write_file(PCI_DRIVERS "/mdgpu/unbind", a->addr);
	return NULL;
}

/*
 * Unbinding the PCI device while an instance is open: the user gets the
 * request interrupt, the engine context fails with LOST, the parent is
 * failed; the unbind waits for the user and completes when it closes the
 * device, taking the instance with it.
 */
TEST_F(pci, unbind_with_open_instance)
{
	char uuid[MDGPU_UUID_LEN + 1], path[PATH_MAX], buf[64];
	struct unbind_arg a = { .addr = self->addr, .ret = 1 };
	struct pollfd pfd;
	struct mdgpu g;
	pthread_t t;
	int efd;

	open_64m(_metadata, self, uuid, &g);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_OK(mdgpu_irq_set_eventfd(g.v.device, VFIO_PCI_REQ_IRQ_INDEX, efd));
	ASSERT_OK(pthread_create(&t, NULL, unbind_thread, &a));

	pfd.fd = efd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, TIMEOUT_MS)) TH_LOG("request interrupt");
	EXPECT_EQ(MDGPU_ERR_LOST, mdgpu_wait_error(&g, TIMEOUT_MS));
	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/health",
		 self->addr);
	EXPECT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("failed", buf);
	/* Still waiting for us (the driver link is gone already). */
	usleep(200 * 1000);
	EXPECT_EQ(1, a.ret) TH_LOG("the unbind returned with the device open");

	mdgpu_detach(&g);
	close(efd);
	ASSERT_OK(pthread_join(t, NULL));
	EXPECT_EQ(0, a.ret) TH_LOG("unbind: %s", strerror(-a.ret));
	EXPECT_FALSE(bound_to_mdgpu(self->addr));
	EXPECT_FALSE(mdgpu_instance_exists(uuid));
	/* The instance went with its parent: nothing to remove. */
	mdgpu_remove_all(&self->created);
}

/* Minor faults of this process so far. */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * Whether the kernel maps huge PFN ranges through .huge_fault: 6.12 and
 * later on x86-64 built with transparent huge pages (the debug kernel
 * has none); the test VMs run 6.1 (never) and 6.12.
 */
static bool kernel_maps_huge_pfn(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (!mdgpu_path_exists("/sys/kernel/mm/transparent_hugepage"))
		return false;
	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 12);
}

/*
 * Map BAR0 at an address that is @shift bytes past a 2 MiB boundary;
 * return the mapping of @len bytes or MAP_FAILED.
 */
static uint8_t *map_bar0_at(int fd, size_t len, size_t shift)
{
	const size_t align = 2u << 20;
	uint8_t *area = mmap(NULL, len + 2 * align, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t at;
	off_t pos;

	if (area == MAP_FAILED)
		return area;
	/* BAR0's position as VFIO_DEVICE_GET_REGION_INFO reports it. */
	if (mdgpu_region_pos(fd, VFIO_PCI_BAR0_REGION_INDEX, 0, &pos))
		return MAP_FAILED;
	at = ((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1);
	return mmap((void *)(at + shift), len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_FIXED, fd, pos);
}

/*
 * Where the kernel maps huge PFN ranges, a 2 MiB-aligned mapping of the
 * PCI parent's VRAM takes one fault per 2 MiB (a PMD); a mapping that is
 * not aligned falls back to one fault per 4 KiB page. Either way every
 * byte lands where pread finds it.
 */
TEST_F(pci, huge_mapping)
{
	const size_t len = 8u << 20;
	char uuid[MDGPU_UUID_LEN + 1];
	uint8_t *aligned, *shifted, buf[64];
	long f0, huge_faults, small_faults;
	struct mdgpu g;
	size_t o;

	open_64m(_metadata, self, uuid, &g);
	aligned = map_bar0_at(g.v.device, len, 0);
	ASSERT_NE(MAP_FAILED, (void *)aligned);
	f0 = minflt();
	for (o = 0; o < len; o += PAGE)
		aligned[o + 5] = (uint8_t)(o >> 12);
	huge_faults = minflt() - f0;
	shifted = map_bar0_at(g.v.device, len, PAGE);
	ASSERT_NE(MAP_FAILED, (void *)shifted);
	f0 = minflt();
	for (o = 0; o < len; o += PAGE)
		EXPECT_EQ((uint8_t)(o >> 12), shifted[o + 5]);
	small_faults = minflt() - f0;
	TH_LOG("8 MiB: %ld faults aligned, %ld shifted by 4 KiB", huge_faults,
	       small_faults);
	if (kernel_maps_huge_pfn()) {
		EXPECT_GE(8, huge_faults) TH_LOG("no huge mappings");
	} else {
		EXPECT_LE((long)(len / PAGE), huge_faults);
	}
	EXPECT_LE((long)(len / PAGE), small_faults);
	for (o = 0; o < len; o += 1u << 20) {
		ASSERT_EQ((ssize_t)sizeof(buf),
			  mdgpu_region_read(g.v.device,
					    VFIO_PCI_BAR0_REGION_INDEX, o, buf,
					    sizeof(buf)));
		EXPECT_EQ((uint8_t)(o >> 12), buf[5]);
	}
	munmap(shifted, len);
	munmap(aligned, len);
	mdgpu_detach(&g);
}

struct remove_arg {
	const char *addr;
	int ret;
};

static void *remove_thread(void *p)
{
	struct remove_arg *a = p;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/remove",
		 a->addr);
	a->ret = mdgpu_write_file(path, "1");
	return NULL;
}

/*
 * The PCI device goes away while it has instances: removing it from the
 * bus through sysfs runs the kernel path of a hot-unplug (the hotplug
 * drivers call the same pci_stop_and_remove_bus_device()). The open and
 * mapped instance gets the request interrupt and LOST, the removal waits
 * for its user, and once it has closed the device both instances, the
 * parent and the device are gone. A rescan finds the device again, not
 * bound to mdgpu (a new device has no driver_override). Last in the file:
 * it takes the device away from the tests after it if the rescan fails.
 */
TEST_F(pci, remove_device_with_instances)
{
	char open_uuid[MDGPU_UUID_LEN + 1], idle_uuid[MDGPU_UUID_LEN + 1];
	struct remove_arg a = { .addr = self->addr, .ret = 1 };
	char path[PATH_MAX], buf[64];
	struct pollfd pfd;
	struct mdgpu g;
	pthread_t t;
	int efd, i;

	open_64m(_metadata, self, open_uuid, &g);
	ASSERT_OK(mdgpu_create_tracked(&self->created, self->addr, "64M",
				       idle_uuid));
	/* The mapping the user holds stays valid until it lets go. */
	g.vram[4096] = 0x5a;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_OK(mdgpu_irq_set_eventfd(g.v.device, VFIO_PCI_REQ_IRQ_INDEX, efd));
	ASSERT_OK(pthread_create(&t, NULL, remove_thread, &a));

	pfd.fd = efd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, TIMEOUT_MS)) TH_LOG("request interrupt");
	EXPECT_EQ(MDGPU_ERR_LOST, mdgpu_wait_error(&g, TIMEOUT_MS));
	usleep(200 * 1000);
	EXPECT_EQ(1, a.ret) TH_LOG("the removal returned with the device open");
	EXPECT_EQ(0x5a, g.vram[4096]);

	mdgpu_detach(&g);
	close(efd);
	ASSERT_OK(pthread_join(t, NULL));
	EXPECT_EQ(0, a.ret) TH_LOG("remove: %s", strerror(-a.ret));
	EXPECT_FALSE(mdgpu_instance_exists(open_uuid));
	EXPECT_FALSE(mdgpu_instance_exists(idle_uuid));
	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s", self->addr);
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s is still there", path);
	snprintf(path, sizeof(path), "/sys/class/mdev_bus/%s", self->addr);
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s is still there", path);
	mdgpu_remove_all(&self->created);

	/* Back, unbound, as if plugged in again. */
	ASSERT_OK(mdgpu_write_file("/sys/bus/pci/rescan", "1"));
	for (i = 0; i < 50 && find_ivshmem(buf); i++)
		usleep(100 * 1000);
	ASSERT_OK(find_ivshmem(buf)) TH_LOG("the rescan did not find the device");
	EXPECT_STREQ(self->addr, buf);
	EXPECT_FALSE(bound_to_mdgpu(buf));
}

/*
 * The VM harness's hot-plug channel (selftests/vm/hotplug-agent.sh): a
 * request line to QEMU's side on MDGPU_HOTPLUG_TTY, answers on the same
 * port. -ENOENT without the channel.
 */
static int hp_open(void)
{
	const char *tty = getenv("MDGPU_HOTPLUG_TTY");
	struct termios t;
	int fd;

	if (!tty || !*tty)
		return -ENOENT;
	fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Raw: no echo of the answers back to the host, no line editing. */
	if (tcgetattr(fd, &t)) {
		close(fd);
		return -EIO;
	}
	cfmakeraw(&t);
	cfsetspeed(&t, B115200);
	if (tcsetattr(fd, TCSANOW, &t) || tcflush(fd, TCIOFLUSH)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/*
 * Wait up to @ms for the answer "MDGPU-HP @want" on @fd: 0, -EIO on an
 * error answer (copied to @err), -ETIMEDOUT.
 */
static int hp_wait(int fd, const char *want, int ms, char *err, size_t len)
{
	char line[256], *p;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	char c;

	err[0] = '\0';
	while (poll(&pfd, 1, ms) == 1) {
		if (read(fd, &c, 1) != 1)
			return -EIO;
		if (c != '\n' && c != '\r') {
			if (n < sizeof(line) - 1)
				line[n++] = c;
			continue;
		}
		line[n] = '\0';
		n = 0;
		p = strstr(line, "MDGPU-HP ");
		if (!p)
			continue;
		p += strlen("MDGPU-HP ");
		if (!strcmp(p, want))
			return 0;
		if (!strncmp(p, "error ", 6)) {
			snprintf(err, len, "%s", p);
			return -EIO;
		}
	}
	return -ETIMEDOUT;
}

/* Send "MDGPU-HP @req" and wait for the answer "MDGPU-HP ok @what". */
static int hp_ask(int fd, const char *req, const char *what, char *err,
		  size_t len)
{
	char line[128], want[64];
	int n = snprintf(line, sizeof(line), "MDGPU-HP %s\n", req);

	if (write(fd, line, n) != n)
		return -EIO;
	snprintf(want, sizeof(want), "ok %s", what);
	return hp_wait(fd, want, TIMEOUT_MS, err, len);
}

/*
 * Whether a hotplug driver (acpiphp on QEMU's pc machine) controls the
 * slot of @addr: a slot under /sys/bus/pci/slots with that address and a
 * "power" attribute (slots the ACPI tables merely name have none).
 */
static bool hotplug_slot(const char *addr)
{
	char path[PATH_MAX], buf[64], want[64];
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/slots");
	bool found = false;

	if (!dir)
		return false;
	/* "0000:00:03.0" is in slot "0000:00:03". */
	snprintf(want, sizeof(want), "%.*s", (int)(strrchr(addr, '.') - addr),
		 addr);
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/address",
			 de->d_name);
		if (mdgpu_read_file(path, buf, sizeof(buf)) || strcmp(buf, want))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/power",
			 de->d_name);
		found = mdgpu_path_exists(path);
	}
	closedir(dir);
	return found;
}

static bool pci_present(const char *addr)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s", addr);
	return mdgpu_path_exists(path);
}

/*
 * QEMU hot-unplugs the PCI device while it has instances (device_del: an
 * ACPI hot-unplug request the guest's acpiphp answers by removing the
 * device, then ejecting it). The open and mapped instance's user gets the
 * request interrupt and LOST, the removal waits for it, and once it has
 * closed the device the removal completes: the guest ejects the device,
 * QEMU deletes it, both instances and the parent are gone. QEMU then plugs
 * a device into the same slot, which comes up unbound. Needs the VM
 * harness's hot-plug channel and a kernel with ACPI PCI hotplug (the
 * debug kernel has none: CONFIG_HOTPLUG_PCI is off).
 */
TEST_F(pci, hot_unplug_with_instances)
{
	char open_uuid[MDGPU_UUID_LEN + 1], idle_uuid[MDGPU_UUID_LEN + 1];
	char path[PATH_MAX], buf[64], err[160], req[32];
	unsigned int dom, bus, slot, fn;
	struct pollfd pfd;
	struct mdgpu g;
	int hp, efd, i;

	hp = hp_open();
	if (hp == -ENOENT)
		SKIP(return, "no hot-plug channel (selftests/vm/run-vm.sh has one)");
	ASSERT_LE(0, hp) TH_LOG("open %s: %s", getenv("MDGPU_HOTPLUG_TTY"),
				strerror(-hp));
	if (!hotplug_slot(self->addr)) {
		close(hp);
		SKIP(return, "%s is in no hotplug slot: no ACPI PCI hotplug in this kernel",
		     self->addr);
	}
	ASSERT_EQ(4, sscanf(self->addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn));

	open_64m(_metadata, self, open_uuid, &g);
	ASSERT_OK(mdgpu_create_tracked(&self->created, self->addr, "64M",
				       idle_uuid));
	g.vram[4096] = 0x5a;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_OK(mdgpu_irq_set_eventfd(g.v.device, VFIO_PCI_REQ_IRQ_INDEX, efd));

	ASSERT_OK(hp_ask(hp, "unplug", "unplug", err, sizeof(err)))
		TH_LOG("device_del: %s", err);
	pfd.fd = efd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, TIMEOUT_MS)) TH_LOG("request interrupt");
	EXPECT_EQ(MDGPU_ERR_LOST, mdgpu_wait_error(&g, TIMEOUT_MS));
	snprintf(path, sizeof(path), MDGPU_PCI_DEVICES_DIR "/%s/health",
		 self->addr);
	EXPECT_OK(mdgpu_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("failed", buf);
	/* The removal waits for us: the device is still there. */
	usleep(200 * 1000);
	EXPECT_TRUE(pci_present(self->addr))
		TH_LOG("the device went away with an instance open");
	EXPECT_EQ(0x5a, g.vram[4096]);

	mdgpu_detach(&g);
	close(efd);
	EXPECT_OK(hp_wait(hp, "deleted", TIMEOUT_MS, err, sizeof(err)))
		TH_LOG("QEMU did not delete the device (the guest did not eject it)");
	for (i = 0; i < 100 && pci_present(self->addr); i++)
		usleep(100 * 1000);
	EXPECT_FALSE(pci_present(self->addr));
	EXPECT_FALSE(mdgpu_instance_exists(open_uuid));
	EXPECT_FALSE(mdgpu_instance_exists(idle_uuid));
	snprintf(path, sizeof(path), "/sys/class/mdev_bus/%s", self->addr);
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s is still there", path);
	mdgpu_remove_all(&self->created);

	/* Plugged in again (new memory), it comes up unbound. */
	snprintf(req, sizeof(req), "plug %x", slot);
	ASSERT_OK(hp_ask(hp, req, "plug", err, sizeof(err)))
		TH_LOG("device_add: %s", err);
	close(hp);
	for (i = 0; i < 100 && find_ivshmem(buf); i++)
		usleep(100 * 1000);
	ASSERT_OK(find_ivshmem(buf)) TH_LOG("the plugged device is not there");
	EXPECT_STREQ(self->addr, buf);
	EXPECT_FALSE(bound_to_mdgpu(buf));
}

TEST_HARNESS_MAIN
