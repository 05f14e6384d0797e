import { ALL_TENANTS, DELIVERIES_KEPT } from '@vellum/core';
import type {
  DeadLetterRecord, DeliveryRecord, SubscriptionChanges, SubscriptionCreated, SubscriptionRecord, SubscriptionStore, TenantScope,
} from '@vellum/core';

interface Lease {
  owner: string;
  untilMs: number;
}

/**
 * SubscriptionStore in process memory (the `memory:` store), for tests and demos. Records are copied in and out
 * (structuredClone), so a caller that edits what it got back never changes the store behind its back — the same
 * as a database would behave. Everything happens synchronously inside one call, so each method is atomic.
 */
export class InMemorySubscriptionStore implements SubscriptionStore {
  /** In insertion order, which is creation order: listing oldest first needs no sort. */
  readonly #subscriptions = new Map<string, SubscriptionRecord>();
  readonly #leases = new Map<string, Lease>();
  /** Per subscription, oldest first (appended as recorded). */
  readonly #deliveries = new Map<string, DeliveryRecord[]>();
  readonly #counts = new Map<string, { attempts: number; failures: number }>();
  readonly #deadLetters = new Map<string, DeadLetterRecord[]>();

  createSubscription(record: SubscriptionRecord, options: { maxPerTenant?: number } = {}): Promise<SubscriptionCreated> {
    if (this.#subscriptions.has(record.id)) return Promise.reject(new Error(`subscription id ${record.id} already exists`));
    let count = 0;
    for (const other of this.#subscriptions.values()) {
      if (other.tenant !== record.tenant) continue;
      if (other.name === record.name) return Promise.resolve({ created: false });
      count += 1;
    }
    if (options.maxPerTenant !== undefined && count >= options.maxPerTenant) return Promise.resolve({ created: false, limitReached: true });
    this.#subscriptions.set(record.id, structuredClone(record));
    return Promise.resolve({ created: true });
  }

  getSubscription(tenant: string, id: string): Promise<SubscriptionRecord | null> {
    const record = this.#own(tenant, id);
    return Promise.resolve(record === undefined ? null : structuredClone(record));
  }

  listSubscriptions(tenant: TenantScope): Promise<SubscriptionRecord[]> {
    const all = [...this.#subscriptions.values()].filter((s) => tenant === ALL_TENANTS || s.tenant === tenant);
    all.sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id));
    return Promise.resolve(all.map((s) => structuredClone(s)));
  }

  updateSubscription(tenant: string, id: string, expectedRevision: number, changes: SubscriptionChanges, at: string): Promise<SubscriptionRecord | 'conflict' | null> {
    const current = this.#own(tenant, id);
    if (current === undefined) return Promise.resolve(null);
    if (current.revision !== expectedRevision) return Promise.resolve('conflict');
    if (changes.name !== undefined && changes.name !== current.name) {
      for (const other of this.#subscriptions.values()) {
        if (other.tenant === tenant && other.name === changes.name) return Promise.resolve('conflict');
      }
    }
    const next: SubscriptionRecord = { ...current, revision: current.revision + 1, updatedAt: at };
    // Only the fields present change; `undefined` counts as absent (pending: null is a change, to "none").
    for (const key of CHANGEABLE) {
      const value = changes[key];
      if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = structuredClone(value);
    }
    this.#subscriptions.set(id, next);
    return Promise.resolve(structuredClone(next));
  }

  deleteSubscription(tenant: string, id: string): Promise<boolean> {
    if (this.#own(tenant, id) === undefined) return Promise.resolve(false);
    this.#subscriptions.delete(id);
    this.#leases.delete(id);
    this.#deliveries.delete(id);
    this.#counts.delete(id);
    this.#deadLetters.delete(id);
    return Promise.resolve(true);
  }

  acquireLease(subscriptionId: string, owner: string, now: string, until: string): Promise<boolean> {
    const nowMs = Date.parse(now);
    const untilMs = Date.parse(until);
    if (Number.isNaN(nowMs) || Number.isNaN(untilMs)) return Promise.reject(new RangeError('acquireLease: now and until must be ISO 8601 times'));
    if (!this.#subscriptions.has(subscriptionId)) return Promise.resolve(false);
    const lease = this.#leases.get(subscriptionId);
    const free = lease === undefined || lease.owner === owner || lease.untilMs < nowMs;
    if (free) this.#leases.set(subscriptionId, { owner, untilMs });
    return Promise.resolve(free);
  }

  releaseLease(subscriptionId: string, owner: string): Promise<void> {
    if (this.#leases.get(subscriptionId)?.owner === owner) this.#leases.delete(subscriptionId);
    return Promise.resolve();
  }

  recordDelivery(record: DeliveryRecord): Promise<void> {
    // An attempt that finished after its subscription was deleted has nowhere to go: dropped, as the databases do.
    if (this.#own(record.tenant, record.subscriptionId) === undefined) return Promise.resolve();
    const list = this.#deliveries.get(record.subscriptionId) ?? [];
    list.push(structuredClone(record));
    // Memory is cheap to trim exactly: keep the newest DELIVERIES_KEPT.
    if (list.length > DELIVERIES_KEPT) list.splice(0, list.length - DELIVERIES_KEPT);
    this.#deliveries.set(record.subscriptionId, list);
    const counts = this.#counts.get(record.subscriptionId) ?? { attempts: 0, failures: 0 };
    counts.attempts += 1;
    if (record.outcome !== 'delivered') counts.failures += 1;
    this.#counts.set(record.subscriptionId, counts);
    return Promise.resolve();
  }

  deliveryCounts(tenant: string, subscriptionId: string): Promise<{ attempts: number; failures: number } | null> {
    if (this.#own(tenant, subscriptionId) === undefined) return Promise.resolve(null);
    return Promise.resolve({ ...(this.#counts.get(subscriptionId) ?? { attempts: 0, failures: 0 }) });
  }

  listDeliveries(tenant: string, subscriptionId: string, limit: number): Promise<DeliveryRecord[]> {
    if (this.#own(tenant, subscriptionId) === undefined) return Promise.resolve([]);
    const newestFirst = [...(this.#deliveries.get(subscriptionId) ?? [])].sort((a, b) => compare(b.id, a.id));
    return Promise.resolve(newestFirst.slice(0, Math.max(0, limit)).map((d) => structuredClone(d)));
  }

  addDeadLetter(record: DeadLetterRecord): Promise<void> {
    if (this.#own(record.tenant, record.subscriptionId) === undefined) return Promise.resolve();
    const list = this.#deadLetters.get(record.subscriptionId) ?? [];
    if (list.some((d) => d.id === record.id)) return Promise.reject(new Error(`dead letter id ${record.id} already exists`));
    list.push(structuredClone(record));
    this.#deadLetters.set(record.subscriptionId, list);
    return Promise.resolve();
  }

  listDeadLetters(tenant: string, subscriptionId: string, limit: number): Promise<DeadLetterRecord[]> {
    if (this.#own(tenant, subscriptionId) === undefined) return Promise.resolve([]);
    const oldestFirst = [...(this.#deadLetters.get(subscriptionId) ?? [])].sort((a, b) => compare(a.id, b.id));
    return Promise.resolve(oldestFirst.slice(0, Math.max(0, limit)).map((d) => structuredClone(d)));
  }

  deleteDeadLetters(tenant: string, subscriptionId: string, ids?: readonly string[]): Promise<number> {
    if (this.#own(tenant, subscriptionId) === undefined) return Promise.resolve(0);
    const list = this.#deadLetters.get(subscriptionId) ?? [];
    const doomed = ids === undefined ? null : new Set(ids);
    const kept = doomed === null ? [] : list.filter((d) => !doomed.has(d.id));
    this.#deadLetters.set(subscriptionId, kept);
    return Promise.resolve(list.length - kept.length);
  }

  recordDeadLetterAttempt(tenant: string, subscriptionId: string, id: string, lastError: string | null): Promise<boolean> {
    if (this.#own(tenant, subscriptionId) === undefined) return Promise.resolve(false);
    const letter = this.#deadLetters.get(subscriptionId)?.find((d) => d.id === id);
    if (letter === undefined) return Promise.resolve(false);
    letter.attempts += 1;
    letter.lastError = lastError;
    return Promise.resolve(true);
  }

  /** The subscription when it exists and is `tenant`'s; another tenant's id reads as unknown. */
  #own(tenant: string, id: string): SubscriptionRecord | undefined {
    const record = this.#subscriptions.get(id);
    return record?.tenant === tenant ? record : undefined;
  }
}

const CHANGEABLE = ['name', 'filter', 'target', 'status', 'statusReason', 'cursor', 'pending'] as const satisfies ReadonlyArray<keyof SubscriptionChanges>;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
