import { ALL_TENANTS, VellumError } from '@vellum/core';
import type {
  ApiKeyRecord, AppendBatch, AppendOutcome, EventStore, AccessStore, SearchPage, SearchQuery, StatsQuery, StatsRow,
  StoredEvent, StreamPage, StreamReadOptions, TenantScope,
} from '@vellum/core';
import { storeError } from './appendBatches.ts';
import type { Appender } from './InlineAppender.ts';
import { migrate, type MigrationReport } from './schema/migrations.ts';
import { READ_SQL } from './readSql.ts';
import { searchEvents } from './searchQuery.ts';
import { StatementCache } from './StatementCache.ts';
import { eventStats } from './statsQuery.ts';
import { typed, type SqliteConnection, type SqliteStatement } from './SqliteConnection.ts';

interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/**
 * The SQLite event store. Appends go through an Appender — normally a writer thread with its own
 * connection, one transaction per `append` call, one call at a time. Everything else (queries, API keys,
 * migrations) runs on this thread's connection; WAL lets it read a consistent snapshot while the writer
 * commits, so a long read never holds up an append.
 */
export class SqliteEventStore implements EventStore, AccessStore {
  readonly #db: SqliteConnection;
  readonly #appender: Appender | undefined;
  readonly #reads: StatementCache;
  #closed = false;
  /** What the last `migrate()` did (the one run at open, unless readonly). */
  migrationsApplied: MigrationReport = { applied: [], current: 0 };

  /** `appender` is undefined for a readonly store. */
  constructor(db: SqliteConnection, appender: Appender | undefined) {
    this.#db = db;
    this.#appender = appender;
    this.#reads = new StatementCache(db);
  }

  /** Brings the schema up to date; safe to call any number of times. */
  migrate(): MigrationReport {
    this.migrationsApplied = migrate(this.#requireWritable());
    return this.migrationsApplied;
  }

  append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#appender === undefined) return Promise.reject(readonlyError());
    return this.#appender.append(batches).catch((error: unknown) => Promise.reject(storeError(error)));
  }

  readStream(tenant: string, stream: string, options: StreamReadOptions): Promise<StreamPage> {
    return this.#run(() => {
      // One read transaction, so the version and the events come from the same snapshot.
      this.#db.exec('BEGIN');
      try {
        const version = this.#reads.get(READ_SQL.streamVersion).pluck().get(tenant, stream) as number | null ?? 0;
        const rows = options.direction === 'forward'
          ? this.#bodies(READ_SQL.streamForward).all(tenant, stream, options.fromVersion ?? 1, options.limit)
          : this.#bodies(READ_SQL.streamBackward).all(tenant, stream, options.fromVersion ?? version, options.limit);
        return { stream, version, events: rows.map(parse) };
      } finally {
        this.#db.exec('COMMIT');
      }
    });
  }

  search(tenant: TenantScope, query: SearchQuery): Promise<SearchPage> {
    return this.#run(() => searchEvents(this.#reads, tenant, query));
  }

  getById(tenant: TenantScope, id: string): Promise<StoredEvent | null> {
    return this.#run(() => {
      const body = tenant === ALL_TENANTS
        ? this.#bodies(READ_SQL.byId).get(id)
        : this.#bodies(READ_SQL.byIdInTenant).get(id, tenant);
      return body === undefined ? null : parse(body);
    });
  }

  stats(tenant: TenantScope, query: StatsQuery): Promise<StatsRow[]> {
    return this.#run(() => eventStats(this.#reads, tenant, query));
  }

  headPosition(tenant: string): Promise<number> {
    return this.#run(() => (this.#reads.get(READ_SQL.headPosition).pluck().get(tenant) as number | null) ?? 0);
  }

  ping(): Promise<void> {
    return this.#run(() => {
      this.#reads.get('SELECT 1').get();
    }).then(() => this.#appender?.ping()).catch((error: unknown) => Promise.reject(storeError(error)));
  }

  createKey(record: ApiKeyRecord): Promise<void> {
    return this.#run(() => {
      this.#requireWritable()
        .prepare(`INSERT INTO api_keys (id, tenant, name, prefix, hash, scopes, created_at, expires_at, revoked_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(record.id, record.tenant, record.name, record.prefix, record.hash, JSON.stringify(record.scopes),
          record.createdAt, record.expiresAt, record.revokedAt);
    });
  }

  findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.#run(() => {
      const row = this.#reads.get<ApiKeyRow>('SELECT * FROM api_keys WHERE hash = ?').get(hash);
      return row === undefined ? null : {
        id: row.id, tenant: row.tenant, name: row.name, prefix: row.prefix, hash: row.hash,
        scopes: JSON.parse(row.scopes) as string[], createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at,
      };
    });
  }

  countKeys(): Promise<number> {
    return this.#run(() => this.#reads.get<number>('SELECT COUNT(*) FROM api_keys').pluck().get() as number);
  }

  /** Lets the appends already made finish, then closes both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#appender?.close();
    this.#db.close();
  }

  #bodies(sql: string): SqliteStatement<string> {
    return typed<string>(this.#reads.get(sql).pluck());
  }

  #requireWritable(): SqliteConnection {
    if (this.#appender === undefined) throw readonlyError();
    return this.#db;
  }

  /** Runs synchronous driver work as a promise, with driver failures mapped to Vellum errors. */
  #run<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeError(error));
    }
  }
}

const parse = (body: string): StoredEvent => JSON.parse(body) as StoredEvent;
const closedError = () => new VellumError('STORE_UNAVAILABLE', { message: 'The store is closed.' });
const readonlyError = () => new VellumError('STORE_UNAVAILABLE', { message: 'This store was opened readonly.' });
