import { assembleProof, MERKLE_STORED_MIN_LEVEL, merkleHashFromHex, merkleHashToHex, nodeLeafRange, perfectSubtreeHash, planNodeIds } from '@vellum/core';
import type { IntegrityStore, MerkleNodeId, MerkleProofPlan } from '@vellum/core';

export type ProofStore = Pick<IntegrityStore, 'merkleNodes' | 'leafHashes'>;

/** Low nodes whose leaves lie this close together are recomputed from one read of the leaves between them. */
const MAX_LEAF_READ = 2 ** (MERKLE_STORED_MIN_LEVEL + 2);

/**
 * The proof a plan describes (inclusionProofPlan / consistencyProofPlan), as lowercase hex. Nodes of level ≥ K come
 * from the stored nodes in one query; the few below K (at most one per level on each path) are recomputed from
 * their leaves, read in as few ranges as possible. Never more than about 2 · log2 n nodes and 2^(K+2) leaves a
 * proof: nothing here grows with the log (README.md, "Serving a proof").
 *
 * Every node a plan names is complete in a tree no larger than the integrated one, so a stored node that is missing
 * means the store lost data: that is an error, not a shorter proof.
 */
export async function readProof(store: ProofStore, tenant: string, plan: MerkleProofPlan): Promise<string[]> {
  const ids = planNodeIds(plan);
  const hashes = new Map<string, Buffer>();
  const stored = ids.filter((id) => id.level >= MERKLE_STORED_MIN_LEVEL);
  if (stored.length > 0) {
    for (const node of await store.merkleNodes(tenant, stored)) hashes.set(key(node), merkleHashFromHex(node.hash));
  }
  for (const [id, hash] of await recomputeLowNodes(store, tenant, ids.filter((id) => id.level < MERKLE_STORED_MIN_LEVEL))) {
    hashes.set(key(id), hash);
  }
  const ordered = ids.map((id) => {
    const hash = hashes.get(key(id));
    if (hash === undefined) throw new Error(`Merkle node (level ${id.level}, index ${id.index}) of tenant ${tenant} is missing from the store`);
    return hash;
  });
  return assembleProof(plan, ordered).map(merkleHashToHex);
}

const key = (id: MerkleNodeId): string => `${id.level}/${id.index}`;

/** Hashes of nodes below the stored levels, from their leaves: nodes whose leaves are close share one read. */
async function recomputeLowNodes(store: ProofStore, tenant: string, ids: MerkleNodeId[]): Promise<Array<[MerkleNodeId, Buffer]>> {
  const byStart = ids.map((id) => ({ id, ...nodeLeafRange(id) })).sort((a, b) => a.start - b.start);
  const results: Array<[MerkleNodeId, Buffer]> = [];
  let i = 0;
  while (i < byStart.length) {
    // Grow a group while the span from its first leaf to the end of the next node stays within one bounded read.
    const first = byStart[i]!;
    let end = first.start + first.count;
    let j = i + 1;
    while (j < byStart.length && Math.max(end, byStart[j]!.start + byStart[j]!.count) - first.start <= MAX_LEAF_READ) {
      end = Math.max(end, byStart[j]!.start + byStart[j]!.count);
      j++;
    }
    // Positions count from 1; leaf index i is position i + 1.
    const leaves = await store.leafHashes(tenant, first.start + 1, end - first.start);
    if (leaves.length !== end - first.start) throw new Error(`tenant ${tenant}: expected ${end - first.start} leaves from position ${first.start + 1}, the store has ${leaves.length}`);
    for (const node of byStart.slice(i, j)) {
      const own = leaves.slice(node.start - first.start, node.start - first.start + node.count).map(merkleHashFromHex);
      results.push([node.id, perfectSubtreeHash(own)]);
    }
    i = j;
  }
  return results;
}
