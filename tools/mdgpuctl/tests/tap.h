/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small TAP 13 test runner for mdgpuctl's unit tests.
 *
 * Each test is a function returning TAP_PASS, TAP_FAIL or TAP_SKIP; the
 * CHECK macros print a diagnostic ("# ...") and return TAP_FAIL from the
 * test on the first failed expectation. The runner ends with
 * "# Totals: pass:N fail:N skip:N".
 */
#ifndef MDGPUCTL_TAP_H
#define MDGPUCTL_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { TAP_PASS, TAP_FAIL, TAP_SKIP };

struct tap_test {
	const char *name;
	int (*fn)(void);
};

#define TAP_DIAG(...)							\
	do {								\
		printf("# %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			TAP_DIAG("expected %s", #cond);			\
			return TAP_FAIL;				\
		}							\
	} while (0)

#define CHECK_INT(got, want)						\
	do {								\
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (g_ != w_) {						\
			TAP_DIAG("%s is %lld, expected %lld", #got, g_, w_); \
			return TAP_FAIL;				\
		}							\
	} while (0)

#define CHECK_STR(got, want)						\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		if (!g_ || strcmp(g_, w_)) {				\
			TAP_DIAG("%s is \"%s\", expected \"%s\"", #got,	\
				 g_ ? g_ : "(null)", w_);		\
			return TAP_FAIL;				\
		}							\
	} while (0)

#define CHECK_HAS(hay, needle)						\
	do {								\
		const char *h_ = (hay), *n_ = (needle);			\
		if (!h_ || !strstr(h_, n_)) {				\
			TAP_DIAG("%s does not contain \"%s\":\n%s", #hay, n_, \
				 h_ ? h_ : "(null)");			\
			return TAP_FAIL;				\
		}							\
	} while (0)

#define CHECK_LACKS(hay, needle)					\
	do {								\
		const char *h_ = (hay), *n_ = (needle);			\
		if (h_ && strstr(h_, n_)) {				\
			TAP_DIAG("%s contains \"%s\":\n%s", #hay, n_, h_); \
			return TAP_FAIL;				\
		}							\
	} while (0)

static inline int tap_run(const struct tap_test *tests, size_t n)
{
	unsigned int pass = 0, fail = 0, skip = 0;
	size_t i;

	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		int r;

		fflush(stdout);
		r = tests[i].fn();
		fflush(stdout);
		if (r == TAP_PASS) {
			printf("ok %zu %s\n", i + 1, tests[i].name);
			pass++;
		} else if (r == TAP_SKIP) {
			printf("ok %zu %s # SKIP\n", i + 1, tests[i].name);
			skip++;
		} else {
			printf("not ok %zu %s\n", i + 1, tests[i].name);
			fail++;
		}
	}
	printf("# Totals: pass:%u fail:%u skip:%u\n", pass, fail, skip);
	return fail ? 1 : 0;
}

#endif /* MDGPUCTL_TAP_H */
