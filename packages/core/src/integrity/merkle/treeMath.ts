// Tree sizes and indexes are JavaScript numbers (JSON carries them so), exact up to 2^53 − 1. JavaScript's bitwise
// operators work on 32 bits only, so the helpers below split a number into high and low 32-bit halves.

const TWO_32 = 2 ** 32;

/** A leaf count or index the tree can hold: a non-negative safe integer (hostile input: NaN, 1.5, -1, 2^64 fail). */
export function isTreeSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Number of bits needed to write x (0 for 0); x a non-negative safe integer. */
export function bitLength(x: number): number {
  const high = Math.floor(x / TWO_32);
  return high > 0 ? 64 - Math.clz32(high) : 32 - Math.clz32(x >>> 0);
}

function popcount32(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of set bits of a non-negative safe integer: the number of perfect subtrees in a tree of that size. */
export function popcount(x: number): number {
  return popcount32(Math.floor(x / TWO_32)) + popcount32(x % TWO_32);
}

/** Number of trailing zero bits of a positive safe integer. */
export function trailingZeros(x: number): number {
  const low = x % TWO_32;
  if (low !== 0) return 31 - Math.clz32(low & -low);
  return 32 + 31 - Math.clz32(Math.floor(x / TWO_32) & -Math.floor(x / TWO_32));
}

/** k of RFC 9162 §2.1.1: the largest power of two smaller than n, for n ≥ 2 — where every MTH splits its leaves. */
export function splitPoint(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

/** True when x is 2^j for some j ≥ 0. */
export function isPowerOfTwo(x: number): boolean {
  return x > 0 && popcount(x) === 1;
}

/** Bitwise XOR of two non-negative safe integers. */
export function xor(a: number, b: number): number {
  const high = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) >>> 0;
  const low = ((a % TWO_32) ^ (b % TWO_32)) >>> 0;
  return high * TWO_32 + low;
}
