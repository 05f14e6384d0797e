import { hash } from 'node:crypto';

/** SHA-256 output length: every leaf, node and root hash in the tree is this long (RFC 9162 §2.1.1). */
export const MERKLE_HASH_BYTES = 32;

// Domain-separation prefixes of RFC 9162 §2.1.1: without them an interior node could be passed off as a leaf
// whose data is the concatenation of its two children (a second-preimage attack on the tree).
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/**
 * MTH({}) = SHA-256 of the empty string (RFC 9162 §2.1.1): the root of a tree with no leaves. Shared — never write
 * into it; merkleEmptyRoot() returns a copy.
 */
export const MERKLE_EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

/** Returns a copy of the empty-tree root, so a caller cannot mutate the shared constant by accident. */
export function merkleEmptyRoot(): Buffer {
  return Buffer.from(MERKLE_EMPTY_ROOT);
}

/**
 * Leaf hash MTH({d}) = SHA-256(0x00 ‖ d) (RFC 9162 §2.1.1). A Vellum event hash is already this value (sealEvent.ts
 * hashes 0x00 ‖ JCS(event)), so stores feed event hashes straight into the tree and never call this for events.
 */
export function merkleLeafHash(data: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + data.byteLength);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return hash('sha256', input, 'buffer');
}

// One scratch buffer for the common 32 + 32 case: node hashing is the whole cost of building trees and checking
// proofs, and crypto.hash is synchronous, so reusing it is safe and saves an allocation per node.
const scratch = Buffer.allocUnsafe(1 + 2 * MERKLE_HASH_BYTES);
scratch[0] = NODE_PREFIX;

/**
 * Interior node hash SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1). Children of any length are accepted (the
 * published RFC 6962 hasher vector hashes two 4-byte strings); the tree itself only ever passes 32-byte hashes.
 */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.byteLength === MERKLE_HASH_BYTES && right.byteLength === MERKLE_HASH_BYTES) {
    scratch.set(left, 1);
    scratch.set(right, 1 + MERKLE_HASH_BYTES);
    return hash('sha256', scratch, 'buffer');
  }
  const input = Buffer.allocUnsafe(1 + left.byteLength + right.byteLength);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.byteLength);
  return hash('sha256', input, 'buffer');
}

/** True for a Uint8Array (Buffer included) of exactly MERKLE_HASH_BYTES bytes; false for anything else. */
export function isMerkleHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === MERKLE_HASH_BYTES;
}

/** Byte-wise equality of two hashes (public data, so no constant-time comparison is needed). */
export function merkleHashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
