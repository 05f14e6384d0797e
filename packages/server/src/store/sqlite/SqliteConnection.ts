/**
 * The slice of better-sqlite3 this adapter uses. Depending on these few methods (not the driver's whole
 * type) keeps the store honest about what it needs and lets a test hand it any compatible connection.
 */
export interface SqliteStatement<Row = unknown> {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
  /** Return the first column's value instead of a row object (saves an object per row on hot paths). */
  pluck(toggle?: boolean): SqliteStatement;
}

export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
  readonly inTransaction: boolean;
}

/** Narrow a prepared statement to the row shape the SQL selects. */
export const typed = <Row>(statement: SqliteStatement): SqliteStatement<Row> => statement as SqliteStatement<Row>;
