// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: the per-instance statistics, one line each.
 *
 * Each entry names a file in the instance's mdgpu/ directory. `top` shows
 * the entries that have a header as columns, `stats` and `list --json` show
 * every entry whose file exists, and `metrics` exports them all under their
 * Prometheus name. A file the module does not have yet shows as "-" in
 * top and is left out of the other outputs, so the entries of planned
 * statistics can already be here; they light up when the module exports
 * the file.
 */
#include <limits.h>
#include <string.h>

#include "mdgpuctl.h"

const struct mdg_stat mdg_stats[] = {
	{ "vram_size", MDG_STAT_GAUGE, "mdgpu_vgpu_vram_bytes", 1,
	  "Size of the vGPU's VRAM range, which is its framebuffer (BAR0).",
	  "VRAM", 6, MDG_SHOW_BYTES },
	{ "vram_offset", MDG_STAT_GAUGE, "mdgpu_vgpu_vram_offset_bytes", 1,
	  "Offset of the vGPU's VRAM range in its parent's VRAM.",
	  "OFFSET", 6, MDG_SHOW_BYTES },
	{ "reset_count", MDG_STAT_COUNTER, "mdgpu_vgpu_resets_total", 1,
	  "Device resets of the vGPU since it was created.",
	  "RESETS", 6, MDG_SHOW_INT },
	/* Planned (engine and scheduler): shown once the module has them. */
	{ "vram_populated", MDG_STAT_GAUGE, "mdgpu_vgpu_vram_populated_bytes", 1,
	  "Host memory backing the vGPU's VRAM (pages written so far).",
	  "RESIDENT", 8, MDG_SHOW_BYTES },
	{ "engine_time_us", MDG_STAT_COUNTER, "mdgpu_vgpu_engine_seconds_total",
	  1e-6, "Engine time the vGPU has used.",
	  "ENGINE%", 7, MDG_SHOW_SHARE },
	{ "fence_count", MDG_STAT_COUNTER, "mdgpu_vgpu_fences_total", 1,
	  "Fences the vGPU's engine has signalled.",
	  "FENCE/s", 8, MDG_SHOW_RATE },
	{ "wait_latency_us", MDG_STAT_GAUGE, "mdgpu_vgpu_wait_latency_seconds",
	  1e-6, "Recent mean time a submission of the vGPU waited for the engine.",
	  "WAIT_us", 8, MDG_SHOW_INT },
	{ "error_count", MDG_STAT_COUNTER, "mdgpu_vgpu_errors_total", 1,
	  "Engine errors (faults, hangs) of the vGPU.",
	  "ERRORS", 6, MDG_SHOW_INT },
};

const size_t mdg_nr_stats = ARRAY_SIZE(mdg_stats);

_Static_assert(ARRAY_SIZE(mdg_stats) <=
	       ARRAY_SIZE(((struct mdg_sample *)0)->val),
	       "struct mdg_sample too small for mdg_stats");

/**
 * mdg_stats_read() - read the statistics of one instance
 * @in: the instance
 * @s: receives which files exist and their values
 */
void mdg_stats_read(const struct mdg_instance *in, struct mdg_sample *s)
{
	char rel[128], path[PATH_MAX];
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < mdg_nr_stats; i++) {
		mdg_fmt(rel, sizeof(rel), "mdgpu/%s", mdg_stats[i].key);
		if (mdg_instance_path(in, rel, path, sizeof(path)))
			continue;
		s->have[i] = !mdg_read_s64(path, &s->val[i]);
	}
}
