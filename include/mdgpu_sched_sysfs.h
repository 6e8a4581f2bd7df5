/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scheduler's sysfs files (drivers/sched_sysfs.c). drivers/sysfs.c puts
 * MDGPU_SCHED_PARENT_ATTRS in the parent's attribute list and
 * MDGPU_SCHED_VGPU_ATTRS in the instance's "mdgpu" group. Documented in
 * Documentation/ABI/testing/sysfs-class-mdgpu and
 * sysfs-bus-mdev-devices-mdgpu.
 */
#ifndef _MDGPU_SCHED_SYSFS_H
#define _MDGPU_SCHED_SYSFS_H

#include <linux/device.h>

extern struct device_attribute mdgpu_dev_attr_policy;
extern struct device_attribute mdgpu_dev_attr_timeslice_us;
extern struct device_attribute mdgpu_dev_attr_watchdog_ms;
extern struct device_attribute mdgpu_dev_attr_engine_busy_us;
extern struct device_attribute mdgpu_dev_attr_engine_idle_us;
extern struct device_attribute mdgpu_dev_attr_engine_switches;

#define MDGPU_SCHED_PARENT_ATTRS			\
	&mdgpu_dev_attr_policy.attr,			\
	&mdgpu_dev_attr_timeslice_us.attr,		\
	&mdgpu_dev_attr_watchdog_ms.attr,		\
	&mdgpu_dev_attr_engine_busy_us.attr,		\
	&mdgpu_dev_attr_engine_idle_us.attr,		\
	&mdgpu_dev_attr_engine_switches.attr

extern struct device_attribute mdgpu_dev_attr_weight;
extern struct device_attribute mdgpu_dev_attr_min_share;
extern struct device_attribute mdgpu_dev_attr_cap;
extern struct device_attribute mdgpu_dev_attr_priority;
extern struct device_attribute mdgpu_dev_attr_engine_time_us;
extern struct device_attribute mdgpu_dev_attr_wait_time_us;
extern struct device_attribute mdgpu_dev_attr_throttled_us;
extern struct device_attribute mdgpu_dev_attr_slices;
extern struct device_attribute mdgpu_dev_attr_preemptions;
extern struct device_attribute mdgpu_dev_attr_watchdog_count;
extern struct device_attribute mdgpu_dev_attr_wait_latency_us;
extern struct device_attribute mdgpu_dev_attr_wait_histogram;

#define MDGPU_SCHED_VGPU_ATTRS				\
	&mdgpu_dev_attr_weight.attr,			\
	&mdgpu_dev_attr_min_share.attr,			\
	&mdgpu_dev_attr_cap.attr,			\
	&mdgpu_dev_attr_priority.attr,			\
	&mdgpu_dev_attr_engine_time_us.attr,		\
	&mdgpu_dev_attr_wait_time_us.attr,		\
	&mdgpu_dev_attr_throttled_us.attr,		\
	&mdgpu_dev_attr_slices.attr,			\
	&mdgpu_dev_attr_preemptions.attr,		\
	&mdgpu_dev_attr_watchdog_count.attr,		\
	&mdgpu_dev_attr_wait_latency_us.attr,		\
	&mdgpu_dev_attr_wait_histogram.attr

#endif /* _MDGPU_SCHED_SYSFS_H */
