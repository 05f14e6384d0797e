import { merkleNodeHash } from './hash.ts';
import { bitLength } from './treeMath.ts';

/**
 * A perfect subtree: the 2^level leaves [index · 2^level, (index + 1) · 2^level). Level 0 nodes are the leaves.
 * Once complete such a subtree never changes as the log grows, so its hash is what a store persists and what every
 * proof is assembled from, whatever tree size the proof is for.
 */
export interface MerkleNodeId {
  readonly level: number;
  readonly index: number;
}

/** A perfect subtree together with its hash. */
export interface MerkleNode extends MerkleNodeId {
  readonly hash: Buffer;
}

/** First leaf covered by a node and the number of leaves it covers. */
export function nodeLeafRange(node: MerkleNodeId): { start: number; count: number } {
  const count = 2 ** node.level;
  return { start: node.index * count, count };
}

/**
 * The perfect subtrees, largest first, whose concatenation is the leaves [start, end). Every subtree that RFC 9162
 * §2.1.1's MTH recursion produces — D[0:n] and each D[k:n] on the right — starts at a multiple of the power of two
 * at or above its size, so this binary decomposition is aligned and each part is a node of the tree.
 */
export function perfectSubtrees(start: number, end: number): MerkleNodeId[] {
  const nodes: MerkleNodeId[] = [];
  let position = start;
  const size = end - start;
  for (let level = bitLength(size) - 1; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      nodes.push({ level, index: position / width });
      position += width;
    }
  }
  return nodes;
}

/**
 * MTH of a range from the hashes of its perfect subtrees (largest first): RFC 9162 §2.1.1 splits off the largest
 * power of two on the left each time, so the range hash is h0 ‖ (h1 ‖ (h2 ‖ …)) — a fold from the right.
 * Requires at least one hash.
 */
export function foldFromRight(hashes: readonly Uint8Array[]): Buffer {
  let last = hashes.length - 1;
  const seed = hashes[last];
  if (seed === undefined) throw new RangeError('foldFromRight needs at least one hash');
  // A copy, not a view: proofs built from a memoised tree must not alias its state (a caller may mutate them).
  let acc: Buffer = Buffer.from(seed);
  while (--last >= 0) acc = merkleNodeHash(hashes[last] as Uint8Array, acc);
  return acc;
}

/**
 * Hash of a perfect subtree from its 2^j descendants at some lower level, left to right (e.g. from its leaf hashes):
 * pairs are combined level by level. Lets a store that persists only upper levels recompute a lower node from leaves.
 */
export function perfectSubtreeHash(descendants: readonly Uint8Array[]): Buffer {
  const count = descendants.length;
  if (count === 0 || (count & (count - 1)) !== 0) throw new RangeError(`perfectSubtreeHash needs 2^j hashes, got ${count}`);
  let row: Uint8Array[] = [...descendants];
  while (row.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(merkleNodeHash(row[i] as Uint8Array, row[i + 1] as Uint8Array));
    row = next;
  }
  return Buffer.from(row[0] as Uint8Array);
}
