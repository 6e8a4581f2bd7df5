// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler watchdog: the per-job engine time limit. The engine sums
 * the engine time of the job it runs and asks after each chunk; when the
 * limit is passed it stops that vGPU into its error state and tells the
 * scheduler, which forgets the vGPU's work so the others keep their shares.
 */
#include <kunit/visibility.h>
#include <linux/export.h>

#include "sched_internal.h"

/**
 * mdgpu_sched_watchdog_expired() - has a job run past the limit?
 * @s: the scheduler
 * @e: the entity running the job
 * @job_ns: engine time the job has used so far
 *
 * Return: true if the watchdog is on and @job_ns exceeds it.
 */
bool mdgpu_sched_watchdog_expired(const struct mdgpu_sched *s,
				  const struct mdgpu_sched_entity *e,
				  u64 job_ns)
{
	return s->watchdog_ns && job_ns > s->watchdog_ns;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_watchdog_expired);

/**
 * mdgpu_sched_watchdog_fire() - the engine stopped a job of @e
 * @s: the scheduler
 * @e: the entity, whose ring the engine has stopped
 * @now: current time, ns
 *
 * Counts the event and puts the entity to sleep until it gets work again
 * (after the guest resets it).
 */
void mdgpu_sched_watchdog_fire(struct mdgpu_sched *s,
			       struct mdgpu_sched_entity *e, u64 now)
{
	e->stats.watchdog++;
	mdgpu_sched_sleep(s, e, now);
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_watchdog_fire);
