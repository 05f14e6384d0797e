/**
 * What the integrity features (RFC 9162 Merkle tree per tenant, signed checkpoints, proofs) need from a store.
 *
 * The tree follows the log rather than sitting in the append transaction: an integrator reads the leaf hashes
 * committed since the tree's size (positions are gapless, so "since" is exact), appends them to the persisted
 * frontier — O(log n) per leaf, never a rebuild — and stores the state and the completed interior nodes in one
 * transaction, guarded by the size it started from so that two nodes integrating the same tenant cannot both
 * win. Ingestion pays nothing for it; a checkpoint signs only sizes the tree has reached.
 */

/** A tenant's tree: its size (leaves integrated) and the frontier (hex hashes of the perfect subtrees, largest first). */
export interface MerkleTreeState {
  size: number;
  frontier: string[];
}

/** A perfect subtree: the 2^level leaves from index · 2^level; `hash` lowercase hex. */
export interface MerkleNodeRecord {
  level: number;
  index: number;
  hash: string;
}

/** A checkpoint as signed and kept: the C2SP tlog-checkpoint signed note and what it says. */
export interface CheckpointRecord {
  tenant: string;
  treeSize: number;
  /** Lowercase hex. */
  rootHash: string;
  /** The signed note text, exactly as served. */
  note: string;
  createdAt: string;
}

/** Interior nodes of levels below this are not stored; they are recomputed from at most 2^(K-1) leaves. */
export const MERKLE_STORED_MIN_LEVEL = 4;

export interface IntegrityStore {
  /** Event hashes (lowercase hex) of positions fromPosition, fromPosition+1, … in order; at most `limit`, fewer at the head. */
  leafHashes(tenant: string, fromPosition: number, limit: number): Promise<string[]>;
  /** The persisted tree; `{ size: 0, frontier: [] }` before the first integration. */
  treeState(tenant: string): Promise<MerkleTreeState>;
  /**
   * In one transaction: when the stored size is still `fromSize`, insert `nodes` (only those of level ≥
   * MERKLE_STORED_MIN_LEVEL are kept; a store may ignore the rest) and store `next`; resolves true. When another
   * writer moved the tree first, changes nothing and resolves false.
   */
  advanceTree(tenant: string, fromSize: number, next: MerkleTreeState, nodes: readonly MerkleNodeRecord[]): Promise<boolean>;
  /** The stored nodes among `ids` (any order; missing ones are simply absent). */
  merkleNodes(tenant: string, ids: ReadonlyArray<{ level: number; index: number }>): Promise<MerkleNodeRecord[]>;
  /** Tenants whose log has events the tree has not integrated yet. */
  tenantsBehind(): Promise<string[]>;
  /** Keeps a checkpoint; a second one for the same tenant and size is ignored (signing is deterministic per node key). */
  saveCheckpoint(checkpoint: CheckpointRecord): Promise<void>;
  /** The checkpoint with the largest tree size, or null. */
  latestCheckpoint(tenant: string): Promise<CheckpointRecord | null>;
  /** The checkpoint of exactly this size, or null. */
  checkpointAt(tenant: string, treeSize: number): Promise<CheckpointRecord | null>;
}
