/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mdgpu migration stream (uapi/mdgpu_migration.h) seen from the
 * selftests: the stream's checker of tools/lib (mdgpu_mig.c, which
 * mdgpuctl uses too) behind struct mig_parser, which counts what the tests
 * look at; a buffer to build or alter streams; and the instance's
 * migration_compat attribute. Plain C with no test harness in it. Every
 * function returns 0 or a negative errno; the parser's errnos are the ones
 * the kernel answers for the same fault.
 */
#ifndef MDGPU_MIG_STREAM_H
#define MDGPU_MIG_STREAM_H

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uapi/mdgpu_migration.h"
#include "mdgpu_mig.h"

/* Bytes of a record header, and of the whole END record. */
#define MIG_REC_HDR		sizeof(struct mdgpu_mig_record)
#define MIG_END_LEN		(MIG_REC_HDR + 4)
/* The largest VRAM record payload. */
#define MIG_VRAM_REC_MAX	(8 + MDGPU_MIG_VRAM_MAX_PAGES * MDGPU_MIG_PAGE)

/* ------------------------------------------------------------------------
 * CRC-32 (IEEE 802.3, reflected, as zlib's crc32(): start with 0)
 */

static inline uint32_t mig_crc32(uint32_t crc, const void *buf, size_t len)
{
	return mdg_crc32(crc, buf, len);
}

/* ------------------------------------------------------------------------
 * byte buffers
 */

/**
 * struct mig_buf - a growable byte buffer
 * @p: the bytes
 * @len: how many are used
 * @cap: how many are allocated
 */
struct mig_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static inline int mig_buf_reserve(struct mig_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 65536;
	uint8_t *p;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static inline int mig_buf_put(struct mig_buf *b, const void *data, size_t len)
{
	int ret = mig_buf_reserve(b, len);

	if (ret)
		return ret;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static inline void mig_buf_free(struct mig_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Append a record header and @len bytes of payload. */
static inline int mig_put_record(struct mig_buf *b, uint32_t tag,
				 uint32_t flags, const void *payload,
				 size_t len)
{
	struct mdgpu_mig_record h = {
		.tag = htole32(tag),
		.flags = htole32(flags),
		.len = htole64(len),
	};

	return mig_buf_put(b, &h, sizeof(h)) ?: mig_buf_put(b, payload, len);
}

/* Append the END record: the CRC-32 of everything before its payload. */
static inline int mig_put_end(struct mig_buf *b)
{
	struct mdgpu_mig_record h = {
		.tag = htole32(MDGPU_MIG_TAG_END),
		.len = htole64(4),
	};
	uint32_t crc;
	int ret;

	ret = mig_buf_put(b, &h, sizeof(h));
	if (ret)
		return ret;
	crc = htole32(mig_crc32(0, b->p, b->len));
	return mig_buf_put(b, &crc, sizeof(crc));
}

/* ------------------------------------------------------------------------
 * parsing: tools/lib/mdgpu_mig.c checks the stream, as for mdgpuctl;
 * struct mig_parser adds what the tests look at
 */

/* Expected payload length of a known fixed-size record, 0 if variable. */
static inline size_t mig_tag_len(uint32_t tag)
{
	return mdg_mig_fixed_len(tag);
}

static inline bool mig_tag_known(uint32_t tag)
{
	return mig_tag_len(tag) || tag == MDGPU_MIG_TAG_VRAM;
}

struct mig_parser;

/*
 * Called for every complete record but END, in stream order. @off is the
 * stream offset of the record's header. A non-zero return stops parsing
 * with that error.
 */
typedef int (*mig_record_fn)(struct mig_parser *p,
			     const struct mdgpu_mig_record *h,
			     const uint8_t *payload, uint64_t off);

/**
 * struct mig_parser - an incremental reader of one stream; zero it, set
 *		       @record and @priv, feed it, free it
 * @record: optional callback for each record
 * @priv: for the callback
 * @scan: the checker (set up by the first feed)
 * @started: @scan is set up
 * @cb_err: what @record returned, if not 0
 * @hdr: the header (once the first record came)
 * @ended: the END record was complete and its checksum matched
 * @end_off: stream offset of the END record's header
 * @records: complete records seen, END included
 * @count: records seen per known tag up to SHARE, END excepted (others count in
 *	   @unknown)
 * @unknown: records of unknown tags (all OPTIONAL, or parsing failed)
 * @vram_pages: pages in VRAM records
 * @zero_bytes: bytes in ZERO records
 * @err: the first error, then every later call returns it
 * @why: what the first error was
 */
struct mig_parser {
	mig_record_fn record;
	void *priv;
	struct mdg_mig_scan scan;
	bool started;
	int cb_err;
	struct mdgpu_mig_header hdr;
	bool ended;
	uint64_t end_off;
	unsigned int records;
	unsigned int count[MDGPU_MIG_TAG_SHARE + 1];
	unsigned int unknown;
	uint64_t vram_pages;
	uint64_t zero_bytes;
	int err;
	char why[256];
};

static inline int mig_parse_fail(struct mig_parser *p, int err,
				 const char *fmt, ...)
{
	va_list ap;

	if (p->err)
		return p->err;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	p->err = err;
	return err;
}

/* The checker's callback: a whole record but END. */
static inline void mig_parse_rec(void *ctx, uint32_t tag, uint32_t flags,
				 const uint8_t *payload, uint64_t len)
{
	struct mig_parser *p = ctx;
	struct mdgpu_mig_record h = {
		.tag = htole32(tag),
		.flags = htole32(flags),
		.len = htole64(len),
	};
	uint64_t off = p->scan.bytes - len - sizeof(h);

	if (tag <= MDGPU_MIG_TAG_SHARE && mig_tag_known(tag))
		p->count[tag]++;
	else
		p->unknown++;
	if (p->record && !p->cb_err) {
		p->cb_err = p->record(p, &h, payload, off);
		if (p->cb_err)
			mig_parse_fail(p, p->cb_err,
				       "record %u at 0x%llx refused", tag,
				       (unsigned long long)off);
	}
}

/* Take over what the checker found; return the first error. */
static inline int mig_parse_sync(struct mig_parser *p, int ret)
{
	struct mdg_mig_scan *s = &p->scan;

	if (s->have_header)
		p->hdr = s->hdr;
	p->ended = s->ended;
	if (s->ended)
		p->end_off = s->bytes - MIG_END_LEN;
	p->records = s->records;
	p->vram_pages = s->vram_pages;
	p->zero_bytes = s->zero_bytes;
	if (p->err)
		return p->err;
	if (ret)
		return mig_parse_fail(p, ret, "%s", s->why);
	return 0;
}

/* Feed the next @len bytes of the stream. */
static inline int mig_parse_feed(struct mig_parser *p, const void *data,
				 size_t len)
{
	if (p->err)
		return p->err;
	if (!p->started) {
		if (mdg_mig_scan_init(&p->scan))
			return mig_parse_fail(p, -ENOMEM, "out of memory");
		p->scan.rec = mig_parse_rec;
		p->scan.ctx = p;
		p->started = true;
	}
	return mig_parse_sync(p, mdg_mig_scan_feed(&p->scan, data, len));
}

/* The stream is over: it must have ended with END, and nothing after it. */
static inline int mig_parse_finish(struct mig_parser *p)
{
	if (p->err)
		return p->err;
	if (!p->started)
		return mig_parse_fail(p, -EBADMSG, "the stream is empty");
	return mig_parse_sync(p, mdg_mig_scan_finish(&p->scan));
}

static inline void mig_parse_free(struct mig_parser *p)
{
	if (p->started)
		mdg_mig_scan_free(&p->scan);
	p->started = false;
}

/* Parse a whole stream in one go. */
static inline int mig_parse_all(struct mig_parser *p, const void *data,
				size_t len)
{
	return mig_parse_feed(p, data, len) ?: mig_parse_finish(p);
}

/*
 * Offsets of the records of a well-formed stream, header excluded: up to
 * @max of them into @off. Return: the number of records, or -errno.
 */
static inline int mig_record_offsets(const uint8_t *s, size_t len,
				     size_t *off, int max)
{
	size_t pos = sizeof(struct mdgpu_mig_header);
	struct mdgpu_mig_record h;
	int n = 0;

	while (pos + sizeof(h) <= len) {
		memcpy(&h, s + pos, sizeof(h));
		if (le64toh(h.len) > len - pos - sizeof(h))
			return -EINVAL;
		if (n < max)
			off[n] = pos;
		n++;
		pos += sizeof(h) + le64toh(h.len);
	}
	return pos == len ? n : -EINVAL;
}

/* Recompute the END checksum of a stream whose last record is END. */
static inline void mig_fix_crc(uint8_t *s, size_t len)
{
	uint32_t crc = htole32(mig_crc32(0, s, len - 4));

	memcpy(s + len - 4, &crc, 4);
}

/* ------------------------------------------------------------------------
 * the migration_compat attribute
 */

/**
 * struct mig_compat - the fields of migration_compat, host-endian
 * @version: version=
 * @device: device=
 * @type: type=
 * @vram: vram=
 * @max_w: max=WxH
 * @max_h: max=WxH
 * @regs: regs=
 * @layout: layout=
 * @features: features=
 */
struct mig_compat {
	uint32_t version;
	uint32_t device;
	char type[MDGPU_MIG_TYPE_LEN];
	uint64_t vram;
	uint32_t max_w;
	uint32_t max_h;
	uint32_t regs;
	uint32_t layout;
	uint32_t features;
};

/*
 * Parse "version=1 device=0x00010000 type=mdgpu-64M ..." (one line). Every
 * key must be there exactly once, and no other. Return 0 or -EINVAL.
 */
static inline int mig_compat_parse(const char *line, struct mig_compat *c)
{
	static const char *const keys[] = {
		"version", "device", "type", "vram", "max", "regs", "layout",
		"features",
	};
	unsigned int seen = 0, i;
	char buf[512], *tok, *save, *val, *end;
	unsigned long long v;

	if (snprintf(buf, sizeof(buf), "%s", line) >= (int)sizeof(buf))
		return -EINVAL;
	buf[strcspn(buf, "\n")] = '\0';
	memset(c, 0, sizeof(*c));
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		for (i = 0; i < 8; i++)
			if (!strcmp(tok, keys[i]))
				break;
		if (i == 8 || seen & (1u << i))
			return -EINVAL;
		seen |= 1u << i;
		if (i == 2) {
			if (snprintf(c->type, sizeof(c->type), "%s", val) >=
			    (int)sizeof(c->type))
				return -EINVAL;
			continue;
		}
		errno = 0;
		v = strtoull(val, &end, 0);
		if (errno || end == val)
			return -EINVAL;
		if (i == 4) {
			c->max_w = v;
			if (*end != 'x')
				return -EINVAL;
			val = end + 1;
			v = strtoull(val, &end, 10);
			c->max_h = v;
		}
		if (*end)
			return -EINVAL;
		if (i == 0)
			c->version = v;
		else if (i == 1)
			c->device = v;
		else if (i == 3)
			c->vram = v;
		else if (i == 5)
			c->regs = v;
		else if (i == 6)
			c->layout = v;
		else if (i == 7)
			c->features = v;
	}
	return seen == 0xff ? 0 : -EINVAL;
}

/* The header's descriptor in the same form. */
static inline void mig_compat_of(const struct mdgpu_mig_header *h,
				 struct mig_compat *c)
{
	memset(c, 0, sizeof(*c));
	c->version = le32toh(h->version);
	c->device = le32toh(h->compat.device_version);
	memcpy(c->type, h->compat.type, sizeof(c->type));
	c->type[sizeof(c->type) - 1] = '\0';
	c->vram = le64toh(h->compat.vram_size);
	c->max_w = le32toh(h->compat.max_width);
	c->max_h = le32toh(h->compat.max_height);
	c->regs = le32toh(h->compat.regs_size);
	c->layout = le32toh(h->compat.regs_layout);
	c->features = le32toh(h->compat.features);
}

#endif /* MDGPU_MIG_STREAM_H */
