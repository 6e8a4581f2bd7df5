// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fake sysfs/proc trees for mdgpuctl's unit tests.
 *
 * Layout, relative to the fake root R (as on a real host):
 *   R/sys/devices/virtual/mdgpu/simN/            parent attributes
 *   R/sys/devices/virtual/mdgpu/simN/mdev_supported_types/mdgpu-<size>/
 *   R/sys/devices/virtual/mdgpu/simN/<uuid>/     instance (mdgpu/ attrs,
 *                                                mdev_type, iommu_group,
 *                                                driver links, remove)
 *   R/sys/class/mdgpu/simN -> ../../devices/virtual/mdgpu/simN
 *   R/sys/devices/pci0000:00/<address>/          a PCI parent: the same
 *                                                parent, type and instance
 *                                                files, plus PCI core files
 *   R/sys/bus/pci/devices/<address>, R/sys/bus/pci/drivers/mdgpu/<address>
 *                                                links to it
 *   R/sys/bus/mdev/devices/<uuid> -> ../../../devices/virtual/mdgpu/...
 *   R/proc/<pid>/fd/<n> -> /dev/vfio/<group>, R/proc/<pid>/comm
 * The create and remove files are plain files, so a test can read what
 * mdgpuctl wrote to them.
 *
 * The module's files are not written by hand: fake_parent(), fake_type(),
 * fake_instance() and fake_init() create every file that
 * Documentation/ABI/testing/ documents for a parent, a type, an instance
 * and the module (with a plausible default value, abi_default()), then
 * set the values the test is about. A file added to, removed from or
 * renamed in the ABI documents is in the fake trees at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../mdgpuctl.h"
#include "fake_tree.h"

static char root[PATH_MAX];

static struct abi_entry abi[256];
static size_t nr_abi;

/* The directory the ABI documents are read from. */
static const char *abi_dir(void)
{
	const char *env = getenv("MDGPU_ABI_DIR");

	return env && *env ? env : MDG_SRCDIR "/../../Documentation/ABI/testing";
}

/* Parse one ABI document: "What:" lines, and the mode that starts the
 * Description, "(RO)", "(RW)" or "(WO)".
 */
static int abi_parse(const char *path)
{
	char line[512];
	struct abi_entry *cur = NULL;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		if (!strncmp(line, "What:", 5)) {
			if (nr_abi == ARRAY_SIZE(abi)) {
				fclose(f);
				return -1;
			}
			cur = &abi[nr_abi++];
			memset(cur, 0, sizeof(*cur));
			p += 5;
			while (*p == ' ' || *p == '\t')
				p++;
			end = p + strcspn(p, " \t\n");
			*end = 0;
			mdg_fmt(cur->what, sizeof(cur->what), "%s", p);
			continue;
		}
		if (!cur || cur->mode[0])
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (p[0] == '(' && p[3] == ')' &&
		    (!strncmp(p + 1, "RO", 2) || !strncmp(p + 1, "RW", 2) ||
		     !strncmp(p + 1, "WO", 2)))
			memcpy(cur->mode, p + 1, 2);
	}
	fclose(f);
	return 0;
}

/**
 * abi_entries() - the entries of Documentation/ABI/testing/sysfs-*mdgpu*
 * @n: receives their number
 *
 * Read once; $MDGPU_ABI_DIR overrides the directory.
 *
 * Return: the entries, or NULL if the documents cannot be read.
 */
const struct abi_entry *abi_entries(size_t *n)
{
	static bool loaded;
	struct dirent *de;
	char path[PATH_MAX];
	DIR *d;

	if (!loaded) {
		d = opendir(abi_dir());
		if (!d)
			return NULL;
		while ((de = readdir(d)))
			if (strstr(de->d_name, "mdgpu") &&
			    de->d_name[0] != '.') {
				mdg_fmt(path, sizeof(path), "%s/%s", abi_dir(),
					de->d_name);
				if (abi_parse(path)) {
					closedir(d);
					return NULL;
				}
			}
		closedir(d);
		loaded = true;
	}
	*n = nr_abi;
	return nr_abi ? abi : NULL;
}

/*
 * The value a generated file starts with: what the module shows after
 * load or create, for the files whose value is not a number.
 */
static const char *abi_default(const char *name)
{
	static const struct { const char *name, *val; } defaults[] = {
		{ "backend", "sim" },
		{ "health", "ok" },
		{ "health_reason", "none" },
		{ "policy", "best_effort" },
		{ "timeslice_us", "2000" },
		{ "watchdog_ms", "2000" },
		{ "vram_ratio", "1000" },
		{ "hang_timeout_ms", "2000" },
		{ "parents", "2" },
		{ "vram_mb", "2048" },
		{ "weight", "100" },
		{ "plane_types", "region" },
		{ "migration_state", "closed" },
		{ "engine_error_header", "0x00000000" },
		{ "wait_histogram", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" },
		{ "compact", "" },
		{ "reservations", "" },
		{ "create", "" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!strcmp(defaults[i].name, name))
			return defaults[i].val;
	return "0";
}

/*
 * Create, under @dir of the fake tree, every file the ABI documents
 * directly under @prefix (a "What:" prefix ending in '/').
 */
static int abi_populate(const char *prefix, const char *dir)
{
	const struct abi_entry *e;
	char rel[PATH_MAX + 128];
	size_t i, n, plen = strlen(prefix);
	int ret = 0;

	e = abi_entries(&n);
	if (!e)
		return -1;
	for (i = 0; i < n; i++) {
		const char *name = e[i].what + plen;
		const char *val;

		if (strncmp(e[i].what, prefix, plen) || !*name ||
		    strchr(name, '/'))
			continue;
		val = abi_default(name);
		mdg_fmt(rel, sizeof(rel), "%s/%s", dir, name);
		ret |= fake_file(rel, "%s%s", val, *val ? "\n" : "");
	}
	return ret;
}

const char *fake_root(void)
{
	return root;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	mdg_fmt(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int parent_dir(const char *path)
{
	char buf[PATH_MAX], *slash;

	mdg_fmt(buf, sizeof(buf), "%s", path);
	slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	*slash = 0;
	return mkdir_p(buf);
}

/**
 * fake_init() - a new empty tree, with MDGPU_SYSFS_ROOT set to it
 *
 * Return: 0 or -1.
 */
int fake_init(void)
{
	const char *tmp = getenv("TMPDIR");

	if (root[0])
		fake_cleanup();
	mdg_fmt(root, sizeof(root), "%s/mdgpuctl-test.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		root[0] = 0;
		return -1;
	}
	setenv("MDGPU_SYSFS_ROOT", root, 1);
	return abi_populate(ABI_MODULE, "sys/module/mdgpu/parameters") ? -1 : 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fake_cleanup(void)
{
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = 0;
}

bool abi_has(const char *what)
{
	const struct abi_entry *e;
	size_t i, n;

	e = abi_entries(&n);
	for (i = 0; e && i < n; i++)
		if (!strcmp(e[i].what, what))
			return true;
	return false;
}

static bool is_uuid(const char *s, size_t len)
{
	char buf[MDG_UUID_LEN + 1];

	if (len != MDG_UUID_LEN)
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	return mdg_uuid_valid(buf, NULL);
}

/*
 * The "What:" form of a path under the fake root, into @what; false when
 * the path is no file of the module (mdev or driver core files, /proc,
 * /dev, the module's directories themselves).
 */
bool abi_form(const char *path, char *what, size_t len)
{
	static const char *const class_dirs[] = {
		"/sys/class/mdgpu/", "/sys/devices/virtual/mdgpu/",
		"/sys/bus/pci/devices/", "/sys/devices/pci0000:00/",
	};
	size_t r = strlen(fake_root()), i, c;
	const char *p, *rest, *slash;

	if (strncmp(path, fake_root(), r))
		return false;
	p = path + r;
	if (!strncmp(p, ABI_MODULE, strlen(ABI_MODULE))) {
		mdg_fmt(what, len, "%s", p);
		return !strchr(p + strlen(ABI_MODULE), '/') &&
		       p[strlen(ABI_MODULE)];
	}
	if (!strncmp(p, "/sys/bus/mdev/devices/", 22)) {
		rest = p + 22;
		slash = strchr(rest, '/');
		if (!slash || strncmp(slash, "/mdgpu/", 7) ||
		    !slash[7] || strchr(slash + 7, '/'))
			return false;
		mdg_fmt(what, len, ABI_VGPU "%s", slash + 7);
		return true;
	}
	for (c = 0; c < ARRAY_SIZE(class_dirs); c++) {
		size_t l = strlen(class_dirs[c]);

		if (strncmp(p, class_dirs[c], l))
			continue;
		rest = strchr(p + l, '/');		/* after <parent> */
		if (!rest || !rest[1])
			return false;
		rest++;
		slash = strchr(rest, '/');
		if (!slash) {
			/* A file of the parent, not the core's. */
			static const char *const core[] = {
				"mdev_supported_types", "power", "uevent",
				"subsystem", "device",
				/* The PCI core's, for a PCI parent. */
				"vendor", "numa_node", "driver",
				"driver_override", "class", "resource",
			};

			for (i = 0; i < ARRAY_SIZE(core); i++)
				if (!strcmp(rest, core[i]))
					return false;
			if (is_uuid(rest, strlen(rest)))
				return false;
			mdg_fmt(what, len, ABI_PARENT "%s", rest);
			return true;
		}
		if (!strncmp(rest, "mdev_supported_types/", 21)) {
			rest = strchr(rest + 21, '/');
			if (!rest || !rest[1] || strchr(rest + 1, '/'))
				return false;
			mdg_fmt(what, len, ABI_TYPE "%s", rest + 1);
			return true;
		}
		if (is_uuid(rest, slash - rest) && !strncmp(slash, "/mdgpu/", 7) &&
		    slash[7] && !strchr(slash + 7, '/')) {
			mdg_fmt(what, len, ABI_VGPU "%s", slash + 7);
			return true;
		}
		return false;
	}
	return false;
}

int fake_file(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX], what[256];
	va_list ap;
	FILE *f;

	mdg_fmt(path, sizeof(path), "%s/%s", root, rel);
	/* A test cannot give the module a file the ABI does not document. */
	if (abi_form(path, what, sizeof(what)) && !abi_has(what)) {
		fprintf(stderr, "# fake_file: %s (%s) is not in Documentation/ABI/\n",
			rel, what);
		return -1;
	}
	if (parent_dir(path))
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	return fclose(f) ? -1 : 0;
}

int fake_link(const char *rel, const char *target)
{
	char path[PATH_MAX];

	mdg_fmt(path, sizeof(path), "%s/%s", root, rel);
	if (parent_dir(path))
		return -1;
	return symlink(target, path);
}

int fake_mkdir(const char *rel)
{
	char path[PATH_MAX];

	mdg_fmt(path, sizeof(path), "%s/%s", root, rel);
	return mkdir_p(path);
}

int fake_unlink(const char *rel)
{
	char path[PATH_MAX];

	mdg_fmt(path, sizeof(path), "%s/%s", root, rel);
	return unlink(path);
}

/* The content of a file of the tree, or NULL; valid until the next call. */
const char *fake_read(const char *rel)
{
	static char buf[256 * 1024];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	mdg_fmt(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

#define DEV "sys/devices/virtual/mdgpu"
#define PCI_DEV "sys/devices/pci0000:00"

/* The directory of parent @name under the root: simN or a PCI address. */
static void parent_devdir(const char *name, char *buf, size_t len)
{
	mdg_fmt(buf, len, "%s/%s", mdg_pci_addr_valid(name) ? PCI_DEV : DEV,
		name);
}

/* "../" once per directory of @rel (a path under the root). */
static void ups(const char *rel, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (; *rel; rel++)
		if (*rel == '/' && n + 4 <= len) {
			memcpy(buf + n, "../", 4);
			n += 3;
		}
}

int fake_parent(const char *name, unsigned int vram_mb, unsigned int used_mb,
		unsigned int instances)
{
	char rel[PATH_MAX], target[PATH_MAX];
	int ret = 0;

	mdg_fmt(rel, sizeof(rel), DEV "/%s", name);
	ret |= abi_populate(ABI_PARENT, rel);
	mdg_fmt(rel, sizeof(rel), DEV "/%s/backend", name);
	ret |= fake_file(rel, "sim\n");
	mdg_fmt(rel, sizeof(rel), DEV "/%s/vram_total", name);
	ret |= fake_file(rel, "%llu\n", (unsigned long long)vram_mb << 20);
	mdg_fmt(rel, sizeof(rel), DEV "/%s/vram_used", name);
	ret |= fake_file(rel, "%llu\n", (unsigned long long)used_mb << 20);
	mdg_fmt(rel, sizeof(rel), DEV "/%s/instances", name);
	ret |= fake_file(rel, "%u\n", instances);
	mdg_fmt(rel, sizeof(rel), DEV "/%s/health", name);
	ret |= fake_file(rel, "ok\n");
	mdg_fmt(rel, sizeof(rel), DEV "/%s/health_reason", name);
	ret |= fake_file(rel, "none\n");
	mdg_fmt(rel, sizeof(rel), DEV "/%s/vram_retired", name);
	ret |= fake_file(rel, "0\n");
	mdg_fmt(rel, sizeof(rel), "sys/class/mdgpu/%s", name);
	mdg_fmt(target, sizeof(target), "../../devices/virtual/mdgpu/%s", name);
	ret |= fake_link(rel, target);
	mdg_fmt(rel, sizeof(rel), "sys/class/mdev_bus/%s", name);
	ret |= fake_link(rel, target);
	return ret ? -1 : 0;
}

/**
 * fake_pci_parent() - a PCI device bound to mdgpu's PCI driver
 * @addr: its PCI address
 * @vram_mb: its VRAM (the BAR)
 * @used_mb: vram_used
 * @instances: the instances attribute
 *
 * Laid out as sysfs-bus-pci-drivers-mdgpu documents it: the parent files of
 * /sys/class/mdgpu/<parent>/ in the device's directory, a link from the
 * driver's directory and from /sys/bus/pci/devices. Fails if the ABI
 * documents no longer say so.
 *
 * Return: 0 or -1.
 */
int fake_pci_parent(const char *addr, unsigned int vram_mb,
		    unsigned int used_mb, unsigned int instances)
{
	char dir[PATH_MAX], rel[PATH_MAX + 32], target[PATH_MAX + 32];
	int ret = 0;

	if (!abi_has(ABI_PCI_DRIVER) || !abi_has(ABI_PCI_PARENT)) {
		fprintf(stderr, "# fake_pci_parent: %s or %s is not in Documentation/ABI/\n",
			ABI_PCI_DRIVER, ABI_PCI_PARENT);
		return -1;
	}
	mdg_fmt(dir, sizeof(dir), PCI_DEV "/%s", addr);
	ret |= abi_populate(ABI_PARENT, dir);
	mdg_fmt(rel, sizeof(rel), "%s/backend", dir);
	ret |= fake_file(rel, "pci\n");
	mdg_fmt(rel, sizeof(rel), "%s/vram_total", dir);
	ret |= fake_file(rel, "%llu\n", (unsigned long long)vram_mb << 20);
	mdg_fmt(rel, sizeof(rel), "%s/vram_used", dir);
	ret |= fake_file(rel, "%llu\n", (unsigned long long)used_mb << 20);
	mdg_fmt(rel, sizeof(rel), "%s/instances", dir);
	ret |= fake_file(rel, "%u\n", instances);
	/* Some of the PCI core's files. */
	mdg_fmt(rel, sizeof(rel), "%s/vendor", dir);
	ret |= fake_file(rel, "0x1af4\n");
	mdg_fmt(rel, sizeof(rel), "%s/numa_node", dir);
	ret |= fake_file(rel, "-1\n");
	mdg_fmt(rel, sizeof(rel), "%s/driver", dir);
	ret |= fake_link(rel, "../../../bus/pci/drivers/mdgpu");
	/* The driver core's files of the driver's directory. */
	ret |= fake_file("sys/bus/pci/drivers/mdgpu/bind", "%s", "");
	ret |= fake_file("sys/bus/pci/drivers/mdgpu/unbind", "%s", "");
	ret |= fake_file("sys/bus/pci/drivers/mdgpu/new_id", "%s", "");
	ret |= fake_mkdir("sys/bus/pci/drivers/mdgpu/module");
	mdg_fmt(target, sizeof(target), "../../../../devices/pci0000:00/%s",
		addr);
	mdg_fmt(rel, sizeof(rel), "sys/bus/pci/drivers/mdgpu/%s", addr);
	ret |= fake_link(rel, target);
	mdg_fmt(target, sizeof(target), "../../../devices/pci0000:00/%s", addr);
	mdg_fmt(rel, sizeof(rel), "sys/bus/pci/devices/%s", addr);
	ret |= fake_link(rel, target);
	mdg_fmt(target, sizeof(target), "../../devices/pci0000:00/%s", addr);
	mdg_fmt(rel, sizeof(rel), "sys/class/mdev_bus/%s", addr);
	ret |= fake_link(rel, target);
	return ret ? -1 : 0;
}

/**
 * fake_pci_other() - a PCI mdev parent of another driver (a real GPU's)
 * @addr: its PCI address
 * @driver: its driver's name
 *
 * Return: 0 or -1.
 */
int fake_pci_other(const char *addr, const char *driver)
{
	char rel[PATH_MAX + 64], target[PATH_MAX];
	int ret = 0;

	mdg_fmt(rel, sizeof(rel), PCI_DEV "/%s/mdev_supported_types/%s-1/available_instances",
		addr, driver);
	ret |= fake_file(rel, "4\n");
	mdg_fmt(rel, sizeof(rel), PCI_DEV "/%s/mdev_supported_types/%s-1/name",
		addr, driver);
	ret |= fake_file(rel, "GRID-1\n");
	mdg_fmt(target, sizeof(target), "../../../../devices/pci0000:00/%s",
		addr);
	mdg_fmt(rel, sizeof(rel), "sys/bus/pci/drivers/%s/%s", driver, addr);
	ret |= fake_link(rel, target);
	mdg_fmt(target, sizeof(target), "../../../devices/pci0000:00/%s", addr);
	mdg_fmt(rel, sizeof(rel), "sys/bus/pci/devices/%s", addr);
	ret |= fake_link(rel, target);
	mdg_fmt(target, sizeof(target), "../../devices/pci0000:00/%s", addr);
	mdg_fmt(rel, sizeof(rel), "sys/class/mdev_bus/%s", addr);
	ret |= fake_link(rel, target);
	return ret ? -1 : 0;
}

int fake_type(const char *parent, unsigned int size_mb, unsigned int vram_mb,
	      int available)
{
	char dir[PATH_MAX], rel[PATH_MAX + 32];
	int ret = 0;

	parent_devdir(parent, rel, sizeof(rel));
	mdg_fmt(dir, sizeof(dir), "%s/mdev_supported_types/mdgpu-%uM", rel,
		size_mb);
	ret |= abi_populate(ABI_TYPE, dir);
	mdg_fmt(rel, sizeof(rel), "%s/name", dir);
	ret |= fake_file(rel, "mdgpu %uM\n", size_mb);
	mdg_fmt(rel, sizeof(rel), "%s/description", dir);
	ret |= fake_file(rel, "framebuffer=%uM max_instances=%u max_resolution=%s display=bochs-vbe\n",
			 size_mb, vram_mb / size_mb,
			 size_mb >= 256 ? "3840x2160" : "1920x1080");
	mdg_fmt(rel, sizeof(rel), "%s/device_api", dir);
	ret |= fake_file(rel, "vfio-pci\n");
	mdg_fmt(rel, sizeof(rel), "%s/available_instances", dir);
	ret |= fake_file(rel, "%d\n", available);
	mdg_fmt(rel, sizeof(rel), "%s/create", dir);
	ret |= fake_file(rel, "%s", "");
	mdg_fmt(rel, sizeof(rel), "%s/devices", dir);
	ret |= fake_mkdir(rel);
	return ret ? -1 : 0;
}

int fake_instance(const char *uuid, const char *parent, unsigned int size_mb,
		  unsigned int offset_mb, unsigned int resets, int group)
{
	char dir[PATH_MAX], rel[PATH_MAX + 64], target[PATH_MAX + 64];
	char up[PATH_MAX];
	int ret = 0;

	parent_devdir(parent, rel, sizeof(rel));
	mdg_fmt(dir, sizeof(dir), "%s/%s", rel, uuid);
	/* From a link in @dir back up to the root. */
	mdg_fmt(rel, sizeof(rel), "%s/x", dir);
	ups(rel, up, sizeof(up));
	mdg_fmt(rel, sizeof(rel), "%s/mdgpu", dir);
	ret |= abi_populate(ABI_VGPU, rel);
	mdg_fmt(rel, sizeof(rel), "%s/mdgpu/migration_compat", dir);
	ret |= fake_file(rel, "version=1 device=0x00010000 type=mdgpu-%uM vram=%llu max=%s regs=4096 layout=1 features=0x3\n",
			 size_mb, (unsigned long long)size_mb << 20,
			 size_mb >= 256 ? "3840x2160" : "1920x1080");
	mdg_fmt(rel, sizeof(rel), "%s/remove", dir);
	ret |= fake_file(rel, "%s", "");
	mdg_fmt(rel, sizeof(rel), "%s/mdgpu/vram_offset", dir);
	ret |= fake_file(rel, "%llu\n", (unsigned long long)offset_mb << 20);
	mdg_fmt(rel, sizeof(rel), "%s/mdgpu/vram_size", dir);
	ret |= fake_file(rel, "%llu\n", (unsigned long long)size_mb << 20);
	mdg_fmt(rel, sizeof(rel), "%s/mdgpu/reset_count", dir);
	ret |= fake_file(rel, "%u\n", resets);
	mdg_fmt(rel, sizeof(rel), "%s/mdev_type", dir);
	mdg_fmt(target, sizeof(target), "../mdev_supported_types/mdgpu-%uM",
		 size_mb);
	ret |= fake_link(rel, target);
	if (group >= 0) {
		mdg_fmt(rel, sizeof(rel), "%s/iommu_group", dir);
		mdg_fmt(target, sizeof(target), "%ssys/kernel/iommu_groups/%d",
			up, group);
		ret |= fake_link(rel, target);
		mdg_fmt(rel, sizeof(rel), "sys/kernel/iommu_groups/%d", group);
		ret |= fake_mkdir(rel);
	}
	mdg_fmt(rel, sizeof(rel), "%s/driver", dir);
	mdg_fmt(target, sizeof(target), "%ssys/bus/mdev/drivers/mdgpu", up);
	ret |= fake_link(rel, target);
	ret |= fake_mkdir("sys/bus/mdev/drivers/mdgpu");
	mdg_fmt(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
	mdg_fmt(target, sizeof(target), "../../../%s", dir + 4);
	ret |= fake_link(rel, target);
	return ret ? -1 : 0;
}

int fake_holder(int pid, const char *comm, int fd, const char *target)
{
	char rel[PATH_MAX];
	int ret = 0;

	mdg_fmt(rel, sizeof(rel), "proc/%d/comm", pid);
	ret |= fake_file(rel, "%s\n", comm);
	mdg_fmt(rel, sizeof(rel), "proc/%d/fd/%d", pid, fd);
	ret |= fake_link(rel, target);
	return ret ? -1 : 0;
}

/*
 * sim0: 2048 MiB with the instances of the admin guide's example, created
 * in the order 128M, 256M, 512M, 64M:
 *   A 128M at 0, B 256M at 256M, C 512M at 512M, D 64M at 128M
 *   available_instances 64M 17, 128M 8, 256M 4, 512M 2; vram_used 960 MiB.
 *   A (group 10) is held by pid 4242 "qemu-system-x86"; A has 2 resets.
 * sim1: 256 MiB, full with E 256M at 0.
 * An mtty parent with one mdev device, which is not mdgpu's.
 */
int fake_standard(void)
{
	int ret = 0;

	if (fake_init())
		return -1;
	ret |= fake_parent("sim0", 2048, 960, 4);
	ret |= fake_type("sim0", 64, 2048, 17);
	ret |= fake_type("sim0", 128, 2048, 8);
	ret |= fake_type("sim0", 256, 2048, 4);
	ret |= fake_type("sim0", 512, 2048, 2);
	ret |= fake_instance(UUID_A, "sim0", 128, 0, 2, 10);
	ret |= fake_instance(UUID_B, "sim0", 256, 256, 0, 11);
	ret |= fake_instance(UUID_C, "sim0", 512, 512, 0, 12);
	ret |= fake_instance(UUID_D, "sim0", 64, 128, 0, 13);

	ret |= fake_parent("sim1", 256, 256, 1);
	ret |= fake_type("sim1", 64, 256, 0);
	ret |= fake_type("sim1", 128, 256, 0);
	ret |= fake_type("sim1", 256, 256, 0);
	ret |= fake_instance(UUID_E, "sim1", 256, 0, 0, 14);

	ret |= fake_holder(4242, "qemu-system-x86", 17, "/dev/vfio/10");
	ret |= fake_holder(4242, "qemu-system-x86", 3, "/dev/vfio/vfio");
	ret |= fake_holder(4243, "bash", 5, "/dev/vfio/1");
	ret |= fake_holder(4244, "other", 0, "/dev/null");

	ret |= fake_file("sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances",
			 "23\n");
	ret |= fake_file("sys/devices/virtual/mtty/mtty/" UUID_MTTY "/remove",
			 "%s", "");
	ret |= fake_link("sys/devices/virtual/mtty/mtty/" UUID_MTTY "/mdev_type",
			 "../mdev_supported_types/mtty-2");
	ret |= fake_link("sys/devices/virtual/mtty/mtty/" UUID_MTTY "/driver",
			 "../../../../../bus/mdev/drivers/mtty");
	ret |= fake_link("sys/bus/mdev/devices/" UUID_MTTY,
			 "../../../devices/virtual/mtty/mtty/" UUID_MTTY);
	return ret ? -1 : 0;
}

/*
 * fake_standard() and a PCI parent PCI_ADDR of 256 MiB with two 64M
 * instances, P (group 20, held by pid 4250 "qemu-system-x86") at 0 and Q
 * (group 21) at 64M: available_instances 64M 2, 128M 1, 256M 0. PCI_OTHER
 * is another driver's PCI mdev parent ("nvidia"), which is not mdgpu's.
 */
int fake_pci_standard(void)
{
	int ret = 0;

	if (fake_standard())
		return -1;
	ret |= fake_pci_parent(PCI_ADDR, 256, 128, 2);
	ret |= fake_type(PCI_ADDR, 64, 256, 2);
	ret |= fake_type(PCI_ADDR, 128, 256, 1);
	ret |= fake_type(PCI_ADDR, 256, 256, 0);
	ret |= fake_instance(UUID_P, PCI_ADDR, 64, 0, 1, 20);
	ret |= fake_instance(UUID_Q, PCI_ADDR, 64, 64, 0, 21);
	ret |= fake_holder(4250, "qemu-system-x86", 9, "/dev/vfio/20");
	ret |= fake_pci_other(PCI_OTHER, "nvidia");
	return ret ? -1 : 0;
}
