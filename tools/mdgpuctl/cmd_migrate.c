// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: checkpoint, restore and evacuate, through VFIO migration.
 *
 * All three open the instance through VFIO as a VMM would and drive the
 * migration uAPI (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE): saving is
 * RUNNING -> STOP -> STOP_COPY, reading the data fd until read() returns 0,
 * then STOP -> RUNNING; restoring is RUNNING -> STOP -> RESUMING, writing
 * the stream, RESUMING -> STOP, where the kernel checks it and applies it.
 * A checkpoint file is exactly the stream (uapi/mdgpu_migration.h).
 *
 * What an instance holds when no VM does (Documentation/admin-guide.rst,
 * "Moving vGPUs"): a device closed in RUNNING is reset, so a new user finds
 * it in its power-on state with blank VRAM; a device closed in STOP right
 * after a successful restore is "parked" and its next user starts from the
 * restored state. restore leaves the instance parked; checkpoint of a
 * parked instance restores what it saved, so that it stays parked.
 *
 * VFIO allows one user of a device at a time: an instance a VM holds is
 * refused (it moves by QEMU migration instead).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/mdgpu_vfio.h"
#include "mdgpuctl.h"

#define MIG_CHUNK	(1024 * 1024)

static const char one_user[] = "VFIO allows one user of a device at a time; "
	"a VM's vGPU moves with QEMU migration (admin guide, \"Moving vGPUs\")";

/* Where a stream to restore comes from: a file or memory. */
struct mig_src {
	int fd;
	const uint8_t *mem;
	size_t len;
	size_t off;
};

static ssize_t src_read(struct mig_src *src, void *buf, size_t len)
{
	ssize_t n;

	if (src->fd < 0) {
		if (len > src->len - src->off)
			len = src->len - src->off;
		memcpy(buf, src->mem + src->off, len);
		src->off += len;
		return len;
	}
	do {
		n = read(src->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* A stream kept in memory (evacuate). */
struct mig_mem {
	uint8_t *data;
	size_t len;
	size_t cap;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* Where a saved stream goes: a file (@fd >= 0) or @mem. */
struct mig_sink {
	int fd;
	struct mig_mem *mem;
};

static int sink_write(struct mig_sink *sink, const void *buf, size_t len)
{
	struct mig_mem *m = sink->mem;

	if (sink->fd >= 0)
		return write_all(sink->fd, buf, len);
	if (m->len + len > m->cap) {
		size_t cap = m->cap ? m->cap : MIG_CHUNK;
		uint8_t *d;

		while (cap < m->len + len)
			cap *= 2;
		d = realloc(m->data, cap);
		if (!d)
			return -ENOMEM;
		m->data = d;
		m->cap = cap;
	}
	memcpy(m->data + m->len, buf, len);
	m->len += len;
	return 0;
}

/*
 * Read an instance attribute of migration: in its mdgpu/ directory, or in
 * the device directory itself. Returns 0 or a negative errno.
 */
static int read_mig_attr(const struct mdg_instance *in, const char *name,
			 char *buf, size_t len, char *path, size_t plen)
{
	char rel[64];
	int ret;

	mdg_fmt(rel, sizeof(rel), "mdgpu/%s", name);
	mdg_instance_path(in, rel, path, plen);
	ret = mdg_read_str(path, buf, len);
	if (ret != -ENOENT)
		return ret;
	mdg_instance_path(in, name, path, plen);
	ret = mdg_read_str(path, buf, len);
	if (ret == -ENOENT)
		mdg_instance_path(in, rel, path, plen);
	return ret;
}

/* "parked", "closed", ... or "" when the module has no migration_state. */
static void mig_state(const struct mdg_instance *in, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (read_mig_attr(in, "migration_state", buf, len, path, sizeof(path)))
		buf[0] = 0;
}

static int dest_compat(const struct mdg_instance *in,
		       struct mdg_mig_compat_info *c)
{
	char path[PATH_MAX], line[512];
	int ret;

	ret = read_mig_attr(in, "migration_compat", line, sizeof(line), path,
			    sizeof(path));
	if (ret == -ENOENT)
		return mdg_fail(MDG_EXIT_NOTFOUND,
				"%s cannot be restored onto: this mdgpu module has no VFIO migration (no %s)",
				in->uuid, path);
	if (ret)
		return mdg_fail(MDG_EXIT_FAIL, "cannot read %s: %s (%s)", path,
				strerror(-ret), mdg_errno_name(ret));
	if (mdg_mig_compat_parse(line, c))
		return mdg_fail(MDG_EXIT_FAIL,
				"%s is not a compatibility descriptor mdgpuctl understands: '%s'",
				path, line);
	return 0;
}

/*
 * Load the snapshot and find the instance @arg names, refusing one that is
 * held or being removed. On success *inp points into @sys.
 */
static int find_unheld(struct mdg_system *sys, const char *arg,
		       struct mdg_instance **inp)
{
	char uuid[MDG_UUID_LEN + 1], holders[256];
	struct mdg_instance *in;
	int ret, rc;

	if (!mdg_uuid_valid(arg, uuid))
		return mdg_fail(MDG_EXIT_USAGE,
				"'%s' is not a UUID (want 8-4-4-4-12 hex digits)",
				arg);
	ret = mdg_system_load(sys);
	if (ret)
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	rc = mdg_require_loaded(sys);
	if (rc)
		return rc;
	in = mdg_find_instance(sys, uuid);
	if (!in)
		return mdg_fail(MDG_EXIT_NOTFOUND,
				"no mdgpu instance %s (mdgpuctl list instances)",
				uuid);
	mdg_fmt_holders(in, holders, sizeof(holders));
	if (in->removing)
		return mdg_fail(MDG_EXIT_BUSY,
				"%s is being removed (waiting for %s)", uuid,
				holders[0] ? holders : "its VFIO user");
	if (in->nr_holders)
		return mdg_fail(MDG_EXIT_BUSY, "%s is in use by %s: %s", uuid,
				holders, one_user);
	*inp = in;
	return 0;
}

/* Open through VFIO and check that the device migrates. */
static int mig_open(const char *uuid, struct mdgpu_vfio *dev)
{
	uint64_t flags;
	int err;

	if (mdgpu_vfio_open_group(uuid, dev) < 0) {
		err = errno;
		mdgpu_vfio_close(dev);
		if (err == EBUSY)
			return mdg_fail(MDG_EXIT_BUSY,
					"%s is in use (its VFIO group is open): %s",
					uuid, one_user);
		if (err == ENOENT)
			return mdg_fail(MDG_EXIT_NOTFOUND,
					"cannot open %s through VFIO: %s (is vfio_iommu_type1 loaded?)",
					uuid, strerror(err));
		return mdg_fail(mdg_errno_exit(err),
				"cannot open %s through VFIO: %s (%s)", uuid,
				strerror(err), mdg_errno_name(err));
	}
	if (mdgpu_mig_flags(dev->device, &flags)) {
		err = errno;
		mdgpu_vfio_close(dev);
		return mdg_fail(MDG_EXIT_REFUSED,
				"%s does not support VFIO migration (VFIO_DEVICE_FEATURE_MIGRATION: %s (%s)); this mdgpu module predates it",
				uuid, strerror(err), mdg_errno_name(err));
	}
	if (!(flags & VFIO_MIGRATION_STOP_COPY)) {
		mdgpu_vfio_close(dev);
		return mdg_fail(MDG_EXIT_REFUSED,
				"%s does not offer STOP_COPY migration (flags 0x%llx)",
				uuid, (unsigned long long)flags);
	}
	return 0;
}

static int set_state(struct mdgpu_vfio *dev, const char *uuid,
		     uint32_t state, int *data_fd)
{
	int err;

	if (!mdgpu_mig_set_state(dev->device, state, data_fd))
		return 0;
	err = errno;
	return mdg_fail(MDG_EXIT_REFUSED,
			"%s refused the migration state %s: %s (%s)", uuid,
			mdgpu_mig_state_name(state), strerror(err),
			mdg_errno_name(err));
}

/* After a failure: back to RUNNING, in power-on state. */
static void reset_device(struct mdgpu_vfio *dev, const char *uuid)
{
	uint32_t state = VFIO_DEVICE_STATE_ERROR;

	if (ioctl(dev->device, VFIO_DEVICE_RESET)) {
		mdg_warn("resetting %s failed: %s (%s)", uuid, strerror(errno),
			 mdg_errno_name(errno));
		return;
	}
	if (mdgpu_mig_get_state(dev->device, &state) ||
	    state != VFIO_DEVICE_STATE_RUNNING)
		mdg_warn("%s is in state %s after its reset, not RUNNING",
			 uuid, mdgpu_mig_state_name(state));
	else
		fprintf(mdg_err, "mdgpuctl: %s was reset to its power-on state and is usable\n",
			uuid);
}

/*
 * Save the device's state into @sink, checking it with @scan as it comes.
 * Leaves the device in STOP; returns an exit code.
 */
static int save(struct mdgpu_vfio *dev, const char *uuid,
		struct mig_sink *sink, struct mdg_mig_scan *scan)
{
	int data_fd = -1, rc, ret;
	uint8_t *buf;
	ssize_t n;

	buf = malloc(MIG_CHUNK);
	if (!buf)
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	rc = set_state(dev, uuid, VFIO_DEVICE_STATE_STOP, NULL);
	if (!rc)
		rc = set_state(dev, uuid, VFIO_DEVICE_STATE_STOP_COPY, &data_fd);
	if (!rc && data_fd < 0)
		rc = mdg_fail(MDG_EXIT_FAIL, "%s gave no data fd in STOP_COPY",
			      uuid);
	while (!rc) {
		n = read(data_fd, buf, MIG_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mdg_fail(MDG_EXIT_FAIL,
				      "reading the state of %s (STOP_COPY): %s (%s)",
				      uuid, strerror(errno),
				      mdg_errno_name(errno));
			break;
		}
		if (!n)
			break;
		/* Whatever the checker says, keep reading to the end. */
		mdg_mig_scan_feed(scan, buf, n);
		ret = sink_write(sink, buf, n);
		if (ret)
			rc = mdg_fail(MDG_EXIT_FAIL, "writing the state of %s: %s",
				      uuid, strerror(-ret));
	}
	free(buf);
	if (data_fd >= 0)
		close(data_fd);
	if (!rc && mdg_mig_scan_finish(scan))
		rc = mdg_fail(MDG_EXIT_FAIL,
			      "the stream %s produced does not check (%s): %s",
			      uuid, mdg_errno_name(scan->err), scan->why);
	if (!rc)
		rc = set_state(dev, uuid, VFIO_DEVICE_STATE_STOP, NULL);
	if (rc)
		reset_device(dev, uuid);
	return rc;
}

/*
 * Restore @src into the device: STOP, RESUMING, the stream, STOP. On
 * success the device is in STOP (close it now to park it); on failure it
 * was reset. @scan counts what went in. Returns an exit code.
 */
static int load(struct mdgpu_vfio *dev, const char *uuid, struct mig_src *src,
		struct mdg_mig_scan *scan)
{
	int data_fd = -1, rc, err = 0;
	const char *meaning;
	uint8_t *buf;
	ssize_t n;

	buf = malloc(MIG_CHUNK);
	if (!buf)
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	rc = set_state(dev, uuid, VFIO_DEVICE_STATE_STOP, NULL);
	if (!rc)
		rc = set_state(dev, uuid, VFIO_DEVICE_STATE_RESUMING, &data_fd);
	if (!rc && data_fd < 0)
		rc = mdg_fail(MDG_EXIT_FAIL, "%s gave no data fd in RESUMING",
			      uuid);
	while (!rc && !err) {
		n = src_read(src, buf, MIG_CHUNK);
		if (n < 0) {
			rc = mdg_fail(MDG_EXIT_FAIL, "reading the checkpoint: %s",
				      strerror(errno));
			break;
		}
		if (!n)
			break;
		mdg_mig_scan_feed(scan, buf, n);
		err = -write_all(data_fd, buf, n);
	}
	free(buf);
	if (!rc && !err && mdgpu_mig_set_state(dev->device, VFIO_DEVICE_STATE_STOP,
					       NULL))
		err = errno;
	if (data_fd >= 0)
		close(data_fd);
	if (err) {
		meaning = mdg_mig_errno_meaning(err);
		rc = mdg_fail(MDG_EXIT_REFUSED,
			      "%s refused the state: %s (%s)%s%s", uuid,
			      strerror(err), mdg_errno_name(err),
			      meaning ? ": " : "", meaning ? meaning : "");
	}
	if (rc)
		reset_device(dev, uuid);
	return rc;
}

static void fmt_summary(const struct mdg_mig_scan *s, char *buf, size_t len)
{
	char zero[32];

	mdg_fmt_size(zero, sizeof(zero), s->zero_bytes);
	mdg_fmt(buf, len, "%llu bytes, %llu VRAM page%s%s%s%s",
		(unsigned long long)s->bytes,
		(unsigned long long)s->vram_pages,
		s->vram_pages == 1 ? "" : "s",
		s->zero_bytes ? " and " : "", s->zero_bytes ? zero : "",
		s->zero_bytes ? " of zero ranges" : "");
}

/* ---- checkpoint ---------------------------------------------------------- */

static const struct option ckpt_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Make a rename() durable: fsync the directory that holds @file. */
static void sync_dir(const char *file)
{
	char buf[PATH_MAX];
	int fd;

	mdg_fmt(buf, sizeof(buf), "%s", file);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* mdgpuctl checkpoint UUID FILE */
int mdg_cmd_checkpoint(int argc, char **argv)
{
	static const char usage[] = "usage: mdgpuctl checkpoint UUID FILE";
	char tmp[PATH_MAX], state[32], summary[128];
	struct mdg_instance *in = NULL;
	struct mdg_mig_scan scan, again;
	struct mdgpu_vfio dev;
	struct mdg_system sys;
	struct mig_sink sink = { .fd = -1 };
	struct mig_src src = { .fd = -1 };
	const char *file;
	bool parked;
	int c, rc, fd;

	while ((c = getopt_long(argc, argv, "h", ckpt_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	file = argv[optind + 1];
	if (mdg_fmt(tmp, sizeof(tmp), "%s.tmp", file))
		return mdg_fail(MDG_EXIT_USAGE, "file name too long");
	rc = find_unheld(&sys, argv[optind], &in);
	if (rc) {
		mdg_system_free(&sys);
		return rc;
	}
	mig_state(in, state, sizeof(state));
	parked = !strcmp(state, "parked");
	rc = mig_open(in->uuid, &dev);
	if (rc) {
		mdg_system_free(&sys);
		return rc;
	}
	if (mdg_mig_scan_init(&scan)) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out_dev;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = mdg_fail(MDG_EXIT_FAIL, "cannot create %s: %s", tmp,
			      strerror(errno));
		goto out_scan;
	}
	sink.fd = fd;
	rc = save(&dev, in->uuid, &sink, &scan);
	if (!rc && fsync(fd))
		rc = mdg_fail(MDG_EXIT_FAIL, "writing %s: %s", tmp,
			      strerror(errno));
	if (close(fd) && !rc)
		rc = mdg_fail(MDG_EXIT_FAIL, "writing %s: %s", tmp,
			      strerror(errno));
	if (!rc && rename(tmp, file))
		rc = mdg_fail(MDG_EXIT_FAIL, "cannot rename %s to %s: %s", tmp,
			      file, strerror(errno));
	if (rc) {
		unlink(tmp);
		goto out_scan;
	}
	sync_dir(file);
	fmt_summary(&scan, summary, sizeof(summary));

	if (!parked) {
		rc = set_state(&dev, in->uuid, VFIO_DEVICE_STATE_RUNNING, NULL);
		fprintf(mdg_out,
			"%s: saved %s to %s (its power-on state and tunables: an instance no VM holds keeps no guest state unless it is parked)\n",
			in->uuid, summary, file);
		goto out_scan;
	}
	/* Opening the parked instance took its state: give it back. */
	src.fd = open(file, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0 || mdg_mig_scan_init(&again)) {
		mdg_warn("%s lost its parked state (cannot read %s back: %s); mdgpuctl restore %s %s parks it again",
			 in->uuid, file, strerror(errno), in->uuid, file);
		if (src.fd >= 0)
			close(src.fd);
		goto out_scan;
	}
	rc = load(&dev, in->uuid, &src, &again);
	close(src.fd);
	mdg_mig_scan_free(&again);
	if (rc) {
		mdg_warn("%s lost its parked state; mdgpuctl restore %s %s parks it again",
			 in->uuid, in->uuid, file);
		goto out_scan;
	}
	fprintf(mdg_out, "%s: saved %s to %s (its parked state; it stays parked)\n",
		in->uuid, summary, file);
out_scan:
	mdg_mig_scan_free(&scan);
out_dev:
	mdgpu_vfio_close(&dev);
	mdg_system_free(&sys);
	return rc;
}

/* ---- restore ------------------------------------------------------------- */

/*
 * Check a checkpoint file before anything touches the destination: the
 * header against @dst, then (unless @header_only) every record and the
 * checksum. Returns an exit code; @scan holds what the file holds.
 */
static int check_file(const char *file, int fd,
		      const struct mdg_mig_compat_info *dst, const char *uuid,
		      bool header_only, struct mdg_mig_scan *scan)
{
	char why[256];
	bool checked = false;
	uint8_t *buf;
	int ret = 0;
	ssize_t n;

	buf = malloc(MIG_CHUNK);
	if (!buf)
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	for (;;) {
		n = read(fd, buf, MIG_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return mdg_fail(MDG_EXIT_FAIL, "reading %s: %s", file,
					strerror(errno));
		}
		if (!n)
			break;
		ret = mdg_mig_scan_feed(scan, buf, n);
		if (scan->have_header && !checked) {
			checked = true;
			ret = mdg_mig_compat_check(&scan->compat, dst, why,
						   sizeof(why));
			if (ret) {
				free(buf);
				return mdg_fail(MDG_EXIT_REFUSED,
						"%s cannot be restored onto %s: %s (the kernel would refuse it with %s)",
						file, uuid, why,
						mdg_errno_name(ret));
			}
			if (header_only)
				break;
		}
		if (scan->err)
			break;
	}
	free(buf);
	if (!header_only || !scan->have_header)
		ret = mdg_mig_scan_finish(scan);
	if (ret)
		return mdg_fail(MDG_EXIT_REFUSED,
				"%s is not a valid checkpoint: %s (the kernel would refuse it with %s); %s was not touched",
				file, scan->why, mdg_errno_name(ret), uuid);
	return 0;
}

static const struct option restore_opts[] = {
	{ "no-verify", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl restore UUID FILE [--no-verify] */
int mdg_cmd_restore(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl restore UUID FILE [--no-verify]";
	char state[32], summary[128];
	struct mdg_mig_compat_info dst;
	struct mdg_instance *in = NULL;
	struct mdg_mig_scan scan, fed;
	struct mig_src src = { .fd = -1 };
	struct mdgpu_vfio dev;
	struct mdg_system sys;
	bool verify = true;
	const char *file;
	int c, rc;

	while ((c = getopt_long(argc, argv, "nh", restore_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			verify = false;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	file = argv[optind + 1];
	rc = find_unheld(&sys, argv[optind], &in);
	if (!rc)
		rc = dest_compat(in, &dst);
	if (rc) {
		mdg_system_free(&sys);
		return rc;
	}
	src.fd = open(file, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0) {
		rc = mdg_fail(errno == ENOENT ? MDG_EXIT_NOTFOUND : MDG_EXIT_FAIL,
			      "cannot open %s: %s", file, strerror(errno));
		mdg_system_free(&sys);
		return rc;
	}
	if (mdg_mig_scan_init(&scan)) {
		close(src.fd);
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	}
	rc = check_file(file, src.fd, &dst, in->uuid, !verify, &scan);
	if (rc)
		goto out_scan;
	if (lseek(src.fd, 0, SEEK_SET)) {
		rc = mdg_fail(MDG_EXIT_FAIL, "cannot read %s again: %s", file,
			      strerror(errno));
		goto out_scan;
	}
	rc = mig_open(in->uuid, &dev);
	if (rc)
		goto out_scan;
	if (mdg_mig_scan_init(&fed)) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out_dev;
	}
	rc = load(&dev, in->uuid, &src, &fed);
	fmt_summary(&fed, summary, sizeof(summary));
	mdg_mig_scan_free(&fed);
out_dev:
	/* Closed in STOP after a restore: the instance is parked. */
	mdgpu_vfio_close(&dev);
	if (!rc) {
		mig_state(in, state, sizeof(state));
		fprintf(mdg_out,
			"%s: restored %s from %s (type %s); %s: its next user starts from this state\n",
			in->uuid, summary, file, scan.compat.type,
			state[0] ? state : "parked");
		if (state[0] && strcmp(state, "parked"))
			mdg_warn("%s reads migration_state '%s' after the restore, not 'parked'",
				 in->uuid, state);
	}
out_scan:
	mdg_mig_scan_free(&scan);
	close(src.fd);
	mdg_system_free(&sys);
	return rc;
}

/* ---- evacuate ------------------------------------------------------------ */

/*
 * mdevctl, or MDGPU_MDEVCTL (the unit tests point it at a fake). Runs it
 * with @args, stdout into *out (malloc'd, may be NULL); returns its exit
 * status, 127 if it could not be run.
 */
static int run_mdevctl(const char *const *args, char **out)
{
	const char *prog = getenv("MDGPU_MDEVCTL");
	char *argv[16], *buf = NULL;
	size_t len = 0, cap = 0;
	int pfd[2], status, i;
	pid_t pid;

	if (!prog || !*prog)
		prog = "mdevctl";
	argv[0] = (char *)prog;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	if (out)
		*out = NULL;
	if (pipe2(pfd, O_CLOEXEC))
		return 127;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return 127;
	}
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(pfd[1], 1);
		if (null >= 0)
			dup2(null, 2);
		execvp(prog, argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(pfd[0]);
	if (buf)
		buf[len] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

/*
 * The persistent mdevctl definition of @uuid on @parent, as JSON text
 * (malloc'd), or NULL if there is none or mdevctl is not installed.
 */
static char *mdevctl_definition(const char *uuid, const char *parent)
{
	const char *const args[] = { "list", "--defined", "--dumpjson", "--uuid",
			       uuid, "--parent", parent, NULL };
	struct json_object *o, *t;
	char *out = NULL;

	if (run_mdevctl(args, &out) || !out) {
		free(out);
		return NULL;
	}
	o = json_tokener_parse(out);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "mdev_type", &t)) {
		json_object_put(o);
		free(out);
		return NULL;
	}
	json_object_put(o);
	return out;
}

/* Move a definition: define it on @to first, then undefine it on @from. */
static int mdevctl_move(const char *uuid, const char *from, const char *to,
			const char *json, char *why, size_t len)
{
	char tmp[] = "/tmp/mdgpuctl-mdevctl.XXXXXX";
	const char *const def[] = { "define", "--uuid", uuid, "--parent", to,
			      "--jsonfile", tmp, NULL };
	const char *const undef[] = { "undefine", "--uuid", uuid, "--parent", from,
				NULL };
	int fd, ret;

	fd = mkstemp(tmp);
	if (fd < 0) {
		mdg_fmt(why, len, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	ret = write_all(fd, json, strlen(json));
	close(fd);
	if (ret) {
		unlink(tmp);
		mdg_fmt(why, len, "cannot write %s: %s", tmp, strerror(-ret));
		return -1;
	}
	ret = run_mdevctl(def, NULL);
	unlink(tmp);
	if (ret) {
		mdg_fmt(why, len,
			"mdevctl define --uuid %s --parent %s failed (exit %d); the definition stays on %s",
			uuid, to, ret, from);
		return -1;
	}
	ret = run_mdevctl(undef, NULL);
	if (ret) {
		mdg_fmt(why, len,
			"mdevctl undefine --uuid %s --parent %s failed (exit %d); it is now defined on both parents",
			uuid, from, ret);
		return -1;
	}
	return 0;
}

#define MDG_MAX_TUNABLES	16

/* What evacuate carries over besides the device state. */
struct evac_item {
	struct mdg_instance *in;
	const struct mdg_tunable *tun[MDG_MAX_TUNABLES];
	char val[MDG_MAX_TUNABLES][64];
	size_t nr_tun;
	char *mdevctl;
};

static void note_tunables(struct evac_item *it)
{
	char path[PATH_MAX];
	size_t i;

	it->nr_tun = 0;
	for (i = 0; i < mdg_nr_tunables && it->nr_tun < MDG_MAX_TUNABLES; i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];

		if (t->scope != MDG_SCOPE_INSTANCE ||
		    mdg_tunable_path(t, it->in->uuid, path, sizeof(path)) ||
		    mdg_read_str(path, it->val[it->nr_tun],
				 sizeof(it->val[0])))
			continue;
		it->tun[it->nr_tun++] = t;
	}
}

static void fmt_tunables(const struct evac_item *it, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < it->nr_tun && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s=%s", i ? " " : "",
				 it->tun[i]->name, it->val[i]);

		if (n < 0)
			break;
		off += n;
	}
	if (!it->nr_tun)
		mdg_fmt(buf, len, "none exported");
}

/* Write the noted tunables to the instance; returns how many failed. */
static int apply_tunables(const struct evac_item *it)
{
	char path[PATH_MAX];
	int failed = 0, ret;
	size_t i;

	for (i = 0; i < it->nr_tun; i++) {
		mdg_tunable_path(it->tun[i], it->in->uuid, path, sizeof(path));
		ret = mdg_write_str(path, it->val[i]);
		if (ret) {
			mdg_warn("%s: setting %s=%s again failed (writing %s): %s (%s)",
				 it->in->uuid, it->tun[i]->name, it->val[i],
				 path, strerror(-ret), mdg_errno_name(ret));
			failed++;
		}
	}
	return failed;
}

static int create_on(const char *parent, const char *type, const char *uuid)
{
	char path[PATH_MAX], rel[PATH_MAX];

	mdg_fmt(rel, sizeof(rel), "mdev_supported_types/%s/create", type);
	mdg_parent_dir_path(parent, rel, path, sizeof(path));
	return mdg_write_str(path, uuid);
}

static int remove_instance(const char *uuid)
{
	char path[PATH_MAX];

	mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	return mdg_write_str(path, "1");
}

static bool instance_exists(const char *uuid)
{
	char path[PATH_MAX];

	mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	return mdg_exists(path);
}

/* Restore @mem into the existing instance @uuid; returns an exit code. */
static int restore_mem(const char *uuid, const struct mig_mem *mem)
{
	struct mig_src src = { .fd = -1, .mem = mem->data, .len = mem->len };
	struct mdg_mig_scan scan;
	struct mdgpu_vfio dev;
	int rc;

	rc = mig_open(uuid, &dev);
	if (rc)
		return rc;
	if (mdg_mig_scan_init(&scan)) {
		mdgpu_vfio_close(&dev);
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	}
	rc = load(&dev, uuid, &src, &scan);
	mdg_mig_scan_free(&scan);
	mdgpu_vfio_close(&dev);
	return rc;
}

/*
 * Something failed after the checkpoint: put the instance back on its
 * parent with its state. If even that fails, keep the state in a file.
 */
static void put_back(struct evac_item *it, const char *from,
		     const struct mig_mem *mem)
{
	char file[PATH_MAX];
	int ret, fd;

	if (!instance_exists(it->in->uuid)) {
		ret = create_on(from, it->in->type, it->in->uuid);
		if (ret)
			mdg_warn("recreating %s (%s) on %s failed: %s (%s)",
				 it->in->uuid, it->in->type, from,
				 strerror(-ret), mdg_errno_name(ret));
	}
	if (instance_exists(it->in->uuid) &&
	    !restore_mem(it->in->uuid, mem)) {
		apply_tunables(it);
		fprintf(mdg_err, "mdgpuctl: %s is back on %s with its state (parked)\n",
			it->in->uuid, from);
		return;
	}
	mdg_fmt(file, sizeof(file), "/var/tmp/mdgpuctl-evacuate-%s.mdgpuckpt",
		it->in->uuid);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && !write_all(fd, mem->data, mem->len) && !fsync(fd)) {
		close(fd);
		mdg_warn("%s could not be put back; its state is saved in %s: create it (mdgpuctl create %s --uuid %s) and run mdgpuctl restore %s %s",
			 it->in->uuid, file, it->in->type, it->in->uuid,
			 it->in->uuid, file);
		return;
	}
	if (fd >= 0)
		close(fd);
	mdg_warn("%s could not be put back, and its state could not be saved to %s: it is lost",
		 it->in->uuid, file);
}

/*
 * Move one instance; returns an exit code. *@busy is set when its device
 * could not be opened because someone holds it (nothing was changed).
 */
static int evacuate_one(struct evac_item *it, const char *from,
			const char *to, bool *busy)
{
	char tun[256], summary[128], why[256];
	struct mig_mem mem = { 0 };
	struct mig_sink sink = { .fd = -1, .mem = &mem };
	struct mdg_mig_scan scan;
	struct mdgpu_vfio dev;
	const char *uuid = it->in->uuid;
	int rc, ret;

	*busy = false;
	rc = mig_open(uuid, &dev);
	if (rc) {
		*busy = rc == MDG_EXIT_BUSY;
		return rc;
	}
	if (mdg_mig_scan_init(&scan)) {
		mdgpu_vfio_close(&dev);
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	}
	rc = save(&dev, uuid, &sink, &scan);
	if (!rc)
		rc = set_state(&dev, uuid, VFIO_DEVICE_STATE_RUNNING, NULL);
	mdgpu_vfio_close(&dev);
	fmt_summary(&scan, summary, sizeof(summary));
	mdg_mig_scan_free(&scan);
	if (rc)
		goto out;

	ret = remove_instance(uuid);
	if (ret) {
		rc = mdg_fail(mdg_errno_exit(ret), "removing %s from %s: %s (%s)",
			      uuid, from, strerror(-ret), mdg_errno_name(ret));
		put_back(it, from, &mem);
		goto out;
	}
	ret = create_on(to, it->in->type, uuid);
	if (ret) {
		rc = mdg_fail(mdg_errno_exit(ret),
			      "the kernel refused to create %s %s on %s: %s (%s)",
			      it->in->type, uuid, to, strerror(-ret),
			      mdg_errno_name(ret));
		put_back(it, from, &mem);
		goto out;
	}
	rc = restore_mem(uuid, &mem);
	if (rc) {
		ret = remove_instance(uuid);
		if (ret)
			mdg_warn("removing %s from %s again failed: %s (%s)",
				 uuid, to, strerror(-ret), mdg_errno_name(ret));
		else
			put_back(it, from, &mem);
		goto out;
	}
	ret = apply_tunables(it);
	fmt_tunables(it, tun, sizeof(tun));
	fprintf(mdg_out, "moved %s %s: %s, parked on %s; tunables %s%s\n",
		uuid, it->in->type, summary, to, tun,
		ret ? " (some failed, see above)" : "");
	if (it->mdevctl) {
		if (mdevctl_move(uuid, from, to, it->mdevctl, why, sizeof(why)))
			mdg_warn("%s: moving its mdevctl definition: %s", uuid,
				 why);
		else
			fprintf(mdg_out, "  its mdevctl definition moved from %s to %s\n",
				from, to);
	}
out:
	free(mem.data);
	return rc;
}

static int cmp_item_size(const void *a, const void *b)
{
	const struct evac_item *x = a, *y = b;

	if (x->in->vram_size != y->in->vram_size)
		return x->in->vram_size > y->in->vram_size ? -1 : 1;
	return strcmp(x->in->uuid, y->in->uuid);
}

/* Does everything in @items fit on @p? Prints why not. */
static int check_room(const struct mdg_system *sys, struct mdg_parent *p,
		      const struct evac_item *items, size_t n)
{
	struct mdg_range *used, *placed;
	uint64_t *sizes, sum;
	size_t i, nr_used, nr_placed = 0;
	int ret, rc = 0;

	for (i = 0; i < n; i++)
		if (!mdg_find_type(p, items[i].in->type))
			return mdg_fail(MDG_EXIT_REFUSED,
					"%s does not offer %s, the type of %s",
					p->name, items[i].in->type,
					items[i].in->uuid);
	used = calloc(sys->nr_instances + p->nr_resv + 1, sizeof(*used));
	placed = calloc(n + 1, sizeof(*placed));
	sizes = calloc(n + 1, sizeof(*sizes));
	if (!used || !placed || !sizes) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out;
	}
	nr_used = mdg_parent_used_ranges(sys, p, used, &sum);
	for (i = 0; i < n; i++)
		sizes[i] = items[i].in->vram_size;
	ret = mdg_fit_simulate(p->vram_promised, used, nr_used, sizes, n, placed,
			       &nr_placed);
	/* -EINVAL: a range larger than all of the parent's VRAM. */
	if (ret == -ENOSPC || ret == -EINVAL)
		rc = mdg_fail(MDG_EXIT_REFUSED,
			      "%s has no room: only %zu of the %zu instances to move fit, largest first (mdgpuctl fit); then no aligned range for %s (%s): %s (%s)",
			      p->name, nr_placed, n,
			      items[nr_placed].in->uuid,
			      items[nr_placed].in->type, strerror(ENOSPC),
			      mdg_errno_name(ENOSPC));
	else if (ret)
		rc = mdg_fail(MDG_EXIT_FAIL,
			      "cannot simulate the placement on %s: %s",
			      p->name, strerror(-ret));
out:
	free(used);
	free(placed);
	free(sizes);
	return rc;
}

static const struct option evac_opts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl evacuate PARENT --to PARENT2 [--dry-run] */
int mdg_cmd_evacuate(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl evacuate PARENT --to PARENT2 [--dry-run]";
	struct evac_item *items = NULL;
	struct mdg_parent *from, *to;
	const char *to_name = NULL;
	char holders[256], tun[256];
	size_t i, n = 0, skipped = 0, total = 0, moved;
	struct mdg_system sys;
	bool dry = false;
	int c, rc, ret;

	while ((c = getopt_long(argc, argv, "t:nh", evac_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			to_name = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !to_name)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (!strcmp(argv[optind], to_name))
		return mdg_fail(MDG_EXIT_USAGE,
				"evacuate %s --to %s: the destination must be another parent",
				to_name, to_name);
	ret = mdg_system_load(&sys);
	if (ret) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	}
	rc = mdg_require_loaded(&sys);
	if (rc)
		goto out;
	from = mdg_find_parent(&sys, argv[optind]);
	to = mdg_find_parent(&sys, to_name);
	if (!from || !to) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "no mdgpu parent '%s'",
			      from ? to_name : argv[optind]);
		goto out;
	}
	if (!strcmp(to->health, "failed")) {
		rc = mdg_fail(MDG_EXIT_REFUSED,
			      "%s is failed (%s): nothing can move there",
			      to->name, to->health_reason[0] ?
			      to->health_reason : "no reason given");
		goto out;
	}
	items = calloc(sys.nr_instances + 1, sizeof(*items));
	if (!items) {
		rc = mdg_fail(MDG_EXIT_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < sys.nr_instances; i++) {
		struct mdg_instance *in = &sys.instances[i];

		if (strcmp(in->parent, from->name))
			continue;
		total++;
		if (in->nr_holders || in->removing) {
			mdg_fmt_holders(in, holders, sizeof(holders));
			fprintf(mdg_out,
				"skip  %s %s: %s %s; move it with QEMU migration (admin guide, \"Moving vGPUs\")\n",
				in->uuid, in->type[0] ? in->type : "?",
				in->removing ? "being removed, held by" : "held by",
				holders[0] ? holders : "a VFIO user");
			skipped++;
			continue;
		}
		items[n].in = in;
		note_tunables(&items[n]);
		items[n].mdevctl = mdevctl_definition(in->uuid, from->name);
		n++;
	}
	if (n) {
		qsort(items, n, sizeof(*items), cmp_item_size);
		rc = check_room(&sys, to, items, n);
		if (rc)
			goto out;
	}
	moved = n;
	for (i = 0; i < n && dry; i++) {
		fmt_tunables(&items[i], tun, sizeof(tun));
		fprintf(mdg_out, "would move %s %s to %s; tunables %s; %s\n",
			items[i].in->uuid, items[i].in->type, to->name, tun,
			items[i].mdevctl ? "its mdevctl definition moves too" :
			"no mdevctl definition");
	}
	for (i = 0; i < n && !dry; i++) {
		bool busy;

		rc = evacuate_one(&items[i], from->name, to->name, &busy);
		if (rc && busy) {
			/* A holder /proc did not show (a device fd only). */
			fprintf(mdg_out,
				"skip  %s %s: its VFIO group is open; move it with QEMU migration (admin guide, \"Moving vGPUs\")\n",
				items[i].in->uuid, items[i].in->type);
			skipped++;
			moved--;
			continue;
		}
		if (rc) {
			mdg_warn("stopped after %zu of %zu instances", i, n);
			goto out;
		}
	}
	fprintf(mdg_out, "%s%s: %zu instance%s, %zu %s to %s, %zu skipped (held)\n",
		dry ? "dry run: " : "", from->name, total,
		total == 1 ? "" : "s", moved, dry ? "would move" : "moved",
		to->name, skipped);
	rc = skipped ? MDG_EXIT_BUSY : MDG_EXIT_OK;
out:
	for (i = 0; items && i < n; i++)
		free(items[i].mdevctl);
	free(items);
	mdg_system_free(&sys);
	return rc;
}
