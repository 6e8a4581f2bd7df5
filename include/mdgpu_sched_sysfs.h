/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scheduler's sysfs files (drivers/sched_sysfs.c). drivers/sysfs.c adds
 * mdgpu_sched_parent_group to the parent's groups and lists the per-vGPU
 * attributes below in the instance's "mdgpu" group. Documented in
 * Documentation/ABI/testing/sysfs-class-mdgpu and
 * sysfs-bus-mdev-devices-mdgpu.
 */
#ifndef _MDGPU_SCHED_SYSFS_H
#define _MDGPU_SCHED_SYSFS_H

#include <linux/device.h>
#include <linux/types.h>

/* The parent's files, in the parent's directory (an unnamed group). */
extern const struct attribute_group mdgpu_sched_parent_group;

/* The instance's files, in its "mdgpu" directory. */
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
extern struct device_attribute mdgpu_dev_attr_wait_latency_sum_us;
extern struct device_attribute mdgpu_dev_attr_wait_histogram;
extern struct device_attribute mdgpu_dev_attr_engine_chunks;
extern struct device_attribute mdgpu_dev_attr_engine_max_chunk_us;

/* Decimals of a percent that min_share takes: one part per million. */
#define MDGPU_SHARE_DECIMALS	4

int mdgpu_share_parse(const char *buf, u32 *ppm);
int mdgpu_share_format(u32 ppm, char *buf, size_t len);

#endif /* _MDGPU_SCHED_SYSFS_H */
