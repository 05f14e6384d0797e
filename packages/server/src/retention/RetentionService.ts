import { isVellumError, VellumError } from '@vellum/core';
import type { PruneRecord, RetentionPolicy } from '@vellum/core';
import type { FastifyBaseLogger } from 'fastify';
import type { VellumStore } from '../store/VellumStore.ts';
import { planPrune, pruneRecordOf, type PrunePlan } from './planPrune.ts';
import { writeArchive, type ArchiveKey } from './writeArchive.ts';

/** What one run for one tenant did (or, dry, would do). */
export interface RetentionRunResult {
  tenant: string;
  dryRun: boolean;
  /** True when events were removed by this run. */
  pruned: boolean;
  /** The prune point after the run (dry: the one it would reach). */
  prunedThrough: number;
  /** Events removed (dry: that would be). */
  eventsRemoved: number;
  /** The checkpoint the cut was bounded by, when there was a cut. */
  checkpointSize: number | null;
  /** The archive's events file, when one was written. */
  archive: string | null;
  /** Why nothing was pruned. */
  reason?: string;
}

export interface RetentionServiceOptions {
  store: VellumStore;
  archiveDir: string;
  key: ArchiveKey;
  now: () => number;
  log: FastifyBaseLogger;
  /** After a prune landed (audit, metrics); awaited, so an audit event is in before the run answers. */
  onPruned: (record: PruneRecord, request: unknown) => Promise<void>;
  onOutcome?: (outcome: 'pruned' | 'nothing' | 'failed') => void;
}

/**
 * Applies retention policies: one tenant on request (POST /v1/retention/run), or every tenant with a policy (the
 * sweeper). One run per tenant at a time on this node; across nodes the store's compare-and-set on the prune
 * point decides, so a tenant is never pruned twice at once. Order: plan (read only) → archive (if asked; a failure
 * stops the run) → prune (one transaction) → audit.
 */
export class RetentionService {
  readonly #options: RetentionServiceOptions;
  readonly #running = new Set<string>();

  constructor(options: RetentionServiceOptions) {
    this.#options = options;
  }

  async run(tenant: string, policy: RetentionPolicy, options: { dryRun: boolean; request?: unknown }): Promise<RetentionRunResult> {
    const { store, now } = this.#options;
    const base = { tenant, dryRun: options.dryRun, pruned: false, eventsRemoved: 0, checkpointSize: null, archive: null };
    if (this.#running.has(tenant)) {
      return { ...base, prunedThrough: (await store.retention.lastPrune(tenant))?.prunedThrough ?? 0, reason: 'a run for this tenant is in progress on this node' };
    }
    this.#running.add(tenant);
    try {
      const outcome = await planPrune(store, tenant, policy, now());
      if (outcome.plan === null) {
        this.#options.onOutcome?.('nothing');
        return { ...base, prunedThrough: outcome.prunedThrough, reason: outcome.reason };
      }
      const { plan } = outcome;
      const counted = { prunedThrough: plan.through, eventsRemoved: plan.through - plan.from, checkpointSize: plan.checkpoint.treeSize };
      if (options.dryRun) return { ...base, ...counted };

      let archive: string | null = null;
      if (policy.archive) {
        const previous = plan.from === 0 ? [] : ((await store.retention.lastPrune(tenant))?.frontier ?? []);
        archive = (await this.#writeArchive(plan, previous)).events;
      }
      const record = await store.retention.prune(plan.from, pruneRecordOf(plan, archive, new Date(now()).toISOString()));
      if (record === null) {
        this.#options.onOutcome?.('nothing');
        const latest = (await store.retention.lastPrune(tenant))?.prunedThrough ?? 0;
        return { ...base, prunedThrough: latest, reason: 'another node pruned this tenant meanwhile' };
      }
      this.#options.onOutcome?.('pruned');
      this.#options.log.info({ tenant, prunedThrough: record.prunedThrough, eventsRemoved: record.eventsRemoved, checkpointSize: record.checkpointSize, archive }, 'retention pruned');
      await this.#options.onPruned(record, options.request);
      return { ...base, pruned: true, prunedThrough: record.prunedThrough, eventsRemoved: record.eventsRemoved, checkpointSize: record.checkpointSize, archive };
    } catch (error) {
      this.#options.onOutcome?.('failed');
      throw error;
    } finally {
      this.#running.delete(tenant);
    }
  }

  /**
   * The archive, or ARCHIVE_FAILED saying where and why (a full disk, a directory that is not one, no permission):
   * the operator must fix the node's retention.archiveDir, and should not have to dig the cause out of a 500.
   */
  async #writeArchive(plan: PrunePlan, previous: readonly string[]): Promise<{ events: string }> {
    const { store, archiveDir, key } = this.#options;
    try {
      return await writeArchive(store, plan, previous, archiveDir, key);
    } catch (error) {
      if (isVellumError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new VellumError('ARCHIVE_FAILED', {
        message: `The retention archive of tenant ${plan.tenant} could not be written under ${archiveDir}: ${reason}. Nothing was pruned; fix the directory (retention.archiveDir) and run again.`,
        cause: error,
      });
    }
  }

  /** Every tenant with a policy, one after another; a failure is logged and the sweep goes on with the next. */
  async sweep(): Promise<RetentionRunResult[]> {
    const results: RetentionRunResult[] = [];
    for (const { tenant, ...policy } of await this.#options.store.retention.listPolicies()) {
      try {
        results.push(await this.run(tenant, policy, { dryRun: false }));
      } catch (err) {
        this.#options.log.error({ err, tenant }, 'retention run failed; the next sweep retries it');
      }
    }
    return results;
  }
}
