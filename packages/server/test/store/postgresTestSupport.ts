/**
 * Shared by the PostgreSQL store's tests: a schema of its own per test (so files run in parallel on one
 * database and leave nothing behind), and prepared events built through the real core.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { prepareEvent, uuidv7 } from '@vellum/core';
import type { EventInput, PreparedEvent } from '@vellum/core';
import { dropStoreSchema, openPostgresStore, type PostgresEventStore, type PostgresStoreOptions } from '../../src/store/postgres/index.ts';

export const uniqueSchema = (label: string): string => `vellum_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;

/** Runs one piece of SQL on a connection of its own (setup, inspection, cleanup). */
export async function sql<R = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Drops the schema and its application role (roles outlive schemas otherwise: they belong to the cluster). */
export const dropSchema = (url: string, schema: string): Promise<void> => dropStoreSchema(url, schema);

/** A store on a fresh schema, and how to get rid of both. */
export async function openTestStore(url: string, label: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresEventStore> {
  return openPostgresStore({ url, schema: uniqueSchema(label), poolSize: 4, ...options });
}

export async function destroyTestStore(url: string, store: PostgresEventStore): Promise<void> {
  await store.close();
  await dropSchema(url, store.schema);
}

let counter = 0;
const START_MS = Date.parse('2026-11-22T10:00:00.000Z');

/** A prepared event (default: `user.login` by user:1, tenant acme), one second after the previous one. */
export function prepared(overrides: Partial<EventInput> & { tenant?: string; expectedVersion?: number } = {}): PreparedEvent {
  const { tenant = 'acme', ...fields } = overrides;
  const atMs = START_MS + counter++ * 1000;
  const input: EventInput = { type: 'user.login', actor: { type: 'user', id: '1' }, ...fields };
  return prepareEvent(input, [], { tenant, id: uuidv7(atMs, randomBytes(10)), recordedAt: new Date(atMs).toISOString() });
}
