/**
 * Emmett (@event-driven-io/emmett-postgresql) on the same PostgreSQL, appending the same events.
 * Emmett appends to one stream per call, atomically; a Vellum batch spans many entity streams, so:
 *  - batches: one appendToStream of the whole batch into a fresh stream per request (Emmett's cheapest
 *    path: one new stream row plus the messages, no contention);
 *  - single events: one appendToStream into the event's entity stream, as an app would; concurrent appends
 *    to a hot stream conflict in Emmett (no expected version still checks the read position), and are
 *    retried, as an app would have to.
 */
import pg from 'pg';
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { EventRing } from '../EventRing.ts';
import { runWorkers, type RunResult } from '../runWorkers.ts';
import { logIdleError } from './barePostgres.ts';

export interface EmmettRunOptions {
  url: string;
  ring: EventRing;
  clients: number;
  maxOps?: number;
  durationMs?: number;
  /** Prefix for batch stream names, so several runs into one database never collide. */
  runId?: string;
}

export interface EmmettHandle {
  store: PostgresEventStore;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function openEmmett(url: string, connections: number): Promise<EmmettHandle> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  pool.on('error', logIdleError);
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pooled: true, pool } });
  await store.schema.migrate();
  return {
    store,
    pool,
    async close() {
      await store.close();
      await pool.end().catch(() => undefined); // Emmett may already have ended the pool it was given
    },
  };
}

const MAX_CONFLICT_RETRIES = 10;

export async function runEmmett(options: EmmettRunOptions): Promise<RunResult & { conflictRetries: number }> {
  const emmett = await openEmmett(options.url, options.clients);
  const runId = options.runId ?? Date.now().toString(36);
  let conflictRetries = 0;
  try {
    const warm = await Promise.all(Array.from({ length: options.clients }, () => emmett.pool.connect()));
    for (const c of warm) c.release();
    const result = await runWorkers({
      workers: options.clients,
      ...(options.maxOps !== undefined ? { maxOps: options.maxOps } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      op: async (seq) => {
        const batch = options.ring.batch(seq);
        const events = batch.map((e) => ({ type: e.type, data: JSON.parse(e.json) as Record<string, unknown> }));
        if (batch.length > 1) {
          await emmett.store.appendToStream(`bench-${runId}-${seq}`, events);
          return { events: events.length };
        }
        for (let attempt = 0; ; attempt++) {
          try {
            await emmett.store.appendToStream(batch[0]!.stream, events);
            return { events: 1 };
          } catch (err) {
            const conflict = err instanceof Error && /version|conflict/i.test(`${err.name} ${err.message}`);
            if (!conflict || attempt >= MAX_CONFLICT_RETRIES) throw err;
            conflictRetries += 1;
          }
        }
      },
    });
    return { ...result, conflictRetries };
  } finally {
    await emmett.close();
  }
}

/**
 * Emmett as a query subject: loaded with the same events (each chunk grouped by entity stream, one
 * appendToStream per stream, `connections` at a time), then the entity trail read back with readStream.
 * Emmett has no actor or time index, so it takes no part in the actor search.
 */
export async function emmettTable(url: string, connections = 16) {
  const emmett = await openEmmett(url, connections);
  const versions = new Map<string, number>();
  return {
    sink: {
      label: 'emmett-postgresql',
      async insert(events: readonly { stream: string; type: string; json: string }[]) {
        const byStream = new Map<string, { type: string; data: Record<string, unknown> }[]>();
        for (const e of events) {
          const list = byStream.get(e.stream) ?? [];
          list.push({ type: e.type, data: JSON.parse(e.json) as Record<string, unknown> });
          byStream.set(e.stream, list);
        }
        const groups = [...byStream];
        let next = 0;
        const worker = async () => {
          while (next < groups.length) {
            const [stream, list] = groups[next++]!;
            await emmett.store.appendToStream(stream, list);
            versions.set(stream, (versions.get(stream) ?? 0) + list.length);
          }
        };
        await Promise.all(Array.from({ length: connections }, worker));
      },
    },
    /** The latest `limit` events of a stream: Emmett reads forward from a version, so start at version - limit + 1. */
    async trail(stream: string, limit: number): Promise<number> {
      const version = versions.get(stream) ?? 0;
      const { events } = await emmett.store.readStream(stream, { from: BigInt(Math.max(1, version - limit + 1)) });
      return events.length;
    },
    close: () => emmett.close(),
  };
}
