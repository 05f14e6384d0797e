import { isMerkleHash, merkleHashesEqual, merkleNodeHash } from './hash.ts';
import { consistencyProofLength } from './proofLength.ts';
import { isPowerOfTwo, isTreeSize } from './treeMath.ts';

/**
 * RFC 9162 §2.1.4.2: true when proof shows that the tree of size1 leaves with root root1 is a prefix of the tree of
 * size2 leaves with root root2 — the log was only appended to. Never throws; false for malformed input.
 *
 * The RFC defines the check for 0 < size1 < size2. At the edges this follows transparency-dev/merkle (whose
 * published vectors it passes): equal sizes are consistent exactly when the proof is empty and the roots are the
 * same bytes; a proof from size 0 is refused (an empty tree is a prefix of every tree, so it would prove nothing and
 * is more likely a client bug than a question); size1 > size2 is refused.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): boolean {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 > size2 || !Array.isArray(proof)) return false;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array)) return false;
  if (size1 === size2) return proof.length === 0 && merkleHashesEqual(root1, root2);
  if (size1 === 0) return false;
  if (!isMerkleHash(root1) || !isMerkleHash(root2)) return false;
  // Step 1 (an empty path fails) is implied: no valid proof for 0 < size1 < size2 is empty.
  if (proof.length !== consistencyProofLength(size1, size2)) return false;
  // An index loop, not every(): every() skips the holes of a sparse array, which would reach the hashing as undefined.
  for (let i = 0; i < proof.length; i++) if (!isMerkleHash(proof[i])) return false;

  // Step 2: when size1 is a power of two the old root is itself a node of the new tree, so the server leaves it out
  // and the verifier starts from root1.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4: climb past the levels where the old tree's last node is a right child inside a perfect subtree.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5: fr rebuilds the old root, sr the new one, from the same starting node.
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr = fr;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      // c is a left sibling: part of both trees.
      fr = merkleNodeHash(c, fr);
      sr = merkleNodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      // c is a right sibling: leaves appended after size1, only in the new tree.
      sr = merkleNodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  return sn === 0 && merkleHashesEqual(fr, root1) && merkleHashesEqual(sr, root2);
}
