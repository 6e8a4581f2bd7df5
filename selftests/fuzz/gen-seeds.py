#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# gen-seeds.py - write the seed corpus of each fuzz harness into corpus/.
#
# Usage: gen-seeds.py
#
# The seeds are committed; this script documents how each was made and
# rewrites them all. Each seed is one well-formed input a harness decodes
# (see the input layout at the top of each fuzz_*.c), so the fuzzer starts
# from valid layouts, tables, commands, rings and modes.
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def u8(v): return struct.pack('<B', v)
def u16(v): return struct.pack('<H', v)
def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)


def write(harness, name, data):
    d = os.path.join(here, 'corpus', harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# cfg_space: layout, then { kind u8 (0 write, 1 read, 2 INTx), off u16,
# len u16, data }.
def cfg_op(kind, off, data=b'', length=None):
    n = len(data) if length is None else length
    return u8(kind) + u16(off) + u16(n) + data


layout = u64(64 << 20) + u32(4096)
write('cfg_space', 'bar-sizing', layout +
      cfg_op(0, 0x10, b'\xff' * 8) + cfg_op(1, 0x10, length=8) +
      cfg_op(0, 0x18, b'\xff' * 4) + cfg_op(1, 0x18, length=4))
write('cfg_space', 'command-status', layout +
      cfg_op(0, 0x04, u16(0x0407) + u16(0xffff)) + cfg_op(2, 1) +
      cfg_op(1, 0x04, length=4) + cfg_op(2, 0))
write('cfg_space', 'msi-enable', layout +
      cfg_op(0, 0x44, u32(0xfee00000) + u32(0) + u16(0x4021)) +
      cfg_op(0, 0x42, u16(1)) + cfg_op(1, 0x40, length=16))
write('cfg_space', 'out-of-range', layout +
      cfg_op(0, 0xfc, b'\x01' * 8) + cfg_op(1, 0x100, length=1) +
      cfg_op(1, 0, length=256))
write('cfg_space', 'bad-layout', u64(3 << 20) + u32(4096))

# reg_table: first offset u32, count u8, entries { delta u16, len u16,
# sizes u8, flags u8 (1 writable, 2 read handler, 4 write handler,
# 8 lockless), kind u8 (bits 0-1: 0 handlers, 1 constant, 2 field; bits
# 2-6: the constant or the field's offset) }, the register file's size
# u16, then accesses { off u32, size u8, value u32 }. Shaped like BAR2:
# a blob, VGA and DISPI arrays, QEXT, a constant ID, a lockless SCRATCH
# field, a read-only field, a field with a write handler (a doorbell) and
# an engine array with handlers.
def kind(k, arg=0):
    return u8(k | arg << 2)


bar2 = [(0x000, 0x400, 7, 2, kind(0)), (0x400, 0x20, 3, 7, kind(0)),
        (0x500, 0x16, 2, 7, kind(0)), (0x600, 0x8, 4, 7, kind(0)),
        (0x800, 0x4, 4, 0, kind(1, 0x15)), (0x810, 0x4, 4, 9, kind(2, 4)),
        (0x814, 0x4, 4, 0, kind(2, 8)), (0x910, 0x4, 4, 5, kind(2, 12)),
        (0x920, 0xe0, 4, 7, kind(0))]
table = u32(bar2[0][0]) + u8(len(bar2))
prev = bar2[0][0]
for off, length, sizes, flags, k in bar2:
    table += u16(off - prev) + u16(length) + u8(sizes) + u8(flags) + k
    prev = off
table += u16(0x1000)
accesses = b''.join(u32(o) + u8(s) + u32(v) for o, s, v in [
    (0x000, 4, 0), (0x3fe, 2, 0), (0x401, 1, 0x55), (0x502, 2, 640),
    (0x503, 2, 1), (0x604, 4, 0), (0x800, 4, 1), (0x810, 4, 7),
    (0x812, 2, 7), (0x814, 4, 3), (0x910, 4, 1), (0x914, 4, 1),
    (0x9fe, 4, 0), (0x1000, 4, 0), (0x414, 1, 0), (0x41f, 1, 0),
    (0x514, 2, 0), (0x9fc, 4, 0), (0x3fc, 4, 0), (0xfff, 1, 0)])
write('reg_table', 'bar2-like', table + accesses)
# Found by the fuzzer: an entry shorter than an access size it accepts
# (3 bytes, 4-byte accesses) took a 4-byte access running past its end.
write('reg_table', 'short-entry', u32(0x100) + u8(1) + u16(3) + u8(5) +
      u8(2) + kind(0) + u16(0x200) + u32(0x100) + u8(4) + u32(0) +
      u32(0x102) + u8(1) + u32(0))
write('reg_table', 'overlap', u32(0x10) + u8(2) + u16(8) + u8(4) + u8(7) +
      kind(0) + u16(4) + u16(8) + u8(4) + u8(7) + kind(0) + u16(0x100))
# An entry reaching past the end of the register file: no index.
write('reg_table', 'past-end', u32(0xff0) + u8(1) + u16(0x20) + u8(4) +
      u8(2) + kind(0) + u16(0x1000) + u32(0xff0) + u8(4) + u32(0))
# Constants and fields that break the rules: writable constant, misaligned
# field, field of 8 bytes.
write('reg_table', 'bad-kinds', u32(0x0) + u8(3) + u16(4) + u8(4) +
      u8(1) + kind(1, 3) + u16(4) + u16(4) + u8(4) + u8(1) + kind(2, 2) +
      u16(4) + u16(8) + u8(4) + u8(0) + kind(2, 0) + u16(0x100))


# cmd: VRAM selector (odd: 4 KiB << n real buffer, even: large), dwords.
def hdr(op, flags, ndw):
    return u32(op | flags << 8 | ndw << 16)


def a64(v):
    return u32(v & 0xffffffff) + u32(v >> 32)


nop = hdr(0, 0, 2) + u32(0)
fill = hdr(1, 0, 7) + a64(0x1000) + u32(256) + u32(16) + u32(1024) + \
    u32(0x11223344)
copy = hdr(2, 0, 9) + a64(0x1000) + a64(0x8000) + u32(100) + u32(8) + \
    u32(1024) + u32(512)
dma = hdr(3, 1, 7) + a64(0x100000) + a64(0x2000) + u32(8192) + u32(0)
fence = hdr(4, 3, 4) + u32(7) + a64(0xff0)
stamp = hdr(5, 0, 3) + a64(0x3000)
compute = hdr(6, 0, 2) + u32(150)
small = u8(1 | 4 << 1)          # 64 KiB, a real buffer
for name, c in [('nop', nop), ('fill', fill), ('copy', copy), ('dma', dma),
                ('fence', fence), ('timestamp', stamp),
                ('compute', compute)]:
    write('cmd', name, small + c)
write('cmd', 'all-ops', small + nop + fill + copy + dma + fence + stamp +
      compute)
# Commands that end exactly at the end of a 64 KiB VRAM: a check off by
# one byte is one mutation away.
end = 64 << 10
edge = (hdr(1, 0, 7) + a64(end - 7 * 256 - 64) + u32(64) + u32(8) +
        u32(256) + u32(1) +
        hdr(2, 0, 9) + a64(0) + a64(end - 3 * 100 - 10) + u32(10) + u32(4) +
        u32(100) + u32(100) +
        hdr(3, 0, 7) + a64(0x100000) + a64(end - 4096) + u32(4096) + u32(0) +
        hdr(4, 2, 4) + u32(1) + a64(end - 4) +
        hdr(5, 0, 3) + a64(end - 8))
write('cmd', 'vram-end', small + edge)
big_fill = hdr(1, 0, 7) + a64(0) + u32(4) + u32(16384) + u32(4096) + u32(0)
write('cmd', 'large-vram', u8(2 << 1) + big_fill + dma + copy)

# ring: base u64, size u32, VRAM size u64, steps { kind u8 (0 TAIL,
# 1 consume, 2 read), value u32 }.
steps = b''.join(u8(k) + u32(v) for k, v in [
    (0, 0x100), (1, 3), (1, 0), (2, 1020), (0, 0x10), (1, 100), (0, 0xffc),
    (1, 7), (0, 0x1001)])
write('ring', 'wrap', u64(0x10000) + u32(0x1000) + u64(1 << 20) + steps)
write('ring', 'at-vram-end', u64(1 << 20) + u32(0x100000) + u64(2 << 20) +
      steps)
write('ring', 'bad-base', u64(0x10800) + u32(0x1000) + u64(1 << 20))


# display_mode: VRAM u64, max width u16, max height u16, 11 DISPI u16,
# EDID requests { width u16, height u16, length u16 }.
def dispi(xres, yres, bpp, virt_w=0, xoff=0, yoff=0):
    regs = [0xb0c5, xres, yres, bpp, 0x41, 0, virt_w, 0, xoff, yoff, 0]
    return b''.join(u16(r) for r in regs)


edid = u16(1024) + u16(768) + u16(128) + u16(4095) + u16(4095) + u16(256)
write('display_mode', 'small-fb', u64(256 << 10) + u16(1024) + u16(768) +
      dispi(320, 200, 16, 320, 0, 100) + edid)
write('display_mode', 'page-flip', u64(1 << 20) + u16(640) + u16(480) +
      dispi(400, 300, 32, 400, 400, 0) + edid)
write('display_mode', 'exact-fit', u64(320 * 200 * 2) + u16(320) +
      u16(200) + dispi(320, 200, 16) + edid)
write('display_mode', 'large', u64(64 << 20) + u16(2560) + u16(1600) +
      dispi(2560, 1600, 24) + u16(640) + u16(480) + u16(300))
