/**
 * Fresh, throw-away storage for one subject of a bench: a temp directory for SQLite files, a temp database
 * on the local PostgreSQL for the PG subjects (a database, not a schema, so Vellum, the bare driver and
 * Emmett each start empty whatever schema names they use). Everything is removed when the bench ends,
 * also on Ctrl-C.
 */
import { existsSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.VELLUM_BENCH_PG_URL ?? process.env.VELLUM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const cleanups = new Set<() => Promise<void>>();
let hooked = false;

function onCleanup(fn: () => Promise<void>): () => Promise<void> {
  if (!hooked) {
    hooked = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: cleaning up temp stores...`);
        void cleanAll().finally(() => process.exit(130));
      });
    }
  }
  const once = async () => {
    if (!cleanups.delete(once)) return;
    await fn();
  };
  cleanups.add(once);
  return once;
}

/** Removes every temp store still registered (the benches call it in `finally`). */
export async function cleanAll(): Promise<void> {
  for (const fn of [...cleanups]) await fn().catch((e: unknown) => console.error('cleanup failed:', e));
}

export interface TempDir {
  dir: string;
  file(name: string): string;
  sizeBytes(): number;
  remove(): Promise<void>;
}

export function tempDir(label: string): TempDir {
  const dir = mkdtempSync(path.join(process.env.VELLUM_BENCH_TMP ?? os.tmpdir(), `vellum-bench-${label}-`));
  return {
    dir,
    file: (name) => path.join(dir, name),
    sizeBytes: () => readdirSync(dir).reduce((s, f) => s + statSync(path.join(dir, f)).size, 0),
    remove: onCleanup(async () => rmSync(dir, { recursive: true, force: true })),
  };
}

export interface TempDatabase {
  name: string;
  url: string;
  sizeBytes(): Promise<number>;
  remove(): Promise<void>;
}

let dbCounter = 0;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  client.on('error', (e) => console.error(`  (admin connection lost: ${e.message})`));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let swept = false;

/** Drops temp databases left by benches that were killed outright (their pid is gone). */
async function sweepOrphans(): Promise<void> {
  swept = true;
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'vellum\\_bench\\_%'");
    for (const { datname } of rows) {
      const pid = Number(/_(\d+)_\d+$/.exec(datname)?.[1]);
      if (!pid || pid === process.pid || existsSync(`/proc/${pid}`)) continue;
      await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      console.error(`dropped ${datname}, left behind by a bench that no longer runs`);
    }
  });
}

export async function tempDatabase(label: string): Promise<TempDatabase> {
  if (!swept) await sweepOrphans();
  const name = `vellum_bench_${label}_${process.pid}_${++dbCounter}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    sizeBytes: () => admin(async (c) => Number((await c.query<{ s: string }>('SELECT pg_database_size($1) AS s', [name])).rows[0]!.s)),
    remove: onCleanup(async () => { await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)); }),
  };
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / 1024).toFixed(0)} KiB`;
}
