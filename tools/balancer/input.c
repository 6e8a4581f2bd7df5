// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu-balancer: what the vGPUs did during the last period.
 *
 * Sysfs is always read (mdgpuctl's model: the instances, their parents,
 * holders and weights). The demand comes from the per-vGPU statistics in
 * sysfs, as the difference between two readings one period apart, or,
 * with --prometheus, from a Prometheus server's HTTP API as rate()s over
 * a window of the series `mdgpuctl metrics` exports (cmd_metrics.c), so
 * that dashboards and decisions use the same numbers.
 */
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "balancer.h"

/* Index of a statistic in mdg_stats[] / mdg_parent_stats[]. */
static int stat_at(const char *key)
{
	return mdg_stat_index(mdg_stats, mdg_nr_stats, key);
}

static int pstat_at(const char *key)
{
	return mdg_stat_index(mdg_parent_stats, mdg_nr_parent_stats, key);
}

static void read_counters(const struct mdg_instance *in,
			  struct mdgb_counters *c)
{
	static const char *const keys[] = {
		"engine_time_us", "wait_time_us", "throttled_us",
		"wait_latency_sum_us", "wait_histogram", "wait_latency_us",
	};
	int64_t *dst[] = {
		&c->engine_us, &c->wait_us, &c->throttled_us, &c->lat_sum_us,
		&c->lat_count, &c->lat_ewma_us,
	};
	struct mdg_sample s;
	size_t i;
	int k;

	mdg_stats_read(in, &s);
	c->have = true;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		k = stat_at(keys[i]);
		if (k < 0 || !s.have[k]) {
			*dst[i] = -1;
			/* The first three are needed; latency is optional. */
			if (i < 3)
				c->have = false;
			continue;
		}
		*dst[i] = s.val[k];
	}
}

/* The sample between two readings @period_s apart; invalid when either
 * is incomplete or a counter went backwards (the vGPU was re-created).
 */
static void counters_sample(const struct mdgb_counters *a,
			    const struct mdgb_counters *b, double period_s,
			    struct mdgb_sample *s)
{
	int64_t n;

	memset(s, 0, sizeof(*s));
	s->latency_us = -1;
	if (!a->have || !b->have || period_s <= 0 ||
	    b->engine_us < a->engine_us || b->wait_us < a->wait_us ||
	    b->throttled_us < a->throttled_us)
		return;
	s->valid = true;
	s->period_s = period_s;
	s->engine_s = (b->engine_us - a->engine_us) / 1e6;
	s->wait_s = (b->wait_us - a->wait_us) / 1e6;
	s->throttled_s = (b->throttled_us - a->throttled_us) / 1e6;
	n = b->lat_count - a->lat_count;
	if (a->lat_count >= 0 && b->lat_count >= 0 && n > 0 &&
	    b->lat_sum_us >= a->lat_sum_us)
		s->latency_us = (double)(b->lat_sum_us - a->lat_sum_us) / n;
}

/* Read the system, the weights and the parents' policies; mark what is
 * present.
 */
static int read_system(struct mdgb_run *r)
{
	char path[PATH_MAX];
	struct mdgb_parent_seen *ps;
	struct mdgb_tracked *t;
	uint64_t w;
	size_t i;
	int ret;

	mdg_system_free(&r->sys);
	ret = mdg_system_load(&r->sys);
	if (ret)
		return ret;
	if (!r->sys.loaded)
		return -ENODEV;
	for (i = 0; i < r->nr_vgpus; i++)
		r->vgpus[i].present = false;
	for (i = 0; i < r->sys.nr_parents; i++) {
		ps = mdgb_parent_seen(r, r->sys.parents[i].name);
		if (!ps)
			return -ENOMEM;
		ps->load.waiting = 0;
		ps->load.busy = -1;
		ps->accounted = 1;
		if (mdg_parent_path(&r->sys.parents[i], "policy", path,
				    sizeof(path)) ||
		    mdg_read_str(path, ps->policy, sizeof(ps->policy)))
			ps->policy[0] = '\0';
	}
	for (i = 0; i < r->sys.nr_instances; i++) {
		const struct mdg_instance *in = &r->sys.instances[i];

		if (in->removing)
			continue;
		t = mdgb_track(r, in->uuid);
		if (!t)
			return -ENOMEM;
		t->present = true;
		snprintf(t->parent, sizeof(t->parent), "%s", in->parent);
		t->v.group = (int)(mdgb_parent_seen(r, in->parent) -
				   r->parents);
		t->v.sample.valid = false;
		t->have_weight = !mdg_instance_path(in, "mdgpu/weight", path,
						    sizeof(path)) &&
				 !mdg_read_u64(path, &w) && w <= UINT_MAX;
		if (t->have_weight)
			t->v.state.weight = (unsigned int)w;
	}
	return 0;
}

/**
 * mdgb_read_sysfs() - read sysfs; samples from the statistics' change
 *		       since the previous call
 * @r: the run; the first call gives no valid samples
 *
 * Return: 0 or a negative errno (-ENODEV: mdgpu is not loaded).
 */
int mdgb_read_sysfs(struct mdgb_run *r)
{
	double now = mdgb_now(), period = now - r->last_read;
	struct mdgb_counters cur;
	struct mdg_sample ps;
	struct mdgb_parent_seen *seen;
	int64_t busy, idle;
	size_t i;
	int ret, kb = pstat_at("engine_busy_us"), ki = pstat_at("engine_idle_us");

	ret = read_system(r);
	if (ret)
		return ret;
	if (r->last_read <= 0)
		period = 0;
	r->last_read = now;
	for (i = 0; i < r->sys.nr_parents; i++) {
		seen = mdgb_parent_seen(r, r->sys.parents[i].name);
		mdg_parent_stats_read(&r->sys.parents[i], &ps);
		if (kb < 0 || ki < 0 || !ps.have[kb] || !ps.have[ki]) {
			seen->have = false;
			continue;
		}
		busy = ps.val[kb];
		idle = ps.val[ki];
		if (seen->have && period > 0 && busy >= seen->busy_us &&
		    idle >= seen->idle_us &&
		    busy - seen->busy_us + idle - seen->idle_us > 0) {
			seen->load.busy = (double)(busy - seen->busy_us) /
				(busy - seen->busy_us + idle - seen->idle_us);
			seen->accounted =
				(busy - seen->busy_us + idle - seen->idle_us) /
				1e6 / period;
		}
		seen->busy_us = busy;
		seen->idle_us = idle;
		seen->have = true;
	}
	for (i = 0; i < r->sys.nr_instances; i++) {
		const struct mdg_instance *in = &r->sys.instances[i];
		struct mdgb_tracked *t;

		if (in->removing)
			continue;
		t = mdgb_track(r, in->uuid);
		read_counters(in, &cur);
		counters_sample(&t->prev, &cur, period, &t->v.sample);
		t->prev = cur;
		mdgb_sample_account(&t->v.sample,
				    r->parents[t->v.group].accounted);
		if (t->v.sample.valid)
			r->parents[t->v.group].load.waiting +=
				t->v.sample.wait_s / t->v.sample.period_s;
	}
	return 0;
}

/* --- Prometheus ---------------------------------------------------------- */

struct buf {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;
	char *p;

	if (b->len + add > (16u << 20))
		return 0;	/* a runaway answer: give up */
	p = realloc(b->p, b->len + add + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, add);
	b->p = p;
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

/* GET /api/v1/query?query=EXPR; the "result" array (a json_object the
 * caller puts), or NULL with a warning.
 */
static struct json_object *prom_query(const struct mdgb_run *r,
				      const char *expr)
{
	struct json_object *root = NULL, *data, *res, *st;
	struct buf b = { NULL, 0 };
	char url[4096];
	char *q;
	CURL *c;
	CURLcode rc;
	long code = 0;

	c = curl_easy_init();
	if (!c)
		return NULL;
	q = curl_easy_escape(c, expr, 0);
	if (!q || snprintf(url, sizeof(url), "%s/api/v1/query?query=%s",
			   r->prometheus, q) >= (int)sizeof(url)) {
		curl_free(q);
		curl_easy_cleanup(c);
		mdgb_warn("Prometheus query too long: %s", expr);
		return NULL;
	}
	curl_free(q);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || code != 200 || !b.p) {
		mdgb_warn("Prometheus %s: %s (HTTP %ld) for %s", r->prometheus,
			  rc != CURLE_OK ? curl_easy_strerror(rc) : "bad answer",
			  code, expr);
		free(b.p);
		return NULL;
	}
	root = json_tokener_parse(b.p);
	free(b.p);
	if (!root || !json_object_object_get_ex(root, "status", &st) ||
	    strcmp(json_object_get_string(st), "success") ||
	    !json_object_object_get_ex(root, "data", &data) ||
	    !json_object_object_get_ex(data, "result", &res) ||
	    !json_object_is_type(res, json_type_array)) {
		mdgb_warn("Prometheus: unexpected answer to %s", expr);
		json_object_put(root);
		return NULL;
	}
	json_object_get(res);
	json_object_put(root);
	return res;
}

/* The value of the result's sample whose @label is @want; NAN if none. */
static double prom_value(struct json_object *res, const char *label,
			 const char *want)
{
	struct json_object *e, *m, *l, *v, *s;
	size_t i, n;

	if (!res)
		return NAN;
	n = json_object_array_length(res);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(res, i);
		if (!json_object_object_get_ex(e, "metric", &m) ||
		    !json_object_object_get_ex(m, label, &l) ||
		    strcmp(json_object_get_string(l), want) ||
		    !json_object_object_get_ex(e, "value", &v) ||
		    json_object_array_length(v) != 2)
			continue;
		s = json_object_array_get_idx(v, 1);
		/* Prometheus gives numbers as strings, "NaN" included. */
		return strtod(json_object_get_string(s), NULL);
	}
	return NAN;
}

/**
 * mdgb_read_prometheus() - read sysfs, samples from Prometheus
 * @r: the run (@r->prometheus set)
 *
 * Each sample is a rate over @r->window: per vGPU, the engine, wait and
 * throttled seconds per second (so a period of one second) and the mean
 * wait latency (rate of the histogram's _sum over its _count); per
 * parent, the busy fraction. A vGPU Prometheus has no series for gets no
 * valid sample (its weight holds).
 *
 * Return: 0 or a negative errno; -EIO when no query could be answered.
 */
int mdgb_read_prometheus(struct mdgb_run *r)
{
	static const char *const vq[] = {
		"rate(mdgpu_vgpu_engine_seconds_total[%s])",
		"rate(mdgpu_vgpu_wait_seconds_total[%s])",
		"rate(mdgpu_vgpu_throttled_seconds_total[%s])",
		"rate(mdgpu_vgpu_wait_latency_seconds_sum[%s]) / rate(mdgpu_vgpu_wait_latency_seconds_count[%s])",
		"rate(mdgpu_parent_engine_busy_seconds_total[%s]) / (rate(mdgpu_parent_engine_busy_seconds_total[%s]) + rate(mdgpu_parent_engine_idle_seconds_total[%s]))",
		"rate(mdgpu_parent_engine_busy_seconds_total[%s]) + rate(mdgpu_parent_engine_idle_seconds_total[%s])",
	};
	struct json_object *res[ARRAY_SIZE(vq)];
	char expr[512];
	bool any = false;
	size_t i, k;
	int ret;

	ret = read_system(r);
	if (ret)
		return ret;
	for (k = 0; k < ARRAY_SIZE(vq); k++) {
		snprintf(expr, sizeof(expr), vq[k], r->window, r->window,
			 r->window);
		res[k] = prom_query(r, expr);
		any |= !!res[k];
	}
	for (i = 0; i < r->nr_parents; i++) {
		double b = prom_value(res[4], "parent", r->parents[i].name);
		double a = prom_value(res[5], "parent", r->parents[i].name);

		r->parents[i].load.busy = isnan(b) ? -1 : b;
		r->parents[i].accounted = isnan(a) ? 1 : a;
	}
	for (i = 0; i < r->nr_vgpus; i++) {
		struct mdgb_tracked *t = &r->vgpus[i];
		struct mdgb_sample *s = &t->v.sample;
		double e, w, th, lat;

		if (!t->present)
			continue;
		e = prom_value(res[0], "uuid", t->uuid);
		w = prom_value(res[1], "uuid", t->uuid);
		th = prom_value(res[2], "uuid", t->uuid);
		lat = prom_value(res[3], "uuid", t->uuid);
		memset(s, 0, sizeof(*s));
		s->latency_us = isnan(lat) ? -1 : lat * 1e6;
		if (isnan(e) || isnan(w) || isnan(th))
			continue;
		s->valid = true;
		s->period_s = 1.0;
		s->engine_s = e;
		s->wait_s = w;
		s->throttled_s = th;
		mdgb_sample_account(s, r->parents[t->v.group].accounted);
		r->parents[t->v.group].load.waiting += w;
	}
	for (k = 0; k < ARRAY_SIZE(vq); k++)
		json_object_put(res[k]);
	return any ? 0 : -EIO;
}
