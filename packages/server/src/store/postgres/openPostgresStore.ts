import pg from 'pg';
import type { PgPool } from './PgPool.ts';
import { PostgresEventStore } from './PostgresEventStore.ts';
import { withSessionSettings } from './sessionSettings.ts';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** Where Vellum's tables live (created if missing). Default 'public'. */
  schema?: string;
  /** Connections in this node's pool. Default 10. */
  poolSize?: number;
  /** Apply pending migrations on open. Default true; `vellum migrate` is the explicit alternative. */
  migrate?: boolean;
  /** How long to wait for a connection before reporting STORE_UNAVAILABLE. Default 5000 ms. */
  connectTimeoutMs?: number;
}

export const POSTGRES_STORE_DEFAULTS = { schema: 'public', poolSize: 10, migrate: true, connectTimeoutMs: 5000 } as const;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresEventStore> {
  const o = { ...POSTGRES_STORE_DEFAULTS, ...options };
  const pool = new pg.Pool({
    ...withSessionSettings(o.url),
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs,
    application_name: 'vellum',
  });
  // An idle connection dropped by the server: the pool discards it and the next query opens a new one.
  pool.on('error', () => {});
  const store = new PostgresEventStore(pool satisfies PgPool, o.schema);
  if (o.migrate) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
