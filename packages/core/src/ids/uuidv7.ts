/** RFC 9562 UUIDv7 from a millisecond clock reading and 10 random bytes (passed in: the core does no I/O). */
export function uuidv7(nowMs: number, random: Uint8Array): string {
  void nowMs; void random;
  throw new Error('not implemented');
}
