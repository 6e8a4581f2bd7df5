// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the migration stream's pure logic. Building the header and record
 * headers, the compatibility check, and an incremental parser that takes
 * the stream split anywhere, hands VRAM pages on as they arrive and keeps
 * the device-state records for the caller to apply once the END record's
 * checksum matched.
 *
 * Plain functions over plain data, KUnit-tested in
 * drivers/tests/mig_stream_test.c. The stream comes from a user: nothing in
 * it is trusted, and every refusal says why (@why) for the caller's log.
 */
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "mdgpu_mig.h"
#include "mdgpu_types.h"
#include "uapi/mdgpu.h"

/**
 * mdgpu_mig_crc() - continue the stream's CRC-32
 * @crc: the state so far (~0 at the start of the stream)
 * @data: bytes
 * @len: their number
 *
 * The checksum in the END record is ~state: the CRC-32 of zlib and IEEE
 * 802.3, so userspace checks it with zlib's crc32().
 *
 * Return: the new state.
 */
u32 mdgpu_mig_crc(u32 crc, const void *data, size_t len)
{
	return crc32_le(crc, data, len);
}

/**
 * mdgpu_mig_compat_fill() - the compatibility descriptor of a type
 * @c: filled in
 * @desc: the type
 */
void mdgpu_mig_compat_fill(struct mdgpu_mig_compat *c,
			   const struct mdgpu_type_desc *desc)
{
	memset(c, 0, sizeof(*c));
	c->device_version = cpu_to_le32(MDGPU_DEVICE_VERSION);
	c->features = cpu_to_le32(MDGPU_MIG_FEATURES);
	/* As the mdev core names the type's directory. */
	snprintf(c->type, sizeof(c->type), "mdgpu-%s", desc->sysfs_name);
	c->vram_size = cpu_to_le64(desc->vram_size);
	c->max_width = cpu_to_le32(desc->max_width);
	c->max_height = cpu_to_le32(desc->max_height);
	c->regs_size = cpu_to_le32(MDGPU_REGS_SIZE);
	c->regs_layout = cpu_to_le32(MDGPU_MIG_REGS_LAYOUT);
}

/**
 * mdgpu_mig_compat_check() - can a device described by @dst take a stream
 *			      saved from one described by @src?
 * @src: the stream's descriptor
 * @dst: the destination's
 * @why: set to the reason on refusal
 *
 * Return: 0, or -EOPNOTSUPP.
 */
int mdgpu_mig_compat_check(const struct mdgpu_mig_compat *src,
			   const struct mdgpu_mig_compat *dst,
			   const char **why)
{
	u32 sf = le32_to_cpu(src->features), df = le32_to_cpu(dst->features);

	if (le32_to_cpu(src->device_version) >> 16 !=
	    le32_to_cpu(dst->device_version) >> 16 ||
	    le32_to_cpu(src->device_version) > le32_to_cpu(dst->device_version))
		*why = "device version";
	else if (strncmp(src->type, dst->type, sizeof(src->type)))
		*why = "vGPU type";
	else if (src->vram_size != dst->vram_size)
		*why = "VRAM size";
	else if (le32_to_cpu(src->max_width) > le32_to_cpu(dst->max_width) ||
		 le32_to_cpu(src->max_height) > le32_to_cpu(dst->max_height))
		*why = "maximum resolution";
	else if (src->regs_size != dst->regs_size ||
		 src->regs_layout != dst->regs_layout)
		*why = "register layout";
	else if (sf & ~df)
		*why = "features";
	else
		return 0;
	return -EOPNOTSUPP;
}

/**
 * mdgpu_mig_compat_format() - a descriptor as the ``migration_compat`` line
 * @c: the descriptor
 * @buf: output
 * @len: its size
 *
 * Return: characters written, as scnprintf().
 */
int mdgpu_mig_compat_format(const struct mdgpu_mig_compat *c, char *buf,
			    size_t len)
{
	return scnprintf(buf, len,
			 "version=%u device=0x%08x type=%.*s vram=%llu max=%ux%u regs=%u layout=%u features=0x%x",
			 MDGPU_MIG_VERSION, le32_to_cpu(c->device_version),
			 (int)strnlen(c->type, sizeof(c->type)), c->type,
			 le64_to_cpu(c->vram_size), le32_to_cpu(c->max_width),
			 le32_to_cpu(c->max_height), le32_to_cpu(c->regs_size),
			 le32_to_cpu(c->regs_layout),
			 le32_to_cpu(c->features));
}

/**
 * mdgpu_mig_header_fill() - the header of a stream
 * @h: filled in
 * @c: the source's descriptor
 */
void mdgpu_mig_header_fill(struct mdgpu_mig_header *h,
			   const struct mdgpu_mig_compat *c)
{
	h->magic = cpu_to_le64(MDGPU_MIG_MAGIC);
	h->version = cpu_to_le32(MDGPU_MIG_VERSION);
	h->size = cpu_to_le32(sizeof(*h));
	h->compat = *c;
}

/**
 * mdgpu_mig_record_fill() - a record's header
 * @r: filled in
 * @tag: MDGPU_MIG_TAG_*
 * @flags: MDGPU_MIG_REC_*
 * @len: payload bytes
 */
void mdgpu_mig_record_fill(struct mdgpu_mig_record *r, u32 tag, u32 flags,
			   u64 len)
{
	r->tag = cpu_to_le32(tag);
	r->flags = cpu_to_le32(flags);
	r->len = cpu_to_le64(len);
}

/**
 * mdgpu_mig_parser_init() - start parsing a stream
 * @p: the parser
 * @dest: the destination's descriptor, which the stream must suit
 * @ops: where VRAM goes
 * @ctx: for @ops
 */
void mdgpu_mig_parser_init(struct mdgpu_mig_parser *p,
			   const struct mdgpu_mig_compat *dest,
			   const struct mdgpu_mig_parser_ops *ops, void *ctx)
{
	memset(p, 0, offsetof(struct mdgpu_mig_parser, buf));
	p->dest = dest;
	p->ops = ops;
	p->ctx = ctx;
	p->phase = MDGPU_MIG_P_HEADER;
	p->need = sizeof(p->header);
	p->crc = ~0u;
}

static int mdgpu_mig_fail(struct mdgpu_mig_parser *p, int err,
			  const char *why)
{
	p->err = err;
	p->why = why;
	return err;
}

static int mdgpu_mig_check_header(struct mdgpu_mig_parser *p)
{
	const struct mdgpu_mig_header *h = (const void *)p->buf;
	const char *why;

	if (le64_to_cpu(h->magic) != MDGPU_MIG_MAGIC)
		return mdgpu_mig_fail(p, -EINVAL, "not an mdgpu stream");
	if (le32_to_cpu(h->version) != MDGPU_MIG_VERSION)
		return mdgpu_mig_fail(p, -EPROTONOSUPPORT, "stream version");
	if (le32_to_cpu(h->size) != sizeof(*h))
		return mdgpu_mig_fail(p, -EINVAL, "header size");
	if (mdgpu_mig_compat_check(&h->compat, p->dest, &why))
		return mdgpu_mig_fail(p, -EOPNOTSUPP, why);
	p->header = *h;
	return 0;
}

/* Payload size of each known small record; 0 for unknown tags. */
static u64 mdgpu_mig_body_size(u32 tag)
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
		return sizeof(__le32);
	}
	return 0;
}

/* A VRAM range of the stream must lie inside the destination's VRAM. */
static bool mdgpu_mig_range_ok(const struct mdgpu_mig_parser *p, u64 off,
			       u64 len)
{
	u64 size = le64_to_cpu(p->dest->vram_size);

	return IS_ALIGNED(off, MDGPU_MIG_PAGE) &&
	       IS_ALIGNED(len, MDGPU_MIG_PAGE) && off <= size &&
	       len <= size - off;
}

/* A record header is complete: decide how to read its payload. */
static int mdgpu_mig_begin_record(struct mdgpu_mig_parser *p)
{
	const struct mdgpu_mig_record *r = (const void *)p->buf;
	u32 tag = le32_to_cpu(r->tag), flags = le32_to_cpu(r->flags);
	u64 len = le64_to_cpu(r->len), size = mdgpu_mig_body_size(tag);

	p->tag = tag;
	p->left = len;
	p->have = 0;
	if (flags & ~MDGPU_MIG_REC_OPTIONAL)
		return mdgpu_mig_fail(p, -EINVAL, "record flags");
	if (tag == MDGPU_MIG_TAG_VRAM) {
		if (len < sizeof(__le64) + MDGPU_MIG_PAGE ||
		    (len - sizeof(__le64)) % MDGPU_MIG_PAGE ||
		    (len - sizeof(__le64)) / MDGPU_MIG_PAGE >
		    MDGPU_MIG_VRAM_MAX_PAGES)
			return mdgpu_mig_fail(p, -EINVAL, "VRAM record length");
		p->phase = MDGPU_MIG_P_VRAM_OFF;
		p->need = sizeof(__le64);
		return 0;
	}
	if (!size) {
		if (!(flags & MDGPU_MIG_REC_OPTIONAL))
			return mdgpu_mig_fail(p, -EINVAL,
					      "unknown mandatory record");
		p->phase = MDGPU_MIG_P_SKIP;
		return 0;
	}
	if (len != size)
		return mdgpu_mig_fail(p, -EINVAL, "record length");
	p->phase = MDGPU_MIG_P_BODY;
	p->need = size;
	return 0;
}

/* A small record's payload is complete in @buf. */
static int mdgpu_mig_end_body(struct mdgpu_mig_parser *p)
{
	const struct mdgpu_mig_zero *z = (const void *)p->buf;
	u64 off, len;
	__le32 sum;

	switch (p->tag) {
	case MDGPU_MIG_TAG_CONFIG:
		memcpy(&p->config, p->buf, sizeof(p->config));
		break;
	case MDGPU_MIG_TAG_REGS:
		memcpy(&p->regs, p->buf, sizeof(p->regs));
		break;
	case MDGPU_MIG_TAG_DISPLAY:
		memcpy(&p->display, p->buf, sizeof(p->display));
		break;
	case MDGPU_MIG_TAG_ENGINE:
		memcpy(&p->engine, p->buf, sizeof(p->engine));
		break;
	case MDGPU_MIG_TAG_SCHED:
		memcpy(&p->sched, p->buf, sizeof(p->sched));
		break;
	case MDGPU_MIG_TAG_SHARE:
		memcpy(&p->share, p->buf, sizeof(p->share));
		break;
	case MDGPU_MIG_TAG_ZERO:
		off = le64_to_cpu(z->offset);
		len = le64_to_cpu(z->len);
		if (!len || !mdgpu_mig_range_ok(p, off, len))
			return mdgpu_mig_fail(p, -EINVAL, "zero range");
		p->zero_bytes += len;
		if (p->ops->zero) {
			int ret = p->ops->zero(p->ctx, off, len);

			if (ret)
				return mdgpu_mig_fail(p, ret, "VRAM write");
		}
		return 0;
	case MDGPU_MIG_TAG_END:
		memcpy(&sum, p->buf, sizeof(sum));
		if (le32_to_cpu(sum) != ~p->crc)
			return mdgpu_mig_fail(p, -EBADMSG, "checksum");
		if ((p->got & MDGPU_MIG_HAVE_STATE) != MDGPU_MIG_HAVE_STATE)
			return mdgpu_mig_fail(p, -EINVAL,
					      "device state records missing");
		p->phase = MDGPU_MIG_P_DONE;
		return 0;
	}
	p->got |= MDGPU_MIG_HAVE(p->tag);
	return 0;
}

/* A VRAM page is complete in @page. */
static int mdgpu_mig_end_page(struct mdgpu_mig_parser *p)
{
	int ret;

	p->pages++;
	ret = p->ops->page ? p->ops->page(p->ctx, p->vram_off, p->page) : 0;
	if (ret)
		return mdgpu_mig_fail(p, ret, "VRAM write");
	p->vram_off += MDGPU_MIG_PAGE;
	return 0;
}

/* The bytes the current phase gathers are complete. */
static int mdgpu_mig_step(struct mdgpu_mig_parser *p)
{
	__le64 off;

	switch (p->phase) {
	case MDGPU_MIG_P_HEADER:
		if (mdgpu_mig_check_header(p))
			return p->err;
		break;
	case MDGPU_MIG_P_RECORD:
		return mdgpu_mig_begin_record(p);
	case MDGPU_MIG_P_BODY:
		if (mdgpu_mig_end_body(p))
			return p->err;
		if (p->phase == MDGPU_MIG_P_DONE)
			return 0;
		break;
	case MDGPU_MIG_P_VRAM_OFF:
		memcpy(&off, p->buf, sizeof(off));
		p->vram_off = le64_to_cpu(off);
		p->left -= sizeof(off);
		if (!mdgpu_mig_range_ok(p, p->vram_off, p->left))
			return mdgpu_mig_fail(p, -EINVAL, "VRAM range");
		p->phase = MDGPU_MIG_P_VRAM_PAGE;
		p->need = MDGPU_MIG_PAGE;
		p->have = 0;
		return 0;
	case MDGPU_MIG_P_VRAM_PAGE:
		if (mdgpu_mig_end_page(p))
			return p->err;
		p->left -= MDGPU_MIG_PAGE;
		p->have = 0;
		if (p->left)
			return 0;
		break;
	default:
		break;
	}
	p->phase = MDGPU_MIG_P_RECORD;
	p->need = sizeof(struct mdgpu_mig_record);
	p->have = 0;
	return 0;
}

/**
 * mdgpu_mig_parse() - feed the parser the next bytes of the stream
 * @p: the parser
 * @data: the bytes
 * @len: how many
 *
 * VRAM pages go to the parser's ops as soon as they are complete. The
 * first error sticks: this and every later call return it.
 *
 * Return: 0, or a negative errno (see Documentation/migration.rst):
 * -EINVAL for a malformed stream, -EPROTONOSUPPORT for another version,
 * -EOPNOTSUPP for an incompatible destination, -EBADMSG for a checksum
 * mismatch or bytes after the END record, or what a VRAM op returned.
 */
int mdgpu_mig_parse(struct mdgpu_mig_parser *p, const u8 *data, size_t len)
{
	while (len && !p->err) {
		size_t n;
		u8 *dst;

		if (p->phase == MDGPU_MIG_P_DONE)
			return mdgpu_mig_fail(p, -EBADMSG, "data after END");
		if (p->phase == MDGPU_MIG_P_SKIP) {
			n = min_t(u64, len, p->left);
			p->crc = mdgpu_mig_crc(p->crc, data, n);
			p->pos += n;
			p->left -= n;
			data += n;
			len -= n;
			if (!p->left) {
				p->phase = MDGPU_MIG_P_RECORD;
				p->need = sizeof(struct mdgpu_mig_record);
				p->have = 0;
			}
			continue;
		}
		dst = p->phase == MDGPU_MIG_P_VRAM_PAGE ? p->page : p->buf;
		n = min_t(size_t, len, p->need - p->have);
		memcpy(dst + p->have, data, n);
		/* The END record's own payload is not part of its checksum. */
		if (!(p->phase == MDGPU_MIG_P_BODY &&
		      p->tag == MDGPU_MIG_TAG_END))
			p->crc = mdgpu_mig_crc(p->crc, data, n);
		p->have += n;
		p->pos += n;
		data += n;
		len -= n;
		if (p->have == p->need)
			mdgpu_mig_step(p);
	}
	return p->err;
}

/**
 * mdgpu_mig_min_share_ppm() - the guaranteed share a stream asks for
 * @p: a parser whose stream ended well and carried a SCHED record
 *
 * Exact from a SHARE record; else SCHED's whole percent (a stream from a
 * module before SHARE existed). A value out of range stays out of range
 * (U32_MAX for a percent over 100), for the scheduler's check to refuse.
 *
 * Return: parts per million.
 */
u32 mdgpu_mig_min_share_ppm(const struct mdgpu_mig_parser *p)
{
	u32 pct = le32_to_cpu(p->sched.min_share);

	if (p->got & MDGPU_MIG_HAVE(MDGPU_MIG_TAG_SHARE))
		return le32_to_cpu(p->share.min_share_ppm);
	if (pct > 100)
		return U32_MAX;
	return pct * MDGPU_MIG_SHARE_PERCENT;
}

/**
 * mdgpu_mig_parse_finish() - the stream ended
 * @p: the parser
 *
 * Return: 0 if the stream was whole (its END record matched), else the
 * parser's error or -EBADMSG for a stream cut short.
 */
int mdgpu_mig_parse_finish(struct mdgpu_mig_parser *p)
{
	if (p->err)
		return p->err;
	if (p->phase != MDGPU_MIG_P_DONE)
		return mdgpu_mig_fail(p, -EBADMSG, "stream ends before END");
	return 0;
}
