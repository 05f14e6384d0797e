/** Shared by the SQLite store's own tests and the crash test's child process (which cannot load vitest). */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareEvent, uuidv7 } from '@vellum/core';
import type { AppendBatch, AppendOutcome, EventInput, PreparedEvent } from '@vellum/core';
import type { SqliteConnection } from '../../src/store/sqlite/SqliteConnection.ts';
import { appendBatches, prepareAppendStatements } from '../../src/store/sqlite/appendBatches.ts';

/** A PreparedEvent made the way ingest makes one, with a fresh UUIDv7. */
export function preparedEvent(tenant: string, input: Partial<EventInput> = {}, nowMs = Date.now()): PreparedEvent {
  return prepareEvent(
    { type: 'test.happened', actor: { type: 'user', id: '1' }, ...input },
    [],
    { tenant, id: uuidv7(nowMs, randomBytes(10)), recordedAt: new Date(nowMs).toISOString() },
  );
}

/** A fresh directory under the OS temp dir, removed by the returned function. */
export function tempDir(prefix = 'vellum-sqlite-'): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Appends with today's append statements to a file migrated only part way (an upgrade test's "older release"). Those
 * statements also read tables later migrations added (stream_floors, migration 9): temporary stand-ins, on this
 * connection only, let them run while the file itself keeps exactly the older schema.
 */
export function appendToOlderSchema(db: SqliteConnection, batches: readonly AppendBatch[], nowMs: number): AppendOutcome[] {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS stream_floors (tenant TEXT, stream TEXT, version INTEGER, PRIMARY KEY (tenant, stream))');
  return appendBatches(db, prepareAppendStatements(db), batches, nowMs);
}
