import { isMerkleHash, merkleHashesEqual, merkleNodeHash } from './hash.ts';
import { inclusionProofLength } from './proofLength.ts';
import { isTreeSize } from './treeMath.ts';

/**
 * The root that an inclusion proof implies for leafHash at leafIndex in a tree of treeSize leaves, following
 * RFC 9162 §2.1.3.2; undefined when the proof cannot be valid for those numbers (index out of range, sizes not
 * safe integers, wrong proof length, any hash not 32 bytes). Never throws.
 */
export function rootFromInclusionProof(leafHash: Uint8Array, leafIndex: number, treeSize: number, proof: readonly Uint8Array[]): Buffer | undefined {
  // Step 1: leaf_index must be below tree_size (and both must be numbers this code can shift exactly).
  if (!isTreeSize(leafIndex) || !isTreeSize(treeSize) || leafIndex >= treeSize) return undefined;
  if (!isMerkleHash(leafHash) || !Array.isArray(proof)) return undefined;
  if (proof.length !== inclusionProofLength(leafIndex, treeSize)) return undefined;
  // An index loop, not every(): every() skips the holes of a sparse array, which would reach the hashing as undefined.
  for (let i = 0; i < proof.length; i++) if (!isMerkleHash(proof[i])) return undefined;

  // Steps 2–3.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  // Step 4. fn and sn are the node indexes of r's subtree and of the last subtree on that level; halving them
  // (right-shift, done with Math.floor because sizes may exceed 32 bits) climbs one level.
  for (const p of proof) {
    if (sn === 0) return undefined; // 4a: the proof is longer than the path to the root.
    if (fn % 2 === 1 || fn === sn) {
      r = merkleNodeHash(p, r); // r is a right child (or the last node, whose sibling is to the left).
      if (fn % 2 === 0) {
        // fn === sn on the right border: levels where the last node has no right sibling are skipped.
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = merkleNodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5: the path must have reached the root exactly.
  return sn === 0 ? r : undefined;
}

/**
 * RFC 9162 §2.1.3.2: true when proof shows that leafHash is leaf leafIndex (counting from 0) of the tree of treeSize
 * leaves whose root is root. False for every malformed input — wrong lengths, out-of-range or non-integer numbers,
 * non-byte-array values — and never throws.
 */
export function verifyInclusion(leafHash: Uint8Array, leafIndex: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isMerkleHash(root)) return false;
  const computed = rootFromInclusionProof(leafHash, leafIndex, treeSize, proof);
  return computed !== undefined && merkleHashesEqual(computed, root);
}
