// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the text form of an engine share. The scheduler keeps shares in
 * parts per million (MDGPU_SCHED_SHARE_ONE); sysfs shows and takes
 * min_share in percent with up to four decimals, so one step is one part
 * per million and 1024 vGPUs can each be guaranteed 0.0976 %. Whole
 * values read and write as before ("30").
 *
 * Pure functions over strings and integers (KUnit:
 * drivers/tests/share_text_test.c).
 */
#include <linux/errno.h>
#include <linux/kernel.h>

#include "mdgpu_sched.h"
#include "mdgpu_sched_sysfs.h"

/* Four decimals of a percent: the value of each, in parts per million. */
static const u32 mdgpu_share_digit[MDGPU_SHARE_DECIMALS] = {
	1000, 100, 10, 1
};

/**
 * mdgpu_share_parse() - a share written in percent, in parts per million
 * @buf: "N" or "N.D" to "N.DDDD" (decimal digits), optionally followed by
 *	 one newline, as sysfs passes it
 * @ppm: receives the share in parts per million; unchanged on error
 *
 * Return: 0; -EINVAL for any other text (a sign, a space, a fifth decimal,
 * a point without a digit on either side, an empty string); -ERANGE for a
 * well-formed value over 100 %.
 */
int mdgpu_share_parse(const char *buf, u32 *ppm)
{
	u64 whole = 0, frac = 0;
	bool big = false;
	size_t i = 0, d;

	if (buf[i] < '0' || buf[i] > '9')
		return -EINVAL;
	for (; buf[i] >= '0' && buf[i] <= '9'; i++) {
		whole = whole * 10 + (buf[i] - '0');
		if (whole > 100) {
			/* Keep reading digits to tell ERANGE from EINVAL. */
			big = true;
			whole = 101;
		}
	}
	if (buf[i] == '.') {
		i++;
		for (d = 0; buf[i] >= '0' && buf[i] <= '9'; i++, d++) {
			if (d == MDGPU_SHARE_DECIMALS)
				return -EINVAL;
			frac += (buf[i] - '0') * mdgpu_share_digit[d];
		}
		if (!d)
			return -EINVAL;
	}
	if (buf[i] == '\n')
		i++;
	if (buf[i])
		return -EINVAL;
	whole = whole * MDGPU_SCHED_PERCENT + frac;
	if (big || whole > MDGPU_SCHED_SHARE_ONE)
		return -ERANGE;
	*ppm = whole;
	return 0;
}

/**
 * mdgpu_share_format() - a share in parts per million, as sysfs shows it
 * @ppm: the share, 0 to MDGPU_SCHED_SHARE_ONE (larger values print too)
 * @buf: where to write
 * @len: its size (PAGE_SIZE for a sysfs page)
 *
 * Percent, with as many decimals as needed and no more: 300000 is "30",
 * 125000 "12.5", 976 "0.0976".
 *
 * Return: the number of bytes written, newline included (at most @len - 1).
 */
int mdgpu_share_format(u32 ppm, char *buf, size_t len)
{
	u32 whole = ppm / MDGPU_SCHED_PERCENT, frac = ppm % MDGPU_SCHED_PERCENT;
	int digits = MDGPU_SHARE_DECIMALS;

	if (!frac)
		return scnprintf(buf, len, "%u\n", whole);
	while (!(frac % 10)) {
		frac /= 10;
		digits--;
	}
	return scnprintf(buf, len, "%u.%0*u\n", whole, digits, frac);
}
