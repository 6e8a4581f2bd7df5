/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu internal interfaces: parents, instances and the backend ops table.
 *
 * Locks: what each protects is said at the members; their order, once,
 * in Documentation/design.rst ("Locking"); every helper that needs one
 * held asserts it (lockdep_assert_held()). User memory is never accessed
 * with mdgpu_vgpu::lock held.
 */
#ifndef _MDGPU_H
#define _MDGPU_H

#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mdev.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "mdgpu_cfg.h"
#include "mdgpu_dirty.h"
#include "mdgpu_display.h"
#include "mdgpu_engine.h"
#include "mdgpu_mig.h"
#include "mdgpu_regs.h"
#include "mdgpu_resv.h"
#include "mdgpu_types.h"
#include "mdgpu_vram.h"

#define MDGPU_DRV_NAME		"mdgpu"
#define MDGPU_MAX_PARENTS	16
/*
 * The device fd's file offset selects the region in its upper bits, as
 * vfio-pci does: region N starts at N << MDGPU_REGION_SHIFT.
 */
#define MDGPU_REGION_SHIFT	40
#define mdgpu_region_offset(index)	((u64)(index) << MDGPU_REGION_SHIFT)
#define MDGPU_REGION_MASK	(BIT_ULL(MDGPU_REGION_SHIFT) - 1)
/* The VRAM region's (BAR0's) first page in the file offsets of mappings. */
#define MDGPU_VRAM_PGOFF \
	(mdgpu_region_offset(VFIO_PCI_BAR0_REGION_INDEX + MDGPU_BAR_VRAM) >> \
	 PAGE_SHIFT)
/* VRAM is handed out in granules of 1 MiB. */
#define MDGPU_VRAM_GRANULE_SHIFT	20

struct mdgpu_parent;
struct eventfd_ctx;
struct mem_cgroup;

/**
 * struct mdgpu_backend_ops - what a parent GPU implementation provides
 * @name: backend name, shown in the parent's ``backend`` attribute
 * @types: optional; the vGPU types this backend offers, sorted by
 *	   framebuffer size. Without it, the default table
 *	   (mdgpu_type_descs). Only the types that fit in the parent's VRAM
 *	   are registered.
 * @nr_types: number of entries in @types
 * @init: set up the backend state of a parent whose @vram_size is known;
 *	  mdgpu_parent::backend holds what the registering code passed. The
 *	  whole VRAM must read as zeroes afterwards.
 * @fini: undo @init; no instance exists any more
 * @vram_rw: copy @len bytes between @buf and VRAM at @offset; the range is
 *	     inside the parent's VRAM (checked by the caller)
 * @vram_discard: make a VRAM range read as zeroes again, releasing whatever
 *		  backs it; used before a range is reused and on reset. May
 *		  sleep. The range reads as zeroes on return; a backend with
 *		  lazy backing may free the memory later (in a time that
 *		  does not grow with what the range held, as it runs under
 *		  the owner's lock), counting it in @vram_populated until
 *		  then, and @vram_reap waits for it.
 * @vram_pfn: the page frame number behind the VRAM page at @offset, for a
 *	      user mapping of BAR0 (inserted with vmf_insert_pfn_prot(), so
 *	      it needs no struct page); allocates backing if the backend has
 *	      lazy backing. Returns 0, -ENOMEM or -EIO (a bad page). The
 *	      caller holds the owning instance's lock, and removes every user
 *	      mapping before the page is discarded or moved.
 * @vram_pgprot: optional; the page protection of user mappings of VRAM,
 *		 given the one the core computed (e.g. write-combining for
 *		 device memory behind a BAR). Without it, @prot unchanged
 *		 (normal cached memory).
 * @vram_page: optional; the struct page backing the VRAM page at @offset,
 *	       allocated if missing; NULL on allocation failure. Needed only
 *	       for dma-buf export of scanout planes (the export takes its
 *	       own reference): without it, the instances of this parent
 *	       refuse dma-buf planes with -EOPNOTSUPP.
 * @vram_copy: optional; copy @len bytes of VRAM from @src to @dst inside
 *	       the device, without a bounce buffer. The ranges are inside
 *	       the parent's VRAM and do not overlap (checked by the caller).
 *	       Without it the CPU executor copies through a bounce buffer.
 * @vram_move: optional; move the contents of [@src, @src + @len) to
 *	       [@dst, @dst + @len), after which @src reads as zeroes, e.g.
 *	       by moving the backing rather than copying it. The ranges are
 *	       page aligned, inside the parent's VRAM and do not overlap, no
 *	       access to either runs meanwhile, and @dst was discarded (all
 *	       checked or done by the caller, mdgpu_parent_move_vram()).
 *	       Fails with -EIO if a page of either range is bad (its mark
 *	       stays where it is: a bad location is a property of the VRAM,
 *	       not of its contents), or another errno; on failure both
 *	       ranges are as they were. Without it, a move copies and then
 *	       discards the source.
 * @vram_bad: optional; whether a page in [@offset, @offset + @len) had an
 *	      uncorrectable error. @vram_rw and @vram_copy fail with -EIO,
 *	      @vram_pfn with -EIO and @vram_page with NULL on such a page.
 * @vram_poison: optional; give the page at @offset an uncorrectable error
 *		 (fault injection). Its contents are lost. The caller holds
 *		 the lock of the instance owning the page, if any.
 * @vram_next: optional; the first page in [@offset, @end) that has backing
 *	       (was written since its last discard), or @end. Migration
 *	       sends only those. Without it every page counts as backed.
 * @run_chunk: run one bounded chunk of an already validated command of an
 *	       instance (struct mdgpu_chunk), on the engine thread, with the
 *	       instance's lock held: FILL, COPY, DMA (its VRAM side), FENCE
 *	       (the write of its sequence number), TIMESTAMP (the write of
 *	       the value the core gives) and COMPUTE (occupy the engine for
 *	       the chunk's time). NOP never comes here. The core keeps the
 *	       rings, validation, the registers and the command's progress,
 *	       scheduling and accounting (engine_exec.c); the backend only
 *	       executes, in instance offsets through the VRAM access helpers
 *	       (mdgpu_vgpu_vram_rw() and siblings) or on its device. It may
 *	       drop and retake the instance's lock while it waits for the
 *	       device (not while it touches VRAM, and touching no VRAM after
 *	       retaking it): the core then drops the chunk if the context
 *	       was reset meanwhile. Returns 0 once the chunk is done;
 *	       -ENOMEM (no memory to back VRAM) and -EIO (a bad VRAM page)
 *	       put the context in its error state with NOMEM and VRAM,
 *	       -EAGAIN asks for the chunk to be run again later, and any
 *	       other error is a fault of the engine on this command (FAULT).
 *	       The simulated and PCI backends share the CPU executor
 *	       (mdgpu_cpu_exec_run()).
 * @vram_pfn_pmd: optional; the first page frame number of the PMD_SIZE
 *		  (2 MiB on x86) range of VRAM at @offset, a multiple of
 *		  PMD_SIZE, when that range is physically contiguous device
 *		  memory, for a huge mapping (vmf_insert_pfn_pmd()). Returns
 *		  0 or a negative errno (then 4 KiB pages are mapped). Same
 *		  rules as @vram_pfn.
 * @vram_reap: optional; wait until the memory of every range discarded so
 *	       far is freed (and uncharged). Called with no mdgpu lock held.
 * @vram_populated: optional; bytes of host memory backing the parent's
 *		    VRAM, discarded but not yet freed included. Without it,
 *		    the whole VRAM.
 * @vram_lazy: VRAM gets backing only where it is written, so instances
 *	       may be promised more of it than the parent has (the
 *	       ``vram_ratio`` attribute, up to MDGPU_VRAM_RATIO_MAX): the
 *	       parent's VRAM offsets then reach past @vram_size, and the
 *	       backend never populates more than @vram_size bytes; an
 *	       allocation past that fails (-ENOMEM from @vram_rw,
 *	       @vram_copy and @run_chunk, -ENOSPC from @vram_pfn, NULL from
 *	       @vram_page) after calling mdgpu_parent_vram_short(). False:
 *	       the ratio stays 1.
 * @vram_reclaim: optional; free the backing of every page in
 *		  [@offset, @offset + @len) that reads as zeroes and that
 *		  nothing else references (a dma-buf), so it reads as
 *		  zeroes from no memory. Returns the bytes freed. The caller
 *		  holds the owning instance's lock and removed its user
 *		  mappings.
 *
 * Offsets are in the parent's VRAM; the core adds an instance's own offset
 * and checks the range (mdgpu_vgpu_vram_rw() and its siblings) before it
 * calls any of these. Two backends exist: the simulated parent
 * (mdgpu_sim_ops, system memory pages allocated on first write) and the
 * PCI parent (mdgpu_pci_ops, the memory BAR of a PCI device). See
 * "Writing a backend" in Documentation/design.rst.
 */
struct mdgpu_backend_ops {
	const char *name;
	const struct mdgpu_type_desc *types;
	unsigned int nr_types;
	int (*init)(struct mdgpu_parent *parent);
	void (*fini)(struct mdgpu_parent *parent);
	int (*vram_rw)(struct mdgpu_parent *parent, u64 offset, void *buf,
		       size_t len, bool write);
	void (*vram_discard)(struct mdgpu_parent *parent, u64 offset, u64 len);
	int (*vram_pfn)(struct mdgpu_parent *parent, u64 offset,
			unsigned long *pfn);
	pgprot_t (*vram_pgprot)(struct mdgpu_parent *parent, pgprot_t prot);
	struct page *(*vram_page)(struct mdgpu_parent *parent, u64 offset);
	int (*vram_copy)(struct mdgpu_parent *parent, u64 dst, u64 src,
			 size_t len);
	int (*vram_move)(struct mdgpu_parent *parent, u64 dst, u64 src,
			 u64 len);
	bool (*vram_bad)(struct mdgpu_parent *parent, u64 offset, u64 len);
	int (*vram_poison)(struct mdgpu_parent *parent, u64 offset);
	u64 (*vram_next)(struct mdgpu_parent *parent, u64 offset, u64 end);
	int (*run_chunk)(struct mdgpu_parent *parent, struct mdgpu_chunk *chunk);
	int (*vram_pfn_pmd)(struct mdgpu_parent *parent, u64 offset,
			    unsigned long *pfn);
	void (*vram_reap)(struct mdgpu_parent *parent);
	u64 (*vram_populated)(struct mdgpu_parent *parent);
	bool vram_lazy;
	u64 (*vram_reclaim)(struct mdgpu_parent *parent, u64 offset, u64 len);
};

extern const struct mdgpu_backend_ops mdgpu_sim_ops;
extern const struct mdgpu_backend_ops mdgpu_pci_ops;

/**
 * struct mdgpu_type - a vGPU type as registered on one parent
 * @mtype: the mdev core's type object; the core owns its kobject
 * @desc: the type's constant description
 * @parent: the parent this type is offered on
 */
struct mdgpu_type {
	struct mdev_type mtype;
	const struct mdgpu_type_desc *desc;
	struct mdgpu_parent *parent;
};

/**
 * enum mdgpu_health - a parent's health (the ``health`` attribute)
 * @MDGPU_HEALTH_OK: no fault seen
 * @MDGPU_HEALTH_DEGRADED: it had a fault it survived (an engine hang that
 *			   was reset, retired VRAM); it still runs its
 *			   instances, but new ones are better placed elsewhere
 * @MDGPU_HEALTH_FAILED: it is lost: its instances are failed, no new one
 *			 can be created
 *
 * Health only gets worse while the module is loaded.
 */
enum mdgpu_health {
	MDGPU_HEALTH_OK,
	MDGPU_HEALTH_DEGRADED,
	MDGPU_HEALTH_FAILED,
};

#define MDGPU_HEALTH_REASON_LEN	96

/**
 * struct mdgpu_parent - one parent GPU
 * @dev: the parent device, owner of the mdev types and of the parent's
 *	 attributes: a class ``mdgpu`` device ``simN`` for a simulated
 *	 parent, the PCI device for a PCI parent. Its driver data points
 *	 here from mdgpu_parent_register() to mdgpu_parent_unregister().
 * @ref: references: the registration and each instance (from .init to
 *	 .release); the last mdgpu_parent_put() frees the parent
 * @mdev_parent: the mdev core's parent object
 * @index: parent number, unique among the parents that exist (engine
 *	   thread names, ``mdgpu-eng/N``)
 * @ops: backend operations
 * @backend: backend private data
 * @vram_size: VRAM size in bytes
 * @vram_max: the most VRAM instances may ever be promised: @vram_size
 *	      times MDGPU_VRAM_RATIO_MAX if the backend has lazy backing,
 *	      else @vram_size. The parent's VRAM offsets are below it.
 * @types: the types offered on this parent
 * @type_ptrs: @types as the array mdev_register_parent() takes
 * @nr_types: number of entries used in @types
 * @lock: protects @vram, @vram_ratio, @instances, @health, @health_reason
 *	  and @relocations
 * @vram: which VRAM ranges instances own, and which are retired; its size
 *	  is what may be promised under @vram_ratio (mdgpu_vram_promise())
 * @vram_ratio: VRAM oversubscription ratio in thousandths (1000: none)
 * @instances: number of instances that exist on this parent
 * @relocations: instance ranges moved by compaction since the parent was
 *		 created
 * @health: enum mdgpu_health
 * @health_reason: why @health is what it is, "none" while OK
 * @engine: the engine (drivers/engine.c), from creation to release
 * @vgpus_lock: protects @vgpus. Outside every other mdgpu lock: it is
 *		taken with no mdgpu lock held, and instance locks are taken
 *		under it (debugfs.c, the engine's hang recovery)
 * @vgpus: the instances (mdgpu_vgpu::parent_node), from the end of .init
 *	   to the start of .release; an instance on the list is not freed
 *	   while @vgpus_lock is held
 * @debugfs: the parent's fault-injection directory, or NULL
 * @reclaim_work: gives back the backing of zero pages when the backend
 *		  ran out of it (vram_reclaim.c)
 * @backing_failures: allocations of VRAM backing refused because the
 *		      populated memory reached @vram_size (atomic)
 * @reclaimed: bytes of backing given back by zero-page reclaim (atomic)
 * @resvs: capacity reserved for named instances (struct mdgpu_resv,
 *	   drivers/reserve.c), under @lock
 * @nr_resvs: entries in @resvs, under @lock
 * @resv_vram: VRAM of every reservation in @resvs, bytes, under @lock
 */
struct mdgpu_parent {
	struct device *dev;
	struct kref ref;
	struct mdev_parent mdev_parent;
	unsigned int index;
	const struct mdgpu_backend_ops *ops;
	void *backend;
	u64 vram_size;
	u64 vram_max;
	struct mdgpu_type types[8];
	struct mdev_type *type_ptrs[8];
	unsigned int nr_types;

	struct mutex lock; /* see the kernel-doc above */
	struct mdgpu_vram_map vram;
	u32 vram_ratio;
	unsigned int instances;
	u64 relocations;
	enum mdgpu_health health;
	char health_reason[MDGPU_HEALTH_REASON_LEN];
	struct mdgpu_engine *engine;

	struct mutex vgpus_lock; /* see the kernel-doc above */
	struct list_head vgpus;
	struct dentry *debugfs;

	struct work_struct reclaim_work;
	atomic64_t backing_failures;
	atomic64_t reclaimed;

	struct list_head resvs;
	unsigned int nr_resvs;
	u64 resv_vram;
};

/**
 * struct mdgpu_irq - interrupt state of an instance
 * @trigger: eventfd signalled for each VFIO IRQ index, or NULL
 * @intx_masked: INTx is masked (by the user, or automatically after firing)
 * @intx_pending: INTx was raised while masked
 */
struct mdgpu_irq {
	struct eventfd_ctx *trigger[VFIO_PCI_NUM_IRQS];
	bool intx_masked;
	bool intx_pending;
};

/* Device-specific VFIO region: the EDID the host sets for the monitor. */
#define MDGPU_EDID_REGION_INDEX	VFIO_PCI_NUM_REGIONS
#define MDGPU_NUM_REGIONS	(VFIO_PCI_NUM_REGIONS + 1)
/* Layout of the EDID region: the vfio_region_gfx_edid header, then the blob. */
#define MDGPU_EDID_REGION_BLOB	0x100
#define MDGPU_EDID_REGION_SIZE	(MDGPU_EDID_REGION_BLOB + MDGPU_BAR2_EDID_SIZE)

/**
 * struct mdgpu_display - display state of an instance (under vgpu->lock)
 * @dispi: Bochs VBE DISPI registers as the guest last set them
 * @vga: the VGA I/O port window (stored, not interpreted)
 * @endian: QEMU extended framebuffer endianness register
 * @enabled: the display is on with @mode
 * @mode: the validated scanout mode while @enabled
 * @last_error: enum mdgpu_mode_error of the last refused mode
 * @mode_errors: number of refused mode settings
 * @edid: the EDID blob the guest reads at BAR2 0x000
 * @host_edid: the EDID blob the host is writing through the EDID region
 * @host_edid_size: its size, as the host set it
 * @link_up: the virtual monitor is connected
 */
struct mdgpu_display {
	u16 dispi[MDGPU_DISPI_NR];
	u8 vga[0x20];
	u32 endian;
	bool enabled;
	struct mdgpu_mode mode;
	u8 last_error;
	u32 mode_errors;
	u8 edid[MDGPU_BAR2_EDID_SIZE];
	u8 host_edid[MDGPU_BAR2_EDID_SIZE];
	u32 host_edid_size;
	bool link_up;
};

struct mdgpu_mig_file;

/**
 * struct mdgpu_vgpu_mig - an instance's VFIO migration state
 *			   (drivers/migration.c)
 * @state_lock: serialises migration state changes and the data files'
 *		attachment (@save, @resume). Outside vgpu->lock. A device
 *		reset does not wait for it: see @deferred_reset.
 * @state: enum vfio_device_mig_state, under @state_lock (sysfs reads it
 *	   with READ_ONCE())
 * @reset_lock: protects @deferred_reset
 * @deferred_reset: a device reset came while @state_lock was held: its
 *		    holder returns the state to RUNNING before unlocking
 * @save: the data file of the saving states, or NULL (under @state_lock)
 * @resume: the data file of RESUMING, or NULL (under @state_lock)
 * @resumed: the last RESUMING -> STOP succeeded and nothing ran since
 *	     (under @state_lock)
 * @parked: closed in STOP after a resume: the next open starts from the
 *	    restored state, not from power-on (under vgpu->lock)
 * @compat: what a stream from this instance needs of a destination
 *	    (constant after .init)
 */
struct mdgpu_vgpu_mig {
	struct mutex state_lock; /* see the kernel-doc above */
	enum vfio_device_mig_state state;
	spinlock_t reset_lock; /* protects deferred_reset */
	bool deferred_reset;
	struct mdgpu_mig_file *save;
	struct mdgpu_mig_file *resume;
	bool resumed;
	bool parked;
	struct mdgpu_mig_compat compat;
};

/**
 * struct mdgpu_vgpu - one vGPU instance (an mdev device)
 * @vdev: the VFIO device; its refcount owns this structure
 * @parent: the parent GPU; outlives every instance
 * @type: the instance's type
 * @vram_offset: start of the instance's VRAM range in the parent's VRAM.
 *		 Changed only by relocation (mdgpu_vgpu_relocate()), which
 *		 holds both the parent's @vgpus_lock and @lock; read it with
 *		 either held, or before the instance is listed on its
 *		 parent (.init) or after it is taken off (.release).
 * @vram_size: size of the range, which is also the size of BAR0
 * @layout: BAR sizes advertised in config space
 * @lock: protects @open, @plane_types, @cfg, @scratch, @reset_count, @irq,
 *	  @display, @planes, and the pages behind the VRAM range against
 *	  discard while in use
 * @open: the VFIO device is open (from .open_device to .close_device)
 * @plane_types: MDGPU_PLANES_* the instance offers. Changed (under @lock)
 *		 only while the device is closed, so the device's own ioctls
 *		 read it without the lock.
 * @cfg: emulated PCI configuration space
 * @scratch: value of MDGPU_REG_SCRATCH; the guest's accesses take no lock
 *	     (READ_ONCE()/WRITE_ONCE()), reset and migration write it under
 *	     @lock
 * @reset_count: value of MDGPU_REG_RESET_COUNT
 * @irq: interrupt state
 * @display: display state
 * @mmap_inode: inode whose address space holds every user mapping of BAR0,
 *		so reset can zap them all
 * @zero_map: one bit per page of BAR0 that a user mapping may map to the
 *	      shared zero page (read-only: a read fault on a page without
 *	      backing), set since the last mdgpu_vram_zap(); NULL until the
 *	      first such fault. Under @lock.
 * @planes: scanout planes shown so far (dmabuf.c), under @lock
 * @next_plane_id: last plane id handed out, under @lock
 * @engine: the engine context: registers under @lock, scheduler state
 *	    under the engine's lock (see struct mdgpu_engine_ctx)
 * @memcg: memory cgroup of the task that opened the device, charged for
 *	   the VRAM pages the engine thread allocates; NULL while closed.
 *	   Under @lock.
 * @dirty: VRAM dirty tracking for pre-copy (vram_dirty.c), under @lock;
 *	   every writable PTE of BAR0 is created under @lock, marked dirty
 *	   while tracking
 * @parent_node: on the parent's list of instances (under its vgpus_lock)
 * @mig: migration state
 * @resv: the reservation whose capacity the instance holds (its UUID was
 *	  reserved on the parent), or NULL; set in .init, constant until
 *	  .release (a held reservation cannot be deleted)
 */
struct mdgpu_vgpu {
	struct vfio_device vdev;
	struct mdgpu_parent *parent;
	struct mdgpu_type *type;
	u64 vram_offset;
	u64 vram_size;
	struct mdgpu_cfg_layout layout;

	struct mutex lock; /* see the kernel-doc above */
	bool open;
	u32 plane_types;
	struct mdgpu_cfg cfg;
	u32 scratch;
	u32 reset_count;
	struct mdgpu_irq irq;
	struct mdgpu_display display;
	struct inode *mmap_inode;
	unsigned long *zero_map;
	struct list_head planes;
	u32 next_plane_id;
	struct mdgpu_engine_ctx engine;
	struct mem_cgroup *memcg;
	struct mdgpu_vram_dirty dirty;
	struct list_head parent_node;
	struct mdgpu_vgpu_mig mig;
	struct mdgpu_resv *resv;
};

static inline struct mdgpu_vgpu *to_mdgpu_vgpu(struct vfio_device *vdev)
{
	return container_of(vdev, struct mdgpu_vgpu, vdev);
}

/* The parent registered on @dev (see mdgpu_parent::dev). */
static inline struct mdgpu_parent *to_mdgpu_parent(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static inline struct mdgpu_type *to_mdgpu_type(struct mdev_type *mtype)
{
	return container_of(mtype, struct mdgpu_type, mtype);
}

/*
 * The shortest hang_timeout_ms (but 0, never). A COMPUTE chunk may sleep
 * through a whole slice (MDGPU_SCHED_TIMESLICE_MAX_NS, 100 ms) with
 * nothing finished, and the progress watchdog, which looks every 100 ms,
 * takes a check that comes more than half the timeout after the previous
 * one for a stalled machine and starts its wait again: half the timeout
 * must be well above those 100 ms, or every check looks stalled and no
 * hang is ever seen. Five slices at most, two and a half checks.
 */
#define MDGPU_HANG_TIMEOUT_MIN_MS	500U

/* main.c: the hang_timeout_ms module parameter, read with READ_ONCE() */
extern unsigned int mdgpu_hang_timeout_ms;

/* parent.c: registration of parents by their backends */
struct mdgpu_parent *mdgpu_parent_register(struct device *dev,
					   const struct mdgpu_backend_ops *ops,
					   u64 vram_size, void *backend);
void mdgpu_parent_unregister(struct mdgpu_parent *parent, bool lost);
void mdgpu_parent_get(struct mdgpu_parent *parent);
void mdgpu_parent_put(struct mdgpu_parent *parent);
unsigned int mdgpu_parent_lose(struct mdgpu_parent *parent,
			       const char *why);
int mdgpu_parent_reserve_vram(struct mdgpu_vgpu *vgpu);
void mdgpu_parent_release_vram(struct mdgpu_vgpu *vgpu);
void mdgpu_parent_reap_vram(struct mdgpu_parent *parent);
unsigned int mdgpu_parent_available(struct mdgpu_parent *parent, u64 size);
int mdgpu_parent_set_vram_ratio(struct mdgpu_parent *parent, u32 permille);
u32 mdgpu_parent_vram_ratio(struct mdgpu_parent *parent);
void mdgpu_parent_set_health(struct mdgpu_parent *parent,
			     enum mdgpu_health health, const char *fmt, ...)
	__printf(3, 4);
const char *mdgpu_health_name(enum mdgpu_health health);
void mdgpu_parent_add_vgpu(struct mdgpu_vgpu *vgpu);
void mdgpu_parent_del_vgpu(struct mdgpu_vgpu *vgpu);
extern const struct attribute_group *mdgpu_parent_groups[];

/* reserve.c: capacity reserved for named instances */
struct mdgpu_resv *mdgpu_resv_claim_locked(struct mdgpu_parent *parent,
					   struct mdgpu_vgpu *vgpu,
					   u64 *offset);
void mdgpu_resv_unclaim_locked(struct mdgpu_vgpu *vgpu);
void mdgpu_resv_attach(struct mdgpu_vgpu *vgpu);
void mdgpu_resv_detach(struct mdgpu_vgpu *vgpu);
void mdgpu_parent_resv_fini(struct mdgpu_parent *parent);
bool mdgpu_vgpu_pinned(const struct mdgpu_vgpu *vgpu);
extern const struct attribute_group mdgpu_resv_parent_group;

/* sim_parent.c: the simulated parents (module parameters) */
int mdgpu_sim_parents_create(unsigned int count, u64 vram_size);
void mdgpu_sim_parents_destroy(void);

/* pci_parent.c: the PCI parent driver */
int mdgpu_pci_driver_register(void);
void mdgpu_pci_driver_unregister(void);

/* vram_access.c: every VRAM access of the core, in instance offsets */
int mdgpu_vgpu_vram_rw(struct mdgpu_vgpu *vgpu, u64 off, void *buf,
		       size_t len, bool write);
int mdgpu_vgpu_vram_copy(struct mdgpu_vgpu *vgpu, u64 dst, u64 src,
			 size_t len);
void mdgpu_vgpu_vram_discard(struct mdgpu_vgpu *vgpu, u64 off, u64 len);
int mdgpu_vgpu_vram_pfn(struct mdgpu_vgpu *vgpu, u64 off,
			unsigned long *pfn);
pgprot_t mdgpu_vgpu_vram_pgprot(struct mdgpu_vgpu *vgpu, pgprot_t prot);
struct page *mdgpu_vgpu_vram_page(struct mdgpu_vgpu *vgpu, u64 off);
bool mdgpu_vgpu_vram_bad(struct mdgpu_vgpu *vgpu, u64 off, u64 len);
u64 mdgpu_vgpu_vram_next(struct mdgpu_vgpu *vgpu, u64 off);
int mdgpu_vgpu_vram_pfn_pmd(struct mdgpu_vgpu *vgpu, u64 off,
			    unsigned long *pfn);
bool mdgpu_vgpu_vram_unzero(struct mdgpu_vgpu *vgpu, u64 off, u64 len);
bool mdgpu_parent_has_dmabuf(const struct mdgpu_parent *parent);

/* vram_reclaim.c: when lazily backed VRAM runs out of backing */
void mdgpu_parent_vram_short(struct mdgpu_parent *parent);
u64 mdgpu_parent_vram_reclaim(struct mdgpu_parent *parent);
void mdgpu_vram_reclaim_work(struct work_struct *work);

/* relocate.c: moving instances inside their parent's VRAM */
int mdgpu_parent_move_vram(struct mdgpu_parent *parent, u64 dst, u64 src,
			   u64 len);
int mdgpu_vgpu_relocate(struct mdgpu_vgpu *vgpu, u64 new_offset);
int mdgpu_parent_compact(struct mdgpu_parent *parent, unsigned int *moved);

/* mdev.c */
extern struct mdev_driver mdgpu_mdev_driver;
extern const struct attribute_group *mdgpu_vgpu_groups[];

/* vfio_dev.c */
extern const struct vfio_device_ops mdgpu_vfio_ops;
void mdgpu_vgpu_reset_locked(struct mdgpu_vgpu *vgpu, bool count);

/* migration.c: VFIO migration v2 */
void mdgpu_mig_init(struct mdgpu_vgpu *vgpu);
void mdgpu_mig_fini(struct mdgpu_vgpu *vgpu);
void mdgpu_mig_reset(struct mdgpu_vgpu *vgpu);
void mdgpu_mig_close(struct mdgpu_vgpu *vgpu);
int mdgpu_mig_device_feature(struct mdgpu_vgpu *vgpu, u32 flags,
			     void __user *arg, size_t argsz);
const char *mdgpu_mig_state_name(struct mdgpu_vgpu *vgpu);

/* mig_state.c: the device state as stream records */
size_t mdgpu_mig_state_save_locked(struct mdgpu_vgpu *vgpu, u8 *buf,
				   size_t len);
int mdgpu_mig_state_load_locked(struct mdgpu_vgpu *vgpu,
				const struct mdgpu_mig_parser *p,
				const char **why);

/* region.c */
ssize_t mdgpu_region_rw(struct mdgpu_vgpu *vgpu, char __user *ubuf,
			size_t count, loff_t pos, bool write);

/* mmio.c */
void mdgpu_bar2_access(struct mdgpu_vgpu *vgpu, u32 off, u8 *buf, u32 size,
		       bool write);
ssize_t mdgpu_bar2_read32(struct mdgpu_vgpu *vgpu, __le32 __user *ubuf,
			  u32 off);
ssize_t mdgpu_bar2_write32(struct mdgpu_vgpu *vgpu,
			   const __le32 __user *ubuf, u32 off);
void mdgpu_regs_reset(struct mdgpu_vgpu *vgpu);
int mdgpu_regs_init(void);

/* display.c */
void mdgpu_display_init(struct mdgpu_vgpu *vgpu);
void mdgpu_display_reset(struct mdgpu_vgpu *vgpu);
u32 mdgpu_display_status(struct mdgpu_vgpu *vgpu);
bool mdgpu_display_scanout(struct mdgpu_vgpu *vgpu, struct mdgpu_mode *mode);
u32 mdgpu_edid_blob_read(void *ctx, const struct mdgpu_reg *reg, u32 off,
			 u32 size);
u32 mdgpu_vga_read(void *ctx, const struct mdgpu_reg *reg, u32 off, u32 size);
void mdgpu_vga_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		     u32 size, u32 val);
u32 mdgpu_dispi_read(void *ctx, const struct mdgpu_reg *reg, u32 off,
		     u32 size);
void mdgpu_dispi_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		       u32 size, u32 val);
u32 mdgpu_qext_read(void *ctx, const struct mdgpu_reg *reg, u32 off,
		    u32 size);
void mdgpu_qext_write(void *ctx, const struct mdgpu_reg *reg, u32 off,
		      u32 size, u32 val);
long mdgpu_display_query_plane(struct mdgpu_vgpu *vgpu, void __user *arg);
int mdgpu_edid_region_rw(struct mdgpu_vgpu *vgpu, u32 off, u8 *buf,
			 u32 len, bool write);
void mdgpu_display_save_locked(struct mdgpu_vgpu *vgpu,
			       struct mdgpu_mig_display *m);
const char *mdgpu_display_check(struct mdgpu_vgpu *vgpu,
				const struct mdgpu_mig_display *m);
void mdgpu_display_load_locked(struct mdgpu_vgpu *vgpu,
			       const struct mdgpu_mig_display *m);

/* vram_mmap.c */
int mdgpu_vram_mmap_init(struct mdgpu_vgpu *vgpu);
void mdgpu_vram_mmap_fini(struct mdgpu_vgpu *vgpu);
int mdgpu_vram_mmap(struct mdgpu_vgpu *vgpu, struct vm_area_struct *vma);
void mdgpu_vram_zap(struct mdgpu_vgpu *vgpu);

/* dmabuf.c */
long mdgpu_dmabuf_get_ioctl(struct mdgpu_vgpu *vgpu, void __user *arg);
int mdgpu_dmabuf_plane_id(struct mdgpu_vgpu *vgpu, u32 *id,
			  struct mdgpu_mode *mode);
void mdgpu_dmabuf_release_all(struct mdgpu_vgpu *vgpu);

/*
 * engine_sched.c: the engine thread and its scheduler calls. The
 * scheduler's tunables and statistics are read and changed only through
 * these two, which call @fn with the engine lock held (so @fn must not
 * sleep) and return what it returns.
 */
int mdgpu_engine_sched_call(struct mdgpu_parent *parent,
			    int (*fn)(struct mdgpu_sched *s, void *arg),
			    void *arg);
int mdgpu_engine_entity_call(struct mdgpu_vgpu *vgpu,
			     int (*fn)(struct mdgpu_sched *s,
				       struct mdgpu_sched_entity *e,
				       void *arg),
			     void *arg);
int mdgpu_engine_thread_start(struct mdgpu_engine *eng);
void mdgpu_engine_thread_stop(struct mdgpu_engine *eng);
void mdgpu_engine_inject_hang(struct mdgpu_parent *parent);
void mdgpu_ctx_update(struct mdgpu_vgpu *vgpu);
bool mdgpu_engine_chunk_wait(struct mdgpu_engine *eng, u64 deadline);
bool mdgpu_engine_runs(struct mdgpu_engine *eng, struct mdgpu_engine_ctx *ctx);
void mdgpu_engine_sched_add(struct mdgpu_vgpu *vgpu);
void mdgpu_engine_sched_remove(struct mdgpu_vgpu *vgpu);

/* engine.c: the engine and its contexts' lifetime */
int mdgpu_engine_create(struct mdgpu_parent *parent);
void mdgpu_engine_lose(struct mdgpu_parent *parent);
void mdgpu_engine_stop(struct mdgpu_parent *parent);
void mdgpu_engine_free(struct mdgpu_parent *parent);
void mdgpu_engine_ctx_init(struct mdgpu_vgpu *vgpu);
void mdgpu_engine_ctx_fini(struct mdgpu_vgpu *vgpu);
void mdgpu_engine_ctx_open_locked(struct mdgpu_vgpu *vgpu);
void mdgpu_engine_ctx_close(struct mdgpu_vgpu *vgpu, bool keep);
void mdgpu_engine_ctx_reset_locked(struct mdgpu_vgpu *vgpu);
void mdgpu_ctx_ring_reset_locked(struct mdgpu_vgpu *vgpu);
void mdgpu_engine_dma_unmap(struct mdgpu_vgpu *vgpu, u64 iova, u64 len);
u64 mdgpu_ctx_time(struct mdgpu_engine *eng, const struct mdgpu_engine_ctx *ctx);

/* engine_exec.c: the execution core */
void mdgpu_thread_time_read(struct mdgpu_thread_time *t);
void mdgpu_step_begin(struct mdgpu_step *st, u64 start, u64 end_by);
unsigned int mdgpu_engine_step(struct mdgpu_engine *eng,
			       struct mdgpu_vgpu *vgpu, struct mdgpu_step *st);
void mdgpu_engine_ctx_fail_locked(struct mdgpu_vgpu *vgpu, u32 code);
void mdgpu_ctx_fail_at_locked(struct mdgpu_vgpu *vgpu, u32 code, u32 head,
			      u32 header);
u32 mdgpu_ctx_cur_header(const struct mdgpu_engine_ctx *ctx);
bool mdgpu_ctx_has_work(const struct mdgpu_engine_ctx *ctx);

/* engine_mig.c: the engine context and migration */
int mdgpu_engine_ctx_freeze(struct mdgpu_vgpu *vgpu);
void mdgpu_engine_ctx_thaw_locked(struct mdgpu_vgpu *vgpu);
void mdgpu_engine_ctx_save_locked(struct mdgpu_vgpu *vgpu,
				  struct mdgpu_mig_engine *m);
int mdgpu_engine_ctx_load_locked(struct mdgpu_vgpu *vgpu,
				 const struct mdgpu_mig_engine *m,
				 const char **why);

/* engine_dma.c: each open vGPU's thread for guest memory accesses */
bool mdgpu_dma_agent_busy(struct mdgpu_vgpu *vgpu);
int mdgpu_dma_agent_start(struct mdgpu_vgpu *vgpu);
void mdgpu_dma_agent_stop(struct mdgpu_vgpu *vgpu);
void mdgpu_dma_agent_unmap(struct mdgpu_vgpu *vgpu, u64 iova, u64 len);
void mdgpu_dma_agent_reset_locked(struct mdgpu_vgpu *vgpu);
void *mdgpu_dma_agent_buf_locked(struct mdgpu_vgpu *vgpu);
void mdgpu_dma_agent_queue_locked(struct mdgpu_vgpu *vgpu, u64 iova, u32 len,
				  bool to_guest);
bool mdgpu_dma_agent_done_locked(struct mdgpu_vgpu *vgpu, int *ret);

/* engine_regs.c: the guest's engine registers */
u32 mdgpu_engine_reg_read(void *opaque, const struct mdgpu_reg *reg, u32 off,
			  u32 size);
void mdgpu_engine_reg_write(void *opaque, const struct mdgpu_reg *reg,
			    u32 off, u32 size, u32 val);
void mdgpu_engine_doorbell(void *opaque, const struct mdgpu_reg *reg,
			   u32 off, u32 size, u32 val);
void mdgpu_ctx_take_doorbell_locked(struct mdgpu_vgpu *vgpu);

/* debugfs.c: fault injection */
void mdgpu_debugfs_init(void);
void mdgpu_debugfs_fini(void);
void mdgpu_debugfs_parent_add(struct mdgpu_parent *parent);
void mdgpu_debugfs_parent_del(struct mdgpu_parent *parent);

/* irq.c */
long mdgpu_irq_get_info(struct mdgpu_vgpu *vgpu, void __user *arg);
long mdgpu_irq_set_ioctl(struct mdgpu_vgpu *vgpu, void __user *arg);
void mdgpu_irq_raise(struct mdgpu_vgpu *vgpu, unsigned int index);
void mdgpu_irq_device_locked(struct mdgpu_vgpu *vgpu);
void mdgpu_irq_release(struct mdgpu_vgpu *vgpu);

#endif /* _MDGPU_H */
