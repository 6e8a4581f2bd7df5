/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpuctl: the administrator's tool for mdgpu vGPUs.
 *
 * Everything the tool knows comes from sysfs (and /proc for who holds a
 * device), read through mdg_path() so that MDGPU_SYSFS_ROOT can point the
 * whole tool at a fake tree. The pieces:
 *
 *   sysfs.c       paths, reading and writing attribute files, error words
 *   model.c       parents, types and instances as plain data
 *   holders.c     which processes hold an instance's VFIO device
 *   fit.c         the VRAM placement rule as a pure simulation, and a
 *                 parent's free capacity as plain data (mdg_cap_fit():
 *                 create's placement and mdgpu-balancer's moves)
 *   tunables.c    the table of tunables, their validation, get and set
 *   stats.c       the table of per-instance statistics (top, stats, metrics)
 *   table.c       tables through libsmartcols (-o, --raw, --noheadings, --csv)
 *   place.c       which parent a new instance goes on (spread, pack)
 *   migfile.c     checkpoint files (the migration stream) and migration_compat
 *   migrate.c     saving and restoring a state through VFIO migration
 *                 (migrate.h), and relocation on the module
 *   relocate.c    the steps of moving an instance to another parent and
 *                 their rollback, over an ops table (relocate.h)
 *   files.c       the module's other files the tool uses (with stats.c and
 *                 tunables.c: everything of Documentation/ABI/ it knows)
 *   cmd_*.c       one file per group of subcommands
 */
#ifndef MDGPUCTL_H
#define MDGPUCTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "uapi/mdgpu_migration.h"
#include "lib/mdgpu_mig.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Exit codes (documented in mdgpuctl.8, EXIT STATUS). */
enum mdg_exit {
	MDG_EXIT_OK = 0,
	MDG_EXIT_FAIL = 1,	/* generic failure; "no" from fit */
	MDG_EXIT_USAGE = 2,	/* bad command line or value */
	MDG_EXIT_NOTFOUND = 3,	/* no such parent, type, instance or file */
	MDG_EXIT_REFUSED = 4,	/* the kernel refused (errno shown) */
	MDG_EXIT_BUSY = 5,	/* the device is in use */
};

#define MDG_NAME_MAX	64
#define MDG_UUID_LEN	36
#define MDG_MAX_HOLDERS	8

/* Where output goes; the unit tests point these at memory streams. */
extern FILE *mdg_out;
extern FILE *mdg_err;
/* The name messages start with ("mdgpuctl"; mdgpu-balancer sets its own). */
extern const char *mdg_prog;

int mdgpuctl_main(int argc, char **argv);

/*
 * Called with every path mdg_read_str(), mdg_write_str() and mdg_exists()
 * are given; NULL in the tool. The unit tests check with it that every
 * file of the module that mdgpuctl touches is documented in
 * Documentation/ABI/.
 */
extern void (*mdg_file_hook)(const char *path, bool write);

/* --- sysfs.c ------------------------------------------------------------ */

const char *mdg_root(void);
int mdg_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mdg_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mdg_read_str(const char *path, char *buf, size_t len);
int mdg_read_u64(const char *path, uint64_t *val);
int mdg_parse_fixed(const char *s, int frac, uint64_t *val);
int mdg_read_fixed(const char *path, int frac, uint64_t *val);
int mdg_read_s64(const char *path, int64_t *val);
int mdg_write_str(const char *path, const char *val);
bool mdg_exists(const char *path);
int mdg_readlink_base(const char *path, char *buf, size_t len);
const char *mdg_errno_name(int err);
int mdg_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mdg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int mdg_errno_exit(int err);
bool mdg_uuid_valid(const char *s, char *canon);
int mdg_parse_size(const char *s, uint64_t *bytes);
void mdg_fmt_size(char *buf, size_t len, uint64_t bytes);

/* --- table.c ------------------------------------------------------------ */

#define MDG_TABLE_MAX_COLS 32

/* Column flags. */
#define MDG_COL_RIGHT	0x1	/* right-aligned (numbers) */
#define MDG_COL_EXTRA	0x2	/* only shown when -o names it */

/**
 * struct mdg_col - a column a table can have
 * @name: header, and its name for -o (matched case-insensitively)
 * @flags: MDG_COL_*
 */
struct mdg_col {
	const char *name;
	unsigned int flags;
};

/**
 * struct mdg_table_opts - the user's output options for tables
 * @columns: -o's list ("A,B", or "+A" to add to the default), NULL: default
 * @raw: --raw (single-space separated, unsafe characters escaped)
 * @noheadings: --noheadings
 * @csv: --csv (RFC 4180, CRLF line ends)
 */
struct mdg_table_opts {
	const char *columns;
	bool raw;
	bool noheadings;
	bool csv;
};

/* getopt codes of the table options; MDG_TABLE_LONGOPTS lists them. */
#define MDG_OPT_RAW		'r'
#define MDG_OPT_NOHEADINGS	'n'
#define MDG_OPT_CSV		0x100
#define MDG_TABLE_SHORTOPTS	"o:rn"
#define MDG_TABLE_LONGOPTS						\
	{ "output", required_argument, NULL, 'o' },			\
	{ "raw", no_argument, NULL, MDG_OPT_RAW },			\
	{ "noheadings", no_argument, NULL, MDG_OPT_NOHEADINGS },	\
	{ "csv", no_argument, NULL, MDG_OPT_CSV }

struct mdg_table;
int mdg_table_new(struct mdg_table **out, const struct mdg_col *cols,
		  size_t nr_cols, const struct mdg_table_opts *o);
int mdg_table_row(struct mdg_table *t, const char *const *cells);
int mdg_table_print(struct mdg_table *t, bool headings);
void mdg_table_free(struct mdg_table *t);
bool mdg_table_opt(int c, const char *arg, struct mdg_table_opts *o);
const char *mdg_table_col_names(const struct mdg_col *cols, size_t n);

/* --- place.c ------------------------------------------------------------ */

enum mdg_place_policy { MDG_PLACE_SPREAD, MDG_PLACE_PACK };

/**
 * struct mdg_place_cand - a parent a new instance could go on
 * @vram_total: the parent's VRAM, bytes (<= 0: unknown)
 * @vram_used: VRAM its instances reserve, bytes (< 0: unknown)
 * @need: the new instance's framebuffer, bytes
 * @load: the engine's busy fraction now, 0 to 1 (< 0: unknown)
 */
struct mdg_place_cand {
	int64_t vram_total;
	int64_t vram_used;
	uint64_t need;
	double load;
};

int mdg_place_policy_parse(const char *s, enum mdg_place_policy *pol);
double mdg_place_free_after(const struct mdg_place_cand *c);
double mdg_place_score(const struct mdg_place_cand *c,
		       enum mdg_place_policy pol);
int mdg_place_pick(const struct mdg_place_cand *c, size_t n,
		   enum mdg_place_policy pol);

/* --- model.c ------------------------------------------------------------ */

/**
 * struct mdg_desc - the fields of a type's description line
 * @framebuffer: bytes, 0 if absent
 * @max_instances: -1 if absent
 * @max_width: 0 if absent
 * @max_height: 0 if absent
 * @display: empty if absent
 */
struct mdg_desc {
	uint64_t framebuffer;
	int64_t max_instances;
	unsigned int max_width;
	unsigned int max_height;
	char display[32];
};

int mdg_parse_description(const char *line, struct mdg_desc *d);

/**
 * struct mdg_type - a vGPU type offered by a parent
 * @dir: type directory name, e.g. "mdgpu-64M"
 * @name: the name attribute, e.g. "mdgpu 64M"
 * @description: the raw description line
 * @device_api: the device_api attribute
 * @desc: the parsed description
 * @available: available_instances, -1 if unreadable
 */
struct mdg_type {
	char dir[MDG_NAME_MAX];
	char name[MDG_NAME_MAX];
	char description[256];
	char device_api[32];
	struct mdg_desc desc;
	int64_t available;
};

/* Most reservations a parent holds (the module's MDGPU_RESV_MAX). */
#define MDG_MAX_RESV	32

/**
 * struct mdg_resv - a line of a parent's reservations attribute
 * @uuid: the instance it is for
 * @vram: VRAM held for it, bytes (0: none)
 * @share: engine share held for it, parts per million
 * @priority: the class the instance gets when created
 * @offset: byte offset of its VRAM range, -1 without VRAM
 * @held: the instance exists
 */
struct mdg_resv {
	char uuid[MDG_UUID_LEN + 1];
	int64_t vram;
	int64_t share;
	int priority;
	int64_t offset;
	bool held;
};

int mdg_resv_parse(const char *line, struct mdg_resv *r);

/**
 * struct mdg_parent - a parent GPU: /sys/class/mdgpu/NAME, or for a PCI
 *		       parent /sys/bus/pci/devices/NAME
 * @name: e.g. "sim0", or the PCI address of a PCI parent ("0000:00:04.0")
 * @backend: the backend attribute
 * @vram_total: bytes, -1 if unreadable
 * @vram_promised: what instances may be promised: @vram_total under the
 *		   parent's vram_ratio (mdg_vram_promise()); -1 if unreadable
 * @vram_used: bytes, -1 if unreadable
 * @instances: the instances attribute, -1 if unreadable
 * @health: the health attribute ("ok", "degraded", "failed"); "ok" when
 *	    the module has none
 * @health_reason: the health_reason attribute, empty if unreadable
 * @vram_retired: bytes (vram_retired), -1 if unreadable
 * @types: the offered types, smallest framebuffer first
 * @nr_types: entries in @types
 * @resv: its reservations (the reservations attribute), in its order
 * @nr_resv: entries in @resv; 0 also for a module without reservations
 */
struct mdg_parent {
	char name[MDG_NAME_MAX];
	char backend[32];
	int64_t vram_total;
	int64_t vram_promised;
	int64_t vram_used;
	int64_t instances;
	char health[16];
	char health_reason[128];
	int64_t vram_retired;
	struct mdg_type *types;
	size_t nr_types;
	struct mdg_resv resv[MDG_MAX_RESV];
	size_t nr_resv;
};

const struct mdg_resv *mdg_parent_resv(const struct mdg_parent *p,
				       const char *uuid);

/**
 * mdg_parent_healthy() - whether new instances belong on a parent
 * @p: the parent
 *
 * Return: true when its health is "ok"; create and fit skip the others
 * unless the parent is named.
 */
static inline bool mdg_parent_healthy(const struct mdg_parent *p)
{
	return !strcmp(p->health, "ok");
}

/**
 * struct mdg_holder - a process that holds an instance's VFIO device
 * @pid: its pid
 * @comm: its command name
 * @vm: the VM it runs, "" if unknown (QEMU's -name, or libvirt's scope)
 * @vm_source: where @vm came from: "qemu-name", "libvirt-scope" or ""
 */
struct mdg_holder {
	pid_t pid;
	char comm[32];
	char vm[64];
	char vm_source[16];
};

/**
 * struct mdg_instance - an mdgpu instance (/sys/bus/mdev/devices/UUID)
 * @uuid: the UUID, lower case
 * @parent: parent name
 * @type: type directory name
 * @vram_offset: bytes, -1 if unreadable
 * @vram_size: bytes, -1 if unreadable
 * @reset_count: -1 if unreadable
 * @group: IOMMU group number, -1 if none
 * @cdev: name of its VFIO cdev (vfioN), empty if none
 * @holders: processes found holding its group or cdev
 * @nr_holders: entries in @holders
 * @removing: its removal is pending (off the bus, waiting for its user)
 * @holders_unknown: no holder was found, but the open files of some
 *		     process could not be read: it may be held
 * @min_share: its min_share in parts per million, -1 if unreadable
 */
struct mdg_instance {
	char uuid[MDG_UUID_LEN + 1];
	char parent[MDG_NAME_MAX];
	char type[MDG_NAME_MAX];
	int64_t vram_offset;
	int64_t vram_size;
	int64_t reset_count;
	int group;
	char cdev[32];
	struct mdg_holder holders[MDG_MAX_HOLDERS];
	size_t nr_holders;
	bool removing;
	bool holders_unknown;
	int64_t min_share;
};

/**
 * struct mdg_system - a snapshot of everything mdgpu shows in sysfs
 * @loaded: /sys/class/mdgpu exists
 * @parents: the parents, in name order
 * @nr_parents: entries in @parents
 * @instances: the instances, by parent then VRAM offset
 * @nr_instances: entries in @instances
 */
struct mdg_system {
	bool loaded;
	struct mdg_parent *parents;
	size_t nr_parents;
	struct mdg_instance *instances;
	size_t nr_instances;
};

int mdg_system_load(struct mdg_system *sys);
void mdg_system_free(struct mdg_system *sys);
int mdg_require_loaded(const struct mdg_system *sys);
struct mdg_parent *mdg_find_parent(struct mdg_system *sys, const char *name);
struct mdg_type *mdg_find_type(struct mdg_parent *p, const char *name);
struct mdg_instance *mdg_find_instance(struct mdg_system *sys,
				       const char *uuid);
void mdg_type_canon(const char *in, char *out, size_t len);
int mdg_instance_path(const struct mdg_instance *in, const char *rel,
		      char *buf, size_t len);
int mdg_parent_path(const struct mdg_parent *p, const char *rel, char *buf,
		    size_t len);
int mdg_parent_dir_path(const char *parent, const char *rel, char *buf,
			size_t len);
bool mdg_pci_addr_valid(const char *s);

/* --- holders.c ---------------------------------------------------------- */

void mdg_scan_holders(struct mdg_instance *in, size_t nr);
int mdg_probe_group_busy(int group);
void mdg_fmt_holders(const struct mdg_instance *in, char *buf, size_t len);
const char *mdg_instance_state(const struct mdg_instance *in);
const char *mdg_holders_hint(void);
bool mdg_qemu_vm_name(const char *cmdline, size_t len, char *name,
		      size_t size);
bool mdg_libvirt_vm_name(const char *cgroup, char *name, size_t size);

/* --- fit.c -------------------------------------------------------------- */

/**
 * struct mdg_range - a VRAM range
 * @offset: first byte
 * @size: bytes, a power of two; @offset is a multiple of it
 */
struct mdg_range {
	uint64_t offset;
	uint64_t size;
};

int mdg_vram_place(uint64_t total, const struct mdg_range *used, size_t nr,
		   uint64_t size, uint64_t *offset);
int64_t mdg_vram_promise(int64_t total, int64_t ratio);
uint64_t mdg_vram_free_slots(uint64_t total, const struct mdg_range *used,
			     size_t nr, uint64_t size);
int mdg_fit_simulate(uint64_t total, const struct mdg_range *used,
		     size_t nr_used, const uint64_t *sizes, size_t nr_sizes,
		     struct mdg_range *placed, size_t *nr_placed);
size_t mdg_parent_used_ranges(const struct mdg_system *sys,
			      const struct mdg_parent *p, struct mdg_range *r,
			      uint64_t *sum);
size_t mdg_parent_resv_ranges(const struct mdg_parent *p);
int mdg_fit_compacted_around(uint64_t total, const struct mdg_range *fixed,
			     size_t nr_fixed, const struct mdg_range *used,
			     size_t nr_used, const uint64_t *sizes,
			     size_t nr_sizes);
int mdg_fit_compacted(uint64_t total, const struct mdg_range *used,
		      size_t nr_used, const uint64_t *sizes, size_t nr_sizes);

/* The whole engine in parts per million (the scheduler's SHARE_ONE). */
#define MDG_SHARE_ONE	1000000ULL

/**
 * struct mdg_cap - what a parent has left for new instances, plain data
 *		    (see mdg_cap_fit())
 * @healthy: its health is "ok": it takes new instances
 * @vram: the VRAM it promises (vram_promised), bytes; 0 if unknown
 * @used: the ranges in use: its instances' and its reservations'
 * @nr_used: entries in @used
 * @max_used: room in @used
 * @share: engine share committed, ppm: unheld reservations plus, per
 *	   instance, the larger of its min_share and its reservation
 */
struct mdg_cap {
	bool healthy;
	uint64_t vram;
	struct mdg_range *used;
	size_t nr_used;
	size_t max_used;
	uint64_t share;
};

/* Why an instance does not fit (mdg_cap_fit()). */
enum mdg_fit_verdict {
	MDG_FIT_OK,		/* it fits */
	MDG_FIT_UNHEALTHY,	/* the parent's health is not "ok" */
	MDG_FIT_UNKNOWN,	/* VRAM or framebuffer size unknown */
	MDG_FIT_NO_VRAM,	/* no free aligned range of its size */
	MDG_FIT_NO_SHARE,	/* its min_share would pass the engine */
};

int mdg_cap_init(struct mdg_cap *c, const struct mdg_system *sys,
		 const struct mdg_parent *p, struct mdg_range *room,
		 size_t max);
bool mdg_cap_admits(const struct mdg_cap *c, uint64_t min_share);
enum mdg_fit_verdict mdg_cap_fit(const struct mdg_cap *c, uint64_t size,
				 uint64_t min_share, uint64_t *offset);
enum mdg_fit_verdict mdg_cap_take(struct mdg_cap *c, uint64_t size,
				  uint64_t min_share, uint64_t *offset);
void mdg_cap_release(struct mdg_cap *c, uint64_t offset, uint64_t size,
		     uint64_t min_share);
void mdg_fit_verdict_fmt(const struct mdg_cap *c, enum mdg_fit_verdict v,
			 uint64_t size, uint64_t min_share, char *buf,
			 size_t len);

/* --- tunables.c --------------------------------------------------------- */

enum mdg_scope { MDG_SCOPE_PARENT, MDG_SCOPE_INSTANCE, MDG_SCOPE_MODULE };
/*
 * MDG_KIND_SHARE: a percent with up to MDG_SHARE_DECIMALS decimals
 * (min_share: one part per million); @min and @max are whole percents.
 */
enum mdg_kind { MDG_KIND_INT, MDG_KIND_WORD, MDG_KIND_SHARE, MDG_KIND_RESV };
#define MDG_SHARE_DECIMALS	4
#define MDG_SHARE_PERCENT	10000	/* 10^MDG_SHARE_DECIMALS */

/**
 * struct mdg_tunable - one tunable and how to find and check it
 * @name: what the user types
 * @scope: parent, instance or module
 * @file: relative to the parent directory, to the instance's mdgpu/, or
 *	  to /sys/module/mdgpu/parameters/
 * @kind: integer in [@min, @max], a share (percent with decimals) in
 *	  [@min, @max], one of @words, or a reservation line
 *	  (UUID:VRAM_MB:SHARE_PPM:PRIORITY or -UUID) added to a list file
 * @min: smallest integer value
 * @max: largest integer value
 * @words: NULL-terminated accepted words
 * @unit: unit shown in help
 * @help: one line of help
 */
struct mdg_tunable {
	const char *name;
	enum mdg_scope scope;
	const char *file;
	enum mdg_kind kind;
	long long min;
	long long max;
	const char *const *words;
	const char *unit;
	const char *help;
};

extern const struct mdg_tunable mdg_tunables[];
extern const size_t mdg_nr_tunables;

const struct mdg_tunable *mdg_tunable_find(const char *name);
struct json_object *mdg_tunable_json(const struct mdg_tunable *t,
				     const char *val);
const char *mdg_scope_name(enum mdg_scope scope);
int mdg_tunable_check(const struct mdg_tunable *t, const char *val,
		      char *why, size_t len);
int mdg_tunable_path(const struct mdg_tunable *t, const char *target,
		     char *buf, size_t len);
int mdg_tunable_read(const struct mdg_tunable *t, const char *target,
		     char *val, size_t len);
int mdg_resv_spec_check(const char *val);

/* --- migfile.c --------------------------------------------------------- */

/* The stream checker (struct mdg_mig_scan) is in tools/lib/mdgpu_mig.h. */
int mdg_mig_compat_parse(const char *line, struct mdg_mig_compat_info *c);
void mdg_mig_compat_fmt(const struct mdg_mig_compat_info *c, char *buf,
			size_t len);
int mdg_mig_compat_check(const struct mdg_mig_compat_info *src,
			 const struct mdg_mig_compat_info *dst, char *why,
			 size_t len);
const char *mdg_mig_errno_meaning(int err);

/* --- stats.c ------------------------------------------------------------ */

/* A histogram file holds MDG_HIST_BUCKETS counters; its value is their sum. */
enum mdg_stat_kind { MDG_STAT_GAUGE, MDG_STAT_COUNTER, MDG_STAT_HISTOGRAM };
enum mdg_stat_show { MDG_SHOW_BYTES, MDG_SHOW_INT, MDG_SHOW_RATE,
		     MDG_SHOW_SHARE, MDG_SHOW_HEX };

#define MDG_HIST_BUCKETS	16

/**
 * struct mdg_stat - a statistic of an instance (a file in its mdgpu/
 *		     directory) or of a parent (a file in its directory)
 * @key: JSON key and file name
 * @kind: gauge or counter
 * @scale: factor from the file's unit to seconds (shares in top)
 * @help: HELP text
 * @header: column header in top, NULL for no column
 * @width: column width in top
 * @show: how top shows it: as is, or as a rate or share per second; HEX:
 *	  the file is hexadecimal
 */
struct mdg_stat {
	const char *key;
	enum mdg_stat_kind kind;
	double scale;
	const char *help;
	const char *header;
	int width;
	enum mdg_stat_show show;
};

extern const struct mdg_stat mdg_stats[];
extern const size_t mdg_nr_stats;
extern const struct mdg_stat mdg_parent_stats[];
extern const size_t mdg_nr_parent_stats;

/**
 * struct mdg_sample - the values of mdg_stats[] for one instance (or of
 *		       mdg_parent_stats[] for one parent)
 * @have: whether the file exists and parsed
 * @val: the value, in the file's unit
 * @have_hist: the histogram (wait_histogram) was read
 * @hist: its buckets
 */
struct mdg_sample {
	bool have[32];
	int64_t val[32];
	bool have_hist;
	uint64_t hist[MDG_HIST_BUCKETS];
};

void mdg_stats_read(const struct mdg_instance *in, struct mdg_sample *s);
void mdg_parent_stats_read(const struct mdg_parent *p, struct mdg_sample *s);
int mdg_stat_index(const struct mdg_stat *table, size_t n, const char *key);
const char *mdg_err_name(int64_t code);
const char *mdg_op_name(unsigned int op);

/* --- files.c ------------------------------------------------------------ */

/**
 * struct mdg_file - a file of the module that is no statistic or tunable
 * @what: its path as Documentation/ABI/ writes it ("What:")
 * @use: the commands that read or write it
 */
struct mdg_file {
	const char *what;
	const char *use;
};

extern const struct mdg_file mdg_files[];
extern const size_t mdg_nr_files;

/* --- commands ----------------------------------------------------------- */

int mdg_cmd_list(int argc, char **argv);
int mdg_cmd_stats(int argc, char **argv);
int mdg_cmd_create(int argc, char **argv);
int mdg_cmd_remove(int argc, char **argv);
int mdg_cmd_get(int argc, char **argv);
int mdg_cmd_set(int argc, char **argv);
int mdg_cmd_top(int argc, char **argv);
int mdg_cmd_metrics(int argc, char **argv);
int mdg_cmd_fit(int argc, char **argv);
int mdg_cmd_compact(int argc, char **argv);
int mdg_cmd_screenshot(int argc, char **argv);
int mdg_cmd_mdevctl(int argc, char **argv);
int mdg_cmd_start_reserved(int argc, char **argv);
int mdg_create_write(const struct mdg_parent *p, const struct mdg_type *t,
		     const char *uuid);
void mdg_create_undo(const char *uuid);
int mdg_cmd_checkpoint(int argc, char **argv);
int mdg_cmd_restore(int argc, char **argv);
int mdg_cmd_evacuate(int argc, char **argv);

struct json_object;
struct json_object *mdg_parent_json(const struct mdg_parent *p,
				    bool with_stats);
struct json_object *mdg_instance_json(const struct mdg_instance *in,
				      bool with_stats);
struct json_object *mdg_module_json(void);
int mdg_cmd_show(int argc, char **argv);
const char *mdg_vgpu_health(const struct mdg_instance *in,
			    const struct mdg_parent *p, int64_t err_code,
			    char *why, size_t len);

int mdg_tunable_apply(const char *target, const char *assignment);
int mdg_metrics_write(FILE *f, const struct mdg_system *sys);
void mdg_prom_escape(const char *in, char *out, size_t len);
void mdg_prom_decimal(uint64_t v, int decimals, char *out, size_t len);
int mdg_wait_hist_parse(const char *line, uint64_t *counts);
int mdg_top_frame(FILE *f, const struct mdg_system *sys,
		  const struct mdg_system *prev_sys,
		  const struct mdg_sample *prev, const struct mdg_sample *cur,
		  double interval);

#endif /* MDGPUCTL_H */
