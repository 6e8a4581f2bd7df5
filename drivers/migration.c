// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: VFIO migration v2 of an instance.
 *
 * The VFIO core splits every requested state change into single arcs
 * (vfio_mig_get_next_state()) and mdgpu_mig_set_state() runs them one by
 * one. RUNNING and PRE_COPY run the engine; every other state freezes the
 * engine context between chunks (engine_mig.c), so RUNNING_P2P is as
 * quiet as STOP: an emulated device cannot tell peer DMA from any other.
 *
 * Saving (PRE_COPY, PRE_COPY_P2P, STOP_COPY) streams through one data file:
 * the header first, then in STOP_COPY the device-state records (taken when
 * STOP_COPY is entered), the VRAM pages that have backing, and END. Bytes
 * are produced as the user reads them, a record at a time, so no side ever
 * holds more than one VRAM record (MDGPU_MIG_VRAM_MAX_PAGES pages).
 * Resuming parses what the user writes, split anywhere (mig_stream.c),
 * writes VRAM pages as they arrive and applies the device state at
 * RESUMING -> STOP, once the END record's checksum matched.
 *
 * Locks: in the order of Documentation/design.rst ("Locking"); a data
 * file's read or write copies to or from user memory holding its own lock,
 * not vgpu->lock. A device reset (VFIO_DEVICE_RESET) must not wait for
 * state_lock: a data file's read may fault on the device's own BAR0
 * mapping, whose fault handler takes vgpu->lock, which the reset path
 * holds. So reset only marks mig.deferred_reset under mig.reset_lock and
 * tries state_lock; whoever holds state_lock applies the reset when it
 * unlocks (mdgpu_mig_unlock()), the pattern of the in-tree drivers.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mdgpu.h"
#include "mdgpu_compat.h"
#include "mdgpu_dirty.h"

/* Bytes of a VRAM record's header and offset. */
#define MDGPU_MIG_VRAM_HEAD	(sizeof(struct mdgpu_mig_record) + sizeof(__le64))
/*
 * A saving file's buffer holds the records of one run of pages: at most
 * MDGPU_MIG_VRAM_MAX_PAGES pages, and a VRAM or ZERO record header for
 * each.
 */
#define MDGPU_MIG_BUF_SIZE	(MDGPU_MIG_VRAM_MAX_PAGES * \
				 (MDGPU_MIG_PAGE + MDGPU_MIG_VRAM_HEAD + \
				  sizeof(struct mdgpu_mig_record) + \
				  sizeof(struct mdgpu_mig_zero)))
/* What a resuming file copies from the user at a time. */
#define MDGPU_MIG_WRITE_CHUNK	(64 * 1024)

/**
 * enum mdgpu_mig_phase_out - what a saving file produces next
 * @MDGPU_MIG_O_HEADER: the header
 * @MDGPU_MIG_O_PRE: pre-copy: the rounds of dirty pages, until STOP_COPY
 * @MDGPU_MIG_O_STATE: the device-state records
 * @MDGPU_MIG_O_VRAM: VRAM: the pages with backing from @scan on, or after a
 *		     pre-copy the pages still dirty
 * @MDGPU_MIG_O_END: the END record
 * @MDGPU_MIG_O_EOS: nothing: end of stream
 */
enum mdgpu_mig_phase_out {
	MDGPU_MIG_O_HEADER,
	MDGPU_MIG_O_PRE,
	MDGPU_MIG_O_STATE,
	MDGPU_MIG_O_VRAM,
	MDGPU_MIG_O_END,
	MDGPU_MIG_O_EOS,
};

/**
 * struct mdgpu_mig_file - a migration data file
 * @filp: the file, which holds a reference to the VFIO device file's
 *	  device through @vgpu... for as long as mig.save/mig.resume points
 *	  here; the VFIO core keeps the device open while the user has the
 *	  device fd, and close detaches every data file first
 * @vgpu: the instance
 * @lock: serialises the file's read/write and its detachment
 * @disabled: detached (reset, state change, close): reads see the end,
 *	      writes fail with -ENODEV (under @lock)
 * @saving: a saving file, else a resuming one
 * @phase: enum mdgpu_mig_phase_out (saving, under @lock)
 * @stop_copy: STOP_COPY was entered: the device state is in @state
 *	       (under @lock)
 * @state: the device-state records, taken at STOP_COPY
 * @state_len: their bytes
 * @scan: next VRAM offset to look at (saving, under @lock)
 * @tracking: the file started VRAM dirty tracking (pre-copy), which it
 *	      stops when it is detached (saving, under @lock)
 * @rounds: pre-copy rounds started; the final round of STOP_COPY counts
 *	    too (saving, under @lock)
 * @round_end: a read() told the user that the pre-copy round ended
 *	       (ENOMSG); the next read starts the next round (saving, under
 *	       @lock)
 * @final: the final round was started (saving, under @lock)
 * @crc: CRC-32 state of the bytes produced so far (saving, under @lock)
 * @sent: bytes produced so far (saving, under @lock)
 * @buf: produced bytes not read yet (saving), or the bounce buffer for
 *	 the user's bytes (resuming)
 * @len: bytes in @buf (saving)
 * @off: bytes of @buf already read (saving)
 * @parser: the stream parser (resuming, under @lock)
 */
struct mdgpu_mig_file {
	struct file *filp;
	struct mdgpu_vgpu *vgpu;
	struct mutex lock; /* see the kernel-doc above */
	bool disabled;
	bool saving;
	enum mdgpu_mig_phase_out phase;
	bool stop_copy;
	u8 *state;
	size_t state_len;
	u64 scan;
	bool tracking;
	unsigned int rounds;
	bool round_end;
	bool final;
	u32 crc;
	u64 sent;
	u8 *buf;
	size_t len;
	size_t off;
	struct mdgpu_mig_parser *parser;
};

static_assert(PAGE_SIZE == MDGPU_MIG_PAGE);
#ifdef MDGPU_HAVE_VFIO_PRECOPY
static_assert(VFIO_DEVICE_STATE_PRE_COPY == MDGPU_MIG_S_PRE_COPY);
static_assert(VFIO_DEVICE_STATE_PRE_COPY_P2P == MDGPU_MIG_S_PRE_COPY_P2P);
#endif

static const char * const mdgpu_mig_state_names[] = {
	[VFIO_DEVICE_STATE_ERROR] = "error",
	[VFIO_DEVICE_STATE_STOP] = "stop",
	[VFIO_DEVICE_STATE_RUNNING] = "running",
	[VFIO_DEVICE_STATE_STOP_COPY] = "stop_copy",
	[VFIO_DEVICE_STATE_RESUMING] = "resuming",
	[VFIO_DEVICE_STATE_RUNNING_P2P] = "running_p2p",
	[MDGPU_MIG_S_PRE_COPY] = "pre_copy",
	[MDGPU_MIG_S_PRE_COPY_P2P] = "pre_copy_p2p",
};

/* Detach a data file: the user's fd sees the end of it. */
static void mdgpu_mig_file_disable(struct mdgpu_mig_file *f)
{
	mutex_lock(&f->lock);
	f->disabled = true;
	f->len = 0;
	f->off = 0;
	if (f->tracking) {
		mutex_lock(&f->vgpu->lock);
		mdgpu_vram_dirty_stop(f->vgpu);
		mutex_unlock(&f->vgpu->lock);
		f->tracking = false;
	}
	mutex_unlock(&f->lock);
	fput(f->filp);
}

/* Detach every data file. Caller holds mig.state_lock. */
static void mdgpu_mig_drop_files(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_vgpu_mig *mig = &vgpu->mig;

	lockdep_assert_held(&mig->state_lock);
	if (mig->save) {
		mdgpu_mig_file_disable(mig->save);
		mig->save = NULL;
	}
	if (mig->resume) {
		mdgpu_mig_file_disable(mig->resume);
		mig->resume = NULL;
	}
}

/* Release mig.state_lock, applying a reset that came meanwhile. */
static void mdgpu_mig_unlock(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_vgpu_mig *mig = &vgpu->mig;

again:
	spin_lock(&mig->reset_lock);
	if (mig->deferred_reset) {
		mig->deferred_reset = false;
		spin_unlock(&mig->reset_lock);
		/* Waits for a read or write in progress on the files. */
		mdgpu_mig_drop_files(vgpu);
		mutex_lock(&vgpu->lock);
		/*
		 * The reset may have come while an arc was running (a resume
		 * applying its state): power-on state again, uncounted.
		 */
		if (mig->state != VFIO_DEVICE_STATE_RUNNING)
			mdgpu_vgpu_reset_locked(vgpu, false);
		mdgpu_engine_ctx_thaw_locked(vgpu);
		mutex_unlock(&vgpu->lock);
		mig->state = VFIO_DEVICE_STATE_RUNNING;
		mig->resumed = false;
		goto again;
	}
	mutex_unlock(&mig->state_lock);
	spin_unlock(&mig->reset_lock);
}

/**
 * mdgpu_mig_reset() - the device is being reset (VFIO_DEVICE_RESET)
 * @vgpu: the instance; caller holds no mdgpu lock, and resets the device
 *	  itself next
 *
 * The migration state returns to RUNNING and the data files are detached,
 * now or, if an arc is running, when it ends (its holder of
 * mig.state_lock then also puts the device in its power-on state again).
 */
void mdgpu_mig_reset(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_vgpu_mig *mig = &vgpu->mig;

	spin_lock(&mig->reset_lock);
	mig->deferred_reset = true;
	if (!mutex_trylock(&mig->state_lock)) {
		spin_unlock(&mig->reset_lock);
		return;
	}
	spin_unlock(&mig->reset_lock);
	mdgpu_mig_unlock(vgpu);
}

/* --- saving ------------------------------------------------------------ */

/* Queue @len bytes of a record in the file's buffer, counting its CRC. */
static void mdgpu_mig_emit(struct mdgpu_mig_file *f, const void *data,
			   size_t len)
{
	memcpy(f->buf + f->len, data, len);
	f->crc = mdgpu_mig_crc(f->crc, data, len);
	f->len += len;
	f->sent += len;
}

/* The END record: its payload is the CRC of everything before it. */
static void mdgpu_mig_emit_end(struct mdgpu_mig_file *f)
{
	struct mdgpu_mig_record r;
	__le32 sum;

	mdgpu_mig_record_fill(&r, MDGPU_MIG_TAG_END, 0, sizeof(sum));
	mdgpu_mig_emit(f, &r, sizeof(r));
	sum = cpu_to_le32(~f->crc);
	memcpy(f->buf + f->len, &sum, sizeof(sum));
	f->len += sizeof(sum);
	f->sent += sizeof(sum);
}

/* The first page at or after @off with backing, or the VRAM size. */
static u64 mdgpu_mig_next_backed(struct mdgpu_vgpu *vgpu, u64 off)
{
	return mdgpu_vgpu_vram_next(vgpu, off);
}

/* Append a ZERO record for [@off, @off + @len) to the buffer. */
static void mdgpu_mig_emit_zero(struct mdgpu_mig_file *f, u64 off, u64 len)
{
	struct mdgpu_mig_record r;
	struct mdgpu_mig_zero z;

	z.offset = cpu_to_le64(off);
	z.len = cpu_to_le64(len);
	mdgpu_mig_record_fill(&r, MDGPU_MIG_TAG_ZERO, 0, sizeof(z));
	mdgpu_mig_emit(f, &r, sizeof(r));
	mdgpu_mig_emit(f, &z, sizeof(z));
}

/*
 * Append the records of the @n pages from @off (n <= MDGPU_MIG_VRAM_MAX_PAGES)
 * to the buffer: VRAM records for the pages with backing, read now, and
 * ZERO records for the others, unless @skip_absent (the destination reads
 * zeroes there anyway). A page with an uncorrectable error is a ZERO
 * record: its contents are lost, and this instance's guest was told so by
 * ERR_VRAM. With @backed every page has backing (the caller looked), so no
 * page is looked up again; otherwise each page's backing is looked up
 * once: a lookup names the next page with backing, so the pages before it
 * need none. Caller holds vgpu->lock.
 */
static void mdgpu_mig_emit_pages(struct mdgpu_mig_file *f, u64 off, u64 n,
				 bool skip_absent, bool backed)
{
	struct mdgpu_vgpu *vgpu = f->vgpu;
	u64 end = off + n * MDGPU_MIG_PAGE, run, p, next;
	struct mdgpu_mig_record r;
	size_t head;
	__le64 where;
	u8 *data;

	lockdep_assert_held(&vgpu->lock);
	/* The first page with backing at or after @off. */
	next = backed ? off : mdgpu_mig_next_backed(vgpu, off);
	while (off < end) {
		if (next > off) {
			/* Pages without backing: zeroes. */
			p = min(next, end);
			if (!skip_absent)
				mdgpu_mig_emit_zero(f, off, p - off);
			off = p;
			continue;
		}
		/* Pages with backing that read fine: one VRAM record. */
		head = f->len;
		data = f->buf + head + MDGPU_MIG_VRAM_HEAD;
		for (p = off; p < end; p += MDGPU_MIG_PAGE) {
			if (p > off) {
				next = backed ? p : mdgpu_mig_next_backed(vgpu, p);
				if (next != p)
					break;
			}
			if (mdgpu_vgpu_vram_rw(vgpu, p, data + (p - off),
					       MDGPU_MIG_PAGE, false))
				break;
		}
		if (p > off) {
			run = p - off;
			mdgpu_mig_record_fill(&r, MDGPU_MIG_TAG_VRAM, 0,
					      sizeof(where) + run);
			where = cpu_to_le64(off);
			memcpy(f->buf + head, &r, sizeof(r));
			memcpy(f->buf + head + sizeof(r), &where,
			       sizeof(where));
			f->crc = mdgpu_mig_crc(f->crc, f->buf + head,
					       MDGPU_MIG_VRAM_HEAD + run);
			f->len += MDGPU_MIG_VRAM_HEAD + run;
			f->sent += MDGPU_MIG_VRAM_HEAD + run;
			off = p;
			continue;
		}
		/*
		 * The page at @off has backing but does not read (a bad
		 * one): zeroes, with the pages without backing after it.
		 */
		p = off + MDGPU_MIG_PAGE;
		if (p < end)
			next = backed ? p : mdgpu_mig_next_backed(vgpu, p);
		p = max(p, min(next, end));
		mdgpu_mig_emit_zero(f, off, p - off);
		off = p;
	}
}

/*
 * The next records of VRAM in STOP_COPY: without a pre-copy, the pages
 * with backing from f->scan on; after one, the pages still dirty (the
 * final round). Return: false when no page is left.
 */
static bool mdgpu_mig_emit_vram(struct mdgpu_mig_file *f)
{
	struct mdgpu_vgpu *vgpu = f->vgpu;
	u64 start, off, n = 0;

	mutex_lock(&vgpu->lock);
	if (f->tracking) {
		if (!f->final) {
			mdgpu_vram_dirty_round(vgpu);
			f->final = true;
			f->rounds++;
		}
		n = mdgpu_vram_dirty_next_run(vgpu, &start,
					      MDGPU_MIG_VRAM_MAX_PAGES);
		if (n)
			mdgpu_mig_emit_pages(f, start, n, false, false);
		mutex_unlock(&vgpu->lock);
		return n;
	}
	/* The run of pages with backing from there: looked up once each. */
	start = mdgpu_mig_next_backed(vgpu, f->scan);
	for (off = start + MDGPU_MIG_PAGE, n = start < vgpu->vram_size;
	     n && n < MDGPU_MIG_VRAM_MAX_PAGES && off < vgpu->vram_size &&
	     mdgpu_mig_next_backed(vgpu, off) == off;
	     off += MDGPU_MIG_PAGE)
		n++;
	if (n)
		mdgpu_mig_emit_pages(f, start, n, true, true);
	f->scan = start + n * MDGPU_MIG_PAGE;
	mutex_unlock(&vgpu->lock);
	return n;
}

/*
 * Pre-copy: the next run of the current round. The end of a round is a
 * temporary end of stream: a read() fails with ENOMSG (mdgpu_mig_read()
 * sets f->round_end then), and only the read after that starts the next
 * round, if pages were dirtied since. A read that returned the round's
 * last bytes does not count: the one after it still fails with ENOMSG.
 * So a reader that reads to ENOMSG stops at each round, however fast the
 * guest writes, and a round holds only the pages dirty when it started.
 * The first round skips pages without backing. Return: false at the end
 * of the round (or with nothing dirty).
 */
static bool mdgpu_mig_emit_precopy(struct mdgpu_mig_file *f)
{
	struct mdgpu_vgpu *vgpu = f->vgpu;
	u64 start, n;

	mutex_lock(&vgpu->lock);
	do {
		n = mdgpu_vram_dirty_next_run(vgpu, &start,
					      MDGPU_MIG_VRAM_MAX_PAGES);
		if (!n) {
			if (!f->round_end || !mdgpu_vram_dirty_pending(vgpu))
				break;
			mdgpu_vram_dirty_round(vgpu);
			f->rounds++;
			f->round_end = false;
			continue;
		}
		mdgpu_mig_emit_pages(f, start, n, f->rounds == 1, false);
	} while (!f->len);
	mutex_unlock(&vgpu->lock);
	return f->len;
}

/*
 * Fill the empty buffer with the next bytes of the stream. Caller holds
 * f->lock. Return: false if there is nothing now (pre-copy) or any more.
 */
static bool mdgpu_mig_produce(struct mdgpu_mig_file *f)
{
	struct mdgpu_mig_header h;

	f->len = 0;
	f->off = 0;
	for (;;) {
		switch (f->phase) {
		case MDGPU_MIG_O_HEADER:
			mdgpu_mig_header_fill(&h, &f->vgpu->mig.compat);
			mdgpu_mig_emit(f, &h, sizeof(h));
			f->phase = MDGPU_MIG_O_PRE;
			return true;
		case MDGPU_MIG_O_PRE:
			if (f->stop_copy) {
				f->phase = MDGPU_MIG_O_STATE;
				break;
			}
			return f->tracking && mdgpu_mig_emit_precopy(f);
		case MDGPU_MIG_O_STATE:
			mdgpu_mig_emit(f, f->state, f->state_len);
			f->scan = 0;
			f->phase = MDGPU_MIG_O_VRAM;
			return true;
		case MDGPU_MIG_O_VRAM:
			if (mdgpu_mig_emit_vram(f))
				return true;
			f->phase = MDGPU_MIG_O_END;
			break;
		case MDGPU_MIG_O_END:
			mdgpu_mig_emit_end(f);
			f->phase = MDGPU_MIG_O_EOS;
			return true;
		case MDGPU_MIG_O_EOS:
			return false;
		}
	}
}

static ssize_t mdgpu_mig_read(struct file *filp, char __user *ubuf,
			      size_t count, loff_t *pos)
{
	struct mdgpu_mig_file *f = filp->private_data;
	ssize_t done = 0;
	size_t n;

	if (pos)
		return -ESPIPE;
	mutex_lock(&f->lock);
	while (count) {
		if (f->disabled) {
			/* Detached by a reset or a state change: the end. */
			break;
		}
		if (f->off == f->len && !mdgpu_mig_produce(f)) {
			/*
			 * Pre-copy has nothing more for now: the end of the
			 * round, told by a read that returns no data.
			 */
			if (!done && f->phase == MDGPU_MIG_O_PRE) {
				done = -ENOMSG;
				f->round_end = true;
			}
			break;
		}
		n = min(count, f->len - f->off);
		if (copy_to_user(ubuf, f->buf + f->off, n)) {
			done = done ?: -EFAULT;
			break;
		}
		f->off += n;
		ubuf += n;
		count -= n;
		done += n;
	}
	mutex_unlock(&f->lock);
	return done;
}

/*
 * The VRAM a STOP_COPY without pre-copy sends: the pages with backing, in
 * records of MDGPU_MIG_VRAM_MAX_PAGES pages. For MIG_DATA_SIZE; the count
 * is kept until VRAM changes (mdgpu_vram_dirty_backed()).
 */
static u64 mdgpu_mig_vram_left(struct mdgpu_vgpu *vgpu)
{
	u64 pages;

	mutex_lock(&vgpu->lock);
	pages = mdgpu_vram_dirty_backed(vgpu);
	mutex_unlock(&vgpu->lock);
	return pages * MDGPU_MIG_PAGE +
	       DIV_ROUND_UP(pages, MDGPU_MIG_VRAM_MAX_PAGES) *
	       MDGPU_MIG_VRAM_HEAD;
}

#ifdef MDGPU_HAVE_VFIO_PRECOPY
static long mdgpu_mig_precopy_info(struct mdgpu_mig_file *f,
				   void __user *arg)
{
	struct mdgpu_vgpu_mig *mig = &f->vgpu->mig;
	unsigned long minsz = offsetofend(struct vfio_precopy_info,
					  dirty_bytes);
	struct vfio_precopy_info info;
	long ret = 0;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	mutex_lock(&mig->state_lock);
	if (mig->state != VFIO_DEVICE_STATE_PRE_COPY &&
	    mig->state != VFIO_DEVICE_STATE_PRE_COPY_P2P) {
		ret = -EINVAL;
		goto out;
	}
	mutex_lock(&f->lock);
	if (f->disabled) {
		ret = -ENODEV;
	} else {
		struct mdgpu_dirty_map *map = &f->vgpu->dirty.map;
		u64 round, dirty;

		mutex_lock(&f->vgpu->lock);
		round = f->tracking ? map->nr_round : 0;
		dirty = f->tracking ? map->nr_dirty : 0;
		mutex_unlock(&f->vgpu->lock);
		/*
		 * Initial: the header and the first round (the pages with
		 * backing, mdgpu_vram_dirty_only_backed()); dirty: later
		 * rounds and the pages written since.
		 */
		info.initial_bytes = f->len - f->off;
		if (f->phase == MDGPU_MIG_O_HEADER)
			info.initial_bytes = sizeof(struct mdgpu_mig_header);
		info.dirty_bytes = dirty * MDGPU_MIG_PAGE;
		if (f->rounds <= 1)
			info.initial_bytes += round * MDGPU_MIG_PAGE;
		else
			info.dirty_bytes += round * MDGPU_MIG_PAGE;
		info.flags = 0;
	}
	mutex_unlock(&f->lock);
out:
	mdgpu_mig_unlock(f->vgpu);
	if (ret)
		return ret;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}
#endif

static long mdgpu_mig_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
#ifdef MDGPU_HAVE_VFIO_PRECOPY
	struct mdgpu_mig_file *f = filp->private_data;

	if (cmd == VFIO_MIG_GET_PRECOPY_INFO && f->saving)
		return mdgpu_mig_precopy_info(f, (void __user *)arg);
#endif
	return -ENOTTY;
}

/* --- resuming ---------------------------------------------------------- */

static int mdgpu_mig_put_page(void *ctx, u64 off, const void *data)
{
	struct mdgpu_vgpu *vgpu = ctx;

	lockdep_assert_held(&vgpu->lock);
	mdgpu_vram_dirty_backing_changed(vgpu);
	return mdgpu_vgpu_vram_rw(vgpu, off, (void *)data, MDGPU_MIG_PAGE,
				  true);
}

static int mdgpu_mig_put_zero(void *ctx, u64 off, u64 len)
{
	struct mdgpu_vgpu *vgpu = ctx;

	lockdep_assert_held(&vgpu->lock);
	/* No user mapping may reach pages being discarded. */
	mdgpu_vram_zap(vgpu);
	mdgpu_vgpu_vram_discard(vgpu, off, len);
	return 0;
}

static const struct mdgpu_mig_parser_ops mdgpu_mig_resume_ops = {
	.page = mdgpu_mig_put_page,
	.zero = mdgpu_mig_put_zero,
};

static void mdgpu_mig_log_refusal(struct mdgpu_mig_file *f, int err)
{
	dev_info_ratelimited(f->vgpu->vdev.dev,
			     "migration: stream refused at byte %llu: %s (%d)\n",
			     f->parser->pos, f->parser->why ?: "?", err);
}

static ssize_t mdgpu_mig_write(struct file *filp, const char __user *ubuf,
			       size_t count, loff_t *pos)
{
	struct mdgpu_mig_file *f = filp->private_data;
	struct mdgpu_vgpu *vgpu = f->vgpu;
	ssize_t done = 0;
	int ret = 0;
	size_t n;

	if (pos)
		return -ESPIPE;
	mutex_lock(&f->lock);
	if (f->disabled) {
		ret = -ENODEV;
		goto out;
	}
	ret = f->parser->err;
	while (!ret && count) {
		n = min_t(size_t, count, MDGPU_MIG_WRITE_CHUNK);
		if (copy_from_user(f->buf, ubuf, n)) {
			ret = -EFAULT;
			break;
		}
		mutex_lock(&vgpu->lock);
		ret = mdgpu_mig_parse(f->parser, f->buf, n);
		mutex_unlock(&vgpu->lock);
		if (ret) {
			mdgpu_mig_log_refusal(f, ret);
			break;
		}
		ubuf += n;
		count -= n;
		done += n;
	}
out:
	mutex_unlock(&f->lock);
	return ret ?: done;
}

/* --- the files --------------------------------------------------------- */

static int mdgpu_mig_release(struct inode *inode, struct file *filp)
{
	struct mdgpu_mig_file *f = filp->private_data;

	mutex_destroy(&f->lock);
	kvfree(f->parser);
	kvfree(f->buf);
	kfree(f->state);
	kfree(f);
	return 0;
}

static const struct file_operations mdgpu_mig_fops = {
	.owner = THIS_MODULE,
	.read = mdgpu_mig_read,
	.write = mdgpu_mig_write,
	.unlocked_ioctl = mdgpu_mig_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = mdgpu_mig_release,
};

/* A new data file; the caller keeps one reference, the user gets one. */
static struct mdgpu_mig_file *mdgpu_mig_file_new(struct mdgpu_vgpu *vgpu,
						 bool saving)
{
	struct mdgpu_mig_file *f;
	struct file *filp;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->vgpu = vgpu;
	f->saving = saving;
	f->crc = ~0u;
	mutex_init(&f->lock);
	f->buf = kvmalloc(saving ? MDGPU_MIG_BUF_SIZE : MDGPU_MIG_WRITE_CHUNK,
			  GFP_KERNEL_ACCOUNT);
	if (!f->buf)
		goto free;
	if (!saving) {
		f->parser = kvzalloc(sizeof(*f->parser), GFP_KERNEL_ACCOUNT);
		if (!f->parser)
			goto free;
		mdgpu_mig_parser_init(f->parser, &vgpu->mig.compat,
				      &mdgpu_mig_resume_ops, vgpu);
	}
	filp = anon_inode_getfile("mdgpu_mig", &mdgpu_mig_fops, f,
				  saving ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		mutex_destroy(&f->lock);
		kvfree(f->parser);
		kvfree(f->buf);
		kfree(f);
		return ERR_CAST(filp);
	}
	stream_open(filp->f_inode, filp);
	f->filp = filp;
	get_file(filp);
	return f;

free:
	mutex_destroy(&f->lock);
	kvfree(f->buf);
	kfree(f);
	return ERR_PTR(-ENOMEM);
}

/* STOP_COPY begins: take the device state. The device is frozen. */
static int mdgpu_mig_stop_copy(struct mdgpu_vgpu *vgpu,
			       struct mdgpu_mig_file *f)
{
	u8 *state = kmalloc(MDGPU_MIG_STATE_MAX, GFP_KERNEL_ACCOUNT);
	size_t len;

	if (!state)
		return -ENOMEM;
	mutex_lock(&vgpu->lock);
	len = mdgpu_mig_state_save_locked(vgpu, state, MDGPU_MIG_STATE_MAX);
	mutex_unlock(&vgpu->lock);
	mutex_lock(&f->lock);
	f->state = state;
	f->state_len = len;
	f->stop_copy = true;
	mutex_unlock(&f->lock);
	return 0;
}

/* STOP -> RESUMING: the device starts from its power-on state. */
static struct file *mdgpu_mig_resuming(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_mig_file *f = mdgpu_mig_file_new(vgpu, false);

	if (IS_ERR(f))
		return ERR_CAST(f);
	mutex_lock(&vgpu->lock);
	mdgpu_vgpu_reset_locked(vgpu, false);
	mutex_unlock(&vgpu->lock);
	vgpu->mig.resume = f;
	return f->filp;
}

/* RESUMING -> STOP: the stream must be whole; then its state applies. */
static int mdgpu_mig_resumed(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_mig_file *f = vgpu->mig.resume;
	const char *why = NULL;
	bool logged;
	int ret;

	mutex_lock(&f->lock);
	/* A refusal a write() met was logged then. */
	logged = f->parser->err;
	ret = mdgpu_mig_parse_finish(f->parser);
	if (ret) {
		if (!logged)
			mdgpu_mig_log_refusal(f, ret);
	} else {
		mutex_lock(&vgpu->lock);
		ret = mdgpu_mig_state_load_locked(vgpu, f->parser, &why);
		mutex_unlock(&vgpu->lock);
		if (ret)
			dev_info_ratelimited(vgpu->vdev.dev,
					     "migration: stream refused: %s (%d)\n",
					     why, ret);
	}
	mutex_unlock(&f->lock);
	return ret;
}

/*
 * A new saving file. With @state, it takes the device state now (STOP ->
 * STOP_COPY); without, it is a pre-copy and starts VRAM dirty tracking,
 * every page with backing in its first round.
 */
static struct file *mdgpu_mig_saving(struct mdgpu_vgpu *vgpu, bool state)
{
	struct mdgpu_mig_file *f = mdgpu_mig_file_new(vgpu, true);
	int ret;

	if (IS_ERR(f))
		return ERR_CAST(f);
	vgpu->mig.save = f;
	if (!state) {
		mutex_lock(&vgpu->lock);
		ret = mdgpu_vram_dirty_start(vgpu);
		if (!ret) {
			mdgpu_vram_dirty_only_backed(vgpu);
			mdgpu_vram_dirty_round(vgpu);
			f->tracking = true;
			f->rounds = 1;
		}
		mutex_unlock(&vgpu->lock);
		if (ret) {
			mdgpu_mig_drop_files(vgpu);
			fput(f->filp);
			return ERR_PTR(ret);
		}
	}
	if (state) {
		ret = mdgpu_mig_stop_copy(vgpu, f);
		if (ret) {
			/* The user never saw it: both references go. */
			mdgpu_mig_drop_files(vgpu);
			fput(f->filp);
			return ERR_PTR(ret);
		}
	}
	return f->filp;
}

/* Run one arc of the state machine. Caller holds mig.state_lock. */
static struct file *mdgpu_mig_arc(struct mdgpu_vgpu *vgpu,
				  enum vfio_device_mig_state cur,
				  enum vfio_device_mig_state next)
{
	struct mdgpu_vgpu_mig *mig = &vgpu->mig;
	struct mdgpu_mig_plan plan;
	int ret;

	lockdep_assert_held(&mig->state_lock);
	ret = mdgpu_mig_plan(cur, next, &plan);
	if (ret)
		return ERR_PTR(ret);
	if (plan.freeze) {
		ret = mdgpu_engine_ctx_freeze(vgpu);
		if (ret)
			return ERR_PTR(ret);
	} else if (plan.thaw) {
		mutex_lock(&vgpu->lock);
		mdgpu_engine_ctx_thaw_locked(vgpu);
		mutex_unlock(&vgpu->lock);
	}
	mig->resumed = false;
	switch (plan.action) {
	case MDGPU_MIG_A_NONE:
		break;
	case MDGPU_MIG_A_SAVE:
		return mdgpu_mig_saving(vgpu, false);
	case MDGPU_MIG_A_SAVE_STATE:
		return mdgpu_mig_saving(vgpu, true);
	case MDGPU_MIG_A_STOP_COPY:
		ret = mdgpu_mig_stop_copy(vgpu, mig->save);
		return ret ? ERR_PTR(ret) : NULL;
	case MDGPU_MIG_A_END_SAVE:
		mdgpu_mig_drop_files(vgpu);
		break;
	case MDGPU_MIG_A_RESUME:
		return mdgpu_mig_resuming(vgpu);
	case MDGPU_MIG_A_END_RESUME:
		ret = mdgpu_mig_resumed(vgpu);
		mdgpu_mig_drop_files(vgpu);
		if (ret)
			return ERR_PTR(ret);
		mig->resumed = true;
		break;
	}
	return NULL;
}

static struct file *mdgpu_mig_set_state(struct vfio_device *vdev,
					enum vfio_device_mig_state new)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);
	struct mdgpu_vgpu_mig *mig = &vgpu->mig;
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&mig->state_lock);
	while (new != mig->state) {
		ret = vfio_mig_get_next_state(vdev, mig->state, new, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = mdgpu_mig_arc(vgpu, mig->state, next);
		if (IS_ERR(res)) {
			mdgpu_mig_drop_files(vgpu);
			mig->state = VFIO_DEVICE_STATE_ERROR;
			break;
		}
		mig->state = next;
		if (res && new != next) {
			/* The core asks for a data state only as the target. */
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mdgpu_mig_unlock(vgpu);
	return res;
}

static int mdgpu_mig_get_state(struct vfio_device *vdev,
			       enum vfio_device_mig_state *state)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);

	mutex_lock(&vgpu->mig.state_lock);
	*state = vgpu->mig.state;
	mdgpu_mig_unlock(vgpu);
	return 0;
}

/* What a STOP_COPY would produce from now: MIG_DATA_SIZE. */
static int mdgpu_mig_get_data_size(struct vfio_device *vdev,
				   unsigned long *len)
{
	struct mdgpu_vgpu *vgpu = to_mdgpu_vgpu(vdev);
	bool tracking;
	u64 vram;

	/* After a pre-copy, STOP_COPY sends what is still dirty. */
	mutex_lock(&vgpu->mig.state_lock);
	mutex_lock(&vgpu->lock);
	tracking = vgpu->dirty.tracking;
	vram = mdgpu_vram_dirty_pending(vgpu) *
	       (MDGPU_MIG_PAGE + MDGPU_MIG_VRAM_HEAD);
	mutex_unlock(&vgpu->lock);
	if (!tracking)
		vram = mdgpu_mig_vram_left(vgpu);
	mdgpu_mig_unlock(vgpu);
	*len = sizeof(struct mdgpu_mig_header) + MDGPU_MIG_STATE_MAX +
	       sizeof(struct mdgpu_mig_record) + sizeof(__le32) + vram;
	return 0;
}

static const struct vfio_migration_ops mdgpu_mig_ops = {
	.migration_set_state = mdgpu_mig_set_state,
	.migration_get_state = mdgpu_mig_get_state,
#ifdef MDGPU_HAVE_VFIO_MIG_DATA_SIZE
	.migration_get_data_size = mdgpu_mig_get_data_size,
#endif
};

/**
 * mdgpu_mig_device_feature() - features the VFIO core passes on
 * @vgpu: the instance
 * @flags: the request's VFIO_DEVICE_FEATURE_* flags and feature number
 * @arg: the feature's data
 * @argsz: its size
 *
 * Only for cores without MIG_DATA_SIZE support (v6.1), which pass it to
 * the driver's device_feature op: QEMU takes a failure as "100 GiB left".
 *
 * Return: 0, or a negative errno (-ENOTTY for an unknown feature).
 */
int mdgpu_mig_device_feature(struct mdgpu_vgpu *vgpu, u32 flags,
			     void __user *arg, size_t argsz)
{
	struct vfio_device_feature_mig_data_size size = {};
	unsigned long len;
	int ret;

	if ((flags & VFIO_DEVICE_FEATURE_MASK) !=
	    VFIO_DEVICE_FEATURE_MIG_DATA_SIZE)
		return -ENOTTY;
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
				 sizeof(size));
	if (ret != 1)
		return ret;
	mdgpu_mig_get_data_size(&vgpu->vdev, &len);
	size.stop_copy_length = len;
	return copy_to_user(arg, &size, sizeof(size)) ? -EFAULT : 0;
}

/**
 * mdgpu_mig_state_name() - the ``migration_state`` attribute's value
 * @vgpu: the instance
 *
 * Return: the VFIO migration state's name, "closed" while the device is
 * closed, or "parked" while it is closed holding a resumed state.
 */
const char *mdgpu_mig_state_name(struct mdgpu_vgpu *vgpu)
{
	enum vfio_device_mig_state s = READ_ONCE(vgpu->mig.state);
	const char *name = NULL;
	bool open, parked;

	mutex_lock(&vgpu->lock);
	open = vgpu->open;
	parked = vgpu->mig.parked;
	mutex_unlock(&vgpu->lock);
	if (parked)
		return "parked";
	if (!open)
		return "closed";
	if (s < ARRAY_SIZE(mdgpu_mig_state_names))
		name = mdgpu_mig_state_names[s];
	return name ?: "unknown";
}

/**
 * mdgpu_mig_close() - the device is being closed
 * @vgpu: the instance; caller holds no mdgpu lock
 *
 * Detaches the data files. A device closed in STOP right after a
 * successful resume is parked: it keeps the restored state (VRAM included)
 * for its next user. Any other close returns to RUNNING.
 */
void mdgpu_mig_close(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_vgpu_mig *mig = &vgpu->mig;
	bool park;

	mutex_lock(&mig->state_lock);
	mdgpu_mig_drop_files(vgpu);
	park = mig->state == VFIO_DEVICE_STATE_STOP && mig->resumed;
	mig->state = VFIO_DEVICE_STATE_RUNNING;
	mig->resumed = false;
	mutex_lock(&vgpu->lock);
	mig->parked = park;
	mutex_unlock(&vgpu->lock);
	mdgpu_mig_unlock(vgpu);
}

/**
 * mdgpu_mig_init() - make an instance migratable
 * @vgpu: the instance, in .init
 */
void mdgpu_mig_init(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_vgpu_mig *mig = &vgpu->mig;

	mutex_init(&mig->state_lock);
	spin_lock_init(&mig->reset_lock);
	mig->state = VFIO_DEVICE_STATE_RUNNING;
	mdgpu_mig_compat_fill(&mig->compat, vgpu->type->desc);
	vgpu->vdev.migration_flags = VFIO_MIGRATION_STOP_COPY |
				     VFIO_MIGRATION_P2P |
				     MDGPU_MIG_PRECOPY_FLAGS;
	vgpu->vdev.mig_ops = &mdgpu_mig_ops;
}

/**
 * mdgpu_mig_fini() - undo mdgpu_mig_init()
 * @vgpu: the instance, in .release (closed: no data file is attached)
 */
void mdgpu_mig_fini(struct mdgpu_vgpu *vgpu)
{
	mutex_destroy(&vgpu->mig.state_lock);
}
