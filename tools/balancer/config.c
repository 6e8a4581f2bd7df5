// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-balancer: parse balancer.conf (format in mdgpu-balancer(8)).
 *
 * One statement per line, '#' starts a comment:
 *
 *   period SECONDS
 *   alpha|idle|deadband|band|max_step VALUE
 *   move_after|move_cooldown|max_moves N
 *   default floor=N ceiling=N [share=P%] [wait=Nus|Nms]
 *   vgpu UUID floor=N ceiling=N [share=P%] [wait=Nus|Nms]
 *
 * Every error names its line; nothing is half-applied.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static int fail(char *err, size_t len, unsigned int line, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, unsigned int line, const char *fmt,
		...)
{
	va_list ap;
	int n;

	n = snprintf(err, len, "line %u: ", line);
	if (n < 0 || (size_t)n >= len)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, len - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool uuid_ok(const char *s, char *canon)
{
	size_t i;

	if (strlen(s) != MDGB_UUID_LEN)
		return false;
	for (i = 0; i < MDGB_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
		canon[i] = tolower((unsigned char)s[i]);
	}
	canon[MDGB_UUID_LEN] = '\0';
	return true;
}

static bool parse_uint(const char *s, const char *suffix, unsigned long max,
		       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v > max || strcmp(end, suffix))
		return false;
	*out = v;
	return true;
}

/* "floor=N ceiling=N share=P% wait=Nus" into @b. */
static int parse_bounds(char *args, struct mdgb_bounds *b, char *err,
			size_t len, unsigned int line)
{
	bool have_floor = false, have_ceiling = false;
	char *tok, *save, *val;
	unsigned long v;

	memset(b, 0, sizeof(*b));
	for (tok = strtok_r(args, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		val = strchr(tok, '=');
		if (!val)
			return fail(err, len, line, "expected KEY=VALUE, got \"%s\"", tok);
		*val++ = '\0';
		if (!strcmp(tok, "floor") && parse_uint(val, "", MDGB_WEIGHT_MAX, &v)) {
			b->floor = v;
			have_floor = true;
		} else if (!strcmp(tok, "ceiling") &&
			   parse_uint(val, "", MDGB_WEIGHT_MAX, &v)) {
			b->ceiling = v;
			have_ceiling = true;
		} else if (!strcmp(tok, "share") && parse_uint(val, "%", 100, &v) &&
			   v > 0) {
			b->share_pct = v;
		} else if (!strcmp(tok, "wait") &&
			   parse_uint(val, "us", 10000000, &v) && v > 0) {
			b->wait_us = v;
		} else if (!strcmp(tok, "wait") &&
			   parse_uint(val, "ms", 10000, &v) && v > 0) {
			b->wait_us = v * 1000;
		} else {
			return fail(err, len, line,
				    "bad \"%s=%s\" (floor=1..10000 ceiling=1..10000 share=1..100%% wait=Nus|Nms)",
				    tok, val);
		}
	}
	if (!have_floor || !have_ceiling)
		return fail(err, len, line, "floor= and ceiling= are required");
	if (mdgb_bounds_check(b))
		return fail(err, len, line,
			    "need 1 <= floor <= ceiling <= 10000 and at most one of share= and wait=");
	return 0;
}

static int parse_line(struct mdgb_config *c, char *s, char *err, size_t len,
		      unsigned int line)
{
	static const char *const knobs[] = {
		"alpha", "idle", "deadband", "band", "max_step",
	};
	double *knob_val[] = {
		&c->params.alpha, &c->params.idle, &c->params.deadband,
		&c->params.band, &c->params.max_step,
	};
	static const char *const moves[] = {
		"move_after", "move_cooldown", "max_moves",
	};
	unsigned int *move_val[] = {
		&c->moves.after, &c->moves.cooldown, &c->moves.max_per_period,
	};
	char *key, *rest, *end, *id;
	unsigned long u;
	struct mdgb_vgpu_conf *n;
	char uuid[MDGB_UUID_LEN + 1];
	size_t i;
	double d;
	int ret;

	key = s + strspn(s, " \t");
	rest = key + strcspn(key, " \t");
	if (*rest)
		*rest++ = '\0';
	rest += strspn(rest, " \t");
	if (!strcmp(key, "period")) {
		d = strtod(rest, &end);
		if (end == rest || *end || !(d >= 1 && d <= 86400))
			return fail(err, len, line, "period: 1 to 86400 seconds");
		c->period_s = d;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(moves); i++) {
		if (strcmp(key, moves[i]))
			continue;
		u = strtoul(rest, &end, 10);
		if (end == rest || *end || *rest == '-' || u > 100000)
			return fail(err, len, line, "%s: a whole number", key);
		*move_val[i] = (unsigned int)u;
		if (mdgb_move_limits_check(&c->moves))
			return fail(err, len, line, "%s %s: out of range (move_after 1-1000, move_cooldown 1-100000, max_moves 1-64)",
				    key, rest);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (strcmp(key, knobs[i]))
			continue;
		d = strtod(rest, &end);
		if (end == rest || *end)
			return fail(err, len, line, "%s: a number", key);
		*knob_val[i] = d;
		if (mdgb_params_check(&c->params))
			return fail(err, len, line, "%s %s: out of range", key, rest);
		return 0;
	}
	if (!strcmp(key, "default")) {
		ret = parse_bounds(rest, &c->def, err, len, line);
		if (!ret)
			c->has_default = true;
		return ret;
	}
	if (!strcmp(key, "vgpu")) {
		id = rest;
		rest = id + strcspn(id, " \t");
		if (*rest)
			*rest++ = '\0';
		if (!uuid_ok(id, uuid))
			return fail(err, len, line, "\"%s\" is not a UUID", id);
		for (i = 0; i < c->nr_vgpus; i++)
			if (!strcmp(c->vgpus[i].uuid, uuid))
				return fail(err, len, line, "%s listed twice",
					    uuid);
		n = realloc(c->vgpus, (c->nr_vgpus + 1) * sizeof(*n));
		if (!n)
			return fail(err, len, line, "out of memory");
		c->vgpus = n;
		n = &c->vgpus[c->nr_vgpus];
		memcpy(n->uuid, uuid, sizeof(uuid));
		ret = parse_bounds(rest, &n->bounds, err, len, line);
		if (!ret)
			c->nr_vgpus++;
		return ret;
	}
	return fail(err, len, line, "unknown statement \"%s\"", key);
}

/**
 * mdgb_config_parse() - parse balancer.conf's text
 * @c: filled in (free with mdgb_config_free(), also after an error)
 * @text: the file's contents
 * @err: on error, "line N: what"
 * @errlen: room in @err
 *
 * Return: 0, or -EINVAL (@err says why) or -ENOMEM.
 */
int mdgb_config_parse(struct mdgb_config *c, const char *text, char *err,
		      size_t errlen)
{
	char *copy, *line, *save, *hash;
	unsigned int no = 0;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->period_s = 10;
	mdgb_params_default(&c->params);
	mdgb_move_limits_default(&c->moves);
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	/* strtok_r would skip empty lines and lose the numbering. */
	for (line = copy; line; ) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		no++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		line[strcspn(line, "\r")] = '\0';
		/* Trailing blanks (before a comment) are not part of a value. */
		hash = line + strlen(line);
		while (hash > line && (hash[-1] == ' ' || hash[-1] == '\t'))
			*--hash = '\0';
		if (line[strspn(line, " \t")]) {
			ret = parse_line(c, line, err, errlen, no);
			if (ret)
				break;
		}
		line = save;
	}
	free(copy);
	if (ret) {
		free(c->vgpus);
		c->vgpus = NULL;
		c->nr_vgpus = 0;
	}
	return ret;
}

/**
 * mdgb_config_load() - read and parse a file
 * @c: filled in
 * @path: the file
 * @err: on error, what (with the path)
 * @errlen: room in @err
 *
 * Return: 0 or a negative errno.
 */
int mdgb_config_load(struct mdgb_config *c, const char *path, char *err,
		     size_t errlen)
{
	char buf[65536], msg[200];
	size_t n;
	FILE *f;
	int ret;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	ret = ferror(f) || !feof(f) ? -EFBIG : 0;
	fclose(f);
	if (ret) {
		snprintf(err, errlen, "%s: unreadable or larger than %zu bytes",
			 path, sizeof(buf) - 1);
		return ret;
	}
	buf[n] = '\0';
	ret = mdgb_config_parse(c, buf, msg, sizeof(msg));
	if (ret)
		snprintf(err, errlen, "%s: %s", path, msg);
	return ret;
}

/**
 * mdgb_config_bounds() - the bounds that apply to a vGPU
 * @c: the configuration
 * @uuid: lower-case UUID
 *
 * Return: its "vgpu" line's bounds, else the default line's, else NULL
 * (the balancer leaves it alone).
 */
const struct mdgb_bounds *mdgb_config_bounds(const struct mdgb_config *c,
					     const char *uuid)
{
	size_t i;

	for (i = 0; i < c->nr_vgpus; i++)
		if (!strcmp(c->vgpus[i].uuid, uuid))
			return &c->vgpus[i].bounds;
	return c->has_default ? &c->def : NULL;
}

/**
 * mdgb_config_free() - free what mdgb_config_parse() allocated
 * @c: the configuration
 */
void mdgb_config_free(struct mdgb_config *c)
{
	free(c->vgpus);
	c->vgpus = NULL;
	c->nr_vgpus = 0;
}
