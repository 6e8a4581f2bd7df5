/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the mdgpu selftests: sysfs paths of the module, instance
 * creation and removal, parent state snapshots. Opening an instance's VFIO
 * device (group/container or cdev/iommufd path) and reaching its regions
 * and interrupts is libmdgpu's (tools/lib/mdgpu_vfio.h).
 *
 * Every helper that can fail returns 0 (or a count, or a byte count) on
 * success and a negative errno on failure, so tests can assert on the exact
 * error.
 */
#ifndef MDGPU_SELFTEST_H
#define MDGPU_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "uapi/mdgpu.h"
#include "mdgpu_vfio.h"

#define MDGPU_CLASS_DIR		"/sys/class/mdgpu"
#define MDGPU_MODULE_DIR	"/sys/module/mdgpu"
#define MDEV_DEVICES_DIR	MDGPU_MDEV_DIR
#define MDGPU_PCI_DEVICES_DIR	"/sys/bus/pci/devices"

#define MDGPU_UUID_LEN		36
#define MDGPU_MAX_PARENTS	16
#define MDGPU_NR_TYPES		4
#define MDGPU_NAME_LEN		32

#define SZ_1M			(1ULL << 20)

/* How long a remove may wait for the device to be released. */
#define MDGPU_REMOVE_TIMEOUT	60

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/**
 * struct mdgpu_type_info - a vGPU type as the spec defines it
 * @name: suffix of the type directory, "mdgpu-<name>"
 * @size: framebuffer (BAR0) size in bytes
 */
struct mdgpu_type_info {
	const char *name;
	uint64_t size;
};

/* The four types, smallest first. */
extern const struct mdgpu_type_info mdgpu_types[MDGPU_NR_TYPES];

/**
 * struct mdgpu_parent_state - what a user sees of a parent's budget
 * @vram_used: the parent's vram_used attribute
 * @instances: the parent's instances attribute
 * @available: available_instances of each of mdgpu_types, -1 when the type
 *	       is not registered on this parent
 * @devices: number of entries in all the types' devices/ directories
 */
struct mdgpu_parent_state {
	uint64_t vram_used;
	uint64_t instances;
	long available[MDGPU_NR_TYPES];
	long devices;
};

/* sysfs */
int mdgpu_read_file(const char *path, char *buf, size_t len);
int mdgpu_write_file(const char *path, const char *str);
int mdgpu_read_u64(const char *path, uint64_t *val);
bool mdgpu_path_exists(const char *path);
long mdgpu_count_entries(const char *path);
int mdgpu_parent_names(char names[][MDGPU_NAME_LEN], int max);
/* Where a parent's directory is: a PCI address (with ':') or simN. */
const char *mdgpu_parent_base(const char *parent);
int mdgpu_parent_u64(const char *parent, const char *attr, uint64_t *val);
int mdgpu_type_path(char *buf, size_t len, const char *parent,
		    const char *type, const char *attr);
bool mdgpu_type_registered(const char *parent, const char *type);
long mdgpu_type_available(const char *parent, const char *type);
int mdgpu_instance_u64(const char *uuid, const char *attr, uint64_t *val);
int mdgpu_instance_read(const char *uuid, const char *attr, char *buf,
			size_t len);
int mdgpu_instance_write(const char *uuid, const char *attr, const char *val);
int mdgpu_parent_state(const char *parent, struct mdgpu_parent_state *st);
int mdgpu_parent_instances(const char *parent,
			   char uuids[][MDGPU_UUID_LEN + 1], int max);
int mdgpu_module_param(const char *param, uint64_t *val);

/* instances */
int mdgpu_new_uuid(char uuid[MDGPU_UUID_LEN + 1]);
int mdgpu_create(const char *parent, const char *type, const char *uuid);
int mdgpu_remove(const char *uuid);
bool mdgpu_instance_exists(const char *uuid);

/**
 * struct mdgpu_uuid_list - instances a test created, removed at teardown
 * @uuid: the instances' UUIDs; empty strings are free slots
 *
 * Kept in the fixture, which the harness shares with the teardown process,
 * so it holds no pointers.
 */
struct mdgpu_uuid_list {
	char uuid[64][MDGPU_UUID_LEN + 1];
};

int mdgpu_track(struct mdgpu_uuid_list *list, const char *uuid);
int mdgpu_create_tracked(struct mdgpu_uuid_list *list, const char *parent,
			 const char *type, char uuid[MDGPU_UUID_LEN + 1]);
int mdgpu_remove_tracked(struct mdgpu_uuid_list *list, const char *uuid);
int mdgpu_remove_all(struct mdgpu_uuid_list *list);

#endif /* MDGPU_SELFTEST_H */
