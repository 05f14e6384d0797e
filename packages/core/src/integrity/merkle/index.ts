// The RFC 9162 Merkle tree over each tenant's event hashes: hashing, the O(log n) append state, proof plans and
// generation, and the two verifiers. Pure computation, no I/O; README.md says how a store persists the nodes.
export { MERKLE_EMPTY_ROOT, MERKLE_HASH_BYTES, isMerkleHash, merkleEmptyRoot, merkleHashesEqual, merkleLeafHash, merkleNodeHash } from './hash.ts';
export { merkleHashFromHex, merkleHashToHex, parseMerkleHashHex, parseMerkleHashListHex } from './hex.ts';
export { foldFromRight, nodeLeafRange, perfectSubtreeHash, perfectSubtrees, type MerkleNode, type MerkleNodeId } from './nodes.ts';
export {
  appendToFrontier,
  deserializeFrontier,
  emptyFrontier,
  frontierNodeIds,
  frontierRoot,
  makeFrontier,
  parseFrontier,
  serializeFrontier,
  type FrontierAppend,
  type MerkleFrontier,
  type SerializedFrontier,
} from './frontier.ts';
export {
  assembleProof,
  buildConsistencyProof,
  buildInclusionProof,
  consistencyProofPlan,
  inclusionProofPlan,
  planNodeIds,
  rootPlan,
  type MerkleProofPlan,
  type SubtreeHashSource,
} from './proofPlan.ts';
export { consistencyProofLength, inclusionProofLength } from './proofLength.ts';
export { MemoryMerkleTree } from './memoryTree.ts';
export { rootFromInclusionProof, verifyInclusion } from './verifyInclusion.ts';
export { verifyConsistency } from './verifyConsistency.ts';
