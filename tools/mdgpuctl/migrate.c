// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: an instance's state through VFIO migration, and moving an
 * instance no VM holds to another parent on the real module.
 *
 * The device is opened through VFIO as a VMM would and driven with the
 * migration uAPI (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE): saving is
 * RUNNING -> STOP -> STOP_COPY, reading the data fd until read() returns 0,
 * then STOP -> RUNNING; restoring is RUNNING -> STOP -> RESUMING, writing
 * the stream, RESUMING -> STOP, where the kernel checks it and applies it.
 * A checkpoint file is exactly the stream (uapi/mdgpu_migration.h).
 *
 * A device closed in RUNNING is reset (its next user finds its power-on
 * state); one closed in STOP right after a successful restore is "parked"
 * and its next user starts from the restored state
 * (Documentation/admin-guide.rst, "Moving vGPUs").
 *
 * mdg_relocate_instance() runs relocate.c's steps with ops on sysfs and
 * VFIO: mdgpuctl evacuate and mdgpu-balancer --move use it.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate.h"
#include "relocate.h"

const char mdg_ckpt_one_user[] = "VFIO allows one user of a device at a time; "
	"a VM's vGPU moves with QEMU migration (admin guide, \"Moving vGPUs\")";

static ssize_t src_read(struct mdg_ckpt_src *src, void *buf, size_t len)
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

/**
 * mdg_ckpt_write_all() - write all of a buffer
 * @fd: where
 * @buf: what
 * @len: bytes
 *
 * Return: 0 or a negative errno.
 */
int mdg_ckpt_write_all(int fd, const void *buf, size_t len)
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

static int sink_write(struct mdg_ckpt_sink *sink, const void *buf, size_t len)
{
	struct mdg_ckpt_mem *m = sink->mem;

	if (sink->fd >= 0)
		return mdg_ckpt_write_all(sink->fd, buf, len);
	if (m->len + len > m->cap) {
		size_t cap = m->cap ? m->cap : MDG_CKPT_CHUNK;
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

/**
 * mdg_ckpt_attr() - read an instance attribute of migration
 * @in: the instance
 * @name: the attribute, in its mdgpu/ directory or the device directory
 * @buf: its contents
 * @len: room in @buf
 * @path: the path read (or, when neither exists, the mdgpu/ one)
 * @plen: room in @path
 *
 * Return: 0 or a negative errno.
 */
int mdg_ckpt_attr(const struct mdg_instance *in, const char *name, char *buf,
		  size_t len, char *path, size_t plen)
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

/**
 * mdg_ckpt_state() - an instance's migration_state
 * @in: the instance
 * @buf: "parked", "closed", ... or "" when the module has none
 * @len: room in @buf
 */
void mdg_ckpt_state(const struct mdg_instance *in, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (mdg_ckpt_attr(in, "migration_state", buf, len, path, sizeof(path)))
		buf[0] = 0;
}

/**
 * mdg_ckpt_open() - open an instance through VFIO, checking that it migrates
 * @uuid: the instance
 * @dev: filled in (closed again on failure)
 *
 * Return: an exit code; %MDG_EXIT_BUSY when another user holds it.
 */
int mdg_ckpt_open(const char *uuid, struct mdgpu_vfio *dev)
{
	uint64_t flags;
	int err;

	if (mdgpu_vfio_open_group(uuid, dev) < 0) {
		err = errno;
		mdgpu_vfio_close(dev);
		if (err == EBUSY)
			return mdg_fail(MDG_EXIT_BUSY,
					"%s is in use (its VFIO group is open): %s",
					uuid, mdg_ckpt_one_user);
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

/**
 * mdg_ckpt_set_state() - move the device to a migration state
 * @dev: the open device
 * @uuid: its UUID, for the message
 * @state: VFIO_DEVICE_STATE_*
 * @data_fd: the data fd of a state that has one, or NULL
 *
 * Return: an exit code.
 */
int mdg_ckpt_set_state(struct mdgpu_vfio *dev, const char *uuid,
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

/**
 * mdg_ckpt_reset() - after a failure: back to RUNNING, in power-on state
 * @dev: the open device
 * @uuid: its UUID, for the messages
 */
void mdg_ckpt_reset(struct mdgpu_vfio *dev, const char *uuid)
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
		fprintf(mdg_err, "%s: %s was reset to its power-on state and is usable\n",
			mdg_prog, uuid);
}

/**
 * mdg_ckpt_save() - save the device's state (STOP, STOP_COPY)
 * @dev: the open device
 * @uuid: its UUID, for the messages
 * @sink: where the stream goes
 * @scan: checks the stream as it comes
 *
 * Return: an exit code; the device is in STOP on success, reset on failure.
 */
int mdg_ckpt_save(struct mdgpu_vfio *dev, const char *uuid,
		  struct mdg_ckpt_sink *sink, struct mdg_mig_scan *scan)
{
	int data_fd = -1, rc, ret;
	uint8_t *buf;
	ssize_t n;

	buf = malloc(MDG_CKPT_CHUNK);
	if (!buf)
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	rc = mdg_ckpt_set_state(dev, uuid, VFIO_DEVICE_STATE_STOP, NULL);
	if (!rc)
		rc = mdg_ckpt_set_state(dev, uuid, VFIO_DEVICE_STATE_STOP_COPY, &data_fd);
	if (!rc && data_fd < 0)
		rc = mdg_fail(MDG_EXIT_FAIL, "%s gave no data fd in STOP_COPY",
			      uuid);
	while (!rc) {
		n = read(data_fd, buf, MDG_CKPT_CHUNK);
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
		rc = mdg_ckpt_set_state(dev, uuid, VFIO_DEVICE_STATE_STOP, NULL);
	if (rc)
		mdg_ckpt_reset(dev, uuid);
	return rc;
}

/**
 * mdg_ckpt_load() - restore a stream into the device (STOP, RESUMING, STOP)
 * @dev: the open device
 * @uuid: its UUID, for the messages
 * @src: the stream
 * @scan: counts what went in
 *
 * Return: an exit code; on success the device is in STOP (close it now to
 * park it), on failure it was reset.
 */
int mdg_ckpt_load(struct mdgpu_vfio *dev, const char *uuid,
		  struct mdg_ckpt_src *src, struct mdg_mig_scan *scan)
{
	int data_fd = -1, rc, err = 0;
	const char *meaning;
	uint8_t *buf;
	ssize_t n;

	buf = malloc(MDG_CKPT_CHUNK);
	if (!buf)
		return mdg_fail(MDG_EXIT_FAIL, "out of memory");
	rc = mdg_ckpt_set_state(dev, uuid, VFIO_DEVICE_STATE_STOP, NULL);
	if (!rc)
		rc = mdg_ckpt_set_state(dev, uuid, VFIO_DEVICE_STATE_RESUMING, &data_fd);
	if (!rc && data_fd < 0)
		rc = mdg_fail(MDG_EXIT_FAIL, "%s gave no data fd in RESUMING",
			      uuid);
	while (!rc && !err) {
		n = src_read(src, buf, MDG_CKPT_CHUNK);
		if (n < 0) {
			rc = mdg_fail(MDG_EXIT_FAIL, "reading the checkpoint: %s",
				      strerror(errno));
			break;
		}
		if (!n)
			break;
		mdg_mig_scan_feed(scan, buf, n);
		err = -mdg_ckpt_write_all(data_fd, buf, n);
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
		mdg_ckpt_reset(dev, uuid);
	return rc;
}

/**
 * mdg_ckpt_summary() - "N bytes, N VRAM pages[ and SIZE of zero ranges]"
 * @s: the scan of a stream
 * @buf: the text
 * @len: room in @buf
 */
void mdg_ckpt_summary(const struct mdg_mig_scan *s, char *buf, size_t len)
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

/**
 * mdg_mdevctl_definition() - the persistent mdevctl definition of an instance
 * @uuid: the instance
 * @parent: its parent
 *
 * Return: the JSON text (malloc'd), or NULL if there is none or mdevctl is
 * not installed.
 */
char *mdg_mdevctl_definition(const char *uuid, const char *parent)
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

/**
 * mdg_mdevctl_move() - move a definition: define on @to, then undefine on @from
 * @uuid: the instance
 * @from: the parent it is defined on
 * @to: the new parent
 * @json: the definition (mdg_mdevctl_definition())
 * @why: what failed
 * @len: room in @why
 *
 * Return: 0, or -1 with @why set.
 */
int mdg_mdevctl_move(const char *uuid, const char *from, const char *to,
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
	ret = mdg_ckpt_write_all(fd, json, strlen(json));
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

/* ---- relocation on the real module -------------------------------------- */

/**
 * mdg_reloc_init() - a relocation of @in to @to, its tunables noted
 * @r: filled in
 * @in: the instance
 * @to: the destination parent
 *
 * The tunables are the instance tunables of mdg_tunables[] the module
 * exports for @in, read now.
 */
void mdg_reloc_init(struct mdg_reloc *r, const struct mdg_instance *in,
		    const char *to)
{
	char path[PATH_MAX];
	size_t i;

	memset(r, 0, sizeof(*r));
	r->failed_step = "";
	mdg_fmt(r->uuid, sizeof(r->uuid), "%s", in->uuid);
	mdg_fmt(r->type, sizeof(r->type), "%s", in->type);
	mdg_fmt(r->from, sizeof(r->from), "%s", in->parent);
	mdg_fmt(r->to, sizeof(r->to), "%s", to);
	for (i = 0; i < mdg_nr_tunables && r->nr_tun < MDG_RELOC_MAX_TUNABLES;
	     i++) {
		const struct mdg_tunable *t = &mdg_tunables[i];

		if (t->scope != MDG_SCOPE_INSTANCE ||
		    mdg_tunable_path(t, in->uuid, path, sizeof(path)) ||
		    mdg_read_str(path, r->val[r->nr_tun], sizeof(r->val[0])))
			continue;
		r->tun[r->nr_tun++] = t;
	}
}

/**
 * mdg_reloc_fmt_tunables() - "weight=100 min_share=0 ..." or "none exported"
 * @r: the relocation
 * @buf: the text
 * @len: room in @buf
 */
void mdg_reloc_fmt_tunables(const struct mdg_reloc *r, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < r->nr_tun && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s=%s", i ? " " : "",
				 r->tun[i]->name, r->val[i]);

		if (n < 0)
			break;
		off += n;
	}
	if (!r->nr_tun)
		mdg_fmt(buf, len, "none exported");
}

/* An errno for an exit code of mdg_ckpt_open() (its message said more). */
static int exit_errno(int rc)
{
	switch (rc) {
	case MDG_EXIT_BUSY:
		return -EBUSY;
	case MDG_EXIT_NOTFOUND:
		return -ENOENT;
	case MDG_EXIT_REFUSED:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* The real ops keep the saved stream here. */
struct reloc_ctx {
	struct mdg_ckpt_mem mem;
};

static int op_save(void *ctx, struct mdg_reloc *r)
{
	struct reloc_ctx *c = ctx;
	struct mdg_ckpt_sink sink = { .fd = -1, .mem = &c->mem };
	struct mdg_mig_scan scan;
	struct mdgpu_vfio dev;
	int rc;

	rc = mdg_ckpt_open(r->uuid, &dev);
	if (rc)
		return exit_errno(rc);
	if (mdg_mig_scan_init(&scan)) {
		mdgpu_vfio_close(&dev);
		return -ENOMEM;
	}
	rc = mdg_ckpt_save(&dev, r->uuid, &sink, &scan);
	if (!rc)
		rc = mdg_ckpt_set_state(&dev, r->uuid,
					VFIO_DEVICE_STATE_RUNNING, NULL);
	mdgpu_vfio_close(&dev);
	mdg_ckpt_summary(&scan, r->summary, sizeof(r->summary));
	mdg_mig_scan_free(&scan);
	return rc ? -EIO : 0;
}

static int op_remove(void *ctx, const char *uuid)
{
	char path[PATH_MAX];
	int ret;

	(void)ctx;
	mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	ret = mdg_write_str(path, "1");
	if (ret)
		mdg_warn("removing %s: %s (%s)", uuid, strerror(-ret),
			 mdg_errno_name(ret));
	return ret;
}

static int op_create(void *ctx, const char *parent, const char *type,
		     const char *uuid)
{
	char path[PATH_MAX], rel[PATH_MAX];
	int ret;

	(void)ctx;
	mdg_fmt(rel, sizeof(rel), "mdev_supported_types/%s/create", type);
	mdg_parent_dir_path(parent, rel, path, sizeof(path));
	ret = mdg_write_str(path, uuid);
	if (ret)
		mdg_warn("the kernel refused to create %s %s on %s: %s (%s)",
			 type, uuid, parent, strerror(-ret),
			 mdg_errno_name(ret));
	return ret;
}

static bool op_exists(void *ctx, const char *uuid)
{
	char path[PATH_MAX];

	(void)ctx;
	mdg_path(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	return mdg_exists(path);
}

static int op_restore(void *ctx, struct mdg_reloc *r)
{
	struct reloc_ctx *c = ctx;
	struct mdg_ckpt_src src = { .fd = -1, .mem = c->mem.data,
				    .len = c->mem.len };
	struct mdg_mig_scan scan;
	struct mdgpu_vfio dev;
	int rc;

	rc = mdg_ckpt_open(r->uuid, &dev);
	if (rc)
		return exit_errno(rc);
	if (mdg_mig_scan_init(&scan)) {
		mdgpu_vfio_close(&dev);
		return -ENOMEM;
	}
	rc = mdg_ckpt_load(&dev, r->uuid, &src, &scan);
	mdg_mig_scan_free(&scan);
	/* Closed in STOP after a restore: parked. */
	mdgpu_vfio_close(&dev);
	return rc ? -EIO : 0;
}

static int op_tunables(void *ctx, struct mdg_reloc *r)
{
	char path[PATH_MAX];
	int ret, first = 0;
	size_t i;

	(void)ctx;
	r->failed_tunables = 0;
	for (i = 0; i < r->nr_tun; i++) {
		mdg_tunable_path(r->tun[i], r->uuid, path, sizeof(path));
		ret = mdg_write_str(path, r->val[i]);
		if (ret) {
			mdg_warn("%s: setting %s=%s again failed (writing %s): %s (%s)",
				 r->uuid, r->tun[i]->name, r->val[i], path,
				 strerror(-ret), mdg_errno_name(ret));
			r->failed_tunables++;
			if (!first)
				first = ret;
		}
	}
	return first;
}

static int op_keep(void *ctx, struct mdg_reloc *r)
{
	struct reloc_ctx *c = ctx;
	int fd, ret;

	/* A new file (0600), never one someone put there for us. */
	mdg_fmt(r->kept, sizeof(r->kept),
		"/var/tmp/mdgpu-relocate-%s.XXXXXX.mdgpuckpt", r->uuid);
	fd = mkostemps(r->kept, strlen(".mdgpuckpt"), O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = mdg_ckpt_write_all(fd, c->mem.data, c->mem.len);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

static const struct mdg_reloc_ops mdg_reloc_sysfs_ops = {
	.save = op_save,
	.remove = op_remove,
	.create = op_create,
	.exists = op_exists,
	.restore = op_restore,
	.tunables = op_tunables,
	.keep = op_keep,
};

/**
 * mdg_relocate_instance() - move an instance no VM holds, on the module
 * @r: from mdg_reloc_init() (set @r->strict as wanted)
 *
 * Runs mdg_relocate() with ops on sysfs and VFIO; says on mdg_err where the
 * instance is when a step failed (back on its parent, or in which file its
 * state is kept and how to restore it, or that it is lost).
 *
 * Return: where the instance ended up.
 */
enum mdg_reloc_result mdg_relocate_instance(struct mdg_reloc *r)
{
	struct reloc_ctx c = { 0 };
	enum mdg_reloc_result res;

	res = mdg_relocate(&mdg_reloc_sysfs_ops, &c, r);
	switch (res) {
	case MDG_RELOC_ROLLED_BACK:
		fprintf(mdg_err, "%s: %s is back on %s with its state (parked)\n",
			mdg_prog, r->uuid, r->from);
		break;
	case MDG_RELOC_KEPT:
		if (op_exists(&c, r->uuid))
			mdg_warn("%s could not be put back and stays on %s without its state, which is saved in %s: run mdgpuctl restore %s %s",
				 r->uuid, r->to, r->kept, r->uuid, r->kept);
		else
			mdg_warn("%s could not be put back; its state is saved in %s: create it (mdgpuctl create %s --parent %s --uuid %s) and run mdgpuctl restore %s %s",
				 r->uuid, r->kept, r->type, r->from, r->uuid,
				 r->uuid, r->kept);
		break;
	case MDG_RELOC_LOST:
		mdg_warn("%s could not be put back, and its state could not be saved to %s: it is lost",
			 r->uuid, r->kept);
		break;
	default:
		break;
	}
	free(c.mem.data);
	return res;
}
