// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl fit: can these instances still be created? Nothing is created.
 *
 * For one type the kernel's available_instances is the exact answer. For a
 * mix of types the parent's VRAM map is rebuilt from its instances'
 * vram_offset and vram_size and the placement rule is simulated (fit.c).
 * The scheduler's admission rules are planned; when they exist they add a
 * second condition here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "mdgpuctl.h"

#define MDG_FIT_MAX_REQ		16
#define MDG_FIT_MAX_COUNT	100000

struct fit_req {
	char type[MDG_NAME_MAX];
	unsigned long count;
};

static int parse_count(const char *s, unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || !*count ||
	    *count > MDG_FIT_MAX_COUNT)
		return mdg_fail(MDG_EXIT_USAGE,
				"count '%s': want a number from 1 to %d", s,
				MDG_FIT_MAX_COUNT);
	return 0;
}

/* Add COUNT of TYPE to the request list, merging repeated types. */
static int add_req(struct fit_req *req, size_t *nr, const char *type,
		   unsigned long count)
{
	char canon[MDG_NAME_MAX];
	size_t i;

	mdg_type_canon(type, canon, sizeof(canon));
	for (i = 0; i < *nr; i++) {
		if (!strcmp(req[i].type, canon)) {
			req[i].count += count;
			return 0;
		}
	}
	if (*nr == MDG_FIT_MAX_REQ)
		return mdg_fail(MDG_EXIT_USAGE, "too many types");
	mdg_fmt(req[*nr].type, sizeof(req[*nr].type), "%s", canon);
	req[*nr].count = count;
	(*nr)++;
	return 0;
}

static const char *type_of_size(const struct mdg_parent *p, uint64_t size)
{
	size_t i;

	for (i = 0; i < p->nr_types; i++)
		if (p->types[i].desc.framebuffer == size)
			return p->types[i].dir;
	return "?";
}

static int cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * After a "no": would the request fit once the parent is compacted? Says
 * so only where the kernel can compact (the parent has "compact").
 */
static void compaction_hint(const struct mdg_system *sys,
			    struct mdg_parent *p, const struct fit_req *req,
			    size_t nr_req)
{
	struct mdg_range *used = NULL;
	uint64_t *sizes = NULL, sum;
	size_t i, k, n = 0, nr_used, nr_fixed;
	char path[512], a[32];
	unsigned long c;

	if (mdg_parent_path(p, "compact", path, sizeof(path)) ||
	    !mdg_exists(path))
		return;
	if (p->vram_retired < 0)
		return;
	if (p->vram_retired > 0) {
		mdg_fmt_size(a, sizeof(a), p->vram_retired);
		fprintf(mdg_out, "%s: after compaction: unknown: %s of its VRAM is retired, and instances holding it cannot move\n",
			p->name, a);
		return;
	}
	for (i = 0; i < nr_req; i++)
		n += req[i].count;
	used = calloc(sys->nr_instances + p->nr_resv + 1, sizeof(*used));
	sizes = calloc(n + 1, sizeof(*sizes));
	if (!used || !sizes)
		goto out;
	nr_used = mdg_parent_used_ranges(sys, p, used, &sum);
	if (p->vram_used >= 0 && sum != (uint64_t)p->vram_used)
		goto out;	/* an incomplete map promises nothing */
	for (i = 0, k = 0; i < nr_req; i++)
		for (c = 0; c < req[i].count; c++)
			sizes[k++] = mdg_find_type(p, req[i].type)->desc.framebuffer;
	/* Reserved ranges (the last ones) stay where they are. */
	nr_fixed = mdg_parent_resv_ranges(p);
	if (!mdg_fit_compacted_around(p->vram_promised, used + nr_used - nr_fixed,
				      nr_fixed, used, nr_used - nr_fixed, sizes,
				      n))
		fprintf(mdg_out, "%s: after compaction: yes: run 'mdgpuctl compact %s', then create them largest first\n",
			p->name, p->name);
	else
		fprintf(mdg_out, "%s: after compaction: no\n", p->name);
out:
	free(used);
	free(sizes);
}

/* Say how much of @p's VRAM reservations keep from these instances. */
static void resv_note(const struct mdg_parent *p)
{
	uint64_t unheld = 0;
	size_t i, n = 0;
	char a[32];

	for (i = 0; i < p->nr_resv; i++) {
		if (p->resv[i].held || p->resv[i].vram <= 0)
			continue;
		unheld += p->resv[i].vram;
		n++;
	}
	if (!n)
		return;
	mdg_fmt_size(a, sizeof(a), unheld);
	fprintf(mdg_out, "%s: %s of VRAM is reserved for %zu named instance%s that do%s not exist, counted as used\n",
		p->name, a, n, n == 1 ? "" : "s", n == 1 ? "es" : "");
}

/* Answer for one parent: 1 fits, 0 does not; prints the reasoning. */
static int fit_parent(const struct mdg_system *sys, struct mdg_parent *p,
		      const struct fit_req *req, size_t nr_req)
{
	struct mdg_range *used = NULL, *placed = NULL;
	uint64_t *sizes = NULL, sum;
	size_t i, k, n = 0, nr_used, nr_placed = 0;
	int ret, fits = 0;
	bool exact = true;

	for (i = 0; i < nr_req; i++) {
		struct mdg_type *t = mdg_find_type(p, req[i].type);

		if (!t) {
			fprintf(mdg_out, "%s: no: it does not offer %s\n",
				p->name, req[i].type);
			return 0;
		}
		if (!t->desc.framebuffer || p->vram_promised <= 0) {
			fprintf(mdg_out, "%s: unknown: the framebuffer size of %s or the parent's VRAM size is unreadable\n",
				p->name, t->dir);
			return 0;
		}
		if (nr_req == 1) {
			if (t->available < (int64_t)req[i].count) {
				fprintf(mdg_out, "%s: no: %lu x %s requested, available_instances is %lld\n",
					p->name, req[i].count, t->dir,
					(long long)t->available);
				resv_note(p);
				if (p->vram_used >= 0 &&
				    req[i].count * t->desc.framebuffer <=
				    (uint64_t)(p->vram_promised - p->vram_used))
					compaction_hint(sys, p, req, nr_req);
				return 0;
			}
		}
		n += req[i].count;
	}

	/* More than the free VRAM never fits; no need to simulate. */
	for (i = 0, sum = 0; i < nr_req; i++)
		sum += req[i].count * mdg_find_type(p, req[i].type)->desc.framebuffer;
	if (p->vram_used >= 0 && sum > (uint64_t)(p->vram_promised - p->vram_used)) {
		char a[32], b[32];

		mdg_fmt_size(a, sizeof(a), sum);
		mdg_fmt_size(b, sizeof(b), p->vram_promised - p->vram_used);
		fprintf(mdg_out, "%s: no: %zu instances need %s of VRAM, %s is free\n",
			p->name, n, a, b);
		return 0;
	}

	used = calloc(sys->nr_instances + p->nr_resv + 1, sizeof(*used));
	sizes = calloc(n, sizeof(*sizes));
	placed = calloc(n, sizeof(*placed));
	if (!used || !sizes || !placed) {
		fprintf(mdg_out, "%s: unknown: out of memory\n", p->name);
		goto out;
	}
	nr_used = mdg_parent_used_ranges(sys, p, used, &sum);
	if (p->vram_used >= 0 && sum != (uint64_t)p->vram_used) {
		mdg_warn("%s: its instances account for %llu bytes of VRAM but vram_used is %lld; the map used for the answer may be incomplete",
			 p->name, (unsigned long long)sum,
			 (long long)p->vram_used);
		exact = false;
	}
	for (i = 0; i < p->nr_types; i++) {
		struct mdg_type *t = &p->types[i];
		uint64_t slots = mdg_vram_free_slots(p->vram_promised, used,
						     nr_used,
						     t->desc.framebuffer);

		if (t->available >= 0 && slots != (uint64_t)t->available) {
			mdg_warn("%s: the rebuilt VRAM map has %llu free %s ranges but available_instances is %lld",
				 p->name, (unsigned long long)slots, t->dir,
				 (long long)t->available);
			exact = false;
		}
	}
	for (i = 0, k = 0; i < nr_req; i++) {
		struct mdg_type *t = mdg_find_type(p, req[i].type);
		unsigned long c;

		for (c = 0; c < req[i].count; c++)
			sizes[k++] = t->desc.framebuffer;
	}
	qsort(sizes, n, sizeof(*sizes), cmp_desc);
	ret = mdg_fit_simulate(p->vram_promised, used, nr_used, sizes, n, placed,
			       &nr_placed);
	if (nr_req == 1 && ret == 0) {
		fits = 1;
	} else if (nr_req == 1) {
		/* available_instances said yes; trust it over the rebuilt map. */
		fprintf(mdg_out, "%s: yes: %lu x %s fit (available_instances is %lld)\n",
			p->name, req[0].count, req[0].type,
			(long long)mdg_find_type(p, req[0].type)->available);
		fits = 1;
		goto out;
	} else if (ret == 0) {
		fits = 1;
	}

	if (fits) {
		fprintf(mdg_out, "%s: yes: %zu instance%s fit%s; create them in this order:\n",
			p->name, n, n == 1 ? "" : "s",
			exact ? "" : " (by a map that may be incomplete)");
	} else {
		fprintf(mdg_out, "%s: no: only %zu of the %zu instances fit, largest first; then no aligned %s range is free\n",
			p->name, nr_placed, n,
			type_of_size(p, sizes[nr_placed]));
	}
	for (i = 0; i < nr_placed; i++) {
		char a[32], b[32];

		mdg_fmt_size(a, sizeof(a), placed[i].offset);
		mdg_fmt_size(b, sizeof(b), placed[i].offset + placed[i].size);
		fprintf(mdg_out, "  %-12s at [%s, %s)\n",
			type_of_size(p, placed[i].size),
			placed[i].offset ? a : "0", b);
	}
	resv_note(p);
	if (!fits)
		compaction_hint(sys, p, req, nr_req);
out:
	free(used);
	free(sizes);
	free(placed);
	return fits;
}

static const struct option fit_opts[] = {
	{ "parent", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl fit TYPE COUNT | TYPE:COUNT... [--parent P] */
int mdg_cmd_fit(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl fit TYPE COUNT [--parent P]\n"
		"       mdgpuctl fit TYPE:COUNT [TYPE:COUNT...] [--parent P]";
	struct fit_req req[MDG_FIT_MAX_REQ];
	const char *parent = NULL;
	struct mdg_system sys;
	size_t nr_req = 0, i, j;
	unsigned long count;
	int c, rc, fits = 0;

	while ((c = getopt_long(argc, argv, "p:h", fit_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			parent = optarg;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (argc - optind == 2 && !strchr(argv[optind], ':') &&
	    !strchr(argv[optind + 1], ':')) {
		rc = parse_count(argv[optind + 1], &count);
		if (!rc)
			rc = add_req(req, &nr_req, argv[optind], count);
		if (rc)
			return rc;
	} else {
		for (c = optind; c < argc; c++) {
			char type[MDG_NAME_MAX];
			const char *colon = strrchr(argv[c], ':');

			if (!colon || colon == argv[c] ||
			    (size_t)(colon - argv[c]) >= sizeof(type))
				return mdg_fail(MDG_EXIT_USAGE,
						"'%s' is not TYPE:COUNT\n%s",
						argv[c], usage);
			memcpy(type, argv[c], colon - argv[c]);
			type[colon - argv[c]] = 0;
			rc = parse_count(colon + 1, &count);
			if (!rc)
				rc = add_req(req, &nr_req, type, count);
			if (rc)
				return rc;
		}
	}

	rc = mdg_system_load(&sys);
	if (rc) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-rc));
	}
	rc = mdg_require_loaded(&sys);
	if (rc)
		goto out;
	if (parent && !mdg_find_parent(&sys, parent)) {
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "no mdgpu parent '%s'", parent);
		goto out;
	}
	/* A type that no parent offers is a typo, not a "no". */
	for (i = 0; i < nr_req; i++) {
		bool known = false;

		for (j = 0; j < sys.nr_parents; j++)
			if (mdg_find_type(&sys.parents[j], req[i].type))
				known = true;
		if (!known) {
			rc = mdg_fail(MDG_EXIT_NOTFOUND, "unknown type '%s'",
				      req[i].type);
			goto out;
		}
	}
	for (i = 0; i < sys.nr_parents; i++) {
		struct mdg_parent *p = &sys.parents[i];

		if (parent && strcmp(parent, p->name))
			continue;
		/* New instances go on healthy parents (a named one: if alive). */
		if (!parent ? !mdg_parent_healthy(p) :
		    !strcmp(p->health, "failed")) {
			fprintf(mdg_out, "%s: no: the parent is %s (%s)\n",
				p->name, p->health,
				p->health_reason[0] ? p->health_reason : "no reason given");
			continue;
		}
		fits |= fit_parent(&sys, p, req, nr_req);
	}
	rc = fits ? MDG_EXIT_OK : MDG_EXIT_FAIL;
out:
	mdg_system_free(&sys);
	return rc;
}
