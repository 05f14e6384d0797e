import { SqliteAccessStatements } from './accessStatements.ts';
import { SqliteIntegrityStatements } from './integrityStatements.ts';
import { SqlitePersonalDataStatements } from './personalDataStatements.ts';
import { SqliteRetentionStatements } from './retentionStatements.ts';
import { SqliteSubscriptionStatements } from './subscriptionStatements.ts';
import type { SqliteConnection } from './SqliteConnection.ts';
import { StatementCache } from './StatementCache.ts';

/**
 * The store's writes other than appends (tenants, keys, usage, secrets, Merkle trees, checkpoints, subject keys, subscriptions, retention),
 * as statement groups that can run on whichever connection writes. They run on the writer thread beside the
 * appends: a write transaction on the main thread would wait, synchronously and with the event loop stalled, for
 * the writer thread's commit to release the database lock — and the Merkle integrator writes after every commit.
 */
export interface WriterStatements {
  access: SqliteAccessStatements;
  integrity: SqliteIntegrityStatements;
  personal: SqlitePersonalDataStatements;
  subscriptions: SqliteSubscriptionStatements;
  retention: SqliteRetentionStatements;
}

export type WriterTarget = keyof WriterStatements;

export function writerStatements(db: SqliteConnection): WriterStatements {
  return {
    access: new SqliteAccessStatements(db, new StatementCache(db, 32)),
    integrity: new SqliteIntegrityStatements(db, new StatementCache(db, 32)),
    personal: new SqlitePersonalDataStatements(db, new StatementCache(db, 8)),
    subscriptions: new SqliteSubscriptionStatements(db, new StatementCache(db, 32)),
    retention: new SqliteRetentionStatements(db, new StatementCache(db, 16)),
  };
}

/** A write as a message: which group, which method, its arguments (structured-cloneable). */
export interface WriterCall {
  target: WriterTarget;
  method: string;
  args: unknown[];
}

export function runWriterCall(statements: WriterStatements, call: WriterCall): unknown {
  const group = statements[call.target] as unknown as Record<string, unknown>;
  const fn = group[call.method];
  if (typeof fn !== 'function') throw new Error(`no SQLite write ${call.target}.${call.method}`);
  return (fn as (...args: unknown[]) => unknown).apply(group, call.args);
}
