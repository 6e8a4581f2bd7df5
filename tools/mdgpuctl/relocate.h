/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpuctl: moving an instance no VM holds from one parent to another,
 * keeping its UUID, type, device state and tunables, with a rollback to
 * its parent when a step fails (relocate.c: the steps as plain logic over
 * an ops table; migrate.c: the ops on the real module).
 *
 * Used by mdgpuctl evacuate and by mdgpu-balancer --move.
 */
#ifndef MDGPUCTL_RELOCATE_H
#define MDGPUCTL_RELOCATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdgpuctl.h"

#define MDG_RELOC_MAX_TUNABLES	16

/**
 * enum mdg_reloc_result - where a relocated instance ended up
 * @MDG_RELOC_MOVED: on the destination with its state and tunables
 * @MDG_RELOC_UNCHANGED: a step failed before the source instance was
 *			 touched: it is on its parent as it was
 * @MDG_RELOC_ROLLED_BACK: a step failed after that: the instance is back
 *			   on its parent with its saved state (parked) and
 *			   tunables
 * @MDG_RELOC_KEPT: it could not be put back; its saved state is in a file
 *		    (&mdg_reloc.kept) to restore by hand
 * @MDG_RELOC_LOST: it could not be put back and its state could not be
 *		    written anywhere
 * @MDG_RELOC_NR: number of results
 */
enum mdg_reloc_result {
	MDG_RELOC_MOVED,
	MDG_RELOC_UNCHANGED,
	MDG_RELOC_ROLLED_BACK,
	MDG_RELOC_KEPT,
	MDG_RELOC_LOST,
	MDG_RELOC_NR,
};

/**
 * struct mdg_reloc - one relocation: what moves, where, and how it went
 * @uuid: the instance
 * @type: its type directory name
 * @from: its parent
 * @to: the destination parent
 * @tun: the instance tunables to carry (mdg_reloc_note_tunables())
 * @val: their values, as read on the source
 * @nr_tun: entries in @tun and @val
 * @strict: a tunable the destination refuses fails the move (it is rolled
 *	    back); otherwise the move stands with a warning
 * @failed_step: the step that failed ("save", "remove", "create",
 *		 "restore", "tunables"), "" when none did
 * @err: its negative errno (or -EIO when the step gave an exit code)
 * @failed_tunables: tunables the last instance they were applied to
 *		     refused
 * @summary: what was saved ("N bytes, N VRAM pages")
 * @kept: the file holding the state for %MDG_RELOC_KEPT
 */
struct mdg_reloc {
	char uuid[MDG_UUID_LEN + 1];
	char type[MDG_NAME_MAX];
	char from[MDG_NAME_MAX];
	char to[MDG_NAME_MAX];
	const struct mdg_tunable *tun[MDG_RELOC_MAX_TUNABLES];
	char val[MDG_RELOC_MAX_TUNABLES][64];
	size_t nr_tun;
	bool strict;
	const char *failed_step;
	int err;
	int failed_tunables;
	char summary[128];
	char kept[PATH_MAX];
};

/**
 * struct mdg_reloc_ops - the steps of a relocation
 * @save: save the device state of @r->uuid (the source) where the other
 *	  ops find it; the source may be left in its power-on state
 * @remove: remove the instance @uuid; 0 or a negative errno
 * @create: create @uuid of @type on @parent; 0 or a negative errno
 * @exists: whether the instance @uuid exists
 * @restore: restore the saved state into the existing @r->uuid, leaving
 *	     it parked; 0 or a negative errno
 * @tunables: write @r's tunables to the existing @r->uuid, setting
 *	      @r->failed_tunables to the number refused; 0 or the negative
 *	      errno of the first refusal
 * @keep: write the saved state to a file (named in @r->kept); 0 or a
 *	  negative errno
 *
 * Every op returns at once; none is retried.
 */
struct mdg_reloc_ops {
	int (*save)(void *ctx, struct mdg_reloc *r);
	int (*remove)(void *ctx, const char *uuid);
	int (*create)(void *ctx, const char *parent, const char *type,
		      const char *uuid);
	bool (*exists)(void *ctx, const char *uuid);
	int (*restore)(void *ctx, struct mdg_reloc *r);
	int (*tunables)(void *ctx, struct mdg_reloc *r);
	int (*keep)(void *ctx, struct mdg_reloc *r);
};

enum mdg_reloc_result mdg_relocate(const struct mdg_reloc_ops *ops,
				   void *ctx, struct mdg_reloc *r);
const char *mdg_reloc_result_name(enum mdg_reloc_result res);

/* migrate.c: the same on the real module, through VFIO and sysfs. */
void mdg_reloc_init(struct mdg_reloc *r, const struct mdg_instance *in,
		    const char *to);
void mdg_reloc_fmt_tunables(const struct mdg_reloc *r, char *buf,
			    size_t len);
enum mdg_reloc_result mdg_relocate_instance(struct mdg_reloc *r);

#endif /* MDGPUCTL_RELOCATE_H */
