/**
 * Does the ingest rate hold as the store grows? One server, one store: 50 clients POST batches of 100 in
 * steps of --step events (default 1M) up to --total (default 10M), printing each step's rate, latency, RSS
 * and store size as it completes. Then the bare driver grows its own table in the same steps (skip with
 * --no-baselines), and a last table gives Vellum's ratio to it per step.
 * Target (2 cores): >= 30,000 events/s held to 10M events on both stores, server RSS < 300 MB.
 *   node --import tsx bench/growth.ts [--store sqlite|postgres] [--total 10M] [--step 1M] [--clients 50] [--distinct 200k]
 * A full run writes 10M events (~10-20 GB with indexes) per store: check `df -h /tmp` (or set VELLUM_BENCH_TMP).
 */
import { parseBenchArgs, parseCount, type StoreKind } from './lib/benchArgs.ts';
import { buildEventRing, type EventRing } from './lib/EventRing.ts';
import { BENCH_KEY } from './lib/ingestBench.ts';
import { launchServer } from './lib/launchServer.ts';
import { printMachine } from './lib/machine.ts';
import { printTable, printTargets } from './lib/report.ts';
import { runHttpIngest } from './lib/runHttpLoad.ts';
import type { RunResult } from './lib/runWorkers.ts';
import { cleanAll, formatBytes, tempDatabase, tempDir } from './lib/tempStore.ts';
import { runBareSqlite } from './lib/baselines/bareSqlite.ts';
import { createBarePgTable, runBarePg } from './lib/baselines/barePostgres.ts';
import { createRowSequencer } from './lib/baselines/bareRows.ts';

const args = parseBenchArgs({ clients: 50, batch: 100, warmupS: 0 }, { total: { default: '10M' }, step: { default: '1M' }, distinct: { default: '200k' }, 'step-timeout': { default: '1800' } });
const total = parseCount(String(args.values.total));
const step = Math.min(total, parseCount(String(args.values.step)));
const distinct = parseCount(String(args.values.distinct));
/** Seconds: a step that takes longer is cut short and reported, so a collapsing store cannot hang the bench. */
const stepTimeoutMs = Number(args.values['step-timeout']) * 1000;
const steps = Math.ceil(total / step);
printMachine('growth: ingest rate per step as the store grows');

interface StepRow {
  stored: number;
  result: RunResult;
  rssMb?: number;
  sizeBytes: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function printStep(label: string, i: number, row: StepRow): void {
  console.log(`  ${label} step ${i + 1}/${steps}: stored ${fmt(row.stored)}  ${fmt(row.result.eventsPerS)} events/s  p50 ${row.result.latency.p50.toFixed(1)} ms  p99 ${row.result.latency.p99.toFixed(1)} ms${row.rssMb !== undefined ? `  RSS ${row.rssMb.toFixed(0)} MiB` : ''}  size ${formatBytes(row.sizeBytes)}${row.result.failures ? `  failures ${JSON.stringify(row.result.failuresByKind)}` : ''}${row.result.aborted || row.result.events < Math.min(step, total - i * step) ? '  (cut short by --step-timeout)' : ''}`);
}

const opsInStep = (i: number) => Math.ceil(Math.min(step, total - i * step) / args.batch);

async function growVellum(store: StoreKind, ring: EventRing): Promise<StepRow[]> {
  const dir = store === 'sqlite' ? tempDir('growth') : null;
  const db = store === 'postgres' ? await tempDatabase('growth') : null;
  const server = await launchServer({ store: dir ? `sqlite:${dir.file('vellum.db')}` : db!.url, apiKey: BENCH_KEY, echo: args.echo });
  const rows: StepRow[] = [];
  try {
    let stored = 0;
    let offset = 0;
    for (let i = 0; i < steps; i++) {
      server.rss.reset();
      const base = offset;
      const result = await runHttpIngest({ url: server.url, apiKey: BENCH_KEY, clients: args.clients, engine: args.engine, maxOps: opsInStep(i), durationMs: stepTimeoutMs, request: (seq) => ({ body: ring.body(seq + base), events: ring.batchSize }) });
      offset += result.ops;
      stored += result.events;
      const row = { stored, result, rssMb: server.rss.read().peakMb, sizeBytes: dir ? dir.sizeBytes() : db ? await db.sizeBytes() : 0 };
      rows.push(row);
      printStep(args.echo ? 'echo server' : `vellum ${store}`, i, row);
      if (result.events === 0) throw new Error(`nothing acknowledged in step ${i + 1}: ${JSON.stringify(result.failuresByKind)}\n${server.output().slice(-2000)}`);
    }
    return rows;
  } finally {
    await server.stop();
    await dir?.remove();
    await db?.remove();
  }
}

async function growBare(store: StoreKind, ring: EventRing): Promise<StepRow[]> {
  const dir = store === 'sqlite' ? tempDir('growth-bare') : null;
  const db = store === 'postgres' ? await tempDatabase('growth_bare') : null;
  if (db) await createBarePgTable(db.url, { indexes: true });
  const sequence = createRowSequencer();
  const rows: StepRow[] = [];
  try {
    let stored = 0;
    let offset = 0;
    for (let i = 0; i < steps; i++) {
      const bounds = { ring, sequence, seqOffset: offset, maxOps: opsInStep(i), durationMs: stepTimeoutMs };
      const result = dir
        ? await runBareSqlite(dir.file('bare.db'), { ...bounds, indexes: true })
        : await runBarePg({ ...bounds, url: db!.url, mode: 'copy', clients: args.clients });
      offset += result.ops;
      stored += result.events;
      const row = { stored, result, sizeBytes: dir ? dir.sizeBytes() : await db!.sizeBytes() };
      rows.push(row);
      printStep(dir ? 'bare better-sqlite3' : `bare pg COPY x${args.clients}`, i, row);
    }
    return rows;
  } finally {
    await dir?.remove();
    await db?.remove();
  }
}

try {
  const ring = buildEventRing({ size: distinct, batchSize: args.batch, seed: args.seed });
  console.log(`${fmt(total)} events in ${steps} steps of ${fmt(step)}; ${fmt(ring.events.length)} distinct events replayed, mean ${ring.meanEventBytes.toFixed(0)} bytes; batch ${args.batch}; ${args.clients} clients`);
  for (const store of args.stores) {
    console.log(`\n--- ${store} ---`);
    const vellum = await growVellum(store, ring);
    const bare = args.skipBaselines ? [] : await growBare(store, ring);
    console.log('');
    printTable(
      ['stored after step', 'vellum events/s', 'p99 ms', 'RSS MiB', 'vellum size', ...(bare.length ? ['bare events/s', 'bare size', 'vellum ÷ bare'] : [])],
      vellum.map((v, i) => {
        const b = bare[i];
        return [fmt(v.stored), fmt(v.result.eventsPerS), v.result.latency.p99.toFixed(1), (v.rssMb ?? 0).toFixed(0), formatBytes(v.sizeBytes),
          ...(b ? [fmt(b.result.eventsPerS), formatBytes(b.sizeBytes), (v.result.eventsPerS / b.result.eventsPerS).toFixed(2)] : bare.length ? ['-', '-', '-'] : [])];
      }),
    );
    const slowest = Math.min(...vellum.map((v) => v.result.eventsPerS));
    const peakRss = Math.max(...vellum.map((v) => v.rssMb ?? 0));
    printTargets([
      { what: `${store} slowest step`, goal: '>= 30,000 events/s at every step', actual: slowest, unit: 'events/s', limit: 30_000, kind: 'min' },
      { what: `${store} server RSS peak`, goal: '< 300 MB', actual: peakRss * 1.048576, unit: 'MB', limit: 300, kind: 'max' },
    ]);
  }
} finally {
  await cleanAll();
}
