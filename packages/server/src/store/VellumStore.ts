import type { EventStore, AccessStore, IntegrityStore, PersonalDataStore } from '@vellum/core';

/**
 * What the server needs from a store: the event log, API keys, the Merkle tree and checkpoints, subject keys for
 * personal data, and schema migrations.
 */
export interface VellumStore extends EventStore, AccessStore, IntegrityStore, PersonalDataStore {
  /** Brings the schema up to date; safe to run on every start. */
  migrate(): unknown;
}
