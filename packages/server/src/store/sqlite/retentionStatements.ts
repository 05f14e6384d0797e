import type { PruneRecord, RetentionPolicy, TenantRetentionPolicy } from '@vellum/core';
import type { SqliteConnection } from './SqliteConnection.ts';
import type { StatementCache } from './StatementCache.ts';

const RUN_COLUMNS = 'tenant, pruned_through, frontier, checkpoint_size, checkpoint_note, archive, events_removed, pruned_at';

const SQL = {
  getPolicy: 'SELECT keep_days, archive, updated_at FROM retention_policies WHERE tenant = ?',
  setPolicy: `INSERT INTO retention_policies (tenant, keep_days, archive, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant) DO UPDATE SET keep_days = excluded.keep_days, archive = excluded.archive, updated_at = excluded.updated_at`,
  clearPolicy: 'DELETE FROM retention_policies WHERE tenant = ?',
  listPolicies: 'SELECT tenant, keep_days, archive, updated_at FROM retention_policies ORDER BY tenant',
  lastPrune: `SELECT ${RUN_COLUMNS} FROM retention_runs WHERE tenant = ? ORDER BY pruned_through DESC LIMIT 1`,
  prunedThrough: 'SELECT MAX(pruned_through) FROM retention_runs WHERE tenant = ?',
  insertPermit: 'INSERT INTO retention_permits (tenant, through) VALUES (?, ?)',
  deletePermit: 'DELETE FROM retention_permits WHERE tenant = ?',
  deleteTags: 'DELETE FROM event_tags WHERE tenant = ? AND position <= ?',
  deleteFields: 'DELETE FROM event_fields WHERE tenant = ? AND position <= ?',
  deleteEvents: 'DELETE FROM events WHERE tenant = ? AND position <= ?',
  // Each pruned stream's last pruned version, so a stream the prune empties keeps its version (migration 9).
  keepStreamVersions: `INSERT INTO stream_floors (tenant, stream, version)
    SELECT tenant, stream, MAX(stream_version) FROM events WHERE tenant = ? AND position <= ? GROUP BY stream
    ON CONFLICT (tenant, stream) DO UPDATE SET version = MAX(version, excluded.version)`,
  insertRun: `INSERT INTO retention_runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
} as const;

interface PolicyRow {
  tenant: string;
  keep_days: number;
  archive: number;
  updated_at: string;
}

interface RunRow {
  tenant: string;
  pruned_through: number;
  frontier: string;
  checkpoint_size: number;
  checkpoint_note: string;
  archive: string | null;
  events_removed: number;
  pruned_at: string;
}

const policyOf = (row: PolicyRow): RetentionPolicy => ({ keepDays: row.keep_days, archive: row.archive === 1, updatedAt: row.updated_at });

const runOf = (row: RunRow): PruneRecord => ({
  tenant: row.tenant,
  prunedThrough: row.pruned_through,
  frontier: JSON.parse(row.frontier) as string[],
  checkpointSize: row.checkpoint_size,
  checkpointNote: row.checkpoint_note,
  archive: row.archive,
  eventsRemoved: row.events_removed,
  prunedAt: row.pruned_at,
});

/** Retention's statements on SQLite (tables and triggers from migration 6); writes run on the writer thread. */
export class SqliteRetentionStatements {
  readonly #db: SqliteConnection;
  readonly #statements: StatementCache;

  constructor(db: SqliteConnection, cache: StatementCache) {
    this.#db = db;
    this.#statements = cache;
  }

  getPolicy(tenant: string): RetentionPolicy | null {
    const row = this.#statements.get(SQL.getPolicy).get(tenant) as PolicyRow | undefined;
    return row === undefined ? null : policyOf(row);
  }

  setPolicy(tenant: string, policy: RetentionPolicy): void {
    this.#statements.get(SQL.setPolicy).run(tenant, policy.keepDays, policy.archive ? 1 : 0, policy.updatedAt);
  }

  clearPolicy(tenant: string): boolean {
    return this.#statements.get(SQL.clearPolicy).run(tenant).changes > 0;
  }

  listPolicies(): TenantRetentionPolicy[] {
    return (this.#statements.get(SQL.listPolicies).all() as PolicyRow[]).map((row) => ({ tenant: row.tenant, ...policyOf(row) }));
  }

  lastPrune(tenant: string): PruneRecord | null {
    const row = this.#statements.get(SQL.lastPrune).get(tenant) as RunRow | undefined;
    return row === undefined ? null : runOf(row);
  }

  /**
   * One IMMEDIATE transaction: the previous prune point is compared under the write lock (so two processes cannot
   * both prune), then permit, deletes, permit gone, record. A crash anywhere rolls all of it back.
   */
  prune(fromPrunedThrough: number, record: Omit<PruneRecord, 'eventsRemoved'>): PruneRecord | null {
    const { tenant, prunedThrough } = record;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const current = (this.#statements.get(SQL.prunedThrough).pluck().get(tenant) as number | null) ?? 0;
      if (current !== fromPrunedThrough || prunedThrough <= current) {
        this.#db.exec('ROLLBACK');
        return null;
      }
      this.#statements.get(SQL.insertPermit).run(tenant, prunedThrough);
      this.#statements.get(SQL.deleteTags).run(tenant, prunedThrough);
      this.#statements.get(SQL.deleteFields).run(tenant, prunedThrough);
      this.#statements.get(SQL.keepStreamVersions).run(tenant, prunedThrough);
      const eventsRemoved = this.#statements.get(SQL.deleteEvents).run(tenant, prunedThrough).changes;
      this.#statements.get(SQL.deletePermit).run(tenant);
      const kept: PruneRecord = { ...record, eventsRemoved };
      this.#statements.get(SQL.insertRun).run(
        tenant, prunedThrough, JSON.stringify(record.frontier), record.checkpointSize, record.checkpointNote, record.archive, eventsRemoved, record.prunedAt,
      );
      this.#db.exec('COMMIT');
      return kept;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
