import type { EventStore, AccessStore } from '@vellum/core';

/** What the server needs from a store: the event log, API keys, and schema migrations. */
export interface VellumStore extends EventStore, AccessStore {
  /** Brings the schema up to date; safe to run on every start. */
  migrate(): unknown;
}
