/* SPDX-License-Identifier: GPL-2.0-only */
/* sysfs_streq(): equal, but a trailing newline on either side is ignored. */
#ifndef _MDGPU_SHIM_SYSFS_H
#define _MDGPU_SHIM_SYSFS_H
#include <string.h>
#include "../mdgpu_shim.h"

static inline bool sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	if (*s1 == '\n' && !s1[1] && !*s2)
		return true;
	return false;
}
#endif
