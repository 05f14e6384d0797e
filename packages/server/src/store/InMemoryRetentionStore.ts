import type { InMemoryEventStore, PruneRecord, RetentionPolicy, RetentionStore, TenantRetentionPolicy } from '@vellum/core';

/**
 * RetentionStore in process memory (the `memory:` store), pruning the in-memory log beside it. prune's
 * compare-and-set needs no lock: it checks and writes without awaiting in between.
 */
export class InMemoryRetentionStore implements RetentionStore {
  readonly #policies = new Map<string, RetentionPolicy>();
  readonly #prunes = new Map<string, PruneRecord>();

  constructor(readonly events: Pick<InMemoryEventStore, 'pruneThrough'>) {}

  getPolicy(tenant: string): Promise<RetentionPolicy | null> {
    const policy = this.#policies.get(tenant);
    return Promise.resolve(policy === undefined ? null : { ...policy });
  }

  setPolicy(tenant: string, policy: RetentionPolicy): Promise<void> {
    this.#policies.set(tenant, { keepDays: policy.keepDays, archive: policy.archive, updatedAt: policy.updatedAt });
    return Promise.resolve();
  }

  clearPolicy(tenant: string): Promise<boolean> {
    return Promise.resolve(this.#policies.delete(tenant));
  }

  listPolicies(): Promise<TenantRetentionPolicy[]> {
    const all = [...this.#policies].map(([tenant, policy]) => ({ tenant, ...policy }));
    return Promise.resolve(all.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0)));
  }

  lastPrune(tenant: string): Promise<PruneRecord | null> {
    const record = this.#prunes.get(tenant);
    return Promise.resolve(record === undefined ? null : structuredClone(record));
  }

  prune(fromPrunedThrough: number, record: Omit<PruneRecord, 'eventsRemoved'>): Promise<PruneRecord | null> {
    const current = this.#prunes.get(record.tenant)?.prunedThrough ?? 0;
    if (current !== fromPrunedThrough || record.prunedThrough <= current) return Promise.resolve(null);
    const eventsRemoved = this.events.pruneThrough(record.tenant, record.prunedThrough);
    const kept: PruneRecord = { ...structuredClone(record), eventsRemoved };
    this.#prunes.set(record.tenant, kept);
    return Promise.resolve(structuredClone(kept));
  }
}
