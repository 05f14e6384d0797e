import type { SqliteConnection } from './SqliteConnection.ts';
import type { StatementCache } from './StatementCache.ts';

/**
 * The subscription tables' statements (SubscriptionStore on SQLite). Writes run on the writer thread through
 * SqliteHalf.write, reads on the main connection. Placeholder until the subscription store is built.
 */
export class SqliteSubscriptionStatements {
  constructor(
    readonly db: SqliteConnection,
    readonly cache: StatementCache,
  ) {}
}
