import { ALL_TENANTS, DELIVERIES_KEPT } from '@vellum/core';
import type {
  DeadLetterRecord, DeliveryRecord, SubscriptionChanges, SubscriptionCreated, SubscriptionRecord, SubscriptionStore, TenantScope,
} from '@vellum/core';
import { columnText } from './eventColumns.ts';
import type { TableNames } from './sqlNames.ts';
import { run, statement, type Statement } from './statement.ts';
import type { TenantPool } from './TenantPool.ts';

const SUBSCRIPTION_COLUMNS = `id, tenant, name, filter, target, status, status_reason, cursor_position, pending, revision,
  created_at, updated_at`;
const DELIVERY_COLUMNS = `id, tenant, subscription_id, message_id, from_position, to_position, events, attempt, outcome,
  status_code, error, duration_ms, at`;
const DEAD_LETTER_COLUMNS = `id, tenant, subscription_id, message_id, from_position, to_position, events, attempts,
  last_error, created_at`;

/** Prune a subscription's deliveries after this many inserts (per process): a few extra rows, far fewer deletes. */
export const PRUNE_EVERY = 25;
/** Bound on the per-subscription insert counters (a process delivering more subscriptions starts counting afresh). */
const MAX_COUNTERS = 10_000;

/** The changeable fields, their columns, and how a value is written (text columns never hold U+0000). */
const CHANGE_COLUMNS: ReadonlyArray<readonly [keyof SubscriptionChanges, string, (value: never) => unknown]> = [
  ['name', 'name', (v: string) => columnText(v)],
  ['filter', 'filter', (v: unknown) => JSON.stringify(v)],
  ['target', 'target', (v: unknown) => JSON.stringify(v)],
  ['status', 'status', (v: string) => v],
  ['statusReason', 'status_reason', (v: string | null) => (v === null ? null : columnText(v))],
  ['cursor', 'cursor_position', (v: number) => v],
  ['pending', 'pending', (v: unknown) => (v === null ? null : JSON.stringify(v))],
];

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const sqlState = (e: unknown): unknown => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined);

interface SubscriptionRow {
  id: string;
  tenant: string;
  name: string;
  filter: string;
  target: string;
  status: SubscriptionRecord['status'];
  status_reason: string | null;
  cursor_position: string;
  pending: string | null;
  revision: string;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  tenant: string;
  subscription_id: string;
  message_id: string;
  from_position: string;
  to_position: string;
  events: number;
  attempt: number;
  outcome: DeliveryRecord['outcome'];
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: Date;
}

interface DeadLetterRow {
  id: string;
  tenant: string;
  subscription_id: string;
  message_id: string;
  from_position: string;
  to_position: string;
  events: number;
  attempts: number;
  last_error: string | null;
  created_at: Date;
}

// bigint columns arrive as strings; positions and revisions stay far below 2^53.
const toRecord = (r: SubscriptionRow): SubscriptionRecord => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  filter: JSON.parse(r.filter) as SubscriptionRecord['filter'],
  target: JSON.parse(r.target) as SubscriptionRecord['target'],
  status: r.status,
  statusReason: r.status_reason,
  cursor: Number(r.cursor_position),
  pending: r.pending === null ? null : (JSON.parse(r.pending) as SubscriptionRecord['pending']),
  revision: Number(r.revision),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const toDelivery = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id, tenant: r.tenant, subscriptionId: r.subscription_id, messageId: r.message_id,
  fromPosition: Number(r.from_position), toPosition: Number(r.to_position), events: r.events, attempt: r.attempt,
  outcome: r.outcome, statusCode: r.status_code, error: r.error, durationMs: r.duration_ms, at: r.at.toISOString(),
});

const toDeadLetter = (r: DeadLetterRow): DeadLetterRecord => ({
  id: r.id, tenant: r.tenant, subscriptionId: r.subscription_id, messageId: r.message_id,
  fromPosition: Number(r.from_position), toPosition: Number(r.to_position), events: r.events, attempts: r.attempts,
  lastError: r.last_error, createdAt: r.created_at.toISOString(),
});

const optionalText = (s: string | null): string | null => (s === null ? null : columnText(s));

/**
 * SubscriptionStore on PostgreSQL (migration 10). Every statement runs under the row scope of the tenant it names;
 * listing every tenant's subscriptions and the leases (which name no tenant) run under '*'. Each method is one
 * statement (two for an update that missed), so no transaction is held across round trips. Timestamps come back
 * as `toISOString()` writes them.
 */
export class PostgresSubscriptionStore implements SubscriptionStore {
  readonly #pool: TenantPool;
  readonly #t: TableNames;
  readonly #sql: Record<
    'insert' | 'lockTenant' | 'countOfTenant' | 'byId' | 'ofTenant' | 'ofAll' | 'exists' | 'remove' | 'removeCounts' | 'acquire' | 'release' | 'insertDelivery' | 'prune'
      | 'deliveries' | 'insertDeadLetter' | 'deadLetters' | 'deleteDeadLetters' | 'deleteDeadLettersByIds' | 'deadLetterAttempt' | 'deliveryCounts',
    Statement
  >;
  /** Update statements by the set of columns they change (a handful in practice). */
  readonly #updates = new Map<string, Statement>();
  /** Deliveries inserted per subscription since its last prune, by this process. */
  readonly #sincePrune = new Map<string, number>();

  constructor(pool: TenantPool, t: TableNames) {
    this.#pool = pool;
    this.#t = t;
    const s = t.subscriptions;
    this.#sql = {
      // The unique (tenant, name) constraint decides a name clash, so two creates racing on one name cannot both land.
      insert: statement(`INSERT INTO ${s} (${SUBSCRIPTION_COLUMNS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz, $12::timestamptz)
        ON CONFLICT (tenant, name) DO NOTHING`),
      // Creates of one tenant under a limit take turns from this lock to their COMMIT (createSubscription).
      lockTenant: statement(`SELECT pg_advisory_xact_lock(hashtext('vellum.subscriptions'), hashtext($1))`),
      countOfTenant: statement(`SELECT count(*) AS n FROM ${s} WHERE tenant = $1`),
      byId: statement(`SELECT ${SUBSCRIPTION_COLUMNS} FROM ${s} WHERE id = $1 AND tenant = $2`),
      ofTenant: statement(`SELECT ${SUBSCRIPTION_COLUMNS} FROM ${s} WHERE tenant = $1 ORDER BY created_at, id`),
      ofAll: statement(`SELECT ${SUBSCRIPTION_COLUMNS} FROM ${s} ORDER BY created_at, id`),
      exists: statement(`SELECT 1 FROM ${s} WHERE id = $1 AND tenant = $2`),
      remove: statement(`DELETE FROM ${s} WHERE id = $1 AND tenant = $2`),
      removeCounts: statement(`DELETE FROM ${t.subscriptionCounts} WHERE subscription_id = $1 AND tenant = $2`),
      // Free (no row: inserted), expired or the owner's own (the DO UPDATE's WHERE holds: overwritten); otherwise
      // nothing, and no row comes back. Concurrent callers queue on the primary key and each re-checks the WHERE
      // against the row the previous one left. An unknown subscription selects no row, so nothing is inserted.
      acquire: statement(`INSERT INTO ${t.subscriptionLeases} AS l (subscription_id, tenant, lease_owner, lease_until)
        SELECT id, tenant, $2, $4::timestamptz FROM ${s} WHERE id = $1
        ON CONFLICT (subscription_id) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
          WHERE l.lease_owner = excluded.lease_owner OR l.lease_until < $3::timestamptz
        RETURNING 1`),
      release: statement(`DELETE FROM ${t.subscriptionLeases} WHERE subscription_id = $1 AND lease_owner = $2`),
      // INSERT ... SELECT: only for an existing subscription of that tenant (an attempt may end after a delete).
      // The record and its count in one statement: both land, or (subscription gone) neither.
      insertDelivery: statement(`WITH inserted AS (
          INSERT INTO ${t.deliveries} (${DELIVERY_COLUMNS})
          SELECT $1, tenant, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz FROM ${s} WHERE id = $12 AND tenant = $13
          RETURNING subscription_id, tenant, outcome)
        INSERT INTO ${t.subscriptionCounts} AS c (subscription_id, tenant, attempts, failures)
          SELECT subscription_id, tenant, 1, CASE WHEN outcome = 'delivered' THEN 0 ELSE 1 END FROM inserted
        ON CONFLICT (subscription_id) DO UPDATE SET attempts = c.attempts + 1, failures = c.failures + excluded.failures`),
      deliveryCounts: statement(`SELECT coalesce(c.attempts, 0) AS attempts, coalesce(c.failures, 0) AS failures
        FROM ${s} s LEFT JOIN ${t.subscriptionCounts} c ON c.subscription_id = s.id WHERE s.id = $1 AND s.tenant = $2`),
      // Everything older than the DELIVERIES_KEPT-th newest: DELIVERIES_KEPT index entries walked, then a range.
      prune: statement(`DELETE FROM ${t.deliveries} WHERE subscription_id = $1 AND id < (
        SELECT id FROM ${t.deliveries} WHERE subscription_id = $1 ORDER BY id DESC OFFSET ${DELIVERIES_KEPT - 1} LIMIT 1)`),
      deliveries: statement(`SELECT ${DELIVERY_COLUMNS} FROM ${t.deliveries} WHERE subscription_id = $1 AND tenant = $2
        ORDER BY id DESC LIMIT $3`),
      insertDeadLetter: statement(`INSERT INTO ${t.deadLetters} (${DEAD_LETTER_COLUMNS})
        SELECT $1, tenant, id, $2, $3, $4, $5, $6, $7, $8::timestamptz FROM ${s} WHERE id = $9 AND tenant = $10`),
      deadLetters: statement(`SELECT ${DEAD_LETTER_COLUMNS} FROM ${t.deadLetters} WHERE subscription_id = $1 AND tenant = $2
        ORDER BY id LIMIT $3`),
      deleteDeadLetters: statement(`DELETE FROM ${t.deadLetters} WHERE subscription_id = $1 AND tenant = $2`),
      deleteDeadLettersByIds: statement(`DELETE FROM ${t.deadLetters} WHERE subscription_id = $1 AND tenant = $2 AND id = ANY($3::text[])`),
      deadLetterAttempt: statement(`UPDATE ${t.deadLetters} SET attempts = attempts + 1, last_error = $4
        WHERE id = $1 AND subscription_id = $2 AND tenant = $3`),
    };
  }

  async createSubscription(r: SubscriptionRecord, options: { maxPerTenant?: number } = {}): Promise<SubscriptionCreated> {
    const tenant = columnText(r.tenant);
    const insert = run(this.#sql.insert, [
      columnText(r.id), tenant, columnText(r.name), JSON.stringify(r.filter), JSON.stringify(r.target), r.status,
      optionalText(r.statusReason), r.cursor, r.pending === null ? null : JSON.stringify(r.pending), r.revision, r.createdAt, r.updatedAt,
    ]);
    const { maxPerTenant } = options;
    if (maxPerTenant === undefined) return (await this.#pool.query(tenant, insert)).rowCount === 1 ? { created: true } : { created: false };
    // Under READ COMMITTED each statement reads what was committed when it started: the count, taken after the lock,
    // sees every create of this tenant that went before, and none can land between it and the insert.
    return this.#pool.transaction(tenant, async (client): Promise<SubscriptionCreated> => {
      await client.query(run(this.#sql.lockTenant, [tenant]));
      const { rows } = await client.query<{ n: string }>(run(this.#sql.countOfTenant, [tenant]));
      if (Number(rows[0]?.n ?? 0) >= maxPerTenant) return { created: false, limitReached: true };
      return (await client.query(insert)).rowCount === 1 ? { created: true } : { created: false };
    });
  }

  async getSubscription(tenant: string, id: string): Promise<SubscriptionRecord | null> {
    const t = columnText(tenant);
    const [row] = await this.#pool.rows<SubscriptionRow>(t, run(this.#sql.byId, [columnText(id), t]));
    return row === undefined ? null : toRecord(row);
  }

  async listSubscriptions(tenant: TenantScope): Promise<SubscriptionRecord[]> {
    const rows = tenant === ALL_TENANTS
      ? await this.#pool.rows<SubscriptionRow>(ALL_TENANTS, run(this.#sql.ofAll, []))
      : await this.#pool.rows<SubscriptionRow>(columnText(tenant), run(this.#sql.ofTenant, [columnText(tenant)]));
    return rows.map(toRecord);
  }

  async updateSubscription(tenant: string, id: string, expectedRevision: number, changes: SubscriptionChanges, at: string): Promise<SubscriptionRecord | 'conflict' | null> {
    const t = columnText(tenant);
    const i = columnText(id);
    // Only the fields present change; `undefined` counts as absent (pending: null is a change, to "none").
    const present = CHANGE_COLUMNS.filter(([field]) => changes[field] !== undefined);
    const values: unknown[] = [i, t, expectedRevision, at, ...present.map(([field, , write]) => write(changes[field] as never))];
    let rows: SubscriptionRow[];
    try {
      rows = await this.#pool.rows<SubscriptionRow>(t, run(this.#update(present.map(([, column]) => column)), values));
    } catch (e) {
      // The only unique constraint an update can break is (tenant, name): the new name is taken.
      if (sqlState(e) === UNIQUE_VIOLATION) return 'conflict';
      throw e;
    }
    if (rows[0] !== undefined) return toRecord(rows[0]);
    // No row matched: either there is no such subscription, or its revision moved on.
    const found = await this.#pool.rows(t, run(this.#sql.exists, [i, t]));
    return found.length === 0 ? null : 'conflict';
  }

  async deleteSubscription(tenant: string, id: string): Promise<boolean> {
    const t = columnText(tenant);
    // The lease, deliveries and dead letters go with it (ON DELETE CASCADE); its counts right after. No attempt can be
    // counted once it is gone (the attempt's record would need it), so none is left behind.
    const deleted = (await this.#pool.query(t, run(this.#sql.remove, [columnText(id), t]))).rowCount === 1;
    if (deleted) {
      await this.#pool.query(t, run(this.#sql.removeCounts, [columnText(id), t]));
      this.#sincePrune.delete(columnText(id));
    }
    return deleted;
  }

  async acquireLease(subscriptionId: string, owner: string, now: string, until: string): Promise<boolean> {
    const won = await this.#pool.rows(ALL_TENANTS, run(this.#sql.acquire, [columnText(subscriptionId), columnText(owner), now, until]));
    return won.length === 1;
  }

  async releaseLease(subscriptionId: string, owner: string): Promise<void> {
    await this.#pool.query(ALL_TENANTS, run(this.#sql.release, [columnText(subscriptionId), columnText(owner)]));
  }

  async deliveryCounts(tenant: string, subscriptionId: string): Promise<{ attempts: number; failures: number } | null> {
    const t = columnText(tenant);
    const [row] = await this.#pool.rows<{ attempts: string; failures: string }>(t, run(this.#sql.deliveryCounts, [columnText(subscriptionId), t]));
    return row === undefined ? null : { attempts: Number(row.attempts), failures: Number(row.failures) };
  }

  async recordDelivery(d: DeliveryRecord): Promise<void> {
    const t = columnText(d.tenant);
    const sid = columnText(d.subscriptionId);
    const inserted = await this.#insertChild(t, run(this.#sql.insertDelivery, [
      columnText(d.id), columnText(d.messageId), d.fromPosition, d.toPosition, d.events, d.attempt, d.outcome, d.statusCode,
      optionalText(d.error), d.durationMs, d.at, sid, t,
    ]));
    if (!inserted) return;
    const count = (this.#sincePrune.get(sid) ?? 0) + 1;
    if (count < PRUNE_EVERY) {
      if (this.#sincePrune.size >= MAX_COUNTERS && !this.#sincePrune.has(sid)) this.#sincePrune.clear();
      this.#sincePrune.set(sid, count);
      return;
    }
    this.#sincePrune.delete(sid);
    await this.#pool.query(t, run(this.#sql.prune, [sid]));
  }

  async listDeliveries(tenant: string, subscriptionId: string, limit: number): Promise<DeliveryRecord[]> {
    const t = columnText(tenant);
    const rows = await this.#pool.rows<DeliveryRow>(t, run(this.#sql.deliveries, [columnText(subscriptionId), t, Math.max(0, limit)]));
    return rows.map(toDelivery);
  }

  async addDeadLetter(d: DeadLetterRecord): Promise<void> {
    const t = columnText(d.tenant);
    await this.#insertChild(t, run(this.#sql.insertDeadLetter, [
      columnText(d.id), columnText(d.messageId), d.fromPosition, d.toPosition, d.events, d.attempts, optionalText(d.lastError),
      d.createdAt, columnText(d.subscriptionId), t,
    ]));
  }

  async listDeadLetters(tenant: string, subscriptionId: string, limit: number): Promise<DeadLetterRecord[]> {
    const t = columnText(tenant);
    const rows = await this.#pool.rows<DeadLetterRow>(t, run(this.#sql.deadLetters, [columnText(subscriptionId), t, Math.max(0, limit)]));
    return rows.map(toDeadLetter);
  }

  async recordDeadLetterAttempt(tenant: string, subscriptionId: string, id: string, lastError: string | null): Promise<boolean> {
    const t = columnText(tenant);
    const result = await this.#pool.query(t, run(this.#sql.deadLetterAttempt, [columnText(id), columnText(subscriptionId), t, optionalText(lastError)]));
    return result.rowCount === 1;
  }

  async deleteDeadLetters(tenant: string, subscriptionId: string, ids?: readonly string[]): Promise<number> {
    const t = columnText(tenant);
    const sid = columnText(subscriptionId);
    if (ids !== undefined && ids.length === 0) return 0;
    const result = ids === undefined
      ? await this.#pool.query(t, run(this.#sql.deleteDeadLetters, [sid, t]))
      : await this.#pool.query(t, run(this.#sql.deleteDeadLettersByIds, [sid, t, ids.map(columnText)]));
    return result.rowCount ?? 0;
  }

  /**
   * Inserts a delivery or dead letter for an existing subscription; false when it no longer exists — found gone by
   * the INSERT ... SELECT, or deleted between that read and the foreign-key check (a concurrent delete).
   */
  async #insertChild(tenant: string, config: ReturnType<typeof run>): Promise<boolean> {
    try {
      return (await this.#pool.query(tenant, config)).rowCount === 1;
    } catch (e) {
      if (sqlState(e) === FOREIGN_KEY_VIOLATION) return false;
      throw e;
    }
  }

  /** `$1` id, `$2` tenant, `$3` expected revision, `$4` at, then one parameter per changed column. */
  #update(columns: readonly string[]): Statement {
    const key = columns.join(',');
    let s = this.#updates.get(key);
    if (s === undefined) {
      const sets = [...columns.map((c, n) => `${c} = $${n + 5}`), 'revision = revision + 1', 'updated_at = $4::timestamptz'];
      s = statement(`UPDATE ${this.#t.subscriptions} SET ${sets.join(', ')}
        WHERE id = $1 AND tenant = $2 AND revision = $3 RETURNING ${SUBSCRIPTION_COLUMNS}`);
      this.#updates.set(key, s);
    }
    return s;
  }
}
