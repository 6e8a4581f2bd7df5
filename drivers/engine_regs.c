// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the guest's engine registers (BAR2 0x900-0x943), a vGPU's view
 * of its engine context: the ring's place and pointers, the ring control,
 * status, error, interrupt and timestamp registers.
 *
 * Every access but the doorbell runs with the instance's lock held (mmio.c
 * dispatches it through the register table). A write that may give the
 * context work (an enable) validates the ring first and then tells the
 * scheduler (mdgpu_ctx_update()).
 *
 * The doorbell (a write of RING_TAIL, what a driver writes most) takes no
 * lock: it publishes the tail and, when the context could run, queues the
 * context for the engine thread and wakes it; the thread takes the tail
 * under the instance's lock, checks it as before (a bad tail is still the
 * context's error state, MDGPU_ERR_RING) and tells the scheduler. See
 * mdgpu_engine_doorbell() for why no doorbell is lost.
 */
#include <linux/bitops.h>
#include <linux/llist.h>

#include "mdgpu.h"

/* Validate the ring when it is enabled or a doorbell is taken. */
static void mdgpu_ctx_check_ring(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	if (!ctx->enabled || ctx->error)
		return;
	if (READ_ONCE(vgpu->parent->engine->lost)) {
		mdgpu_engine_ctx_fail_locked(vgpu, MDGPU_ERR_LOST);
		return;
	}
	if (mdgpu_ring_check(ctx->ring_base, ctx->ring_size, vgpu->vram_size) ||
	    !mdgpu_ring_ptr_valid(ctx->tail, ctx->ring_size) ||
	    !mdgpu_ring_ptr_valid(ctx->head, ctx->ring_size))
		mdgpu_ctx_fail_at_locked(vgpu, MDGPU_ERR_RING, ctx->head, 0);
}

/**
 * mdgpu_engine_reg_read() - read an engine register (BAR2 0x900-0x943)
 * @opaque: the instance; caller holds vgpu->lock
 * @reg: the register's table entry
 * @off: byte offset in the entry (0: 4-byte registers)
 * @size: access size (4)
 *
 * Return: the register's value.
 */
u32 mdgpu_engine_reg_read(void *opaque, const struct mdgpu_reg *reg, u32 off,
			  u32 size)
{
	struct mdgpu_vgpu *vgpu = opaque;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u64 now;
	u32 v;

	lockdep_assert_held(&vgpu->lock);
	switch (reg->offset) {
	case MDGPU_REG_RING_BASE_LO:
		return lower_32_bits(ctx->ring_base);
	case MDGPU_REG_RING_BASE_HI:
		return upper_32_bits(ctx->ring_base);
	case MDGPU_REG_RING_SIZE:
		return ctx->ring_size;
	case MDGPU_REG_RING_HEAD:
		return ctx->head;
	case MDGPU_REG_RING_CTRL:
		return ctx->enabled ? MDGPU_RING_CTRL_ENABLE : 0;
	case MDGPU_REG_ENGINE_STATUS:
		v = ctx->enabled ? MDGPU_ENGINE_ENABLED : 0;
		if (ctx->error)
			v |= MDGPU_ENGINE_ERROR;
		else if (ctx->enabled && (ctx->cur_valid ||
					  ctx->head != ctx->tail ||
					  READ_ONCE(ctx->db_tail) != ctx->tail))
			/* A doorbell the thread has not taken yet is work. */
			v |= MDGPU_ENGINE_BUSY;
		return v;
	case MDGPU_REG_FENCE_LAST:
		return ctx->fence_last;
	case MDGPU_REG_ERR_CODE:
		return ctx->err_code;
	case MDGPU_REG_ERR_HEAD:
		return ctx->err_head;
	case MDGPU_REG_ERR_HEADER:
		return ctx->err_header;
	case MDGPU_REG_IRQ_STATUS:
		return ctx->irq_status;
	case MDGPU_REG_IRQ_MASK:
		return ctx->irq_mask;
	case MDGPU_REG_TIMESTAMP_LO:
		now = mdgpu_ctx_time(vgpu->parent->engine, ctx);
		ctx->ts_hi = upper_32_bits(now);
		return lower_32_bits(now);
	case MDGPU_REG_TIMESTAMP_HI:
		return ctx->ts_hi;
	case MDGPU_REG_CMDS_DONE:
		return ctx->cmds_done;
	}
	return 0;
}

#define MDGPU_IRQ_ALL	(MDGPU_IRQ_FENCE | MDGPU_IRQ_ERROR)

/**
 * mdgpu_engine_reg_write() - write an engine register (RING_TAIL, the
 *			      doorbell, has mdgpu_engine_doorbell())
 * @opaque: the instance; caller holds vgpu->lock
 * @reg: the register's table entry
 * @off: byte offset in the entry (0)
 * @size: access size (4)
 * @val: the value written
 */
void mdgpu_engine_reg_write(void *opaque, const struct mdgpu_reg *reg,
			    u32 off, u32 size, u32 val)
{
	struct mdgpu_vgpu *vgpu = opaque;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	u32 unmasked;

	lockdep_assert_held(&vgpu->lock);
	switch (reg->offset) {
	case MDGPU_REG_RING_BASE_LO:
		if (!ctx->enabled)
			ctx->ring_base = (ctx->ring_base & ~0xffffffffULL) | val;
		break;
	case MDGPU_REG_RING_BASE_HI:
		if (!ctx->enabled)
			ctx->ring_base = lower_32_bits(ctx->ring_base) |
					 (u64)val << 32;
		break;
	case MDGPU_REG_RING_SIZE:
		if (!ctx->enabled)
			ctx->ring_size = val;
		break;
	case MDGPU_REG_RING_CTRL:
		if (val & MDGPU_RING_CTRL_RESET)
			mdgpu_ctx_ring_reset_locked(vgpu);
		if (!(val & MDGPU_RING_CTRL_ENABLE)) {
			ctx->enabled = false;
		} else if (!ctx->enabled) {
			/*
			 * mdgpu_ctx_update() below arms the doorbell and takes
			 * the tail written so far, checking the ring.
			 */
			ctx->enabled = true;
		}
		break;
	case MDGPU_REG_IRQ_STATUS:
		ctx->irq_status &= ~val;
		break;
	case MDGPU_REG_IRQ_MASK:
		unmasked = val & ~ctx->irq_mask & MDGPU_IRQ_ALL;
		ctx->irq_mask = val & MDGPU_IRQ_ALL;
		if (ctx->irq_status & unmasked)
			mdgpu_irq_device_locked(vgpu);
		break;
	}
	mdgpu_ctx_update(vgpu);
}

/**
 * mdgpu_ctx_take_doorbell_locked() - take the tail the guest last wrote
 * @vgpu: the instance; caller holds vgpu->lock and tells the scheduler
 *	  afterwards (mdgpu_ctx_update())
 *
 * The engine runs to the tail taken here. A bad tail, or a bad ring, puts
 * the context in its error state (MDGPU_ERR_RING at RING_HEAD).
 */
void mdgpu_ctx_take_doorbell_locked(struct mdgpu_vgpu *vgpu)
{
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;

	lockdep_assert_held(&vgpu->lock);
	ctx->tail = READ_ONCE(ctx->db_tail);
	mdgpu_ctx_check_ring(vgpu);
}

/**
 * mdgpu_engine_doorbell() - a write of RING_TAIL, without the instance's lock
 * @opaque: the instance (its lock may be held, on the general access path)
 * @reg: the register's table entry
 * @off: byte offset in the entry (0)
 * @size: access size (4)
 * @val: the tail
 *
 * Publishes the tail; if the context is armed (open, enabled, not in
 * error), queues it on the engine's doorbell list, once until the thread
 * takes it, and wakes the thread if the list was empty.
 *
 * No doorbell is lost; the orderings that make it so:
 *
 * - against arming (mdgpu_ctx_update(), under vgpu->lock): the doorbell
 *   stores @db_tail, then (full barrier) reads @db_armed; arming stores
 *   @db_armed, then (full barrier) takes @db_tail. With both barriers one
 *   of the two sees the other's store: either the doorbell sees the
 *   context armed and queues it, or arming takes the new tail itself.
 * - against the thread taking it (engine_sched.c): the thread clears
 *   @db_queued with a fully ordered test_and_clear_bit() and then reads
 *   @db_tail, under vgpu->lock. A doorbell whose test_and_set_bit() finds
 *   the bit still set came before that clear, so its @db_tail store, made
 *   before its own fully ordered RMW, is seen by the thread's read.
 * - against the thread going to sleep: llist_add() (fully ordered) comes
 *   before the check for a sleeper (wq_has_sleeper(), a full barrier);
 *   the thread queues itself on &mdgpu_engine.wq before it looks at the
 *   list (prepare_to_wait()). A doorbell that finds the list non-empty
 *   does not wake: the one that made it non-empty wakes after its add,
 *   and the thread takes the whole list at once.
 *
 * A doorbell that sees a stale "armed" (the context was just disabled or
 * failed) queues it for nothing: the thread finds it disarmed and leaves
 * the tail for the next arming to take.
 */
void mdgpu_engine_doorbell(void *opaque, const struct mdgpu_reg *reg,
			   u32 off, u32 size, u32 val)
{
	struct mdgpu_vgpu *vgpu = opaque;
	struct mdgpu_engine_ctx *ctx = &vgpu->engine;
	struct mdgpu_engine *eng;

	WRITE_ONCE(ctx->db_tail, val);
	smp_mb();	/* the tail before @db_armed; pairs with arming */
	if (!READ_ONCE(ctx->db_armed))
		return;
	if (test_and_set_bit(0, &ctx->db_queued))
		return;
	eng = vgpu->parent->engine;
	if (llist_add(&ctx->db_node, &eng->doorbells) &&
	    wq_has_sleeper(&eng->wq))
		wake_up(&eng->wq);
}
