// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker of mdgpu's migration stream shared by the userspace tools
 * and tests (see mdgpu_mig.h).
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdgpu_mig.h"

/* The largest record payload: a VRAM record of the most pages. */
#define MIG_BUF_MAX	(8 + MDGPU_MIG_VRAM_MAX_PAGES * MDGPU_MIG_PAGE)

enum { PH_MAGIC, PH_HEADER, PH_REC_HDR, PH_PAYLOAD, PH_END, PH_DONE };

/**
 * mdg_crc32() - CRC-32 as zlib computes it (IEEE 802.3, reflected)
 * @crc: the CRC of what came before, 0 to start
 * @buf: the bytes
 * @len: their number
 *
 * Return: the CRC of everything so far.
 */
uint32_t mdg_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	size_t i;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t c = i;
			int k;

			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static int scan_fail(struct mdg_mig_scan *s, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->err)
		return s->err;
	n = snprintf(s->why, sizeof(s->why), "at byte %llu: ",
		     (unsigned long long)s->bytes);
	if (n < 0 || (size_t)n >= sizeof(s->why))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(s->why + n, sizeof(s->why) - n, fmt, ap);
	va_end(ap);
	s->err = -err;
	return s->err;
}

/**
 * mdg_mig_scan_init() - start checking a stream
 * @s: the checker; free with mdg_mig_scan_free()
 *
 * @s->rec and @s->ctx may be set afterwards to see every record.
 *
 * Return: 0 or -ENOMEM.
 */
int mdg_mig_scan_init(struct mdg_mig_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->buf = malloc(MIG_BUF_MAX);
	if (!s->buf)
		return -ENOMEM;
	s->phase = PH_MAGIC;
	s->need = 16;
	return 0;
}

/**
 * mdg_mig_scan_free() - free what mdg_mig_scan_init() allocated
 * @s: the checker
 */
void mdg_mig_scan_free(struct mdg_mig_scan *s)
{
	free(s->buf);
	s->buf = NULL;
}

static const char *tag_name(uint32_t tag)
{
	switch (tag) {
	case MDGPU_MIG_TAG_CONFIG:
		return "CONFIG";
	case MDGPU_MIG_TAG_REGS:
		return "REGS";
	case MDGPU_MIG_TAG_DISPLAY:
		return "DISPLAY";
	case MDGPU_MIG_TAG_ENGINE:
		return "ENGINE";
	case MDGPU_MIG_TAG_SCHED:
		return "SCHED";
	case MDGPU_MIG_TAG_SHARE:
		return "SHARE";
	case MDGPU_MIG_TAG_VRAM:
		return "VRAM";
	case MDGPU_MIG_TAG_ZERO:
		return "ZERO";
	case MDGPU_MIG_TAG_END:
		return "END";
	}
	return NULL;
}

/* The header is complete in s->buf. */
static void header_done(struct mdg_mig_scan *s)
{
	const uint8_t *c = s->buf + offsetof(struct mdgpu_mig_header, compat);
	struct mdg_mig_compat_info *ci = &s->compat;

	ci->version = get32(s->buf + offsetof(struct mdgpu_mig_header, version));
	ci->device = get32(c + offsetof(struct mdgpu_mig_compat, device_version));
	ci->features = get32(c + offsetof(struct mdgpu_mig_compat, features));
	memcpy(ci->type, c + offsetof(struct mdgpu_mig_compat, type),
	       MDGPU_MIG_TYPE_LEN);
	ci->type[MDGPU_MIG_TYPE_LEN] = 0;
	ci->vram = get64(c + offsetof(struct mdgpu_mig_compat, vram_size));
	ci->max_width = get32(c + offsetof(struct mdgpu_mig_compat, max_width));
	ci->max_height = get32(c + offsetof(struct mdgpu_mig_compat, max_height));
	ci->regs = get32(c + offsetof(struct mdgpu_mig_compat, regs_size));
	ci->layout = get32(c + offsetof(struct mdgpu_mig_compat, regs_layout));
	memcpy(&s->hdr, s->buf, sizeof(s->hdr));
	s->have_header = true;
	s->phase = PH_REC_HDR;
	s->need = sizeof(struct mdgpu_mig_record);
}

/* The fixed payload length of a known tag, 0 for VRAM and unknown tags. */
uint64_t mdg_mig_fixed_len(uint32_t tag)
{
	switch (tag) {
	case MDGPU_MIG_TAG_CONFIG:
		return sizeof(struct mdgpu_mig_config);
	case MDGPU_MIG_TAG_REGS:
		return sizeof(struct mdgpu_mig_regs);
	case MDGPU_MIG_TAG_DISPLAY:
		return sizeof(struct mdgpu_mig_display);
	case MDGPU_MIG_TAG_ENGINE:
		return sizeof(struct mdgpu_mig_engine);
	case MDGPU_MIG_TAG_SCHED:
		return sizeof(struct mdgpu_mig_sched);
	case MDGPU_MIG_TAG_SHARE:
		return sizeof(struct mdgpu_mig_share);
	case MDGPU_MIG_TAG_ZERO:
		return sizeof(struct mdgpu_mig_zero);
	case MDGPU_MIG_TAG_END:
		return 4;
	}
	return 0;
}

static void rec_header_done(struct mdg_mig_scan *s)
{
	const char *name;

	s->tag = get32(s->buf + offsetof(struct mdgpu_mig_record, tag));
	s->flags = get32(s->buf + offsetof(struct mdgpu_mig_record, flags));
	s->len = get64(s->buf + offsetof(struct mdgpu_mig_record, len));
	if (s->flags & ~MDGPU_MIG_REC_OPTIONAL) {
		scan_fail(s, EINVAL, "record tag %u with unknown flags 0x%x",
			  s->tag, s->flags);
		return;
	}
	name = tag_name(s->tag);
	if (!name) {
		if (!(s->flags & MDGPU_MIG_REC_OPTIONAL)) {
			scan_fail(s, EINVAL, "unknown mandatory record tag %u",
				  s->tag);
			return;
		}
		if (s->len > MDGPU_MIG_REC_MAX) {
			scan_fail(s, EINVAL,
				  "optional record tag %u of %llu bytes (at most %u)",
				  s->tag, (unsigned long long)s->len,
				  MDGPU_MIG_REC_MAX);
			return;
		}
	} else if (s->tag == MDGPU_MIG_TAG_VRAM) {
		uint64_t pages = s->len >= 8 ? (s->len - 8) / MDGPU_MIG_PAGE : 0;

		if (s->len < 8 + MDGPU_MIG_PAGE ||
		    (s->len - 8) % MDGPU_MIG_PAGE ||
		    pages > MDGPU_MIG_VRAM_MAX_PAGES) {
			scan_fail(s, EINVAL,
				  "VRAM record of %llu bytes (want 8 + 1 to %u pages of %u bytes)",
				  (unsigned long long)s->len,
				  MDGPU_MIG_VRAM_MAX_PAGES, MDGPU_MIG_PAGE);
			return;
		}
	} else if (s->len != mdg_mig_fixed_len(s->tag)) {
		scan_fail(s, EINVAL, "%s record of %llu bytes (want %llu)", name,
			  (unsigned long long)s->len,
			  (unsigned long long)mdg_mig_fixed_len(s->tag));
		return;
	}
	s->records++;
	if (s->tag == MDGPU_MIG_TAG_END) {
		/* Its CRC covers every byte before its payload. */
		s->crc_end = s->crc;
		s->phase = PH_END;
		s->need = 4;
		return;
	}
	s->phase = PH_PAYLOAD;
	s->need = s->len;
}

static int check_range(struct mdg_mig_scan *s, const char *what,
		       uint64_t off, uint64_t len)
{
	if (off % MDGPU_MIG_PAGE || len % MDGPU_MIG_PAGE || !len)
		return scan_fail(s, EINVAL,
				 "%s range at %llu of %llu bytes is not page-aligned",
				 what, (unsigned long long)off,
				 (unsigned long long)len);
	if (off > s->compat.vram || len > s->compat.vram - off)
		return scan_fail(s, EINVAL,
				 "%s range at %llu of %llu bytes is outside the %llu bytes of BAR0",
				 what, (unsigned long long)off,
				 (unsigned long long)len,
				 (unsigned long long)s->compat.vram);
	return 0;
}

static void payload_done(struct mdg_mig_scan *s)
{
	const uint8_t *p = s->buf;

	switch (s->tag) {
	case MDGPU_MIG_TAG_VRAM:
		if (check_range(s, "VRAM", get64(p), s->len - 8))
			return;
		s->vram_pages += (s->len - 8) / MDGPU_MIG_PAGE;
		break;
	case MDGPU_MIG_TAG_ZERO:
		if (check_range(s, "ZERO",
				get64(p + offsetof(struct mdgpu_mig_zero, offset)),
				get64(p + offsetof(struct mdgpu_mig_zero, len))))
			return;
		s->zero_bytes += get64(p + offsetof(struct mdgpu_mig_zero, len));
		break;
	case MDGPU_MIG_TAG_ENGINE:
		if (p[offsetof(struct mdgpu_mig_engine, cur_ndw)] >
		    MDGPU_MIG_CMD_DW) {
			scan_fail(s, EINVAL,
				  "ENGINE record: a command in progress of %u dwords (at most %u)",
				  p[offsetof(struct mdgpu_mig_engine, cur_ndw)],
				  MDGPU_MIG_CMD_DW);
			return;
		}
		s->timestamp = get64(p + offsetof(struct mdgpu_mig_engine,
						  timestamp));
		break;
	case MDGPU_MIG_TAG_SCHED:
		s->sched[0] = get32(p + offsetof(struct mdgpu_mig_sched, weight));
		s->sched[1] = get32(p + offsetof(struct mdgpu_mig_sched,
						 min_share));
		s->sched[2] = get32(p + offsetof(struct mdgpu_mig_sched, cap));
		s->sched[3] = get32(p + offsetof(struct mdgpu_mig_sched,
						 priority));
		break;
	case MDGPU_MIG_TAG_SHARE:
		s->min_share_ppm = get32(p + offsetof(struct mdgpu_mig_share,
						      min_share_ppm));
		break;
	}
	if (s->tag < 32)
		s->seen |= 1u << s->tag;
	if (s->rec)
		s->rec(s->ctx, s->tag, s->flags, s->buf, s->len);
	s->phase = PH_REC_HDR;
	s->need = sizeof(struct mdgpu_mig_record);
}

/* s->need bytes are in s->buf: act on them. */
static void step(struct mdg_mig_scan *s)
{
	uint64_t magic;
	uint32_t size;

	s->fill = 0;
	switch (s->phase) {
	case PH_MAGIC:
		magic = get64(s->buf);
		size = get32(s->buf + offsetof(struct mdgpu_mig_header, size));
		if (magic != MDGPU_MIG_MAGIC) {
			scan_fail(s, EINVAL,
				  "not an mdgpu checkpoint or migration stream (bad magic)");
			return;
		}
		s->compat.version = get32(s->buf + 8);
		if (s->compat.version != MDGPU_MIG_VERSION) {
			scan_fail(s, EPROTONOSUPPORT,
				  "stream version %u (mdgpuctl reads version %u)",
				  s->compat.version, MDGPU_MIG_VERSION);
			return;
		}
		/* As the kernel: a header of another size is refused. */
		if (size != sizeof(struct mdgpu_mig_header)) {
			scan_fail(s, EINVAL, "header of %u bytes (want %zu)",
				  size, sizeof(struct mdgpu_mig_header));
			return;
		}
		/* The rest of the header goes after the 16 bytes read. */
		s->phase = PH_HEADER;
		s->fill = 16;
		s->need = size;
		return;
	case PH_HEADER:
		header_done(s);
		return;
	case PH_REC_HDR:
		rec_header_done(s);
		return;
	case PH_PAYLOAD:
		payload_done(s);
		return;
	case PH_END:
		if (get32(s->buf) != s->crc_end) {
			scan_fail(s, EBADMSG,
				  "checksum mismatch: END says 0x%08x, the stream's CRC-32 is 0x%08x",
				  get32(s->buf), s->crc_end);
			return;
		}
		s->ended = true;
		s->phase = PH_DONE;
		return;
	}
}

/**
 * mdg_mig_scan_feed() - check the next bytes of a stream
 * @s: the checker
 * @data: the bytes
 * @len: their number, any split of the stream
 *
 * Return: 0, or the errno the kernel would answer (negative; @s->why says
 * why); after an error every call returns it again.
 */
int mdg_mig_scan_feed(struct mdg_mig_scan *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len && !s->err) {
		size_t take;

		if (s->phase == PH_DONE)
			return scan_fail(s, EBADMSG,
					 "%zu bytes after the END record", len);
		take = s->need - s->fill;
		if (take > len)
			take = len;
		if (s->phase != PH_END)
			s->crc = mdg_crc32(s->crc, p, take);
		memcpy(s->buf + s->fill, p, take);
		s->fill += take;
		s->bytes += take;
		p += take;
		len -= take;
		while (!s->err && s->phase != PH_DONE && s->fill == s->need)
			step(s);
	}
	return s->err;
}

/**
 * mdg_mig_scan_finish() - the stream has ended: was it whole?
 * @s: the checker
 *
 * Return: 0, or the first error (-EBADMSG if the END record is missing).
 */
int mdg_mig_scan_finish(struct mdg_mig_scan *s)
{
	if (s->err)
		return s->err;
	if (!s->bytes)
		return scan_fail(s, EBADMSG, "the stream is empty");
	if (!s->ended)
		return scan_fail(s, EBADMSG,
				 "the stream ends before its END record (truncated)");
	return 0;
}
