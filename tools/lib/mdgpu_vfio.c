// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmdgpu's VFIO access layer; see mdgpu_vfio.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mdgpu_vfio.h"
#include "uapi/mdgpu.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Return -@err with errno set to @err: every failure path ends here. */
static int fail(int err)
{
	errno = err;
	return -err;
}

/* ------------------------------------------------------------------------
 * region tables, one for each device fd the library has seen
 */

/**
 * struct fd_table - the region table of one device fd
 * @loaded: @t holds what the kernel reported for the file open at this fd
 * @t: the table
 */
struct fd_table {
	bool loaded;
	struct mdgpu_region_table t;
};

/* Indexed by fd, grown on demand; protected by tables_lock. */
static struct fd_table *tables;
static size_t nr_tables;

/* Protects tables and nr_tables: tools call the library from threads. */
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;

int mdgpu_region_table_load(int device, struct mdgpu_region_table *t)
{
	struct vfio_device_info dev = { .argsz = sizeof(dev) };
	unsigned int i;

	memset(t, 0, sizeof(*t));
	if (ioctl(device, VFIO_DEVICE_GET_INFO, &dev))
		return fail(errno);
	t->num = dev.num_regions < MDGPU_MAX_REGIONS ? dev.num_regions :
						       MDGPU_MAX_REGIONS;
	for (i = 0; i < t->num; i++) {
		struct vfio_region_info ri = {
			.argsz = sizeof(ri),
			.index = i,
		};

		if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &ri))
			continue;
		t->region[i].valid = true;
		t->region[i].flags = ri.flags;
		t->region[i].size = ri.size;
		t->region[i].offset = ri.offset;
	}
	return 0;
}

int mdgpu_region_table_pos(const struct mdgpu_region_table *t,
			   unsigned int index, uint64_t off, off_t *pos)
{
	uint64_t start;

	if (index >= t->num || !t->region[index].valid)
		return fail(EINVAL);
	start = t->region[index].offset;
	if (start > INT64_MAX || off > (uint64_t)INT64_MAX - start)
		return fail(EOVERFLOW);
	*pos = (off_t)(start + off);
	return 0;
}

/* Forget @device's table: its fd is closed or now names another file. */
static void table_forget(int device)
{
	pthread_mutex_lock(&tables_lock);
	if (device >= 0 && (size_t)device < nr_tables)
		tables[device].loaded = false;
	pthread_mutex_unlock(&tables_lock);
}

/* Make room for fd @device in tables. Called with tables_lock held. */
static int tables_grow(int device)
{
	size_t n = nr_tables ? nr_tables : 64;
	struct fd_table *p;

	while (n <= (size_t)device)
		n *= 2;
	p = realloc(tables, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + nr_tables, 0, (n - nr_tables) * sizeof(*p));
	tables = p;
	nr_tables = n;
	return 0;
}

/* Copy @device's table into @t, loading it first if need be. */
static int table_get(int device, struct mdgpu_region_table *t)
{
	int ret = 0;

	if (device < 0)
		return fail(EBADF);
	pthread_mutex_lock(&tables_lock);
	if ((size_t)device >= nr_tables)
		ret = tables_grow(device);
	if (!ret && !tables[device].loaded) {
		ret = mdgpu_region_table_load(device, &tables[device].t);
		tables[device].loaded = !ret;
	}
	if (!ret)
		*t = tables[device].t;
	pthread_mutex_unlock(&tables_lock);
	return ret ? fail(-ret) : 0;
}

/* A new device fd: (re)load its table now, outside any fault window. */
static int table_reload(int device)
{
	struct mdgpu_region_table t;

	table_forget(device);
	return table_get(device, &t);
}

int mdgpu_region_info(int device, unsigned int index,
		      struct mdgpu_region *info)
{
	struct mdgpu_region_table t;
	int ret;

	ret = table_get(device, &t);
	if (ret)
		return ret;
	if (index >= t.num || !t.region[index].valid)
		return fail(EINVAL);
	*info = t.region[index];
	return 0;
}

int mdgpu_region_pos(int device, unsigned int index, uint64_t off,
		     off_t *pos)
{
	struct mdgpu_region_table t;
	int ret;

	ret = table_get(device, &t);
	return ret ?: mdgpu_region_table_pos(&t, index, off, pos);
}

int mdgpu_region_find(int device, uint32_t type, uint32_t subtype)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	unsigned int i;

	if (ioctl(device, VFIO_DEVICE_GET_INFO, &dinfo))
		return fail(errno);
	for (i = VFIO_PCI_NUM_REGIONS; i < dinfo.num_regions; i++) {
		union {
			struct vfio_region_info info;
			uint8_t buf[512];
		} u;
		uint32_t off;

		memset(&u, 0, sizeof(u));
		u.info.argsz = sizeof(u);
		u.info.index = i;
		if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &u) ||
		    !(u.info.flags & VFIO_REGION_INFO_FLAG_CAPS))
			continue;
		for (off = u.info.cap_offset;
		     off >= sizeof(u.info) && off + 16 <= sizeof(u.buf);) {
			struct vfio_region_info_cap_type *c = (void *)(u.buf + off);

			if (c->header.id == VFIO_REGION_INFO_CAP_TYPE &&
			    c->type == type && c->subtype == subtype)
				return i;
			if (c->header.next <= off)
				break;
			off = c->header.next;
		}
	}
	return fail(ENOENT);
}

ssize_t mdgpu_region_read(int device, unsigned int index, uint64_t off,
			  void *buf, size_t len)
{
	ssize_t n;
	off_t pos;
	int ret;

	ret = mdgpu_region_pos(device, index, off, &pos);
	if (ret)
		return ret;
	n = pread(device, buf, len, pos);
	return n < 0 ? -errno : n;
}

ssize_t mdgpu_region_write(int device, unsigned int index, uint64_t off,
			   const void *buf, size_t len)
{
	ssize_t n;
	off_t pos;
	int ret;

	ret = mdgpu_region_pos(device, index, off, &pos);
	if (ret)
		return ret;
	n = pwrite(device, buf, len, pos);
	return n < 0 ? -errno : n;
}

void *mdgpu_region_mmap(int device, unsigned int index, uint64_t off,
			size_t len, int prot)
{
	off_t pos;

	if (mdgpu_region_pos(device, index, off, &pos))
		return MAP_FAILED;
	return mmap(NULL, len, prot, MAP_SHARED, device, pos);
}

/* 0 if exactly @len bytes moved, else -errno (-EIO for a short one). */
static int whole(ssize_t n, size_t len)
{
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : fail(EIO);
}

int mdgpu_cfg_read(int device, uint32_t off, void *val, size_t len)
{
	return whole(mdgpu_region_read(device, VFIO_PCI_CONFIG_REGION_INDEX,
				       off, val, len), len);
}

int mdgpu_cfg_write(int device, uint32_t off, const void *val, size_t len)
{
	return whole(mdgpu_region_write(device, VFIO_PCI_CONFIG_REGION_INDEX,
					off, val, len), len);
}

uint32_t mdgpu_cfg_read32(int device, uint32_t off)
{
	uint32_t val = 0xdeadbeef;

	mdgpu_cfg_read(device, off, &val, sizeof(val));
	return val;
}

int mdgpu_reg_read32(int device, uint32_t off, uint32_t *val)
{
	return whole(mdgpu_region_read(device, VFIO_PCI_BAR0_REGION_INDEX +
				       MDGPU_BAR_REGS, off, val, sizeof(*val)),
		     sizeof(*val));
}

uint32_t mdgpu_reg_read(int device, uint32_t off)
{
	uint32_t val = 0xdeadbeef;

	mdgpu_reg_read32(device, off, &val);
	return val;
}

int mdgpu_reg_write(int device, uint32_t off, uint32_t val)
{
	return whole(mdgpu_region_write(device, VFIO_PCI_BAR0_REGION_INDEX +
					MDGPU_BAR_REGS, off, &val, sizeof(val)),
		     sizeof(val));
}

int mdgpu_reg_write16(int device, uint32_t off, uint16_t val)
{
	return whole(mdgpu_region_write(device, VFIO_PCI_BAR0_REGION_INDEX +
					MDGPU_BAR_REGS, off, &val, sizeof(val)),
		     sizeof(val));
}

void *mdgpu_map_vram(int device, size_t len)
{
	void *p = mdgpu_region_mmap(device, VFIO_PCI_BAR0_REGION_INDEX +
				    MDGPU_BAR_VRAM, 0, len,
				    PROT_READ | PROT_WRITE);

	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------------------------------
 * opening
 */

int mdgpu_vfio_group_setup(const char *uuid, struct mdgpu_vfio *v)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], link[PATH_MAX], group[32];
	const char *base;
	int iommu, err;
	ssize_t n;

	*v = (struct mdgpu_vfio)MDGPU_VFIO_INIT;
	snprintf(path, sizeof(path), MDGPU_MDEV_DIR "/%s/iommu_group", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return fail(errno);
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= sizeof(group))
		return fail(ENAMETOOLONG);
	memcpy(group, base, strlen(base) + 1);

	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		goto fail;
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		errno = EPROTO;
		goto fail;
	}
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		iommu = VFIO_TYPE1v2_IOMMU;
	} else if (ioctl(v->container, VFIO_CHECK_EXTENSION,
			 VFIO_TYPE1_IOMMU) > 0) {
		iommu = VFIO_TYPE1_IOMMU;
	} else {
		errno = EOPNOTSUPP;
		goto fail;
	}

	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0)
		goto fail;
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &status))
		goto fail;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EPERM;
		goto fail;
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		goto fail;
	if (ioctl(v->container, VFIO_SET_IOMMU, iommu))
		goto fail;
	return 0;

fail:
	err = errno;
	mdgpu_vfio_close(v);
	return fail(err);
}

int mdgpu_vfio_get_device(const char *uuid, struct mdgpu_vfio *v)
{
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (v->device < 0)
		return fail(errno);
	table_forget(v->device);
	return 0;
}

int mdgpu_vfio_open_group(const char *uuid, struct mdgpu_vfio *v)
{
	int ret;

	ret = mdgpu_vfio_group_setup(uuid, v);
	ret = ret ?: mdgpu_vfio_get_device(uuid, v);
	ret = ret ?: table_reload(v->device);
	if (ret) {
		mdgpu_vfio_close(v);
		return fail(-ret);
	}
	return 0;
}

int mdgpu_vfio_cdev_path(const char *uuid, char *buf, size_t len)
{
	char dir[PATH_MAX], devattr[PATH_MAX], majmin[32];
	unsigned int maj, min;
	char name[64] = "";
	struct dirent *de;
	ssize_t n;
	int fd;
	DIR *d;

	snprintf(dir, sizeof(dir), MDGPU_MDEV_DIR "/%s/vfio-dev", uuid);
	d = opendir(dir);
	if (!d)
		return fail(errno);
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "vfio", 4) &&
		    strlen(de->d_name) < sizeof(name)) {
			memcpy(name, de->d_name, strlen(de->d_name) + 1);
			break;
		}
	}
	closedir(d);
	if (!name[0])
		return fail(ENOENT);

	snprintf(buf, len, "/dev/vfio/devices/%s", name);
	if (!access(buf, F_OK))
		return 0;
	snprintf(devattr, sizeof(devattr),
		 MDGPU_MDEV_DIR "/%s/vfio-dev/%s/dev", uuid, name);
	fd = open(devattr, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno);
	n = read(fd, majmin, sizeof(majmin) - 1);
	close(fd);
	if (n <= 0)
		return fail(EIO);
	majmin[n] = '\0';
	if (sscanf(majmin, "%u:%u", &maj, &min) != 2)
		return fail(EINVAL);
	snprintf(buf, len, "/tmp/libmdgpu-%s-%d", name, getpid());
	unlink(buf);
	if (mknod(buf, S_IFCHR | 0600, makedev(maj, min)))
		return fail(errno);
	return 0;
}

bool mdgpu_vfio_cdev_available(const char *uuid)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), MDGPU_MDEV_DIR "/%s/vfio-dev", uuid);
	return !access("/dev/iommu", F_OK) && !access(dir, F_OK);
}

int mdgpu_vfio_open_cdev(const char *uuid, struct mdgpu_vfio *v)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	char path[PATH_MAX];
	int ret;

	*v = (struct mdgpu_vfio)MDGPU_VFIO_INIT;
	ret = mdgpu_vfio_cdev_path(uuid, path, sizeof(path));
	if (ret)
		return ret;
	v->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (v->iommufd < 0)
		goto fail;
	v->device = open(path, O_RDWR | O_CLOEXEC);
	if (!strncmp(path, "/tmp/", 5))
		unlink(path);
	if (v->device < 0)
		goto fail;
	table_forget(v->device);
	bind.iommufd = v->iommufd;
	if (ioctl(v->device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		goto fail;
	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &ioas))
		goto fail;
	v->ioas_id = ioas.out_ioas_id;
	attach.pt_id = v->ioas_id;
	if (ioctl(v->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		goto fail;
	ret = table_reload(v->device);
	if (ret)
		goto fail;
	return 0;

fail:
	ret = errno;
	mdgpu_vfio_close(v);
	return fail(ret);
}

int mdgpu_vfio_open(const char *name, bool cdev, struct mdgpu_vfio *v)
{
	const char *uuid = strrchr(name, '/');
	char buf[64];
	size_t len;

	*v = (struct mdgpu_vfio)MDGPU_VFIO_INIT;
	uuid = uuid ? uuid + 1 : name;
	len = strlen(uuid);
	if (!len && uuid != name) {
		/* A trailing slash: the component before it. */
		len = uuid - 1 - name;
		while (len && name[len - 1] != '/')
			len--;
		uuid = name + len;
		len = strcspn(uuid, "/");
	}
	if (!len || len >= sizeof(buf))
		return fail(EINVAL);
	memcpy(buf, uuid, len);
	buf[len] = '\0';
	return cdev ? mdgpu_vfio_open_cdev(buf, v) :
		      mdgpu_vfio_open_group(buf, v);
}

void mdgpu_vfio_close(struct mdgpu_vfio *v)
{
	int *fds[] = { &v->device, &v->group, &v->container, &v->iommufd };
	size_t i;

	table_forget(v->device);
	for (i = 0; i < ARRAY_LEN(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	v->ioas_id = 0;
}

/*
 * Whether an fd or mapping target names a VFIO or iommufd file, or the file
 * mdgpu puts behind BAR0 mappings (which holds the VFIO device file).
 */
static bool is_vfio_path(const char *p)
{
	return strstr(p, "[vfio-device]") || !strncmp(p, "/dev/vfio/", 10) ||
	       !strcmp(p, "/dev/iommu") || strstr(p, "mdgpu-vram");
}

void mdgpu_vfio_release_all(void)
{
	char path[PATH_MAX], target[PATH_MAX], line[PATH_MAX + 128];
	unsigned long start, end;
	struct dirent *de;
	ssize_t n;
	FILE *maps;
	DIR *dir;
	int fd;

	maps = fopen("/proc/self/maps", "re");
	while (maps && fgets(line, sizeof(line), maps)) {
		char *file = strchr(line, '/');
		char *anon = strstr(line, "anon_inode:");

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if ((file && is_vfio_path(file)) || (anon && is_vfio_path(anon)))
			munmap((void *)start, end - start);
	}
	if (maps)
		fclose(maps);

	dir = opendir("/proc/self/fd");
	while (dir && (de = readdir(dir))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (is_vfio_path(target))
			close(fd);
	}
	if (dir)
		closedir(dir);
	pthread_mutex_lock(&tables_lock);
	free(tables);
	tables = NULL;
	nr_tables = 0;
	pthread_mutex_unlock(&tables_lock);
}

/* ------------------------------------------------------------------------
 * interrupts
 */

int mdgpu_irq_set(int device, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const void *data, size_t data_len)
{
	struct {
		struct vfio_irq_set hdr;
		uint8_t data[64];
	} buf;

	if (data_len > sizeof(buf.data))
		return fail(E2BIG);
	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = sizeof(buf.hdr) + data_len;
	buf.hdr.flags = flags;
	buf.hdr.index = index;
	buf.hdr.start = start;
	buf.hdr.count = count;
	if (data_len)
		memcpy(buf.data, data, data_len);
	return ioctl(device, VFIO_DEVICE_SET_IRQS, &buf) ? fail(errno) : 0;
}

int mdgpu_irq_set_eventfd(int device, uint32_t index, int fd)
{
	int32_t fd32 = fd;

	return mdgpu_irq_set(device, index,
			     VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER,
			     0, 1, &fd32, sizeof(fd32));
}

int mdgpu_irq_fire(int device, uint32_t index)
{
	return mdgpu_irq_set(device, index,
			     VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			     0, 1, NULL, 0);
}

int mdgpu_eventfd_count(int efd, uint64_t *count)
{
	ssize_t n = read(efd, count, sizeof(*count));

	if (n == sizeof(*count))
		return 0;
	if (n < 0 && errno == EAGAIN) {
		*count = 0;
		return 0;
	}
	return n < 0 ? fail(errno) : fail(EIO);
}

/* ------------------------------------------------------------------------
 * device features and migration
 */

int mdgpu_device_feature(int device, uint32_t flags, void *data, size_t len)
{
	union {
		struct vfio_device_feature f;
		uint8_t buf[sizeof(struct vfio_device_feature) + 64];
	} u;

	if (len > sizeof(u.buf) - sizeof(u.f))
		return fail(EINVAL);
	memset(&u, 0, sizeof(u));
	u.f.argsz = sizeof(u.f) + len;
	u.f.flags = flags;
	if (len)
		memcpy(u.f.data, data, len);
	if (ioctl(device, VFIO_DEVICE_FEATURE, &u))
		return fail(errno);
	if (len)
		memcpy(data, u.f.data, len);
	return 0;
}

int mdgpu_mig_flags(int device, uint64_t *flags)
{
	struct vfio_device_feature_migration m = { 0 };
	int ret;

	ret = mdgpu_device_feature(device, VFIO_DEVICE_FEATURE_GET |
				   VFIO_DEVICE_FEATURE_MIGRATION, &m,
				   sizeof(m));
	*flags = m.flags;
	return ret;
}

int mdgpu_mig_get_state(int device, uint32_t *state)
{
	struct vfio_device_feature_mig_state s = { .data_fd = -1 };
	int ret;

	ret = mdgpu_device_feature(device, VFIO_DEVICE_FEATURE_GET |
				   VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &s,
				   sizeof(s));
	*state = ret ? ~0u : s.device_state;
	return ret;
}

int mdgpu_mig_set_state(int device, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state s = {
		.device_state = state,
		.data_fd = -1,
	};
	int ret;

	ret = mdgpu_device_feature(device, VFIO_DEVICE_FEATURE_SET |
				   VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &s,
				   sizeof(s));
	if (ret)
		s.data_fd = -1;
	if (data_fd)
		*data_fd = s.data_fd;
	else if (s.data_fd >= 0)
		close(s.data_fd);
	return ret;
}

int mdgpu_mig_data_size(int device, uint64_t *len)
{
	struct vfio_device_feature_mig_data_size d = { 0 };
	int ret;

	ret = mdgpu_device_feature(device, VFIO_DEVICE_FEATURE_GET |
				   VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &d,
				   sizeof(d));
	*len = d.stop_copy_length;
	return ret;
}

int mdgpu_mig_precopy_info(int data_fd, struct vfio_precopy_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, info) ? fail(errno) :
								 0;
}

const char *mdgpu_mig_state_name(uint32_t state)
{
	static const char *const names[] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING",
		"RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
	};

	return state < ARRAY_LEN(names) ? names[state] : "?";
}

/* ------------------------------------------------------------------------
 * display
 */

int mdgpu_set_mode(int device, unsigned int w, unsigned int h,
		   unsigned int bpp)
{
	/* DISPI register and what goes in it: 0 off, 1 w, 2 h, 3 bpp, 4 on */
	static const struct { unsigned int reg; int what; } seq[] = {
		{ 4, 0 }, { 3, 3 }, { 1, 1 }, { 2, 2 }, { 5, -1 },
		{ 6, 1 }, { 7, 2 }, { 8, -1 }, { 9, -1 }, { 4, 4 },
	};
	uint32_t status;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_LEN(seq); i++) {
		unsigned int v = 0;

		switch (seq[i].what) {
		case 1:
			v = w;
			break;
		case 2:
			v = h;
			break;
		case 3:
			v = bpp;
			break;
		case 4:
			v = 0x41;	/* ENABLED | LFB_ENABLED */
			break;
		}
		ret = mdgpu_reg_write16(device, MDGPU_DISPI_REG(seq[i].reg), v);
		if (ret)
			return ret;
	}
	ret = mdgpu_reg_read32(device, MDGPU_REG_DISPLAY_STATUS, &status);
	if (ret)
		return ret;
	return status & MDGPU_DISPLAY_ENABLED ? 0 : fail(EINVAL);
}

static int query_plane(int device, uint32_t flags,
		       struct vfio_device_gfx_plane_info *p)
{
	memset(p, 0, sizeof(*p));
	p->argsz = sizeof(*p);
	p->flags = flags;
	p->drm_plane_type = 1;	/* DRM_PLANE_TYPE_PRIMARY */
	return ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, p) ? fail(errno) : 0;
}

int mdgpu_scanout_map(int device, struct mdgpu_scanout *s)
{
	struct vfio_device_gfx_plane_info probe;
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->map = MAP_FAILED;
	if (!query_plane(device, VFIO_GFX_PLANE_TYPE_PROBE |
			 VFIO_GFX_PLANE_TYPE_DMABUF, &probe))
		s->dmabuf = 1;
	else if (query_plane(device, VFIO_GFX_PLANE_TYPE_PROBE |
			     VFIO_GFX_PLANE_TYPE_REGION, &probe))
		return fail(EOPNOTSUPP);
	ret = query_plane(device, s->dmabuf ? VFIO_GFX_PLANE_TYPE_DMABUF :
			  VFIO_GFX_PLANE_TYPE_REGION, &s->plane);
	if (ret)
		return ret;
	if (!s->plane.drm_format || !s->plane.size)
		return fail(ENODATA);
	s->map_len = (s->plane.size + page - 1) / page * page;
	if (s->dmabuf) {
		s->fd = ioctl(device, VFIO_DEVICE_GET_GFX_DMABUF,
			      &s->plane.dmabuf_id);
		if (s->fd < 0)
			return fail(errno);
		s->map = mmap(NULL, s->map_len, PROT_READ, MAP_SHARED, s->fd, 0);
	} else {
		s->map = mdgpu_region_mmap(device, s->plane.region_index, 0,
					   s->map_len, PROT_READ);
	}
	if (s->map == MAP_FAILED) {
		ret = -errno;
		mdgpu_scanout_unmap(s);
		return fail(-ret);
	}
	s->pix = s->map;
	return 0;
}

void mdgpu_scanout_unmap(struct mdgpu_scanout *s)
{
	int err = errno;

	if (s->map && s->map != MAP_FAILED)
		munmap(s->map, s->map_len);
	if (s->fd >= 0)
		close(s->fd);
	s->map = MAP_FAILED;
	s->fd = -1;
	errno = err;
}
