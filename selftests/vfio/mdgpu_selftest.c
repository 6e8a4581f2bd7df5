// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the mdgpu selftests; see mdgpu_selftest.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
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

/* The stack, and the path it starts with, of one mdgpu_remove() child. */
#define REMOVE_STACK	(64 * 1024)

/* Runs in the child: write "1" into the remove file named at @arg. */
static int remove_child(void *arg)
{
	return -mdgpu_write_file(arg, "1");
}

/*
 * Removal waits, in the kernel, for every user of the device to let go. It
 * runs in a child process, so that a device that is never released (a
 * driver bug) fails the test after MDGPU_REMOVE_TIMEOUT seconds instead of
 * hanging it; the stuck child is left behind, with its stack (never freed).
 *
 * The child shares the caller's memory and file table (CLONE_VM |
 * CLONE_FILES, as posix_spawn() does): a fork() would copy the page tables
 * of a test with many threads and turn every page they write afterwards
 * into a copy-on-write fault and a TLB shootdown (half of the stress test's
 * CPU time under emulation), and would hold a copy of every open device
 * file, so that another thread's close did not release its device until
 * the child exited. The caller waits on a pidfd, so a removal that took
 * 2 ms is seen after 2 ms (it polled every 50 ms before).
 */
int mdgpu_remove(const char *uuid)
{
	struct pollfd pfd = { .events = POLLIN };
	int status, pidfd = -1, ret;
	char *stack;
	pid_t pid;

	/* From the heap: no mmap() and munmap() of the shared address space. */
	stack = malloc(REMOVE_STACK);
	if (!stack)
		return -ENOMEM;
	snprintf(stack, PATH_MAX, MDEV_DEVICES_DIR "/%s/remove", uuid);
	pid = clone(remove_child, stack + REMOVE_STACK,
		    CLONE_VM | CLONE_FILES | CLONE_PIDFD | SIGCHLD, stack,
		    &pidfd);
	if (pid < 0) {
		ret = -errno;
		free(stack);
		return ret;
	}
	pfd.fd = pidfd;
	do {
		ret = poll(&pfd, 1, MDGPU_REMOVE_TIMEOUT * 1000);
	} while (ret < 0 && errno == EINTR);
	close(pidfd);
	if (ret <= 0) {
		fprintf(stderr, "# remove of %s still waiting after %d s\n",
			uuid, MDGPU_REMOVE_TIMEOUT);
		return -ETIMEDOUT;
	}
	if (waitpid(pid, &status, 0) != pid)
		status = 0x7f;	/* not an exit status: -EINTR below */
	free(stack);
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
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
