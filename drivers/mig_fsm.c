// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: what each arc of the VFIO migration state machine does to an
 * instance. Pure logic over the uAPI's state numbers, KUnit-tested as a
 * table (drivers/tests/mig_fsm_test.c); drivers/migration.c carries the
 * plan out.
 *
 * The VFIO core splits a requested change into the arcs below
 * (vfio_mig_get_next_state()); this says, for one arc, whether the engine
 * context freezes or thaws and what happens to the data files.
 */
#include <linux/errno.h>
#include <linux/vfio.h>

#include "mdgpu_mig.h"

/* Does the engine run in state @s? */
static bool mdgpu_mig_state_runs(u32 s)
{
	return s == VFIO_DEVICE_STATE_RUNNING || s == MDGPU_MIG_S_PRE_COPY;
}

/**
 * mdgpu_mig_plan() - what one arc does
 * @cur: the state now (a VFIO_DEVICE_STATE_* number)
 * @next: the next state, one arc away
 * @plan: filled in
 *
 * Return: 0, or -EINVAL if @cur -> @next is not an arc of the state
 * machine (the core never asks for one; ERROR is left only by a reset).
 */
int mdgpu_mig_plan(u32 cur, u32 next, struct mdgpu_mig_plan *plan)
{
	static const struct {
		u32 cur, next;
		enum mdgpu_mig_action action;
	} arcs[] = {
		{ VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_RUNNING_P2P,
		  MDGPU_MIG_A_NONE },
		{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_RUNNING,
		  MDGPU_MIG_A_NONE },
		{ VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_STOP,
		  MDGPU_MIG_A_NONE },
		{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING_P2P,
		  MDGPU_MIG_A_NONE },
		/* Without P2P the core goes straight between these two. */
		{ VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP,
		  MDGPU_MIG_A_NONE },
		{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING,
		  MDGPU_MIG_A_NONE },
		{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_STOP_COPY,
		  MDGPU_MIG_A_SAVE_STATE },
		{ VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_STOP,
		  MDGPU_MIG_A_END_SAVE },
		{ VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RESUMING,
		  MDGPU_MIG_A_RESUME },
		{ VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_STOP,
		  MDGPU_MIG_A_END_RESUME },
		{ VFIO_DEVICE_STATE_RUNNING, MDGPU_MIG_S_PRE_COPY,
		  MDGPU_MIG_A_SAVE },
		{ VFIO_DEVICE_STATE_RUNNING_P2P, MDGPU_MIG_S_PRE_COPY_P2P,
		  MDGPU_MIG_A_SAVE },
		{ MDGPU_MIG_S_PRE_COPY, MDGPU_MIG_S_PRE_COPY_P2P,
		  MDGPU_MIG_A_NONE },
		{ MDGPU_MIG_S_PRE_COPY_P2P, MDGPU_MIG_S_PRE_COPY,
		  MDGPU_MIG_A_NONE },
		{ MDGPU_MIG_S_PRE_COPY, VFIO_DEVICE_STATE_RUNNING,
		  MDGPU_MIG_A_END_SAVE },
		{ MDGPU_MIG_S_PRE_COPY_P2P, VFIO_DEVICE_STATE_RUNNING_P2P,
		  MDGPU_MIG_A_END_SAVE },
		{ MDGPU_MIG_S_PRE_COPY_P2P, VFIO_DEVICE_STATE_STOP_COPY,
		  MDGPU_MIG_A_STOP_COPY },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(arcs); i++) {
		if (arcs[i].cur != cur || arcs[i].next != next)
			continue;
		plan->action = arcs[i].action;
		plan->freeze = mdgpu_mig_state_runs(cur) &&
			       !mdgpu_mig_state_runs(next);
		plan->thaw = !mdgpu_mig_state_runs(cur) &&
			     mdgpu_mig_state_runs(next);
		return 0;
	}
	return -EINVAL;
}
