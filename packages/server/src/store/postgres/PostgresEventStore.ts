import { ALL_TENANTS, VellumError } from '@vellum/core';
import type {
  ApiKeyRecord, AppendBatch, AppendOutcome, EventStore, AccessStore, SearchPage, SearchQuery, StatsQuery, StatsRow,
  StoredEvent, StreamPage, StreamReadOptions, TenantScope,
} from '@vellum/core';
import type { PgPool, PgQueryConfig } from './PgPool.ts';
import { appendBatches } from './appendBatches.ts';
import { appendStatements, type AppendStatements } from './appendSql.ts';
import { apiKeyRecord, createKeyQuery, keyStatements, type ApiKeyRow, type KeyStatements } from './apiKeysSql.ts';
import { migrate } from './migrate.ts';
import { readStreamQuery, streamStatements, type StreamStatements } from './readStreamSql.ts';
import { searchPage, searchSql } from './searchEvents.ts';
import { tableNames, type TableNames } from './sqlNames.ts';
import { statement, run, type Statement } from './statement.ts';
import { statsRows, statsSql } from './statsSql.ts';
import { toStoreError } from './storeUnavailable.ts';
import { columnText } from './eventColumns.ts';

/** The PostgreSQL event store: several Vellum nodes may share one database (and one schema) safely. */
export class PostgresEventStore implements EventStore, AccessStore {
  readonly schema: string;
  readonly #pool: PgPool;
  readonly #t: TableNames;
  readonly #append: AppendStatements;
  readonly #stream: StreamStatements;
  readonly #keys: KeyStatements;
  readonly #byId: { any: Statement; tenant: Statement; head: Statement };
  #closed: Promise<void> | undefined;

  constructor(pool: PgPool, schema: string) {
    this.#pool = pool;
    this.schema = schema;
    this.#t = tableNames(schema);
    this.#append = appendStatements(this.#t);
    this.#stream = streamStatements(this.#t);
    this.#keys = keyStatements(this.#t);
    this.#byId = {
      any: statement(`SELECT body FROM ${this.#t.events} WHERE id = $1`),
      tenant: statement(`SELECT body FROM ${this.#t.events} WHERE id = $1 AND tenant = $2`),
      head: statement(`SELECT position FROM ${this.#t.tenantHeads} WHERE tenant = $1`),
    };
  }

  /** Applies pending migrations; safe to call from several processes at once. Returns the versions applied. */
  async migrate(): Promise<number[]> {
    try {
      return await migrate(this.#pool, this.#t);
    } catch (e) {
      throw toStoreError(e);
    }
  }

  append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    return appendBatches(this.#pool, this.#append, batches);
  }

  async readStream(tenant: string, stream: string, options: StreamReadOptions): Promise<StreamPage> {
    const rows = await this.#query<{ version: string; body: string | null }>(readStreamQuery(this.#stream, tenant, stream, options));
    return {
      stream,
      version: Number(rows[0]?.version ?? 0),
      events: rows.flatMap((r) => (r.body === null ? [] : [JSON.parse(r.body) as StoredEvent])),
    };
  }

  async search(tenant: TenantScope, query: SearchQuery): Promise<SearchPage> {
    return searchPage(await this.#query<{ k: string; body: string }>(searchSql(this.#t, tenant, query)), query.limit);
  }

  async getById(tenant: TenantScope, id: string): Promise<StoredEvent | null> {
    const q = tenant === ALL_TENANTS ? run(this.#byId.any, [columnText(id)]) : run(this.#byId.tenant, [columnText(id), columnText(tenant)]);
    const [row] = await this.#query<{ body: string }>(q);
    return row === undefined ? null : (JSON.parse(row.body) as StoredEvent);
  }

  async stats(tenant: TenantScope, query: StatsQuery): Promise<StatsRow[]> {
    return statsRows(await this.#query(statsSql(this.#t, tenant, query)), query);
  }

  async headPosition(tenant: string): Promise<number> {
    const [row] = await this.#query<{ position: string }>(run(this.#byId.head, [columnText(tenant)]));
    return Number(row?.position ?? 0);
  }

  async ping(): Promise<void> {
    try {
      await this.#pool.query({ text: 'SELECT 1' });
    } catch (e) {
      const error = toStoreError(e);
      // Whatever the failure, a ping that fails means "not ready": say so in the store's own terms.
      throw error instanceof VellumError ? error : new VellumError('STORE_UNAVAILABLE', { cause: e });
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#pool.end();
    return this.#closed;
  }

  async createKey(record: ApiKeyRecord): Promise<void> {
    await this.#query(createKeyQuery(this.#keys, record));
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.#query<ApiKeyRow>(run(this.#keys.findByHash, [columnText(hash)]));
    return row === undefined ? null : apiKeyRecord(row);
  }

  async countKeys(): Promise<number> {
    const [row] = await this.#query<{ n: string }>(run(this.#keys.count, []));
    return Number(row?.n ?? 0);
  }

  async #query<R>(config: PgQueryConfig): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(config)).rows;
    } catch (e) {
      throw toStoreError(e);
    }
  }
}
