// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: a snapshot of mdgpu's parents, types and instances, read from
 * sysfs into plain structures that the commands format.
 *
 * Parents are the entries of /sys/class/mdgpu (simulated parents) and the
 * PCI devices bound to mdgpu's PCI driver, the entries of
 * /sys/bus/pci/drivers/mdgpu named after a PCI address (PCI parents, whose
 * attributes are in /sys/bus/pci/devices/<address>/). Instances are the
 * entries of /sys/bus/mdev/devices that belong to mdgpu: bound to the
 * driver named "mdgpu", or (if unbound for a moment) created from a type of
 * an mdgpu parent. Other mdev devices (mtty, mbochs, real vGPUs) and other
 * PCI devices with mdev types are left out.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mdgpuctl.h"

/**
 * mdg_parse_description() - parse a type's description line
 * @line: space-separated key=value pairs
 * @d: the known fields; others are left at their "absent" value
 *
 * Unknown keys and words without '=' are ignored, as the ABI asks.
 *
 * Return: number of known keys parsed, or -EINVAL if a known key has a
 * malformed value (the other fields are still filled).
 */
int mdg_parse_description(const char *line, struct mdg_desc *d)
{
	char buf[512], *tok, *save = NULL;
	int known = 0, bad = 0;

	memset(d, 0, sizeof(*d));
	d->max_instances = -1;
	mdg_fmt(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *val = strchr(tok, '='), *end;

		if (!val)
			continue;
		*val++ = 0;
		if (!strcmp(tok, "framebuffer")) {
			if (mdg_parse_size(val, &d->framebuffer) ||
			    !d->framebuffer) {
				d->framebuffer = 0;
				bad++;
				continue;
			}
		} else if (!strcmp(tok, "max_instances")) {
			long long v;

			errno = 0;
			v = strtoll(val, &end, 10);
			if (errno || end == val || *end || v < 0) {
				bad++;
				continue;
			}
			d->max_instances = v;
		} else if (!strcmp(tok, "max_resolution")) {
			unsigned int w, h;
			char x, extra;

			if (sscanf(val, "%u%c%u%c", &w, &x, &h, &extra) != 3 ||
			    x != 'x' || !w || !h) {
				bad++;
				continue;
			}
			d->max_width = w;
			d->max_height = h;
		} else if (!strcmp(tok, "display")) {
			mdg_fmt(d->display, sizeof(d->display), "%s", val);
		} else {
			continue;
		}
		known++;
	}
	return bad ? -EINVAL : known;
}

static int cmp_name(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in a directory, sorted naturally (sim2 before sim10), without
 * dot entries. Returns the count or a negative errno; *names is NULL-safe
 * to free with free_names().
 */
static int list_dir(const char *path, char ***names)
{
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	*names = NULL;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			goto nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	*names = v;
	return n;
nomem:
	closedir(d);
	while (n)
		free(v[--n]);
	free(v);
	return -ENOMEM;
}

static void free_names(char **names, int n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

static int64_t read_s64_or(const char *path, int64_t dflt)
{
	int64_t v;

	return mdg_read_s64(path, &v) ? dflt : v;
}

static int cmp_type(const void *a, const void *b)
{
	const struct mdg_type *x = a, *y = b;

	if (x->desc.framebuffer != y->desc.framebuffer)
		return x->desc.framebuffer < y->desc.framebuffer ? -1 : 1;
	return strverscmp(x->dir, y->dir);
}

static int load_types(struct mdg_parent *p)
{
	char path[PATH_MAX];
	char **names;
	int n, i;

	if (mdg_parent_path(p, "mdev_supported_types", path, sizeof(path)))
		return -ENAMETOOLONG;
	n = list_dir(path, &names);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return n;
	p->types = calloc(n ? n : 1, sizeof(*p->types));
	if (!p->types) {
		free_names(names, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct mdg_type *t = &p->types[p->nr_types];
		char f[PATH_MAX];

		mdg_fmt(t->dir, sizeof(t->dir), "%s", names[i]);
		mdg_fmt(f, sizeof(f), "%s/%s/name", path, names[i]);
		mdg_read_str(f, t->name, sizeof(t->name));
		mdg_fmt(f, sizeof(f), "%s/%s/description", path, names[i]);
		mdg_read_str(f, t->description, sizeof(t->description));
		mdg_fmt(f, sizeof(f), "%s/%s/device_api", path, names[i]);
		mdg_read_str(f, t->device_api, sizeof(t->device_api));
		mdg_fmt(f, sizeof(f), "%s/%s/available_instances", path,
			 names[i]);
		t->available = read_s64_or(f, -1);
		mdg_parse_description(t->description, &t->desc);
		p->nr_types++;
	}
	free_names(names, n);
	qsort(p->types, p->nr_types, sizeof(*p->types), cmp_type);
	return 0;
}

/**
 * mdg_pci_addr_valid() - whether a name is a PCI address
 * @s: e.g. "0000:00:04.0" (domain:bus:slot.function, lower-case hex)
 *
 * The names of PCI parents; a simulated parent's name (simN) never is one.
 *
 * Return: true if @s is one.
 */
bool mdg_pci_addr_valid(const char *s)
{
	static const char form[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (i = 0; i < sizeof(form) - 1; i++) {
		bool hex = (s[i] >= '0' && s[i] <= '9') ||
			   (s[i] >= 'a' && s[i] <= 'f');

		if (form[i] == 'x' ? !hex : s[i] != form[i])
			return false;
	}
	/* Slot 0-0x1f, function 0-7. */
	return strtoul(s + 8, NULL, 16) < 32 && s[11] <= '7';
}

static int cmp_parent(const void *a, const void *b)
{
	const struct mdg_parent *x = a, *y = b;

	return strverscmp(x->name, y->name);
}

/**
 * mdg_resv_parse() - one line of a parent's reservations attribute
 * @line: "UUID:VRAM_MB:SHARE_PPM:PRIORITY OFFSET STATE"
 *	  (Documentation/ABI/testing/sysfs-class-mdgpu), OFFSET "-" without
 *	  VRAM, STATE "held" or "unheld"; no newline
 * @r: receives it
 *
 * Return: 0, or -EINVAL for a line of another shape.
 */
int mdg_resv_parse(const char *line, struct mdg_resv *r)
{
	char uuid[MDG_UUID_LEN + 2], off[24], state[8];
	unsigned long long mb, ppm, o;
	unsigned int prio;
	char tail;

	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%37[0-9a-fA-F-]:%llu:%llu:%u %23s %7s %c", uuid, &mb,
		   &ppm, &prio, off, state, &tail) != 6 ||
	    !mdg_uuid_valid(uuid, r->uuid) || mb > (1ULL << 31) ||
	    ppm > 1000000 || prio > 7)
		return -EINVAL;
	if (!strcmp(off, "-")) {
		if (mb)
			return -EINVAL;
		r->offset = -1;
	} else if (sscanf(off, "%llu%c", &o, &tail) == 1 && mb &&
		   o <= INT64_MAX) {
		r->offset = (int64_t)o;
	} else {
		return -EINVAL;
	}
	if (strcmp(state, "held") && strcmp(state, "unheld"))
		return -EINVAL;
	r->vram = (int64_t)mb << 20;
	r->share = (int64_t)ppm;
	r->priority = (int)prio;
	r->held = !strcmp(state, "held");
	return 0;
}

/**
 * mdg_parent_resv() - the reservation of an instance on a parent
 * @p: the parent
 * @uuid: the instance's UUID (lower case, as mdg_uuid_valid() leaves it)
 *
 * Return: the reservation, or NULL.
 */
const struct mdg_resv *mdg_parent_resv(const struct mdg_parent *p,
				       const char *uuid)
{
	size_t i;

	for (i = 0; i < p->nr_resv; i++)
		if (!strcasecmp(p->resv[i].uuid, uuid))
			return &p->resv[i];
	return NULL;
}

/*
 * The parent's reservations; none if the module has no such file. A line
 * that does not parse is skipped with a warning: the rest still counts.
 */
static void read_resv(struct mdg_parent *p)
{
	char f[PATH_MAX], buf[8192], *line, *save = NULL;

	p->nr_resv = 0;
	if (mdg_parent_path(p, "reservations", f, sizeof(f)) ||
	    mdg_read_str(f, buf, sizeof(buf)))
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (p->nr_resv == MDG_MAX_RESV)
			break;
		if (mdg_resv_parse(line, &p->resv[p->nr_resv]))
			mdg_warn("%s: reservations: cannot read '%s'", p->name,
				 line);
		else
			p->nr_resv++;
	}
}

/* Read the attributes of the parent @name (its directory known by name). */
static int read_parent(struct mdg_parent *p, const char *name)
{
	char f[PATH_MAX];

	mdg_fmt(p->name, sizeof(p->name), "%s", name);
	if (mdg_parent_path(p, "backend", f, sizeof(f)))
		return -ENAMETOOLONG;
	mdg_read_str(f, p->backend, sizeof(p->backend));
	mdg_parent_path(p, "vram_total", f, sizeof(f));
	p->vram_total = read_s64_or(f, -1);
	mdg_parent_path(p, "vram_ratio", f, sizeof(f));
	p->vram_promised = mdg_vram_promise(p->vram_total, read_s64_or(f, -1));
	mdg_parent_path(p, "vram_used", f, sizeof(f));
	p->vram_used = read_s64_or(f, -1);
	mdg_parent_path(p, "instances", f, sizeof(f));
	p->instances = read_s64_or(f, -1);
	mdg_parent_path(p, "health", f, sizeof(f));
	if (mdg_read_str(f, p->health, sizeof(p->health)) || !p->health[0])
		mdg_fmt(p->health, sizeof(p->health), "ok");
	mdg_parent_path(p, "health_reason", f, sizeof(f));
	mdg_read_str(f, p->health_reason, sizeof(p->health_reason));
	mdg_parent_path(p, "vram_retired", f, sizeof(f));
	p->vram_retired = read_s64_or(f, -1);
	read_resv(p);
	return load_types(p);
}

/*
 * The parents: the simulated ones in /sys/class/mdgpu, then the PCI devices
 * bound to mdgpu's PCI driver (links named after their address in the
 * driver's directory); in name order.
 */
static int load_parents(struct mdg_system *sys)
{
	char path[PATH_MAX], pci[PATH_MAX];
	char **names, **addrs = NULL;
	int n, m, i, ret = 0;

	if (mdg_path(path, sizeof(path), "/sys/class/mdgpu") ||
	    mdg_path(pci, sizeof(pci), "/sys/bus/pci/drivers/mdgpu"))
		return -ENAMETOOLONG;
	n = list_dir(path, &names);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return n;
	sys->loaded = true;
	m = list_dir(pci, &addrs);
	if (m == -ENOENT)
		m = 0;
	if (m < 0) {
		free_names(names, n);
		return m;
	}
	sys->parents = calloc(n + m ? n + m : 1, sizeof(*sys->parents));
	if (!sys->parents) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && !ret; i++)
		ret = read_parent(&sys->parents[sys->nr_parents++], names[i]);
	for (i = 0; i < m && !ret; i++)
		if (mdg_pci_addr_valid(addrs[i]))
			ret = read_parent(&sys->parents[sys->nr_parents++],
					  addrs[i]);
	if (!ret && sys->nr_parents)
		qsort(sys->parents, sys->nr_parents, sizeof(*sys->parents),
		      cmp_parent);
out:
	free_names(names, n);
	free_names(addrs, m);
	return ret;
}

/*
 * The parent and type of an mdev device, from its mdev_type link, which
 * resolves to .../<parent>/mdev_supported_types/<type>.
 */
static int mdev_parent_type(const char *dev, char *parent, char *type)
{
	char link[PATH_MAX], real[PATH_MAX], *slash, *types;

	mdg_fmt(link, sizeof(link), "%s/mdev_type", dev);
	if (!realpath(link, real))
		return -errno;
	slash = strrchr(real, '/');
	if (!slash || strlen(slash + 1) >= MDG_NAME_MAX)
		return -EINVAL;
	strcpy(type, slash + 1);
	*slash = 0;
	types = strrchr(real, '/');
	if (!types || strcmp(types + 1, "mdev_supported_types"))
		return -EINVAL;
	*types = 0;
	slash = strrchr(real, '/');
	if (!slash || strlen(slash + 1) >= MDG_NAME_MAX)
		return -EINVAL;
	strcpy(parent, slash + 1);
	return 0;
}

static int cmp_instance(const void *a, const void *b)
{
	const struct mdg_instance *x = a, *y = b;
	int c = strverscmp(x->parent, y->parent);

	if (c)
		return c;
	if (x->vram_offset != y->vram_offset)
		return x->vram_offset < y->vram_offset ? -1 : 1;
	return strcmp(x->uuid, y->uuid);
}

/* The name of the instance's VFIO cdev (vfioN), on kernels that have one. */
static void read_cdev(const char *dev, struct mdg_instance *in)
{
	char f[PATH_MAX];
	char **cdevs;
	int n;

	mdg_fmt(f, sizeof(f), "%s/vfio-dev", dev);
	n = list_dir(f, &cdevs);
	if (n > 0)
		mdg_fmt(in->cdev, sizeof(in->cdev), "%s", cdevs[0]);
	if (n >= 0)
		free_names(cdevs, n);
}

/* Read the attributes of the instance whose device directory is @dev. */
static void read_instance(const char *dev, struct mdg_instance *in)
{
	char f[PATH_MAX], buf[64];
	uint64_t ms;

	mdg_fmt(f, sizeof(f), "%s/mdgpu/vram_offset", dev);
	in->vram_offset = read_s64_or(f, -1);
	mdg_fmt(f, sizeof(f), "%s/mdgpu/vram_size", dev);
	in->vram_size = read_s64_or(f, -1);
	mdg_fmt(f, sizeof(f), "%s/mdgpu/reset_count", dev);
	in->reset_count = read_s64_or(f, -1);
	mdg_fmt(f, sizeof(f), "%s/mdgpu/min_share", dev);
	in->min_share = mdg_read_fixed(f, MDG_SHARE_DECIMALS, &ms) ||
			ms > MDG_SHARE_ONE ? -1 : (int64_t)ms;
	mdg_fmt(f, sizeof(f), "%s/iommu_group", dev);
	in->group = -1;
	if (!mdg_readlink_base(f, buf, sizeof(buf))) {
		char *end;
		long g = strtol(buf, &end, 10);

		if (end != buf && !*end && g >= 0 && g < INT_MAX)
			in->group = g;
	}
	read_cdev(dev, in);
}

/* A zeroed new entry at the end of sys->instances, or NULL. */
static struct mdg_instance *new_instance(struct mdg_system *sys, size_t *cap)
{
	struct mdg_instance *in;

	if (sys->nr_instances == *cap) {
		size_t n = *cap ? *cap * 2 : 16;

		in = realloc(sys->instances, n * sizeof(*in));
		if (!in)
			return NULL;
		sys->instances = in;
		*cap = n;
	}
	in = &sys->instances[sys->nr_instances];
	memset(in, 0, sizeof(*in));
	return in;
}

/*
 * The instances on the mdev bus that are mdgpu's: bound to the driver
 * "mdgpu", or unbound but made from a type of an mdgpu parent.
 */
static int load_bus_instances(struct mdg_system *sys, size_t *cap)
{
	char path[PATH_MAX], dev[PATH_MAX], f[PATH_MAX];
	char **names;
	int n, i;

	if (mdg_path(path, sizeof(path), "/sys/bus/mdev/devices"))
		return -ENAMETOOLONG;
	n = list_dir(path, &names);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		char driver[MDG_NAME_MAX] = "";
		struct mdg_instance *in;
		bool mine;

		if (!mdg_uuid_valid(names[i], NULL))
			continue;
		in = new_instance(sys, cap);
		if (!in) {
			free_names(names, n);
			return -ENOMEM;
		}
		mdg_fmt(dev, sizeof(dev), "%s/%s", path, names[i]);
		if (mdev_parent_type(dev, in->parent, in->type))
			continue;
		mdg_fmt(f, sizeof(f), "%s/driver", dev);
		mdg_readlink_base(f, driver, sizeof(driver));
		mine = !strcmp(driver, "mdgpu");
		if (!mine && !driver[0])
			mine = !!mdg_find_parent(sys, in->parent);
		if (!mine)
			continue;
		mdg_uuid_valid(names[i], in->uuid);
		read_instance(dev, in);
		sys->nr_instances++;
	}
	free_names(names, n);
	return 0;
}

static void type_by_size(const struct mdg_parent *p, int64_t size, char *type,
			 size_t len)
{
	size_t i;

	type[0] = 0;
	for (i = 0; i < p->nr_types; i++)
		if ((int64_t)p->types[i].desc.framebuffer == size)
			mdg_fmt(type, len, "%s", p->types[i].dir);
}

/*
 * Instances whose removal is pending: the mdev core takes them off the bus
 * (/sys/bus/mdev/devices) and drops most of their attributes first, then
 * waits for their user to close them; until then their directory under the
 * parent remains, and so does their VRAM reservation.
 */
static int load_removing_instances(struct mdg_system *sys, size_t *cap)
{
	char path[PATH_MAX], dev[PATH_MAX];
	size_t p, k, nr_bus = sys->nr_instances;
	char **names;
	int n, i;

	for (p = 0; p < sys->nr_parents; p++) {
		if (mdg_parent_path(&sys->parents[p], "", path, sizeof(path)))
			continue;
		n = list_dir(path, &names);
		if (n < 0)
			continue;
		for (i = 0; i < n; i++) {
			char uuid[MDG_UUID_LEN + 1];
			struct mdg_instance *in;
			bool seen = false;

			if (!mdg_uuid_valid(names[i], uuid))
				continue;
			for (k = 0; k < nr_bus; k++)
				if (!strcmp(sys->instances[k].uuid, uuid))
					seen = true;
			if (seen)
				continue;
			in = new_instance(sys, cap);
			if (!in) {
				free_names(names, n);
				return -ENOMEM;
			}
			mdg_fmt(dev, sizeof(dev), "%s/%s", path, names[i]);
			strcpy(in->uuid, uuid);
			in->removing = true;
			read_instance(dev, in);
			/*
			 * The mdev core has already dropped the mdev_type
			 * link and (on the kernels tested) mdgpu's own
			 * attributes: only the IOMMU group is left, which is
			 * enough to name the holder. The type is known only
			 * if the size still is.
			 */
			strcpy(in->parent, sys->parents[p].name);
			if (in->vram_size > 0)
				type_by_size(&sys->parents[p], in->vram_size,
					     in->type, sizeof(in->type));
			sys->nr_instances++;
		}
		free_names(names, n);
	}
	return 0;
}

static int load_instances(struct mdg_system *sys)
{
	size_t cap = 0;
	int ret;

	ret = load_bus_instances(sys, &cap);
	if (!ret)
		ret = load_removing_instances(sys, &cap);
	if (ret)
		return ret;
	if (sys->nr_instances)
		qsort(sys->instances, sys->nr_instances,
		      sizeof(*sys->instances), cmp_instance);
	mdg_scan_holders(sys->instances, sys->nr_instances);
	return 0;
}

/**
 * mdg_system_load() - read everything mdgpu shows
 * @sys: filled; free with mdg_system_free() whatever the result
 *
 * A missing attribute leaves its field at -1 (or empty): the commands show
 * what is there. Only allocation and directory errors fail.
 *
 * Return: 0 or a negative errno.
 */
int mdg_system_load(struct mdg_system *sys)
{
	int ret;

	memset(sys, 0, sizeof(*sys));
	ret = load_parents(sys);
	if (!ret)
		ret = load_instances(sys);
	return ret;
}

void mdg_system_free(struct mdg_system *sys)
{
	size_t i;

	for (i = 0; i < sys->nr_parents; i++)
		free(sys->parents[i].types);
	free(sys->parents);
	free(sys->instances);
	memset(sys, 0, sizeof(*sys));
}

/**
 * mdg_require_loaded() - fail clearly when the module is not loaded
 * @sys: a loaded snapshot
 *
 * Return: 0, or MDG_EXIT_NOTFOUND after printing why.
 */
int mdg_require_loaded(const struct mdg_system *sys)
{
	char path[PATH_MAX];

	if (sys->loaded)
		return 0;
	mdg_path(path, sizeof(path), "/sys/class/mdgpu");
	return mdg_fail(MDG_EXIT_NOTFOUND,
			"mdgpu is not loaded: %s does not exist (modprobe mdgpu)",
			path);
}

struct mdg_parent *mdg_find_parent(struct mdg_system *sys, const char *name)
{
	size_t i;

	for (i = 0; i < sys->nr_parents; i++)
		if (!strcmp(sys->parents[i].name, name))
			return &sys->parents[i];
	return NULL;
}

/**
 * mdg_type_canon() - the type directory name a user means
 * @in: "mdgpu-64M", "64M", "mdgpu 64M" or "mdgpu_64M"
 * @out: "mdgpu-64M"
 * @len: size of @out
 */
void mdg_type_canon(const char *in, char *out, size_t len)
{
	if (!strncmp(in, "mdgpu", 5) &&
	    (in[5] == '-' || in[5] == ' ' || in[5] == '_'))
		mdg_fmt(out, len, "mdgpu-%s", in + 6);
	else if (in[0] >= '0' && in[0] <= '9')
		mdg_fmt(out, len, "mdgpu-%s", in);
	else
		mdg_fmt(out, len, "%s", in);
}

struct mdg_type *mdg_find_type(struct mdg_parent *p, const char *name)
{
	char canon[MDG_NAME_MAX];
	size_t i;

	mdg_type_canon(name, canon, sizeof(canon));
	for (i = 0; i < p->nr_types; i++)
		if (!strcmp(p->types[i].dir, canon))
			return &p->types[i];
	return NULL;
}

struct mdg_instance *mdg_find_instance(struct mdg_system *sys,
				       const char *uuid)
{
	size_t i;

	for (i = 0; i < sys->nr_instances; i++)
		if (!strcasecmp(sys->instances[i].uuid, uuid))
			return &sys->instances[i];
	return NULL;
}

/**
 * mdg_instance_path() - path of a file of an instance
 * @in: the instance
 * @rel: relative to /sys/bus/mdev/devices/UUID, e.g. "mdgpu/vram_size"
 *	 (for an instance being removed, its directory under the parent)
 * @buf: output
 * @len: size of @buf
 *
 * Return: 0 or -ENAMETOOLONG.
 */
int mdg_instance_path(const struct mdg_instance *in, const char *rel,
		      char *buf, size_t len)
{
	char r[PATH_MAX];

	if (in->removing) {
		if (mdg_fmt(r, sizeof(r), "%s/%s", in->uuid, rel))
			return -ENAMETOOLONG;
		return mdg_parent_dir_path(in->parent, r, buf, len);
	}
	return mdg_path(buf, len, "/sys/bus/mdev/devices/%s/%s", in->uuid,
			rel);
}

/**
 * mdg_parent_dir_path() - path of a file of a parent, by the parent's name
 * @parent: "simN" (in /sys/class/mdgpu) or a PCI address (a PCI parent,
 *	    in /sys/bus/pci/devices)
 * @rel: relative to the parent's directory, e.g. "vram_used" or
 *	 "mdev_supported_types/mdgpu-64M/create"; "" for the directory
 * @buf: output
 * @len: size of @buf
 *
 * Return: 0 or -ENAMETOOLONG.
 */
int mdg_parent_dir_path(const char *parent, const char *rel, char *buf,
			size_t len)
{
	const char *dir = mdg_pci_addr_valid(parent) ? "/sys/bus/pci/devices" :
						       "/sys/class/mdgpu";

	return mdg_path(buf, len, "%s/%s%s%s", dir, parent, *rel ? "/" : "",
			rel);
}

int mdg_parent_path(const struct mdg_parent *p, const char *rel, char *buf,
		    size_t len)
{
	return mdg_parent_dir_path(p->name, rel, buf, len);
}
