// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu: command ring placement checks and pointer arithmetic.
 *
 * Pure logic over plain data. A ring is RING_SIZE bytes (a power of two) at
 * RING_BASE in the vGPU's VRAM; HEAD and TAIL are byte offsets into it, so
 * all arithmetic is modulo the size. HEAD == TAIL means empty: a ring holds
 * at most RING_SIZE - 4 bytes of commands.
 */
#include <linux/log2.h>
#include <linux/minmax.h>

#include "mdgpu_cmd.h"

/**
 * mdgpu_ring_check() - validate a ring's placement
 * @base: RING_BASE, a byte offset in VRAM
 * @size: RING_SIZE in bytes
 * @vram_size: the vGPU's VRAM size
 *
 * Return: MDGPU_ERR_NONE if @base is MDGPU_RING_ALIGN aligned, @size is a
 * power of two from MDGPU_RING_SIZE_MIN to MDGPU_RING_SIZE_MAX and the ring
 * lies inside VRAM; MDGPU_ERR_RING otherwise.
 */
int mdgpu_ring_check(u64 base, u32 size, u64 vram_size)
{
	if (base & (MDGPU_RING_ALIGN - 1))
		return MDGPU_ERR_RING;
	if (!is_power_of_2(size) || size < MDGPU_RING_SIZE_MIN ||
	    size > MDGPU_RING_SIZE_MAX)
		return MDGPU_ERR_RING;
	if (base >= vram_size || vram_size - base < size)
		return MDGPU_ERR_RING;
	return MDGPU_ERR_NONE;
}

/**
 * mdgpu_ring_ptr_valid() - is @ptr a valid HEAD or TAIL of a ring?
 * @ptr: byte offset
 * @size: the ring's (valid) size
 *
 * Return: true if @ptr is dword aligned and below @size.
 */
bool mdgpu_ring_ptr_valid(u32 ptr, u32 size)
{
	return !(ptr & 3) && ptr < size;
}

/**
 * mdgpu_ring_used() - bytes of commands between HEAD and TAIL
 * @head: HEAD, valid for @size
 * @tail: TAIL, valid for @size
 * @size: the ring's size, a power of two
 *
 * Return: (@tail - @head) modulo @size.
 */
u32 mdgpu_ring_used(u32 head, u32 tail, u32 size)
{
	return (tail - head) & (size - 1);
}

/**
 * mdgpu_ring_advance() - move a ring pointer forward
 * @ptr: the pointer, valid for @size
 * @bytes: how far, at most @size
 * @size: the ring's size, a power of two
 *
 * Return: (@ptr + @bytes) modulo @size.
 */
u32 mdgpu_ring_advance(u32 ptr, u32 bytes, u32 size)
{
	return (ptr + bytes) & (size - 1);
}

/**
 * mdgpu_ring_contig() - how much of a read fits before the ring's end
 * @ptr: where the read starts, valid for @size
 * @bytes: how much is read
 * @size: the ring's size
 *
 * Return: the bytes from @ptr up to the end of the ring, at most @bytes;
 * the rest of the read continues at offset 0.
 */
u32 mdgpu_ring_contig(u32 ptr, u32 bytes, u32 size)
{
	return min(bytes, size - ptr);
}
