/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO migration v2 from userspace, the calls a VMM makes: the device's
 * migration flags, its state (get and set, with the data fd a set may
 * return), the stop-copy size estimate, the pre-copy info of a data fd,
 * and moving a whole stream through a data fd. No test harness in it.
 * Every function returns 0 (or a byte count) or a negative errno.
 */
#ifndef MDGPU_MIG_VFIO_H
#define MDGPU_MIG_VFIO_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "mig_stream.h"
#include "vfio_compat.h"

/* Number of states the 6.2+ uAPI knows (ERROR .. PRE_COPY_P2P). */
#define MIG_NR_STATES	8

/* The state's name as the instance's sysfs migration_state shows it. */
static inline const char *mig_state_name(uint32_t state)
{
	static const char *const names[MIG_NR_STATES] = {
		[VFIO_DEVICE_STATE_ERROR] = "error",
		[VFIO_DEVICE_STATE_STOP] = "stop",
		[VFIO_DEVICE_STATE_RUNNING] = "running",
		[VFIO_DEVICE_STATE_STOP_COPY] = "stop_copy",
		[VFIO_DEVICE_STATE_RESUMING] = "resuming",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "running_p2p",
		[VFIO_DEVICE_STATE_PRE_COPY] = "pre_copy",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "pre_copy_p2p",
	};

	return state < MIG_NR_STATES ? names[state] : "?";
}

/* VFIO_DEVICE_FEATURE with @size bytes of @data after the header. */
static inline int mig_feature(int device, uint32_t flags, void *data,
			      size_t size)
{
	union {
		struct vfio_device_feature f;
		uint8_t buf[sizeof(struct vfio_device_feature) + 64];
	} u;

	if (size > 64)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	u.f.argsz = sizeof(u.f) + size;
	u.f.flags = flags;
	if (size)
		memcpy(u.f.data, data, size);
	if (ioctl(device, VFIO_DEVICE_FEATURE, &u))
		return -errno;
	if (size)
		memcpy(data, u.f.data, size);
	return 0;
}

/* VFIO_DEVICE_FEATURE_MIGRATION: the VFIO_MIGRATION_* flags. */
static inline int mig_flags(int device, uint64_t *flags)
{
	struct vfio_device_feature_migration m = {};
	int ret;

	ret = mig_feature(device, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIGRATION, &m, sizeof(m));
	*flags = m.flags;
	return ret;
}

static inline int mig_get_state(int device, uint32_t *state)
{
	struct vfio_device_feature_mig_state s = { .data_fd = -1 };
	int ret;

	ret = mig_feature(device, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &s, sizeof(s));
	*state = ret ? ~0u : s.device_state;
	return ret;
}

/*
 * Ask for @state. *@data_fd gets the data fd the transition returned, or
 * -1 (also on failure).
 */
static inline int mig_set_state(int device, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state s = {
		.device_state = state,
		.data_fd = -1,
	};
	int ret;

	ret = mig_feature(device, VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &s, sizeof(s));
	*data_fd = ret ? -1 : s.data_fd;
	return ret;
}

/* mig_set_state() for transitions that return no data fd; closes one. */
static inline int mig_set(int device, uint32_t state)
{
	int fd, ret = mig_set_state(device, state, &fd);

	if (fd >= 0)
		close(fd);
	return ret;
}

/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE. */
static inline int mig_data_size(int device, uint64_t *len)
{
	struct vfio_device_feature_mig_data_size d = {};
	int ret;

	ret = mig_feature(device, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &d, sizeof(d));
	*len = d.stop_copy_length;
	return ret;
}

/* VFIO_MIG_GET_PRECOPY_INFO on a data fd. */
static inline int mig_precopy_info(int data_fd, struct vfio_precopy_info *i)
{
	memset(i, 0, sizeof(*i));
	i->argsz = sizeof(*i);
	return ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, i) ? -errno : 0;
}

/*
 * Read a data fd in pieces of @chunk bytes, appending to @out (and feeding
 * @p if not NULL), until read() returns 0 (return 0) or fails (return its
 * -errno: -ENOMSG at pre-copy's temporary end). A parser error stops it
 * too and is returned.
 */
static inline int mig_read_fd(int data_fd, size_t chunk, struct mig_buf *out,
			      struct mig_parser *p)
{
	ssize_t n;
	int ret;

	for (;;) {
		ret = mig_buf_reserve(out, chunk);
		if (ret)
			return ret;
		n = read(data_fd, out->p + out->len, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		if (p) {
			ret = mig_parse_feed(p, out->p + out->len, n);
			if (ret)
				return ret;
		}
		out->len += n;
	}
}

/*
 * Write @len bytes to a data fd in pieces of at most @chunk bytes. Return
 * 0, or the -errno of the first write that failed, with *@done the bytes
 * written before it.
 */
static inline int mig_write_fd(int data_fd, const void *buf, size_t len,
			       size_t chunk, size_t *done)
{
	const uint8_t *p = buf;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(data_fd, p + off, len - off < chunk ? len - off :
							       chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*done = off;
			return n < 0 ? -errno : -EIO;
		}
		off += n;
	}
	*done = off;
	return 0;
}

#endif /* MDGPU_MIG_VFIO_H */
