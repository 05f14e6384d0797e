import { ALL_TENANTS, DELIVERIES_KEPT } from '@vellum/core';
import type {
  DeadLetterRecord, DeliveryRecord, SubscriptionChanges, SubscriptionCreated, SubscriptionRecord, TenantScope,
} from '@vellum/core';
import type { SqliteConnection } from './SqliteConnection.ts';
import type { StatementCache } from './StatementCache.ts';

const SUBSCRIPTION_COLUMNS = `id, tenant, name, filter, target, status, status_reason, cursor_position, pending, revision,
  created_at, updated_at`;
const DELIVERY_COLUMNS = `id, tenant, subscription_id, message_id, from_position, to_position, events, attempt, outcome,
  status_code, error, duration_ms, at`;
const DEAD_LETTER_COLUMNS = `id, tenant, subscription_id, message_id, from_position, to_position, events, attempts,
  last_error, created_at`;

const SQL = {
  // The unique (tenant, name) index decides a name clash, so two creates racing on one name cannot both land.
  insert: `INSERT INTO subscriptions (${SUBSCRIPTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (tenant, name) DO NOTHING`,
  countOfTenant: 'SELECT COUNT(*) AS n FROM subscriptions WHERE tenant = ?',
  byId: `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ? AND tenant = ?`,
  ofTenant: `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE tenant = ? ORDER BY created_at, id`,
  ofAll: `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY created_at, id`,
  nameTaken: 'SELECT 1 FROM subscriptions WHERE tenant = ? AND name = ? AND id <> ?',
  update: `UPDATE subscriptions SET name = ?, filter = ?, target = ?, status = ?, status_reason = ?, cursor_position = ?,
    pending = ?, revision = ?, updated_at = ? WHERE id = ? AND tenant = ? AND revision = ?`,
  remove: 'DELETE FROM subscriptions WHERE id = ? AND tenant = ?',
  removeLease: 'DELETE FROM subscription_leases WHERE subscription_id = ?',
  removeDeliveries: 'DELETE FROM deliveries WHERE subscription_id = ?',
  removeDeadLetters: 'DELETE FROM dead_letters WHERE subscription_id = ?',

  // One statement decides: the row appears (free), or is overwritten when the WHERE of DO UPDATE holds (expired or
  // the owner's own); otherwise nothing changes. An unknown subscription selects no row, so nothing is inserted.
  acquire: `INSERT INTO subscription_leases (subscription_id, owner, until_ms)
    SELECT id, :owner, :until FROM subscriptions WHERE id = :id
    ON CONFLICT (subscription_id) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
      WHERE subscription_leases.owner = excluded.owner OR subscription_leases.until_ms < :now`,
  release: 'DELETE FROM subscription_leases WHERE subscription_id = ? AND owner = ?',

  // INSERT ... SELECT: only for an existing subscription of that tenant (an attempt may end after a delete).
  insertDelivery: `INSERT INTO deliveries (${DELIVERY_COLUMNS})
    SELECT ?, tenant, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM subscriptions WHERE id = ? AND tenant = ?`,
  // Everything older than the DELIVERIES_KEPT-th newest: a walk of DELIVERIES_KEPT primary-key entries, then a range.
  pruneDeliveries: `DELETE FROM deliveries WHERE subscription_id = :sid AND id < (
    SELECT id FROM deliveries WHERE subscription_id = :sid ORDER BY id DESC LIMIT 1 OFFSET ${DELIVERIES_KEPT - 1})`,
  deliveries: `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE subscription_id = ? AND tenant = ? ORDER BY id DESC LIMIT ?`,
  countDelivery: `INSERT INTO subscription_counts (subscription_id, tenant, attempts, failures) VALUES (?, ?, 1, ?)
    ON CONFLICT (subscription_id) DO UPDATE SET attempts = attempts + 1, failures = failures + excluded.failures`,
  deliveryCounts: `SELECT COALESCE(c.attempts, 0) AS attempts, COALESCE(c.failures, 0) AS failures
    FROM subscriptions s LEFT JOIN subscription_counts c ON c.subscription_id = s.id WHERE s.id = ? AND s.tenant = ?`,
  removeCounts: 'DELETE FROM subscription_counts WHERE subscription_id = ?',

  insertDeadLetter: `INSERT INTO dead_letters (${DEAD_LETTER_COLUMNS})
    SELECT ?, tenant, id, ?, ?, ?, ?, ?, ?, ? FROM subscriptions WHERE id = ? AND tenant = ?`,
  deadLetters: `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE subscription_id = ? AND tenant = ? ORDER BY id LIMIT ?`,
  deleteDeadLetters: 'DELETE FROM dead_letters WHERE subscription_id = ? AND tenant = ?',
  deadLetterAttempt: 'UPDATE dead_letters SET attempts = attempts + 1, last_error = ? WHERE id = ? AND subscription_id = ? AND tenant = ?',
  deleteDeadLettersByIds: `DELETE FROM dead_letters WHERE subscription_id = ? AND tenant = ?
    AND id IN (SELECT value FROM json_each(?))`,
} as const;

/** Prune a subscription's deliveries after this many inserts (per process): a few extra rows, far fewer deletes. */
export const PRUNE_EVERY = 25;
/** Bound on the per-subscription insert counters (a process delivering more subscriptions starts counting afresh). */
const MAX_COUNTERS = 10_000;

interface SubscriptionRow {
  id: string;
  tenant: string;
  name: string;
  filter: string;
  target: string;
  status: SubscriptionRecord['status'];
  status_reason: string | null;
  cursor_position: number;
  pending: string | null;
  revision: number;
  created_at: string;
  updated_at: string;
}

interface DeliveryRow {
  id: string;
  tenant: string;
  subscription_id: string;
  message_id: string;
  from_position: number;
  to_position: number;
  events: number;
  attempt: number;
  outcome: DeliveryRecord['outcome'];
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
}

interface DeadLetterRow {
  id: string;
  tenant: string;
  subscription_id: string;
  message_id: string;
  from_position: number;
  to_position: number;
  events: number;
  attempts: number;
  last_error: string | null;
  created_at: string;
}

const toRecord = (r: SubscriptionRow): SubscriptionRecord => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  filter: JSON.parse(r.filter) as SubscriptionRecord['filter'],
  target: JSON.parse(r.target) as SubscriptionRecord['target'],
  status: r.status,
  statusReason: r.status_reason,
  cursor: r.cursor_position,
  pending: r.pending === null ? null : (JSON.parse(r.pending) as SubscriptionRecord['pending']),
  revision: r.revision,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toDelivery = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id, tenant: r.tenant, subscriptionId: r.subscription_id, messageId: r.message_id, fromPosition: r.from_position,
  toPosition: r.to_position, events: r.events, attempt: r.attempt, outcome: r.outcome, statusCode: r.status_code,
  error: r.error, durationMs: r.duration_ms, at: r.at,
});

const toDeadLetter = (r: DeadLetterRow): DeadLetterRecord => ({
  id: r.id, tenant: r.tenant, subscriptionId: r.subscription_id, messageId: r.message_id, fromPosition: r.from_position,
  toPosition: r.to_position, events: r.events, attempts: r.attempts, lastError: r.last_error, createdAt: r.created_at,
});

/** The row's values in SUBSCRIPTION_COLUMNS order, JSON columns as text. */
const rowValues = (s: SubscriptionRecord): unknown[] => [
  s.id, s.tenant, s.name, JSON.stringify(s.filter), JSON.stringify(s.target), s.status, s.statusReason, s.cursor,
  s.pending === null ? null : JSON.stringify(s.pending), s.revision, s.createdAt, s.updatedAt,
];

/**
 * The subscription tables' statements (SubscriptionStore on SQLite, tables from migration 7). Writes run on the
 * writer thread through SqliteHalf.write, reads on the main connection; arguments and results are plain data
 * (structured-cloneable). Transactions are IMMEDIATE: another process on the file waits for them, and a
 * read-then-write (compare-and-set) sees no change between its read and its write.
 */
export class SqliteSubscriptionStatements {
  readonly #db: SqliteConnection;
  readonly #statements: StatementCache;
  /** Deliveries inserted per subscription since its last prune (on the writer thread's instance). */
  readonly #sincePrune = new Map<string, number>();

  constructor(db: SqliteConnection, statements: StatementCache) {
    this.#db = db;
    this.#statements = statements;
  }

  /** Count and insert in one IMMEDIATE transaction: another process's create cannot slip in between. */
  createSubscription(record: SubscriptionRecord, options: { maxPerTenant?: number } = {}): SubscriptionCreated {
    return this.#transaction((): SubscriptionCreated => {
      const { n: count } = this.#statements.get<{ n: number }>(SQL.countOfTenant).get(record.tenant) as { n: number };
      if (options.maxPerTenant !== undefined && count >= options.maxPerTenant) return { created: false, limitReached: true };
      return this.#statements.get(SQL.insert).run(...rowValues(record)).changes === 1 ? { created: true } : { created: false };
    });
  }

  getSubscription(tenant: string, id: string): SubscriptionRecord | null {
    const row = this.#statements.get<SubscriptionRow>(SQL.byId).get(id, tenant) as SubscriptionRow | undefined;
    return row === undefined ? null : toRecord(row);
  }

  listSubscriptions(tenant: TenantScope): SubscriptionRecord[] {
    const rows = tenant === ALL_TENANTS
      ? this.#statements.get<SubscriptionRow>(SQL.ofAll).all()
      : this.#statements.get<SubscriptionRow>(SQL.ofTenant).all(tenant);
    return (rows as SubscriptionRow[]).map(toRecord);
  }

  updateSubscription(tenant: string, id: string, expectedRevision: number, changes: SubscriptionChanges, at: string): SubscriptionRecord | 'conflict' | null {
    return this.#transaction(() => {
      const current = this.getSubscription(tenant, id);
      if (current === null) return null;
      if (current.revision !== expectedRevision) return 'conflict';
      const next: SubscriptionRecord = { ...current, revision: current.revision + 1, updatedAt: at };
      // Only the fields present change; `undefined` counts as absent (pending: null is a change, to "none").
      if (changes.name !== undefined) next.name = changes.name;
      if (changes.filter !== undefined) next.filter = changes.filter;
      if (changes.target !== undefined) next.target = changes.target;
      if (changes.status !== undefined) next.status = changes.status;
      if (changes.statusReason !== undefined) next.statusReason = changes.statusReason;
      if (changes.cursor !== undefined) next.cursor = changes.cursor;
      if (changes.pending !== undefined) next.pending = changes.pending;
      if (next.name !== current.name && this.#statements.get(SQL.nameTaken).get(tenant, next.name, id) !== undefined) return 'conflict';
      const [, , name, filter, target, status, reason, cursor, pending, revision, , updatedAt] = rowValues(next);
      this.#statements.get(SQL.update).run(name, filter, target, status, reason, cursor, pending, revision, updatedAt, id, tenant, expectedRevision);
      // Read back rather than return `next`: with an inline writer (':memory:') nothing is cloned between caller and
      // writer, and `next` would share the caller's filter and target objects.
      return this.getSubscription(tenant, id);
    });
  }

  deleteSubscription(tenant: string, id: string): boolean {
    return this.#transaction(() => {
      if (this.#statements.get(SQL.remove).run(id, tenant).changes === 0) return false;
      this.#statements.get(SQL.removeLease).run(id);
      this.#statements.get(SQL.removeDeliveries).run(id);
      this.#statements.get(SQL.removeCounts).run(id);
      this.#statements.get(SQL.removeDeadLetters).run(id);
      this.#sincePrune.delete(id);
      return true;
    });
  }

  /** Times as epoch ms (the store converts the ISO strings), so the comparison is numeric, whatever their format. */
  acquireLease(subscriptionId: string, owner: string, nowMs: number, untilMs: number): boolean {
    return this.#statements.get(SQL.acquire).run({ id: subscriptionId, owner, until: untilMs, now: nowMs }).changes === 1;
  }

  releaseLease(subscriptionId: string, owner: string): void {
    this.#statements.get(SQL.release).run(subscriptionId, owner);
  }

  /** The record and its count in one transaction (one commit). */
  recordDelivery(d: DeliveryRecord): void {
    const inserted = this.#transaction(() => {
      const changes = this.#statements.get(SQL.insertDelivery).run(
        d.id, d.messageId, d.fromPosition, d.toPosition, d.events, d.attempt, d.outcome, d.statusCode, d.error, d.durationMs,
        d.at, d.subscriptionId, d.tenant,
      ).changes;
      if (changes > 0) this.#statements.get(SQL.countDelivery).run(d.subscriptionId, d.tenant, d.outcome === 'delivered' ? 0 : 1);
      return changes;
    });
    if (inserted === 0) return;
    const count = (this.#sincePrune.get(d.subscriptionId) ?? 0) + 1;
    if (count < PRUNE_EVERY) {
      if (this.#sincePrune.size >= MAX_COUNTERS && !this.#sincePrune.has(d.subscriptionId)) this.#sincePrune.clear();
      this.#sincePrune.set(d.subscriptionId, count);
      return;
    }
    this.#sincePrune.delete(d.subscriptionId);
    this.#statements.get(SQL.pruneDeliveries).run({ sid: d.subscriptionId });
  }

  deliveryCounts(tenant: string, subscriptionId: string): { attempts: number; failures: number } | null {
    const row = this.#statements.get<{ attempts: number; failures: number }>(SQL.deliveryCounts).get(subscriptionId, tenant) as
      { attempts: number; failures: number } | undefined;
    return row === undefined ? null : { attempts: row.attempts, failures: row.failures };
  }

  listDeliveries(tenant: string, subscriptionId: string, limit: number): DeliveryRecord[] {
    const rows = this.#statements.get<DeliveryRow>(SQL.deliveries).all(subscriptionId, tenant, Math.max(0, limit));
    return (rows as DeliveryRow[]).map(toDelivery);
  }

  addDeadLetter(d: DeadLetterRecord): void {
    this.#statements.get(SQL.insertDeadLetter).run(
      d.id, d.messageId, d.fromPosition, d.toPosition, d.events, d.attempts, d.lastError, d.createdAt, d.subscriptionId, d.tenant,
    );
  }

  listDeadLetters(tenant: string, subscriptionId: string, limit: number): DeadLetterRecord[] {
    const rows = this.#statements.get<DeadLetterRow>(SQL.deadLetters).all(subscriptionId, tenant, Math.max(0, limit));
    return (rows as DeadLetterRow[]).map(toDeadLetter);
  }

  recordDeadLetterAttempt(tenant: string, subscriptionId: string, id: string, lastError: string | null): boolean {
    return this.#statements.get(SQL.deadLetterAttempt).run(lastError, id, subscriptionId, tenant).changes === 1;
  }

  /** `ids` null: all of them. */
  deleteDeadLetters(tenant: string, subscriptionId: string, ids: readonly string[] | null): number {
    if (ids === null) return this.#statements.get(SQL.deleteDeadLetters).run(subscriptionId, tenant).changes;
    if (ids.length === 0) return 0;
    return this.#statements.get(SQL.deleteDeadLettersByIds).run(subscriptionId, tenant, JSON.stringify(ids)).changes;
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
