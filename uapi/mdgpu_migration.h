/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * mdgpu migration stream: what a vGPU's VFIO migration data fd produces in
 * the saving states (PRE_COPY, STOP_COPY) and takes in RESUMING.
 *
 * Shared by the kernel module, mdgpuctl (checkpoint files are this stream)
 * and the selftests. Every field is little-endian. Documentation/migration.rst
 * describes it in prose.
 *
 * A stream is:
 *   struct mdgpu_mig_header          magic, version, compatibility descriptor
 *   records...                       struct mdgpu_mig_record + payload
 *   MDGPU_MIG_TAG_END record          CRC-32 of every byte before its payload
 *
 * Records of the device state (CONFIG .. SCHED, SHARE) appear once each, after the
 * last VRAM record of a pre-copy round they may appear again, the last copy
 * counts. VRAM and ZERO records may appear any number of times; a later one
 * for a page overrides an earlier one. A destination starts from VRAM that
 * reads as zeroes, so a page that was never written is not in the stream.
 * Records are applied to the device state only when the END record's
 * checksum matched; VRAM pages are written as they arrive.
 */
#ifndef _UAPI_MDGPU_MIGRATION_H
#define _UAPI_MDGPU_MIGRATION_H

#include <linux/types.h>

/* "MDGPUMIG" as bytes in a file. */
#define MDGPU_MIG_MAGIC		0x47494d5550474d44ULL
#define MDGPU_MIG_VERSION	1

/* Features a stream's device has; the destination must have them all. */
#define MDGPU_MIG_FEAT_ENGINE	(1u << 0)	/* command engine */
#define MDGPU_MIG_FEAT_DISPLAY	(1u << 1)	/* Bochs display + EDID */
#define MDGPU_MIG_FEATURES	(MDGPU_MIG_FEAT_ENGINE | MDGPU_MIG_FEAT_DISPLAY)

#define MDGPU_MIG_TYPE_LEN	32

/**
 * struct mdgpu_mig_compat - what a destination must match
 * @device_version: MDGPU_DEVICE_VERSION of the source
 * @features: MDGPU_MIG_FEAT_* of the source
 * @type: the vGPU type's sysfs name (e.g. "mdgpu-64M"), NUL-padded
 * @vram_size: BAR0 size; the destination's must be equal
 * @max_width: the type's largest resolution; the destination's must be at
 *	       least as large
 * @max_height: likewise
 * @regs_size: BAR2 size
 * @regs_layout: MDGPU_MIG_REGS_LAYOUT of the source: changes whenever a
 *		 register's meaning or offset does
 * @reserved: written as zero, ignored
 */
struct mdgpu_mig_compat {
	__le32 device_version;
	__le32 features;
	char type[MDGPU_MIG_TYPE_LEN];
	__le64 vram_size;
	__le32 max_width;
	__le32 max_height;
	__le32 regs_size;
	__le32 regs_layout;
	__le32 reserved[2];
};

#define MDGPU_MIG_REGS_LAYOUT	1

/**
 * struct mdgpu_mig_header - the start of every stream
 * @magic: MDGPU_MIG_MAGIC
 * @version: MDGPU_MIG_VERSION
 * @size: sizeof(struct mdgpu_mig_header)
 * @compat: the source device
 */
struct mdgpu_mig_header {
	__le64 magic;
	__le32 version;
	__le32 size;
	struct mdgpu_mig_compat compat;
};

/* Record tags. */
#define MDGPU_MIG_TAG_CONFIG	1	/* struct mdgpu_mig_config */
#define MDGPU_MIG_TAG_REGS	2	/* struct mdgpu_mig_regs */
#define MDGPU_MIG_TAG_DISPLAY	3	/* struct mdgpu_mig_display */
#define MDGPU_MIG_TAG_ENGINE	4	/* struct mdgpu_mig_engine */
#define MDGPU_MIG_TAG_SCHED	5	/* struct mdgpu_mig_sched (optional) */
#define MDGPU_MIG_TAG_VRAM	6	/* __le64 offset, then whole pages */
#define MDGPU_MIG_TAG_ZERO	7	/* struct mdgpu_mig_zero */
#define MDGPU_MIG_TAG_SHARE	8	/* struct mdgpu_mig_share (optional) */
#define MDGPU_MIG_TAG_END	0xffff	/* __le32 CRC-32 */

/*
 * A record the destination may skip if it does not know its tag. Without
 * this flag an unknown tag fails the stream.
 */
#define MDGPU_MIG_REC_OPTIONAL	(1u << 0)

/**
 * struct mdgpu_mig_record - a record's header, followed by @len bytes
 * @tag: MDGPU_MIG_TAG_*
 * @flags: MDGPU_MIG_REC_*
 * @len: payload bytes
 */
struct mdgpu_mig_record {
	__le32 tag;
	__le32 flags;
	__le64 len;
};

/* The largest record other than VRAM a destination accepts. */
#define MDGPU_MIG_REC_MAX	8192
/* VRAM pages are 4 KiB in the stream, whatever the host's page size. */
#define MDGPU_MIG_PAGE		4096
/* The most pages one VRAM record carries. */
#define MDGPU_MIG_VRAM_MAX_PAGES	64

/**
 * struct mdgpu_mig_config - PCI configuration space
 * @data: its 256 bytes as the user reads them
 */
struct mdgpu_mig_config {
	__u8 data[256];
};

/**
 * struct mdgpu_mig_regs - device registers outside the engine and display
 * @scratch: SCRATCH
 * @reset_count: RESET_COUNT
 * @intx_masked: INTx is masked (VFIO_DEVICE_SET_IRQS)
 * @intx_pending: INTx was raised while masked
 * @reserved: written as zero, ignored
 */
struct mdgpu_mig_regs {
	__le32 scratch;
	__le32 reset_count;
	__u8 intx_masked;
	__u8 intx_pending;
	__u8 reserved[6];
};

/**
 * struct mdgpu_mig_display - the display
 * @dispi: Bochs VBE DISPI registers
 * @vga: the VGA I/O port window
 * @endian: QEMU extended framebuffer endianness register
 * @mode_errors: MODE_ERRORS
 * @last_error: the last refused mode's reason
 * @enabled: the display is on
 * @link_up: the monitor is connected
 * @reserved: written as zero, ignored
 * @host_edid_size: bytes of @host_edid the host set
 * @edid: the EDID the guest reads
 * @host_edid: the EDID the host writes through the EDID region
 */
struct mdgpu_mig_display {
	__le16 dispi[16];
	__u8 vga[32];
	__le32 endian;
	__le32 mode_errors;
	__u8 last_error;
	__u8 enabled;
	__u8 link_up;
	__u8 reserved[1];
	__le32 host_edid_size;
	__u8 edid[1024];
	__u8 host_edid[1024];
};

/* Dwords of a command in progress the stream keeps. */
#define MDGPU_MIG_CMD_DW	16	/* the longest command but NOP has 9 */

/**
 * struct mdgpu_mig_engine - the engine context
 * @ring_base: RING_BASE
 * @ring_size: RING_SIZE
 * @head: RING_HEAD
 * @tail: RING_TAIL
 * @enabled: RING_CTRL.ENABLE
 * @error: the context is in its error state
 * @cur_valid: a command is in progress: @cur_dw holds its @cur_ndw
 *	       dwords, of which @cur_done units of work are done
 * @cur_ndw: dwords of the command in progress
 * @err_code: ERR_CODE
 * @err_head: ERR_HEAD
 * @err_header: ERR_HEADER
 * @fence_last: FENCE_LAST
 * @irq_status: IRQ_STATUS
 * @irq_mask: IRQ_MASK
 * @cmds_done: CMDS_DONE
 * @ts_hi: TIMESTAMP_HI as latched
 * @cur_done: work done of the command in progress
 * @job_ns: engine time the command in progress has had
 * @timestamp: TIMESTAMP when the state was saved; the destination's
 *	       TIMESTAMP continues from there
 * @cur_dw: the raw dwords of the command in progress, validated again by
 *	    the destination
 */
struct mdgpu_mig_engine {
	__le64 ring_base;
	__le32 ring_size;
	__le32 head;
	__le32 tail;
	__u8 enabled;
	__u8 error;
	__u8 cur_valid;
	__u8 cur_ndw;
	__le32 err_code;
	__le32 err_head;
	__le32 err_header;
	__le32 fence_last;
	__le32 irq_status;
	__le32 irq_mask;
	__le32 cmds_done;
	__le32 ts_hi;
	__le32 reserved;
	__le64 cur_done;
	__le64 job_ns;
	__le64 timestamp;
	__le32 cur_dw[MDGPU_MIG_CMD_DW];
};

/**
 * struct mdgpu_mig_sched - the vGPU's scheduler tunables (optional record:
 *			    a destination that refuses them keeps its own)
 * @weight: ``weight``
 * @min_share: ``min_share``, whole percent, rounded down (a SHARE record
 *	       carries it exactly)
 * @cap: ``cap``, percent (0: none)
 * @priority: ``priority``
 */
struct mdgpu_mig_sched {
	__le32 weight;
	__le32 min_share;
	__le32 cap;
	__le32 priority;
};

/**
 * struct mdgpu_mig_share - the vGPU's guaranteed share exactly (optional
 *			    record, after SCHED: a destination that knows it
 *			    takes ``min_share`` from here, one that does not
 *			    skips it and keeps SCHED's whole percent)
 * @min_share_ppm: ``min_share`` in parts per million, 0 to 1000000
 * @reserved: written as zero, ignored
 */
#define MDGPU_MIG_SHARE_PERCENT	10000	/* parts per million in a percent */

struct mdgpu_mig_share {
	__le32 min_share_ppm;
	__le32 reserved;
};

/**
 * struct mdgpu_mig_zero - a VRAM range that reads as zeroes
 * @offset: start, page-aligned
 * @len: bytes, a multiple of MDGPU_MIG_PAGE
 */
struct mdgpu_mig_zero {
	__le64 offset;
	__le64 len;
};

#endif /* _UAPI_MDGPU_MIGRATION_H */
