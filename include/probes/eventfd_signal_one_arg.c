// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe: eventfd_signal() takes only the context (v6.8+).
 * HAVE: the one-argument call compiles. LACK: the older call with a count
 * compiles.
 */
#include <linux/eventfd.h>

void mdgpu_probe(struct eventfd_ctx *ctx);
void mdgpu_probe(struct eventfd_ctx *ctx)
{
#if defined(MDGPU_PROBE_HAVE)
	eventfd_signal(ctx);
#elif defined(MDGPU_PROBE_LACK)
	eventfd_signal(ctx, 1);
#endif
}
