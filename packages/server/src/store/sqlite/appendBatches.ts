import { VellumError, isVellumError, keyedFingerprint, sealEvent } from '@vellum/core';
import type { AppendBatch, AppendOutcome, AppendResult, PreparedEvent } from '@vellum/core';
import { changedFieldsOf, tagsOf } from '../eventSideValues.ts';
import { INDEXED_COLUMNS, indexedColumnValues } from './indexedColumns.ts';
import { READ_SQL } from './readSql.ts';
import { typed, type SqliteConnection, type SqliteStatement } from './SqliteConnection.ts';

/** Every statement the append path runs, prepared once per connection. */
export interface AppendStatements {
  begin: SqliteStatement;
  commit: SqliteStatement;
  rollback: SqliteStatement;
  savepoint: SqliteStatement;
  release: SqliteStatement;
  rollbackToSavepoint: SqliteStatement;
  tenantHead: SqliteStatement<number | null>;
  streamHead: SqliteStatement<number | null>;
  eventByKey: SqliteStatement<KeyedEventRow>;
  requestKey: SqliteStatement<RequestKeyRow>;
  insertRequestKey: SqliteStatement;
  insertEvent: SqliteStatement;
  insertTag: SqliteStatement;
  insertField: SqliteStatement;
}

interface KeyedEventRow {
  id: string;
  position: number;
  stream: string;
  streamVersion: number;
  hash: string;
  fingerprint: string | null;
}

interface RequestKeyRow {
  fingerprint: string;
  results: string;
}

export function prepareAppendStatements(db: SqliteConnection): AppendStatements {
  return {
    // IMMEDIATE takes the write lock up front: heads read inside the transaction can't go stale.
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT batch'),
    release: db.prepare('RELEASE batch'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO batch'),
    tenantHead: typed<number | null>(db.prepare(READ_SQL.headPosition).pluck()),
    streamHead: typed<number | null>(db.prepare(READ_SQL.streamVersion).pluck()),
    eventByKey: typed<KeyedEventRow>(db.prepare(
      `SELECT id, position, stream, stream_version AS streamVersion, json_extract(body, '$.hash') AS hash, fingerprint
         FROM events WHERE tenant = ? AND idempotency_key = ?`,
    )),
    requestKey: typed<RequestKeyRow>(db.prepare('SELECT fingerprint, results FROM request_keys WHERE tenant = ? AND key = ?')),
    insertRequestKey: db.prepare('INSERT INTO request_keys (tenant, key, fingerprint, results, created_at) VALUES (?, ?, ?, ?, ?)'),
    insertEvent: db.prepare(
      `INSERT INTO events (${INDEXED_COLUMNS.join(', ')}, fingerprint, body)
       VALUES (${INDEXED_COLUMNS.map(() => '?').join(', ')}, ?, ?)`,
    ),
    insertTag: db.prepare('INSERT OR IGNORE INTO event_tags (tenant, tag, position) VALUES (?, ?, ?)'),
    insertField: db.prepare('INSERT OR IGNORE INTO event_fields (tenant, field, position) VALUES (?, ?, ?)'),
  };
}

/**
 * Appends the batches in ONE transaction (group commit: one fsync for all of them) and returns once COMMIT
 * has returned, i.e. once the WAL is on disk. Each batch runs inside its own savepoint, so a batch that is
 * rejected (version conflict, reused idempotency key) is rolled back alone. Positions are handed out from a
 * per-tenant counter that only advances when a batch's savepoint is released, so they stay gapless.
 */
export function appendBatches(
  db: SqliteConnection,
  s: AppendStatements,
  batches: readonly AppendBatch[],
  nowMs: number,
): AppendOutcome[] {
  if (batches.length === 0) return [];
  const outcomes: AppendOutcome[] = [];
  const heads = new Map<string, number>();
  s.begin.run();
  try {
    for (const batch of batches) {
      let head = heads.get(batch.tenant);
      if (head === undefined) head = s.tenantHead.get(batch.tenant) ?? 0;
      const outcome = appendOne(s, batch, head, nowMs);
      if (outcome.status === 'committed') {
        heads.set(batch.tenant, outcome.head);
        outcomes.push({ status: 'committed', results: outcome.results });
      } else {
        heads.set(batch.tenant, head);
        outcomes.push(outcome);
      }
    }
    s.commit.run();
  } catch (error) {
    // A failed COMMIT (disk full, I/O error) may already have ended the transaction.
    if (db.inTransaction) s.rollback.run();
    throw storeError(error);
  }
  return outcomes;
}

type BatchOutcome =
  | { status: 'committed'; results: AppendResult[]; head: number }
  | { status: 'rejected'; error: VellumError };

function appendOne(s: AppendStatements, batch: AppendBatch, head: number, nowMs: number): BatchOutcome {
  const { tenant, requestKey } = batch;
  if (requestKey !== undefined) {
    const previous = s.requestKey.get(tenant, requestKey.key);
    if (previous !== undefined) {
      if (previous.fingerprint !== requestKey.fingerprint) {
        return { status: 'rejected', error: new VellumError('IDEMPOTENCY_KEY_REUSED', { meta: { idempotencyKey: requestKey.key } }) };
      }
      const results = (JSON.parse(previous.results) as AppendResult[]).map((r) => ({ ...r, duplicate: true as const }));
      return { status: 'committed', results, head };
    }
  }

  s.savepoint.run();
  try {
    const versions = new Map<string, number>();
    const results: AppendResult[] = [];
    let position = head;
    for (const prepared of batch.events) {
      const duplicate = prepared.event.idempotencyKey === undefined ? undefined : findDuplicate(s, tenant, prepared);
      if (duplicate !== undefined) {
        results.push(duplicate);
        continue;
      }
      const { event } = prepared;
      if (event.tenant !== tenant) {
        throw new VellumError('INTERNAL', { message: `event tenant ${event.tenant} differs from its batch's tenant ${tenant}` });
      }
      let version = versions.get(event.stream);
      if (version === undefined) version = s.streamHead.get({ tenant, stream: event.stream }) ?? 0;
      if (prepared.expectedVersion !== undefined && prepared.expectedVersion !== version) {
        throw new VellumError('STREAM_VERSION_CONFLICT', {
          message: `Stream ${event.stream} is at version ${version}, not the expected ${prepared.expectedVersion}.`,
          meta: { stream: event.stream, expectedVersion: prepared.expectedVersion, actualVersion: version },
        });
      }
      position += 1;
      version += 1;
      versions.set(event.stream, version);
      const sealed = seal(event, position, version, results.length);
      s.insertEvent.run(
        ...indexedColumnValues(sealed), sealed.idempotencyKey === undefined ? null : keyedFingerprint(prepared), JSON.stringify(sealed),
      );
      for (const tag of tagsOf(sealed)) s.insertTag.run(tenant, tag, position);
      for (const field of changedFieldsOf(sealed)) s.insertField.run(tenant, field, position);
      results.push({ id: sealed.id, position, stream: sealed.stream, streamVersion: version, hash: sealed.hash });
    }
    if (requestKey !== undefined) {
      s.insertRequestKey.run(tenant, requestKey.key, requestKey.fingerprint, JSON.stringify(results), nowMs);
    }
    s.release.run();
    return { status: 'committed', results, head: position };
  } catch (error) {
    s.rollbackToSavepoint.run();
    s.release.run();
    // Conflicts, reused keys, an event of another tenant: this batch's own problem, not the commit's.
    if (isVellumError(error)) return { status: 'rejected', error };
    // A constraint the checks above should have caught means a bug or a second writer outside this store;
    // refuse this batch, not the whole group commit.
    if (isConstraintError(error)) return { status: 'rejected', error: new VellumError('INTERNAL', { cause: error }) };
    throw error;
  }
}

/**
 * sealEvent throws on what canonical JSON cannot carry (a lone surrogate, a non-finite number). Validation
 * should have refused it already; if not, it is this batch's fault (400), not the commit's (503).
 */
function seal(event: PreparedEvent['event'], position: number, version: number, index: number): ReturnType<typeof sealEvent> {
  try {
    return sealEvent(event, position, version);
  } catch (cause) {
    throw new VellumError('VALIDATION_FAILED', {
      cause,
      details: [{ path: `/events/${index}`, message: `cannot be stored: ${cause instanceof Error ? cause.message : String(cause)}` }],
    });
  }
}

/** An event whose idempotency key was seen before: the original result, or a refusal if the content differs. */
function findDuplicate(s: AppendStatements, tenant: string, prepared: PreparedEvent): AppendResult | undefined {
  const key = prepared.event.idempotencyKey;
  const row = s.eventByKey.get(tenant, key);
  if (row === undefined) return undefined;
  if (row.fingerprint !== prepared.fingerprint) {
    throw new VellumError('IDEMPOTENCY_KEY_REUSED', { meta: { idempotencyKey: key } });
  }
  return { id: row.id, position: row.position, stream: row.stream, streamVersion: row.streamVersion, hash: row.hash, duplicate: true };
}

const isConstraintError = (error: unknown): boolean =>
  typeof (error as { code?: unknown } | null)?.code === 'string' && (error as { code: string }).code.startsWith('SQLITE_CONSTRAINT');

/** Lock contention and I/O failures are the store being unavailable (503), not a bad request. */
export function storeError(error: unknown): unknown {
  if (isVellumError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)/.test(code)) {
    return new VellumError('STORE_UNAVAILABLE', { cause: error });
  }
  return error;
}
