import { MERKLE_HASH_BYTES } from './hash.ts';

// The JSON wire format (DESIGN.md, Integrity) carries hashes as lowercase hex. Only the canonical spelling is
// accepted, so a hash has exactly one textual form and string comparisons elsewhere stay meaningful.
const HASH_HEX = /^[0-9a-f]{64}$/;

/** Lowercase hex of any bytes (a hash, a leaf hash, a root). */
export function merkleHashToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses a 64-character lowercase hex hash; undefined for anything else (never throws, for hostile input). */
export function parseMerkleHashHex(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !HASH_HEX.test(value)) return undefined;
  const bytes = Buffer.from(value, 'hex');
  return bytes.byteLength === MERKLE_HASH_BYTES ? bytes : undefined;
}

/** Like parseMerkleHashHex but throws a TypeError naming what was wrong: for trusted data such as persisted state. */
export function merkleHashFromHex(value: string): Buffer {
  const bytes = parseMerkleHashHex(value);
  if (bytes === undefined) throw new TypeError(`not a lowercase hex SHA-256 hash: ${JSON.stringify(String(value).slice(0, 80))}`);
  return bytes;
}

/**
 * Parses a JSON array of hex hashes (a proof's `hashes`). Undefined when it is not an array, is longer than
 * maxLength, or any element is not a lowercase hex hash. maxLength bounds the work a hostile document can cause:
 * for a tree of at most 2^53 − 1 leaves no valid inclusion proof has more than 53 hashes, no consistency proof more
 * than 54, so the default leaves room without letting a megabyte of hashes through.
 */
export function parseMerkleHashListHex(value: unknown, maxLength = 128): Buffer[] | undefined {
  if (!Array.isArray(value) || value.length > maxLength) return undefined;
  const hashes: Buffer[] = [];
  for (const element of value as unknown[]) {
    const bytes = parseMerkleHashHex(element);
    if (bytes === undefined) return undefined;
    hashes.push(bytes);
  }
  return hashes;
}
