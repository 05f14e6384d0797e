import type { EventStore, KeyStore } from '@vellum/core';

/** What the server needs from a store: the event log, API keys, and schema migrations. */
export interface VellumStore extends EventStore, KeyStore {
  /** Brings the schema up to date; safe to run on every start. */
  migrate(): unknown;
}
