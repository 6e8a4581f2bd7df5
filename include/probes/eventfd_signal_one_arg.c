// SPDX-License-Identifier: GPL-2.0-only
/* Probe: eventfd_signal() takes only the context (v6.8+). */
#include <linux/eventfd.h>

void mdgpu_probe(struct eventfd_ctx *ctx);
void mdgpu_probe(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}
