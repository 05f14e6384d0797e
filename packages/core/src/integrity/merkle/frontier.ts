import { isMerkleHash, MERKLE_EMPTY_ROOT, merkleNodeHash } from './hash.ts';
import { merkleHashToHex, parseMerkleHashHex } from './hex.ts';
import { foldFromRight, perfectSubtrees, type MerkleNode, type MerkleNodeId } from './nodes.ts';
import { isTreeSize, popcount } from './treeMath.ts';

/**
 * The right border of a tree of `size` leaves — what transparency-dev calls a compact range [0, size): the hashes of
 * its perfect subtrees, one per set bit of size, largest (leftmost) first. It is all a log needs to keep to append in
 * O(log n) and to know its current root, so a store persists it (serializeFrontier) next to the leaves and never
 * rebuilds the tree.
 */
export interface MerkleFrontier {
  readonly size: number;
  readonly hashes: readonly Buffer[];
}

/** What an append produced: the new frontier and every perfect subtree the new leaf completed, leaf first. */
export interface FrontierAppend {
  readonly frontier: MerkleFrontier;
  /**
   * The new leaf (level 0) and each node it completed, bottom-up: appending leaf n completes one node per trailing
   * one bit of n. These are the nodes a store persists to serve proofs without reading all leaves (see README.md).
   */
  readonly completed: readonly MerkleNode[];
}

/** The frontier as JSON: the size and lowercase hex hashes — at most 53 of them, so about 3.5 KB at worst. */
export interface SerializedFrontier {
  readonly size: number;
  readonly hashes: readonly string[];
}

const EMPTY: MerkleFrontier = Object.freeze({ size: 0, hashes: Object.freeze([]) as readonly Buffer[] });

/** The frontier of the empty tree. */
export function emptyFrontier(): MerkleFrontier {
  return EMPTY;
}

/**
 * Appends one leaf hash (an event hash). Costs one SHA-256 per trailing one bit of the old size — at most log2(n) —
 * and returns a new frontier; the old one is untouched, so a store can drop the result if its transaction aborts.
 */
export function appendToFrontier(frontier: MerkleFrontier, leafHash: Uint8Array): FrontierAppend {
  if (!isMerkleHash(leafHash)) throw new TypeError('a leaf hash is 32 bytes');
  const size = frontier.size;
  if (!Number.isSafeInteger(size + 1)) throw new RangeError('the tree is full (2^53 − 1 leaves)');
  const hashes = frontier.hashes.slice();
  let carry: Buffer = Buffer.from(leafHash);
  const completed: MerkleNode[] = [{ level: 0, index: size, hash: carry }];
  // Like binary increment: each trailing one bit of size is a perfect subtree of that height ending just before the
  // new leaf; it merges with the carry into the next height up (RFC 9162 §2.1.1: left sibling first).
  let level = 0;
  while (Math.floor(size / 2 ** level) % 2 === 1) {
    carry = merkleNodeHash(hashes.pop() as Buffer, carry);
    level++;
    completed.push({ level, index: Math.floor(size / 2 ** level), hash: carry });
  }
  hashes.push(carry);
  return { frontier: Object.freeze({ size: size + 1, hashes: Object.freeze(hashes) }), completed };
}

/** MTH of the whole tree (RFC 9162 §2.1.1): the frontier folded from the right; the empty-string hash for size 0. */
export function frontierRoot(frontier: MerkleFrontier): Buffer {
  return frontier.size === 0 ? Buffer.from(MERKLE_EMPTY_ROOT) : foldFromRight(frontier.hashes);
}

/** Which perfect subtrees the frontier's hashes are, in the same order: to rebuild it from persisted nodes. */
export function frontierNodeIds(size: number): MerkleNodeId[] {
  return perfectSubtrees(0, size);
}

/** A frontier from its size and hashes (e.g. read back from nodes a store persisted); throws if they do not fit. */
export function makeFrontier(size: number, hashes: readonly Uint8Array[]): MerkleFrontier {
  if (!isTreeSize(size)) throw new RangeError(`not a tree size: ${String(size)}`);
  if (hashes.length !== popcount(size)) throw new RangeError(`a tree of ${size} leaves has ${popcount(size)} frontier hashes, got ${hashes.length}`);
  if (!hashes.every(isMerkleHash)) throw new TypeError('frontier hashes are 32 bytes');
  return Object.freeze({ size, hashes: Object.freeze(hashes.map((h) => Buffer.from(h))) });
}

export function serializeFrontier(frontier: MerkleFrontier): SerializedFrontier {
  return { size: frontier.size, hashes: frontier.hashes.map(merkleHashToHex) };
}

/** Parses a SerializedFrontier; undefined when the value is malformed (wrong size, hash count or hash spelling). */
export function parseFrontier(value: unknown): MerkleFrontier | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { size, hashes } = value as { size?: unknown; hashes?: unknown };
  if (!isTreeSize(size) || !Array.isArray(hashes) || hashes.length !== popcount(size)) return undefined;
  const parsed: Buffer[] = [];
  for (const element of hashes as unknown[]) {
    const bytes = parseMerkleHashHex(element);
    if (bytes === undefined) return undefined;
    parsed.push(bytes);
  }
  return Object.freeze({ size, hashes: Object.freeze(parsed) });
}

/** parseFrontier for persisted state, which should never be malformed: throws instead of returning undefined. */
export function deserializeFrontier(value: unknown): MerkleFrontier {
  const frontier = parseFrontier(value);
  if (frontier === undefined) throw new TypeError('malformed Merkle frontier: want { size, hashes } with one lowercase hex hash per set bit of size');
  return frontier;
}
