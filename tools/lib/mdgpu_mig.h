/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu's migration stream (uapi/mdgpu_migration.h) read by userspace:
 * the one checker that mdgpuctl's checkpoint/restore, the selftests and
 * the tools share. It checks a stream the way the kernel does in
 * RESUMING (magic, version and header size, record flags, the length of
 * every known record, VRAM and ZERO ranges page-aligned and inside BAR0,
 * unknown records only if optional, the END record's CRC-32; not the
 * compatibility with a destination), is fed the stream in pieces of any
 * size, as it comes from a file or a VFIO data fd, never holds more than
 * one record, and hands every whole record but END to a callback. Pure:
 * no I/O, no output. (Its names are mdgpuctl's, where it began.)
 */
#ifndef MDGPU_MIGSTREAM_H
#define MDGPU_MIGSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/mdgpu_migration.h"

/**
 * struct mdg_mig_compat_info - a compatibility descriptor, host-endian
 * @version: the stream version (of a file), or the one a module reads
 * @device: device-spec version (MDGPU_DEVICE_VERSION)
 * @features: MDGPU_MIG_FEAT_*
 * @type: the type's directory name
 * @vram: BAR0 bytes
 * @max_width: largest resolution
 * @max_height: likewise
 * @regs: BAR2 bytes
 * @layout: register layout (MDGPU_MIG_REGS_LAYOUT)
 */
struct mdg_mig_compat_info {
	uint32_t version;
	uint32_t device;
	uint32_t features;
	char type[MDGPU_MIG_TYPE_LEN + 1];
	uint64_t vram;
	uint32_t max_width;
	uint32_t max_height;
	uint32_t regs;
	uint32_t layout;
};

/**
 * struct mdg_mig_scan - a stream being checked, and what it holds
 * @compat: the header's descriptor (valid once @have_header)
 * @hdr: the header as it came, little-endian (valid once @have_header)
 * @have_header: the header was read
 * @ended: the END record was read and its CRC matched
 * @bytes: stream bytes fed so far
 * @records: records seen (END included)
 * @vram_pages: pages carried by VRAM records
 * @zero_bytes: bytes covered by ZERO records
 * @timestamp: the ENGINE record's TIMESTAMP
 * @sched: the SCHED record: weight, min_share (whole percent), cap, priority
 * @min_share_ppm: the SHARE record: min_share in parts per million
 * @seen: bit (1 << tag) for each known tag below 32 that was seen
 * @err: the first error, negative errno (0: none so far)
 * @why: what was wrong, for the user
 * @rec: if set, called with every record but END, whole
 * @ctx: passed to @rec
 * @phase: internal: what is being read
 * @need: internal: bytes of it wanted in @buf
 * @fill: internal: bytes of it in @buf
 * @buf: internal: the header, a record header or a payload
 * @tag: internal: current record's tag
 * @flags: internal: its flags
 * @len: internal: its payload length
 * @crc: internal: CRC-32 of the stream so far
 * @crc_end: internal: CRC-32 up to the END payload
 */
struct mdg_mig_scan {
	struct mdg_mig_compat_info compat;
	struct mdgpu_mig_header hdr;
	bool have_header;
	bool ended;
	uint64_t bytes;
	uint64_t records;
	uint64_t vram_pages;
	uint64_t zero_bytes;
	uint64_t timestamp;
	uint32_t sched[4];
	uint32_t min_share_ppm;
	uint32_t seen;
	int err;
	char why[256];
	void (*rec)(void *ctx, uint32_t tag, uint32_t flags,
		    const uint8_t *payload, uint64_t len);
	void *ctx;
	int phase;
	uint64_t need;
	uint64_t fill;
	uint8_t *buf;
	uint32_t tag;
	uint32_t flags;
	uint64_t len;
	uint32_t crc;
	uint32_t crc_end;
};

uint32_t mdg_crc32(uint32_t crc, const void *buf, size_t len);
int mdg_mig_scan_init(struct mdg_mig_scan *s);
int mdg_mig_scan_feed(struct mdg_mig_scan *s, const void *data, size_t len);
int mdg_mig_scan_finish(struct mdg_mig_scan *s);
void mdg_mig_scan_free(struct mdg_mig_scan *s);

/* The fixed payload length of a known record tag, 0 for VRAM and unknown. */
uint64_t mdg_mig_fixed_len(uint32_t tag);

#endif /* MDGPU_MIGSTREAM_H */
