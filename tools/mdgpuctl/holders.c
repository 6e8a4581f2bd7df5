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
 *    them as root), and misses a device fd whose group fd was closed. When
 *    some process's fds cannot be read, an instance it found no holder for
 *    is "unknown", not "idle". A holder is named as `nvidia-smi vgpu` names
 *    it, by its VM: QEMU's -name guest=NAME from /proc/PID/cmdline, else
 *    the libvirt machine scope in /proc/PID/cgroup.
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

/**
 * mdg_qemu_vm_name() - the VM name in a QEMU command line
 * @cmdline: /proc/PID/cmdline: the arguments, each ended by a NUL
 * @len: bytes in @cmdline
 * @name: receives the name, "" if none
 * @size: size of @name
 *
 * Understands "-name NAME", "-name guest=NAME[,opt=...]" and the
 * "--name" and "-name=..." spellings, with QEMU's ",," for a comma.
 *
 * Return: true if a name was found.
 */
bool mdg_qemu_vm_name(const char *cmdline, size_t len, char *name,
		      size_t size)
{
	const char *p = cmdline, *end = cmdline + len, *arg = NULL;

	name[0] = 0;
	if (!size)
		return false;
	while (p < end) {
		size_t n = strnlen(p, end - p);

		if (!strcmp(p, "-name") || !strcmp(p, "--name")) {
			if (p + n + 1 < end)
				arg = p + n + 1;
		} else if (!strncmp(p, "-name=", 6)) {
			arg = p + 6;
		} else if (!strncmp(p, "--name=", 7)) {
			arg = p + 7;
		}
		p += n + 1;
	}
	if (!arg)
		return false;
	/* Options separated by ',', ",," a literal comma; the first option
	 * without a key, or guest=, is the name.
	 */
	while (*arg && arg < end) {
		char opt[256];
		size_t o = 0;

		while (*arg && arg < end) {
			if (arg[0] == ',' && arg[1] == ',') {
				arg += 2;
				if (o < sizeof(opt) - 1)
					opt[o++] = ',';
				continue;
			}
			if (arg[0] == ',')
				break;
			if (o < sizeof(opt) - 1)
				opt[o++] = *arg;
			arg++;
		}
		opt[o] = 0;
		if (*arg == ',')
			arg++;
		if (!strncmp(opt, "guest=", 6) && opt[6]) {
			mdg_fmt(name, size, "%s", opt + 6);
			return true;
		}
		if (opt[0] && !strchr(opt, '=')) {
			mdg_fmt(name, size, "%s", opt);
			return true;
		}
	}
	return false;
}

/**
 * mdg_libvirt_vm_name() - the VM name in a libvirt machine scope
 * @cgroup: /proc/PID/cgroup, NUL-terminated
 * @name: receives the name, "" if none
 * @size: size of @name
 *
 * libvirt runs each QEMU in the systemd scope
 * machine-qemu\x2dID\x2dNAME.scope (with systemd's escapes), on any
 * cgroup line.
 *
 * Return: true if a name was found.
 */
bool mdg_libvirt_vm_name(const char *cgroup, char *name, size_t size)
{
	static const char tag[] = "machine-qemu";
	const char *p = strstr(cgroup, tag), *end;
	char buf[256];
	size_t o = 0;
	char *dash;

	name[0] = 0;
	if (!p || !size)
		return false;
	p += sizeof(tag) - 1;
	end = strstr(p, ".scope");
	if (!end || memchr(p, '/', end - p) || memchr(p, '\n', end - p))
		return false;
	/* Undo systemd's \xNN escapes. */
	while (p < end && o < sizeof(buf) - 1) {
		unsigned int c;

		if (p + 4 <= end && p[0] == '\\' && p[1] == 'x' &&
		    sscanf(p + 2, "%2x", &c) == 1) {
			buf[o++] = c;
			p += 4;
			continue;
		}
		buf[o++] = *p++;
	}
	buf[o] = 0;
	/* "-ID-NAME" */
	if (buf[0] != '-')
		return false;
	dash = strchr(buf + 1, '-');
	if (!dash || dash == buf + 1 || !dash[1])
		return false;
	mdg_fmt(name, size, "%s", dash + 1);
	return true;
}

/* Fill in the VM a holder belongs to, if it can be told. */
static void holder_vm(struct mdg_holder *h, const char *proc)
{
	char f[PATH_MAX], buf[4096];
	ssize_t n;
	int fd;

	mdg_fmt(f, sizeof(f), "%s/cmdline", proc);
	fd = open(f, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0 && mdg_qemu_vm_name(buf, n, h->vm, sizeof(h->vm))) {
			mdg_fmt(h->vm_source, sizeof(h->vm_source),
				"qemu-name");
			return;
		}
	}
	mdg_fmt(f, sizeof(f), "%s/cgroup", proc);
	if (!mdg_read_str(f, buf, sizeof(buf)) &&
	    mdg_libvirt_vm_name(buf, h->vm, sizeof(h->vm)))
		mdg_fmt(h->vm_source, sizeof(h->vm_source), "libvirt-scope");
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
	h->vm[0] = 0;
	h->vm_source[0] = 0;
	holder_vm(h, proc);
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
 * vanish during the scan are skipped; when the fds of some process cannot
 * be read (another user's, without root), every instance left without a
 * holder gets @holders_unknown.
 */
void mdg_scan_holders(struct mdg_instance *in, size_t nr)
{
	char proc[PATH_MAX], fddir[PATH_MAX], link[PATH_MAX + 300];
	char target[PATH_MAX];
	struct dirent *pe, *fe;
	bool blind = false;
	DIR *pd, *fd;
	size_t i;

	for (i = 0; i < nr; i++)
		in[i].holders_unknown = false;
	if (!nr || mdg_path(proc, sizeof(proc), "/proc"))
		return;
	pd = opendir(proc);
	if (!pd) {
		blind = true;
		goto out;
	}
	while ((pe = readdir(pd))) {
		pid_t pid;

		if (!all_digits(pe->d_name))
			continue;
		pid = atoi(pe->d_name);
		mdg_fmt(fddir, sizeof(fddir), "%s/%s/fd", proc, pe->d_name);
		fd = opendir(fddir);
		if (!fd) {
			/* Gone meanwhile is fine; unreadable is not. */
			if (errno != ENOENT && errno != ESRCH)
				blind = true;
			continue;
		}
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
out:
	for (i = 0; blind && i < nr; i++)
		in[i].holders_unknown = !in[i].nr_holders;
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
 * mdg_fmt_holders() - "VM guest1 (pid 123, qemu-system-x86), pid 456 (...)"
 * @in: the instance
 * @buf: output, "" when there is no holder
 * @len: size of @buf
 */
void mdg_fmt_holders(const struct mdg_instance *in, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < in->nr_holders && off < len; i++) {
		const struct mdg_holder *h = &in->holders[i];
		int n;

		if (h->vm[0])
			n = snprintf(buf + off, len - off,
				     "%sVM %s (pid %d, %s)", i ? ", " : "",
				     h->vm, (int)h->pid, h->comm);
		else
			n = snprintf(buf + off, len - off, "%spid %d (%s)",
				     i ? ", " : "", (int)h->pid, h->comm);

		if (n < 0)
			break;
		off += n;
	}
}

/**
 * mdg_instance_state() - "removing", "open", "unknown" or "idle"
 * @in: the instance
 *
 * "unknown" when no holder was found but some process's open files could
 * not be read (mdg_holders_hint() says what to do).
 *
 * Return: the state's name, as list and stats show it.
 */
const char *mdg_instance_state(const struct mdg_instance *in)
{
	if (in->removing)
		return "removing";
	if (in->nr_holders)
		return "open";
	return in->holders_unknown ? "unknown" : "idle";
}

/**
 * mdg_holders_hint() - what to do about an "unknown" holder
 *
 * Return: a sentence for the user.
 */
const char *mdg_holders_hint(void)
{
	return "cannot read every process's open files (/proc/PID/fd): run as root to see which VM holds it";
}
