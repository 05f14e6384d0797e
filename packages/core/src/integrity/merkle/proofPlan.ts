import { foldFromRight, perfectSubtrees, type MerkleNodeId } from './nodes.ts';
import { isTreeSize, splitPoint } from './treeMath.ts';

/**
 * Which node hashes a proof is made of, computed from the sizes alone (no I/O). Each entry is one proof hash: the
 * MTH of a range, given as that range's perfect subtrees, largest first (usually just one). A store fetches
 * planNodeIds(plan) in one query — from persisted nodes or by hashing leaves — and assembleProof turns them into the
 * proof. Entries are in proof order: bottom (next to the leaf) first, as RFC 9162 §2.1.3.1/§2.1.4.1 list them.
 */
export type MerkleProofPlan = readonly (readonly MerkleNodeId[])[];

/**
 * PATH(m, D[n]) of RFC 9162 §2.1.3.1 for leafIndex m in a tree of treeSize n: walking down from the root, each split
 * at k (largest power of two < n) contributes the MTH of the half the leaf is not in. Throws a RangeError unless
 * 0 ≤ leafIndex < treeSize (both safe integers).
 */
export function inclusionProofPlan(leafIndex: number, treeSize: number): MerkleProofPlan {
  if (!isTreeSize(leafIndex) || !isTreeSize(treeSize) || leafIndex >= treeSize) {
    throw new RangeError(`no inclusion proof for leaf ${String(leafIndex)} in a tree of ${String(treeSize)}`);
  }
  const topDown: MerkleNodeId[][] = [];
  let start = 0;
  let n = treeSize;
  let m = leafIndex;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      topDown.push(perfectSubtrees(start + k, start + n));
      n = k;
    } else {
      topDown.push(perfectSubtrees(start, start + k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return topDown.reverse();
}

/**
 * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1 for size1 = m, size2 = n. Empty when m = n.
 * Throws a RangeError unless 0 < size1 ≤ size2: RFC 9162 defines no proof from the empty tree (it is trivially a
 * prefix of every tree, and a proof could not show anything).
 */
export function consistencyProofPlan(size1: number, size2: number): MerkleProofPlan {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 === 0 || size1 > size2) {
    throw new RangeError(`no consistency proof from tree size ${String(size1)} to ${String(size2)}`);
  }
  const topDown: MerkleNodeId[][] = [];
  let start = 0;
  let m = size1;
  let n = size2;
  // b of SUBPROOF: whether the subtree of size m still is the whole old tree, whose root the verifier has.
  let haveOldRoot = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      topDown.push(perfectSubtrees(start + k, start + n));
      n = k;
    } else {
      topDown.push(perfectSubtrees(start, start + k));
      start += k;
      m -= k;
      n -= k;
      haveOldRoot = false;
    }
  }
  // SUBPROOF(m, D[m], false) = {MTH(D[m])}: the verifier needs this subtree of the old tree to start from.
  if (!haveOldRoot) topDown.push(perfectSubtrees(start, start + m));
  return topDown.reverse();
}

/** The perfect subtrees whose hashes fold into the root of a tree of treeSize leaves (none for the empty tree). */
export function rootPlan(treeSize: number): readonly MerkleNodeId[] {
  if (!isTreeSize(treeSize)) throw new RangeError(`not a tree size: ${String(treeSize)}`);
  return perfectSubtrees(0, treeSize);
}

/** Every node a plan needs, in the order assembleProof expects their hashes. */
export function planNodeIds(plan: MerkleProofPlan): MerkleNodeId[] {
  return plan.flat();
}

/** Builds the proof from the hashes of planNodeIds(plan), given in that order. */
export function assembleProof(plan: MerkleProofPlan, nodeHashes: readonly Uint8Array[]): Buffer[] {
  const expected = plan.reduce((sum, entry) => sum + entry.length, 0);
  if (nodeHashes.length !== expected) throw new RangeError(`the plan needs ${expected} node hashes, got ${nodeHashes.length}`);
  const proof: Buffer[] = [];
  let offset = 0;
  for (const entry of plan) {
    proof.push(foldFromRight(nodeHashes.slice(offset, offset + entry.length)));
    offset += entry.length;
  }
  return proof;
}

/**
 * Hash of the perfect subtree at (level, index) — from persisted interior nodes, or recomputed from leaves with
 * perfectSubtreeHash. Only ever asked for nodes that are complete in the tree the proof is for.
 */
export interface SubtreeHashSource {
  subtreeHash(level: number, index: number): Uint8Array;
}

function resolve(source: SubtreeHashSource, plan: MerkleProofPlan): Buffer[] {
  return assembleProof(plan, planNodeIds(plan).map((id) => source.subtreeHash(id.level, id.index)));
}

/** Inclusion proof (RFC 9162 §2.1.3.1) for a synchronous source; async stores use the plan functions directly. */
export function buildInclusionProof(source: SubtreeHashSource, leafIndex: number, treeSize: number): Buffer[] {
  return resolve(source, inclusionProofPlan(leafIndex, treeSize));
}

/** Consistency proof (RFC 9162 §2.1.4.1) for a synchronous source. */
export function buildConsistencyProof(source: SubtreeHashSource, size1: number, size2: number): Buffer[] {
  return resolve(source, consistencyProofPlan(size1, size2));
}
