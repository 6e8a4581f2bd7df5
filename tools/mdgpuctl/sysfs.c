// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: paths under MDGPU_SYSFS_ROOT, attribute files, error reporting.
 *
 * Every function that reads or writes a file returns 0 or a negative errno
 * and leaves the reporting to its caller, which knows what the file meant.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "mdgpuctl.h"

FILE *mdg_out;
FILE *mdg_err;
void (*mdg_file_hook)(const char *path, bool write);

static void hook(const char *path, bool write)
{
	if (mdg_file_hook)
		mdg_file_hook(path, write);
}

/**
 * mdg_root() - the directory /sys, /proc and /dev are looked up in
 *
 * Return: $MDGPU_SYSFS_ROOT without trailing slashes, "" for "/" or unset.
 */
const char *mdg_root(void)
{
	static char root[PATH_MAX];
	const char *env = getenv("MDGPU_SYSFS_ROOT");
	size_t n;

	if (!env || !*env)
		return "";
	n = strlen(env);
	if (n >= sizeof(root))
		n = sizeof(root) - 1;
	memcpy(root, env, n);
	while (n && root[n - 1] == '/')
		n--;
	root[n] = 0;
	return root;
}

/**
 * mdg_path() - format an absolute path and put the root in front of it
 * @buf: output
 * @len: size of @buf
 * @fmt: printf format of the path, starting with '/'
 *
 * Return: 0, or -ENAMETOOLONG.
 */
int mdg_path(char *buf, size_t len, const char *fmt, ...)
{
	const char *root = mdg_root();
	size_t r = strlen(root);
	va_list ap;
	int n;

	if (r >= len)
		return -ENAMETOOLONG;
	memcpy(buf, root, r);
	va_start(ap, fmt);
	n = vsnprintf(buf + r, len - r, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - r)
		return -ENAMETOOLONG;
	return 0;
}

/**
 * mdg_read_str() - read a one-line attribute, without its newline
 * @path: the file
 * @buf: output
 * @len: size of @buf
 *
 * Return: 0 or a negative errno.
 */
int mdg_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	hook(path, false);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/**
 * mdg_read_s64() - read a decimal attribute
 * @path: the file
 * @val: the value
 *
 * Return: 0, a negative errno, or -EINVAL if it is not a number.
 */
int mdg_read_s64(const char *path, int64_t *val)
{
	char buf[64], *end;
	long long v;
	int ret;

	ret = mdg_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

/**
 * mdg_read_u64() - read an unsigned decimal attribute
 * @path: the file
 * @val: the value
 *
 * Return: 0, a negative errno, or -EINVAL if it is not a number.
 */
int mdg_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	unsigned long long v;
	int ret;

	ret = mdg_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end || buf[0] == '-')
		return -EINVAL;
	*val = v;
	return 0;
}

/**
 * mdg_parse_fixed() - a decimal fraction as an integer count of its last digit
 * @s: "N" or "N.D" with up to @frac decimals, digits only
 * @frac: decimals allowed, 0 to 9
 * @val: receives the value times 10^@frac ("12.5", 4 -> 125000)
 *
 * Return: 0, or -EINVAL for other text, more decimals than @frac, or a
 * value that does not fit.
 */
int mdg_parse_fixed(const char *s, int frac, uint64_t *val)
{
	uint64_t v = 0, scale = 1;
	const char *c = s;
	int d = 0, i;

	for (i = 0; i < frac; i++)
		scale *= 10;
	if (*c < '0' || *c > '9')
		return -EINVAL;
	for (; *c >= '0' && *c <= '9'; c++) {
		uint64_t digit = (uint64_t)(*c - '0');

		if (v > (UINT64_MAX - digit) / 10)
			return -EINVAL;
		v = v * 10 + digit;
	}
	if (v > UINT64_MAX / scale)
		return -EINVAL;
	v *= scale;
	if (*c == '.') {
		for (c++; *c >= '0' && *c <= '9'; c++) {
			if (++d > frac)
				return -EINVAL;
			scale /= 10;
			v += (uint64_t)(*c - '0') * scale;
		}
		if (!d)
			return -EINVAL;
	}
	if (*c)
		return -EINVAL;
	*val = v;
	return 0;
}

/**
 * mdg_read_fixed() - read a decimal-fraction attribute (min_share)
 * @path: the file
 * @frac: decimals it may have
 * @val: the value times 10^@frac
 *
 * Return: 0, a negative errno, or -EINVAL if it is not such a number.
 */
int mdg_read_fixed(const char *path, int frac, uint64_t *val)
{
	char buf[64];
	int ret;

	ret = mdg_read_str(path, buf, sizeof(buf));
	return ret ?: mdg_parse_fixed(buf, frac, val);
}

/**
 * mdg_write_str() - write an attribute in one write(), as sysfs wants
 * @path: the file; it must exist (no O_CREAT)
 * @val: the text
 *
 * Return: 0 or the negative errno of open() or write().
 */
int mdg_write_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret = 0;

	hook(path, true);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

bool mdg_exists(const char *path)
{
	struct stat st;

	hook(path, false);
	return lstat(path, &st) == 0;
}

/**
 * mdg_readlink_base() - the last component of a symbolic link's target
 * @path: the link
 * @buf: output
 * @len: size of @buf
 *
 * Return: 0 or a negative errno.
 */
int mdg_readlink_base(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

/**
 * mdg_errno_name() - the symbolic name of an errno value
 * @err: positive or negative errno
 *
 * Return: "EINVAL" and the like, or "errno N" in a static buffer.
 */
const char *mdg_errno_name(int err)
{
	static char buf[32];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name)
		return name;
	mdg_fmt(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* The program the messages name: mdgpu-balancer links these files too. */
const char *mdg_prog = "mdgpuctl";

static void vreport(const char *fmt, va_list ap)
{
	fprintf(mdg_err, "%s: ", mdg_prog);
	vfprintf(mdg_err, fmt, ap);
	fputc('\n', mdg_err);
}

/**
 * mdg_fail() - print an error and return an exit code
 * @code: enum mdg_exit value to return
 * @fmt: message, without "mdgpuctl: " and without a newline
 *
 * Return: @code.
 */
int mdg_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return code;
}

void mdg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("warning: ", mdg_err);
	vreport(fmt, ap);
	va_end(ap);
}

/**
 * mdg_errno_exit() - the exit code for a failed write to the kernel
 * @err: positive or negative errno
 *
 * Return: MDG_EXIT_BUSY for EBUSY, MDG_EXIT_NOTFOUND for ENOENT,
 * MDG_EXIT_REFUSED otherwise.
 */
int mdg_errno_exit(int err)
{
	if (err < 0)
		err = -err;
	if (err == EBUSY)
		return MDG_EXIT_BUSY;
	if (err == ENOENT)
		return MDG_EXIT_NOTFOUND;
	return MDG_EXIT_REFUSED;
}

/**
 * mdg_uuid_valid() - check a UUID's syntax
 * @s: the text
 * @canon: if not NULL, receives the lower-case form (37 bytes)
 *
 * Return: whether @s is 36 characters of 8-4-4-4-12 hex digits.
 */
bool mdg_uuid_valid(const char *s, char *canon)
{
	uuid_t u;

	if (strlen(s) != MDG_UUID_LEN || uuid_parse(s, u))
		return false;
	if (canon)
		uuid_unparse_lower(u, canon);
	return true;
}

/**
 * mdg_parse_size() - parse "64M", "1G", "512K" or plain bytes
 * @s: the text; the suffixes are binary (M = MiB)
 * @bytes: the size
 *
 * Return: 0 or -EINVAL.
 */
int mdg_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 0:
		break;
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	case 'T': case 't':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}

/**
 * mdg_fmt_size() - print a size as "64M", "1G" or "1536K", exactly
 * @buf: output
 * @len: size of @buf
 * @bytes: the size
 */
void mdg_fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t unit = 1ULL << (10 * (i + 1));

		if (bytes && bytes % unit == 0) {
			mdg_fmt(buf, len, "%" PRIu64 "%c", bytes / unit,
				 units[i]);
			return;
		}
	}
	mdg_fmt(buf, len, "%" PRIu64, bytes);
}

/**
 * mdg_fmt() - snprintf() that reports truncation
 * @buf: output, always terminated
 * @len: size of @buf
 * @fmt: printf format
 *
 * Return: 0, or -ENAMETOOLONG if the result did not fit (it is truncated).
 */
int mdg_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
