// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu_kunit.ko: KUnit tests of mdgpu's pure logic. Each *_test.c file
 * includes the source file it tests, so the tests see its static helpers
 * and this module does not depend on mdgpu.ko.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for mdgpu's allocator, config space, register tables, types, engine commands, rings, simulated VRAM, the core's VRAM access helpers, the engine's execution core (mock backend), CPU executor, progress watchdog and chunk charging, min_share's text, reservations, migration stream and VRAM dirty tracking");
