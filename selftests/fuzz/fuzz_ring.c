// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing ring placement and pointer arithmetic (drivers/ring.c): any
 * RING_BASE, RING_SIZE and VRAM size, then the guest moving TAIL anywhere
 * and the engine consuming commands of any length. A ring the check accepts
 * lies inside VRAM; the engine's pointers stay valid (aligned, below the
 * size); every read of the ring, split where it wraps, stays inside the
 * ring; the used count matches a plain modular difference.
 *
 * Input: base (u64), size (u32), VRAM size (u64), then steps of
 * { kind u8, value u32 }.
 */
#include "fuzz.h"
#include "mdgpu_cmd.h"

static bool ref_ring_ok(u64 base, u32 size, u64 vram_size)
{
	return !(base % MDGPU_RING_ALIGN) && size >= MDGPU_RING_SIZE_MIN &&
	       size <= MDGPU_RING_SIZE_MAX && !(size & (size - 1)) &&
	       (__uint128_t)base + size <= vram_size;
}

/* A read of @bytes at @ptr, split as the engine splits it. */
static void check_read(u64 base, u32 size, u64 vram_size, u32 ptr, u32 bytes)
{
	u32 first = mdgpu_ring_contig(ptr, bytes, size);

	FZ_CHECK(first <= bytes && (u64)ptr + first <= size,
		 "contig %u of %u at %u, size %u", first, bytes, ptr, size);
	FZ_CHECK(first == bytes || (u64)ptr + first == size,
		 "read split before the ring's end");
	FZ_CHECK(bytes - first <= size, "wrapped part of %u bytes",
		 bytes - first);
	FZ_CHECK(base + ptr + first <= vram_size && base + bytes - first <=
		 vram_size, "ring read outside VRAM");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz_input in = { data, size };
	u64 base = fz_u64(&in);
	u32 rsize = fz_u32(&in);
	u64 vram_size = fz_u64(&in);
	u32 head = 0, tail = 0;
	int steps = 0;
	bool ok;

	/* Keep the interesting sizes likely: small powers of two. */
	if (rsize & 0x80000000)
		rsize = 1U << (rsize & 31);
	ok = !mdgpu_ring_check(base, rsize, vram_size);
	FZ_CHECK(ok == ref_ring_ok(base, rsize, vram_size),
		 "ring %#llx+%#x in %#llx: check said %d",
		 (unsigned long long)base, rsize,
		 (unsigned long long)vram_size, ok);
	if (!ok)
		return 0;

	while (in.left && steps++ < 256) {
		u8 kind = fz_u8(&in);
		u32 val = fz_u32(&in), used, n;

		used = mdgpu_ring_used(head, tail, rsize);
		FZ_CHECK(used < rsize && !(used & 3) &&
			 used == (u32)(((u64)tail + rsize - head) % rsize),
			 "used %u for head %u tail %u", used, head, tail);
		switch (kind % 3) {
		case 0:
			/* The guest writes TAIL; the engine takes only valid ones. */
			if (mdgpu_ring_ptr_valid(val, rsize)) {
				FZ_CHECK(!(val & 3) && val < rsize, "bad TAIL %u", val);
				tail = val;
			} else {
				FZ_CHECK((val & 3) || val >= rsize,
					 "valid TAIL %u refused", val);
			}
			break;
		case 1:
			/* Consume a command of up to the dwords available. */
			if (!used)
				break;
			n = 4 * (1 + val % (used / 4));
			check_read(base, rsize, vram_size, head, 4);
			check_read(base, rsize, vram_size,
				   mdgpu_ring_advance(head, 4, rsize), n - 4);
			head = mdgpu_ring_advance(head, n, rsize);
			FZ_CHECK(mdgpu_ring_ptr_valid(head, rsize),
				 "HEAD %u after %u bytes", head, n);
			FZ_CHECK(mdgpu_ring_used(head, tail, rsize) == used - n,
				 "used %u after consuming %u of %u",
				 mdgpu_ring_used(head, tail, rsize), n, used);
			break;
		default:
			/* Any read length the engine could ask for. */
			check_read(base, rsize, vram_size, head,
				   val % (MDGPU_CMD_MAX_NDW * 4 + 1));
			break;
		}
	}
	return 0;
}
