import { ALL_TENANTS, VellumError } from '@vellum/core';
import type {
  AccessStore, ApiKeyRecord, AppendBatch, AppendOutcome, CheckpointRecord, EventStore, IntegrityStore, KeyUsage, LogProblem,
  MerkleNodeRecord, MerkleTreeState, PersonalDataStore, SearchPage, SearchQuery, StatsQuery, StatsRow, StoredEvent, StreamPage,
  StreamReadOptions, TenantRecord, TenantScope,
} from '@vellum/core';
import type { PgPool } from './PgPool.ts';
import { PostgresAccessStore } from './PostgresAccessStore.ts';
import { PostgresIntegrityStore } from './PostgresIntegrityStore.ts';
import { PostgresPersonalDataStore } from './PostgresPersonalDataStore.ts';
import { PostgresRetentionStore } from './PostgresRetentionStore.ts';
import { PostgresSubscriptionStore } from './PostgresSubscriptionStore.ts';
import { PlannerStatistics } from './PlannerStatistics.ts';
import { NO_TENANT, TenantPool } from './TenantPool.ts';
import { appendBatches } from './appendBatches.ts';
import { appendStatements, type AppendStatements } from './appendSql.ts';
import { migrate } from './migrate.ts';
import { readStreamQuery, streamStatements, type StreamStatements } from './readStreamSql.ts';
import { searchPage, searchSql } from './searchEvents.ts';
import { tableNames, type TableNames } from './sqlNames.ts';
import { statement, run, type Statement } from './statement.ts';
import { statsRows, statsSql } from './statsSql.ts';
import { toStoreError } from './storeUnavailable.ts';
import { columnText } from './eventColumns.ts';
import { indexedColumnProblems } from './indexedColumns.ts';

/**
 * The PostgreSQL store: several Vellum nodes may share one database (and one schema) safely. Every query
 * runs as the schema's application role under row-level security, scoped to the tenant it reads or writes
 * (TenantPool.ts); migrations run as the connecting user. Keys and tenants (PostgresAccessStore) and Merkle trees
 * and checkpoints (PostgresIntegrityStore) are halves of their own sharing the pool.
 */
export class PostgresEventStore implements EventStore, AccessStore, IntegrityStore, PersonalDataStore {
  readonly schema: string;
  readonly #pool: TenantPool;
  readonly #t: TableNames;
  readonly #append: AppendStatements;
  readonly #stream: StreamStatements;
  readonly #access: PostgresAccessStore;
  readonly #integrity: PostgresIntegrityStore;
  readonly #personal: PostgresPersonalDataStore;
  readonly subscriptions: PostgresSubscriptionStore;
  readonly retention: PostgresRetentionStore;
  readonly #byId: { any: Statement; tenant: Statement; head: Statement };
  readonly statistics: PlannerStatistics;
  #closed: Promise<void> | undefined;

  constructor(pool: PgPool, schema: string) {
    this.schema = schema;
    this.#t = tableNames(schema);
    this.#pool = new TenantPool(pool, this.#t);
    this.#append = appendStatements(this.#t);
    this.#stream = streamStatements(this.#t);
    this.#access = new PostgresAccessStore(this.#pool, this.#t);
    this.#integrity = new PostgresIntegrityStore(this.#pool, this.#t);
    this.#personal = new PostgresPersonalDataStore(this.#pool, this.#t);
    this.subscriptions = new PostgresSubscriptionStore(this.#pool, this.#t);
    this.retention = new PostgresRetentionStore(this.#pool, this.#t);
    this.statistics = new PlannerStatistics(this.#pool, this.#t);
    this.#byId = {
      any: statement(`SELECT body FROM ${this.#t.events} WHERE id = $1`),
      tenant: statement(`SELECT body FROM ${this.#t.events} WHERE id = $1 AND tenant = $2`),
      head: statement(`SELECT position FROM ${this.#t.tenantHeads} WHERE tenant = $1`),
    };
  }

  /** Applies pending migrations; safe to call from several processes at once. Returns the versions applied. */
  async migrate(): Promise<number[]> {
    try {
      return await this.#pool.asOwner((client) => migrate(client, this.#t));
    } catch (e) {
      throw toStoreError(e);
    }
  }

  async append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    const outcomes = await appendBatches(this.#pool, this.#append, batches);
    this.statistics.appended(batches.reduce((n, b) => n + b.events.length, 0));
    return outcomes;
  }

  async readStream(tenant: string, stream: string, options: StreamReadOptions): Promise<StreamPage> {
    const rows = await this.#pool.rows<{ version: string; body: string | null }>(tenant, readStreamQuery(this.#stream, tenant, stream, options));
    return {
      stream,
      version: Number(rows[0]?.version ?? 0),
      events: rows.flatMap((r) => (r.body === null ? [] : [JSON.parse(r.body) as StoredEvent])),
    };
  }

  async search(tenant: TenantScope, query: SearchQuery): Promise<SearchPage> {
    return searchPage(await this.#pool.rows<{ k: string; body: string }>(tenant, searchSql(this.#t, tenant, query)), tenant, query);
  }

  async getById(tenant: TenantScope, id: string): Promise<StoredEvent | null> {
    const q = tenant === ALL_TENANTS ? run(this.#byId.any, [columnText(id)]) : run(this.#byId.tenant, [columnText(id), columnText(tenant)]);
    const [row] = await this.#pool.rows<{ body: string }>(tenant, q);
    return row === undefined ? null : (JSON.parse(row.body) as StoredEvent);
  }

  async stats(tenant: TenantScope, query: StatsQuery): Promise<StatsRow[]> {
    return statsRows(await this.#pool.rows(tenant, statsSql(this.#t, tenant, query)), query);
  }

  async headPosition(tenant: string): Promise<number> {
    const [row] = await this.#pool.rows<{ position: string }>(tenant, run(this.#byId.head, [columnText(tenant)]));
    return Number(row?.position ?? 0);
  }

  /** A page of rows at a time, under the tenant's row security; see EventStore.indexedColumnProblems. */
  async *indexedColumnProblems(tenant: string, onProgress?: (rows: number) => void): AsyncGenerator<LogProblem> {
    try {
      yield* indexedColumnProblems(this.#pool, this.#t, tenant, onProgress);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async settingWarnings(): Promise<string[]> {
    const rows = await this.#pool.rows<{ setting: string }>(NO_TENANT, { text: `SELECT setting FROM pg_settings WHERE name = 'autovacuum'` });
    return rows[0]?.setting === 'off'
      ? ['PostgreSQL runs with autovacuum off: Vellum analyzes its events table itself as it grows, but the visibility map is never '
        + 'refreshed, so appends and reads slow down as the store grows. Turn autovacuum on (docs/postgres.md).']
      : [];
  }

  /** Ready means: a connection as the application role answers (so a missing role is "not ready" too). */
  async ping(): Promise<void> {
    try {
      await this.#pool.query(NO_TENANT, { text: 'SELECT 1' });
    } catch (e) {
      const error = toStoreError(e);
      // Whatever the failure, a ping that fails means "not ready": say so in the store's own terms.
      throw error instanceof VellumError ? error : new VellumError('STORE_UNAVAILABLE', { cause: e });
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.statistics.settled().then(() => this.#pool.end());
    return this.#closed;
  }

  createTenant(tenant: TenantRecord): Promise<{ created: boolean }> { return this.#access.createTenant(tenant); }
  getTenant(id: string): Promise<TenantRecord | null> { return this.#access.getTenant(id); }
  listTenants(): Promise<TenantRecord[]> { return this.#access.listTenants(); }
  createKey(record: ApiKeyRecord): Promise<void> { return this.#access.createKey(record); }
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null> { return this.#access.findKeyByHash(hash); }
  findKeyById(tenant: TenantScope, id: string): Promise<ApiKeyRecord | null> { return this.#access.findKeyById(tenant, id); }
  listKeys(tenant: TenantScope): Promise<ApiKeyRecord[]> { return this.#access.listKeys(tenant); }
  countKeys(): Promise<number> { return this.#access.countKeys(); }
  revokeKey(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> { return this.#access.revokeKey(tenant, id, at); }
  expireKeyBy(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> { return this.#access.expireKeyBy(tenant, id, at); }
  recordKeyUsage(usage: readonly KeyUsage[]): Promise<void> { return this.#access.recordKeyUsage(usage); }
  getOrCreateSecret(name: string, candidate: string): Promise<string> { return this.#access.getOrCreateSecret(name, candidate); }

  leafHashes(tenant: string, fromPosition: number, limit: number): Promise<string[]> { return this.#integrity.leafHashes(tenant, fromPosition, limit); }
  treeState(tenant: string): Promise<MerkleTreeState> { return this.#integrity.treeState(tenant); }
  advanceTree(tenant: string, fromSize: number, next: MerkleTreeState, nodes: readonly MerkleNodeRecord[]): Promise<boolean> {
    return this.#integrity.advanceTree(tenant, fromSize, next, nodes);
  }
  merkleNodes(tenant: string, ids: ReadonlyArray<{ level: number; index: number }>): Promise<MerkleNodeRecord[]> { return this.#integrity.merkleNodes(tenant, ids); }
  tenantsBehind(): Promise<string[]> { return this.#integrity.tenantsBehind(); }
  saveCheckpoint(checkpoint: CheckpointRecord): Promise<void> { return this.#integrity.saveCheckpoint(checkpoint); }
  latestCheckpoint(tenant: string): Promise<CheckpointRecord | null> { return this.#integrity.latestCheckpoint(tenant); }
  checkpointAt(tenant: string, treeSize: number): Promise<CheckpointRecord | null> { return this.#integrity.checkpointAt(tenant, treeSize); }

  subjectKey(tenant: string, subject: string, candidate: Uint8Array): Promise<Uint8Array | null> { return this.#personal.subjectKey(tenant, subject, candidate); }
  subjectKeysOrCreate(tenant: string, candidates: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array | null>> { return this.#personal.subjectKeysOrCreate(tenant, candidates); }
  subjectKeys(tenant: string, subjects: readonly string[]): Promise<Map<string, Uint8Array | null>> { return this.#personal.subjectKeys(tenant, subjects); }
  forgetSubject(tenant: string, subject: string, at: string): Promise<{ forgotten: boolean; forgottenAt: string }> { return this.#personal.forgetSubject(tenant, subject, at); }
}
