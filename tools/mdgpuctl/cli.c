// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: the command table and the entry point the tests call.
 */
#include <getopt.h>
#include <string.h>

#include "mdgpuctl.h"

#ifndef MDGPUCTL_VERSION
#define MDGPUCTL_VERSION "0.1"
#endif

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
} commands[] = {
	{ "list", mdg_cmd_list,
	  "list [parents|types|instances|tunables] [--parent P] [--json]" },
	{ "create", mdg_cmd_create,
	  "create TYPE [--parent P] [--uuid U] [--set NAME=VALUE]..." },
	{ "remove", mdg_cmd_remove, "remove UUID [--force]" },
	{ "get", mdg_cmd_get, "get PARENT|UUID|module [NAME...] [--json]" },
	{ "set", mdg_cmd_set, "set PARENT|UUID|module NAME=VALUE..." },
	{ "top", mdg_cmd_top,
	  "top [--once] [--interval SECONDS] [--iterations N]" },
	{ "stats", mdg_cmd_stats, "stats [UUID...] [--json]" },
	{ "show", mdg_cmd_show, "show UUID [--json]" },
	{ "metrics", mdg_cmd_metrics, "metrics [--output FILE]" },
	{ "fit", mdg_cmd_fit,
	  "fit TYPE COUNT | TYPE:COUNT... [--parent P]" },
	{ "compact", mdg_cmd_compact, "compact PARENT" },
	{ "screenshot", mdg_cmd_screenshot,
	  "screenshot UUID OUT.png [--set-mode WIDTHxHEIGHT[xBPP]]" },
	{ "mdevctl", mdg_cmd_mdevctl, "mdevctl [UUID...] [--auto] [--json]" },
	{ "start-reserved", mdg_cmd_start_reserved,
	  "start-reserved PARENT [--config-dir DIR]" },
	{ "checkpoint", mdg_cmd_checkpoint, "checkpoint UUID FILE" },
	{ "restore", mdg_cmd_restore, "restore UUID FILE [--no-verify]" },
	{ "evacuate", mdg_cmd_evacuate,
	  "evacuate PARENT --to PARENT2 [--dry-run]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: mdgpuctl COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  mdgpuctl %s\n", commands[i].synopsis);
	fprintf(f,
		"\nexit status: 0 ok, 1 failure (or \"no\" from fit), 2 usage error,\n"
		"3 not found, 4 refused by the kernel, 5 busy. See mdgpuctl(8).\n");
}

/**
 * mdgpuctl_main() - run one mdgpuctl command line
 * @argc: argument count, including the program name
 * @argv: arguments
 *
 * Output goes to mdg_out and mdg_err (stdout and stderr unless a test set
 * them). Reentrant as far as the unit tests need: getopt is reset.
 *
 * Return: the exit status, enum mdg_exit.
 */
int mdgpuctl_main(int argc, char **argv)
{
	size_t i;

	if (!mdg_out)
		mdg_out = stdout;
	if (!mdg_err)
		mdg_err = stderr;
	optind = 0;
	opterr = 1;
	if (argc < 2) {
		usage(mdg_err);
		return MDG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(mdg_out);
		return MDG_EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		fprintf(mdg_out, "mdgpuctl %s\n", MDGPUCTL_VERSION);
		return MDG_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		char prog[64], *sub[argc];
		int k;

		if (strcmp(argv[1], commands[i].name))
			continue;
		/* The command sees "mdgpuctl NAME" as argv[0], which getopt's
		 * messages then name.
		 */
		mdg_fmt(prog, sizeof(prog), "mdgpuctl %s", commands[i].name);
		sub[0] = prog;
		for (k = 2; k < argc; k++)
			sub[k - 1] = argv[k];
		sub[argc - 1] = NULL;
		return commands[i].fn(argc - 1, sub);
	}
	mdg_fail(MDG_EXIT_USAGE, "unknown command '%s'", argv[1]);
	usage(mdg_err);
	return MDG_EXIT_USAGE;
}
