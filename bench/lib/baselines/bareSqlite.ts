/**
 * Bare better-sqlite3: the same rows, WAL with synchronous=FULL (the durability Vellum promises), one
 * transaction per request-sized batch. SQLite has one writer, so "N clients" are N requests' worth of
 * commits done one after another; concurrency cannot help it, only batching (group commit) can.
 */
import Database from 'better-sqlite3';
import type { EventRing } from '../EventRing.ts';
import { runWorkers, type RunResult } from '../runWorkers.ts';
import { BARE_COLUMNS, bareIndexesSql, createRowSequencer, rowValues, type BareRow } from './bareRows.ts';

export interface BareSqlite {
  insert(rows: readonly BareRow[]): void;
  db: Database.Database;
  close(): void;
}

/**
 * `indexes`: true for all of DESIGN.md's (bareIndexesSql), false for the primary key only, or the statements to run.
 * `cacheMiB`: SQLite's page cache (default: SQLite's own, 2 MiB).
 */
export function openBareSqlite(file: string, options: { indexes: boolean | readonly string[]; cacheMiB?: number }): BareSqlite {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  if (options.cacheMiB !== undefined) db.pragma(`cache_size = ${-options.cacheMiB * 1024}`);
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY, tenant TEXT NOT NULL, id TEXT NOT NULL, stream TEXT NOT NULL,
    stream_version INTEGER NOT NULL, type TEXT NOT NULL, actor_type TEXT NOT NULL, actor_id TEXT NOT NULL,
    entity_type TEXT, entity_id TEXT, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL,
    body TEXT NOT NULL, hash TEXT NOT NULL)`);
  const indexes = options.indexes === true ? bareIndexesSql('events') : options.indexes === false ? [] : options.indexes;
  for (const sql of indexes) db.exec(sql.replace('INDEX', 'INDEX IF NOT EXISTS'));
  const stmt = db.prepare(`INSERT INTO events (${BARE_COLUMNS.join(', ')}) VALUES (${BARE_COLUMNS.map(() => '?').join(', ')})`);
  const insert = db.transaction((rows: readonly BareRow[]) => {
    for (const r of rows) stmt.run(rowValues(r));
  });
  return { insert: (rows) => insert(rows), db, close: () => db.close() };
}

export interface BareRunOptions {
  ring: EventRing;
  maxOps?: number;
  durationMs?: number;
  /** Carries positions and stream versions across runs into the same table (the growth bench's steps). */
  sequence?: ReturnType<typeof createRowSequencer>;
  /** Added to each operation's number, so consecutive runs continue through the ring. */
  seqOffset?: number;
}

/** One transaction per ring batch, back to back. */
export async function runBareSqlite(file: string, options: BareRunOptions & { indexes: boolean }): Promise<RunResult> {
  const bare = openBareSqlite(file, { indexes: options.indexes });
  const sequence = options.sequence ?? createRowSequencer();
  const offset = options.seqOffset ?? 0;
  try {
    return await runWorkers({
      workers: 1,
      ...(options.maxOps !== undefined ? { maxOps: options.maxOps } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      op: async (seq) => {
        const rows = sequence(options.ring.batch(seq + offset));
        bare.insert(rows);
        return { events: rows.length };
      },
    });
  } finally {
    bare.close();
  }
}
