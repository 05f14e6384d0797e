/**
 * Deep pages of a hot entity: one entity with many events (most in its own stream, some filed under an import
 * stream), among background events of other entities. An entity search reads both places (the stream index and the
 * off-stream entity index); this measures a page at a random depth of that search, newest first, three ways:
 *   - as issued: the cursor carries a version of the entity's stream (CursorKey.s), so the stream arm starts there;
 *   - position only: the same cursors without it (as a subscription's or live reader's cursor, made from a position):
 *     the stream arm starts at the cursor's own event when that is one of the stream's, and otherwise — the page ended
 *     on an event filed elsewhere — steps over every newer event of the stream to reach the cursor, as every entity
 *     page did before 2026-12-05;
 *   - caught up: ascending from the log's head, what a subscription or live reader filtered on the entity asks on
 *     every poll once it has delivered everything (an empty page; it read the entity's whole stream before 2026-12-05);
 *   - bare: the stream index alone, keyset on the version, on the same database (the floor; no second arm).
 *   node --import tsx bench/entity-paging.ts [--store sqlite|postgres] [--events 20000] [--queries 2000]
 */
import pg from 'pg';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { decodeCursor, encodeCursor, prepareEvent, uuidv7, type AppendBatch, type PreparedEvent } from '@vellum/core';
import { createStore } from '../packages/server/src/store/createStore.ts';
import { parseBenchArgs, parseCount, type StoreKind } from './lib/benchArgs.ts';
import { printMachine } from './lib/machine.ts';
import { createPrng } from './lib/prng.ts';
import { printLatency, printTable, type ReportRow } from './lib/report.ts';
import { runWorkers } from './lib/runWorkers.ts';
import { cleanAll, tempDatabase, tempDir } from './lib/tempStore.ts';

const args = parseBenchArgs({ events: 20_000, clients: 1, warmupS: 0 }, { queries: { default: '2000' } });
const queries = parseCount(String(args.values.queries));
const hot = args.events ?? 20_000;
/** Background events per event of the hot entity. */
const BACKGROUND = 4;
/** Share of the hot entity's events filed under an import stream rather than its own. */
const OFF_STREAM = 0.05;
const PAGE = 50;
const TENANT = 'default';
const ENTITY = { entityType: 'Order', entityId: 'hot' };
printMachine('entity-paging: pages at random depths of a hot entity\'s search');

function events(): PreparedEvent[] {
  const rnd = createPrng(args.seed);
  const start = Date.UTC(2026, 9, 1);
  const out: PreparedEvent[] = [];
  for (let i = 0; i < hot * (BACKGROUND + 1); i++) {
    const isHot = i % (BACKGROUND + 1) === 0;
    const entity = isHot ? { type: 'Order', id: 'hot' } : { type: 'Order', id: String(rnd.int(10_000)) };
    const at = start + i * 1000;
    out.push(prepareEvent({
      type: 'order.updated',
      actor: { type: 'user', id: String(rnd.int(500)) },
      entity,
      ...(isHot && rnd.next() < OFF_STREAM ? { stream: 'import:2026-10' } : {}),
      changes: [{ field: 'status', old: 'open', new: 'paid' }],
      occurredAt: new Date(at).toISOString(),
    }, [], { tenant: TENANT, id: uuidv7(at, randomBytes(10)), recordedAt: new Date(at).toISOString() }));
  }
  return out;
}

/** The bare floor: the entity stream's page below a version, straight from the stream index. */
interface BarePage { page(belowVersion: number | undefined): Promise<number>; close(): Promise<void> }

function bareSqlite(file: string): BarePage {
  const db = new Database(file, { readonly: true });
  const first = db.prepare('SELECT body FROM events WHERE tenant = ? AND stream = ? ORDER BY stream_version DESC LIMIT ?');
  const below = db.prepare('SELECT body FROM events WHERE tenant = ? AND stream = ? AND stream_version < ? ORDER BY stream_version DESC LIMIT ?');
  return {
    page: async (v) => (v === undefined ? first.all(TENANT, 'Order:hot', PAGE + 1) : below.all(TENANT, 'Order:hot', v, PAGE + 1)).length,
    close: async () => { db.close(); },
  };
}

async function barePg(url: string): Promise<BarePage> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    page: async (v) => (await client.query('SELECT body FROM public.events WHERE tenant = $1 AND stream = $2 AND stream_version < $3 ORDER BY stream_version DESC LIMIT $4',
      [TENANT, 'Order:hot', v ?? Number.MAX_SAFE_INTEGER, PAGE + 1])).rowCount ?? 0,
    close: () => client.end(),
  };
}

async function benchStore(kind: StoreKind): Promise<void> {
  const dir = kind === 'sqlite' ? tempDir('paging') : null;
  const db = kind === 'postgres' ? await tempDatabase('paging') : null;
  const location = dir ? `sqlite:${dir.file('vellum.db')}` : db!.url;
  try {
    const store = await createStore(location);
    await store.migrate();
    const all = events();
    const loadStart = performance.now();
    for (let i = 0; i < all.length; i += 1000) {
      const batch: AppendBatch = { tenant: TENANT, events: all.slice(i, i + 1000) };
      await store.append([batch]);
    }
    console.log(`\n--- ${kind}: ${all.length.toLocaleString('en-US')} events loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s; the hot entity has ${hot.toLocaleString('en-US')} ---`);
    if (db) {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query('ANALYZE');
      await c.end();
    }

    // Walk the whole search once: the cursor of every page, as issued.
    const cursors: Array<string | undefined> = [undefined];
    for (;;) {
      const cursor = cursors[cursors.length - 1];
      const page = await store.search(TENANT, { ...ENTITY, limit: PAGE, order: 'desc', ...(cursor === undefined ? {} : { cursor }) });
      if (page.nextCursor === null) break;
      cursors.push(page.nextCursor);
    }
    const pages = cursors.length;
    const positionOnly = cursors.map((c) => (c === undefined ? undefined : encodeCursor({ k: decodeCursor(c).k })));
    const versions = cursors.map((c) => (c === undefined ? undefined : decodeCursor(c).s));
    const depth = createPrng(args.seed + 1);
    const targets = Array.from({ length: queries * 2 }, () => depth.int(pages));
    const bare = dir ? bareSqlite(dir.file('vellum.db')) : await barePg(db!.url);

    const measure = async (op: (page: number) => Promise<number>) => {
      await runWorkers({ workers: 1, maxOps: queries, op: async (s) => ({ events: await op(targets[queries + s]!) }) });
      return runWorkers({ workers: 1, maxOps: queries, op: async (s) => ({ events: await op(targets[s]!) }) });
    };
    const search = (list: Array<string | undefined>) => async (i: number) => {
      const cursor = list[i];
      return (await store.search(TENANT, { ...ENTITY, limit: PAGE, order: 'desc', ...(cursor === undefined ? {} : { cursor }) })).events.length;
    };
    const head = encodeCursor({ k: all.length });
    const rows: ReportRow[] = [
      { subject: 'vellum store.search, cursor as issued', result: await measure(search(cursors)) },
      { subject: 'vellum store.search, position-only cursor', result: await measure(search(positionOnly)) },
      { subject: 'vellum store.search, caught up (asc from head)', result: await measure(async () => (await store.search(TENANT, { ...ENTITY, limit: PAGE, order: 'asc', cursor: head })).events.length) },
      { subject: 'bare stream index', result: await measure((i) => bare.page(versions[i])) },
    ];
    await bare.close();
    await store.close();
    printTable(['pages', 'page size', 'queries'], [[String(pages), String(PAGE), String(queries)]]);
    printLatency(rows, 'bare stream index');
  } finally {
    await dir?.remove();
    await db?.remove();
  }
}

try {
  for (const kind of args.stores) await benchStore(kind);
} finally {
  await cleanAll();
}
