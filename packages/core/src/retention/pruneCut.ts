import { MERKLE_STORED_MIN_LEVEL } from '../store/IntegrityStore.ts';

/** The cut is rounded down to a multiple of this: every node a retained leaf's proof needs on the pruned side is stored. */
export const PRUNE_ALIGNMENT = 2 ** MERKLE_STORED_MIN_LEVEL;

const DAY_MS = 86_400_000;

/** Events recorded before this instant (ISO 8601 UTC) are past a policy of `keepDays` days at `now` (epoch ms). */
export function retentionCutoff(now: number, keepDays: number): string {
  return new Date(now - keepDays * DAY_MS).toISOString();
}

export interface PruneCutInput {
  /** The first position, above the current prune point, whose event was recorded at or after the cutoff; head + 1 if none. */
  firstKept: number;
  /** The size of the tenant's latest signed checkpoint (0 without one). */
  checkpointSize: number;
  /** The tenant's head position. */
  head: number;
  /** Where the last prune left off (0 if never pruned). */
  prunedThrough: number;
}

/**
 * Where to cut (docs/integrity.md, "Retention"): the largest P such that every event at positions ≤ P is old
 * enough, P is covered by a signed checkpoint (so what remains can be checked against a root someone may hold),
 * at least one event remains (the head position must survive: positions are never reused), and P is a multiple
 * of 16 (proofs of retained events then need only stored nodes on the pruned side, never a pruned leaf).
 * Null when that cut would prune nothing new.
 */
export function pruneCut(input: PruneCutInput): number | null {
  const limit = Math.min(input.firstKept - 1, input.checkpointSize, input.head - 1);
  const cut = Math.floor(Math.max(0, limit) / PRUNE_ALIGNMENT) * PRUNE_ALIGNMENT;
  return cut > input.prunedThrough ? cut : null;
}
