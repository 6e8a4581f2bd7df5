// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: the guest's engine registers (BAR2 0x900-0x943), a vGPU's view
 * of its engine context: the ring's place and pointers, the ring control,
 * status, error, interrupt and timestamp registers.
 *
 * Every access runs with the instance's lock held (mmio.c dispatches it
 * through the register table). A write that may give the context work
 * (a doorbell on RING_TAIL, an enable) validates the ring first and then
 * tells the scheduler (mdgpu_ctx_update()), so no doorbell is lost.
 */
#include "mdgpu.h"

/* Validate the ring when it is enabled or rung. */
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
	case MDGPU_REG_RING_TAIL:
		return ctx->tail;
	case MDGPU_REG_RING_CTRL:
		return ctx->enabled ? MDGPU_RING_CTRL_ENABLE : 0;
	case MDGPU_REG_ENGINE_STATUS:
		v = ctx->enabled ? MDGPU_ENGINE_ENABLED : 0;
		if (ctx->error)
			v |= MDGPU_ENGINE_ERROR;
		else if (ctx->enabled && (ctx->cur_valid ||
					  ctx->head != ctx->tail))
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
 * mdgpu_engine_reg_write() - write an engine register
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
	case MDGPU_REG_RING_TAIL:
		ctx->tail = val;
		mdgpu_ctx_check_ring(vgpu);
		break;
	case MDGPU_REG_RING_CTRL:
		if (val & MDGPU_RING_CTRL_RESET)
			mdgpu_ctx_ring_reset_locked(vgpu);
		if (!(val & MDGPU_RING_CTRL_ENABLE)) {
			ctx->enabled = false;
		} else if (!ctx->enabled) {
			ctx->enabled = true;
			mdgpu_ctx_check_ring(vgpu);
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
