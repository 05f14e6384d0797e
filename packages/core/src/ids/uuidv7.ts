const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MAX_MS = 2 ** 48 - 1;

/**
 * RFC 9562 UUIDv7 from a millisecond clock reading and 10 random bytes (passed in: the core does no I/O).
 * Layout: 48-bit big-endian Unix ms, version 7 + 12 bits of `random[0..1]`, variant 0b10 + 62 bits of
 * `random[2..9]`. Ids sort by time, which keeps index inserts at the right edge of the B-tree.
 */
export function uuidv7(nowMs: number, random: Uint8Array): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > MAX_MS) throw new RangeError(`uuidv7: ${nowMs} is not a 48-bit millisecond timestamp`);
  if (random.length < 10) throw new RangeError(`uuidv7: needs 10 random bytes, got ${random.length}`);
  // 48 bits exceed 32-bit bitwise operators: split into the high 16 and low 32 bits.
  const hi = Math.floor(nowMs / 2 ** 32);
  const lo = nowMs >>> 0;
  const h = (b: number): string => HEX[b & 0xff] as string;
  const r = (i: number): number => random[i] as number;
  return (
    h(hi >>> 8) + h(hi) + h(lo >>> 24) + h(lo >>> 16) + '-' +
    h(lo >>> 8) + h(lo) + '-' +
    h(0x70 | (r(0) & 0x0f)) + h(r(1)) + '-' +
    h(0x80 | (r(2) & 0x3f)) + h(r(3)) + '-' +
    h(r(4)) + h(r(5)) + h(r(6)) + h(r(7)) + h(r(8)) + h(r(9))
  );
}
