/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the libFuzzer harnesses of mdgpu's pure decoders: reading typed
 * values from the fuzzer's input, and checking invariants.
 *
 * A harness turns its input into calls of the decoder as the driver makes
 * them, and checks after each call what must hold whatever the guest wrote:
 * bounds against VRAM, ring and buffer sizes, error codes that agree with a
 * plain reference check. A broken invariant prints what broke and aborts,
 * and libFuzzer keeps the input. Out-of-bounds accesses and undefined
 * behaviour are caught by ASan and UBSan, with the buffers the decoders
 * touch allocated to their exact size.
 */
#ifndef MDGPU_FUZZ_H
#define MDGPU_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "mdgpu_shim.h"

struct fz_input {
	const u8 *p;
	size_t left;
};

/* The next @n bytes as a little-endian number; zeros once the input ends. */
static inline u64 fz_take(struct fz_input *in, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n && in->left; i++, in->p++, in->left--)
		v |= (u64)in->p[0] << (8 * i);
	return v;
}

static inline u8 fz_u8(struct fz_input *in)
{
	return fz_take(in, 1);
}

static inline u16 fz_u16(struct fz_input *in)
{
	return fz_take(in, 2);
}

static inline u32 fz_u32(struct fz_input *in)
{
	return fz_take(in, 4);
}

static inline u64 fz_u64(struct fz_input *in)
{
	return fz_take(in, 8);
}

#define FZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s: ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fprintf(stderr, "\n");				\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#endif /* MDGPU_FUZZ_H */
