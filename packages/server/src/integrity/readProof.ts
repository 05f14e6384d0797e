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
  const stored = ids.filter((id) => id.level >= MERKLE_STORED_MIN_LEVEL);
  // Independent reads, so concurrent: on PostgreSQL each takes a pooled connection of its own.
  const [storedNodes, lowNodes] = await Promise.all([
    stored.length === 0 ? [] : store.merkleNodes(tenant, stored),
    recomputeLowNodes(store, tenant, ids.filter((id) => id.level < MERKLE_STORED_MIN_LEVEL)),
  ]);
  const hashes = new Map<string, Buffer>();
  for (const node of storedNodes) hashes.set(key(node), merkleHashFromHex(node.hash));
  for (const [id, hash] of lowNodes) hashes.set(key(id), hash);
  const ordered = ids.map((id) => {
    const hash = hashes.get(key(id));
    if (hash === undefined) throw new Error(`Merkle node (level ${id.level}, index ${id.index}) of tenant ${tenant} is missing from the store`);
    return hash;
  });
  return assembleProof(plan, ordered).map(merkleHashToHex);
}

/**
 * Whether the proof would need a leaf that retention removed: nodes of stored levels survive a prune, and a prune
 * point is a multiple of 2^K, so only a node below K that starts before the prune point needs pruned leaves.
 */
export function needsPrunedLeaves(plan: MerkleProofPlan, prunedThrough: number): boolean {
  return prunedThrough > 0 && planNodeIds(plan).some((id) => id.level < MERKLE_STORED_MIN_LEVEL && nodeLeafRange(id).start < prunedThrough);
}

const key = (id: MerkleNodeId): string => `${id.level}/${id.index}`;

/** Hashes of nodes below the stored levels, from their leaves: nodes whose leaves are close share one read. */
async function recomputeLowNodes(store: ProofStore, tenant: string, ids: MerkleNodeId[]): Promise<Array<[MerkleNodeId, Buffer]>> {
  const byStart = ids.map((id) => ({ id, ...nodeLeafRange(id) })).sort((a, b) => a.start - b.start);
  // Group nodes whose leaves lie close together: from a group's first leaf to the end of its last node stays
  // within one bounded read.
  const groups: Array<typeof byStart> = [];
  for (const node of byStart) {
    const group = groups.at(-1);
    if (group !== undefined && node.start + node.count - group[0]!.start <= MAX_LEAF_READ) group.push(node);
    else groups.push([node]);
  }
  const read = await Promise.all(
    groups.map(async (group) => {
      const start = group[0]!.start;
      const end = Math.max(...group.map((n) => n.start + n.count));
      // Positions count from 1; leaf index i is position i + 1.
      const leaves = await store.leafHashes(tenant, start + 1, end - start);
      if (leaves.length !== end - start) throw new Error(`tenant ${tenant}: expected ${end - start} leaves from position ${start + 1}, the store has ${leaves.length}`);
      return group.map((n): [MerkleNodeId, Buffer] => [n.id, perfectSubtreeHash(leaves.slice(n.start - start, n.start - start + n.count).map(merkleHashFromHex))]);
    }),
  );
  return read.flat();
}
