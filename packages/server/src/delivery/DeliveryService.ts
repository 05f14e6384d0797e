import type { SubscriptionRecord } from '@vellum/core';

/** What a subscription's API view shows about its delivery (and /metrics exports per subscription). */
export interface SubscriptionStats {
  /** Positions in the tenant's log after the cursor (matching or not). */
  lagPositions: number;
  /** Age of the oldest undelivered event, in seconds (0 when caught up). */
  lagSeconds: number;
  /** Attempts and failures recorded for it since it was created (by any node). */
  attempts: number;
  failures: number;
  deadLetters: number;
  /** The circuit breaker of the subscription's endpoint. */
  breaker: 'closed' | 'open' | 'half-open';
  /** ISO 8601 of the last successful delivery, when known. */
  lastDeliveredAt: string | null;
  lastError: string | null;
}

export interface DeadLetterRetryResult {
  id: string;
  delivered: boolean;
  error: string | null;
}

/** The delivery workers' face to the routes (`app.delivery`). */
export interface DeliveryService {
  /** Look at subscriptions now (after a create, resume, replay, or a change of target). */
  wake(): void;
  stats(subscription: SubscriptionRecord): Promise<SubscriptionStats>;
  /**
   * Sends the subscription's dead letters (those of `ids`, or the oldest up to `limit`) once more, each under its
   * original message id; a delivered one is removed, a failed one stays with its attempts counted.
   */
  retryDeadLetters(subscription: SubscriptionRecord, ids: readonly string[] | null, limit: number): Promise<DeadLetterRetryResult[]>;
}
