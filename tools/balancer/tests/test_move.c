// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of mdgpu-balancer --move: when a proposed move is made
 * (balance.c: mdgb_propose(), mdgb_move_due(), the cooldown), replayed on
 * the recorded trace of make balancer-test and on an adversarial trace
 * whose load flips between two parents; and the steps of a relocation and
 * their rollback (tools/mdgpuctl/relocate.c) over mock ops that fail each
 * call in turn, and each pair of calls (the fail_nth way): the instance is
 * never lost unless saving its state to a file failed too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "plan.h"
#include "relocate.h"
#include "tests/tap.h"	/* mdgpuctl's */

#ifndef MDGB_TRACE_DIR
#define MDGB_TRACE_DIR "tests/traces"
#endif

/* ---- move decisions ------------------------------------------------------ */

static int test_move_due(void)
{
	struct mdgb_move_limits l = { .after = 2, .cooldown = 5,
				      .max_per_period = 1 };
	struct mdgb_move_hist a = { 0 }, b = { 0 };
	unsigned int made = 0;

	CHECK(!mdgb_move_limits_check(&l));
	/* A spike of one period moves nothing; a gap starts over. */
	CHECK_INT(mdgb_move_due(&l, &a, 10, &made), MDGB_MOVE_WAIT);
	made = 0;
	CHECK_INT(mdgb_move_due(&l, &a, 12, &made), MDGB_MOVE_WAIT);
	made = 0;
	CHECK_INT(mdgb_move_due(&l, &a, 13, &made), MDGB_MOVE_GO);
	CHECK_INT(made, 1);
	/* b is due in the same period: the limit defers it. */
	CHECK_INT(mdgb_move_due(&l, &b, 12, &made), MDGB_MOVE_WAIT);
	CHECK_INT(mdgb_move_due(&l, &b, 13, &made), MDGB_MOVE_LIMIT);
	made = 0;
	CHECK_INT(mdgb_move_due(&l, &b, 14, &made), MDGB_MOVE_GO);
	/* a moved in 13: cooling in 13..17, free again in 18. */
	CHECK(mdgb_move_cooling(&l, &a, 13));
	CHECK(mdgb_move_cooling(&l, &a, 17));
	CHECK(!mdgb_move_cooling(&l, &a, 18));
	made = 0;
	CHECK_INT(mdgb_move_due(&l, &a, 17, &made), MDGB_MOVE_COOLING);
	CHECK_INT(mdgb_move_due(&l, &a, 18, &made), MDGB_MOVE_WAIT);
	CHECK_INT(mdgb_move_due(&l, &a, 19, &made), MDGB_MOVE_GO);
	/* The checks of balancer.conf's values. */
	l.after = 0;
	CHECK(mdgb_move_limits_check(&l));
	l.after = 1;
	l.max_per_period = 0;
	CHECK(mdgb_move_limits_check(&l));
	l.max_per_period = 65;
	CHECK(mdgb_move_limits_check(&l));
	mdgb_move_limits_default(&l);
	CHECK(!mdgb_move_limits_check(&l));
	CHECK_STR(mdgb_verdict_name(MDGB_MOVE_LIMIT), "limit");
	return TAP_PASS;
}

#define SIM_MAX_INST	16
#define SIM_PARENTS	2
#define SIM_SIZE	(64ULL << 20)	/* every instance's framebuffer */

/* One period of a replay: each parent's load, each instance's activity. */
struct sim_period {
	struct mdgb_parent_load load[SIM_PARENTS];
	bool active[SIM_MAX_INST];	/* had work: a process holds it */
};

/* What replaying a trace with --move did. */
struct sim_result {
	unsigned int moves[SIM_MAX_INST];
	long long first_move[SIM_MAX_INST];
	long long min_gap;		/* shortest time between two moves
					 * of one instance, -1 = none */
	unsigned int max_in_period;
	unsigned int held_moved;
	long long first_saturated;	/* first period a parent was */
	long long first_any_move;
};

/*
 * Replay @np periods: propose (instances follow their moves: a move
 * changes an instance's parent), decide with mdgb_move_due(), apply the
 * moves that are due, and record what a test checks.
 */
static void simulate(const struct mdgb_move_limits *l,
		     const struct sim_period *per, size_t np, int *parent_of,
		     size_t ni, struct sim_result *res)
{
	struct mdgb_move_hist hist[SIM_MAX_INST];
	long long last[SIM_MAX_INST];
	struct mdgb_movable mv[SIM_MAX_INST];
	struct mdgb_move m[SIM_MAX_INST];
	struct mdg_range room[SIM_PARENTS][2 * SIM_MAX_INST];
	struct mdg_cap cap[SIM_PARENTS];
	const bool offers[SIM_PARENTS] = { true, true };
	struct mdgb_plan plan = { .moves = m, .max_moves = SIM_MAX_INST };
	size_t p, i, n;

	memset(hist, 0, sizeof(hist));
	memset(res, 0, sizeof(*res));
	res->min_gap = -1;
	res->first_saturated = -1;
	res->first_any_move = -1;
	for (i = 0; i < ni; i++) {
		last[i] = -1;
		res->first_move[i] = -1;
	}
	for (p = 0; p < np; p++) {
		unsigned int made = 0;

		for (i = 0; i < SIM_PARENTS; i++) {
			/* Room for 8 instances of the one 64M type each. */
			cap[i] = (struct mdg_cap){
				.healthy = true, .vram = 8 * SIM_SIZE,
				.used = room[i], .max_used = 2 * SIM_MAX_INST,
			};
			if (res->first_saturated < 0 &&
			    per[p].load[i].busy >= MDGB_SATURATED_BUSY &&
			    per[p].load[i].waiting >= MDGB_SATURATED_WAIT)
				res->first_saturated = p;
		}
		for (i = 0; i < ni; i++) {
			uint64_t off = 0;

			mdg_cap_take(&cap[parent_of[i]], SIM_SIZE, 0, &off);
			mv[i] = (struct mdgb_movable){
				.parent = parent_of[i], .type = 0,
				.size = SIM_SIZE, .offset = off,
				.held = per[p].active[i],
				.cooling = mdgb_move_cooling(l, &hist[i], p),
			};
		}
		n = mdgb_propose(per[p].load, cap, SIM_PARENTS, mv, ni, offers,
				 1, &plan);
		for (i = 0; i < n; i++) {
			size_t k = m[i].instance;

			if (mdgb_move_due(l, &hist[k], p, &made) !=
			    MDGB_MOVE_GO)
				continue;
			if (mv[k].held)
				res->held_moved++;
			parent_of[k] = m[i].to;
			res->moves[k]++;
			if (res->first_move[k] < 0)
				res->first_move[k] = p;
			if (res->first_any_move < 0)
				res->first_any_move = p;
			if (last[k] >= 0 &&
			    (res->min_gap < 0 ||
			     (long long)p - last[k] < res->min_gap))
				res->min_gap = (long long)p - last[k];
			last[k] = p;
		}
		if (made > res->max_in_period)
			res->max_in_period = made;
	}
}

/*
 * The recorded trace of make balancer-test (--record): per period, each
 * parent's busy fraction and waiting are the sums over its vGPUs of
 * engine and wait time per period; an instance with work is held (a
 * process drove it). Returns the number of periods, -1 on error.
 */
static long long load_trace(const char *path, struct sim_period *per,
			    size_t max, char uuids[][40], size_t *ni,
			    int *parent_of)
{
	char line[512], uuid[40], parent[64];
	long long period, np = 0;
	double ps, e, w, th, lat;
	unsigned int weight;
	size_t i;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	*ni = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%lld,%39[^,],%63[^,],%lf,%lf,%lf,%lf,%lf,%u",
			   &period, uuid, parent, &ps, &e, &w, &th, &lat,
			   &weight) != 9 || period < 0 || (size_t)period >= max ||
		    ps <= 0 || strncmp(parent, "sim", 3) ||
		    parent[3] < '0' || parent[3] >= '0' + SIM_PARENTS) {
			fclose(f);
			return -1;
		}
		for (i = 0; i < *ni && strcmp(uuids[i], uuid); i++)
			;
		if (i == *ni) {
			if (*ni == SIM_MAX_INST)
				continue;
			snprintf(uuids[i], 40, "%s", uuid);
			parent_of[i] = parent[3] - '0';
			(*ni)++;
		}
		if (period >= np) {
			for (; np <= period; np++)
				memset(&per[np], 0, sizeof(per[np]));
		}
		per[period].load[parent[3] - '0'].busy += e / ps;
		per[period].load[parent[3] - '0'].waiting += w / ps;
		per[period].active[i] = e + w > 0;
	}
	fclose(f);
	return np;
}

/*
 * The recorded trace: sim0 saturated by A and B (held), C idle on sim0,
 * D idle on sim1. With the default limits exactly one move is made: C to
 * sim1, once sim0 was saturated move_after periods in a row; A and B
 * never move, nor does D (its parent idles).
 */
static int test_moves_on_recorded_trace(void)
{
	static struct sim_period per[512];
	char uuids[SIM_MAX_INST][40];
	int parent_of[SIM_MAX_INST];
	struct mdgb_move_limits l;
	struct sim_result res;
	long long np;
	size_t ni, i, total = 0;

	np = load_trace(MDGB_TRACE_DIR "/vm-stock-6.12.csv", per,
			ARRAY_SIZE(per), uuids, &ni, parent_of);
	if (np <= 0) {
		TAP_DIAG("cannot read the recorded trace");
		return TAP_FAIL;
	}
	mdgb_move_limits_default(&l);
	simulate(&l, per, np, parent_of, ni, &res);
	printf("# %lld periods, %zu instances; first saturated period %lld, first move %lld\n",
	       np, ni, res.first_saturated, res.first_any_move);
	for (i = 0; i < ni; i++) {
		printf("#   %.8s...%s: %u moves, now on sim%d\n", uuids[i],
		       uuids[i] + 32, res.moves[i], parent_of[i]);
		total += res.moves[i];
		if (res.moves[i] && strcmp(uuids[i] + 34, "0c")) {
			TAP_DIAG("%s moved", uuids[i]);
			return TAP_FAIL;
		}
		if (!strcmp(uuids[i] + 34, "0c"))
			CHECK(res.moves[i] == 1 && parent_of[i] == 1);
	}
	CHECK_INT(total, 1);
	CHECK_INT(res.held_moved, 0);
	CHECK(res.first_saturated >= 0);
	CHECK(res.first_any_move >= res.first_saturated + l.after - 1);
	return TAP_PASS;
}

/*
 * Load that flips between the two parents every @flip periods, with two
 * idle instances that can move: without hysteresis they would follow the
 * load back and forth. Each instance moves at most once per cooldown, the
 * per-period limit holds, and a one-period spike moves nothing.
 */
static int test_no_back_and_forth(void)
{
	static struct sim_period per[600];
	struct mdgb_move_limits l = { .after = 2, .cooldown = 30,
				      .max_per_period = 1 };
	int parent_of[3] = { 0, 0, 1 };
	struct sim_result res;
	size_t p, i;
	const size_t flip = 4;

	memset(per, 0, sizeof(per));
	for (p = 0; p < ARRAY_SIZE(per); p++) {
		size_t hot = (p / flip) % 2;

		per[p].load[hot] = (struct mdgb_parent_load){ 0.98, 0.9 };
		per[p].load[!hot] = (struct mdgb_parent_load){ 0.02, 0 };
		per[p].active[2] = true;	/* held all along */
	}
	simulate(&l, per, ARRAY_SIZE(per), parent_of, 3, &res);
	printf("# flipping every %zu periods over %zu: moves %u %u %u, shortest gap %lld, most in a period %u\n",
	       flip, ARRAY_SIZE(per), res.moves[0], res.moves[1],
	       res.moves[2], res.min_gap, res.max_in_period);
	CHECK(res.moves[0] > 0 && res.moves[1] > 0);
	CHECK_INT(res.moves[2], 0);
	CHECK(res.min_gap < 0 || res.min_gap >= (long long)l.cooldown);
	for (i = 0; i < 2; i++)
		CHECK(res.moves[i] <= ARRAY_SIZE(per) / l.cooldown + 1);
	CHECK(res.max_in_period <= l.max_per_period);
	/* The two instances wanted to go together: the limit split them. */
	CHECK(res.first_move[0] != res.first_move[1]);

	/* Spikes of one period every other period: nothing moves. */
	memset(per, 0, sizeof(per));
	for (p = 0; p < 100; p++) {
		per[p].load[0] = p % 2 ? (struct mdgb_parent_load){ 0.99, 1 } :
					 (struct mdgb_parent_load){ 0.5, 0 };
		per[p].load[1] = (struct mdgb_parent_load){ 0.01, 0 };
	}
	parent_of[0] = parent_of[1] = 0;
	simulate(&l, per, 100, parent_of, 2, &res);
	CHECK_INT(res.moves[0] + res.moves[1], 0);
	return TAP_PASS;
}

/* ---- proposals through mdgpuctl's fit rule ------------------------------- */

#define MiB	(1024ULL * 1024)
#define NR_ROOM	32

/* @n parents, healthy, each with @vram bytes and nothing used. */
static void caps_empty(struct mdg_cap *cap, struct mdg_range room[][NR_ROOM],
		       size_t n, uint64_t vram)
{
	size_t i;

	for (i = 0; i < n; i++)
		cap[i] = (struct mdg_cap){ .healthy = true, .vram = vram,
					   .used = room[i],
					   .max_used = NR_ROOM };
}

/*
 * Parent 0 saturated, 1 idle with room for one 64M and one 128M, 2 busy:
 * unheld instances of parent 0 go to parent 1 while it has room, and
 * their ranges are given back on parent 0; held, reserved and cooling
 * ones never move, and an unhealthy parent takes nothing.
 */
static int test_propose(void)
{
	struct mdgb_parent_load par[3] = {
		{ 0.99, 0.8 }, { 0.05, 0 }, { 0.7, 0 },
	};
	struct mdgb_movable in[5] = {
		{ .parent = 0, .type = 0, .size = 64 * MiB, .held = true },
		{ .parent = 0, .type = 0, .size = 64 * MiB, .offset = 64 * MiB },
		{ .parent = 0, .type = 1, .size = 128 * MiB,
		  .offset = 128 * MiB },
		{ .parent = 0, .type = 0, .size = 64 * MiB,
		  .offset = 256 * MiB },
		{ .parent = 2, .type = 0, .size = 64 * MiB },
	};
	const bool offers[3 * 2] = { true, true, true, true, true, true };
	struct mdg_range room[3][NR_ROOM];
	struct mdg_cap cap[3];
	struct mdgb_move m[8];
	struct mdgb_unfit u[8];
	struct mdgb_plan plan = { .moves = m, .max_moves = 8, .unfit = u,
				  .max_unfit = 8 };
	size_t i;

#define RESET() do {							\
		caps_empty(cap, room, 3, 1024 * MiB);			\
		cap[1].vram = 256 * MiB;				\
		mdg_cap_take(&cap[1], 64 * MiB, 0, NULL);		\
		for (i = 0; i < 4; i++)					\
			mdg_cap_take(&cap[0], in[i].size, 0, NULL);	\
	} while (0)

	RESET();
	CHECK_INT(cap[0].nr_used, 4);
	CHECK_INT(mdgb_propose(par, cap, 3, in, 5, offers, 2, &plan), 2);
	CHECK(m[0].instance == 1 && m[0].from == 0 && m[0].to == 1);
	CHECK(m[1].instance == 2 && m[1].to == 1);
	/* Parent 1 is full now; its plan says so. */
	CHECK_INT(mdg_cap_fit(&cap[1], 64 * MiB, 0, NULL), MDG_FIT_NO_VRAM);
	CHECK_INT(plan.nr_unfit, 1);
	CHECK(u[0].instance == 3 && u[0].to == 1 && u[0].planned == 2);
	/* The moved ones' ranges are free on parent 0 again. */
	CHECK_INT(cap[0].nr_used, 2);
	/* One moved less than the cooldown ago: the next one goes instead. */
	RESET();
	in[1].cooling = true;
	CHECK_INT(mdgb_propose(par, cap, 3, in, 5, offers, 2, &plan), 2);
	CHECK(m[0].instance == 2 && m[1].instance == 3);
	in[1].cooling = false;
	/* Its reservation keeps it where it is. */
	RESET();
	in[1].reserved = true;
	CHECK_INT(mdgb_propose(par, cap, 3, in, 5, offers, 2, &plan), 2);
	CHECK(m[0].instance == 2 && m[1].instance == 3);
	in[1].reserved = false;
	/* An unhealthy parent takes nothing, however idle. */
	RESET();
	cap[1].healthy = false;
	CHECK_INT(mdgb_propose(par, cap, 3, in, 5, offers, 2, &plan), 0);
	CHECK_INT(plan.nr_unfit, 3);
	CHECK_INT(u[0].verdict, MDG_FIT_UNHEALTHY);
	/* Not saturated (nobody waits): nothing. */
	RESET();
	par[0].waiting = 0;
	CHECK_INT(mdgb_propose(par, cap, 3, in, 5, offers, 2, &plan), 0);
	CHECK_INT(plan.nr_unfit, 0);
	/* Every instance held: nothing. */
	par[0].waiting = 0.8;
	in[1].held = true;
	in[2].held = true;
	in[3].held = true;
	CHECK_INT(mdgb_propose(par, cap, 3, in, 5, offers, 2, &plan), 0);
#undef RESET
	return TAP_PASS;
}

/*
 * max_moves > 1: two instances of a saturated parent want the one idle
 * parent, which has room for one of them only, by VRAM (128M left) or by
 * engine share (min_shares): the first is proposed, the second is not,
 * and the plan says why, counting the move planned before it.
 */
static int test_plan_second_move_does_not_fit(void)
{
	struct mdgb_parent_load par[2] = { { 0.99, 0.8 }, { 0.05, 0 } };
	struct mdgb_movable in[2] = {
		{ .parent = 0, .type = 0, .size = 128 * MiB },
		{ .parent = 0, .type = 0, .size = 128 * MiB,
		  .offset = 128 * MiB },
	};
	const bool offers[2] = { true, true };
	struct mdg_range room[2][NR_ROOM];
	struct mdg_cap cap[2];
	struct mdgb_move m[4];
	struct mdgb_unfit u[4];
	struct mdgb_plan plan = { .moves = m, .max_moves = 4, .unfit = u,
				  .max_unfit = 4 };

	/* VRAM: 512M, 384M of it used. */
	caps_empty(cap, room, 2, 512 * MiB);
	mdg_cap_take(&cap[0], 128 * MiB, 0, NULL);
	mdg_cap_take(&cap[0], 128 * MiB, 0, NULL);
	mdg_cap_take(&cap[1], 256 * MiB, 0, NULL);
	mdg_cap_take(&cap[1], 128 * MiB, 0, NULL);
	CHECK_INT(mdg_cap_fit(&cap[1], 128 * MiB, 0, NULL), MDG_FIT_OK);
	CHECK_INT(mdgb_propose(par, cap, 2, in, 2, offers, 1, &plan), 1);
	CHECK(m[0].instance == 0 && m[0].to == 1);
	CHECK_INT(plan.nr_unfit, 1);
	CHECK(u[0].instance == 1 && u[0].from == 0 && u[0].to == 1);
	CHECK_INT(u[0].verdict, MDG_FIT_NO_VRAM);
	CHECK_INT(u[0].planned, 1);
	printf("# second move: %s\n", u[0].why);
	CHECK_HAS(u[0].why, "no free aligned 128M range (512M of 512M used or reserved)");

	/* Engine share: 600000 ppm committed there, 300000 each. */
	caps_empty(cap, room, 2, 2048 * MiB);
	cap[1].share = 600000;
	in[0].min_share = 300000;
	in[1].min_share = 300000;
	CHECK_INT(mdgb_propose(par, cap, 2, in, 2, offers, 1, &plan), 1);
	CHECK(m[0].instance == 0 && m[0].to == 1);
	CHECK_INT(plan.nr_unfit, 1);
	CHECK_INT(u[0].verdict, MDG_FIT_NO_SHARE);
	CHECK_INT(u[0].planned, 1);
	printf("# second move: %s\n", u[0].why);
	CHECK_HAS(u[0].why, "900000 ppm committed");
	CHECK_INT(cap[1].share, 900000);
	return TAP_PASS;
}

/*
 * A snapshot of three parents as mdg_system_load() reads them: sim0 with
 * instance X (64M at 0), sim1 and sim2 with 256M of VRAM each and nothing
 * created; sim1 is the idler one but holds a reservation given as
 * @resv_line.
 */
static struct mdg_parent snap_parents[3];
static struct mdg_instance snap_inst[1];

static void snapshot(struct mdg_system *sys, const char *resv_line)
{
	static const char *const names[3] = { "sim0", "sim1", "sim2" };
	size_t i;

	memset(snap_parents, 0, sizeof(snap_parents));
	memset(snap_inst, 0, sizeof(snap_inst));
	for (i = 0; i < 3; i++) {
		struct mdg_parent *p = &snap_parents[i];

		snprintf(p->name, sizeof(p->name), "%s", names[i]);
		snprintf(p->health, sizeof(p->health), "ok");
		p->vram_total = 256 * MiB;
		p->vram_promised = 256 * MiB;
		p->vram_used = 0;
	}
	snap_parents[0].vram_used = 64 * MiB;
	if (!mdg_resv_parse(resv_line, &snap_parents[1].resv[0]))
		snap_parents[1].nr_resv = 1;
	snap_parents[1].vram_used = snap_parents[1].resv[0].vram;
	snprintf(snap_inst[0].uuid, sizeof(snap_inst[0].uuid),
		 "6b7f7f90-4f6c-4a8e-9a63-2a4bde0c00aa");
	snprintf(snap_inst[0].parent, sizeof(snap_inst[0].parent), "sim0");
	snap_inst[0].vram_offset = 0;
	snap_inst[0].vram_size = 64 * MiB;
	snap_inst[0].min_share = 200000;
	*sys = (struct mdg_system){ .loaded = true,
				    .parents = snap_parents, .nr_parents = 3,
				    .instances = snap_inst,
				    .nr_instances = 1 };
}

/* Plan X's move off saturated sim0 on caps built by mdg_cap_init(). */
static int plan_from_snapshot(const char *resv_line, struct mdg_cap *cap,
			      struct mdgb_plan *plan)
{
	static struct mdg_range room[3][NR_ROOM];
	struct mdgb_parent_load par[3] = {
		{ 0.99, 0.8 }, { 0.01, 0 }, { 0.10, 0 },
	};
	const bool offers[3] = { true, true, true };
	struct mdgb_movable in = { .parent = 0, .type = 0, .size = 64 * MiB,
				   .min_share = 200000 };
	struct mdg_system sys;
	size_t i;

	snapshot(&sys, resv_line);
	for (i = 0; i < 3; i++)
		if (mdg_cap_init(&cap[i], &sys, &snap_parents[i], room[i],
				 NR_ROOM))
			return -1;
	return (int)mdgb_propose(par, cap, 3, &in, 1, offers, 1, plan);
}

/*
 * sim1, the idlest, has all its VRAM reserved for an instance that does
 * not exist: X goes to sim2. Without the reservation it goes to sim1.
 */
static int test_plan_reserved_vram_not_chosen(void)
{
	struct mdg_cap cap[3];
	struct mdgb_move m[2];
	struct mdgb_plan plan = { .moves = m, .max_moves = 2 };

	CHECK_INT(plan_from_snapshot("6b7f7f90-4f6c-4a8e-9a63-2a4bde0c0001:256:0:7 0 unheld",
				     cap, &plan), 1);
	CHECK_INT(snap_parents[1].nr_resv, 1);
	CHECK_INT(mdg_cap_fit(&cap[1], 64 * MiB, 0, NULL), MDG_FIT_NO_VRAM);
	CHECK(m[0].from == 0 && m[0].to == 2);
	/* A reservation of 128M leaves room for X on sim1. */
	CHECK_INT(plan_from_snapshot("6b7f7f90-4f6c-4a8e-9a63-2a4bde0c0001:128:0:7 0 unheld",
				     cap, &plan), 1);
	CHECK(m[0].to == 1);
	return TAP_PASS;
}

/*
 * sim1 reserves 900000 ppm of its engine for an absent instance: X, whose
 * min_share is 200000 ppm, is admitted on sim2 only; with 800000 ppm
 * reserved, sim1 admits it (exactly the whole engine).
 */
static int test_plan_reserved_share_not_chosen(void)
{
	struct mdg_cap cap[3];
	struct mdgb_move m[2];
	struct mdgb_plan plan = { .moves = m, .max_moves = 2 };

	CHECK_INT(plan_from_snapshot("6b7f7f90-4f6c-4a8e-9a63-2a4bde0c0001:0:900000:7 - unheld",
				     cap, &plan), 1);
	CHECK_INT(cap[1].share, 900000);
	CHECK_INT(mdg_cap_fit(&cap[1], 64 * MiB, 200000, NULL),
		  MDG_FIT_NO_SHARE);
	CHECK(m[0].to == 2);
	/* X's own min_share counts on sim0, and leaves with it. */
	CHECK_INT(cap[0].share, 0);
	CHECK_INT(plan_from_snapshot("6b7f7f90-4f6c-4a8e-9a63-2a4bde0c0001:0:800000:7 - unheld",
				     cap, &plan), 1);
	CHECK(m[0].to == 1);
	CHECK_INT(cap[1].share, 1000000);
	return TAP_PASS;
}

/* ---- relocation steps and rollback --------------------------------------- */

/*
 * A mock module with one instance. Its device state is a number (0: the
 * power-on state); saving and closing it resets it, as the real device
 * does when its saver closes it in RUNNING.
 */
struct mock {
	char parent[16];	/* where the instance is, "" = nowhere */
	int state;
	char tunables[96];
	int saved;		/* the saved stream, -1 = none */
	int kept;		/* the file the state was kept in, -1 = none */
	int room[2];		/* free slots of sim0 and sim1 */
	unsigned int calls;
	unsigned int fail_a, fail_b;	/* fail these calls (1-based) */
	int fail_err;
	char log[256];
};

static bool fails(struct mock *m, const char *what)
{
	bool f;

	m->calls++;
	f = m->calls == m->fail_a || m->calls == m->fail_b;
	if (strlen(m->log) + 12 < sizeof(m->log))
		sprintf(m->log + strlen(m->log), " %s%s", what, f ? "!" : "");
	return f;
}

static int slot(const char *parent)
{
	return strcmp(parent, "sim0") ? 1 : 0;
}

static int m_save(void *ctx, struct mdg_reloc *r)
{
	struct mock *m = ctx;

	(void)r;
	if (fails(m, "save")) {
		m->state = 0;
		return -EIO;
	}
	m->saved = m->state;
	m->state = 0;
	return 0;
}

static int m_remove(void *ctx, const char *uuid)
{
	struct mock *m = ctx;

	(void)uuid;
	if (fails(m, "remove") || !m->parent[0])
		return -EBUSY;
	m->room[slot(m->parent)]++;
	m->parent[0] = '\0';
	m->state = 0;
	return 0;
}

static int m_create(void *ctx, const char *parent, const char *type,
		    const char *uuid)
{
	struct mock *m = ctx;

	(void)type;
	(void)uuid;
	if (fails(m, "create"))
		return m->fail_err;
	if (m->parent[0] || !m->room[slot(parent)])
		return -ENOSPC;
	m->room[slot(parent)]--;
	snprintf(m->parent, sizeof(m->parent), "%s", parent);
	m->state = 0;
	snprintf(m->tunables, sizeof(m->tunables), "defaults");
	return 0;
}

static bool m_exists(void *ctx, const char *uuid)
{
	struct mock *m = ctx;

	(void)uuid;
	return m->parent[0];
}

static int m_restore(void *ctx, struct mdg_reloc *r)
{
	struct mock *m = ctx;

	(void)r;
	if (fails(m, "restore") || !m->parent[0] || m->saved < 0) {
		m->state = 0;
		return -EBADMSG;
	}
	m->state = m->saved;
	return 0;
}

static int m_tunables(void *ctx, struct mdg_reloc *r)
{
	struct mock *m = ctx;

	if (fails(m, "tunables")) {
		r->failed_tunables = 1;
		return -ERANGE;
	}
	r->failed_tunables = 0;
	snprintf(m->tunables, sizeof(m->tunables), "%s=%s", r->tun[0]->name,
		 r->val[0]);
	return 0;
}

static int m_keep(void *ctx, struct mdg_reloc *r)
{
	struct mock *m = ctx;

	snprintf(r->kept, sizeof(r->kept), "/var/tmp/kept");
	if (fails(m, "keep"))
		return -ENOSPC;
	m->kept = m->saved;
	return 0;
}

static const struct mdg_reloc_ops mock_ops = {
	.save = m_save,
	.remove = m_remove,
	.create = m_create,
	.exists = m_exists,
	.restore = m_restore,
	.tunables = m_tunables,
	.keep = m_keep,
};

static const struct mdg_tunable weight = {
	.name = "weight", .scope = MDG_SCOPE_INSTANCE, .file = "weight",
};

#define STATE	0x5a5a

static void setup(struct mock *m, struct mdg_reloc *r, unsigned int a,
		  unsigned int b)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->parent, sizeof(m->parent), "sim0");
	m->state = STATE;
	snprintf(m->tunables, sizeof(m->tunables), "weight=77");
	m->saved = -1;
	m->kept = -1;
	m->room[0] = 0;		/* sim0 full but for our instance */
	m->room[1] = 1;
	m->fail_a = a;
	m->fail_b = b;
	m->fail_err = -ENOSPC;
	memset(r, 0, sizeof(*r));
	snprintf(r->uuid, sizeof(r->uuid), "62616c00-0000-4000-8000-00000000000c");
	snprintf(r->type, sizeof(r->type), "mdgpu-64M");
	snprintf(r->from, sizeof(r->from), "sim0");
	snprintf(r->to, sizeof(r->to), "sim1");
	r->tun[0] = &weight;
	snprintf(r->val[0], sizeof(r->val[0]), "77");
	r->nr_tun = 1;
	r->strict = true;
}

/*
 * What must hold after any relocation, whatever failed: the result says
 * where the instance is, and it is there with its state and tunables.
 */
static int check_outcome(const struct mock *m, const struct mdg_reloc *r,
			 enum mdg_reloc_result res, bool keep_failed)
{
	switch (res) {
	case MDG_RELOC_MOVED:
		CHECK_STR(m->parent, "sim1");
		CHECK_INT(m->state, STATE);
		/* A refused tunable it could not be taken back for. */
		CHECK(!strcmp(m->tunables, "weight=77") ||
		      (r->failed_tunables && !strcmp(r->failed_step, "tunables")));
		CHECK(!strcmp(r->failed_step, "") ||
		      !strcmp(r->failed_step, "tunables"));
		break;
	case MDG_RELOC_UNCHANGED:
		CHECK_STR(m->parent, "sim0");
		CHECK_STR(r->failed_step, "save");
		break;
	case MDG_RELOC_ROLLED_BACK:
		CHECK_STR(m->parent, "sim0");
		CHECK_INT(m->state, STATE);
		CHECK(!strcmp(m->tunables, "weight=77") ||
		      r->failed_tunables > 0);
		CHECK(r->failed_step[0] && r->err < 0);
		break;
	case MDG_RELOC_KEPT:
		CHECK_INT(m->kept, STATE);
		CHECK_STR(r->kept, "/var/tmp/kept");
		/* Nowhere, or left without its state. */
		CHECK(!m->parent[0] || m->state != STATE);
		break;
	case MDG_RELOC_LOST:
		CHECK(keep_failed);
		break;
	default:
		TAP_DIAG("result %d", res);
		return TAP_FAIL;
	}
	CHECK(res == MDG_RELOC_LOST || !keep_failed || m->kept < 0);
	return TAP_PASS;
}

/* The same failure at the destination as the VM test forces. */
static int test_rollback_destination_full(void)
{
	struct mdg_reloc r;
	struct mock m;

	setup(&m, &r, 0, 0);
	m.room[1] = 0;		/* sim1 filled up since the proposal */
	CHECK_INT(mdg_relocate(&mock_ops, &m, &r), MDG_RELOC_ROLLED_BACK);
	CHECK_STR(r.failed_step, "create");
	CHECK_INT(r.err, -ENOSPC);
	CHECK_STR(m.parent, "sim0");
	CHECK_INT(m.state, STATE);
	CHECK_STR(m.tunables, "weight=77");
	CHECK_STR(m.log, " save remove create create restore tunables");
	CHECK_STR(mdg_reloc_result_name(MDG_RELOC_ROLLED_BACK), "rolled-back");

	/* ... and sim0's room was taken meanwhile too: kept in a file. */
	setup(&m, &r, 3, 4);
	CHECK_INT(mdg_relocate(&mock_ops, &m, &r), MDG_RELOC_KEPT);
	CHECK_INT(m.kept, STATE);
	CHECK_STR(m.parent, "");

	/* ... and the file cannot be written either: lost, and said so. */
	setup(&m, &r, 4, 5);
	m.room[1] = 0;
	CHECK_INT(mdg_relocate(&mock_ops, &m, &r), MDG_RELOC_LOST);
	CHECK_STR(m.log, " save remove create create! keep!");
	return TAP_PASS;
}

/* A destination that refuses a tunable (a min_share its guarantees have
 * no room for): strict moves roll back, others stand.
 */
static int test_rollback_tunable_refused(void)
{
	struct mdg_reloc r;
	struct mock m;

	setup(&m, &r, 5, 0);
	CHECK_INT(mdg_relocate(&mock_ops, &m, &r), MDG_RELOC_ROLLED_BACK);
	CHECK_STR(r.failed_step, "tunables");
	CHECK_STR(m.parent, "sim0");
	CHECK_INT(m.state, STATE);
	CHECK_STR(m.tunables, "weight=77");
	CHECK_INT(m.room[1], 1);

	setup(&m, &r, 5, 0);
	r.strict = false;
	CHECK_INT(mdg_relocate(&mock_ops, &m, &r), MDG_RELOC_MOVED);
	CHECK_INT(r.failed_tunables, 1);
	CHECK_STR(m.parent, "sim1");
	CHECK_INT(m.state, STATE);
	return TAP_PASS;
}

/* Fail every call, then every pair of calls: the invariant always holds,
 * and only a failed "keep" can lose the instance.
 */
static int test_rollback_fail_nth(void)
{
	unsigned int a, b, runs = 0, seen[MDG_RELOC_NR] = { 0 };
	enum mdg_reloc_result res;
	struct mdg_reloc r;
	struct mock m;
	int ret;

	for (a = 0; a <= 12; a++) {
		for (b = 0; b <= 12; b++) {
			/* b = 0: a alone; else the pair a < b. */
			if ((!a && b) || (b && b <= a))
				continue;
			setup(&m, &r, a, b);
			m.room[0] = 1;	/* room to go back to */
			res = mdg_relocate(&mock_ops, &m, &r);
			runs++;
			seen[res]++;
			ret = check_outcome(&m, &r, res,
					    strstr(m.log, "keep!") != NULL);
			if (ret != TAP_PASS) {
				TAP_DIAG("failing calls %u and %u: %s -> %s",
					 a, b, m.log,
					 mdg_reloc_result_name(res));
				return ret;
			}
			if (!a)
				CHECK_INT(res, MDG_RELOC_MOVED);
			if (a && a <= 5 && !b)
				CHECK(res != MDG_RELOC_MOVED &&
				      res != MDG_RELOC_KEPT &&
				      res != MDG_RELOC_LOST);
		}
	}
	printf("# %u runs: moved %u, unchanged %u, rolled back %u, kept %u, lost %u\n",
	       runs, seen[MDG_RELOC_MOVED], seen[MDG_RELOC_UNCHANGED],
	       seen[MDG_RELOC_ROLLED_BACK], seen[MDG_RELOC_KEPT],
	       seen[MDG_RELOC_LOST]);
	/* Losing it takes three failures (rollback_destination_full). */
	CHECK(seen[MDG_RELOC_MOVED] && seen[MDG_RELOC_UNCHANGED] &&
	      seen[MDG_RELOC_ROLLED_BACK] && seen[MDG_RELOC_KEPT] &&
	      !seen[MDG_RELOC_LOST]);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "move_due", test_move_due },
	{ "moves_on_recorded_trace", test_moves_on_recorded_trace },
	{ "no_back_and_forth", test_no_back_and_forth },
	{ "propose_moves", test_propose },
	{ "plan_second_move_does_not_fit", test_plan_second_move_does_not_fit },
	{ "plan_reserved_vram_not_chosen", test_plan_reserved_vram_not_chosen },
	{ "plan_reserved_share_not_chosen", test_plan_reserved_share_not_chosen },
	{ "rollback_destination_full", test_rollback_destination_full },
	{ "rollback_tunable_refused", test_rollback_tunable_refused },
	{ "rollback_fail_nth", test_rollback_fail_nth },
};

int main(void)
{
	return tap_run(tests, ARRAY_SIZE(tests));
}
