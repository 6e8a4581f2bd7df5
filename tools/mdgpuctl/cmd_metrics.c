// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl metrics: the state of mdgpu in Prometheus' text exposition
 * format, for node_exporter's textfile collector or any scraper.
 *
 * Names follow Prometheus' conventions: the mdgpu_ prefix, base units in
 * the name (_bytes, _seconds, _ratio), _total on counters, one HELP and
 * TYPE line before each family, all samples of a family together. Labels:
 * parent, type, uuid. Static facts of a type are labels of mdgpu_type_info;
 * word-valued states (health, policy, migration state) are state sets, one
 * sample per possible word, 1 for the current one. The wait-latency
 * histogram of the module (wait_histogram, wait_latency_sum_us) is a
 * Prometheus histogram. Where a vGPU's VRAM lies in its parent
 * (vram_offset) is a placement detail and is not exported.
 *
 * Every value is read from sysfs when the command runs; a file that is
 * missing or unreadable drops its sample, not the output.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdgpuctl.h"

/* Buckets of the module's wait_histogram (sysfs-bus-mdev-devices-mdgpu). */
#define MDG_WAIT_BUCKETS	16

/**
 * struct mdg_metric_file - a numeric sysfs file and the metric it becomes
 * @file: relative to the parent's directory or the vGPU's mdgpu/
 * @metric: the metric's name
 * @counter: a counter (else a gauge)
 * @decimals: the file's unit is 10^-@decimals of the metric's (6 for
 *	      microseconds to seconds, 2 for percent to a ratio)
 * @help: the HELP text
 *
 * A file that is a share tunable (MDG_KIND_SHARE in tunables.c: min_share)
 * shows decimals of its own; file_frac() finds them there.
 */
struct mdg_metric_file {
	const char *file;
	const char *metric;
	bool counter;
	int decimals;
	const char *help;
};

static const struct mdg_metric_file parent_files[] = {
	{ "vram_total", "mdgpu_parent_vram_bytes", false, 0,
	  "VRAM of the parent GPU." },
	{ "vram_used", "mdgpu_parent_vram_used_bytes", false, 0,
	  "VRAM of the parent reserved by its vGPUs (sum of their framebuffers) and by unheld reservations." },
	{ "vram_populated", "mdgpu_parent_vram_populated_bytes", false, 0,
	  "Host memory backing the parent's VRAM, discarded pages not yet freed included." },
	{ "vram_retired", "mdgpu_parent_vram_retired_bytes", false, 0,
	  "VRAM of the parent retired after uncorrectable errors." },
	{ "vram_largest_free", "mdgpu_parent_vram_largest_free_bytes", false, 0,
	  "Largest framebuffer a new vGPU on the parent can get now." },
	{ "instances", "mdgpu_parent_instances", false, 0,
	  "vGPUs that exist on the parent." },
	{ "relocations", "mdgpu_parent_relocations_total", true, 0,
	  "vGPU VRAM ranges moved by compaction on the parent." },
	{ "vram_ratio", "mdgpu_parent_vram_ratio", false, 3,
	  "VRAM oversubscription ratio of the parent (1: none)." },
	{ "vram_backing_failures", "mdgpu_parent_vram_backing_failures_total",
	  true, 0,
	  "Writes of the parent's vGPUs refused because the populated VRAM reached the parent's VRAM." },
	{ "vram_reclaimed", "mdgpu_parent_vram_reclaimed_bytes_total", true, 0,
	  "VRAM backing given back by zero-page reclaim on the parent." },
	{ "reserved_vram", "mdgpu_parent_reserved_vram_bytes", false, 0,
	  "VRAM of the parent reserved for named vGPUs that do not exist (ordinary creates cannot use it)." },
	{ "reserved_share", "mdgpu_parent_reserved_share_ratio", false, 6,
	  "Engine share of the parent reserved for named vGPUs that do not exist (no min_share can use it)." },
	{ "timeslice_us", "mdgpu_parent_timeslice_seconds", false, 6,
	  "Scheduler time slice of the parent's engine." },
	{ "watchdog_ms", "mdgpu_parent_watchdog_timeout_seconds", false, 3,
	  "Engine time after which the watchdog stops a vGPU's job (0: no limit)." },
	{ "engine_busy_us", "mdgpu_parent_engine_busy_seconds_total", true, 6,
	  "Time the parent's engine spent running vGPUs." },
	{ "engine_idle_us", "mdgpu_parent_engine_idle_seconds_total", true, 6,
	  "Time the parent's engine had nothing to run (or was held idle by caps)." },
	{ "engine_switches", "mdgpu_parent_engine_switches_total", true, 0,
	  "Switches of the parent's engine from one vGPU to another." },
};

static const struct mdg_metric_file vgpu_files[] = {
	{ "vram_size", "mdgpu_vgpu_vram_bytes", false, 0,
	  "Size of the vGPU's VRAM, its framebuffer (BAR0)." },
	{ "vram_populated", "mdgpu_vgpu_vram_populated_bytes", false, 0,
	  "Bytes of the vGPU's VRAM that have backing (written since their last discard)." },
	{ "reset_count", "mdgpu_vgpu_resets_total", true, 0,
	  "Device resets of the vGPU since it was created." },
	{ "engine_errors", "mdgpu_vgpu_errors_total", true, 0,
	  "Times the vGPU's engine entered its error state (refused command, watchdog, hang, VRAM error, lost parent)." },
	{ "engine_error_code", "mdgpu_vgpu_error_code", false, 0,
	  "The vGPU's current engine error code (ERR_CODE, MDGPU_ERR_*): 0 when it is not in error, 11 watchdog, 13 hang, 16 lost." },
	{ "engine_commands", "mdgpu_vgpu_commands_total", true, 0,
	  "Commands of the vGPU's ring the engine completed." },
	{ "weight", "mdgpu_vgpu_weight", false, 0,
	  "Scheduling weight of the vGPU within its priority class (weighted policy)." },
	{ "min_share", "mdgpu_vgpu_min_share_ratio", false, 2,
	  "Engine time guaranteed to the vGPU while it has work (weighted policy)." },
	{ "cap", "mdgpu_vgpu_cap_ratio", false, 2,
	  "Most engine time the vGPU may use (weighted policy; 0: no cap)." },
	{ "priority", "mdgpu_vgpu_priority", false, 0,
	  "Strict priority class of the vGPU, 0 to 7 (weighted policy)." },
	{ "engine_time_us", "mdgpu_vgpu_engine_seconds_total", true, 6,
	  "Engine time the vGPU has used." },
	{ "engine_chunks", "mdgpu_vgpu_engine_chunks_total", true, 0,
	  "Chunks of the vGPU's commands the engine has run." },
	{ "engine_max_chunk_us", "mdgpu_vgpu_engine_max_chunk_seconds", false, 6,
	  "Longest chunk of the vGPU's commands the engine has run." },
	{ "wait_time_us", "mdgpu_vgpu_wait_seconds_total", true, 6,
	  "Time the vGPU had work, was allowed to run and waited for the engine." },
	{ "throttled_us", "mdgpu_vgpu_throttled_seconds_total", true, 6,
	  "Time the vGPU had work but its cap or fixed share held it back." },
	{ "slices", "mdgpu_vgpu_slices_total", true, 0,
	  "Time slices the vGPU was given." },
	{ "preemptions", "mdgpu_vgpu_preemptions_total", true, 0,
	  "Times the vGPU had to yield the engine with work left." },
	{ "watchdog_count", "mdgpu_vgpu_watchdog_kills_total", true, 0,
	  "Jobs of the vGPU the watchdog stopped (each puts the vGPU in its error state)." },
	{ "wait_latency_us", "mdgpu_vgpu_wait_latency_ewma_seconds", false, 6,
	  "Moving average (weight 1/8) of the vGPU's wait latency." },
};

/**
 * struct mdg_state_file - a sysfs file holding one word, as a state set
 * @file: relative to the parent's directory or the vGPU's mdgpu/
 * @metric: the metric's name
 * @label: the label that carries the word
 * @words: the words the file can hold, NULL-terminated
 * @help: the HELP text
 */
struct mdg_state_file {
	const char *file;
	const char *metric;
	const char *label;
	const char *const *words;
	const char *help;
};

static const char *const health_words[] = { "ok", "degraded", "failed", NULL };
static const char *const policy_words[] = {
	"best_effort", "equal_share", "fixed_share", "weighted", NULL
};

static const char *const migration_words[] = {
	"running", "running_p2p", "stop", "stop_copy", "resuming", "pre_copy",
	"pre_copy_p2p", "error", "closed", "parked", NULL
};

static const struct mdg_state_file parent_states[] = {
	{ "health", "mdgpu_parent_health", "state", health_words,
	  "Health of the parent GPU: 1 for its state, 0 for the others." },
	{ "policy", "mdgpu_parent_policy", "policy", policy_words,
	  "Scheduling policy of the parent's engine: 1 for the current one." },
};

static const struct mdg_state_file vgpu_states[] = {
	{ "migration_state", "mdgpu_vgpu_migration_state", "state",
	  migration_words,
	  "Where the vGPU is in VFIO migration: 1 for its state, 0 for the others." },
};

/**
 * mdg_prom_escape() - escape a label value
 * @in: the value
 * @out: the value with \, " and newline escaped, truncated to fit
 * @len: size of @out
 */
void mdg_prom_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 3 < len; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = 0;
}

/**
 * mdg_prom_decimal() - a value in a smaller unit, written in the base unit
 * @v: the value, in units of 10^-@decimals
 * @decimals: 0 to 9
 * @out: receives the exact decimal text, e.g. 1234567 us -> "1.234567"
 * @len: size of @out
 *
 * Exact where a double would round: 2^64 microseconds still print every
 * digit, so the value a query returns is the value sysfs shows.
 */
void mdg_prom_decimal(uint64_t v, int decimals, char *out, size_t len)
{
	uint64_t div = 1;
	int i;

	for (i = 0; i < decimals; i++)
		div *= 10;
	if (decimals <= 0)
		mdg_fmt(out, len, "%llu", (unsigned long long)v);
	else
		mdg_fmt(out, len, "%llu.%0*llu", (unsigned long long)(v / div),
			decimals, (unsigned long long)(v % div));
}

/**
 * mdg_wait_hist_parse() - parse a wait_histogram file
 * @line: its contents: MDG_WAIT_BUCKETS decimal counters separated by
 *	  single spaces
 * @counts: receives the counters
 *
 * Return: 0, or -EINVAL for anything else (fewer or more numbers, signs,
 * other characters, a number that overflows).
 */
int mdg_wait_hist_parse(const char *line, uint64_t *counts)
{
	const char *s = line;
	int i;

	for (i = 0; i < MDG_WAIT_BUCKETS; i++) {
		uint64_t v = 0;

		if (i && *s++ != ' ')
			return -EINVAL;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
				return -EINVAL;
			v = v * 10 + (uint64_t)(*s - '0');
		}
		counts[i] = v;
	}
	return *s ? -EINVAL : 0;
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labels_parent(char *buf, size_t len, const char *parent)
{
	char p[2 * MDG_NAME_MAX];

	mdg_prom_escape(parent, p, sizeof(p));
	mdg_fmt(buf, len, "parent=\"%s\"", p);
}

static void labels_type(char *buf, size_t len, const char *parent,
			const char *type)
{
	char p[2 * MDG_NAME_MAX], t[2 * MDG_NAME_MAX];

	mdg_prom_escape(parent, p, sizeof(p));
	mdg_prom_escape(type, t, sizeof(t));
	mdg_fmt(buf, len, "parent=\"%s\",type=\"%s\"", p, t);
}

static void labels_instance(char *buf, size_t len,
			    const struct mdg_instance *in)
{
	char l[4 * MDG_NAME_MAX], u[2 * MDG_NAME_MAX];

	labels_type(l, sizeof(l), in->parent, in->type);
	mdg_prom_escape(in->uuid, u, sizeof(u));
	mdg_fmt(buf, len, "%s,uuid=\"%s\"", l, u);
}

/* Path of @rel for entity @i: a parent, or a vGPU's mdgpu/ directory. */
static int entity_path(const struct mdg_system *sys, bool vgpu, size_t i,
		       const char *rel, char *buf, size_t len)
{
	char r[128];

	if (!vgpu)
		return mdg_parent_path(&sys->parents[i], rel, buf, len);
	mdg_fmt(r, sizeof(r), "mdgpu/%s", rel);
	return mdg_instance_path(&sys->instances[i], r, buf, len);
}

static void entity_labels(const struct mdg_system *sys, bool vgpu, size_t i,
			  char *buf, size_t len)
{
	if (vgpu)
		labels_instance(buf, len, &sys->instances[i]);
	else
		labels_parent(buf, len, sys->parents[i].name);
}

/*
 * Drop up to @frac trailing zeroes of a decimal: a file's own decimals
 * appear in the metric only when it had them ("30" % -> 0.30, "12.5" % ->
 * 0.125).
 */
static void trim_frac(char *v, int frac)
{
	size_t n = strlen(v);

	while (frac-- > 0 && n && v[n - 1] == '0')
		v[--n] = 0;
}

/* Decimals a vGPU file shows itself: a share tunable's, else none. */
static int file_frac(bool vgpu, const char *file)
{
	size_t i;

	for (i = 0; vgpu && i < mdg_nr_tunables; i++)
		if (mdg_tunables[i].scope == MDG_SCOPE_INSTANCE &&
		    mdg_tunables[i].kind == MDG_KIND_SHARE &&
		    !strcmp(mdg_tunables[i].file, file))
			return MDG_SHARE_DECIMALS;
	return 0;
}

/* One family per numeric file, a sample per parent or vGPU that has it. */
static void write_files(FILE *f, const struct mdg_system *sys, bool vgpu,
			const struct mdg_metric_file *files, size_t nr_files)
{
	size_t nr = vgpu ? sys->nr_instances : sys->nr_parents;
	char path[PATH_MAX], l[512], v[32];
	size_t k, i;

	for (k = 0; k < nr_files; k++) {
		int frac = file_frac(vgpu, files[k].file);
		bool head = false;

		for (i = 0; i < nr; i++) {
			uint64_t val;

			if (entity_path(sys, vgpu, i, files[k].file, path,
					sizeof(path)) ||
			    (frac ? mdg_read_fixed(path, frac, &val) :
			     mdg_read_u64(path, &val)))
				continue;
			if (!head)
				family(f, files[k].metric,
				       files[k].counter ? "counter" : "gauge",
				       files[k].help);
			head = true;
			entity_labels(sys, vgpu, i, l, sizeof(l));
			mdg_prom_decimal(val, files[k].decimals + frac, v,
					 sizeof(v));
			trim_frac(v, frac);
			fprintf(f, "%s{%s} %s\n", files[k].metric, l, v);
		}
	}
}

/*
 * One family per word-valued file: a sample per known word, 1 for the
 * file's word. A word the table does not know gets a sample of its own,
 * so a new state shows rather than reading as none.
 */
static void write_states(FILE *f, const struct mdg_system *sys, bool vgpu,
			 const struct mdg_state_file *files, size_t nr_files)
{
	size_t nr = vgpu ? sys->nr_instances : sys->nr_parents;
	char path[PATH_MAX], l[512], word[64], w[128];
	size_t k, i, j;

	for (k = 0; k < nr_files; k++) {
		bool head = false;

		for (i = 0; i < nr; i++) {
			bool known = false;

			if (entity_path(sys, vgpu, i, files[k].file, path,
					sizeof(path)) ||
			    mdg_read_str(path, word, sizeof(word)))
				continue;
			if (!head)
				family(f, files[k].metric, "gauge",
				       files[k].help);
			head = true;
			entity_labels(sys, vgpu, i, l, sizeof(l));
			for (j = 0; files[k].words[j]; j++) {
				bool cur = !strcmp(word, files[k].words[j]);

				known |= cur;
				fprintf(f, "%s{%s,%s=\"%s\"} %d\n",
					files[k].metric, l, files[k].label,
					files[k].words[j], cur);
			}
			if (!known && word[0]) {
				mdg_prom_escape(word, w, sizeof(w));
				fprintf(f, "%s{%s,%s=\"%s\"} 1\n",
					files[k].metric, l, files[k].label, w);
			}
		}
	}
}

/* Whether @key can be a label of mdgpu_type_info: [a-z_][a-z0-9_]*. */
static bool info_label_ok(const char *key, size_t n)
{
	static const char *const taken[] = {
		"parent", "type", "name", "device_api", "le", NULL
	};
	size_t i;

	if (!n || n >= 32 || (key[0] >= '0' && key[0] <= '9'))
		return false;
	for (i = 0; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_' ||
		      (key[i] >= '0' && key[i] <= '9')))
			return false;
	for (i = 0; taken[i]; i++)
		if (strlen(taken[i]) == n && !strncmp(taken[i], key, n))
			return false;
	return true;
}

/*
 * mdgpu_type_info: the type's name, device API and every key=value pair of
 * its description line as labels (keys the module adds later included).
 */
static void write_type_info(FILE *f, const struct mdg_parent *p,
			    const struct mdg_type *t)
{
	char l[256], esc[256], desc[256], *save = NULL, *tok;
	const char *seen[32];
	size_t nr_seen = 0, i;

	labels_type(l, sizeof(l), p->name, t->dir);
	fprintf(f, "mdgpu_type_info{%s", l);
	mdg_prom_escape(t->name, esc, sizeof(esc));
	fprintf(f, ",name=\"%s\"", esc);
	mdg_prom_escape(t->device_api, esc, sizeof(esc));
	fprintf(f, ",device_api=\"%s\"", esc);
	mdg_fmt(desc, sizeof(desc), "%s", t->description);
	for (tok = strtok_r(desc, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		bool dup = false;

		if (!eq || !info_label_ok(tok, eq - tok))
			continue;
		*eq = 0;
		/* A key repeated in the line: the first one counts. */
		for (i = 0; i < nr_seen; i++)
			dup |= !strcmp(seen[i], tok);
		if (dup || nr_seen == ARRAY_SIZE(seen))
			continue;
		seen[nr_seen++] = tok;
		mdg_prom_escape(eq + 1, esc, sizeof(esc));
		fprintf(f, ",%s=\"%s\"", tok, esc);
	}
	fprintf(f, "} 1\n");
}

static void write_types(FILE *f, const struct mdg_system *sys)
{
	static const struct {
		const char *name;
		const char *help;
	} fam[] = {
		{ "mdgpu_type_framebuffer_bytes",
		  "Framebuffer (VRAM) size of each vGPU of the type." },
		{ "mdgpu_type_max_instances",
		  "vGPUs of the type alone that fit in the empty parent." },
		{ "mdgpu_type_available_instances",
		  "vGPUs of the type that can still be created on the parent." },
	};
	char l[256];
	size_t i, j, k;

	for (i = 0; i < sys->nr_parents; i++) {
		if (!sys->parents[i].nr_types)
			continue;
		family(f, "mdgpu_type_info", "gauge",
		       "vGPU types with their static facts as labels (name, device API, description keys); always 1.");
		break;
	}
	for (i = 0; i < sys->nr_parents; i++)
		for (j = 0; j < sys->parents[i].nr_types; j++)
			write_type_info(f, &sys->parents[i],
					&sys->parents[i].types[j]);

	for (k = 0; k < ARRAY_SIZE(fam); k++) {
		bool head = false;

		for (i = 0; i < sys->nr_parents; i++) {
			const struct mdg_parent *p = &sys->parents[i];

			for (j = 0; j < p->nr_types; j++) {
				const struct mdg_type *t = &p->types[j];
				int64_t v = k == 0 ? (t->desc.framebuffer ?
					(int64_t)t->desc.framebuffer : -1) :
					k == 1 ? t->desc.max_instances :
					t->available;

				if (v < 0)
					continue;
				if (!head)
					family(f, fam[k].name, "gauge",
					       fam[k].help);
				head = true;
				labels_type(l, sizeof(l), p->name, t->dir);
				fprintf(f, "%s{%s} %lld\n", fam[k].name, l,
					(long long)v);
			}
		}
	}
}

/*
 * mdgpu_vgpu_wait_latency_seconds: the module's wait_histogram as a
 * Prometheus histogram. Bucket 0 counts waits under 2 us, bucket k waits
 * in [2^k, 2^(k+1)) us, the last one everything longer: cumulative, the
 * upper bound of bucket k is le = 2^(k+1) us, the last is +Inf. The module
 * sorts a wait by whole microseconds, so a wait of exactly 2^(k+1) us
 * (to the nanosecond) is counted one bucket higher than le says.
 * _sum is wait_latency_sum_us, _count the total of the buckets.
 */
static void write_wait_histogram(FILE *f, const struct mdg_system *sys)
{
	static const char *const name = "mdgpu_vgpu_wait_latency_seconds";
	char path[PATH_MAX], l[512], line[512], v[32];
	bool head = false;
	size_t i;
	int b;

	for (i = 0; i < sys->nr_instances; i++) {
		uint64_t counts[MDG_WAIT_BUCKETS], cum = 0, sum;

		if (entity_path(sys, true, i, "wait_histogram", path,
				sizeof(path)) ||
		    mdg_read_str(path, line, sizeof(line)) ||
		    mdg_wait_hist_parse(line, counts))
			continue;
		if (!head)
			family(f, name, "histogram",
			       "Time from a vGPU having work (or being preempted with work left) to running.");
		head = true;
		labels_instance(l, sizeof(l), &sys->instances[i]);
		for (b = 0; b < MDG_WAIT_BUCKETS; b++) {
			cum += counts[b];
			if (b == MDG_WAIT_BUCKETS - 1)
				mdg_fmt(v, sizeof(v), "+Inf");
			else
				mdg_prom_decimal(2ULL << b, 6, v, sizeof(v));
			fprintf(f, "%s_bucket{%s,le=\"%s\"} %llu\n",
				name, l, v, (unsigned long long)cum);
		}
		if (!entity_path(sys, true, i, "wait_latency_sum_us", path,
				 sizeof(path)) && !mdg_read_u64(path, &sum)) {
			mdg_prom_decimal(sum, 6, v, sizeof(v));
			fprintf(f, "%s_sum{%s} %s\n", name, l, v);
		}
		fprintf(f, "%s_count{%s} %llu\n", name, l,
			(unsigned long long)cum);
	}
}

/**
 * mdg_metrics_write() - write the exposition of a snapshot
 * @f: output
 * @sys: the snapshot
 *
 * Return: 0, or -EIO if writing failed.
 */
int mdg_metrics_write(FILE *f, const struct mdg_system *sys)
{
	char l[512];
	size_t i;

	family(f, "mdgpu_up", "gauge",
	       "Whether the mdgpu module is loaded (1) or not (0).");
	fprintf(f, "mdgpu_up %d\n", sys->loaded ? 1 : 0);

	if (sys->nr_parents) {
		family(f, "mdgpu_parent_info", "gauge",
		       "Parent GPUs of mdgpu, with their backend; always 1.");
		for (i = 0; i < sys->nr_parents; i++) {
			char b[64];

			labels_parent(l, sizeof(l), sys->parents[i].name);
			mdg_prom_escape(sys->parents[i].backend, b, sizeof(b));
			fprintf(f, "mdgpu_parent_info{%s,backend=\"%s\"} 1\n",
				l, b);
		}
	}
	if (sys->loaded) {
		char path[PATH_MAX], v[32];
		uint64_t ms;

		if (!mdg_path(path, sizeof(path),
			      "/sys/module/mdgpu/parameters/hang_timeout_ms") &&
		    !mdg_read_u64(path, &ms)) {
			family(f, "mdgpu_hang_timeout_seconds", "gauge",
			       "A parent's engine that finishes no chunk for this long is hung (hang_timeout_ms).");
			mdg_prom_decimal(ms, 3, v, sizeof(v));
			fprintf(f, "mdgpu_hang_timeout_seconds %s\n", v);
		}
	}
	write_states(f, sys, false, parent_states, ARRAY_SIZE(parent_states));
	write_files(f, sys, false, parent_files, ARRAY_SIZE(parent_files));
	write_types(f, sys);

	if (sys->nr_instances) {
		family(f, "mdgpu_vgpu_info", "gauge",
		       "vGPUs (mdgpu instances) with their parent and type; always 1.");
		for (i = 0; i < sys->nr_instances; i++) {
			labels_instance(l, sizeof(l), &sys->instances[i]);
			fprintf(f, "mdgpu_vgpu_info{%s} 1\n", l);
		}
		family(f, "mdgpu_vgpu_open", "gauge",
		       "Whether a process (a VM) holds the vGPU's VFIO device open.");
		for (i = 0; i < sys->nr_instances; i++) {
			labels_instance(l, sizeof(l), &sys->instances[i]);
			fprintf(f, "mdgpu_vgpu_open{%s} %d\n", l,
				sys->instances[i].nr_holders ? 1 : 0);
		}
		family(f, "mdgpu_vgpu_removing", "gauge",
		       "Whether the vGPU's removal is pending, waiting for its user to close it.");
		for (i = 0; i < sys->nr_instances; i++) {
			labels_instance(l, sizeof(l), &sys->instances[i]);
			fprintf(f, "mdgpu_vgpu_removing{%s} %d\n", l,
				sys->instances[i].removing ? 1 : 0);
		}
	}
	write_states(f, sys, true, vgpu_states, ARRAY_SIZE(vgpu_states));
	write_files(f, sys, true, vgpu_files, ARRAY_SIZE(vgpu_files));
	write_wait_histogram(f, sys);
	return ferror(f) ? -EIO : 0;
}

/* Write to a hidden temporary file beside @path, then rename it over. */
static int write_atomic(const char *path, const struct mdg_system *sys)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], tmp[PATH_MAX];
	int fd, ret = 0;
	FILE *f;

	mdg_fmt(dirbuf, sizeof(dirbuf), "%s", path);
	mdg_fmt(basebuf, sizeof(basebuf), "%s", path);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dirbuf),
		     basename(basebuf)) >= (int)sizeof(tmp))
		return mdg_fail(MDG_EXIT_USAGE, "%s: name too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return mdg_fail(MDG_EXIT_FAIL,
				"cannot create a temporary file beside %s (%s): %s",
				path, tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return mdg_fail(MDG_EXIT_FAIL, "%s: %s", tmp, strerror(errno));
	}
	errno = 0;
	if (mdg_metrics_write(f, sys) || fflush(f) || fsync(fileno(f)) ||
	    fchmod(fileno(f), 0644))
		ret = errno ? errno : EIO;
	if (fclose(f) && !ret)
		ret = errno;
	if (!ret && rename(tmp, path))
		ret = errno;
	if (ret) {
		unlink(tmp);
		return mdg_fail(MDG_EXIT_FAIL, "cannot write %s: %s", path,
				strerror(ret));
	}
	return MDG_EXIT_OK;
}

static const struct option metrics_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * mdgpuctl metrics [--output FILE]
 *
 * Succeeds without the module (mdgpu_up 0), so a periodic job keeps the
 * textfile current.
 */
int mdg_cmd_metrics(int argc, char **argv)
{
	const char *output = NULL;
	struct mdg_system sys;
	int c, ret, rc = MDG_EXIT_OK;

	while ((c = getopt_long(argc, argv, "o:h", metrics_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			fprintf(mdg_out, "usage: mdgpuctl metrics [--output FILE]\n");
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return mdg_fail(MDG_EXIT_USAGE,
				"usage: mdgpuctl metrics [--output FILE]");
	ret = mdg_system_load(&sys);
	if (ret)
		rc = mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s", strerror(-ret));
	else if (output)
		rc = write_atomic(output, &sys);
	else if (mdg_metrics_write(mdg_out, &sys))
		rc = mdg_fail(MDG_EXIT_FAIL, "writing to standard output failed");
	mdg_system_free(&sys);
	return rc;
}
