/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu-balancer: balancer.conf, parsed from a string (config.c).
 */
#ifndef MDGPU_BALANCER_CONFIG_H
#define MDGPU_BALANCER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "balance.h"

#define MDGB_UUID_LEN	36

/**
 * struct mdgb_vgpu_conf - a "vgpu UUID ..." line
 * @uuid: lower case
 * @bounds: its bounds
 */
struct mdgb_vgpu_conf {
	char uuid[MDGB_UUID_LEN + 1];
	struct mdgb_bounds bounds;
};

/**
 * struct mdgb_config - the whole file
 * @period_s: seconds between decisions ("period", default 10)
 * @params: tuning ("alpha", "idle", "deadband", "band", "max_step")
 * @moves: --move's limits ("move_after", "move_cooldown", "max_moves")
 * @has_default: a "default" line was given: it applies to every vGPU
 *		 that has no "vgpu" line (else those are left alone)
 * @def: the default line's bounds
 * @vgpus: the "vgpu" lines
 * @nr_vgpus: entries in @vgpus
 */
struct mdgb_config {
	double period_s;
	struct mdgb_params params;
	struct mdgb_move_limits moves;
	bool has_default;
	struct mdgb_bounds def;
	struct mdgb_vgpu_conf *vgpus;
	size_t nr_vgpus;
};

int mdgb_config_parse(struct mdgb_config *c, const char *text, char *err,
		      size_t errlen);
int mdgb_config_load(struct mdgb_config *c, const char *path, char *err,
		     size_t errlen);
const struct mdgb_bounds *mdgb_config_bounds(const struct mdgb_config *c,
					     const char *uuid);
void mdgb_config_free(struct mdgb_config *c);

#endif /* MDGPU_BALANCER_CONFIG_H */
