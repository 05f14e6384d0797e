/**
 * The bare-driver side of the query bench: a plain table loaded with the same events (SQLite transactions,
 * PostgreSQL COPY), then the two queries written by hand against its indexes, returning parsed events as
 * Vellum's do. The floor Vellum's query latency is compared with.
 */
import pg from 'pg';
import type { BareSink } from '../loadDirect.ts';
import { openBareSqlite } from './bareSqlite.ts';
import { copyRows, createBarePgTable, logIdleError } from './barePostgres.ts';
import { createRowSequencer } from './bareRows.ts';

export interface BareQueries {
  /** Latest `limit` events of a stream, newest first; resolves to the number of rows. */
  trail(stream: string, limit: number): Promise<number>;
  /** An actor's events with occurredAt in [from, to), newest first. */
  actorSearch(actorType: string, actorId: string, from: string, to: string, limit: number): Promise<number>;
  close(): Promise<void>;
}

const TRAIL = 'SELECT body FROM events WHERE tenant = $1 AND stream = $2 ORDER BY stream_version DESC LIMIT $3';
const ACTOR = 'SELECT body FROM events WHERE tenant = $1 AND actor_type = $2 AND actor_id = $3 AND occurred_at >= $4 AND occurred_at < $5 ORDER BY position DESC LIMIT $6';
const toSqlite = (sql: string) => sql.replace(/\$\d+/g, '?');

export function bareSqliteTable(file: string): { sink: BareSink; queries: () => BareQueries } {
  const bare = openBareSqlite(file, { indexes: true });
  const sequence = createRowSequencer();
  return {
    sink: { label: 'bare better-sqlite3', insert: async (events) => bare.insert(sequence(events)) },
    queries: () => {
      const trail = bare.db.prepare(toSqlite(TRAIL));
      const actor = bare.db.prepare(toSqlite(ACTOR));
      const parse = (rows: unknown[]) => rows.map((r) => JSON.parse((r as { body: string }).body) as unknown).length;
      return {
        trail: async (stream, limit) => parse(trail.all('default', stream, limit)),
        actorSearch: async (type, id, from, to, limit) => parse(actor.all('default', type, id, from, to, limit)),
        close: async () => bare.close(),
      };
    },
  };
}

export async function barePgTable(url: string): Promise<{ sink: BareSink; queries: () => BareQueries }> {
  await createBarePgTable(url, { indexes: true });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', logIdleError);
  const sequence = createRowSequencer();
  return {
    sink: { label: 'bare pg COPY', insert: (events) => copyRows(pool, sequence(events)) },
    queries: () => ({
      // jsonb comes back parsed, as Vellum's events do.
      trail: async (stream, limit) => (await pool.query({ name: 'trail', text: TRAIL, values: ['default', stream, limit] })).rowCount ?? 0,
      actorSearch: async (type, id, from, to, limit) => (await pool.query({ name: 'actor', text: ACTOR, values: ['default', type, id, from, to, limit] })).rowCount ?? 0,
      close: () => pool.end(),
    }),
  };
}
