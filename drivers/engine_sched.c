// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the engine thread and its calls into the scheduler.
 *
 * Each parent has one thread ("mdgpu-eng/N"). It asks the scheduler
 * (scheduler/, through include/mdgpu_sched.h) which context to run, runs
 * that context one bounded chunk at a time (mdgpu_engine_step(), the
 * execution core in engine_exec.c), charges each chunk its work ("Chunk
 * charging" in include/mdgpu_engine.h: not the wall time a loaded host
 * or a stalled VM added to it), and
 * switches when the scheduler says so or the context runs out of work.
 * With nothing to run it sleeps until a doorbell. It takes the doorbells
 * the guests rang without a lock (engine_regs.c) before it picks and
 * between chunks. Time runs on without gaps inside a context's run: a
 * chunk starts where the previous one ended, so the bookkeeping between
 * chunks is the job's time, and a COMPUTE chunk may last up to the end of
 * the slice: its sleep ends early when the engine is wanted (a doorbell,
 * a context that became runnable, the running one that stopped being
 * runnable), so a higher priority is served as soon as a short chunk
 * would have let it. Every call into the
 * scheduler is made here, under the engine lock (mdgpu_engine::lock), which
 * nests inside mdgpu_vgpu::lock and under which nothing sleeps.
 *
 * A per-job watchdog fails a context whose command was charged more than
 * the parent's limit; a progress watchdog (mdgpu_engine_hang_check()) looks at the
 * thread every MDGPU_HANG_CHECK_MS: if it has a context to run but finished
 * no chunk for hang_timeout_ms, the engine is hung; the context it was
 * running is put in its error state (MDGPU_ERR_HANG), the engine is reset
 * and goes on with the others. debugfs.c injects such a hang.
 */
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mdev.h>
#include <linux/sched.h>

#include "mdgpu.h"
#include "mdgpu_trace.h"

/* How often the progress watchdog looks at the engine. */
#define MDGPU_HANG_CHECK_MS	100
static_assert(MDGPU_HANG_TIMEOUT_MIN_MS / 2 >= 2 * MDGPU_HANG_CHECK_MS);
static_assert((u64)MDGPU_HANG_TIMEOUT_MIN_MS * NSEC_PER_MSEC >=
	      2 * MDGPU_SCHED_TIMESLICE_MAX_NS);

/* The scheduler's clock, shared with drivers/sched_sysfs.c. */
static u64 mdgpu_sched_now(void)
{
	return ktime_get_ns();
}

static struct mdgpu_vgpu *ctx_to_vgpu(struct mdgpu_engine_ctx *ctx)
{
	return container_of(ctx, struct mdgpu_vgpu, engine);
}

/**
 * mdgpu_ctx_update() - tell the scheduler whether the context has work
 * @vgpu: the instance; caller holds vgpu->lock
 *
 * Wakes the engine thread if the context just got work.
 */
void mdgpu_ctx_update(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	bool armed = ctx->open && ctx->enabled && !ctx->error;
	bool work, wake = false;

	lockdep_assert_held(&vgpu->lock);
	if (armed != ctx->db_armed) {
		WRITE_ONCE(ctx->db_armed, armed);
		if (armed) {
			/*
			 * Armed, then the tail: pairs with the doorbell's
			 * barrier (see mdgpu_engine_doorbell()). A bad tail
			 * fails the context, which updates it again.
			 */
			smp_mb();
			mdgpu_ctx_take_doorbell_locked(vgpu);
		}
	}
	work = mdgpu_ctx_has_work(ctx);
	/*
	 * Most register writes change nothing the scheduler sees; @runnable
	 * is written under vgpu->lock too, so no engine lock to find out.
	 */
	if (work == ctx->runnable)
		return;
	spin_lock(&eng->lock);
	if (work != ctx->runnable) {
		ctx->runnable = work;
		if (work) {
			mdgpu_sched_wake(&eng->sched, &ctx->entity,
					 mdgpu_sched_now());
			eng->kicked = true;
			wake = true;
		} else {
			mdgpu_sched_sleep(&eng->sched, &ctx->entity,
					  mdgpu_sched_now());
			/*
			 * Reset, close, freeze, failure or disable of the
			 * context the thread runs: end its COMPUTE sleep.
			 */
			if (eng->running == ctx && current != eng->thread) {
				eng->kicked = true;
				wake = true;
			}
		}
	}
	spin_unlock(&eng->lock);
	/* The barrier in wq_has_sleeper() orders @kicked before the check. */
	if (wake && wq_has_sleeper(&eng->wq))
		wake_up(&eng->wq);
}

/* Is the engine wanted elsewhere than the running chunk? */
static bool mdgpu_engine_wanted(struct mdgpu_engine *eng)
{
	return READ_ONCE(eng->kicked) || !llist_empty(&eng->doorbells) ||
	       kthread_should_stop();
}

/**
 * mdgpu_engine_chunk_wait() - a backend's chunk waits for the engine time
 *			       it occupies
 * @eng: the engine; called by its thread with no lock held
 * @deadline: ktime_get_ns() time to wait until
 *
 * The sleep ends early when the engine is wanted: a doorbell to take, a
 * context that became runnable (it may deserve the engine now), or the
 * running context stopped being runnable. The wakers set what
 * mdgpu_engine_wanted() reads before they look for a sleeper on @eng->wq;
 * this queues itself there before it reads it, so none is missed.
 *
 * Return: true if it ended early, false at the deadline.
 */
bool mdgpu_engine_chunk_wait(struct mdgpu_engine *eng, u64 deadline)
{
	ktime_t t = ns_to_ktime(deadline);
	DEFINE_WAIT(wait);
	bool early;

	prepare_to_wait(&eng->wq, &wait, TASK_INTERRUPTIBLE);
	early = mdgpu_engine_wanted(eng);
	if (!early)
		early = schedule_hrtimeout_range(&t, 5 * NSEC_PER_USEC,
						 HRTIMER_MODE_ABS) != 0;
	finish_wait(&eng->wq, &wait);
	return early;
}

/*
 * Take the doorbells rung since the thread last looked (engine_regs.c):
 * each queued context's tail, under its instance's lock. Called by the
 * thread with no lock held.
 */
static void mdgpu_engine_take_doorbells(struct mdgpu_engine *eng)
{
	struct llist_node *list = llist_del_all(&eng->doorbells);
	struct mdgpu_engine_ctx *ctx, *next;
	struct mdgpu_vgpu *vgpu;

	llist_for_each_entry_safe(ctx, next, list, db_node) {
		vgpu = ctx_to_vgpu(ctx);
		/* Close waits while this is set, or while @db_queued is. */
		spin_lock(&eng->lock);
		eng->db_taking = ctx;
		spin_unlock(&eng->lock);
		mdgpu_engine_lock(eng, &vgpu->lock);
		/* Fully ordered: the bit cleared before the tail is read. */
		if (test_and_clear_bit(0, &ctx->db_queued) && ctx->db_armed)
			mdgpu_ctx_take_doorbell_locked(vgpu);
		mdgpu_ctx_update(vgpu);
		mutex_unlock(&vgpu->lock);
		spin_lock(&eng->lock);
		eng->db_taking = NULL;
		spin_unlock(&eng->lock);
		wake_up_all(&eng->idle_wq);
	}
}

static const guid_t *mdgpu_vgpu_guid(struct mdgpu_vgpu *vgpu)
{
	return &to_mdev_device(vgpu->vdev.dev)->uuid;
}

/*
 * Fault injection (debugfs watchdog_delay_ms): wait between failing a
 * context and telling the scheduler, so a test can hit what a guest could
 * do in that window. Bounded, as a debugfs value is only root's word.
 */
static void mdgpu_engine_wd_delay(struct mdgpu_engine *eng)
{
	u32 ms = READ_ONCE(eng->wd_delay_ms);

	if (ms)
		msleep(min(ms, MDGPU_WD_DELAY_MAX_MS));
}

/*
 * The job (command) the context is in ran past the parent's watchdog limit
 * (the step counted its time, the thread compared it under the engine
 * lock): stop the context into its error state, unless the job went away
 * meanwhile. Called by the engine thread between chunks.
 * Return: true if the watchdog fired.
 */
static bool mdgpu_engine_watchdog(struct mdgpu_engine *eng,
				  struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	bool fired;

	mdgpu_engine_lock(eng, &vgpu->lock);
	/* Only the thread fetches commands: the job is the one it ran. */
	fired = ctx->cur_valid && !ctx->error;
	if (fired) {
		/*
		 * Both under vgpu->lock: once it is dropped, the guest may
		 * reset the ring and ring the doorbell, making the context
		 * runnable again; the scheduler must not be told to put it
		 * to sleep after that, or no later doorbell would wake it.
		 */
		mdgpu_ctx_fail_at_locked(vgpu, MDGPU_ERR_WATCHDOG, ctx->head,
					 mdgpu_ctx_cur_header(ctx));
		mdgpu_engine_wd_delay(eng);
		spin_lock(&eng->lock);
		mdgpu_sched_watchdog_fire(&eng->sched, &ctx->entity,
					  mdgpu_sched_now());
		spin_unlock(&eng->lock);
	}
	mutex_unlock(&vgpu->lock);
	return fired;
}

/* @start + @len, or U64_MAX if that does not fit. */
static u64 mdgpu_engine_deadline(u64 start, u64 len)
{
	return len > U64_MAX - start ? U64_MAX : start + len;
}

/*
 * Run @ctx chunk by chunk until it is preempted or out of work. @start:
 * when the scheduler picked it; @end_by: the end of its slice.
 *
 * Per chunk: one read of the thread's clocks (at the end of the step,
 * under the instance's lock; a COMPUTE chunk reads the clock before and
 * after its sleep, and while it spins to a job's end; taking doorbells
 * reads them once more), the instance's lock once (twice for COMPUTE,
 * which drops it while it sleeps, and also takes the wait queue's lock to
 * sleep) and the engine lock once, for the charge, the statistics, the
 * preemption and the per-job watchdog's comparison. The statistics keep
 * the chunk's wall time as its length (engine_max_chunk_us), so a stalled
 * engine shows there though it is not charged.
 */
static void mdgpu_engine_run(struct mdgpu_engine *eng,
			     struct mdgpu_engine_ctx *ctx, u64 start,
			     u64 end_by)
{
	struct mdgpu_vgpu *vgpu = ctx_to_vgpu(ctx);
	struct mdgpu_step st;
	unsigned int completed;
	bool stop, fire;
	u64 wall;

	mdgpu_step_begin(&st, start, end_by);
	do {
		/* An injected hang: no progress until hang recovery. */
		if (READ_ONCE(eng->hang)) {
			wait_event_interruptible(eng->hang_wq,
						 !READ_ONCE(eng->hang) ||
						 kthread_should_stop());
			if (kthread_should_stop())
				break;
			mdgpu_thread_time_read(&st.from);
			st.start = st.from.wall;
		}
		/* Other contexts' doorbells are not this one's work. */
		if (!llist_empty(&eng->doorbells)) {
			mdgpu_engine_take_doorbells(eng);
			mdgpu_thread_time_read(&st.from);
		}
		st.end_by = end_by;
		completed = mdgpu_engine_step(eng, vgpu, &st);
		wall = st.end - min(st.start, st.end);

		spin_lock(&eng->lock);
		mdgpu_sched_charge(&eng->sched, &ctx->entity, st.charge,
				   st.end);
		ctx->stats.busy_ns += st.charge;
		ctx->stats.chunks++;
		eng->chunks++;
		ctx->stats.cmds += completed;
		ctx->stats.max_chunk_ns = max(ctx->stats.max_chunk_ns, wall);
		if (st.op < ARRAY_SIZE(eng->max_chunk_ns))
			eng->max_chunk_ns[st.op] = max(eng->max_chunk_ns[st.op],
						       wall);
		stop = !ctx->runnable;
		if (!stop &&
		    mdgpu_sched_preempt(&eng->sched, &ctx->entity, st.end)) {
			stop = true;
			trace_mdgpu_sched_preempt(eng->index,
						  mdgpu_vgpu_guid(vgpu),
						  st.end - start,
						  ctx->entity.throttled);
		} else if (!stop) {
			/*
			 * The scheduler saw every wake-up: the next chunk
			 * may sleep until the slice's end (renewed or not).
			 */
			eng->kicked = false;
			end_by = mdgpu_engine_deadline(eng->sched.slice_start,
						       eng->sched.slice_budget);
		}
		/* Every chunk of an unfinished job counts, preempted or not. */
		fire = st.job_ns &&
		       mdgpu_sched_watchdog_expired(&eng->sched, &ctx->entity,
						    st.job_ns);
		spin_unlock(&eng->lock);
		if (fire && mdgpu_engine_watchdog(eng, vgpu))
			stop = true;
		cond_resched();
		st.start = st.end;
		st.from = st.to;
	} while (!stop && !kthread_should_stop());
}

/*
 * Idle until a doorbell or a wake-up, or for @budget ns (U64_MAX: until
 * one).
 * A high-resolution timeout: fixed shares and caps idle the engine for
 * fractions of a slice, far below a jiffy.
 */
static void mdgpu_engine_idle(struct mdgpu_engine *eng, u64 budget)
{
	DEFINE_WAIT(wait);
	ktime_t t;

	prepare_to_wait(&eng->wq, &wait, TASK_INTERRUPTIBLE);
	if (!mdgpu_engine_wanted(eng)) {
		if (budget == U64_MAX) {
			schedule();
		} else {
			t = ns_to_ktime(min_t(u64, budget, NSEC_PER_SEC));
			schedule_hrtimeout_range(&t, 20 * NSEC_PER_USEC,
						 HRTIMER_MODE_REL);
		}
	}
	finish_wait(&eng->wq, &wait);
}

static int mdgpu_engine_thread(void *data)
{
	struct mdgpu_engine *eng = data;
	struct mdgpu_sched_entity *e;
	u64 budget, now;

	while (!kthread_should_stop()) {
		mdgpu_engine_take_doorbells(eng);
		now = mdgpu_sched_now();
		spin_lock(&eng->lock);
		eng->kicked = false;
		e = mdgpu_sched_pick(&eng->sched, now, &budget);
		eng->running = e ? container_of(e, struct mdgpu_engine_ctx,
						entity) : NULL;
		if (e) {
			const guid_t *next =
				mdgpu_vgpu_guid(ctx_to_vgpu(eng->running));

			/* The previous vGPU may be gone: keep its UUID only. */
			if (!guid_equal(next, &eng->last_guid))
				trace_mdgpu_sched_switch(eng->index,
							 &eng->last_guid,
							 next, budget);
			guid_copy(&eng->last_guid, next);
		}
		spin_unlock(&eng->lock);

		if (e) {
			mdgpu_engine_run(eng, eng->running, now,
					 mdgpu_engine_deadline(now, budget));
			spin_lock(&eng->lock);
			eng->running = NULL;
			spin_unlock(&eng->lock);
			wake_up_all(&eng->idle_wq);
			continue;
		}
		wake_up_all(&eng->idle_wq);
		mdgpu_engine_idle(eng, budget);
	}
	return 0;
}

/*
 * Hang recovery: fail the context @ctx the thread was running when it
 * stopped making progress, reset the engine and let it go on. Runs in the
 * watchdog's work with no lock held.
 */
static void mdgpu_engine_recover(struct mdgpu_engine *eng,
				 struct mdgpu_engine_ctx *ctx)
{
	struct mdgpu_parent *parent = eng->parent;
	struct mdgpu_vgpu *vgpu, *hung = NULL;
	u64 resets;

	/* An instance on the list is not freed while vgpus_lock is held. */
	mutex_lock(&parent->vgpus_lock);
	list_for_each_entry(vgpu, &parent->vgpus, parent_node) {
		if (ctx && &vgpu->engine == ctx) {
			hung = vgpu;
			break;
		}
	}
	/*
	 * A thread stuck inside a chunk holds the context's lock: do not
	 * wait for it here, look again at the next check.
	 */
	if (hung && !mutex_trylock(&hung->lock)) {
		mutex_unlock(&parent->vgpus_lock);
		return;
	}
	if (hung)
		mdgpu_engine_ctx_fail_locked(hung, MDGPU_ERR_HANG);
	spin_lock(&eng->lock);
	eng->hang = false;
	resets = ++eng->resets;
	spin_unlock(&eng->lock);
	/* The engine keeps no state across chunks but the contexts'. */
	wake_up_all(&eng->hang_wq);
	if (hung)
		mutex_unlock(&hung->lock);
	mutex_unlock(&parent->vgpus_lock);
	mdgpu_parent_set_health(parent, MDGPU_HEALTH_DEGRADED,
				"engine hang detected and reset (%llu)",
				resets);
}

/*
 * The progress watchdog, every MDGPU_HANG_CHECK_MS: the engine has work
 * when the thread runs a context or was woken for one and has not looked
 * yet; idling by the policy (a cap, a fixed share) is not work. Work and
 * no finished chunk for hang_timeout_ms is a hang, unless the thread was
 * starved of CPU (mdgpu_engine_hung()). A check that comes more than half
 * the timeout late means the whole machine stalled (a VM not scheduled by
 * its host): the wait starts again, as nothing could run in the stall;
 * so it does while the thread waits for an instance's lock
 * (mdgpu_engine_lock()): its holder's work is not an engine hang.
 */
static void mdgpu_engine_hang_check(struct work_struct *work)
{
	struct mdgpu_engine *eng = container_of(to_delayed_work(work),
						struct mdgpu_engine,
						hang_work);
	u64 timeout = (u64)READ_ONCE(mdgpu_hang_timeout_ms) * NSEC_PER_MSEC;
	/* The thread lives until this work is cancelled (thread_stop). */
	struct task_struct *t = eng->thread;
	u64 ran = READ_ONCE(t->se.sum_exec_runtime);
	bool runnable = task_is_running(t);
	struct mdgpu_engine_ctx *ctx = NULL;
	u64 now = ktime_get_ns();
	bool stalled, waiting, hung = false;

	spin_lock(&eng->lock);
	stalled = now - eng->wd_last > timeout / 2;
	eng->wd_last = now;
	waiting = READ_ONCE(eng->lock_waiting);
	if (!timeout || !(eng->running || eng->kicked) ||
	    eng->chunks != eng->wd_chunks || stalled || waiting) {
		eng->wd_chunks = eng->chunks;
		eng->wd_since = now;
		eng->wd_ran = ran;
	} else if (mdgpu_engine_hung(now - eng->wd_since, ran - eng->wd_ran,
				     runnable, timeout)) {
		ctx = eng->running;
		hung = true;
		eng->wd_since = now;
		eng->wd_ran = ran;
	}
	spin_unlock(&eng->lock);
	if (hung)
		mdgpu_engine_recover(eng, ctx);
	schedule_delayed_work(&eng->hang_work,
			      msecs_to_jiffies(MDGPU_HANG_CHECK_MS));
}

/**
 * mdgpu_engine_inject_hang() - make the engine stop making progress
 * @parent: the parent
 *
 * The thread stops before its next chunk (at once if it is running a
 * context, else when it next has work) until the watchdog recovers it.
 */
void mdgpu_engine_inject_hang(struct mdgpu_parent *parent)
{
	struct mdgpu_engine *eng = parent->engine;

	spin_lock(&eng->lock);
	eng->hang = true;
	spin_unlock(&eng->lock);
}

/**
 * mdgpu_engine_runs() - is the engine thread running a context?
 * @eng: the engine
 * @ctx: the context
 *
 * Return: true while the thread runs @ctx (it may be between chunks) or
 * takes its doorbell.
 */
bool mdgpu_engine_runs(struct mdgpu_engine *eng, struct mdgpu_engine_ctx *ctx)
{
	bool ret;

	spin_lock(&eng->lock);
	ret = eng->running == ctx || eng->db_taking == ctx;
	spin_unlock(&eng->lock);
	return ret;
}

/**
 * mdgpu_engine_sched_add() - make a new vGPU's context known to the scheduler
 * @vgpu: the instance, in .init
 *
 * Its fixed share is 1 / (instances of its type the parent holds).
 */
void mdgpu_engine_sched_add(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	mdgpu_sched_entity_init(&ctx->entity);
	spin_lock(&eng->lock);
	mdgpu_sched_entity_set_share(&ctx->entity,
				     div64_u64(vgpu->parent->vram_size,
					       vgpu->vram_size));
	mdgpu_sched_add(&eng->sched, &ctx->entity, mdgpu_sched_now());
	spin_unlock(&eng->lock);
}

/**
 * mdgpu_engine_sched_remove() - take a vGPU's context off the scheduler
 * @vgpu: the instance, in .release (it was closed, so it is not runnable)
 *
 * Waits until the thread no longer runs the context.
 */
void mdgpu_engine_sched_remove(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	spin_lock(&eng->lock);
	mdgpu_sched_remove(&eng->sched, &ctx->entity, mdgpu_sched_now());
	ctx->runnable = false;
	spin_unlock(&eng->lock);
	wait_event(eng->idle_wq, !mdgpu_engine_runs(eng, ctx));
}

/**
 * mdgpu_engine_thread_start() - start the engine thread and its watchdog
 * @eng: the engine, being created
 *
 * Return: 0 or a negative errno.
 */
int mdgpu_engine_thread_start(struct mdgpu_engine *eng)
{
	struct task_struct *t;

	INIT_DELAYED_WORK(&eng->hang_work, mdgpu_engine_hang_check);
	t = kthread_run(mdgpu_engine_thread, eng, "mdgpu-eng/%u", eng->index);
	if (IS_ERR(t))
		return PTR_ERR(t);
	eng->thread = t;
	eng->wd_since = ktime_get_ns();
	eng->wd_last = eng->wd_since;
	schedule_delayed_work(&eng->hang_work,
			      msecs_to_jiffies(MDGPU_HANG_CHECK_MS));
	return 0;
}

/**
 * mdgpu_engine_thread_stop() - stop the engine thread and its watchdog
 * @eng: the engine; no instance is open any more
 */
void mdgpu_engine_thread_stop(struct mdgpu_engine *eng)
{
	if (!eng->thread)
		return;
	/* The watchdog requeues itself; this also stops that. */
	cancel_delayed_work_sync(&eng->hang_work);
	kthread_stop(eng->thread);
	eng->thread = NULL;
}

/**
 * mdgpu_engine_sched_call() - run @fn on a parent's scheduler
 * @parent: the parent
 * @fn: called with the engine lock held; must not sleep
 * @arg: passed to @fn
 *
 * Return: what @fn returns.
 */
int mdgpu_engine_sched_call(struct mdgpu_parent *parent,
			    int (*fn)(struct mdgpu_sched *s, void *arg),
			    void *arg)
{
	struct mdgpu_engine *eng = parent->engine;
	int ret;

	spin_lock(&eng->lock);
	ret = fn(&eng->sched, arg);
	spin_unlock(&eng->lock);
	return ret;
}

/**
 * mdgpu_engine_entity_call() - run @fn on a vGPU's scheduler entity
 * @vgpu: the instance
 * @fn: called with the engine lock held; must not sleep
 * @arg: passed to @fn
 *
 * Return: what @fn returns.
 */
int mdgpu_engine_entity_call(struct mdgpu_vgpu *vgpu,
			     int (*fn)(struct mdgpu_sched *s,
				       struct mdgpu_sched_entity *e,
				       void *arg),
			     void *arg)
{
	struct mdgpu_engine *eng = vgpu->parent->engine;
	int ret;

	spin_lock(&eng->lock);
	ret = fn(&eng->sched, &vgpu->engine.entity, arg);
	spin_unlock(&eng->lock);
	return ret;
}

