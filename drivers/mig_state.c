// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: an instance's device state as migration stream records (CONFIG,
 * REGS, DISPLAY, ENGINE and the optional SCHED), and back.
 *
 * Loading is all or nothing: every record is checked before any is applied.
 * The stream comes from a user, so what it says is bounded by this
 * instance: configuration space keeps its identity and BAR sizes, the
 * display its limits, and the command in progress is decoded again.
 */
#include <linux/ktime.h>

#include "mdgpu.h"

/* Append one record to @buf at *@pos, if it fits. */
static void mdgpu_mig_put(u8 *buf, size_t len, size_t *pos, u32 tag,
			  u32 flags, const void *payload, size_t size)
{
	struct mdgpu_mig_record r;

	if (*pos + sizeof(r) + size > len)
		return;
	mdgpu_mig_record_fill(&r, tag, flags, size);
	memcpy(buf + *pos, &r, sizeof(r));
	memcpy(buf + *pos + sizeof(r), payload, size);
	*pos += sizeof(r) + size;
}

static int mdgpu_mig_sched_get(struct mdgpu_sched *s,
			       struct mdgpu_sched_entity *e, void *arg)
{
	struct mdgpu_sched_params *p = arg;

	mdgpu_sched_assert_held(s);
	*p = e->params;
	return 0;
}

static int mdgpu_mig_sched_set(struct mdgpu_sched *s,
			       struct mdgpu_sched_entity *e, void *arg)
{
	const struct mdgpu_sched_params *p = arg;
	int ret;

	mdgpu_sched_assert_held(s);
	ret = mdgpu_sched_check_params(s, e, p);
	return ret ?: mdgpu_sched_entity_set_params(s, e, p, ktime_get_ns());
}

/* Sizes of the records mdgpu_mig_state_save_locked() writes. */
#define MDGPU_MIG_STATE_BYTES						\
	(6 * sizeof(struct mdgpu_mig_record) +				\
	 sizeof(struct mdgpu_mig_config) + sizeof(struct mdgpu_mig_regs) + \
	 sizeof(struct mdgpu_mig_display) +				\
	 sizeof(struct mdgpu_mig_engine) + sizeof(struct mdgpu_mig_sched) + \
	 sizeof(struct mdgpu_mig_share))

/**
 * mdgpu_mig_state_save_locked() - write the device state records
 * @vgpu: the instance, frozen; caller holds vgpu->lock
 * @buf: where
 * @len: its size, at least MDGPU_MIG_STATE_MAX
 *
 * Return: bytes written.
 */
size_t mdgpu_mig_state_save_locked(struct mdgpu_vgpu *vgpu, u8 *buf,
				   size_t len)
{
	struct mdgpu_mig_engine engine;
	struct mdgpu_mig_record r;
	struct mdgpu_mig_regs regs = {};
	struct mdgpu_mig_sched sched = {};
	struct mdgpu_mig_share share = {};
	struct mdgpu_sched_params params;
	size_t pos = 0;

	lockdep_assert_held(&vgpu->lock);
	BUILD_BUG_ON(MDGPU_MIG_STATE_BYTES > MDGPU_MIG_STATE_MAX);
	if (WARN_ON_ONCE(len < MDGPU_MIG_STATE_MAX))
		return 0;
	mdgpu_mig_put(buf, len, &pos, MDGPU_MIG_TAG_CONFIG, 0, vgpu->cfg.data,
		      sizeof(struct mdgpu_mig_config));

	regs.scratch = cpu_to_le32(READ_ONCE(vgpu->scratch));
	regs.reset_count = cpu_to_le32(vgpu->reset_count);
	regs.intx_masked = vgpu->irq.intx_masked;
	regs.intx_pending = vgpu->irq.intx_pending;
	mdgpu_mig_put(buf, len, &pos, MDGPU_MIG_TAG_REGS, 0, &regs,
		      sizeof(regs));

	/* Built in place: the record is too large for the stack. */
	if (pos + sizeof(r) + sizeof(struct mdgpu_mig_display) <= len) {
		mdgpu_mig_record_fill(&r, MDGPU_MIG_TAG_DISPLAY, 0,
				      sizeof(struct mdgpu_mig_display));
		memcpy(buf + pos, &r, sizeof(r));
		mdgpu_display_save_locked(vgpu, (void *)(buf + pos + sizeof(r)));
		pos += sizeof(r) + sizeof(struct mdgpu_mig_display);
	}

	mdgpu_engine_ctx_save_locked(vgpu, &engine);
	mdgpu_mig_put(buf, len, &pos, MDGPU_MIG_TAG_ENGINE, 0, &engine,
		      sizeof(engine));

	if (!mdgpu_engine_entity_call(vgpu, mdgpu_mig_sched_get, &params)) {
		sched.weight = cpu_to_le32(params.weight);
		sched.min_share = cpu_to_le32(params.min_share /
					      MDGPU_SCHED_PERCENT);
		sched.cap = cpu_to_le32(params.cap);
		sched.priority = cpu_to_le32(params.priority);
		mdgpu_mig_put(buf, len, &pos, MDGPU_MIG_TAG_SCHED,
			      MDGPU_MIG_REC_OPTIONAL, &sched, sizeof(sched));
		share.min_share_ppm = cpu_to_le32(params.min_share);
		mdgpu_mig_put(buf, len, &pos, MDGPU_MIG_TAG_SHARE,
			      MDGPU_MIG_REC_OPTIONAL, &share, sizeof(share));
	}
	return pos;
}

/**
 * mdgpu_mig_state_load_locked() - apply a parsed stream's device state
 * @vgpu: the instance, frozen, in RESUMING; caller holds vgpu->lock
 * @p: a parser whose stream ended well (mdgpu_mig_parse_finish() was 0)
 * @why: set to the reason on refusal
 *
 * The scheduler tunables are applied if this parent accepts them (a
 * guaranteed share may not fit here); otherwise the instance keeps its own,
 * and the log says so.
 *
 * Return: 0, or -EINVAL with nothing applied.
 */
int mdgpu_mig_state_load_locked(struct mdgpu_vgpu *vgpu,
				const struct mdgpu_mig_parser *p,
				const char **why)
{
	struct mdgpu_sched_params params;
	int ret;

	lockdep_assert_held(&vgpu->lock);
	*why = mdgpu_display_check(vgpu, &p->display);
	if (!*why && (p->regs.intx_masked > 1 || p->regs.intx_pending > 1))
		*why = "interrupt state";
	if (*why)
		return -EINVAL;
	/* Checks its record before it changes anything: the last check. */
	ret = mdgpu_engine_ctx_load_locked(vgpu, &p->engine, why);
	if (ret)
		return ret;
	mdgpu_cfg_restore(&vgpu->cfg, p->config.data);
	WRITE_ONCE(vgpu->scratch, le32_to_cpu(p->regs.scratch));
	vgpu->reset_count = le32_to_cpu(p->regs.reset_count);
	vgpu->irq.intx_masked = p->regs.intx_masked;
	vgpu->irq.intx_pending = p->regs.intx_pending;
	mdgpu_display_load_locked(vgpu, &p->display);
	if (p->got & MDGPU_MIG_HAVE(MDGPU_MIG_TAG_SCHED)) {
		params.weight = le32_to_cpu(p->sched.weight);
		params.min_share = mdgpu_mig_min_share_ppm(p);
		params.cap = le32_to_cpu(p->sched.cap);
		params.priority = le32_to_cpu(p->sched.priority);
		ret = mdgpu_engine_entity_call(vgpu, mdgpu_mig_sched_set,
					       &params);
		if (ret)
			dev_info_ratelimited(vgpu->vdev.dev,
					     "migration: the stream's scheduler tunables do not fit this parent (%d); keeping the instance's own\n",
					     ret);
	}
	return 0;
}
