import type {
  DeadLetterRecord, DeliveryRecord, SubscriptionChanges, SubscriptionCreated, SubscriptionRecord, SubscriptionStore, TenantScope,
} from '@vellum/core';
import type { SqliteHalf } from './SqliteHalf.ts';
import type { SqliteSubscriptionStatements } from './subscriptionStatements.ts';

/**
 * SubscriptionStore on SQLite (tables from migration 7, SQL in subscriptionStatements.ts). Reads run on the main
 * connection; every write runs on the writer thread, one call at a time, so compare-and-set updates and leases
 * are decided there without racing each other (and, across processes on one file, under SQLite's write lock).
 */
export class SqliteSubscriptionStore implements SubscriptionStore {
  readonly #half: SqliteHalf<SqliteSubscriptionStatements>;

  constructor(half: SqliteHalf<SqliteSubscriptionStatements>) {
    this.#half = half;
  }

  createSubscription(record: SubscriptionRecord, options: { maxPerTenant?: number } = {}): Promise<SubscriptionCreated> {
    return this.#half.write('createSubscription', record, options);
  }

  getSubscription(tenant: string, id: string): Promise<SubscriptionRecord | null> {
    return this.#half.read((s) => s.getSubscription(tenant, id));
  }

  listSubscriptions(tenant: TenantScope): Promise<SubscriptionRecord[]> {
    return this.#half.read((s) => s.listSubscriptions(tenant));
  }

  updateSubscription(tenant: string, id: string, expectedRevision: number, changes: SubscriptionChanges, at: string): Promise<SubscriptionRecord | 'conflict' | null> {
    return this.#half.write('updateSubscription', tenant, id, expectedRevision, changes, at);
  }

  deleteSubscription(tenant: string, id: string): Promise<boolean> {
    return this.#half.write('deleteSubscription', tenant, id);
  }

  acquireLease(subscriptionId: string, owner: string, now: string, until: string): Promise<boolean> {
    const nowMs = Date.parse(now);
    const untilMs = Date.parse(until);
    if (Number.isNaN(nowMs) || Number.isNaN(untilMs)) return Promise.reject(new RangeError('acquireLease: now and until must be ISO 8601 times'));
    return this.#half.write('acquireLease', subscriptionId, owner, nowMs, untilMs);
  }

  releaseLease(subscriptionId: string, owner: string): Promise<void> {
    return this.#half.write('releaseLease', subscriptionId, owner);
  }

  recordDelivery(record: DeliveryRecord): Promise<void> {
    return this.#half.write('recordDelivery', record);
  }

  deliveryCounts(tenant: string, subscriptionId: string): Promise<{ attempts: number; failures: number } | null> {
    return this.#half.read((s) => s.deliveryCounts(tenant, subscriptionId));
  }

  listDeliveries(tenant: string, subscriptionId: string, limit: number): Promise<DeliveryRecord[]> {
    return this.#half.read((s) => s.listDeliveries(tenant, subscriptionId, limit));
  }

  addDeadLetter(record: DeadLetterRecord): Promise<void> {
    return this.#half.write('addDeadLetter', record);
  }

  listDeadLetters(tenant: string, subscriptionId: string, limit: number): Promise<DeadLetterRecord[]> {
    return this.#half.read((s) => s.listDeadLetters(tenant, subscriptionId, limit));
  }

  deleteDeadLetters(tenant: string, subscriptionId: string, ids?: readonly string[]): Promise<number> {
    return this.#half.write('deleteDeadLetters', tenant, subscriptionId, ids === undefined ? null : [...ids]);
  }

  recordDeadLetterAttempt(tenant: string, subscriptionId: string, id: string, lastError: string | null): Promise<boolean> {
    return this.#half.write('recordDeadLetterAttempt', tenant, subscriptionId, id, lastError);
  }
}
