/**
 * Bare `pg`: the same rows into a plain table, with N concurrent connections each committing one
 * request-sized batch at a time (synchronous_commit=on, as Vellum promises). Three ways to write a batch:
 * one multi-row INSERT, COPY FROM STDIN (pg-copy-streams), or, for single events, one-row INSERTs.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EventRing } from '../EventRing.ts';
import { runWorkers, type RunResult } from '../runWorkers.ts';
import { BARE_COLUMNS, bareIndexesSql, createRowSequencer, rowValues, type BareRow } from './bareRows.ts';

export type BarePgMode = 'insert' | 'copy';

/**
 * An idle pooled connection that the server drops (a restart, another session terminating backends) must
 * not crash the bench: pg emits 'error' on the pool, which is fatal when nobody listens.
 */
export function logIdleError(err: Error): void {
  console.error(`  (idle PostgreSQL connection lost: ${err.message})`);
}

export async function createBarePgTable(url: string, options: { indexes: boolean }): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS events (
      tenant text NOT NULL, position bigint NOT NULL, id uuid NOT NULL, stream text NOT NULL,
      stream_version integer NOT NULL, type text NOT NULL, actor_type text NOT NULL, actor_id text NOT NULL,
      entity_type text, entity_id text, occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL,
      body jsonb NOT NULL, hash text NOT NULL, PRIMARY KEY (tenant, position))`);
    if (options.indexes) for (const sql of bareIndexesSql('events')) await client.query(sql.replace('INDEX', 'INDEX IF NOT EXISTS'));
  } finally {
    await client.end();
  }
}

const INSERT_HEAD = `INSERT INTO events (${BARE_COLUMNS.join(', ')}) VALUES `;

export function multiRowInsert(rows: readonly BareRow[]): { text: string; values: (string | number | null)[] } {
  const width = BARE_COLUMNS.length;
  const tuples = rows.map((_, r) => `(${BARE_COLUMNS.map((__, c) => `$${r * width + c + 1}`).join(', ')})`);
  return { text: INSERT_HEAD + tuples.join(', '), values: rows.flatMap(rowValues) };
}

/** COPY text format: backslash, tab, newline and carriage return are escaped; null is \N. */
function copyField(v: string | number | null): string {
  if (v === null) return '\\N';
  return typeof v === 'number' ? String(v) : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export function copyText(rows: readonly BareRow[]): string {
  return rows.map((r) => rowValues(r).map(copyField).join('\t')).join('\n') + '\n';
}

export async function copyRows(pool: pg.Pool, rows: readonly BareRow[]): Promise<void> {
  const client = await pool.connect();
  try {
    const sink = client.query(copyFrom(`COPY events (${BARE_COLUMNS.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from([copyText(rows)]), sink);
  } finally {
    client.release();
  }
}

export interface BarePgRunOptions {
  url: string;
  ring: EventRing;
  mode: BarePgMode;
  clients: number;
  maxOps?: number;
  durationMs?: number;
  /** Carries positions and stream versions across runs into the same table (the growth bench's steps). */
  sequence?: ReturnType<typeof createRowSequencer>;
  /** Added to each operation's number, so consecutive runs continue through the ring. */
  seqOffset?: number;
}

/** Expects the table to exist (createBarePgTable): several runs may share it, as the store grows. */
export async function runBarePg(options: BarePgRunOptions): Promise<RunResult> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.clients });
  pool.on('error', logIdleError);
  const sequence = options.sequence ?? createRowSequencer();
  const offset = options.seqOffset ?? 0;
  try {
    // Open every connection before the clock starts: connection set-up is not insert throughput.
    const warm = await Promise.all(Array.from({ length: options.clients }, () => pool.connect()));
    for (const c of warm) c.release();
    return await runWorkers({
      workers: options.clients,
      ...(options.maxOps !== undefined ? { maxOps: options.maxOps } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      op: async (seq) => {
        const rows = sequence(options.ring.batch(seq + offset));
        if (options.mode === 'copy') await copyRows(pool, rows);
        else await pool.query(multiRowInsert(rows));
        return { events: rows.length };
      },
    });
  } finally {
    await pool.end();
  }
}
