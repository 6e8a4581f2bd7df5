// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the syntax and the rules of capacity reservations, as pure
 * functions (KUnit: drivers/tests/reserve_test.c).
 *
 * A line of the parent's ``reservations`` attribute is
 * ``UUID:VRAM_MB:SHARE_PPM:PRIORITY`` to reserve, ``-UUID`` to delete
 * (Documentation/ABI/testing/sysfs-class-mdgpu).
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/string.h>

#include "mdgpu_resv.h"
#include "mdgpu_sched.h"

/* @s (a NUL-terminated field) is a UUID, which goes to @uuid. */
static int mdgpu_resv_parse_uuid(const char *s, guid_t *uuid)
{
	if (strlen(s) != UUID_STRING_LEN || guid_parse(s, uuid))
		return -EINVAL;
	return 0;
}

/**
 * mdgpu_resv_parse() - read one line of the ``reservations`` attribute
 * @buf: the line, NUL-terminated, optionally ending in a newline
 * @spec: what it says, on success
 *
 * Only the syntax is checked here (mdgpu_resv_spec_check() does the
 * values).
 *
 * Return: 0, or -EINVAL for anything but ``UUID:N:N:N`` or ``-UUID``
 * (decimal numbers that fit 32 bits).
 */
int mdgpu_resv_parse(const char *buf, struct mdgpu_resv_spec *spec)
{
	char line[MDGPU_RESV_LINE_MAX], *rest, *f[4];
	size_t len = strlen(buf);
	unsigned int i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(line))
		return -EINVAL;
	memcpy(line, buf, len);
	line[len] = '\0';
	memset(spec, 0, sizeof(*spec));
	if (line[0] == '-') {
		spec->remove = true;
		return mdgpu_resv_parse_uuid(line + 1, &spec->uuid);
	}
	rest = line;
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		f[i] = strsep(&rest, ":");
		if (!f[i])
			return -EINVAL;
	}
	if (rest)
		return -EINVAL;
	if (mdgpu_resv_parse_uuid(f[0], &spec->uuid) ||
	    kstrtou32(f[1], 10, &spec->vram_mb) ||
	    kstrtou32(f[2], 10, &spec->share) ||
	    kstrtou32(f[3], 10, &spec->priority))
		return -EINVAL;
	return 0;
}

/**
 * mdgpu_resv_spec_check() - are a reservation's values allowed?
 * @spec: the reservation (a deletion always is)
 *
 * Return: 0; -EINVAL when it reserves nothing or for VRAM that is not a
 * power of two MiB; -ERANGE for VRAM past
 * MDGPU_RESV_VRAM_MAX_MB, a share past the whole engine or a priority past
 * MDGPU_SCHED_PRIO_MAX.
 */
int mdgpu_resv_spec_check(const struct mdgpu_resv_spec *spec)
{
	if (spec->remove)
		return 0;
	if (!spec->vram_mb && !spec->share)
		return -EINVAL;
	if (spec->vram_mb > MDGPU_RESV_VRAM_MAX_MB ||
	    spec->share > MDGPU_SCHED_SHARE_ONE ||
	    spec->priority > MDGPU_SCHED_PRIO_MAX)
		return -ERANGE;
	if (spec->vram_mb && !is_power_of_2(spec->vram_mb))
		return -EINVAL;
	return 0;
}

/**
 * mdgpu_resv_vram_admit() - may a parent reserve @size more bytes?
 * @vram_size: the parent's VRAM (not what it promises)
 * @reserved: bytes its reservations hold already
 * @size: the new reservation's VRAM, bytes
 *
 * Reservations together never hold more than the parent's own VRAM,
 * whatever its oversubscription ratio: what is reserved can always be
 * backed.
 *
 * Return: 0, or -ENOSPC.
 */
int mdgpu_resv_vram_admit(u64 vram_size, u64 reserved, u64 size)
{
	if (reserved > vram_size || size > vram_size - reserved)
		return -ENOSPC;
	return 0;
}

/**
 * mdgpu_resv_fit() - may an instance of @size use a reservation's VRAM?
 * @spec: the reservation
 * @size: the instance's VRAM, bytes
 *
 * Return: 1 if it goes into the reserved range (its start: the range is
 * aligned to its own size, so to @size too), 0 if the reservation holds
 * no VRAM (the instance is placed as any other), -ENOSPC if the range is
 * smaller than @size.
 */
int mdgpu_resv_fit(const struct mdgpu_resv_spec *spec, u64 size)
{
	if (!spec->vram_mb)
		return 0;
	if (size > (u64)spec->vram_mb << 20)
		return -ENOSPC;
	return 1;
}
