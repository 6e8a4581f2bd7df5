/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu engine: one kernel thread per parent that runs the commands of its
 * vGPUs' rings, one bounded chunk at a time, through the backend.
 *
 *   drivers/engine.c         the engine and its contexts' lifetime
 *   drivers/engine_regs.c    the guest's engine registers (BAR2 0x900-)
 *   drivers/engine_exec.c    the execution core: fetch and validate a
 *                            command, hand its chunks to the backend,
 *                            retire it, fail the context on a fault
 *   drivers/engine_sched.c   the engine thread and its scheduler calls
 *   drivers/engine_dma.c     each open vGPU's DMA agent (guest memory)
 *   drivers/engine_mig.c     freezing and migrating a context
 *   drivers/cpu_exec.c       the CPU executor of chunks, which backends
 *                            with CPU-reachable VRAM share
 *
 * Locks: mdgpu_engine::lock is a spinlock (their order: "Locking" in
 * Documentation/design.rst). The engine thread takes vgpu->lock (a mutex)
 * only with no spinlock held, and never holds vgpu->lock while it touches
 * user memory (vfio_dma_rw()).
 */
#ifndef _MDGPU_ENGINE_H
#define _MDGPU_ENGINE_H

#include <linux/llist.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mdgpu_cmd.h"
#include "mdgpu_mig.h"
#include "mdgpu_sched.h"

struct task_struct;
struct mdgpu_parent;
struct mdgpu_vgpu;

/**
 * struct mdgpu_engine_stats - per-vGPU engine counters (under the engine lock)
 * @cmds: commands completed
 * @busy_ns: engine time used, as charged to the scheduler
 * @errors: times the context entered the error state
 * @chunks: chunks run
 * @max_chunk_ns: the longest chunk
 */
struct mdgpu_engine_stats {
	u64 cmds;
	u64 busy_ns;
	u64 errors;
	u64 chunks;
	u64 max_chunk_ns;
};

/**
 * enum mdgpu_dma_state - where a DMA chunk is (drivers/engine_dma.c)
 * @MDGPU_DMA_IDLE: no chunk
 * @MDGPU_DMA_QUEUED: handed to the agent, not taken yet
 * @MDGPU_DMA_BUSY: the agent is copying to or from guest memory
 * @MDGPU_DMA_DONE: copied; the engine completes it at the next step
 */
enum mdgpu_dma_state {
	MDGPU_DMA_IDLE,
	MDGPU_DMA_QUEUED,
	MDGPU_DMA_BUSY,
	MDGPU_DMA_DONE,
};

/**
 * struct mdgpu_dma_agent - a vGPU's own thread for guest memory accesses
 * @thread: the agent "mdgpu-dma/N", from open to close
 * @buf: its bounce buffer of MDGPU_CHUNK_BYTES, from open to close
 * @wq: the agent waits here for a chunk
 * @state: enum mdgpu_dma_state, under mdgpu_vgpu::lock
 * @iova: the chunk's guest address, under mdgpu_vgpu::lock
 * @len: its length, under mdgpu_vgpu::lock
 * @to_guest: its direction, under mdgpu_vgpu::lock
 * @gen: the context's generation when it was queued, under mdgpu_vgpu::lock
 * @ret: vfio_dma_rw()'s result once @state is DONE, under mdgpu_vgpu::lock
 */
struct mdgpu_dma_agent {
	struct task_struct *thread;
	u8 *buf;
	wait_queue_head_t wq;
	enum mdgpu_dma_state state;
	u64 iova;
	u32 len;
	bool to_guest;
	u32 gen;
	int ret;
};

/**
 * struct mdgpu_engine_ctx - a vGPU's engine context, embedded in the vGPU
 *
 * Register state, under mdgpu_vgpu::lock:
 * @ring_base: RING_BASE
 * @ring_size: RING_SIZE
 * @head: RING_HEAD
 * @tail: the ring's tail as the engine took it from @db_tail and checked
 *	  it (mdgpu_ctx_take_doorbell_locked()); what the engine runs to
 * @enabled: RING_CTRL.ENABLE
 * @error: stopped on an error until RING_CTRL.RESET
 * @err_code: ERR_CODE
 * @err_head: ERR_HEAD
 * @err_header: ERR_HEADER
 * @fence_last: FENCE_LAST; the guest reads it without the lock
 *	        (smp_load_acquire()), so a completed fence stores it with
 *	        smp_store_release()
 * @irq_status: IRQ_STATUS
 * @irq_mask: IRQ_MASK
 * @cmds_done: CMDS_DONE
 * @ts_hi: TIMESTAMP_HI as latched by the last TIMESTAMP_LO read
 * @gen: bumped by every reset of the context (device reset, ring reset,
 *	 close) and by a freeze: a chunk started under an older value is
 *	 dropped
 * @open: the VFIO device is open, so vfio_dma_rw() may be used
 * @frozen: migration has stopped the context between chunks (STOP and
 *	    RUNNING_P2P and the states built on them): it runs nothing and
 *	    raises no interrupt until thawed
 * @irq_deferred: an interrupt was raised while @frozen, delivered at thaw
 * @ts_offset: added to the parent's engine time for this context's
 *	       TIMESTAMP, so that a context migrated from another parent
 *	       does not see time go backwards
 * @db_armed: @open, @enabled and not @error: a doorbell queues the
 *	      context for the engine thread. Written under mdgpu_vgpu::lock
 *	      (mdgpu_ctx_update()), read by the doorbell without it
 *
 * The doorbell, written without any lock (engine_regs.c):
 * @db_tail: RING_TAIL as the guest last wrote it (WRITE_ONCE(); also
 *	     written under mdgpu_vgpu::lock by resets and migration)
 * @db_queued: bit 0: @db_node is on &mdgpu_engine.doorbells, or the
 *	       engine thread is about to take the doorbell; atomic bitops
 * @db_node: on &mdgpu_engine.doorbells while @db_queued
 *
 * The command being run, under mdgpu_vgpu::lock:
 * @cur: the decoded command at @head
 * @cur_dw: its first dwords as the guest wrote them (the migration stream
 *	    carries them, and the destination decodes them again)
 * @cur_valid: @cur is decoded and not complete
 * @cur_done: work of @cur done so far (mdgpu_cmd_work() units)
 * @job_ns: engine time of @cur so far, for the watchdog
 * @dma: the DMA agent; its request state under mdgpu_vgpu::lock
 *
 * Under the engine lock:
 * @entity: the scheduler's view of this context
 * @runnable: @entity is runnable (the context has work); also written
 *	       under mdgpu_vgpu::lock (but in .release, when nothing else
 *	       runs), so either lock suffices to read it
 * @stats: counters
 * @dma_busy: the agent is in vfio_dma_rw() on [@dma_iova, + @dma_len)
 * @dma_iova: start of that access
 * @dma_len: its length
 */
struct mdgpu_engine_ctx {
	u64 ring_base;
	u32 ring_size;
	u32 head;
	u32 tail;
	bool enabled;
	bool error;
	u32 err_code;
	u32 err_head;
	u32 err_header;
	u32 fence_last;
	u32 irq_status;
	u32 irq_mask;
	u32 cmds_done;
	u32 ts_hi;
	u32 gen;
	bool open;
	bool frozen;
	bool irq_deferred;
	u64 ts_offset;
	bool db_armed;

	u32 db_tail;
	unsigned long db_queued;
	struct llist_node db_node;

	struct mdgpu_cmd cur;
	u32 cur_dw[MDGPU_MIG_CMD_DW];
	bool cur_valid;
	u64 cur_done;
	u64 job_ns;
	struct mdgpu_dma_agent dma;

	struct mdgpu_sched_entity entity;
	bool runnable;
	struct mdgpu_engine_stats stats;
	bool dma_busy;
	u64 dma_iova;
	u64 dma_len;
};

/**
 * struct mdgpu_engine - the engine of one parent
 * @lock: protects @sched, @running, @db_taking, @kicked, @chunks, @hang,
 *	  @lost, @resets, and every context's @entity, @runnable, @stats,
 *	  @dma_busy, @dma_iova and @dma_len
 * @sched: the scheduler; every call into it is made under @lock
 * @running: the context the thread is running or taking a doorbell of,
 *	     or NULL
 * @kicked: a context became runnable, or the running one stopped being
 *	    runnable, since the thread last looked; ends a COMPUTE chunk's
 *	    sleep early
 * @doorbells: contexts whose doorbell the thread has to take (lock-free
 *	       list: the doorbell adds, the thread takes them all)
 * @wq: the thread waits here for work
 * @idle_wq: close and dma_unmap wait here for @running or a context's
 *	     @dma_busy to change
 * @thread: the engine thread
 * @start_ns: ktime_get_ns() when the engine started: TIMESTAMP's zero
 * @max_chunk_ns: the longest chunk so far of each opcode (under @lock)
 * @dw: the command being decoded (thread only: mdgpu_engine_step())
 * @index: the parent's number, for traces
 * @last_guid: the vGPU the thread ran last, for traces
 * @parent: the parent, for hang recovery
 * @chunks: chunks the thread finished, all contexts (under @lock)
 * @hang: fault injection: the thread stops before its next chunk until
 *	  hang recovery clears this (under @lock)
 * @lost: the parent is lost: no context runs again (under @lock; read
 *	  with READ_ONCE() where a stale value only delays the stop)
 * @resets: hangs detected and recovered (under @lock)
 * @hang_wq: the thread waits here while @hang is set
 * @hang_work: the progress watchdog, every MDGPU_HANG_CHECK_MS
 * @wd_chunks: @chunks when the watchdog last saw progress (its work only)
 * @wd_since: ktime_get_ns() of that moment (its work only)
 * @wd_ran: the thread's CPU time (sum_exec_runtime) at that moment (its
 *	    work only)
 * @wd_last: ktime_get_ns() of the watchdog's previous check (its work only)
 * @lock_waiting: the thread waits for an instance's lock
 *		  (mdgpu_engine_lock()), which another holds for as long as
 *		  its work takes (a VRAM move, a reset of device memory): no
 *		  hang meanwhile (written by the thread with WRITE_ONCE(),
 *		  read by the watchdog with READ_ONCE())
 * @wd_delay_ms: fault injection (debugfs): the thread sleeps this long
 *		 between failing a context on the per-job watchdog and
 *		 telling the scheduler, at most MDGPU_WD_DELAY_MAX_MS
 *		 (written by debugfs, read with READ_ONCE())
 * @db_taking: the context whose doorbell the thread is taking, or NULL
 *	       (under @lock); close waits until it is not its own
 */
struct mdgpu_engine {
	spinlock_t lock; /* see the kernel-doc above */
	struct mdgpu_sched sched;
	struct mdgpu_engine_ctx *running;
	bool kicked;
	struct llist_head doorbells;
	wait_queue_head_t wq;
	wait_queue_head_t idle_wq;
	struct task_struct *thread;
	u64 start_ns;
	u64 max_chunk_ns[MDGPU_OP_COMPUTE + 1];
	u32 dw[MDGPU_CMD_MAX_NDW];
	unsigned int index;
	guid_t last_guid;
	struct mdgpu_parent *parent;
	u64 chunks;
	bool hang;
	bool lost;
	u64 resets;
	wait_queue_head_t hang_wq;
	struct delayed_work hang_work;
	u64 wd_chunks;
	u64 wd_since;
	u64 wd_ran;
	u64 wd_last;
	bool lock_waiting;
	u32 wd_delay_ms;
	struct mdgpu_engine_ctx *db_taking;
};

/**
 * mdgpu_engine_lock() - the engine thread takes an instance's lock
 * @eng: its engine
 * @lock: the instance's lock (&mdgpu_vgpu.lock)
 *
 * The wait is marked for the progress watchdog: whoever holds the lock
 * (a relocation copying device memory, a reset zeroing it) may hold it
 * longer than hang_timeout_ms, and the thread waiting for it is not a
 * hung engine (nor could recovery, which needs that lock, do anything).
 */
static inline void mdgpu_engine_lock(struct mdgpu_engine *eng,
				     struct mutex *lock)
{
	WRITE_ONCE(eng->lock_waiting, true);
	mutex_lock(lock);
	WRITE_ONCE(eng->lock_waiting, false);
}

/**
 * mdgpu_engine_hung() - the progress watchdog's verdict
 * @waited_ns: wall time since the engine last finished a chunk, all of it
 *	       with work to do
 * @ran_ns: CPU time the engine thread had in that time
 * @runnable: the thread wants a CPU (running, or waiting for one) rather
 *	      than sleeping
 * @timeout_ns: hang_timeout_ms in nanoseconds, not 0
 *
 * A thread that sleeps with work to do and has finished nothing for
 * @timeout_ns waits for an engine that does not answer: a hang. A runnable
 * thread is hung only when it had @timeout_ns of CPU and still finished
 * nothing; one that the CPUs did not run (an overloaded host, a VM the
 * hypervisor did not schedule) is starved, not hung, and failing the
 * context it was running would punish a tenant for the host's load.
 *
 * Return: true when the engine is hung.
 */
static inline bool mdgpu_engine_hung(u64 waited_ns, u64 ran_ns, bool runnable,
				     u64 timeout_ns)
{
	if (waited_ns < timeout_ns)
		return false;
	return !runnable || ran_ns >= timeout_ns;
}

/**
 * mdgpu_sched_assert_held() - assert that the engine lock of @s is held
 * @s: a parent's scheduler (mdgpu_engine::sched)
 *
 * For the callbacks mdgpu_engine_sched_call() and
 * mdgpu_engine_entity_call() run under that lock.
 */
static inline void mdgpu_sched_assert_held(const struct mdgpu_sched *s)
{
	lockdep_assert_held(&container_of(s, struct mdgpu_engine, sched)->lock);
}

/* The longest watchdog_delay_ms the engine honours. */
#define MDGPU_WD_DELAY_MAX_MS	5000U

/**
 * struct mdgpu_chunk - one bounded chunk of a validated command, as the
 *			execution core hands it to the backend
 *			(mdgpu_backend_ops::run_chunk)
 * @vgpu: the instance whose command it is; the caller holds its lock
 * @cmd: the decoded command, validated against the instance's VRAM size:
 *	 every VRAM address it names lies inside the instance's VRAM (in
 *	 instance offsets, as the VRAM access helpers take them)
 * @off: work of @cmd done before this chunk, in mdgpu_cmd_work() units
 * @len: work of this chunk (mdgpu_cmd_chunk()): bytes for FILL, COPY and
 *	 DMA, ns for COMPUTE (the rest of the job), 1 for FENCE and
 *	 TIMESTAMP. For COMPUTE the backend sets it to the work the chunk
 *	 did: the part of the time it planned to occupy the engine that
 *	 passed (mdgpu_compute_done()), never more, however late it woke
 * @start: when the engine turned to this chunk (ktime_get_ns(): the end
 *	   of the context's previous chunk, or when its run began); COMPUTE
 *	   occupies the engine until @start + @len, so taking the lock and
 *	   decoding count towards the job
 * @end_by: COMPUTE: the end of the context's slice (ktime_get_ns() time,
 *	    U64_MAX: none); the backend returns by then unless the job ends
 *	    within a wake-up's lateness after it, and earlier when
 *	    mdgpu_engine_chunk_wait() says the engine is wanted
 * @last: this is the command's last chunk
 * @end: COMPUTE, out: when the chunk ended (ktime_get_ns())
 * @value: TIMESTAMP: the context's engine time, to be written at
 *	   @cmd->timestamp.addr as a little-endian u64
 * @buf: DMA: a buffer of @len bytes. To the guest, the backend reads VRAM
 *	 at @cmd->dma.vram + @off into it (before the core hands it to the
 *	 vGPU's DMA agent); from the guest, the backend writes it there
 *	 (after the agent filled it)
 *
 * The core marks for pre-copy every VRAM range the chunk writes before it
 * calls the backend (mdgpu_vram_dirty_mark()), so a backend only runs the
 * chunk.
 */
struct mdgpu_chunk {
	struct mdgpu_vgpu *vgpu;
	const struct mdgpu_cmd *cmd;
	u64 off;
	u64 len;
	u64 start;
	u64 end_by;
	bool last;
	u64 end;
	u64 value;
	void *buf;
};

/**
 * struct mdgpu_thread_time - the engine thread's clocks at one moment
 *			      (mdgpu_thread_time_read(), by the thread)
 * @wall: ktime_get_ns()
 * @queued: how long the thread has waited on a run queue for a CPU while
 *	    runnable, in all (sched_info.run_delay; 0 where the kernel does
 *	    not keep it, see MDGPU_HAVE_RUN_DELAY)
 * @cpu: the thread's CPU time (se.sum_exec_runtime: brought up to date at
 *	 ticks and context switches only)
 * @preempted: times it lost its CPU while runnable (nivcsw)
 */
struct mdgpu_thread_time {
	u64 wall;
	u64 queued;
	u64 cpu;
	unsigned long preempted;
};

/**
 * DOC: Chunk charging
 *
 * The scheduler, the statistics (``engine_time_us``) and the per-job
 * watchdog count a chunk's *work*, not the wall time that passed while the
 * engine thread ran it: on a loaded host, or in a VM its hypervisor did
 * not run, a chunk of 100 us can take hundreds of milliseconds of wall
 * time, and charging that put a vGPU so far ahead of its share that
 * weighted fairness withheld the engine from it for minutes.
 *
 * - COMPUTE stands for work a GPU does on its own: its chunk is charged
 *   (and counted in the job's progress) the part of the time it planned to
 *   occupy the engine that passed, min(elapsed, planned), see
 *   mdgpu_compute_done(). A sleep that wakes late, or a thread that waits
 *   for a CPU after its timer fired, adds nothing; a chunk cut short by a
 *   doorbell is charged what passed. The plan is at most the rest of the
 *   job or the slice, so no COMPUTE chunk is charged more than a slice.
 * - Every other chunk runs on the CPU and is charged its wall time less
 *   the time the thread waited on a run queue for a CPU
 *   (mdgpu_chunk_charge()). Time the thread *slept* inside the chunk stays
 *   charged: it sleeps only on the tenant's behalf (its instance's lock,
 *   which its own register accesses and resets hold; memory reclaim for
 *   the VRAM it writes, under its own memory cgroup), and while it sleeps
 *   no other context can run. Charging CPU time alone would make such
 *   sleeps free engine time a tenant could provoke (a tight memory cgroup,
 *   a register storm on its own lock). Where the kernel keeps no run-queue
 *   time (no CONFIG_SCHED_INFO), a chunk the thread ran without being
 *   preempted is charged its wall time and a preempted one its CPU time.
 * - DMA with guest memory is not engine time at all: the vGPU's own DMA
 *   agent moves it while the engine runs other contexts, and the context
 *   is not runnable meanwhile, so a DMA that blocks on a slow file (FUSE,
 *   NFS) stalls only its own vGPU and earns it no engine time; the
 *   engine's part (agent buffer to and from VRAM) is a CPU chunk.
 * - Taking other contexts' doorbells between chunks (their instances'
 *   locks) is charged to nobody: a tenant that holds its own lock cannot
 *   make the running one pay for it. (A COMPUTE chunk's plan counts from
 *   the end of the previous chunk, so its work may include that time; it
 *   is still never more than planned.)
 *
 * What is not charged is not lost for accounting: ``engine_max_chunk_us``
 * still shows a chunk's wall time, so a host that stalls the engine shows
 * there. A stall of the whole VM while the thread is on a CPU (no steal
 * time under emulation) cannot be told from work and is still charged;
 * chunks other than COMPUTE are bounded to about 100 us of work, so such
 * a stall lands in one mostly while the engine is idle or in a COMPUTE
 * sleep, which the rule above covers.
 */

/**
 * mdgpu_chunk_charge() - the engine time a CPU chunk is charged
 * @from: the thread's clocks when the chunk began
 * @to: its clocks when the chunk ended (read by the thread itself, so every
 *	wait for a CPU before that is counted in @to->queued)
 * @have_queued: the kernel keeps &mdgpu_thread_time.queued
 *
 * See "Chunk charging": wall time less the time the thread waited for a
 * CPU; without the run-queue time, wall time unless the thread was
 * preempted, and then its CPU time, at most the wall time. Clocks that
 * went backwards (none should) count as no time.
 *
 * Return: ns to charge, at most the chunk's wall time.
 */
static inline u64 mdgpu_chunk_charge(const struct mdgpu_thread_time *from,
				     const struct mdgpu_thread_time *to,
				     bool have_queued)
{
	u64 wall = to->wall > from->wall ? to->wall - from->wall : 0;
	u64 d;

	if (have_queued) {
		d = to->queued > from->queued ? to->queued - from->queued : 0;
		return wall - min(d, wall);
	}
	if (to->preempted == from->preempted)
		return wall;
	d = to->cpu > from->cpu ? to->cpu - from->cpu : 0;
	return min(d, wall);
}

/**
 * mdgpu_compute_done() - the work of a COMPUTE chunk
 * @start: when the chunk began (ktime_get_ns())
 * @end: when it ended
 * @planned: how long it planned to occupy the engine from @start
 *
 * Return: the part of @planned that passed: min(@end - @start, @planned).
 */
static inline u64 mdgpu_compute_done(u64 start, u64 end, u64 planned)
{
	return end > start ? min(end - start, planned) : 0;
}

/**
 * struct mdgpu_step - one step of a context (mdgpu_engine_step())
 * @start: in: when the engine turned to the context: the end of its
 *	   previous step, or the scheduler's pick (ktime_get_ns() time)
 * @end_by: in: the end of the context's slice (U64_MAX: none)
 * @from: in: the thread's clocks where the step's charge begins: at the end
 *	  of its previous step, or after the doorbells taken since
 *	  (mdgpu_step_begin())
 * @end: out: when the step ended; the next step of the run starts there,
 *	 so the engine's bookkeeping between two chunks counts towards the
 *	 context's job, as the fetch and decode do
 * @to: out: the thread's clocks at the step's end
 * @charge: out: engine time to charge for the step ("Chunk charging")
 * @job_ns: out: engine time charged to the command in progress so far, for
 *	    the per-job watchdog (0: none in progress)
 * @op: out: the opcode run, or 0xff if none
 */
struct mdgpu_step {
	u64 start;
	u64 end_by;
	struct mdgpu_thread_time from;
	u64 end;
	struct mdgpu_thread_time to;
	u64 charge;
	u64 job_ns;
	u8 op;
};

/**
 * struct mdgpu_cpu_exec - the CPU executor of one parent (cpu_exec.c)
 * @buf: bounce buffer of MDGPU_CHUNK_BYTES for a COPY on a backend
 *	 without ->vram_copy
 * @pattern: FILL pattern buffer of MDGPU_CHUNK_BYTES
 * @pattern_value: the value @pattern holds
 * @pattern_valid: @pattern holds @pattern_value
 * @wake_late_ns: how late the timed sleeps of COMPUTE wake up, a moving
 *		  average
 * @wake_dev_ns: the moving average of a lateness's deviation from
 *		 @wake_late_ns; COMPUTE ends a chunk by spinning
 *		 @wake_late_ns + 2 x @wake_dev_ns (at most 200 µs), and
 *		 finishes a job within twice that of the slice's end rather
 *		 than stop short of it
 *
 * Used only by the parent's engine thread (every chunk runs there), so no
 * lock: the thread runs one chunk at a time.
 */
struct mdgpu_cpu_exec {
	u8 *buf;
	u8 *pattern;
	u32 pattern_value;
	bool pattern_valid;
	u64 wake_late_ns;
	u64 wake_dev_ns;
};

int mdgpu_cpu_exec_init(struct mdgpu_cpu_exec *x);
void mdgpu_cpu_exec_fini(struct mdgpu_cpu_exec *x);
int mdgpu_cpu_exec_run(struct mdgpu_cpu_exec *x, struct mdgpu_chunk *c);

#endif /* _MDGPU_ENGINE_H */
