/**
 * Retention (issue 5): per-tenant policies, and pruning that keeps what remains verifiable.
 *
 * A prune removes a prefix of a tenant's log, positions 1..P, and keeps in its place a prune record: the compact
 * range of the first P leaves (the frontier of the tree of size P). The frontier plus the retained leaves rebuild
 * the root of every later tree size, so signed checkpoints and proofs of retained events stay checkable. The store
 * deletes and records in one transaction, guarded by the previous prune point (compare-and-set), so two nodes can
 * never prune one tenant twice and a crash leaves either the old or the new state.
 */

/** A tenant's policy: keep events `keepDays` days after they were recorded; write an archive before pruning. */
export interface RetentionPolicy {
  /** 1..36500. */
  keepDays: number;
  archive: boolean;
  /** ISO 8601 UTC, when it was last set. */
  updatedAt: string;
}

export const RETENTION_MIN_DAYS = 1;
export const RETENTION_MAX_DAYS = 36_500;

/** One prune, as recorded before the events are deleted. */
export interface PruneRecord {
  tenant: string;
  /** Positions 1..prunedThrough are gone; a multiple of 16 (MERKLE_STORED_MIN_LEVEL). */
  prunedThrough: number;
  /** The compact range [0, prunedThrough): lowercase hex hashes of its perfect subtrees, largest first. */
  frontier: string[];
  /** The signed checkpoint the cut was bounded by (prunedThrough ≤ its size). */
  checkpointSize: number;
  checkpointNote: string;
  /** The archive file written first, or null. */
  archive: string | null;
  /** Events this prune removed (positions previous prunedThrough + 1 .. prunedThrough). */
  eventsRemoved: number;
  /** ISO 8601 UTC. */
  prunedAt: string;
}

export interface TenantRetentionPolicy extends RetentionPolicy {
  tenant: string;
}

export interface RetentionStore {
  getPolicy(tenant: string): Promise<RetentionPolicy | null>;
  setPolicy(tenant: string, policy: RetentionPolicy): Promise<void>;
  /** Resolves true when there was a policy to remove. */
  clearPolicy(tenant: string): Promise<boolean>;
  /** Every tenant's policy, by tenant id (the sweeper's work list). */
  listPolicies(): Promise<TenantRetentionPolicy[]>;
  /** The latest prune of the tenant, or null if it was never pruned. */
  lastPrune(tenant: string): Promise<PruneRecord | null>;
  /**
   * In one transaction: when the tenant's latest prune is still at `fromPrunedThrough` (0 for none), deletes its
   * events at positions ≤ `record.prunedThrough` and keeps `record` with `eventsRemoved` set to the rows deleted;
   * resolves that record. When another prune moved first, changes nothing and resolves null.
   */
  prune(fromPrunedThrough: number, record: Omit<PruneRecord, 'eventsRemoved'>): Promise<PruneRecord | null>;
}
