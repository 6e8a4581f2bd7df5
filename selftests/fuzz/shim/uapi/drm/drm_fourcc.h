/* SPDX-License-Identifier: GPL-2.0-only */
/* The DRM formats a scanout can have, by their four character codes. */
#ifndef MDGPU_SHIM_DRM_FOURCC_H
#define MDGPU_SHIM_DRM_FOURCC_H

#define MDGPU_FOURCC(a, b, c, d) \
	((u32)(a) | (u32)(b) << 8 | (u32)(c) << 16 | (u32)(d) << 24)
#define DRM_FORMAT_BIG_ENDIAN	(1U << 31)
#define DRM_FORMAT_RGB565	MDGPU_FOURCC('R', 'G', '1', '6')
#define DRM_FORMAT_RGB888	MDGPU_FOURCC('R', 'G', '2', '4')
#define DRM_FORMAT_BGR888	MDGPU_FOURCC('B', 'G', '2', '4')
#define DRM_FORMAT_XRGB8888	MDGPU_FOURCC('X', 'R', '2', '4')
#define DRM_FORMAT_BGRX8888	MDGPU_FOURCC('B', 'X', '2', '4')

#endif
