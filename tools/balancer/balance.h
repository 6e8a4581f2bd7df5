/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdgpu-balancer: the decision logic, plain functions over plain data.
 *
 * Nothing here reads sysfs, talks to Prometheus or prints: the caller turns
 * whatever it observed into struct mdgb_sample values, calls mdgb_decide()
 * once per period and applies the weights it returns. The unit tests
 * (tests/test_balance.c) drive the same functions with synthetic and
 * recorded demand traces.
 */
#ifndef MDGPU_BALANCE_H
#define MDGPU_BALANCE_H

#include <stdbool.h>
#include <stddef.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* The module's bounds of the weight attribute (Documentation/ABI). */
#define MDGB_WEIGHT_MIN		1u
#define MDGB_WEIGHT_MAX		10000u

/**
 * struct mdgb_bounds - what the admin allows for one vGPU (balancer.conf)
 * @floor: smallest weight the balancer may set
 * @ceiling: largest weight the balancer may set (>= @floor)
 * @share_pct: target share of its parent's engine in percent while it has
 *	       work, 0 = none (then @wait_us, else demand-proportional)
 * @wait_us: target wait latency in microseconds, 0 = none
 */
struct mdgb_bounds {
	unsigned int floor;
	unsigned int ceiling;
	unsigned int share_pct;
	unsigned int wait_us;
};

/**
 * struct mdgb_params - the balancer's tuning, the same for every vGPU
 * @alpha: weight of the newest sample in the demand's moving average, (0, 1]
 * @idle: smoothed demand (fraction of the period with work) below which a
 *	  vGPU is idle and its weight goes back to its floor
 * @deadband: demand-proportional mode: how far (fraction of the period)
 *	      the smoothed demand must move from the demand the weight was
 *	      last set for before the weight changes again
 * @band: target modes: relative tolerance around the target share or
 *	  wait latency inside which the weight holds
 * @max_step: target modes: largest factor one period may multiply (or
 *	      divide) the weight by
 */
struct mdgb_params {
	double alpha;
	double idle;
	double deadband;
	double band;
	double max_step;
};

/**
 * struct mdgb_sample - what one vGPU did during one period
 * @valid: the figures below were observed (else the weight holds)
 * @period_s: length of the period, seconds
 * @engine_s: engine time it used
 * @wait_s: time it had work, was allowed to run, and waited
 * @throttled_s: time its cap or fixed share held it back
 * @latency_us: its mean wait latency over the period, < 0 if unknown
 */
struct mdgb_sample {
	bool valid;
	double period_s;
	double engine_s;
	double wait_s;
	double throttled_s;
	double latency_us;
};

/**
 * struct mdgb_state - what the balancer remembers of one vGPU
 * @weight: the weight in force (read from sysfs before each decision)
 * @demand: smoothed demand, fraction of a period with work, 0..1
 * @anchor: the smoothed demand the weight was last set for
 * @used: smoothed share of the period it used the engine
 * @starved_weight: demand mode: (1 + band) x the highest weight at which
 *		    it was last starved (runnable the whole period and
 *		    waiting); no demand decision goes below it. 0 = none
 * @starved_used: @used when @starved_weight was set
 * @primed: @demand, @anchor and @used hold values
 */
struct mdgb_state {
	unsigned int weight;
	double demand;
	double anchor;
	double used;
	unsigned int starved_weight;
	double starved_used;
	bool primed;
};

/* Why a decision came out as it did; mdgb_reason_name() names them. */
enum mdgb_reason {
	MDGB_NO_SAMPLE,		/* nothing observed: hold */
	MDGB_OUT_OF_BOUNDS,	/* the weight in force was outside the bounds */
	MDGB_IDLE,		/* demand below idle: back to the floor */
	MDGB_DEMAND,		/* demand-proportional weight */
	MDGB_DEADBAND,		/* demand moved less than the dead band: hold */
	MDGB_BELOW_SHARE,	/* got less than its target share while waiting */
	MDGB_ABOVE_SHARE,	/* got more than its target while others waited */
	MDGB_AT_SHARE,		/* within the band of its target share: hold */
	MDGB_CAPPED,		/* its cap or fixed share holds it back: hold */
	MDGB_WAIT_HIGH,		/* wait latency above the target */
	MDGB_WAIT_LOW,		/* wait latency well below the target */
	MDGB_WAIT_OK,		/* wait latency within the band: hold */
	MDGB_NR_REASONS
};

/**
 * struct mdgb_vgpu - one vGPU as mdgb_decide() sees it
 * @bounds: the admin's bounds
 * @sample: this period's observation
 * @state: carried from period to period (updated by mdgb_decide())
 * @group: vGPUs with the same group share an engine (their parent)
 */
struct mdgb_vgpu {
	struct mdgb_bounds bounds;
	struct mdgb_sample sample;
	struct mdgb_state state;
	int group;
};

/**
 * struct mdgb_decision - the outcome for one vGPU
 * @old_weight: the weight in force before
 * @new_weight: the weight to set (within the bounds)
 * @reason: the rule that decided
 * @demand: smoothed demand after this sample
 * @used: share of the period it used the engine
 * @latency_us: the sample's wait latency (< 0 unknown)
 */
struct mdgb_decision {
	unsigned int old_weight;
	unsigned int new_weight;
	enum mdgb_reason reason;
	double demand;
	double used;
	double latency_us;
};

void mdgb_params_default(struct mdgb_params *p);
int mdgb_params_check(const struct mdgb_params *p);
int mdgb_bounds_check(const struct mdgb_bounds *b);
unsigned int mdgb_giveback_periods(const struct mdgb_params *p);
void mdgb_decide(const struct mdgb_params *p, struct mdgb_vgpu *v, size_t n,
		 struct mdgb_decision *out);
const char *mdgb_reason_name(enum mdgb_reason r);

/**
 * struct mdgb_parent_load - one parent's load as mdgb_propose() (plan.h)
 *			      sees it
 * @busy: fraction of the period its engine ran vGPUs, < 0 if unknown
 * @waiting: summed wait time of its vGPUs over the period, in periods
 */
struct mdgb_parent_load {
	double busy;
	double waiting;
};

/* The least accounted fraction mdgb_sample_account() corrects for. */
#define MDGB_MIN_ACCOUNTED	0.5

void mdgb_sample_account(struct mdgb_sample *s, double accounted);

/* A parent is saturated at or above this busy fraction with vGPUs waiting,
 * idle at or below MDGB_IDLE_BUSY (plan.c).
 */
#define MDGB_SATURATED_BUSY	0.90
#define MDGB_SATURATED_WAIT	0.05
#define MDGB_IDLE_BUSY		0.30

/**
 * struct mdgb_move_limits - how often --move may move (balancer.conf)
 * @after: periods in a row a move must be proposed before it is made
 *	   ("move_after", default 2): a one-period spike moves nothing
 * @cooldown: periods after a move of an instance (made or failed) before
 *	      it may be proposed again ("move_cooldown", default 30): no
 *	      instance goes back and forth
 * @max_per_period: moves made per period at most ("max_moves", default 1)
 */
struct mdgb_move_limits {
	unsigned int after;
	unsigned int cooldown;
	unsigned int max_per_period;
};

/**
 * struct mdgb_move_hist - what the balancer remembers of one instance's
 *			   moves
 * @streak: periods in a row it was proposed, up to @last_proposed
 * @last_proposed: the period it was last proposed in
 * @last_moved: the period of its last move (made or failed)
 * @moved: @last_moved holds a period
 */
struct mdgb_move_hist {
	unsigned int streak;
	unsigned long long last_proposed;
	unsigned long long last_moved;
	bool moved;
};

/* What mdgb_move_due() says of a proposal; mdgb_verdict_name() names them. */
enum mdgb_move_verdict {
	MDGB_MOVE_GO,		/* move it now */
	MDGB_MOVE_WAIT,		/* not proposed for long enough yet */
	MDGB_MOVE_COOLING,	/* it moved less than the cooldown ago */
	MDGB_MOVE_LIMIT,	/* this period's moves are used up */
	MDGB_MOVE_NR_VERDICTS
};

void mdgb_move_limits_default(struct mdgb_move_limits *l);
int mdgb_move_limits_check(const struct mdgb_move_limits *l);
bool mdgb_move_cooling(const struct mdgb_move_limits *l,
		       const struct mdgb_move_hist *h,
		       unsigned long long period);
enum mdgb_move_verdict mdgb_move_due(const struct mdgb_move_limits *l,
				     struct mdgb_move_hist *h,
				     unsigned long long period,
				     unsigned int *made);
const char *mdgb_verdict_name(enum mdgb_move_verdict v);

#endif /* MDGPU_BALANCE_H */
