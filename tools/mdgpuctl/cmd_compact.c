// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl compact: move a parent's instances inside its VRAM so that the
 * largest free range grows (the parent's "compact" attribute). Instances
 * keep running, also those a VM uses: the kernel moves each range while
 * the instance's accesses wait, which a guest sees as a short stall.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "mdgpuctl.h"

static const struct option compact_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void show_largest(const struct mdg_parent *p, const char *when,
			 uint64_t bytes)
{
	char a[32];

	mdg_fmt_size(a, sizeof(a), bytes);
	fprintf(mdg_out, "%s: largest free VRAM range %s: %s\n", p->name, when,
		bytes ? a : "none");
}

/* mdgpuctl compact PARENT */
int mdg_cmd_compact(int argc, char **argv)
{
	static const char usage[] = "usage: mdgpuctl compact PARENT";
	uint64_t before = 0, after = 0, rel0 = 0, rel1 = 0;
	char path[512], rpath[512];
	struct mdg_system sys;
	struct mdg_parent *p;
	int c, rc, ret;

	while ((c = getopt_long(argc, argv, "h", compact_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);

	rc = mdg_system_load(&sys);
	if (rc) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-rc));
	}
	rc = mdg_require_loaded(&sys);
	if (rc)
		goto out;
	p = mdg_find_parent(&sys, argv[optind]);
	if (!p) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "no mdgpu parent '%s'",
			      argv[optind]);
		goto out;
	}
	mdg_parent_path(p, "compact", path, sizeof(path));
	if (!mdg_exists(path)) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND,
			      "%s cannot compact: this mdgpu module has no %s",
			      p->name, path);
		goto out;
	}
	mdg_parent_path(p, "vram_largest_free", rpath, sizeof(rpath));
	mdg_read_u64(rpath, &before);
	mdg_parent_path(p, "relocations", rpath, sizeof(rpath));
	mdg_read_u64(rpath, &rel0);

	ret = mdg_write_str(path, "1");
	if (ret) {
		rc = mdg_fail(mdg_errno_exit(ret),
			      "the kernel refused to compact %s (writing %s): %s (%s)%s",
			      p->name, path, strerror(-ret),
			      mdg_errno_name(ret),
			      ret == -EAGAIN ? "; an instance was created meanwhile, try again" : "");
		goto out;
	}
	mdg_parent_path(p, "vram_largest_free", rpath, sizeof(rpath));
	mdg_read_u64(rpath, &after);
	mdg_parent_path(p, "relocations", rpath, sizeof(rpath));
	mdg_read_u64(rpath, &rel1);
	show_largest(p, "before", before);
	show_largest(p, "after", after);
	fprintf(mdg_out, "%s: %llu instance%s moved\n", p->name,
		(unsigned long long)(rel1 - rel0), rel1 - rel0 == 1 ? "" : "s");
	rc = MDG_EXIT_OK;
out:
	mdg_system_free(&sys);
	return rc;
}
