import type { EventFilter, TenantScope } from './EventStore.ts';

/**
 * Durable subscriptions (DESIGN.md "Delivery"). The store is the queue: a subscription is a filter over one
 * tenant's log plus a cursor (the last position it acknowledged). A delivery worker reads the matching events after
 * the cursor, sends them to the target, and moves the cursor forward only once the target acknowledged them, so a
 * crash, restart, replay or dead-letter retry never loses an event (at-least-once, in position order).
 *
 * The batch in flight is written down (`pending`) before its first attempt: every retry — after a failure, or after
 * another node takes the lease over from a crashed one — resends exactly the same positions under the same message
 * id, which receivers use to drop duplicates (`webhook-id`, `Nats-Msg-Id`).
 */

export type SubscriptionStatus = 'active' | 'paused' | 'disabled';

/** A target as stored: its kind plus the kind's own settings (validated by the delivery layer, opaque here). */
export interface SubscriptionTargetRecord {
  kind: 'webhook' | 'nats' | 'redis';
  [setting: string]: unknown;
}

/** The batch being delivered: positions fromPosition..toPosition (inclusive) of the log that match the filter. */
export interface PendingDelivery {
  /** Stable across every retry of this batch (the webhook-id). */
  messageId: string;
  fromPosition: number;
  toPosition: number;
  /** Matching events in the range (so a retry can check it re-read the same batch). */
  events: number;
  /** Attempts made so far (0 before the first). */
  attempts: number;
  /** ISO 8601: not before this. */
  nextAttemptAt: string;
  /** ISO 8601: when the first attempt was made (or was due). */
  firstAttemptAt: string;
  lastError: string | null;
}

export interface SubscriptionRecord {
  /** UUIDv7. */
  id: string;
  tenant: string;
  /** Unique within the tenant. */
  name: string;
  filter: EventFilter;
  target: SubscriptionTargetRecord;
  status: SubscriptionStatus;
  /** Why the system paused or disabled it (410 Gone, retries exhausted); null when a user did or it is active. */
  statusReason: string | null;
  /** The last position acknowledged by the target (0: nothing yet). Delivery resumes after it. */
  cursor: number;
  pending: PendingDelivery | null;
  /** Bumped by every update; updates name the revision they read (compare-and-set). */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/** The fields an update may change; absent fields stay as they are. */
export type SubscriptionChanges = Partial<Pick<SubscriptionRecord, 'name' | 'filter' | 'target' | 'status' | 'statusReason' | 'cursor' | 'pending'>>;

export type DeliveryOutcome = 'delivered' | 'failed' | 'gone' | 'dead-lettered';

/** One attempt to deliver a batch, kept for `GET /v1/subscriptions/:id/deliveries` (the newest few hundred). */
export interface DeliveryRecord {
  /** UUIDv7 (so the newest sort last). */
  id: string;
  tenant: string;
  subscriptionId: string;
  messageId: string;
  fromPosition: number;
  toPosition: number;
  events: number;
  /** 1 for the first attempt of the batch. */
  attempt: number;
  outcome: DeliveryOutcome;
  /** The receiver's HTTP status, when there was one. */
  statusCode: number | null;
  /** What went wrong, in words (never a secret, never an event body). */
  error: string | null;
  durationMs: number;
  at: string;
}

/** A batch whose attempts ran out; the cursor moved on past it. Retrying sends it again (same message id). */
export interface DeadLetterRecord {
  /** UUIDv7. */
  id: string;
  tenant: string;
  subscriptionId: string;
  messageId: string;
  fromPosition: number;
  toPosition: number;
  events: number;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

export type SubscriptionCreated = { created: true } | { created: false; limitReached?: true };

/** How many of a subscription's delivery attempts every store keeps at least (the newest); older ones may go. */
export const DELIVERIES_KEPT = 200;

/**
 * Every method is scoped by tenant except the leases (a worker on any node delivers any tenant's subscriptions):
 * another tenant's subscription id reads as unknown — null, not listed, not updated, not deleted, no deliveries.
 * Records come back as copies; editing one changes nothing stored.
 */
export interface SubscriptionStore {
  /**
   * `created: false` (and nothing written) when the tenant already has a subscription of that name, or — with
   * `maxPerTenant` — already has that many (`limitReached: true`). The count and the insert are one atomic step:
   * creates racing on any node never take a tenant past the limit.
   */
  createSubscription(record: SubscriptionRecord, options?: { maxPerTenant?: number }): Promise<SubscriptionCreated>;
  getSubscription(tenant: string, id: string): Promise<SubscriptionRecord | null>;
  /** Oldest first (createdAt, then id). `'*'`: every tenant's (for the delivery workers and the admin). */
  listSubscriptions(tenant: TenantScope): Promise<SubscriptionRecord[]>;
  /**
   * When the stored revision is still `expectedRevision`, applies `changes`, sets updatedAt = `at` and
   * revision + 1, and returns the new record. `'conflict'` when the revision moved (re-read and decide again) or
   * the new name is taken by another subscription of the tenant; null when there is no such subscription.
   */
  updateSubscription(tenant: string, id: string, expectedRevision: number, changes: SubscriptionChanges, at: string): Promise<SubscriptionRecord | 'conflict' | null>;
  /** Deletes it with its deliveries, dead letters and lease. False when there was none. */
  deleteSubscription(tenant: string, id: string): Promise<boolean>;

  /**
   * Leases make one node at a time deliver a subscription. Takes (or renews) the lease when it is free, expired
   * (`until` earlier than `now`) or already `owner`'s; true when `owner` holds it until `until` afterwards.
   * False for an unknown subscription. Atomic across nodes: of two owners asking at once, exactly one wins.
   */
  acquireLease(subscriptionId: string, owner: string, now: string, until: string): Promise<boolean>;
  /** Gives the lease up when `owner` holds it. */
  releaseLease(subscriptionId: string, owner: string): Promise<void>;

  /**
   * Keeps the attempt; a store keeps at least the newest DELIVERIES_KEPT per subscription and may drop older ones.
   * Dropped when the subscription (of `record.tenant`) no longer exists: an attempt may end after a delete.
   */
  recordDelivery(record: DeliveryRecord): Promise<void>;
  /**
   * Every attempt recorded for the subscription since it was created, on any node, and how many of them did not deliver
   * (outcome other than `delivered`): kept when old delivery records are pruned. Null for an unknown subscription.
   */
  deliveryCounts(tenant: string, subscriptionId: string): Promise<{ attempts: number; failures: number } | null>;
  /** Newest first (by id, UUIDv7). */
  listDeliveries(tenant: string, subscriptionId: string, limit: number): Promise<DeliveryRecord[]>;

  /** Dropped, like a delivery record, when the subscription no longer exists. */
  addDeadLetter(record: DeadLetterRecord): Promise<void>;
  /** Oldest first (by id, UUIDv7). */
  listDeadLetters(tenant: string, subscriptionId: string, limit: number): Promise<DeadLetterRecord[]>;
  /** Deletes the subscription's dead letters (only those of `ids` when given); returns how many went. */
  deleteDeadLetters(tenant: string, subscriptionId: string, ids?: readonly string[]): Promise<number>;
  /** A retry of the dead letter failed: one more attempt, and `lastError` is its error. False when there is no such letter. */
  recordDeadLetterAttempt(tenant: string, subscriptionId: string, id: string, lastError: string | null): Promise<boolean>;
}
