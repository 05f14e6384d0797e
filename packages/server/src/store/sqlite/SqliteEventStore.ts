import { ALL_TENANTS, VellumError } from '@vellum/core';
import type {
  AccessStore, ApiKeyRecord, AppendBatch, AppendOutcome, CheckpointRecord, EventStore, IntegrityStore, KeyUsage, LogProblem,
  MerkleNodeRecord, MerkleTreeState, PersonalDataStore, SearchPage, SearchQuery, StatsQuery, StatsRow, StoredEvent, StreamPage,
  StreamReadOptions, TenantRecord, TenantScope,
} from '@vellum/core';
import { SqliteAccessStatements } from './accessStatements.ts';
import { SqliteIntegrityStatements } from './integrityStatements.ts';
import { SqlitePersonalDataStatements } from './personalDataStatements.ts';
import { SqliteRetentionStatements } from './retentionStatements.ts';
import { SqliteRetentionStore } from './SqliteRetentionStore.ts';
import { SqliteSubscriptionStatements } from './subscriptionStatements.ts';
import { SqliteSubscriptionStore } from './SqliteSubscriptionStore.ts';
import type { SqliteHalf } from './SqliteHalf.ts';
import { storeError } from './appendBatches.ts';
import type { Appender } from './InlineAppender.ts';
import type { WriterStatements, WriterTarget } from './writerCalls.ts';
import { migrate, type MigrationReport } from './schema/migrations.ts';
import { READ_SQL } from './readSql.ts';
import { indexedColumnProblems } from './indexedColumns.ts';
import { searchEvents } from './searchQuery.ts';
import { StatementCache } from './StatementCache.ts';
import { eventStats } from './statsQuery.ts';
import { typed, type SqliteConnection, type SqliteStatement } from './SqliteConnection.ts';

/**
 * The SQLite event store. Appends go through an Appender — normally a writer thread with its own connection, one
 * transaction per `append` call, one call at a time — and so do the other writes (tenants, keys and secrets in
 * accessStatements.ts, Merkle trees and checkpoints in integrityStatements.ts, subject keys in
 * personalDataStatements.ts; see writerCalls.ts), so this thread never waits for the write lock. Queries and
 * migrations run on this thread's connection; WAL lets it read a consistent snapshot while the writer commits, so a
 * long read never holds up an append.
 */
export class SqliteEventStore implements EventStore, AccessStore, IntegrityStore, PersonalDataStore {
  readonly #db: SqliteConnection;
  readonly #appender: Appender | undefined;
  readonly #reads: StatementCache;
  readonly #access: SqliteAccessStatements;
  readonly #integrity: SqliteIntegrityStatements;
  readonly #personal: SqlitePersonalDataStatements;
  readonly subscriptions: SqliteSubscriptionStore;
  readonly retention: SqliteRetentionStore;
  #closed = false;
  /** What the last `migrate()` did (the one run at open, unless readonly). */
  migrationsApplied: MigrationReport = { applied: [], current: 0 };

  /** `appender` is undefined for a readonly store. */
  constructor(db: SqliteConnection, appender: Appender | undefined) {
    this.#db = db;
    this.#appender = appender;
    this.#reads = new StatementCache(db);
    this.#access = new SqliteAccessStatements(db, new StatementCache(db, 32));
    this.#integrity = new SqliteIntegrityStatements(db, new StatementCache(db, 32));
    this.#personal = new SqlitePersonalDataStatements(db, new StatementCache(db, 8));
    this.subscriptions = new SqliteSubscriptionStore(this.#half('subscriptions', new SqliteSubscriptionStatements(db, new StatementCache(db, 32))));
    this.retention = new SqliteRetentionStore(this.#half('retention', new SqliteRetentionStatements(db, new StatementCache(db, 16))));
  }

  /** Brings the schema up to date; safe to call any number of times. */
  migrate(): MigrationReport {
    this.migrationsApplied = migrate(this.#requireWritable());
    return this.migrationsApplied;
  }

  get appendPipelineDepth(): number {
    return this.#appender?.pipelineDepth ?? 1;
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
        const version = this.#reads.get(READ_SQL.streamVersion).pluck().get({ tenant, stream }) as number | null ?? 0;
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

  /** Reads a page at a time on this thread's connection, as a search does; see EventStore.indexedColumnProblems. */
  async *indexedColumnProblems(tenant: string, onProgress?: (rows: number) => void): AsyncGenerator<LogProblem> {
    if (this.#closed) throw closedError();
    try {
      yield* indexedColumnProblems(this.#reads, tenant, onProgress);
    } catch (error) {
      throw storeError(error);
    }
  }

  ping(): Promise<void> {
    return this.#run(() => {
      this.#reads.get('SELECT 1').get();
    }).then(() => this.#appender?.ping()).catch((error: unknown) => Promise.reject(storeError(error)));
  }

  createTenant(tenant: TenantRecord): Promise<{ created: boolean }> {
    return this.#call('access', 'createTenant', tenant);
  }

  getTenant(id: string): Promise<TenantRecord | null> {
    return this.#run(() => this.#access.getTenant(id));
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.#run(() => this.#access.listTenants());
  }

  createKey(record: ApiKeyRecord): Promise<void> {
    return this.#call('access', 'createKey', record);
  }

  findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.#run(() => this.#access.findKeyByHash(hash));
  }

  findKeyById(tenant: TenantScope, id: string): Promise<ApiKeyRecord | null> {
    return this.#run(() => this.#access.findKeyById(tenant, id));
  }

  listKeys(tenant: TenantScope): Promise<ApiKeyRecord[]> {
    return this.#run(() => this.#access.listKeys(tenant));
  }

  countKeys(): Promise<number> {
    return this.#run(() => this.#access.countKeys());
  }

  revokeKey(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> {
    return this.#call('access', 'revokeKey', tenant, id, at);
  }

  expireKeyBy(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> {
    return this.#call('access', 'expireKeyBy', tenant, id, at);
  }

  recordKeyUsage(usage: readonly KeyUsage[]): Promise<void> {
    return this.#call('access', 'recordKeyUsage', usage);
  }

  getOrCreateSecret(name: string, candidate: string): Promise<string> {
    return this.#call('access', 'getOrCreateSecret', name, candidate, new Date().toISOString());
  }

  leafHashes(tenant: string, fromPosition: number, limit: number): Promise<string[]> {
    return this.#run(() => this.#integrity.leafHashes(tenant, fromPosition, limit));
  }

  treeState(tenant: string): Promise<MerkleTreeState> {
    return this.#run(() => this.#integrity.treeState(tenant));
  }

  advanceTree(tenant: string, fromSize: number, next: MerkleTreeState, nodes: readonly MerkleNodeRecord[]): Promise<boolean> {
    return this.#call('integrity', 'advanceTree', tenant, fromSize, next, nodes);
  }

  merkleNodes(tenant: string, ids: ReadonlyArray<{ level: number; index: number }>): Promise<MerkleNodeRecord[]> {
    return this.#run(() => this.#integrity.merkleNodes(tenant, ids));
  }

  tenantsBehind(): Promise<string[]> {
    return this.#run(() => this.#integrity.tenantsBehind());
  }

  saveCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    return this.#call('integrity', 'saveCheckpoint', checkpoint);
  }

  latestCheckpoint(tenant: string): Promise<CheckpointRecord | null> {
    return this.#run(() => this.#integrity.latestCheckpoint(tenant));
  }

  checkpointAt(tenant: string, treeSize: number): Promise<CheckpointRecord | null> {
    return this.#run(() => this.#integrity.checkpointAt(tenant, treeSize));
  }

  subjectKey(tenant: string, subject: string, candidate: Uint8Array): Promise<Uint8Array | null> {
    return this.#call('personal', 'subjectKey', tenant, subject, candidate, new Date().toISOString());
  }

  subjectKeysOrCreate(tenant: string, candidates: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array | null>> {
    return this.#call('personal', 'subjectKeysOrCreate', tenant, candidates, new Date().toISOString());
  }

  subjectKeys(tenant: string, subjects: readonly string[]): Promise<Map<string, Uint8Array | null>> {
    return this.#run(() => this.#personal.subjectKeys(tenant, subjects));
  }

  forgetSubject(tenant: string, subject: string, at: string): Promise<{ forgotten: boolean; forgottenAt: string }> {
    return this.#call('personal', 'forgetSubject', tenant, subject, at);
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

  /**
   * A write other than an append (keys, secrets, trees, checkpoints, subject keys), run where appends run — on the
   * writer thread, so this thread never blocks on the write lock (writerCalls.ts). Refused on a readonly store.
   */
  #call<G extends WriterTarget, M extends keyof WriterStatements[G] & string>(
    target: G,
    method: M,
    ...args: WriterStatements[G][M] extends (...a: infer A) => unknown ? A : never
  ): Promise<WriterStatements[G][M] extends (...a: never[]) => infer R ? R : never> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#appender === undefined) return Promise.reject(readonlyError());
    type Result = WriterStatements[G][M] extends (...a: never[]) => infer R ? R : never;
    return this.#appender.call({ target, method, args }).then(
      (result) => result as Result,
      (error: unknown) => Promise.reject(storeError(error)),
    );
  }

  /** A part with statements of its own: reads here, writes on the writer thread as `target` calls. */
  #half<G extends WriterTarget>(target: G, statements: WriterStatements[G]): SqliteHalf<WriterStatements[G]> {
    return {
      read: (work) => this.#run(() => work(statements)),
      write: (method, ...args) => (this.#call as (t: G, m: string, ...a: unknown[]) => Promise<never>)(target, method, ...args),
    };
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
