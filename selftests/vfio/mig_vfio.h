/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO migration v2 from userspace, what the selftests add to libmdgpu's
 * migration calls (mdgpu_mig_*() in tools/lib/mdgpu_vfio.h): the states'
 * sysfs names, and moving a whole stream through a data fd. No test
 * harness in it.
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
#include "mdgpu_vfio.h"

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

/* mdgpu_mig_set_state() for transitions that return no data fd. */
static inline int mig_set(int device, uint32_t state)
{
	return mdgpu_mig_set_state(device, state, NULL);
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
