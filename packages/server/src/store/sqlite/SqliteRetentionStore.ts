import type { RetentionStore } from '@vellum/core';
import type { SqliteHalf } from './SqliteHalf.ts';
import type { SqliteRetentionStatements } from './retentionStatements.ts';

/** RetentionStore on SQLite. Placeholder until retention is built. */
export class SqliteRetentionStore implements RetentionStore {
  constructor(readonly half: SqliteHalf<SqliteRetentionStatements>) {}
}
