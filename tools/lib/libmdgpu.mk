# SPDX-License-Identifier: GPL-2.0-only
#
# libmdgpu, the one userspace library that opens mdgpu instances through
# VFIO: mdgpu_vfio.c (open by UUID or sysfs path, group or cdev path,
# regions at the offsets VFIO_DEVICE_GET_REGION_INFO reports, interrupts,
# device features and migration, the display) and libmdgpu.c (the engine
# driver on top: rings, fences, DMA buffers). Included by tools/Makefile,
# tools/mdgpuctl/Makefile and selftests/Makefile, which compile these
# sources into their programs.
LIBMDGPU_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
LIBMDGPU_SRCS := $(LIBMDGPU_DIR)/mdgpu_vfio.c $(LIBMDGPU_DIR)/libmdgpu.c
LIBMDGPU_HDRS := $(LIBMDGPU_DIR)/mdgpu_vfio.h $(LIBMDGPU_DIR)/libmdgpu.h \
		 $(LIBMDGPU_DIR)/vfio_compat.h
