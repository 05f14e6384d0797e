/**
 * The slice of `pg` the PostgreSQL store uses: a pool that queries and lends clients. Depending on these few
 * methods instead of the whole driver keeps the adapter honest about what it needs (STYLE.md, light adapters).
 */
export interface PgQueryConfig {
  text: string;
  values?: readonly unknown[];
  /** A prepared-statement name: planned once per connection, reused after. */
  name?: string;
}

export interface PgResult<R> {
  rows: R[];
  rowCount: number | null;
}

export interface PgQueryable {
  query<R = Record<string, unknown>>(config: PgQueryConfig): Promise<PgResult<R>>;
}

export interface PgClient extends PgQueryable {
  /** Pass an error to destroy the connection instead of returning it to the pool. */
  release(destroy?: Error | boolean): void;
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}
