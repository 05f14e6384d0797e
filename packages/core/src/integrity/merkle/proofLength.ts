import { bitLength, isPowerOfTwo, popcount, trailingZeros, xor } from './treeMath.ts';

// The length of a valid proof follows from the sizes alone. The verifiers check it before hashing anything: the
// RFC 9162 algorithms would reject a wrong length anyway, but only after up to 2 × 53 hashes of hostile input.

/**
 * Hashes in an inclusion proof for leafIndex < treeSize: the paths to leafIndex and to the last leaf part where
 * their indexes first differ (bit length of leafIndex XOR (treeSize − 1)); below that, siblings of a perfect
 * subtree, and above it one hash for each set bit of the left-border that remains.
 */
export function inclusionProofLength(leafIndex: number, treeSize: number): number {
  const inner = bitLength(xor(leafIndex, treeSize - 1));
  return inner + popcount(Math.floor(leafIndex / 2 ** inner));
}

/**
 * Hashes in a consistency proof for 0 < size1 < size2: the inclusion proof of leaf size1 − 1 in the tree of size2,
 * less the levels inside the largest perfect subtree that ends at size1 (its hash replaces them), plus that hash
 * itself unless it is the whole old tree, i.e. unless size1 is a power of two (RFC 9162 §2.1.4.2 step 2).
 */
export function consistencyProofLength(size1: number, size2: number): number {
  const shift = trailingZeros(size1);
  return inclusionProofLength(size1 - 1, size2) - shift + (isPowerOfTwo(size1) ? 0 : 1);
}
