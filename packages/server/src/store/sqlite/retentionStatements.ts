import type { SqliteConnection } from './SqliteConnection.ts';
import type { StatementCache } from './StatementCache.ts';

/** Retention's statements on SQLite (writes run on the writer thread). Placeholder until retention is built. */
export class SqliteRetentionStatements {
  constructor(
    readonly db: SqliteConnection,
    readonly cache: StatementCache,
  ) {}
}
