// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl screenshot: save an instance's scanout as a PNG.
 *
 * It opens the instance through VFIO as a VMM would, finds the primary
 * plane as QEMU does (VFIO_DEVICE_QUERY_GFX_PLANE: a dma-buf plane if the
 * instance offers them, else a region plane), maps it and converts it to
 * RGB. Two limits follow from VFIO and from
 * mdgpu's device model:
 *
 *  - a VFIO device has one user at a time, so this works only while no VM
 *    holds the instance;
 *  - each new user starts from a reset device, whose display is off and
 *    whose VRAM the last user's close cleared: --set-mode programs a mode
 *    (as the guest's driver would) and shows that VRAM, which checks the
 *    display path of an idle instance.
 *
 * A running VM's display is seen through QEMU (display=on, screendump).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mdgpu_png.h"
#include "lib/mdgpu_vfio.h"
#include "uapi/mdgpu.h"
#include "mdgpuctl.h"

static int parse_mode(const char *s, unsigned int *w, unsigned int *h,
		      unsigned int *bpp)
{
	char x1, x2, extra;
	int n;

	*bpp = 32;
	n = sscanf(s, "%u%c%u%c%u%c", w, &x1, h, &x2, bpp, &extra);
	if ((n != 3 && n != 5) || x1 != 'x' || (n == 5 && x2 != 'x') ||
	    !*w || !*h || *w > 16384 || *h > 16384 ||
	    (*bpp != 16 && *bpp != 24 && *bpp != 32))
		return mdg_fail(MDG_EXIT_USAGE,
				"--set-mode %s: want WIDTHxHEIGHT or WIDTHxHEIGHTxBPP, BPP 16, 24 or 32",
				s);
	return 0;
}

static const char *mode_error(uint32_t status)
{
	switch ((status & MDGPU_DISPLAY_ERROR_MASK) >> MDGPU_DISPLAY_ERROR_SHIFT) {
	case MDGPU_MODE_ERR_FORMAT:
		return "zero size or unsupported depth";
	case MDGPU_MODE_ERR_TOO_LARGE:
		return "larger than the type's max_resolution";
	case MDGPU_MODE_ERR_NO_FIT:
		return "does not fit in the framebuffer";
	}
	return "refused";
}

static const char one_user[] =
	"VFIO allows one user of a device at a time, so a screenshot can only be taken while no VM holds it";

static const struct option shot_opts[] = {
	{ "set-mode", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mdgpuctl screenshot UUID OUT.png [--set-mode WxH[xBPP]] */
int mdg_cmd_screenshot(int argc, char **argv)
{
	static const char usage[] =
		"usage: mdgpuctl screenshot UUID OUT.png [--set-mode WIDTHxHEIGHT[xBPP]]";
	struct vfio_device_gfx_plane_info plane;
	char uuid[MDG_UUID_LEN + 1], holders[256];
	unsigned int w = 0, h = 0, bpp = 32, cpp;
	struct mdgpu_vfio dev;
	struct mdg_instance *in;
	struct mdg_system sys;
	const char *mode = NULL;
	struct mdgpu_scanout shot = { .fd = -1, .map = MAP_FAILED };
	int c, rc, ret;
	uint32_t status;
	uint64_t need;

	while ((c = getopt_long(argc, argv, "m:h", shot_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'h':
			fprintf(mdg_out, "%s\n", usage);
			return MDG_EXIT_OK;
		default:
			return MDG_EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return mdg_fail(MDG_EXIT_USAGE, "%s", usage);
	if (!mdg_uuid_valid(argv[optind], uuid))
		return mdg_fail(MDG_EXIT_USAGE, "'%s' is not a UUID",
				argv[optind]);
	if (mode && parse_mode(mode, &w, &h, &bpp))
		return MDG_EXIT_USAGE;

	ret = mdg_system_load(&sys);
	if (ret) {
		mdg_system_free(&sys);
		return mdg_fail(MDG_EXIT_FAIL, "reading sysfs: %s",
				strerror(-ret));
	}
	rc = mdg_require_loaded(&sys);
	in = rc ? NULL : mdg_find_instance(&sys, uuid);
	if (!rc && !in)
		rc = mdg_fail(MDG_EXIT_NOTFOUND, "no mdgpu instance %s", uuid);
	if (!rc && in->nr_holders) {
		mdg_fmt_holders(in, holders, sizeof(holders));
		rc = mdg_fail(MDG_EXIT_BUSY, "%s is in use by %s: %s", uuid,
			      holders, one_user);
	}
	mdg_system_free(&sys);
	if (rc)
		return rc;

	if (mdgpu_vfio_open_group(uuid, &dev) < 0) {
		ret = errno;
		mdgpu_vfio_close(&dev);
		if (ret == EBUSY)
			return mdg_fail(MDG_EXIT_BUSY,
					"%s is in use (its VFIO group is open): %s",
					uuid, one_user);
		if (ret == ENOENT)
			return mdg_fail(MDG_EXIT_NOTFOUND,
					"cannot open %s through VFIO: %s (is vfio_iommu_type1 loaded?)",
					uuid, strerror(ret));
		return mdg_fail(mdg_errno_exit(ret),
				"cannot open %s through VFIO: %s (%s)", uuid,
				strerror(ret), mdg_errno_name(ret));
	}
	if (mode && mdgpu_set_mode(dev.device, w, h, bpp)) {
		ret = errno;
		if (!mdgpu_reg_read32(dev.device, MDGPU_REG_DISPLAY_STATUS, &status) &&
		    ret == EINVAL)
			rc = mdg_fail(MDG_EXIT_REFUSED,
				      "%s refused the mode %ux%u at %u bpp: %s",
				      uuid, w, h, bpp, mode_error(status));
		else
			rc = mdg_fail(MDG_EXIT_FAIL,
				      "setting the mode of %s: %s (%s)", uuid,
				      strerror(ret), mdg_errno_name(ret));
		goto out;
	}

	if (mdgpu_scanout_map(dev.device, &shot)) {
		ret = errno;
		if (ret == ENODATA)
			rc = mdg_fail(MDG_EXIT_FAIL,
				      "the display of %s is off. A device opened through VFIO starts reset, with its display off; use --set-mode WIDTHxHEIGHT to show its VRAM in a mode of your choice",
				      uuid);
		else
			rc = mdg_fail(mdg_errno_exit(ret),
				      "reading the %s plane of %s: %s (%s)",
				      shot.dmabuf ? "dma-buf" : "region", uuid,
				      strerror(ret), mdg_errno_name(ret));
		goto out;
	}
	plane = shot.plane;
	cpp = mdgpu_fourcc_cpp(plane.drm_format);
	if (!cpp) {
		rc = mdg_fail(MDG_EXIT_FAIL, "%s shows format %.4s, which mdgpuctl cannot convert",
			      uuid, (char *)&plane.drm_format);
		goto out;
	}
	need = (uint64_t)(plane.height - 1) * plane.stride +
	       (uint64_t)plane.width * cpp;
	if (!plane.width || !plane.height || plane.stride < plane.width * cpp ||
	    plane.size < need) {
		rc = mdg_fail(MDG_EXIT_FAIL,
			      "%s reports an inconsistent plane: %ux%u stride %u size %u",
			      uuid, plane.width, plane.height, plane.stride,
			      plane.size);
		goto out;
	}
	ret = mdgpu_png_save(argv[optind + 1], shot.pix, plane.drm_format,
			     plane.width, plane.height, plane.stride);
	if (ret) {
		rc = mdg_fail(MDG_EXIT_FAIL, "cannot write %s: %s",
			      argv[optind + 1], strerror(-ret));
		goto out;
	}
	fprintf(mdg_out, "%s: %ux%u %.4s scanout (%s plane) saved to %s\n",
		uuid, plane.width, plane.height, (char *)&plane.drm_format,
		shot.dmabuf ? "dma-buf" : "region", argv[optind + 1]);
out:
	mdgpu_scanout_unmap(&shot);
	mdgpu_vfio_close(&dev);
	return rc;
}
