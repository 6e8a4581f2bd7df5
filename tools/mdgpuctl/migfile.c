// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: checkpoint files, which are mdgpu's migration stream
 * (uapi/mdgpu_migration.h), and the compatibility descriptor an instance
 * shows in its migration_compat attribute.
 *
 * The stream itself is checked by tools/lib/mdgpu_mig.c, the way the
 * kernel checks it in RESUMING, so that restore can refuse a bad file
 * before it touches the destination (entering RESUMING discards the
 * destination's state, parked or not).
 *
 * These functions are pure (no sysfs, no output), so the unit tests drive
 * them directly.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/mdgpu_migration.h"
#include "mdgpuctl.h"

/**
 * mdg_mig_compat_parse() - parse a migration_compat line
 * @line: "version=1 device=0x00010000 type=mdgpu-64M vram=67108864
 *	  max=1920x1080 regs=4096 layout=1 features=0x3"; words without '='
 *	  (such as the "migration:" of a type's description) and unknown keys
 *	  are ignored
 * @c: the fields
 *
 * Return: 0, or -EINVAL if a field is missing or malformed.
 */
int mdg_mig_compat_parse(const char *line, struct mdg_mig_compat_info *c)
{
	enum { K_VERSION, K_DEVICE, K_TYPE, K_VRAM, K_MAX, K_REGS, K_LAYOUT,
	       K_FEATURES, K_ALL };
	static const char *const keys[K_ALL] = {
		"version", "device", "type", "vram", "max", "regs", "layout",
		"features",
	};
	char buf[512], *tok, *save = NULL;
	unsigned int seen = 0;

	memset(c, 0, sizeof(*c));
	if (mdg_fmt(buf, sizeof(buf), "%s", line))
		return -EINVAL;
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *val = strchr(tok, '='), *end, x;
		unsigned long long v = 0;
		int k;

		if (!val)
			continue;
		*val++ = 0;
		for (k = 0; k < K_ALL; k++)
			if (!strcmp(tok, keys[k]))
				break;
		if (k == K_ALL)
			continue;
		if (k == K_TYPE) {
			if (!*val || strlen(val) >= MDGPU_MIG_TYPE_LEN)
				return -EINVAL;
			mdg_fmt(c->type, sizeof(c->type), "%s", val);
		} else if (k == K_MAX) {
			if (sscanf(val, "%u%c%u%c", &c->max_width, &x,
				   &c->max_height, &x) != 3 || !c->max_width ||
			    !c->max_height || !strchr(val, 'x'))
				return -EINVAL;
		} else {
			errno = 0;
			v = strtoull(val, &end, 0);
			if (errno || end == val || *end || *val == '-' ||
			    (k != K_VRAM && v > UINT32_MAX))
				return -EINVAL;
		}
		switch (k) {
		case K_VERSION:
			c->version = v;
			break;
		case K_DEVICE:
			c->device = v;
			break;
		case K_VRAM:
			c->vram = v;
			break;
		case K_REGS:
			c->regs = v;
			break;
		case K_LAYOUT:
			c->layout = v;
			break;
		case K_FEATURES:
			c->features = v;
			break;
		}
		seen |= 1u << k;
	}
	return seen == (1u << K_ALL) - 1 ? 0 : -EINVAL;
}

/**
 * mdg_mig_compat_fmt() - format the fields as migration_compat shows them
 * @c: the fields
 * @buf: output
 * @len: size of @buf
 */
void mdg_mig_compat_fmt(const struct mdg_mig_compat_info *c, char *buf,
			size_t len)
{
	mdg_fmt(buf, len,
		"version=%u device=0x%08x type=%s vram=%llu max=%ux%u regs=%u layout=%u features=0x%x",
		c->version, c->device, c->type, (unsigned long long)c->vram,
		c->max_width, c->max_height, c->regs, c->layout, c->features);
}

/**
 * mdg_mig_compat_check() - can a stream of @src be restored onto @dst?
 * @src: the stream's descriptor (its header)
 * @dst: the destination's migration_compat
 * @why: receives the reason, naming the field, when it cannot
 * @len: size of @why
 *
 * The rules are the kernel's (Documentation/migration.rst): the same
 * stream version, type, VRAM size, register size and layout; at least the
 * source's maximum resolution and features; a device version of the same
 * major version and no newer than the destination's.
 *
 * Return: 0, -EPROTONOSUPPORT for another stream version, -EOPNOTSUPP for
 * an incompatible device.
 */
int mdg_mig_compat_check(const struct mdg_mig_compat_info *src,
			 const struct mdg_mig_compat_info *dst, char *why,
			 size_t len)
{
	if (src->version != dst->version) {
		mdg_fmt(why, len,
			"field version: the file is stream version %u, the destination's module reads version %u",
			src->version, dst->version);
		return -EPROTONOSUPPORT;
	}
	if (strcmp(src->type, dst->type)) {
		mdg_fmt(why, len,
			"field type: the file is of type %s, the destination is %s",
			src->type, dst->type);
		return -EOPNOTSUPP;
	}
	if (src->vram != dst->vram) {
		mdg_fmt(why, len,
			"field vram: the file's device has %llu bytes of VRAM, the destination %llu",
			(unsigned long long)src->vram,
			(unsigned long long)dst->vram);
		return -EOPNOTSUPP;
	}
	if (dst->max_width < src->max_width ||
	    dst->max_height < src->max_height) {
		mdg_fmt(why, len,
			"field max: the file's device shows modes up to %ux%u, the destination only up to %ux%u",
			src->max_width, src->max_height, dst->max_width,
			dst->max_height);
		return -EOPNOTSUPP;
	}
	if (src->regs != dst->regs) {
		mdg_fmt(why, len,
			"field regs: the file's device has %u bytes of registers, the destination %u",
			src->regs, dst->regs);
		return -EOPNOTSUPP;
	}
	if (src->layout != dst->layout) {
		mdg_fmt(why, len,
			"field layout: the file's register layout is %u, the destination's %u",
			src->layout, dst->layout);
		return -EOPNOTSUPP;
	}
	if (src->features & ~dst->features) {
		mdg_fmt(why, len,
			"field features: the file's device has features 0x%x, the destination lacks 0x%x",
			src->features, src->features & ~dst->features);
		return -EOPNOTSUPP;
	}
	if (src->device >> 16 != dst->device >> 16 || src->device > dst->device) {
		mdg_fmt(why, len,
			"field device: the file's device is version 0x%08x, the destination's 0x%08x (same major version, not older, wanted)",
			src->device, dst->device);
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * mdg_mig_errno_meaning() - what an errno of a RESUMING stream means
 * @err: positive or negative errno
 *
 * Return: the meaning the migration contract gives it, or NULL.
 */
const char *mdg_mig_errno_meaning(int err)
{
	static const int errs[] = {
		EINVAL, EPROTONOSUPPORT, EOPNOTSUPP, EBADMSG,
	};
	static const char *const meanings[] = {
		"the stream is malformed: bad magic, a record of the wrong length, a VRAM offset outside BAR0 or not page-aligned, an unknown mandatory record, a command in progress that does not decode, or a value out of range",
		"the stream's version is not one this mdgpu module reads",
		"the destination is not compatible with the stream's device: another type or VRAM size, a smaller maximum resolution, missing features or another register layout",
		"the stream is corrupt or incomplete: checksum mismatch, it ended before its END record, or bytes follow END",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errs); i++)
		if (errs[i] == (err < 0 ? -err : err))
			return meanings[i];
	return NULL;
}
