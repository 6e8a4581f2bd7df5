/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel definitions scheduler/ uses, for building it in userspace
 * (tools/mdgpu-schedcost). Every <linux/...> or <kunit/...> header the
 * scheduler includes is a one-line header in linux/ or kunit/ that includes
 * this one; linux/errno.h and linux/limits.h come from the system's kernel
 * uAPI headers as well.
 */
#ifndef MDGPU_SCHED_SHIM_H
#define MDGPU_SCHED_SHIM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define U64_MAX			((u64)~0ULL)
#define S64_MAX			((s64)(U64_MAX >> 1))

#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp(v, lo, hi)	min(max(v, lo), hi)

/* No KUnit in userspace: what it may see stays static, nothing exported. */
#define VISIBLE_IF_KUNIT	static
#define EXPORT_SYMBOL_IF_KUNIT(sym)

/* A kernel warning is an abort here: the scheduler's tools must not hit one. */
#define WARN_ON_ONCE(cond)	({ bool __c = (cond); if (__c) abort(); __c; })

#undef static_assert
#define static_assert(expr, ...) _Static_assert(expr, #expr)

static inline u64 div_u64(u64 a, u32 b)
{
	return a / b;
}

static inline u64 mul_u64_u32_div(u64 a, uint32_t mul, uint32_t divisor)
{
	return (u64)((__uint128_t)a * mul / divisor);
}

static inline s64 div64_s64(s64 a, s64 b)
{
	return a / b;
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline bool sysfs_streq(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && (!a[n] || (a[n] == '\n' && !a[n + 1]));
}

struct list_head {
	struct list_head *next, *prev;
};

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))
#define list_entry(p, type, member)	container_of(p, type, member)
#define list_first_entry(head, type, member) \
	list_entry((head)->next, type, member)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline bool list_is_last(const struct list_head *l,
				const struct list_head *h)
{
	return l->next == h;
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}

#endif /* MDGPU_SCHED_SHIM_H */
