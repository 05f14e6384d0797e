import type { SearchPage, SearchQuery, StoredEvent } from '@vellum/core';
import { LOG_PAGE, readTenantLog } from '../../../src/integrity/readTenantLog.ts';

/** A forged row: the columns an attacker fills in, taken from the forged event. */
export interface ForgedRow {
  tenant: string;
  position: number;
  event: StoredEvent;
}

/**
 * One change made straight in the events table, below the application: the attacker holds the database file or a
 * superuser connection. Rows are named by (tenant column, position column) as they are before the change.
 */
export type TamperOp =
  | { op: 'update'; tenant: string; position: number; set: { tenant?: string; position?: number; body?: string } }
  | { op: 'delete'; tenant: string; position: number }
  /** Deletes positions ≥ `position` (a truncated tail). */
  | { op: 'deleteFrom'; tenant: string; position: number }
  | { op: 'insert'; row: ForgedRow }
  /** The row with this id rewritten as another event: its body and the columns searches use (type, actor). */
  | { op: 'replaceById'; id: string; event: StoredEvent }
  /** Moves the row with this id to the end of the table's storage order (a new rowid / seq, a new heap tuple). */
  | { op: 'moveToEnd'; id: string }
  /** Drops what keeps (tenant, position) and (tenant, stream, stream version) unique: rows may then share them. */
  | { op: 'dropUniqueness' };

/**
 * `vellum verify --store` reads a tenant's log with readTenantLog (src/integrity/readTenantLog.ts): the store's
 * search, oldest first, in pages of this many events that overlap by one position. The targets run the stores' own
 * search code on their transaction's connection through that same reader, so a trial sees what the CLI would.
 */
export const VERIFY_PAGE = LOG_PAGE;

/** A tenant's events as the verifier reads them, given a store search bound to the trial's connection. */
export async function readAsVerifier(search: (tenant: string, query: SearchQuery) => SearchPage | Promise<SearchPage>, tenant: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of readTenantLog({ search: async (t, q) => search(t, q) }, tenant, [])) events.push(event);
  return events;
}

/**
 * The store under attack, inside one transaction: `begin` bypasses the append-only protection the way its
 * technique says, `apply` makes the changes, `read` returns a tenant's rows in position order through the same
 * connection (what `vellum verify --store` would read), and `rollback` puts everything back.
 */
export interface TamperTarget {
  readonly name: string;
  /** The ways this store's protection can be bypassed; each trial picks one. */
  readonly bypasses: readonly string[];
  begin(bypass: string): Promise<void>;
  apply(ops: readonly TamperOp[]): Promise<void>;
  /** The tenant's events as `vellum verify --store` reads them: the store's search, page after page. */
  read(tenant: string): Promise<StoredEvent[]>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}
