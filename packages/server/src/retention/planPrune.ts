import {
  compactRangeIds, encodeCursor, extendFrontier, frontierNodeIds, frontierRoot, makeFrontier, MERKLE_STORED_MIN_LEVEL,
  merkleHashesEqual, merkleHashFromHex, merkleHashToHex, nodeLeafRange, perfectSubtreeHash, pruneCut, retentionCutoff,
} from '@vellum/core';
import type { CheckpointRecord, MerkleNodeId, PruneRecord, RetentionPolicy } from '@vellum/core';
import type { VellumStore } from '../store/VellumStore.ts';

/** Events read per page while looking for the first one too young to prune. */
const SCAN_PAGE = 1000;

/** What a prune will do, computed and checked before anything is written. */
export interface PrunePlan {
  tenant: string;
  /** The previous prune point (0 if none): the compare-and-set value. */
  from: number;
  /** The new prune point P. */
  through: number;
  checkpoint: CheckpointRecord;
  /** The compact range [0, P), lowercase hex. */
  frontier: string[];
  /** The compact range [P, checkpoint size), lowercase hex: what an archive ending at P needs to reach the checkpoint. */
  rest: string[];
}

export type PlanOutcome = { plan: PrunePlan } | { plan: null; reason: string; prunedThrough: number };

/**
 * Where the tenant's log can be cut now under `policy` (pruneCut: old enough, covered by the latest signed
 * checkpoint, 16-aligned, the head kept), with the frontier of the cut read from stored nodes. Before a prune is
 * allowed, the recorded frontier joined with the nodes after it must give the signed checkpoint's root: a store
 * whose nodes do not add up must not lose the leaves that could still show it.
 */
export async function planPrune(store: VellumStore, tenant: string, policy: Pick<RetentionPolicy, 'keepDays'>, now: number): Promise<PlanOutcome> {
  const [last, checkpoint, head] = await Promise.all([store.retention.lastPrune(tenant), store.latestCheckpoint(tenant), store.headPosition(tenant)]);
  const from = last?.prunedThrough ?? 0;
  const nothing = (reason: string): PlanOutcome => ({ plan: null, reason, prunedThrough: from });
  if (checkpoint === null) return nothing('the tenant has no signed checkpoint yet');
  const limit = Math.min(checkpoint.treeSize, head - 1);
  const cutoff = retentionCutoff(now, policy.keepDays);
  const firstKept = await firstRecordedSince(store, tenant, from, limit, cutoff);
  const through = pruneCut({ firstKept, checkpointSize: checkpoint.treeSize, head, prunedThrough: from });
  if (through === null) return nothing(`no run of 16 events older than ${cutoff} beyond position ${from}, covered by the latest checkpoint (size ${checkpoint.treeSize}) and short of the head`);

  const frontierIds = frontierNodeIds(through);
  const restIds = compactRangeIds(through, checkpoint.treeSize);
  const hashes = await nodeHashes(store, tenant, [...frontierIds, ...restIds]);
  const frontier = hashes.slice(0, frontierIds.length);
  const rest = hashes.slice(frontierIds.length);
  const joined = extendFrontier(makeFrontier(through, frontier.map(merkleHashFromHex)), checkpoint.treeSize, rest.map(merkleHashFromHex));
  if (!merkleHashesEqual(frontierRoot(joined), merkleHashFromHex(checkpoint.rootHash))) {
    throw new Error(`tenant ${tenant}: the stored Merkle nodes do not add up to the root of checkpoint ${checkpoint.treeSize}; refusing to prune (run vellum verify)`);
  }
  return { plan: { tenant, from, through, checkpoint, frontier, rest } };
}

/** The first position after `from`, up to `limit` + 1, whose event was recorded at or after `cutoff`. */
async function firstRecordedSince(store: VellumStore, tenant: string, from: number, limit: number, cutoff: string): Promise<number> {
  let after = from;
  while (after < limit) {
    const page = await store.search(tenant, { order: 'asc', limit: SCAN_PAGE, cursor: encodeCursor({ k: after }) });
    for (const event of page.events) {
      if (event.position !== after + 1) return after + 1; // a hole: stop there, prune nothing past it
      if (event.recordedAt >= cutoff) return event.position;
      after = event.position;
      if (after >= limit) return after + 1;
    }
    if (page.events.length === 0) return after + 1;
  }
  return after + 1;
}

/** Hashes of these nodes in order: stored ones from the store, lower ones recomputed from their (retained) leaves. */
async function nodeHashes(store: VellumStore, tenant: string, ids: readonly MerkleNodeId[]): Promise<string[]> {
  const stored = ids.filter((id) => id.level >= MERKLE_STORED_MIN_LEVEL);
  const found = new Map((await store.merkleNodes(tenant, stored)).map((n) => [`${n.level}/${n.index}`, n.hash]));
  const out: string[] = [];
  for (const id of ids) {
    let hash = found.get(`${id.level}/${id.index}`);
    if (hash === undefined && id.level < MERKLE_STORED_MIN_LEVEL) {
      const { start, count } = nodeLeafRange(id);
      const leaves = await store.leafHashes(tenant, start + 1, count);
      if (leaves.length === count) hash = merkleHashToHex(perfectSubtreeHash(leaves.map(merkleHashFromHex)));
    }
    if (hash === undefined) throw new Error(`tenant ${tenant}: Merkle node (level ${id.level}, index ${id.index}) is missing from the store; refusing to prune`);
    out.push(hash);
  }
  return out;
}

/** The record a prune keeps (the store fills in the count). */
export function pruneRecordOf(plan: PrunePlan, archive: string | null, at: string): Omit<PruneRecord, 'eventsRemoved'> {
  return {
    tenant: plan.tenant,
    prunedThrough: plan.through,
    frontier: plan.frontier,
    checkpointSize: plan.checkpoint.treeSize,
    checkpointNote: plan.checkpoint.note,
    archive,
    prunedAt: at,
  };
}
