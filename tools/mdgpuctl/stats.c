// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: the statistics of instances and parents, one line each.
 *
 * Each entry names a file: in the instance's mdgpu/ directory
 * (mdg_stats[]) or in the parent's directory (mdg_parent_stats[]). `stats`,
 * `show` and `list --json` show every entry whose file exists, and `top` the
 * instance entries that have a header as columns (`metrics` names and
 * describes the files in its own table, cmd_metrics.c). The tables follow
 * the module's ABI
 * (Documentation/ABI/testing/): the unit tests fail when a read-only file
 * documented there is in none of mdgpuctl's tables, or an entry here is
 * not documented.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mdgpuctl.h"
#include "uapi/mdgpu.h"

const struct mdg_stat mdg_stats[] = {
	{ "vram_size", MDG_STAT_GAUGE, 1,
	  "Size of the vGPU's VRAM range, which is its framebuffer (BAR0).",
	  "VRAM", 6, MDG_SHOW_BYTES },
	{ "vram_offset", MDG_STAT_GAUGE, 1,
	  "Offset of the vGPU's VRAM range in its parent's VRAM.",
	  "OFFSET", 6, MDG_SHOW_BYTES },
	{ "vram_populated", MDG_STAT_GAUGE, 1,
	  "Bytes of the vGPU's VRAM that have backing (written since their last discard).",
	  "RESIDENT", 8, MDG_SHOW_BYTES },
	{ "reset_count", MDG_STAT_COUNTER, 1,
	  "Device resets of the vGPU since it was created.",
	  "RESETS", 6, MDG_SHOW_INT },
	{ "engine_time_us", MDG_STAT_COUNTER, 1e-6,
	  "Engine time the vGPU has used.",
	  "ENGINE%", 7, MDG_SHOW_SHARE },
	{ "engine_commands", MDG_STAT_COUNTER, 1,
	  "Commands of the vGPU's ring the engine completed.",
	  "CMDS/s", 8, MDG_SHOW_RATE },
	{ "engine_chunks", MDG_STAT_COUNTER, 1,
	  "Chunks of the vGPU's commands the engine ran.",
	  NULL, 0, MDG_SHOW_INT },
	{ "engine_max_chunk_us", MDG_STAT_GAUGE, 1e-6,
	  "Longest chunk of the vGPU's commands the engine ran.",
	  NULL, 0, MDG_SHOW_INT },
	{ "wait_time_us", MDG_STAT_COUNTER, 1e-6,
	  "Time the vGPU had work and was allowed to run but waited for the engine.",
	  "WAIT%", 6, MDG_SHOW_SHARE },
	{ "throttled_us", MDG_STAT_COUNTER, 1e-6,
	  "Time the vGPU had work but its cap or fixed share held it back.",
	  "THROT%", 6, MDG_SHOW_SHARE },
	{ "slices", MDG_STAT_COUNTER, 1,
	  "Time slices the vGPU was given.", NULL, 0, MDG_SHOW_INT },
	{ "preemptions", MDG_STAT_COUNTER, 1,
	  "Times the vGPU was made to yield the engine while it had work.",
	  NULL, 0, MDG_SHOW_INT },
	{ "wait_latency_us", MDG_STAT_GAUGE, 1e-6,
	  "Moving average of the time a submission of the vGPU waited for the engine.",
	  "WAIT_us", 8, MDG_SHOW_INT },
	{ "wait_histogram", MDG_STAT_HISTOGRAM, 1,
	  "Wait latencies of the vGPU in 16 power-of-two microsecond buckets (the value is their count).",
	  NULL, 0, MDG_SHOW_INT },
	{ "wait_latency_sum_us", MDG_STAT_COUNTER, 1e-6,
	  "Sum of the vGPU's wait latencies that wait_histogram counts.",
	  NULL, 0, MDG_SHOW_INT },
	{ "watchdog_count", MDG_STAT_COUNTER, 1,
	  "Jobs of the vGPU the watchdog stopped.",
	  "WDOG", 5, MDG_SHOW_INT },
	{ "engine_errors", MDG_STAT_COUNTER, 1,
	  "Times the vGPU's engine context entered its error state.",
	  "ERRORS", 6, MDG_SHOW_INT },
	{ "engine_error_code", MDG_STAT_GAUGE, 1,
	  "The vGPU's current engine error code (ERR_CODE), 0 when it is not in error.",
	  NULL, 0, MDG_SHOW_INT },
	{ "engine_error_head", MDG_STAT_GAUGE, 1,
	  "Ring offset of the command the vGPU's engine faulted on (ERR_HEAD).",
	  NULL, 0, MDG_SHOW_INT },
	{ "engine_error_header", MDG_STAT_GAUGE, 1,
	  "Header dword of the command the vGPU's engine faulted on (ERR_HEADER).",
	  NULL, 0, MDG_SHOW_HEX },
};

const size_t mdg_nr_stats = ARRAY_SIZE(mdg_stats);

const struct mdg_stat mdg_parent_stats[] = {
	{ "engine_busy_us", MDG_STAT_COUNTER, 1e-6,
	  "Time the parent's engine spent running vGPUs.", NULL, 0,
	  MDG_SHOW_SHARE },
	{ "engine_idle_us", MDG_STAT_COUNTER, 1e-6,
	  "Time the parent's engine had nothing to run.", NULL, 0,
	  MDG_SHOW_SHARE },
	{ "engine_switches", MDG_STAT_COUNTER, 1,
	  "Times the parent's engine switched to another vGPU.", NULL, 0,
	  MDG_SHOW_RATE },
	{ "vram_largest_free", MDG_STAT_GAUGE, 1,
	  "Largest free aligned VRAM range an instance could get.", NULL, 0,
	  MDG_SHOW_BYTES },
	{ "vram_retired", MDG_STAT_GAUGE, 1,
	  "VRAM retired after uncorrectable errors.", NULL, 0,
	  MDG_SHOW_BYTES },
	{ "vram_populated", MDG_STAT_GAUGE, 1,
	  "Host memory backing the parent's VRAM (discarded, not yet freed included).",
	  NULL, 0, MDG_SHOW_BYTES },
	{ "relocations", MDG_STAT_COUNTER, 1,
	  "Instances moved by VRAM compaction.", NULL, 0, MDG_SHOW_INT },
	{ "vram_backing_failures", MDG_STAT_COUNTER, 1,
	  "Writes refused because the populated VRAM reached the parent's VRAM (oversubscription).",
	  NULL, 0, MDG_SHOW_INT },
	{ "vram_reclaimed", MDG_STAT_COUNTER, 1,
	  "VRAM backing given back by zero-page reclaim.", NULL, 0,
	  MDG_SHOW_BYTES },
	{ "reserved_vram", MDG_STAT_GAUGE, 1,
	  "VRAM reserved for named instances that do not exist (ordinary creates cannot use it).",
	  NULL, 0, MDG_SHOW_BYTES },
	{ "reserved_share", MDG_STAT_GAUGE, 1,
	  "Engine share (ppm) reserved for named instances that do not exist.",
	  NULL, 0, MDG_SHOW_INT },
};

const size_t mdg_nr_parent_stats = ARRAY_SIZE(mdg_parent_stats);

_Static_assert(ARRAY_SIZE(mdg_stats) <=
	       ARRAY_SIZE(((struct mdg_sample *)0)->val),
	       "struct mdg_sample too small for mdg_stats");
_Static_assert(ARRAY_SIZE(mdg_parent_stats) <=
	       ARRAY_SIZE(((struct mdg_sample *)0)->val),
	       "struct mdg_sample too small for mdg_parent_stats");

/* Parse "N N ... N" (MDG_HIST_BUCKETS counters); the count in *sum. */
static int parse_hist(const char *s, uint64_t *hist, int64_t *sum)
{
	unsigned int i;
	char *end;

	*sum = 0;
	for (i = 0; i < MDG_HIST_BUCKETS; i++) {
		errno = 0;
		hist[i] = strtoull(s, &end, 10);
		if (errno || end == s || (*end && *end != ' '))
			return -EINVAL;
		*sum += hist[i];
		s = end;
	}
	return *s ? -EINVAL : 0;
}

static int read_one(const struct mdg_stat *st, const char *path,
		    struct mdg_sample *s, size_t k)
{
	char buf[512], *end;
	long long v;
	int ret;

	if (st->kind == MDG_STAT_HISTOGRAM) {
		ret = mdg_read_str(path, buf, sizeof(buf));
		if (!ret)
			ret = parse_hist(buf, s->hist, &s->val[k]);
		s->have_hist = !ret;
		return ret;
	}
	if (st->show != MDG_SHOW_HEX)
		return mdg_read_s64(path, &s->val[k]);
	ret = mdg_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoll(buf, &end, 16);
	if (errno || end == buf || *end)
		return -EINVAL;
	s->val[k] = v;
	return 0;
}

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
		s->have[i] = !read_one(&mdg_stats[i], path, s, i);
	}
}

/**
 * mdg_parent_stats_read() - read the statistics of one parent
 * @p: the parent
 * @s: receives which files exist and their values (mdg_parent_stats[])
 */
void mdg_parent_stats_read(const struct mdg_parent *p, struct mdg_sample *s)
{
	char path[PATH_MAX];
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < mdg_nr_parent_stats; i++) {
		if (mdg_parent_path(p, mdg_parent_stats[i].key, path,
				    sizeof(path)))
			continue;
		s->have[i] = !read_one(&mdg_parent_stats[i], path, s, i);
	}
}

/**
 * mdg_stat_index() - where a key is in a table
 * @table: mdg_stats or mdg_parent_stats
 * @n: its entries
 * @key: the file name
 *
 * Return: the index, or -1.
 */
int mdg_stat_index(const struct mdg_stat *table, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(table[i].key, key))
			return i;
	return -1;
}

static const char *const mdg_err_names[] = {
	"none", "opcode", "length", "reserved", "range", "align", "size",
	"stride", "overlap", "dma", "ring", "watchdog", "nomem", "hang",
	"fault", "vram", "lost",
};
_Static_assert(ARRAY_SIZE(mdg_err_names) == MDGPU_ERR_LOST + 1,
	       "an MDGPU_ERR_* code without a name");

/**
 * mdg_err_name() - the name of an engine error code (uapi MDGPU_ERR_*)
 * @code: ERR_CODE
 *
 * Return: a lower-case word, or "unknown" for a code this tool predates.
 */
const char *mdg_err_name(int64_t code)
{
	if (code < 0 || code >= (int64_t)ARRAY_SIZE(mdg_err_names))
		return "unknown";
	return mdg_err_names[code];
}

static const char *const mdg_op_names[] = {
	"nop", "fill", "copy", "dma", "fence", "timestamp", "compute",
};
_Static_assert(ARRAY_SIZE(mdg_op_names) == MDGPU_OP_COMPUTE + 1,
	       "an MDGPU_OP_* without a name");

/**
 * mdg_op_name() - the name of a command opcode (uapi MDGPU_OP_*)
 * @op: the opcode, bits 0-7 of a command header
 *
 * Return: a lower-case word, or "unknown".
 */
const char *mdg_op_name(unsigned int op)
{
	if (op >= ARRAY_SIZE(mdg_op_names))
		return "unknown";
	return mdg_op_names[op];
}
