// SPDX-License-Identifier: GPL-2.0-only
/*
 * fake-sysfs - build mdgpuctl's standard fake sysfs tree (populated from
 * Documentation/ABI, tests/fake_tree.c) and print its root; the tree is
 * left for the caller (tests/e2e.sh) to use and remove.
 */
#include <stdio.h>

#include "mdgpuctl.h"
#include "../mdgpuctl/tests/fake_tree.h"

int main(void)
{
	if (fake_standard())
		return 1;
	printf("%s\n", mdg_root());
	return 0;
}
