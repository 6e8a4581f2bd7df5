// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: who holds an instance's VFIO device.
 *
 * A VFIO user (QEMU) opens the instance's group, /dev/vfio/<group>, and
 * keeps that file open for as long as it uses the device; on kernels with
 * VFIO cdevs it may open /dev/vfio/devices/vfioN instead. Two ways to see
 * that from outside, with different limits:
 *
 *  - mdg_scan_holders() looks for those files among the open files of every
 *    process (/proc/PID/fd). It names the holder, changes nothing, but sees
 *    only the processes of our PID namespace whose fds we may read (all of
 *    them as root), and misses a device fd whose group fd was closed.
 *
 *  - mdg_probe_group_busy() opens the group itself: the kernel allows one
 *    open of a group at a time and refuses it while a cdev user has the
 *    device bound, so EBUSY is authoritative. But for the instant we hold
 *    it, a VM that tries to open the group fails; so only `remove` (which
 *    is about to take the device away anyway) uses it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdgpuctl.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void add_holder(struct mdg_instance *in, pid_t pid, const char *proc)
{
	struct mdg_holder *h;
	char f[PATH_MAX];
	size_t i;

	for (i = 0; i < in->nr_holders; i++)
		if (in->holders[i].pid == pid)
			return;
	if (in->nr_holders == MDG_MAX_HOLDERS)
		return;
	h = &in->holders[in->nr_holders++];
	h->pid = pid;
	mdg_fmt(f, sizeof(f), "%s/comm", proc);
	if (mdg_read_str(f, h->comm, sizeof(h->comm)))
		strcpy(h->comm, "?");
}

/* Which instance, if any, a /proc/PID/fd link target belongs to. */
static struct mdg_instance *match(struct mdg_instance *in, size_t nr,
				  const char *target)
{
	static const char group_dir[] = "/dev/vfio/";
	static const char cdev_dir[] = "/dev/vfio/devices/";
	size_t i;

	if (!strncmp(target, cdev_dir, sizeof(cdev_dir) - 1)) {
		target += sizeof(cdev_dir) - 1;
		for (i = 0; i < nr; i++)
			if (in[i].cdev[0] && !strcmp(in[i].cdev, target))
				return &in[i];
		return NULL;
	}
	if (strncmp(target, group_dir, sizeof(group_dir) - 1))
		return NULL;
	target += sizeof(group_dir) - 1;
	if (!all_digits(target))
		return NULL;
	for (i = 0; i < nr; i++)
		if (in[i].group >= 0 && in[i].group == atoi(target))
			return &in[i];
	return NULL;
}

/**
 * mdg_scan_holders() - find the processes that hold instances open
 * @in: the instances; their holders are filled in
 * @nr: entries in @in
 *
 * One pass over /proc/PID/fd (under the root override). Processes that
 * vanish or deny access during the scan are skipped.
 */
void mdg_scan_holders(struct mdg_instance *in, size_t nr)
{
	char proc[PATH_MAX], fddir[PATH_MAX], link[PATH_MAX + 300];
	char target[PATH_MAX];
	struct dirent *pe, *fe;
	DIR *pd, *fd;

	if (!nr || mdg_path(proc, sizeof(proc), "/proc"))
		return;
	pd = opendir(proc);
	if (!pd)
		return;
	while ((pe = readdir(pd))) {
		pid_t pid;

		if (!all_digits(pe->d_name))
			continue;
		pid = atoi(pe->d_name);
		mdg_fmt(fddir, sizeof(fddir), "%s/%s/fd", proc, pe->d_name);
		fd = opendir(fddir);
		if (!fd)
			continue;
		while ((fe = readdir(fd))) {
			struct mdg_instance *hit;
			ssize_t n;

			if (fe->d_name[0] == '.')
				continue;
			mdg_fmt(link, sizeof(link), "%s/%s", fddir,
				 fe->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			hit = match(in, nr, target);
			if (hit) {
				mdg_fmt(link, sizeof(link), "%s/%s", proc,
					 pe->d_name);
				add_holder(hit, pid, link);
			}
		}
		closedir(fd);
	}
	closedir(pd);
}

/**
 * mdg_probe_group_busy() - whether someone has an IOMMU group open
 * @group: the group number
 *
 * Opens /dev/vfio/<group> and closes it at once.
 *
 * Return: 1 if the kernel says EBUSY, 0 if the open worked, a negative
 * errno if the answer is unknown (no such file, permission).
 */
int mdg_probe_group_busy(int group)
{
	char path[PATH_MAX];
	int fd;

	if (group < 0 || mdg_path(path, sizeof(path), "/dev/vfio/%d", group))
		return -EINVAL;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EBUSY ? 1 : -errno;
}

/**
 * mdg_fmt_holders() - "pid 123 (qemu-system-x86), pid 456 (...)"
 * @in: the instance
 * @buf: output, "" when there is no holder
 * @len: size of @buf
 */
void mdg_fmt_holders(const struct mdg_instance *in, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < in->nr_holders && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%spid %d (%s)",
				 i ? ", " : "", (int)in->holders[i].pid,
				 in->holders[i].comm);

		if (n < 0)
			break;
		off += n;
	}
}

/**
 * mdg_instance_state() - "removing", "open" or "idle"
 * @in: the instance
 *
 * Return: the state's name, as list and stats show it.
 */
const char *mdg_instance_state(const struct mdg_instance *in)
{
	if (in->removing)
		return "removing";
	return in->nr_holders ? "open" : "idle";
}
