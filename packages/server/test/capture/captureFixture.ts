/**
 * An application table in a fresh schema of the `test` database, with capture installed in another fresh schema,
 * both dropped afterwards; and small helpers to read what a real Vellum server stored.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoredEvent } from '@vellum/core';
import { installCapture } from '../../src/capture/installCapture.ts';
import type { CaptureTarget } from '../../src/capture/captureSql.ts';

export interface CaptureFixture {
  db: pg.Client;
  /** `app_xxx.reseller_configs` */
  table: string;
  /** `cap_xxx` */
  schema: string;
  target: CaptureTarget;
  pending(): Promise<number>;
  drop(): Promise<void>;
}

export async function captureFixture(pgUrl: string, options: { columns?: string[]; operations?: CaptureTarget['operations'] } = {}): Promise<CaptureFixture> {
  const suffix = randomBytes(4).toString('hex');
  const appSchema = `app_${suffix}`;
  const schema = `cap_${suffix}`;
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  await db.query(`CREATE SCHEMA ${appSchema}`);
  await db.query(`CREATE TABLE ${appSchema}.reseller_configs (
    id bigint PRIMARY KEY, status text NOT NULL, traffic_limit int, api_key text, note text)`);
  const table = `${appSchema}.reseller_configs`;
  const target: CaptureTarget = {
    table,
    columns: options.columns ?? ['status', 'traffic_limit', 'api_key'],
    entityType: 'ResellerConfig',
    idColumn: 'id',
    schema,
    operations: options.operations ?? ['update'],
  };
  await installCapture(db, target);
  return {
    db,
    table,
    schema,
    target,
    async pending() {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.outbox`);
      return rows[0]!.n;
    },
    async drop() {
      await db.query(`DROP SCHEMA IF EXISTS ${appSchema} CASCADE`);
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.end();
    },
  };
}

/** Every event of the tenant matching `params`, oldest first (one page is plenty for a test). */
export async function storedEvents(url: string, key: string, params: Record<string, string> = {}): Promise<StoredEvent[]> {
  const res = await fetch(`${url}/v1/events?${new URLSearchParams({ order: 'asc', limit: '1000', ...params }).toString()}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { events: StoredEvent[] }).events;
}

export async function recordEvent(url: string, key: string, event: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  if (res.status !== 201) throw new Error(`POST /v1/events answered ${res.status}: ${await res.text()}`);
}

/** Polls until `check` holds or the time is up (then the last failure is thrown). */
export async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
