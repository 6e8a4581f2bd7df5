// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scheduler's sysfs files: the parent's policy, time slice, watchdog
 * and engine statistics, and each instance's tunables and statistics (in
 * its "mdgpu" directory, so mdevctl re-applies the tunables after create).
 *
 * Every access goes through mdgpu_engine_sched_call() or
 * mdgpu_engine_entity_call(), which run the callback with the engine lock
 * held: the callbacks only copy values or call the scheduler's validated
 * setters, and never sleep. Times passed to the scheduler are
 * ktime_get_ns(), the engine's clock.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "mdgpu.h"
#include "mdgpu_sched.h"
#include "mdgpu_sched_sysfs.h"

#define MDGPU_SCHED_ATTR_RO(_name) \
	struct device_attribute mdgpu_dev_attr_##_name = __ATTR_RO(_name)

/* ---- parent ------------------------------------------------------------- */

/**
 * struct mdgpu_sched_parent_snap - what the parent's files show
 * @policy: enum mdgpu_sched_policy
 * @timeslice_ns: the time slice
 * @watchdog_ns: the per-job limit, 0 = off
 * @stats: engine statistics
 */
struct mdgpu_sched_parent_snap {
	int policy;
	u64 timeslice_ns;
	u64 watchdog_ns;
	struct mdgpu_sched_stats stats;
};

static int mdgpu_sched_parent_get(struct mdgpu_sched *s, void *arg)
{
	struct mdgpu_sched_parent_snap *snap = arg;

	mdgpu_sched_assert_held(s);
	snap->policy = s->policy;
	snap->timeslice_ns = s->timeslice_ns;
	snap->watchdog_ns = s->watchdog_ns;
	mdgpu_sched_stats_snapshot(s, ktime_get_ns(), &snap->stats);
	return 0;
}

static int mdgpu_sched_parent_read(struct device *dev,
				   struct mdgpu_sched_parent_snap *snap)
{
	return mdgpu_engine_sched_call(to_mdgpu_parent(dev),
				       mdgpu_sched_parent_get, snap);
}

static ssize_t policy_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct mdgpu_sched_parent_snap snap;
	int ret = mdgpu_sched_parent_read(dev, &snap);

	if (ret)
		return ret;
	return sysfs_emit(buf, "%s\n", mdgpu_sched_policy_name(snap.policy));
}

static int mdgpu_sched_policy_set(struct mdgpu_sched *s, void *arg)
{
	mdgpu_sched_assert_held(s);
	return mdgpu_sched_set_policy(s, *(int *)arg, ktime_get_ns());
}

static ssize_t policy_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	int policy = mdgpu_sched_policy_parse(buf);
	int ret;

	if (policy < 0)
		return policy;
	ret = mdgpu_engine_sched_call(to_mdgpu_parent(dev),
				      mdgpu_sched_policy_set, &policy);
	return ret ?: count;
}
static DEVICE_ATTR_RW(policy);

static ssize_t timeslice_us_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mdgpu_sched_parent_snap snap;
	int ret = mdgpu_sched_parent_read(dev, &snap);

	if (ret)
		return ret;
	return sysfs_emit(buf, "%llu\n", div_u64(snap.timeslice_ns, 1000));
}

static int mdgpu_sched_timeslice_set(struct mdgpu_sched *s, void *arg)
{
	mdgpu_sched_assert_held(s);
	return mdgpu_sched_set_timeslice(s, *(u64 *)arg);
}

static ssize_t timeslice_us_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	u32 us;
	u64 ns;
	int ret = kstrtou32(buf, 10, &us);

	if (ret)
		return ret;
	ns = (u64)us * 1000;
	ret = mdgpu_engine_sched_call(to_mdgpu_parent(dev),
				      mdgpu_sched_timeslice_set, &ns);
	return ret ?: count;
}
static DEVICE_ATTR_RW(timeslice_us);

static ssize_t watchdog_ms_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct mdgpu_sched_parent_snap snap;
	int ret = mdgpu_sched_parent_read(dev, &snap);

	if (ret)
		return ret;
	return sysfs_emit(buf, "%llu\n", div_u64(snap.watchdog_ns, 1000000));
}

static int mdgpu_sched_watchdog_set(struct mdgpu_sched *s, void *arg)
{
	mdgpu_sched_assert_held(s);
	return mdgpu_sched_set_watchdog(s, *(u64 *)arg);
}

static ssize_t watchdog_ms_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	u32 ms;
	u64 ns;
	int ret = kstrtou32(buf, 10, &ms);

	if (ret)
		return ret;
	ns = (u64)ms * 1000000;
	ret = mdgpu_engine_sched_call(to_mdgpu_parent(dev),
				      mdgpu_sched_watchdog_set, &ns);
	return ret ?: count;
}
static DEVICE_ATTR_RW(watchdog_ms);

#define MDGPU_SCHED_PARENT_STAT(_name, _expr)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct mdgpu_sched_parent_snap snap;				\
	int ret = mdgpu_sched_parent_read(dev, &snap);			\
									\
	if (ret)							\
		return ret;						\
	return sysfs_emit(buf, "%llu\n", (u64)(_expr));		\
}									\
static DEVICE_ATTR_RO(_name)

MDGPU_SCHED_PARENT_STAT(engine_busy_us, div_u64(snap.stats.busy_ns, 1000));
MDGPU_SCHED_PARENT_STAT(engine_idle_us, div_u64(snap.stats.idle_ns, 1000));
MDGPU_SCHED_PARENT_STAT(engine_switches, snap.stats.switches);

static struct attribute *mdgpu_sched_parent_attrs[] = {
	&dev_attr_policy.attr,
	&dev_attr_timeslice_us.attr,
	&dev_attr_watchdog_ms.attr,
	&dev_attr_engine_busy_us.attr,
	&dev_attr_engine_idle_us.attr,
	&dev_attr_engine_switches.attr,
	NULL,
};

const struct attribute_group mdgpu_sched_parent_group = {
	.attrs = mdgpu_sched_parent_attrs,
};

/* ---- instance ----------------------------------------------------------- */

enum mdgpu_sched_param {
	MDGPU_PARAM_WEIGHT,
	MDGPU_PARAM_MIN_SHARE,
	MDGPU_PARAM_CAP,
	MDGPU_PARAM_PRIORITY,
};

/**
 * struct mdgpu_sched_param_arg - one tunable of an instance
 * @which: enum mdgpu_sched_param
 * @val: the value read, or to write
 */
struct mdgpu_sched_param_arg {
	enum mdgpu_sched_param which;
	u32 val;
};

static u32 *mdgpu_sched_param_field(struct mdgpu_sched_params *p,
				    enum mdgpu_sched_param which)
{
	switch (which) {
	case MDGPU_PARAM_WEIGHT:
		return &p->weight;
	case MDGPU_PARAM_MIN_SHARE:
		return &p->min_share;
	case MDGPU_PARAM_CAP:
		return &p->cap;
	default:
		return &p->priority;
	}
}

static int mdgpu_sched_param_get(struct mdgpu_sched *s,
				 struct mdgpu_sched_entity *e, void *arg)
{
	struct mdgpu_sched_param_arg *a = arg;

	mdgpu_sched_assert_held(s);
	a->val = *mdgpu_sched_param_field(&e->params, a->which);
	return 0;
}

/* Read, change one field and write back, all under the engine lock. */
static int mdgpu_sched_param_set(struct mdgpu_sched *s,
				 struct mdgpu_sched_entity *e, void *arg)
{
	struct mdgpu_sched_param_arg *a = arg;
	struct mdgpu_sched_params p = e->params;

	mdgpu_sched_assert_held(s);
	*mdgpu_sched_param_field(&p, a->which) = a->val;
	return mdgpu_sched_entity_set_params(s, e, &p, ktime_get_ns());
}

static ssize_t mdgpu_sched_param_show(struct device *dev, char *buf,
				      enum mdgpu_sched_param which)
{
	struct mdgpu_sched_param_arg a = { .which = which };
	int ret = mdgpu_engine_entity_call(dev_get_drvdata(dev),
					   mdgpu_sched_param_get, &a);

	if (ret)
		return ret;
	if (which == MDGPU_PARAM_MIN_SHARE)
		return mdgpu_share_format(a.val, buf, PAGE_SIZE);
	return sysfs_emit(buf, "%u\n", a.val);
}

static ssize_t mdgpu_sched_param_store(struct device *dev, const char *buf,
				       size_t count,
				       enum mdgpu_sched_param which)
{
	struct mdgpu_sched_param_arg a = { .which = which };
	int ret = which == MDGPU_PARAM_MIN_SHARE ?
		  mdgpu_share_parse(buf, &a.val) : kstrtou32(buf, 10, &a.val);

	if (ret)
		return ret;
	ret = mdgpu_engine_entity_call(dev_get_drvdata(dev),
				       mdgpu_sched_param_set, &a);
	return ret ?: count;
}

/* The tunable a file is about, from its name. */
static enum mdgpu_sched_param mdgpu_sched_param_of(struct device_attribute *attr)
{
	if (!strcmp(attr->attr.name, "weight"))
		return MDGPU_PARAM_WEIGHT;
	if (!strcmp(attr->attr.name, "min_share"))
		return MDGPU_PARAM_MIN_SHARE;
	if (!strcmp(attr->attr.name, "cap"))
		return MDGPU_PARAM_CAP;
	return MDGPU_PARAM_PRIORITY;
}

static ssize_t mdgpu_param_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return mdgpu_sched_param_show(dev, buf, mdgpu_sched_param_of(attr));
}

static ssize_t mdgpu_param_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	return mdgpu_sched_param_store(dev, buf, count,
				       mdgpu_sched_param_of(attr));
}

#define MDGPU_SCHED_PARAM_ATTR(_name)					\
	struct device_attribute mdgpu_dev_attr_##_name =		\
		__ATTR(_name, 0644, mdgpu_param_show, mdgpu_param_store)

MDGPU_SCHED_PARAM_ATTR(weight);
MDGPU_SCHED_PARAM_ATTR(min_share);
MDGPU_SCHED_PARAM_ATTR(cap);
MDGPU_SCHED_PARAM_ATTR(priority);

static int mdgpu_sched_entity_get(struct mdgpu_sched *s,
				  struct mdgpu_sched_entity *e, void *arg)
{
	mdgpu_sched_assert_held(s);
	mdgpu_sched_entity_stats_snapshot(s, e, ktime_get_ns(), arg);
	return 0;
}

static int mdgpu_sched_entity_read(struct device *dev,
				   struct mdgpu_sched_entity_stats *st)
{
	return mdgpu_engine_entity_call(dev_get_drvdata(dev),
					mdgpu_sched_entity_get, st);
}

#define MDGPU_SCHED_ENTITY_STAT(_name, _expr)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct mdgpu_sched_entity_stats st;				\
	int ret = mdgpu_sched_entity_read(dev, &st);			\
									\
	if (ret)							\
		return ret;						\
	return sysfs_emit(buf, "%llu\n", (u64)(_expr));		\
}									\
MDGPU_SCHED_ATTR_RO(_name)

MDGPU_SCHED_ENTITY_STAT(engine_time_us, div_u64(st.run_ns, 1000));
MDGPU_SCHED_ENTITY_STAT(wait_time_us, div_u64(st.wait_ns, 1000));
MDGPU_SCHED_ENTITY_STAT(throttled_us, div_u64(st.throttled_ns, 1000));
MDGPU_SCHED_ENTITY_STAT(slices, st.slices);
MDGPU_SCHED_ENTITY_STAT(preemptions, st.preemptions);
MDGPU_SCHED_ENTITY_STAT(watchdog_count, st.watchdog);
MDGPU_SCHED_ENTITY_STAT(wait_latency_us, div_u64(st.wait_avg_ns, 1000));
MDGPU_SCHED_ENTITY_STAT(wait_latency_sum_us, div_u64(st.wait_sum_ns, 1000));

/* The engine's own counters of the context (struct mdgpu_engine_stats). */
static int mdgpu_engine_stats_get(struct mdgpu_sched *s,
				  struct mdgpu_sched_entity *e, void *arg)
{
	struct mdgpu_engine_ctx *ctx =
		container_of(e, struct mdgpu_engine_ctx, entity);

	mdgpu_sched_assert_held(s);
	*(struct mdgpu_engine_stats *)arg = ctx->stats;
	return 0;
}

#define MDGPU_ENGINE_STAT(_name, _expr)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct mdgpu_engine_stats st;					\
	int ret = mdgpu_engine_entity_call(dev_get_drvdata(dev),	\
					   mdgpu_engine_stats_get, &st);\
									\
	if (ret)							\
		return ret;						\
	return sysfs_emit(buf, "%llu\n", (u64)(_expr));		\
}									\
MDGPU_SCHED_ATTR_RO(_name)

MDGPU_ENGINE_STAT(engine_chunks, st.chunks);
MDGPU_ENGINE_STAT(engine_max_chunk_us, div_u64(st.max_chunk_ns, 1000));

static ssize_t wait_histogram_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct mdgpu_sched_entity_stats st;
	int ret = mdgpu_sched_entity_read(dev, &st);
	unsigned int i;
	int n = 0;

	if (ret)
		return ret;
	for (i = 0; i < MDGPU_SCHED_HIST_BUCKETS; i++)
		n += sysfs_emit_at(buf, n, "%s%llu", i ? " " : "",
				   st.wait_hist[i]);
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}
MDGPU_SCHED_ATTR_RO(wait_histogram);
