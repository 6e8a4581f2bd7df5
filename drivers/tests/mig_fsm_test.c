// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the migration state machine's arcs: every pair of states,
 * against the table of what each arc must do.
 */
#include <kunit/test.h>

#include "../mig_fsm.c"

#define S_ERROR		VFIO_DEVICE_STATE_ERROR
#define S_STOP		VFIO_DEVICE_STATE_STOP
#define S_RUN		VFIO_DEVICE_STATE_RUNNING
#define S_COPY		VFIO_DEVICE_STATE_STOP_COPY
#define S_RESUME	VFIO_DEVICE_STATE_RESUMING
#define S_P2P		VFIO_DEVICE_STATE_RUNNING_P2P
#define S_PRE		MDGPU_MIG_S_PRE_COPY
#define S_PRE_P2P	MDGPU_MIG_S_PRE_COPY_P2P
#define S_NR		(MDGPU_MIG_S_PRE_COPY_P2P + 1)

/* An arc, and what it must do: F freeze, T thaw. */
struct mig_fsm_arc {
	u32 cur, next;
	bool freeze, thaw;
	enum mdgpu_mig_action action;
};

static const struct mig_fsm_arc mig_fsm_arcs[] = {
	{ S_RUN, S_P2P, true, false, MDGPU_MIG_A_NONE },
	{ S_P2P, S_RUN, false, true, MDGPU_MIG_A_NONE },
	{ S_P2P, S_STOP, false, false, MDGPU_MIG_A_NONE },
	{ S_STOP, S_P2P, false, false, MDGPU_MIG_A_NONE },
	{ S_RUN, S_STOP, true, false, MDGPU_MIG_A_NONE },
	{ S_STOP, S_RUN, false, true, MDGPU_MIG_A_NONE },
	{ S_STOP, S_COPY, false, false, MDGPU_MIG_A_SAVE_STATE },
	{ S_COPY, S_STOP, false, false, MDGPU_MIG_A_END_SAVE },
	{ S_STOP, S_RESUME, false, false, MDGPU_MIG_A_RESUME },
	{ S_RESUME, S_STOP, false, false, MDGPU_MIG_A_END_RESUME },
	{ S_RUN, S_PRE, false, false, MDGPU_MIG_A_SAVE },
	{ S_P2P, S_PRE_P2P, false, false, MDGPU_MIG_A_SAVE },
	{ S_PRE, S_PRE_P2P, true, false, MDGPU_MIG_A_NONE },
	{ S_PRE_P2P, S_PRE, false, true, MDGPU_MIG_A_NONE },
	{ S_PRE, S_RUN, false, false, MDGPU_MIG_A_END_SAVE },
	{ S_PRE_P2P, S_P2P, false, false, MDGPU_MIG_A_END_SAVE },
	{ S_PRE_P2P, S_COPY, false, false, MDGPU_MIG_A_STOP_COPY },
};

static void mig_fsm_every_pair(struct kunit *test)
{
	const struct mig_fsm_arc *arc;
	struct mdgpu_mig_plan plan;
	u32 cur, next;
	unsigned int i;
	int ret;

	for (cur = 0; cur < S_NR; cur++) {
		for (next = 0; next < S_NR; next++) {
			arc = NULL;
			for (i = 0; i < ARRAY_SIZE(mig_fsm_arcs); i++)
				if (mig_fsm_arcs[i].cur == cur &&
				    mig_fsm_arcs[i].next == next)
					arc = &mig_fsm_arcs[i];
			ret = mdgpu_mig_plan(cur, next, &plan);
			if (!arc) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
						    "%u -> %u is no arc", cur,
						    next);
				continue;
			}
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "arc %u -> %u", cur,
					    next);
			KUNIT_EXPECT_EQ_MSG(test, plan.freeze, arc->freeze,
					    "freeze on %u -> %u", cur, next);
			KUNIT_EXPECT_EQ_MSG(test, plan.thaw, arc->thaw,
					    "thaw on %u -> %u", cur, next);
			KUNIT_EXPECT_EQ_MSG(test, plan.action, arc->action,
					    "action on %u -> %u", cur, next);
		}
	}
}

/*
 * The paths QEMU takes: every state on them is quiet (frozen) exactly when
 * the uAPI says the device must not run, whatever the path to it.
 */
static void mig_fsm_paths(struct kunit *test)
{
	static const u32 paths[][6] = {
		/* Live migration with pre-copy, source side. */
		{ S_RUN, S_PRE, S_PRE_P2P, S_COPY, S_STOP, S_RUN },
		/* Stop-and-copy without pre-copy. */
		{ S_RUN, S_P2P, S_STOP, S_COPY, S_STOP, S_P2P },
		/* The destination. */
		{ S_RUN, S_P2P, S_STOP, S_RESUME, S_STOP, S_P2P },
		/* A cancelled pre-copy. */
		{ S_RUN, S_PRE, S_RUN, S_P2P, S_PRE_P2P, S_P2P },
	};
	struct mdgpu_mig_plan plan;
	unsigned int p, i;
	bool frozen;

	for (p = 0; p < ARRAY_SIZE(paths); p++) {
		frozen = false;
		for (i = 0; i + 1 < ARRAY_SIZE(paths[p]); i++) {
			KUNIT_ASSERT_EQ(test, mdgpu_mig_plan(paths[p][i],
							     paths[p][i + 1],
							     &plan), 0);
			KUNIT_EXPECT_FALSE(test, plan.freeze && plan.thaw);
			if (plan.freeze)
				frozen = true;
			if (plan.thaw)
				frozen = false;
			KUNIT_EXPECT_EQ_MSG(test, frozen,
					    !mdgpu_mig_state_runs(paths[p][i + 1]),
					    "path %u step %u", p, i);
		}
	}
}

static struct kunit_case mdgpu_mig_fsm_cases[] = {
	KUNIT_CASE(mig_fsm_every_pair),
	KUNIT_CASE(mig_fsm_paths),
	{}
};

static struct kunit_suite mdgpu_mig_fsm_suite = {
	.name = "mdgpu_mig_fsm",
	.test_cases = mdgpu_mig_fsm_cases,
};

kunit_test_suite(mdgpu_mig_fsm_suite);
