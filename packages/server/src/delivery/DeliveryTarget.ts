import type { StoredEvent, SubscriptionRecord, SubscriptionTargetRecord, ErrorDetail } from '@vellum/core';

/**
 * The seam between the delivery worker (which decides what to send, when, and what happens after) and the targets
 * (which know how to send to one kind of receiver). A target never retries by itself and never throws for a
 * receiver's failure: it reports what happened, and the worker applies the retry schedule, the circuit breaker,
 * dead letters and 410-disables uniformly for every kind.
 */

/** One delivery: the events of positions fromPosition..toPosition that match the subscription, in position order. */
export interface DeliveryBatch {
  subscription: Pick<SubscriptionRecord, 'id' | 'tenant' | 'name'>;
  /** The same for every attempt of this batch (webhook-id; NATS message ids are the event ids). */
  messageId: string;
  fromPosition: number;
  toPosition: number;
  events: StoredEvent[];
  /** 1 for the first attempt. */
  attempt: number;
}

export type DeliveryResult =
  /** The receiver took the batch. */
  | { ok: true; statusCode: number | null }
  /** It failed this time: retry per the schedule (not before retryAfterMs when the receiver said so). */
  | { ok: false; kind: 'retry'; error: string; statusCode: number | null; retryAfterMs: number | null }
  /** The receiver said it will never take deliveries again (HTTP 410): the worker disables the subscription. */
  | { ok: false; kind: 'gone'; error: string; statusCode: number | null };

export interface DeliveryTarget {
  /**
   * What the circuit breaker counts failures against: the endpoint many subscriptions may share (a webhook's
   * origin `https://host:port`, `nats`, `redis`).
   */
  readonly endpoint: string;
  /** A retry schedule of the target's own (durations), overriding the server's. */
  readonly retrySchedule: readonly string[] | null;
  /** Sends the batch; resolves with what happened, whatever the receiver did. `signal` aborts at the timeout. */
  deliver(batch: DeliveryBatch, signal: AbortSignal): Promise<DeliveryResult>;
}

/** The result of checking a target given to the API: what to store, or every problem (paths under `path`). */
export type ParsedTarget = { ok: true; target: SubscriptionTargetRecord } | { ok: false; problems: ErrorDetail[] };

export interface DeliveryTargets {
  /**
   * Checks a target from a create or update request and returns what to store (a webhook without a secret gets a
   * fresh `whsec_` one). `previous` is the stored target on an update (its secrets are kept unless replaced).
   */
  parse(input: unknown, path: string, previous: SubscriptionTargetRecord | null): Promise<ParsedTarget>;
  /** The target as the API shows it: never a secret (a webhook shows its secrets' prefixes and expiry only). */
  view(target: SubscriptionTargetRecord): Record<string, unknown>;
  /** A sender for a stored target. */
  open(target: SubscriptionTargetRecord): DeliveryTarget;
  /** Releases connections (NATS, Redis, HTTP agents). */
  close(): Promise<void>;
}
