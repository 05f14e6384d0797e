import type { EventStore, AccessStore, IntegrityStore, PersonalDataStore, RetentionStore, SubscriptionStore } from '@vellum/core';

/**
 * What the server needs from a store: the event log, API keys, the Merkle tree and checkpoints, subject keys for
 * personal data, durable subscriptions, retention, and schema migrations. Subscriptions and retention are parts of
 * their own (`store.subscriptions`, `store.retention`) rather than more methods on one wide interface.
 */
export interface VellumStore extends EventStore, AccessStore, IntegrityStore, PersonalDataStore {
  /** Brings the schema up to date; safe to run on every start. */
  migrate(): unknown;
  /** Settings of the underlying database that will hurt, each as a sentence for the operator's log (none: []). */
  settingWarnings?(): Promise<string[]>;
  readonly subscriptions: SubscriptionStore;
  readonly retention: RetentionStore;
}
