import type { PruneRecord, RetentionPolicy, RetentionStore, TenantRetentionPolicy } from '@vellum/core';
import type { SqliteHalf } from './SqliteHalf.ts';
import type { SqliteRetentionStatements } from './retentionStatements.ts';

/** RetentionStore on SQLite (migration 6, retentionStatements.ts): reads on the main connection, writes on the writer thread. */
export class SqliteRetentionStore implements RetentionStore {
  readonly #half: SqliteHalf<SqliteRetentionStatements>;

  constructor(half: SqliteHalf<SqliteRetentionStatements>) {
    this.#half = half;
  }

  getPolicy(tenant: string): Promise<RetentionPolicy | null> {
    return this.#half.read((s) => s.getPolicy(tenant));
  }

  setPolicy(tenant: string, policy: RetentionPolicy): Promise<void> {
    return this.#half.write('setPolicy', tenant, policy);
  }

  clearPolicy(tenant: string): Promise<boolean> {
    return this.#half.write('clearPolicy', tenant);
  }

  listPolicies(): Promise<TenantRetentionPolicy[]> {
    return this.#half.read((s) => s.listPolicies());
  }

  lastPrune(tenant: string): Promise<PruneRecord | null> {
    return this.#half.read((s) => s.lastPrune(tenant));
  }

  prune(fromPrunedThrough: number, record: Omit<PruneRecord, 'eventsRemoved'>): Promise<PruneRecord | null> {
    return this.#half.write('prune', fromPrunedThrough, record);
  }
}
