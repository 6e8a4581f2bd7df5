/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu migration: the stream's pure logic (drivers/mig_stream.c) and the
 * device side (drivers/migration.c, drivers/mig_state.c).
 *
 * The stream format is uapi/mdgpu_migration.h.
 */
#ifndef _MDGPU_MIG_H
#define _MDGPU_MIG_H

#include <linux/types.h>

#include "uapi/mdgpu_migration.h"

struct mdgpu_type_desc;

/* Room for the device-state records of a stream (drivers/mig_state.c). */
#define MDGPU_MIG_STATE_MAX	4096

/**
 * struct mdgpu_mig_parser_ops - where a parsed stream's VRAM goes
 * @page: one MDGPU_MIG_PAGE page of VRAM at @off (inside the device's
 *	  VRAM, page-aligned: checked by the parser)
 * @zero: [@off, @off + @len) reads as zeroes (checked likewise)
 *
 * Both return 0 or a negative errno, which fails the stream.
 */
struct mdgpu_mig_parser_ops {
	int (*page)(void *ctx, u64 off, const void *data);
	int (*zero)(void *ctx, u64 off, u64 len);
};

/* The device-state records a stream carries, as MDGPU_MIG_HAVE_* bits. */
#define MDGPU_MIG_HAVE(tag)	(1u << (tag))
#define MDGPU_MIG_HAVE_STATE	(MDGPU_MIG_HAVE(MDGPU_MIG_TAG_CONFIG) | \
				 MDGPU_MIG_HAVE(MDGPU_MIG_TAG_REGS) | \
				 MDGPU_MIG_HAVE(MDGPU_MIG_TAG_DISPLAY) | \
				 MDGPU_MIG_HAVE(MDGPU_MIG_TAG_ENGINE))

/**
 * enum mdgpu_mig_phase - where the parser is in the stream
 * @MDGPU_MIG_P_HEADER: reading the header
 * @MDGPU_MIG_P_RECORD: reading a record's header
 * @MDGPU_MIG_P_BODY: reading a small record's payload into @buf
 * @MDGPU_MIG_P_VRAM_OFF: reading a VRAM record's offset
 * @MDGPU_MIG_P_VRAM_PAGE: reading a VRAM page into @page
 * @MDGPU_MIG_P_SKIP: skipping an unknown optional record
 * @MDGPU_MIG_P_DONE: the END record matched; nothing may follow
 */
enum mdgpu_mig_phase {
	MDGPU_MIG_P_HEADER,
	MDGPU_MIG_P_RECORD,
	MDGPU_MIG_P_BODY,
	MDGPU_MIG_P_VRAM_OFF,
	MDGPU_MIG_P_VRAM_PAGE,
	MDGPU_MIG_P_SKIP,
	MDGPU_MIG_P_DONE,
};

/**
 * struct mdgpu_mig_parser - an incremental stream parser
 * @dest: the destination's compatibility descriptor
 * @ops: VRAM callbacks
 * @ctx: their context
 * @phase: enum mdgpu_mig_phase
 * @err: the first error (negative errno), sticky
 * @why: what @err is about, for the log
 * @pos: stream bytes consumed
 * @crc: CRC-32 state over the bytes consumed before the END payload
 * @have: bytes gathered of what the phase reads
 * @need: bytes the phase reads
 * @tag: the current record's tag
 * @left: payload bytes left in the current record
 * @vram_off: offset of the next VRAM page of the current record
 * @got: MDGPU_MIG_HAVE() bits of the state records seen
 * @pages: VRAM pages received
 * @zero_bytes: VRAM bytes received as zero runs
 * @header: the stream's header, once read
 * @config: the last CONFIG record
 * @regs: the last REGS record
 * @display: the last DISPLAY record
 * @engine: the last ENGINE record
 * @sched: the last SCHED record
 * @buf: gathers headers and small payloads
 * @page: gathers one VRAM page
 */
struct mdgpu_mig_parser {
	const struct mdgpu_mig_compat *dest;
	const struct mdgpu_mig_parser_ops *ops;
	void *ctx;
	enum mdgpu_mig_phase phase;
	int err;
	const char *why;
	u64 pos;
	u32 crc;
	u32 have;
	u32 need;
	u32 tag;
	u64 left;
	u64 vram_off;
	u32 got;
	u64 pages;
	u64 zero_bytes;
	struct mdgpu_mig_header header;
	struct mdgpu_mig_config config;
	struct mdgpu_mig_regs regs;
	struct mdgpu_mig_display display;
	struct mdgpu_mig_engine engine;
	struct mdgpu_mig_sched sched;
	struct mdgpu_mig_share share;
	u8 buf[MDGPU_MIG_REC_MAX];
	u8 page[MDGPU_MIG_PAGE];
};

/*
 * The uAPI's numbers of the pre-copy states, which v6.1's enum
 * vfio_device_mig_state lacks (drivers/migration.c checks them against the
 * enum where it has them).
 */
#define MDGPU_MIG_S_PRE_COPY		6
#define MDGPU_MIG_S_PRE_COPY_P2P	7

/**
 * enum mdgpu_mig_action - what an arc does with the data files
 * @MDGPU_MIG_A_NONE: nothing
 * @MDGPU_MIG_A_SAVE: a new saving file (pre-copy)
 * @MDGPU_MIG_A_SAVE_STATE: a new saving file that takes the device state
 *			    now (STOP -> STOP_COPY)
 * @MDGPU_MIG_A_STOP_COPY: the saving file takes the device state now and
 *			   goes on (PRE_COPY_P2P -> STOP_COPY)
 * @MDGPU_MIG_A_END_SAVE: the saving file is detached
 * @MDGPU_MIG_A_RESUME: the device goes to power-on state, and a new
 *			resuming file takes a stream
 * @MDGPU_MIG_A_END_RESUME: the stream must be whole: its state is applied;
 *			    the resuming file is detached
 */
enum mdgpu_mig_action {
	MDGPU_MIG_A_NONE,
	MDGPU_MIG_A_SAVE,
	MDGPU_MIG_A_SAVE_STATE,
	MDGPU_MIG_A_STOP_COPY,
	MDGPU_MIG_A_END_SAVE,
	MDGPU_MIG_A_RESUME,
	MDGPU_MIG_A_END_RESUME,
};

/**
 * struct mdgpu_mig_plan - what one arc does (mdgpu_mig_plan())
 * @freeze: the engine context stops between chunks first
 * @thaw: the engine context runs again first
 * @action: enum mdgpu_mig_action
 */
struct mdgpu_mig_plan {
	bool freeze;
	bool thaw;
	enum mdgpu_mig_action action;
};

int mdgpu_mig_plan(u32 cur, u32 next, struct mdgpu_mig_plan *plan);

void mdgpu_mig_parser_init(struct mdgpu_mig_parser *p,
			   const struct mdgpu_mig_compat *dest,
			   const struct mdgpu_mig_parser_ops *ops, void *ctx);
int mdgpu_mig_parse(struct mdgpu_mig_parser *p, const u8 *data, size_t len);
int mdgpu_mig_parse_finish(struct mdgpu_mig_parser *p);
u32 mdgpu_mig_min_share_ppm(const struct mdgpu_mig_parser *p);

void mdgpu_mig_compat_fill(struct mdgpu_mig_compat *c,
			   const struct mdgpu_type_desc *desc);
int mdgpu_mig_compat_check(const struct mdgpu_mig_compat *src,
			   const struct mdgpu_mig_compat *dst,
			   const char **why);
int mdgpu_mig_compat_format(const struct mdgpu_mig_compat *c, char *buf,
			    size_t len);

void mdgpu_mig_header_fill(struct mdgpu_mig_header *h,
			   const struct mdgpu_mig_compat *c);
void mdgpu_mig_record_fill(struct mdgpu_mig_record *r, u32 tag, u32 flags,
			   u64 len);
u32 mdgpu_mig_crc(u32 crc, const void *data, size_t len);

#endif /* _MDGPU_MIG_H */
