import type { StoredEvent } from '@vellum/core';

/** One stored event as the table holds it: the position column and the body text. */
export interface EventRow {
  position: number;
  body: string;
}

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
  /** Drops what keeps (tenant, position) and (tenant, stream, stream version) unique: rows may then share them. */
  | { op: 'dropUniqueness' };

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
  read(tenant: string): Promise<EventRow[]>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}
