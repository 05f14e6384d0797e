/**
 * Query latency at size: loads N events (default 1M) straight through the store API, and the same events
 * into a bare table, then measures the entity trail (latest 50 of a stream) and the actor search over one
 * day (newest 100), each over random targets: through HTTP, directly on the store, and on the bare table.
 * Targets (2 cores, 1M events): trail p99 < 2 ms, actor-day search p99 < 5 ms, on both stores.
 *   node --import tsx bench/query-latency.ts [--store sqlite|postgres] [--events 1M] [--queries 2000] [--clients 1] [--emmett yes] [--http no]
 */
import pg from 'pg';
import { DEFAULT_CONFIG } from '../packages/server/src/config/defaults.ts';
import { PersonalDataService } from '../packages/server/src/personal/PersonalDataService.ts';
import { createStore } from '../packages/server/src/store/createStore.ts';
import { parseBenchArgs, parseCount, type StoreKind } from './lib/benchArgs.ts';
import { BENCH_KEY } from './lib/ingestBench.ts';
import { launchServer } from './lib/launchServer.ts';
import { dayRange, loadDirect, type QueryTargets } from './lib/loadDirect.ts';
import { printMachine } from './lib/machine.ts';
import { createPrng } from './lib/prng.ts';
import { printLatency, printTable, printTargets, type ReportRow, type Target } from './lib/report.ts';
import { runHttpGets } from './lib/runHttpLoad.ts';
import { runWorkers, type RunResult } from './lib/runWorkers.ts';
import { PG_ADMIN_URL, cleanAll, formatBytes, tempDatabase, tempDir } from './lib/tempStore.ts';
import { barePgTable, bareSqliteTable, type BareQueries } from './lib/baselines/bareQueries.ts';
import { emmettTable } from './lib/baselines/emmett.ts';

const args = parseBenchArgs({ events: 1_000_000, clients: 1, warmupS: 0 }, { queries: { default: '2000' }, chunk: { default: '1000' }, emmett: { default: 'no' }, http: { default: 'yes' } });
const queries = parseCount(String(args.values.queries));
const chunk = parseCount(String(args.values.chunk));
const withEmmett = args.values.emmett !== 'no' && !args.skipEmmett;
/** `--http no` measures the store and bare driver only (no server process). */
const withHttp = args.values.http !== 'no';
const total = args.events ?? 1_000_000;
const TRAIL_LIMIT = 50;
const SEARCH_LIMIT = 100;
printMachine('query-latency: entity trail and actor-day search at size');

interface QueryPlan {
  trails: string[];
  actorDays: { actorType: string; actorId: string; from: string; to: string }[];
}

function plan(targets: QueryTargets, n: number, seed: number): QueryPlan {
  const rnd = createPrng(seed);
  return {
    trails: Array.from({ length: n }, () => rnd.pick(targets.streams)),
    actorDays: Array.from({ length: n }, () => {
      const t = rnd.pick(targets.actorDays);
      return { actorType: t.actorType, actorId: t.actorId, ...dayRange(t.day) };
    }),
  };
}

/**
 * Unmeasured queries first, on targets of their own: JIT and connections warm, as in a server that has been
 * up a while. It takes thousands: over its first ~2,000 requests even a no-op echo server shows p99s of 1-3 ms that are
 * the client's and server's JIT, not the store. Targets 0..WARMUP-1 warm up; the measured run uses the rest.
 */
const WARMUP = 3000;
const measured = (s: number) => WARMUP + s;

async function measure(op: (target: number) => Promise<number>): Promise<RunResult> {
  await runWorkers({ workers: args.clients, maxOps: WARMUP, op: async (seq) => ({ events: await op(seq) }) });
  return runWorkers({ workers: args.clients, maxOps: queries, op: async (seq) => ({ events: await op(measured(seq)) }) });
}

async function analyze(url: string): Promise<void> {
  // A bulk load outruns autovacuum; analyse as it would have by the time anyone queries a 1M-event log.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('ANALYZE');
  await c.end();
}

async function benchStore(store: StoreKind): Promise<void> {
  console.log(`\n--- ${store}: loading ${total.toLocaleString('en-US')} events (${chunk} per append) ---`);
  const vDir = store === 'sqlite' ? tempDir('vellum') : null;
  const vDb = store === 'postgres' ? await tempDatabase('vellum') : null;
  const bDir = store === 'sqlite' ? tempDir('bare') : null;
  const bDb = store === 'postgres' ? await tempDatabase('bare') : null;
  const eDb = store === 'postgres' && withEmmett ? await tempDatabase('emmett') : null;
  const location = vDir ? `sqlite:${vDir.file('vellum.db')}` : vDb!.url;

  const vstore = await createStore(location);
  await vstore.migrate();
  const bare = bDir ? bareSqliteTable(bDir.file('bare.db')) : await barePgTable(bDb!.url);
  // Sealed as the server seals them by default (actor.name, actor.email, context.ip): HTTP reads then pay for
  // decrypting them, as they would on a real store. store.readStream/search return them sealed.
  const personalData = new PersonalDataService(vstore, DEFAULT_CONFIG.personalData);
  const load = await loadDirect({
    store: vstore, bare: bare.sink, events: total, chunk, generator: { seed: args.seed }, seal: (batch) => personalData.sealBatch(batch),
    onProgress: (done) => process.stderr.isTTY && process.stderr.write(`\r  loaded ${done.toLocaleString('en-US')}   `),
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  let emmettLoadS = 0;
  const emmett = eDb ? await emmettTable(eDb.url) : null;
  if (emmett) {
    // Emmett loads from the same generator, so it holds the same events; only its own inserts are timed.
    emmettLoadS = (await loadDirect({ store: nullStore, bare: emmett.sink, events: total, chunk, generator: { seed: args.seed } })).bareS;
  }
  if (vDb) await analyze(vDb.url);
  if (bDb) await analyze(bDb.url);
  const sizes = vDir ? [vDir.sizeBytes(), bDir!.sizeBytes()] : [await vDb!.sizeBytes(), await bDb!.sizeBytes()];
  printTable(['loaded with', 'events', 'secs', 'events/s', 'size'], [
    ['vellum store.append (direct)', total.toLocaleString('en-US'), load.vellumS.toFixed(1), (total / load.vellumS).toFixed(0), formatBytes(sizes[0]!)],
    [bare.sink.label, total.toLocaleString('en-US'), load.bareS.toFixed(1), (total / load.bareS).toFixed(0), formatBytes(sizes[1]!)],
    ...(emmett ? [['emmett appendToStream per stream x16', total.toLocaleString('en-US'), emmettLoadS.toFixed(1), (total / emmettLoadS).toFixed(0), '']] : []),
  ]);

  const q = plan(load.targets, WARMUP + queries, args.seed);
  const trailRows: ReportRow[] = [];
  const searchRows: ReportRow[] = [];
  try {
    // Directly on the store: the query path without HTTP, auth and serialisation.
    trailRows.push({ subject: 'vellum store.readStream', result: await measure(async (s) => (await vstore.readStream('default', q.trails[s]!, { direction: 'backward', limit: TRAIL_LIMIT })).events.length) });
    searchRows.push({ subject: 'vellum store.search', result: await measure(async (s) => {
      const a = q.actorDays[s]!;
      return (await vstore.search('default', { actorType: a.actorType, actorId: a.actorId, from: a.from, to: a.to, limit: SEARCH_LIMIT, order: 'desc' })).events.length;
    }) });
    const bq: BareQueries = bare.queries();
    const bareLabel = store === 'sqlite' ? 'bare better-sqlite3' : 'bare pg';
    trailRows.push({ subject: bareLabel, result: await measure((s) => bq.trail(q.trails[s]!, TRAIL_LIMIT)) });
    searchRows.push({ subject: bareLabel, result: await measure((s) => { const a = q.actorDays[s]!; return bq.actorSearch(a.actorType, a.actorId, a.from, a.to, SEARCH_LIMIT); }) });
    await bq.close();
    if (emmett) {
      trailRows.push({ subject: 'emmett readStream', result: await measure((s) => emmett.trail(q.trails[s]!, TRAIL_LIMIT)) });
      await emmett.close();
    }
    await vstore.close();

    const trailPath = (s: number) => `/v1/streams/${encodeURIComponent(q.trails[s]!)}/events?direction=backward&limit=${TRAIL_LIMIT}`;
    const searchPath = (s: number) => {
      const a = q.actorDays[s]!;
      return `/v1/events?${new URLSearchParams({ actorType: a.actorType, actorId: a.actorId, from: a.from, to: a.to, limit: String(SEARCH_LIMIT) }).toString()}`;
    };
    /** The same GETs, warmed up, against a server: Vellum on the loaded store, or the echo stand-in. */
    const overHttp = async (echo: boolean): Promise<[RunResult, RunResult, number]> => {
      const server = await launchServer({ store: location, apiKey: BENCH_KEY, echo });
      try {
        if (!echo) await integrated(server.url);
        const http = { url: server.url, apiKey: BENCH_KEY, clients: args.clients, engine: args.engine };
        await runHttpGets({ ...http, maxOps: WARMUP, path: trailPath });
        const trail = await runHttpGets({ ...http, maxOps: queries, path: (s) => trailPath(measured(s)) });
        await runHttpGets({ ...http, maxOps: WARMUP, path: searchPath });
        const search = await runHttpGets({ ...http, maxOps: queries, path: (s) => searchPath(measured(s)) });
        return [trail, search, server.rss.read().peakMb];
      } finally {
        await server.stop();
      }
    };
    if (withHttp) {
      const [trail, search, rssMb] = await overHttp(false);
      trailRows.unshift({ subject: 'vellum http', result: trail });
      searchRows.unshift({ subject: 'vellum http', result: search });
      console.log(`  server RSS peak ${rssMb.toFixed(0)} MiB`);
      // What the load generator and loopback HTTP cost on their own: the floor under the 'vellum http' rows.
      const [echoTrail, echoSearch] = await overHttp(true);
      trailRows.push({ subject: 'echo http (harness floor)', result: echoTrail });
      searchRows.push({ subject: 'echo http (harness floor)', result: echoSearch });
    }
  } finally {
    await vDir?.remove(); await vDb?.remove(); await bDir?.remove(); await bDb?.remove(); await eDb?.remove();
  }

  const bareLabel = store === 'sqlite' ? 'bare better-sqlite3' : 'bare pg';
  console.log(`\nentity trail, latest ${TRAIL_LIMIT} of a stream (${queries} queries, ${args.clients} client${args.clients > 1 ? 's' : ''}):`);
  printLatency(trailRows, bareLabel);
  console.log(`\nactor search over one day, newest ${SEARCH_LIMIT}:`);
  printLatency(searchRows, bareLabel);
  const p99 = (rows: ReportRow[], s: string) => rows.find((r) => r.subject === s)?.result.latency.p99 ?? NaN;
  const targets: Target[] = [
    { what: `${store} trail p99 (http)`, goal: '< 2 ms', actual: p99(trailRows, 'vellum http'), unit: 'ms', limit: 2, kind: 'max' },
    { what: `${store} trail p99 (store)`, goal: '< 2 ms', actual: p99(trailRows, 'vellum store.readStream'), unit: 'ms', limit: 2, kind: 'max' },
    { what: `${store} actor-day search p99 (http)`, goal: '< 5 ms', actual: p99(searchRows, 'vellum http'), unit: 'ms', limit: 5, kind: 'max' },
    { what: `${store} actor-day search p99 (store)`, goal: '< 5 ms', actual: p99(searchRows, 'vellum store.search'), unit: 'ms', limit: 5, kind: 'max' },
  ];
  printTargets(targets);
}

/**
 * Waits until the server has folded the bulk-loaded log into its Merkle tree (vellum_integrity_lag_events 0): a
 * server meeting a million unintegrated events integrates them at start, and reads measured meanwhile would time
 * that one-off backlog, not the steady state a running server answers in.
 */
async function integrated(url: string): Promise<void> {
  const started = performance.now();
  let lag = Number.NaN;
  while (performance.now() - started < 30 * 60_000) {
    const text = await fetch(`${url}/metrics`).then((r) => r.text());
    const line = text.split('\n').find((l) => l.startsWith('vellum_integrity_lag_events '));
    lag = line === undefined ? Number.NaN : Number(line.split(' ')[1]);
    // The lag is reported once the integrator has looked: wait for a first chunk (or an empty pass) before trusting 0.
    const chunks = text.split('\n').find((l) => l.startsWith('vellum_integrity_integration_duration_seconds_count '));
    if (lag === 0 && chunks !== undefined && (performance.now() - started > 2_000 || Number(chunks.split(' ')[1]) > 0)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`  server integrated the loaded log into its Merkle tree in ${((performance.now() - started) / 1000).toFixed(1)} s before the reads (lag ${lag})`);
}

/** loadDirect needs a store to append to; when only Emmett is being filled, appends go nowhere. */
const nullStore = {
  append: async (batches: readonly { events: readonly unknown[] }[]) => batches.map(() => ({ status: 'committed' as const, results: [] })),
} as unknown as Parameters<typeof loadDirect>[0]['store'];

try {
  console.log(`PG for temp databases: ${new URL(PG_ADMIN_URL).host}`);
  for (const store of args.stores) await benchStore(store);
} finally {
  await cleanAll();
}
