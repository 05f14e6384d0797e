import type { SqliteConnection, SqliteStatement } from './SqliteConnection.ts';

/**
 * Prepared statements by SQL text. Search and stats SQL varies with which filters are present, so the
 * statements are built on demand; preparing costs more than running a small query, so they are kept.
 * Bounded, oldest-first eviction: the number of filter combinations in real use is small.
 */
export class StatementCache {
  readonly #db: SqliteConnection;
  readonly #max: number;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteConnection, max = 256) {
    this.#db = db;
    this.#max = max;
  }

  get<Row>(sql: string): SqliteStatement<Row> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= this.#max) {
        const oldest = this.#statements.keys().next();
        if (oldest.done !== true) this.#statements.delete(oldest.value);
      }
      this.#statements.set(sql, statement);
    }
    return statement as SqliteStatement<Row>;
  }
}
