// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-balancer: the decision logic (see balance.h).
 *
 * Per vGPU and period, one rule decides, in this order:
 *
 *  - no sample: the weight holds (a weight outside the bounds is brought
 *    back inside first, whatever the sample);
 *  - idle: the smoothed demand (engine + wait time over the period, an
 *    exponential moving average of factor alpha) is below `idle`: the
 *    weight goes straight to the floor. From full demand to none this
 *    takes at most mdgb_giveback_periods() periods;
 *  - target share: below the target (minus the band) while it waited, the
 *    weight is multiplied by target/used (at most max_step); above it
 *    while another vGPU of the same parent waited, divided likewise;
 *    within the band it holds; a vGPU its cap holds back is not raised;
 *  - target wait latency: above the target (plus the band) the weight is
 *    multiplied by latency/target (at most max_step); below half the
 *    target it is lowered by 1/(1 + band); in between it holds;
 *  - otherwise the weight is proportional to the demand between floor and
 *    ceiling, re-computed only when the smoothed demand has moved at least
 *    `deadband` from the demand the weight was last set for (a demand
 *    within deadband/2 of full counts as full, so the ceiling is reached;
 *    leaving that zone again takes a whole dead band, see full()),
 *    and never below (1 + band) x the last weight at which the vGPU was
 *    starved (see demand_starved()): demand includes waiting, which falls
 *    as the weight rises, and without that memory the weight would cycle
 *    between starving and satisfying it.
 *
 * The bands (hold zones) are the hysteresis: a weight changes only when
 * the observation leaves the zone, so stationary demand settles the
 * weight. The result is always clamped to [floor, ceiling].
 */
#include <math.h>

#include "balance.h"

static const char *const mdgb_reasons[MDGB_NR_REASONS] = {
	[MDGB_NO_SAMPLE] = "no-sample",
	[MDGB_OUT_OF_BOUNDS] = "out-of-bounds",
	[MDGB_IDLE] = "idle",
	[MDGB_DEMAND] = "demand",
	[MDGB_DEADBAND] = "deadband",
	[MDGB_BELOW_SHARE] = "below-share",
	[MDGB_ABOVE_SHARE] = "above-share",
	[MDGB_AT_SHARE] = "at-share",
	[MDGB_CAPPED] = "capped",
	[MDGB_WAIT_HIGH] = "wait-high",
	[MDGB_WAIT_LOW] = "wait-low",
	[MDGB_WAIT_OK] = "wait-ok",
};

/**
 * mdgb_reason_name() - the name of a reason, as logged and exported
 * @r: the reason
 *
 * Return: a short lower-case name, "?" for an unknown value.
 */
const char *mdgb_reason_name(enum mdgb_reason r)
{
	if ((unsigned int)r >= MDGB_NR_REASONS)
		return "?";
	return mdgb_reasons[r];
}

/**
 * mdgb_params_default() - the defaults the man page states
 * @p: filled in
 */
void mdgb_params_default(struct mdgb_params *p)
{
	p->alpha = 0.5;
	p->idle = 0.02;
	p->deadband = 0.10;
	p->band = 0.20;
	p->max_step = 2.0;
}

/**
 * mdgb_params_check() - whether tuning values make sense
 * @p: the values
 *
 * Return: 0, or -1 when one is out of its range.
 */
int mdgb_params_check(const struct mdgb_params *p)
{
	if (!(p->alpha > 0 && p->alpha <= 1))
		return -1;
	if (!(p->idle > 0 && p->idle < 1))
		return -1;
	if (!(p->deadband > 0 && p->deadband < 1))
		return -1;
	if (!(p->band > 0 && p->band < 1))
		return -1;
	if (!(p->max_step > 1 && p->max_step <= 100))
		return -1;
	return 0;
}

/**
 * mdgb_bounds_check() - whether a vGPU's bounds are usable
 * @b: the bounds
 *
 * Return: 0, or -1 when the floor or ceiling is outside the module's
 * weight range, the floor above the ceiling, or a target out of range.
 */
int mdgb_bounds_check(const struct mdgb_bounds *b)
{
	if (b->floor < MDGB_WEIGHT_MIN || b->ceiling > MDGB_WEIGHT_MAX ||
	    b->floor > b->ceiling)
		return -1;
	if (b->share_pct > 100)
		return -1;
	if (b->share_pct && b->wait_us)
		return -1;
	return 0;
}

/**
 * mdgb_sample_account() - measure a sample against the engine's accounted
 *			   time rather than the wall clock
 * @s: a vGPU's sample
 * @accounted: the fraction of the sample's period its parent's engine
 *	       booked as busy (engine_busy_us) or idle (engine_idle_us)
 *
 * The rest of the period the engine thread did not run: the host (or,
 * under TCG, the emulator) stalled it. The vGPU that was running then gets
 * neither engine time nor wait time for it, so a vGPU with work all the
 * time measured a demand of 0.83 against the wall clock in a VM at host
 * load 3, and never counted as full. Against the accounted time its demand
 * is what it asked of the engine the engine had. Below
 * MDGB_MIN_ACCOUNTED the period is mostly stall and is corrected only
 * that far; an unknown or complete account changes nothing.
 */
void mdgb_sample_account(struct mdgb_sample *s, double accounted)
{
	if (!s->valid || !(accounted > 0) || accounted >= 1)
		return;
	s->period_s *= fmax(accounted, MDGB_MIN_ACCOUNTED);
}

/**
 * mdgb_giveback_periods() - periods after which a vGPU whose demand
 * dropped from full to none is back at its floor
 * @p: the tuning
 *
 * The smoothed demand after k idle periods is at most (1 - alpha)^k; the
 * idle rule sets the floor as soon as that is below @p->idle.
 *
 * Return: the smallest such k (at least 1).
 */
unsigned int mdgb_giveback_periods(const struct mdgb_params *p)
{
	unsigned int k = 1;
	double d = 1.0 - p->alpha;

	while (d >= p->idle && k < 1000) {
		d *= 1.0 - p->alpha;
		k++;
	}
	return k;
}

static double clampd(double v, double lo, double hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

static unsigned int clamp_weight(double w, const struct mdgb_bounds *b)
{
	w = clampd(round(w), b->floor, b->ceiling);
	return (unsigned int)w;
}

/* Multiply @w by @f, the factor limited to [1/max_step, max_step]. */
static double scaled(const struct mdgb_params *p, unsigned int w, double f)
{
	f = clampd(f, 1.0 / p->max_step, p->max_step);
	return w * f;
}

/*
 * Near full demand counts as full: the average only approaches 1, and the
 * ceiling must still be reached. The anchor keeps the real demand, so
 * leaving the full zone takes a whole dead band below where it was
 * entered (real demand under full load hovers a few points below 1).
 */
static bool full(const struct mdgb_params *p, double demand)
{
	return demand >= 1 - p->deadband / 2;
}

static double demand_weight(const struct mdgb_params *p,
			    const struct mdgb_bounds *b, double d)
{
	if (full(p, d))
		d = 1;
	return b->floor + (double)(b->ceiling - b->floor) * d;
}

/*
 * Demand mode: remember the weight at which the vGPU was starved
 * (runnable for the whole period and waiting), so that a demand that
 * falls once it is no longer starved cannot lower the weight back there
 * (that would starve it again: a limit cycle). Forgotten when its engine
 * use falls well below what it used then (its work shrank) or it goes
 * idle. Return: whether the remembered weight rose above @old (a
 * decision is due).
 */
static bool demand_starved(const struct mdgb_params *p,
			   const struct mdgb_bounds *b, struct mdgb_state *st,
			   unsigned int old, double raw, double waited)
{
	double w = fmin(ceil(old * (1 + p->band)), b->ceiling);

	if (st->starved_weight &&
	    st->used < st->starved_used * (1 - 2 * p->band))
		st->starved_weight = 0;
	if (waited > p->idle && raw >= 1 - p->deadband / 2 &&
	    w > st->starved_weight) {
		st->starved_weight = (unsigned int)w;
		st->starved_used = st->used;
	}
	return st->starved_weight > old;
}

/* Whether a vGPU other than @self in @self's group waited this period. */
static bool others_waited(const struct mdgb_params *p,
			  const struct mdgb_vgpu *v, size_t n, size_t self)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct mdgb_sample *s = &v[i].sample;

		if (i == self || v[i].group != v[self].group || !s->valid ||
		    s->period_s <= 0)
			continue;
		if (s->wait_s / s->period_s > p->idle)
			return true;
	}
	return false;
}

static void decide_one(const struct mdgb_params *p, struct mdgb_vgpu *v,
		       size_t n, size_t i, struct mdgb_decision *d)
{
	const struct mdgb_bounds *b = &v[i].bounds;
	const struct mdgb_sample *s = &v[i].sample;
	struct mdgb_state *st = &v[i].state;
	unsigned int old = clamp_weight(st->weight, b);
	double raw, used, waited, throttled, want = old, target, lat;
	enum mdgb_reason why;

	d->old_weight = st->weight;
	d->latency_us = s->latency_us;
	d->used = 0;
	if (!s->valid || !(s->period_s > 0)) {
		d->new_weight = old;
		d->reason = old != st->weight ? MDGB_OUT_OF_BOUNDS :
						MDGB_NO_SAMPLE;
		d->demand = st->primed ? st->demand : 0;
		st->weight = old;
		return;
	}
	used = clampd(s->engine_s / s->period_s, 0, 1);
	waited = clampd(s->wait_s / s->period_s, 0, 1);
	throttled = clampd(s->throttled_s / s->period_s, 0, 1);
	raw = clampd(used + waited, 0, 1);
	if (!st->primed) {
		st->demand = raw;
		st->used = used;
		st->anchor = -1;	/* the first demand decision sets it */
		st->starved_weight = 0;
		st->primed = true;
	} else {
		st->demand = p->alpha * raw + (1 - p->alpha) * st->demand;
		st->used = p->alpha * used + (1 - p->alpha) * st->used;
	}
	d->used = used;
	d->demand = st->demand;

	if (st->demand < p->idle) {
		want = b->floor;
		why = MDGB_IDLE;
		st->anchor = st->demand;
		st->starved_weight = 0;
	} else if (b->share_pct) {
		target = b->share_pct / 100.0;
		if (used < target * (1 - p->band) && waited > p->idle) {
			if (throttled > p->idle) {
				why = MDGB_CAPPED;
			} else {
				want = scaled(p, old, target / fmax(used, 0.01));
				why = MDGB_BELOW_SHARE;
			}
		} else if (used > target * (1 + p->band) &&
			   others_waited(p, v, n, i)) {
			want = scaled(p, old, target / used);
			why = MDGB_ABOVE_SHARE;
		} else {
			why = MDGB_AT_SHARE;
		}
	} else if (b->wait_us) {
		lat = s->latency_us;
		if (lat < 0) {
			why = MDGB_NO_SAMPLE;
		} else if (lat > b->wait_us * (1 + p->band)) {
			want = scaled(p, old, lat / b->wait_us);
			why = MDGB_WAIT_HIGH;
		} else if (lat < b->wait_us / 2.0) {
			want = scaled(p, old, 1 / (1 + p->band));
			why = MDGB_WAIT_LOW;
		} else {
			why = MDGB_WAIT_OK;
		}
	} else if (demand_starved(p, b, st, old, raw, waited) ||
		   st->anchor < 0 ||
		   fabs(st->demand - st->anchor) >= p->deadband ||
		   (full(p, st->demand) && !full(p, st->anchor))) {
		st->anchor = st->demand;
		want = fmax(demand_weight(p, b, st->anchor),
			    st->starved_weight);
		why = MDGB_DEMAND;
	} else {
		/* Keep the weight the anchor gave (bounds may have moved). */
		want = old;
		why = MDGB_DEADBAND;
	}
	d->new_weight = clamp_weight(want, b);
	/* A rounding that changes nothing is a hold, whatever the rule. */
	if (old != st->weight && d->new_weight == old &&
	    (why == MDGB_DEADBAND || why == MDGB_AT_SHARE ||
	     why == MDGB_WAIT_OK || why == MDGB_NO_SAMPLE ||
	     why == MDGB_CAPPED))
		why = MDGB_OUT_OF_BOUNDS;
	d->reason = why;
	st->weight = d->new_weight;
}

/**
 * mdgb_decide() - one period's decisions
 * @p: the tuning (mdgb_params_check() passed)
 * @v: the vGPUs; each one's bounds passed mdgb_bounds_check(), its sample
 *     is this period's, its state.weight the weight in force. The states
 *     are updated: state.weight becomes the new weight.
 * @n: entries in @v and @out
 * @out: one decision per vGPU
 *
 * Pure: depends only on its arguments. The new weight is always within
 * the vGPU's bounds.
 */
void mdgb_decide(const struct mdgb_params *p, struct mdgb_vgpu *v, size_t n,
		 struct mdgb_decision *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		decide_one(p, v, n, i, &out[i]);
}

static const char *const mdgb_verdicts[MDGB_MOVE_NR_VERDICTS] = {
	[MDGB_MOVE_GO] = "go",
	[MDGB_MOVE_WAIT] = "wait",
	[MDGB_MOVE_COOLING] = "cooling",
	[MDGB_MOVE_LIMIT] = "limit",
};

/**
 * mdgb_verdict_name() - the name of a verdict, as logged
 * @v: the verdict
 *
 * Return: a short lower-case name, "?" for an unknown value.
 */
const char *mdgb_verdict_name(enum mdgb_move_verdict v)
{
	if ((unsigned int)v >= MDGB_MOVE_NR_VERDICTS)
		return "?";
	return mdgb_verdicts[v];
}

/**
 * mdgb_move_limits_default() - the defaults the man page states
 * @l: filled in
 */
void mdgb_move_limits_default(struct mdgb_move_limits *l)
{
	l->after = 2;
	l->cooldown = 30;
	l->max_per_period = 1;
}

/**
 * mdgb_move_limits_check() - whether move limits make sense
 * @l: the limits
 *
 * Return: 0, or -1 when one is out of its range (after 1 to 1000,
 * cooldown 1 to 100000 periods, max_per_period 1 to 64).
 */
int mdgb_move_limits_check(const struct mdgb_move_limits *l)
{
	if (l->after < 1 || l->after > 1000)
		return -1;
	if (l->cooldown < 1 || l->cooldown > 100000)
		return -1;
	if (l->max_per_period < 1 || l->max_per_period > 64)
		return -1;
	return 0;
}

/**
 * mdgb_move_cooling() - whether an instance moved too recently to move
 * @l: the limits
 * @h: its history
 * @period: the current period
 *
 * Return: true while fewer than @l->cooldown periods have passed since its
 * last move (made or failed).
 */
bool mdgb_move_cooling(const struct mdgb_move_limits *l,
		       const struct mdgb_move_hist *h,
		       unsigned long long period)
{
	return h->moved && period - h->last_moved < l->cooldown;
}

/**
 * mdgb_move_due() - whether a proposed move is made this period
 * @l: the limits
 * @h: the instance's history; updated (the proposal is counted unless
 *     inside the cooldown; on %MDGB_MOVE_GO the move is recorded as made
 *     in @period)
 * @period: the current period; call once per proposal and period
 * @made: moves made so far this period; incremented on %MDGB_MOVE_GO
 *
 * Return: %MDGB_MOVE_COOLING inside the cooldown, %MDGB_MOVE_WAIT until
 * it was proposed @l->after periods in a row, %MDGB_MOVE_LIMIT when
 * @l->max_per_period moves were made this period, else %MDGB_MOVE_GO.
 */
enum mdgb_move_verdict mdgb_move_due(const struct mdgb_move_limits *l,
				     struct mdgb_move_hist *h,
				     unsigned long long period,
				     unsigned int *made)
{
	/* Proposals inside the cooldown do not count. */
	if (mdgb_move_cooling(l, h, period))
		return MDGB_MOVE_COOLING;
	if (h->streak && h->last_proposed + 1 == period)
		h->streak++;
	else if (!h->streak || h->last_proposed != period)
		h->streak = 1;
	h->last_proposed = period;
	if (h->streak < l->after)
		return MDGB_MOVE_WAIT;
	if (*made >= l->max_per_period)
		return MDGB_MOVE_LIMIT;
	(*made)++;
	h->moved = true;
	h->last_moved = period;
	h->streak = 0;
	return MDGB_MOVE_GO;
}
