// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the mdgpu selftests; see mdgpu_selftest.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mdgpu_selftest.h"

const struct mdgpu_type_info mdgpu_types[MDGPU_NR_TYPES] = {
	{ "64M", 64 * SZ_1M },
	{ "128M", 128 * SZ_1M },
	{ "256M", 256 * SZ_1M },
	{ "512M", 512 * SZ_1M },
};

/* ------------------------------------------------------------------------
 * sysfs
 */

int mdgpu_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int mdgpu_write_file(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, str, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

int mdgpu_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	int ret;

	ret = mdgpu_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

bool mdgpu_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strverscmp(a, b);
}

int mdgpu_parent_names(char names[][MDGPU_NAME_LEN], int max)
{
	struct dirent *de;
	DIR *dir;
	int n = 0;

	dir = opendir(MDGPU_CLASS_DIR);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == max || strlen(de->d_name) >= MDGPU_NAME_LEN) {
			closedir(dir);
			return -E2BIG;
		}
		strcpy(names[n++], de->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), name_cmp);
	return n;
}

const char *mdgpu_parent_base(const char *parent)
{
	return strchr(parent, ':') ? MDGPU_PCI_DEVICES_DIR : MDGPU_CLASS_DIR;
}

int mdgpu_parent_u64(const char *parent, const char *attr, uint64_t *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", mdgpu_parent_base(parent),
		 parent, attr);
	return mdgpu_read_u64(path, val);
}

int mdgpu_type_path(char *buf, size_t len, const char *parent,
		    const char *type, const char *attr)
{
	int n = snprintf(buf, len, "%s/%s/mdev_supported_types/mdgpu-%s/%s",
			 mdgpu_parent_base(parent), parent, type, attr);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool mdgpu_type_registered(const char *parent, const char *type)
{
	char path[PATH_MAX];

	mdgpu_type_path(path, sizeof(path), parent, type, "");
	return mdgpu_path_exists(path);
}

long mdgpu_type_available(const char *parent, const char *type)
{
	char path[PATH_MAX];
	uint64_t val;
	int ret;

	mdgpu_type_path(path, sizeof(path), parent, type,
			"available_instances");
	ret = mdgpu_read_u64(path, &val);
	return ret ? ret : (long)val;
}

int mdgpu_instance_u64(const char *uuid, const char *attr, uint64_t *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/mdgpu/%s", uuid,
		 attr);
	return mdgpu_read_u64(path, val);
}

int mdgpu_instance_read(const char *uuid, const char *attr, char *buf,
			size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/mdgpu/%s", uuid,
		 attr);
	return mdgpu_read_file(path, buf, len);
}

int mdgpu_instance_write(const char *uuid, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/mdgpu/%s", uuid,
		 attr);
	return mdgpu_write_file(path, val);
}

long mdgpu_count_entries(const char *path)
{
	struct dirent *de;
	long n = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

int mdgpu_parent_state(const char *parent, struct mdgpu_parent_state *st)
{
	char path[PATH_MAX];
	int ret, i;

	memset(st, 0, sizeof(*st));
	ret = mdgpu_parent_u64(parent, "vram_used", &st->vram_used);
	if (ret)
		return ret;
	ret = mdgpu_parent_u64(parent, "instances", &st->instances);
	if (ret)
		return ret;
	for (i = 0; i < MDGPU_NR_TYPES; i++) {
		long n;

		if (!mdgpu_type_registered(parent, mdgpu_types[i].name)) {
			st->available[i] = -1;
			continue;
		}
		st->available[i] = mdgpu_type_available(parent,
							mdgpu_types[i].name);
		if (st->available[i] < 0)
			return st->available[i];
		mdgpu_type_path(path, sizeof(path), parent,
				mdgpu_types[i].name, "devices");
		n = mdgpu_count_entries(path);
		if (n < 0)
			return n;
		st->devices += n;
	}
	return 0;
}

/* UUIDs of every instance on @parent, from the types' devices/ directories. */
int mdgpu_parent_instances(const char *parent,
			   char uuids[][MDGPU_UUID_LEN + 1], int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	int i, n = 0;
	DIR *dir;

	for (i = 0; i < MDGPU_NR_TYPES; i++) {
		if (!mdgpu_type_registered(parent, mdgpu_types[i].name))
			continue;
		mdgpu_type_path(path, sizeof(path), parent,
				mdgpu_types[i].name, "devices");
		dir = opendir(path);
		if (!dir)
			return -errno;
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			if (n == max || strlen(de->d_name) != MDGPU_UUID_LEN) {
				closedir(dir);
				return n == max ? -E2BIG : -EINVAL;
			}
			strcpy(uuids[n++], de->d_name);
		}
		closedir(dir);
	}
	return n;
}

int mdgpu_module_param(const char *param, uint64_t *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDGPU_MODULE_DIR "/parameters/%s", param);
	return mdgpu_read_u64(path, val);
}

/* ------------------------------------------------------------------------
 * instances
 */

int mdgpu_new_uuid(char uuid[MDGPU_UUID_LEN + 1])
{
	char buf[64];
	int ret;

	ret = mdgpu_read_file("/proc/sys/kernel/random/uuid", buf, sizeof(buf));
	if (ret)
		return ret;
	if (strlen(buf) != MDGPU_UUID_LEN)
		return -EINVAL;
	memcpy(uuid, buf, MDGPU_UUID_LEN + 1);
	return 0;
}

int mdgpu_create(const char *parent, const char *type, const char *uuid)
{
	char path[PATH_MAX];

	mdgpu_type_path(path, sizeof(path), parent, type, "create");
	return mdgpu_write_file(path, uuid);
}

/*
 * Removal waits, in the kernel, for every user of the device to let go. It
 * runs in a child process, so that a device that is never released (a
 * driver bug) fails the test after MDGPU_REMOVE_TIMEOUT seconds instead of
 * hanging it; the stuck child is left behind.
 */
int mdgpu_remove(const char *uuid)
{
	char path[PATH_MAX];
	int status, i;
	pid_t pid;

	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/remove", uuid);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(-mdgpu_write_file(path, "1"));
	for (i = 0; i < MDGPU_REMOVE_TIMEOUT * 20; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
		usleep(50 * 1000);
	}
	fprintf(stderr, "# remove of %s still waiting after %d s\n", uuid,
		MDGPU_REMOVE_TIMEOUT);
	return -ETIMEDOUT;
}

bool mdgpu_instance_exists(const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s", uuid);
	return mdgpu_path_exists(path);
}

int mdgpu_track(struct mdgpu_uuid_list *list, const char *uuid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(list->uuid); i++) {
		if (!list->uuid[i][0]) {
			memcpy(list->uuid[i], uuid, MDGPU_UUID_LEN + 1);
			return 0;
		}
	}
	return -E2BIG;
}

static void untrack(struct mdgpu_uuid_list *list, const char *uuid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(list->uuid); i++)
		if (!strcmp(list->uuid[i], uuid))
			list->uuid[i][0] = '\0';
}

int mdgpu_create_tracked(struct mdgpu_uuid_list *list, const char *parent,
			 const char *type, char uuid[MDGPU_UUID_LEN + 1])
{
	int ret;

	ret = mdgpu_new_uuid(uuid);
	if (ret)
		return ret;
	/* Tracked first: a create that half-worked is still cleaned up. */
	ret = mdgpu_track(list, uuid);
	if (ret)
		return ret;
	ret = mdgpu_create(parent, type, uuid);
	if (ret && !mdgpu_instance_exists(uuid))
		untrack(list, uuid);
	return ret;
}

int mdgpu_remove_tracked(struct mdgpu_uuid_list *list, const char *uuid)
{
	int ret = mdgpu_remove(uuid);

	if (!ret)
		untrack(list, uuid);
	return ret;
}

int mdgpu_remove_all(struct mdgpu_uuid_list *list)
{
	int ret, first = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(list->uuid); i++) {
		if (!list->uuid[i][0])
			continue;
		if (mdgpu_instance_exists(list->uuid[i])) {
			ret = mdgpu_remove(list->uuid[i]);
			if (ret && !first)
				first = ret;
		}
		list->uuid[i][0] = '\0';
	}
	return first;
}

/* ------------------------------------------------------------------------
 * VFIO
 */

int mdgpu_vfio_group_setup(const char *uuid, struct mdgpu_vfio *v)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], link[PATH_MAX], group[32];
	const char *base;
	ssize_t n;
	int iommu;

	*v = (struct mdgpu_vfio)MDGPU_VFIO_INIT;
	snprintf(path, sizeof(path), MDEV_DEVICES_DIR "/%s/iommu_group", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= sizeof(group))
		return -ENAMETOOLONG;
	strcpy(group, base);

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
	n = -errno;
	mdgpu_vfio_close(v);
	return n;
}

int mdgpu_vfio_get_device(const char *uuid, struct mdgpu_vfio *v)
{
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	return v->device < 0 ? -errno : 0;
}

int mdgpu_vfio_open_group(const char *uuid, struct mdgpu_vfio *v)
{
	int ret;

	ret = mdgpu_vfio_group_setup(uuid, v);
	if (ret)
		return ret;
	ret = mdgpu_vfio_get_device(uuid, v);
	if (ret)
		mdgpu_vfio_close(v);
	return ret;
}

/*
 * Path of the instance's VFIO device cdev; -ENOENT when the kernel has no
 * cdev interface. Falls back to a node of our own if devtmpfs has none.
 */
int mdgpu_vfio_cdev_path(const char *uuid, char *buf, size_t len)
{
	char dir[PATH_MAX], devattr[PATH_MAX], majmin[32];
	unsigned int maj, min;
	struct dirent *de;
	char name[64] = "";
	DIR *d;
	int ret;

	snprintf(dir, sizeof(dir), MDEV_DEVICES_DIR "/%s/vfio-dev", uuid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "vfio", 4) &&
		    strlen(de->d_name) < sizeof(name)) {
			strcpy(name, de->d_name);
			break;
		}
	}
	closedir(d);
	if (!name[0])
		return -ENOENT;

	snprintf(buf, len, "/dev/vfio/devices/%s", name);
	if (mdgpu_path_exists(buf))
		return 0;
	snprintf(devattr, sizeof(devattr),
		 MDEV_DEVICES_DIR "/%s/vfio-dev/%s/dev", uuid, name);
	ret = mdgpu_read_file(devattr, majmin, sizeof(majmin));
	if (ret)
		return ret;
	if (sscanf(majmin, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	snprintf(buf, len, "/tmp/mdgpu-selftest-%s-%d", name, getpid());
	unlink(buf);
	if (mknod(buf, S_IFCHR | 0600, makedev(maj, min)))
		return -errno;
	return 0;
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
	bind.iommufd = v->iommufd;
	if (ioctl(v->device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		goto fail;
	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &ioas))
		goto fail;
	attach.pt_id = ioas.out_ioas_id;
	if (ioctl(v->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		goto fail;
	return 0;

fail:
	ret = -errno;
	mdgpu_vfio_close(v);
	return ret;
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
}

void mdgpu_vfio_close(struct mdgpu_vfio *v)
{
	int *fds[] = { &v->device, &v->group, &v->container, &v->iommufd };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* ------------------------------------------------------------------------
 * regions
 */

ssize_t mdgpu_region_read(int device, unsigned int index, uint64_t off,
			  void *buf, size_t len)
{
	ssize_t n = pread(device, buf, len, MDGPU_REGION_OFFSET(index) + off);

	return n < 0 ? -errno : n;
}

ssize_t mdgpu_region_write(int device, unsigned int index, uint64_t off,
			   const void *buf, size_t len)
{
	ssize_t n = pwrite(device, buf, len, MDGPU_REGION_OFFSET(index) + off);

	return n < 0 ? -errno : n;
}

int mdgpu_cfg_read(int device, uint32_t off, void *val, size_t len)
{
	ssize_t n = mdgpu_region_read(device, VFIO_PCI_CONFIG_REGION_INDEX,
				      off, val, len);

	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

int mdgpu_cfg_write(int device, uint32_t off, const void *val, size_t len)
{
	ssize_t n = mdgpu_region_write(device, VFIO_PCI_CONFIG_REGION_INDEX,
				       off, val, len);

	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

/* Config and register values are little-endian, as is the test host. */
uint32_t mdgpu_cfg_read32(int device, uint32_t off)
{
	uint32_t val = 0xdeadbeef;

	mdgpu_cfg_read(device, off, &val, sizeof(val));
	return val;
}

uint32_t mdgpu_reg_read(int device, uint32_t off)
{
	uint32_t val = 0xdeadbeef;

	mdgpu_region_read(device, VFIO_PCI_BAR2_REGION_INDEX, off, &val,
			  sizeof(val));
	return val;
}

int mdgpu_reg_write(int device, uint32_t off, uint32_t val)
{
	ssize_t n = mdgpu_region_write(device, VFIO_PCI_BAR2_REGION_INDEX, off,
				       &val, sizeof(val));

	if (n < 0)
		return n;
	return n == sizeof(val) ? 0 : -EIO;
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
		return -E2BIG;
	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = sizeof(buf.hdr) + data_len;
	buf.hdr.flags = flags;
	buf.hdr.index = index;
	buf.hdr.start = start;
	buf.hdr.count = count;
	if (data_len)
		memcpy(buf.data, data, data_len);
	return ioctl(device, VFIO_DEVICE_SET_IRQS, &buf) ? -errno : 0;
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

/* Read and reset a non-blocking eventfd's counter; 0 if it was not signalled. */
int mdgpu_eventfd_count(int efd, uint64_t *count)
{
	ssize_t n = read(efd, count, sizeof(*count));

	if (n == sizeof(*count))
		return 0;
	if (n < 0 && errno == EAGAIN) {
		*count = 0;
		return 0;
	}
	return n < 0 ? -errno : -EIO;
}
