import { merkleNodeHash } from '../integrity/merkle/hash.ts';
import { makeFrontier, type MerkleFrontier } from '../integrity/merkle/frontier.ts';
import type { MerkleNodeId } from '../integrity/merkle/nodes.ts';
import { bitLength } from '../integrity/merkle/treeMath.ts';

/**
 * The perfect subtrees that make up the leaves [start, end), left to right: from each position the largest subtree
 * aligned there that fits (a compact range, as transparency-dev calls it). Sizes first grow, then shrink.
 */
export function compactRangeIds(start: number, end: number): MerkleNodeId[] {
  const ids: MerkleNodeId[] = [];
  let position = start;
  while (position < end) {
    let level = 0;
    while (position % 2 ** (level + 1) === 0 && position + 2 ** (level + 1) <= end) level++;
    ids.push({ level, index: position / 2 ** level });
    position += 2 ** level;
  }
  return ids;
}

/**
 * The frontier of the tree of `end` leaves from the frontier of its first `frontier.size` leaves and the hashes of
 * the perfect subtrees that make up the leaves in between (compactRangeIds(frontier.size, end), left to right) — a
 * compact range joined to its right neighbour. Each subtree is aligned at the size it is appended at, so it merges
 * with the frontier like a carry in binary addition.
 *
 * Retention uses it twice: a pruned log's recorded frontier of [0, P) joined with stored nodes of [P, C) must give
 * the signed root of C before anything is deleted, and an archive of positions ..P verifies against a checkpoint
 * of C with the compact range of [P, C) kept beside it.
 */
export function extendFrontier(frontier: MerkleFrontier, end: number, hashes: readonly Uint8Array[]): MerkleFrontier {
  if (!Number.isSafeInteger(end) || end < frontier.size) throw new RangeError(`cannot extend a tree of ${frontier.size} leaves to ${end}`);
  const ids = compactRangeIds(frontier.size, end);
  if (hashes.length !== ids.length) throw new RangeError(`leaves ${frontier.size}..${end} are ${ids.length} perfect subtrees, got ${hashes.length} hashes`);
  // (level, hash) of the frontier's subtrees, largest first: the levels are the set bits of the size, high to low.
  const stack: Array<{ level: number; hash: Buffer }> = [];
  let i = 0;
  for (let level = bitLength(frontier.size) - 1; level >= 0; level--) {
    if (Math.floor(frontier.size / 2 ** level) % 2 === 1) stack.push({ level, hash: frontier.hashes[i++] as Buffer });
  }
  ids.forEach((id, k) => {
    let level = id.level;
    let hash: Buffer = Buffer.from(hashes[k] as Uint8Array);
    for (let top = stack.at(-1); top !== undefined && top.level === level; top = stack.at(-1)) {
      stack.pop();
      hash = merkleNodeHash(top.hash, hash);
      level++;
    }
    stack.push({ level, hash });
  });
  return makeFrontier(end, stack.map((entry) => entry.hash));
}
