import type { TenantPool } from './TenantPool.ts';
import type { TableNames } from './sqlNames.ts';

/** Events a node appends between two looks at the events table's statistics. */
const CHECK_EVERY_EVENTS = 20_000;
/** Stale when this many rows, plus this share of the table, changed since the last ANALYZE (autovacuum's defaults). */
const STALE_ROWS = 1_000;
const STALE_SHARE = 0.1;

/**
 * Keeps the planner's statistics of the events table no older than about a tenth of its size. PostgreSQL's
 * autovacuum normally does this; where it is turned off (as on many CI and test servers) the statistics stay those
 * of an empty table, and plans chosen for a few rows outlive the growth: the growth bench's appends fell from
 * ~7,000 to ~1,400 events/s at about 1.2M events, and one manual ANALYZE brought them back (bench/RESULTS.md).
 * With autovacuum on, its ANALYZE runs first and this finds nothing to do.
 *
 * Appends report their event counts; every CHECK_EVERY_EVENTS, one query asks PostgreSQL how much changed since
 * the last ANALYZE (any node's, or autovacuum's) and runs ANALYZE when that is past the threshold — as the table's
 * owner, the role migrations run as, in the background, one at a time. Best-effort: a failure is retried at the
 * next check and never reaches an append.
 */
export class PlannerStatistics {
  readonly #pool: TenantPool;
  readonly #t: TableNames;
  #sinceCheck = 0;
  #running: Promise<void> | undefined;
  /** ANALYZE runs so far (for tests and the curious). */
  analyzed = 0;

  constructor(pool: TenantPool, t: TableNames) {
    this.#pool = pool;
    this.#t = t;
  }

  appended(events: number): void {
    this.#sinceCheck += events;
    if (this.#sinceCheck < CHECK_EVERY_EVENTS || this.#running !== undefined) return;
    this.#sinceCheck = 0;
    this.#running = this.refresh().catch(() => false).then(() => { this.#running = undefined; });
  }

  /** Runs ANALYZE if the statistics are stale; resolves to whether it did. */
  async refresh(): Promise<boolean> {
    return this.#pool.asOwner(async (client) => {
      const { rows } = await client.query<{ changed: string; rows: string }>({
        text: `SELECT coalesce(s.n_mod_since_analyze, 0) AS changed, greatest(c.reltuples, 0) AS rows
          FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid WHERE c.oid = $1::regclass`,
        values: [this.#t.events],
      });
      const row = rows[0];
      if (row === undefined || Number(row.changed) < STALE_ROWS + STALE_SHARE * Number(row.rows)) return false;
      await client.query({ text: `ANALYZE ${this.#t.events}` });
      this.analyzed++;
      return true;
    });
  }

  /** Waits for a running ANALYZE (close waits, so the pool is not ended under it). */
  async settled(): Promise<void> {
    await this.#running;
  }
}
