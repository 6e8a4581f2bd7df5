/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fake sysfs/proc trees for mdgpuctl's unit tests, laid out as the mdgpu
 * module and the mdev core lay out the real ones (see
 * Documentation/admin-guide.rst, "The sysfs tree"), under a temporary
 * directory that MDGPU_SYSFS_ROOT points to.
 */
#ifndef MDGPUCTL_FAKE_TREE_H
#define MDGPUCTL_FAKE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "What:" prefixes of Documentation/ABI/testing/ (directories). */
#define ABI_PARENT	"/sys/class/mdgpu/<parent>/"
#define ABI_TYPE	ABI_PARENT "mdev_supported_types/mdgpu-<size>/"
#define ABI_VGPU	"/sys/bus/mdev/devices/<uuid>/mdgpu/"
#define ABI_MODULE	"/sys/module/mdgpu/parameters/"
/* A PCI parent: the PCI driver's directory and the device's. */
#define ABI_PCI_DRIVER	"/sys/bus/pci/drivers/mdgpu/"
#define ABI_PCI_PARENT	"/sys/bus/pci/devices/<address>/"

/**
 * struct abi_entry - one entry of an ABI document
 * @what: its "What:" path
 * @mode: "RO", "RW" or "WO" from its description, "" for a directory
 */
struct abi_entry {
	char what[160];
	char mode[3];
};

const struct abi_entry *abi_entries(size_t *n);
bool abi_has(const char *what);
bool abi_form(const char *path, char *what, size_t len);

int fake_init(void);
void fake_cleanup(void);
const char *fake_root(void);
int fake_file(const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fake_link(const char *rel, const char *target);
int fake_mkdir(const char *rel);
int fake_unlink(const char *rel);
const char *fake_read(const char *rel);

int fake_parent(const char *name, unsigned int vram_mb, unsigned int used_mb,
		unsigned int instances);
int fake_pci_parent(const char *addr, unsigned int vram_mb,
		    unsigned int used_mb, unsigned int instances);
int fake_pci_other(const char *addr, const char *driver);
int fake_type(const char *parent, unsigned int size_mb, unsigned int vram_mb,
	      int available);
int fake_instance(const char *uuid, const char *parent, unsigned int size_mb,
		  unsigned int offset_mb, unsigned int resets, int group);
int fake_holder(int pid, const char *comm, int fd, const char *target);

/* The tree most tests use; see fake_standard() in fake_tree.c. */
#define UUID_A "11111111-1111-4111-8111-111111111111"
#define UUID_B "22222222-2222-4222-8222-222222222222"
#define UUID_C "33333333-3333-4333-8333-333333333333"
#define UUID_D "44444444-4444-4444-8444-444444444444"
#define UUID_E "55555555-5555-4555-8555-555555555555"
#define UUID_MTTY "66666666-6666-4666-8666-666666666666"
#define UUID_NONE "99999999-9999-4999-8999-999999999999"

int fake_standard(void);

/* fake_pci_standard(): a PCI parent and instances on it, see fake_tree.c. */
#define PCI_ADDR "0000:00:04.0"
#define PCI_OTHER "0000:00:05.0"
#define UUID_P "77777777-7777-4777-8777-777777777777"
#define UUID_Q "88888888-8888-4888-8888-888888888888"

int fake_pci_standard(void);

#endif
