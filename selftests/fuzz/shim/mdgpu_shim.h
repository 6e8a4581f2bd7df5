/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel definitions mdgpu's pure decoders use, for building them
 * in userspace (selftests/fuzz). Every <linux/...> header they include that
 * userspace lacks (or whose userspace version lacks these) is a one-line
 * header in this directory that includes this one; linux/pci_regs.h and
 * linux/errno.h come from the system's kernel uAPI headers.
 */
#ifndef MDGPU_SHIM_H
#define MDGPU_SHIM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BIT(n)			(1UL << (n))
#define U16_MAX			((u16)~0U)
#define U32_MAX			((u32)~0U)
#define NSEC_PER_USEC		1000L

/* Type-checked in the kernel; the decoders only mix like types. */
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))

/* One access the compiler may neither tear nor repeat nor drop. */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = dividend % divisor;
	return dividend / divisor;
}

#endif /* MDGPU_SHIM_H */
