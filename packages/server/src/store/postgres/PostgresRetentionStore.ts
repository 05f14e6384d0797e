import { ALL_TENANTS } from '@vellum/core';
import type { PruneRecord, RetentionPolicy, RetentionStore, TenantRetentionPolicy } from '@vellum/core';
import { PRUNE_TENANT_SETTING, PRUNE_THROUGH_SETTING } from './retentionMigration.ts';
import { TENANT_SETTING } from './rowSecurityMigration.ts';
import type { TableNames } from './sqlNames.ts';
import { run, statement, type Statement } from './statement.ts';
import { toStoreError } from './storeUnavailable.ts';
import type { TenantPool } from './TenantPool.ts';

interface PolicyRow {
  tenant: string;
  keep_days: number;
  archive: boolean;
  updated_at: Date;
}

interface RunRow {
  tenant: string;
  pruned_through: string;
  frontier: string;
  checkpoint_size: string;
  checkpoint_note: string;
  archive: string | null;
  events_removed: string;
  pruned_at: Date;
}

const RUN_COLUMNS = 'tenant, pruned_through, frontier, checkpoint_size, checkpoint_note, archive, events_removed, pruned_at';

const policyOf = (row: PolicyRow): RetentionPolicy => ({ keepDays: row.keep_days, archive: row.archive, updatedAt: row.updated_at.toISOString() });

const runOf = (row: RunRow): PruneRecord => ({
  tenant: row.tenant,
  prunedThrough: Number(row.pruned_through),
  frontier: JSON.parse(row.frontier) as string[],
  checkpointSize: Number(row.checkpoint_size),
  checkpointNote: row.checkpoint_note,
  archive: row.archive,
  eventsRemoved: Number(row.events_removed),
  prunedAt: row.pruned_at.toISOString(),
});

/**
 * RetentionStore on PostgreSQL (migration 9). Policies and reads go through the application role under the
 * tenant's row scope. A prune runs as the schema owner — the application role holds no DELETE on events — in one
 * transaction: an advisory lock per tenant and a compare-and-set on the latest prune record (so nodes never prune
 * one tenant twice at once), the transaction-local settings the events trigger checks, the DELETE, the record.
 */
export class PostgresRetentionStore implements RetentionStore {
  readonly #pool: TenantPool;
  readonly #t: TableNames;
  readonly #sql: Record<'getPolicy' | 'setPolicy' | 'clearPolicy' | 'listPolicies' | 'lastPrune', Statement>;

  constructor(pool: TenantPool, t: TableNames) {
    this.#pool = pool;
    this.#t = t;
    const p = t.retentionPolicies;
    this.#sql = {
      getPolicy: statement(`SELECT tenant, keep_days, archive, updated_at FROM ${p} WHERE tenant = $1`),
      setPolicy: statement(`INSERT INTO ${p} (tenant, keep_days, archive, updated_at) VALUES ($1, $2, $3, $4::timestamptz)
        ON CONFLICT (tenant) DO UPDATE SET keep_days = excluded.keep_days, archive = excluded.archive, updated_at = excluded.updated_at`),
      clearPolicy: statement(`DELETE FROM ${p} WHERE tenant = $1`),
      listPolicies: statement(`SELECT tenant, keep_days, archive, updated_at FROM ${p} ORDER BY tenant`),
      lastPrune: statement(`SELECT ${RUN_COLUMNS} FROM ${t.retentionRuns} WHERE tenant = $1 ORDER BY pruned_through DESC LIMIT 1`),
    };
  }

  async getPolicy(tenant: string): Promise<RetentionPolicy | null> {
    const [row] = await this.#pool.rows<PolicyRow>(tenant, run(this.#sql.getPolicy, [tenant]));
    return row === undefined ? null : policyOf(row);
  }

  async setPolicy(tenant: string, policy: RetentionPolicy): Promise<void> {
    await this.#pool.query(tenant, run(this.#sql.setPolicy, [tenant, policy.keepDays, policy.archive, policy.updatedAt]));
  }

  async clearPolicy(tenant: string): Promise<boolean> {
    return ((await this.#pool.query(tenant, run(this.#sql.clearPolicy, [tenant]))).rowCount ?? 0) > 0;
  }

  async listPolicies(): Promise<TenantRetentionPolicy[]> {
    const rows = await this.#pool.rows<PolicyRow>(ALL_TENANTS, run(this.#sql.listPolicies, []));
    return rows.map((row) => ({ tenant: row.tenant, ...policyOf(row) }));
  }

  async lastPrune(tenant: string): Promise<PruneRecord | null> {
    const [row] = await this.#pool.rows<RunRow>(tenant, run(this.#sql.lastPrune, [tenant]));
    return row === undefined ? null : runOf(row);
  }

  async prune(fromPrunedThrough: number, record: Omit<PruneRecord, 'eventsRemoved'>): Promise<PruneRecord | null> {
    const t = this.#t;
    const { tenant, prunedThrough } = record;
    try {
      return await this.#pool.asOwner(async (client) => {
        await client.query({ text: 'BEGIN' });
        try {
          // Row security binds the owner too (FORCE): the scope is this tenant, for this transaction only.
          await client.query({
            text: `SELECT set_config('${TENANT_SETTING}', $1, true), set_config('${PRUNE_TENANT_SETTING}', $1, true),
              set_config('${PRUNE_THROUGH_SETTING}', $2, true), pg_advisory_xact_lock(hashtext('vellum.retention'), hashtext($1))`,
            values: [tenant, String(prunedThrough)],
          });
          const current = await client.query<{ through: string | null }>({
            text: `SELECT max(pruned_through) AS through FROM ${t.retentionRuns} WHERE tenant = $1`,
            values: [tenant],
          });
          const through = Number(current.rows[0]?.through ?? 0);
          if (through !== fromPrunedThrough || prunedThrough <= through) {
            await client.query({ text: 'ROLLBACK' });
            return null;
          }
          // One pass over the pruned rows: delete them, and keep each pruned stream's last version from what the delete
          // returns, so a stream the prune empties keeps its version (migration 14).
          const deleted = await client.query<{ removed: string }>({
            text: `WITH gone AS (DELETE FROM ${t.events} WHERE tenant = $1 AND position <= $2::bigint RETURNING stream, stream_version),
              floors AS (INSERT INTO ${t.streamFloors} (tenant, stream, version)
                SELECT $1::text, stream, max(stream_version) FROM gone GROUP BY stream
                ON CONFLICT (tenant, stream) DO UPDATE SET version = greatest(${t.streamFloors}.version, excluded.version))
              SELECT count(*) AS removed FROM gone`,
            values: [tenant, prunedThrough],
          });
          const eventsRemoved = Number(deleted.rows[0]?.removed ?? 0);
          await client.query({
            text: `INSERT INTO ${t.retentionRuns} (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)`,
            values: [tenant, prunedThrough, JSON.stringify(record.frontier), record.checkpointSize, record.checkpointNote, record.archive, eventsRemoved, record.prunedAt],
          });
          await client.query({ text: 'COMMIT' });
          return { ...record, eventsRemoved };
        } catch (error) {
          await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      throw toStoreError(error);
    }
  }
}
