/**
 * The shape shared by the HTTP ingest benches: for each store, Vellum over HTTP, then the bare drivers
 * (and Emmett on PostgreSQL) writing the same rows in the same batch sizes, in the same run, with the same
 * bounds; one table per store with Vellum's ratio to each, then the targets.
 */
import type { BenchArgs, StoreKind } from './benchArgs.ts';
import { buildEventRing, type EventRing } from './EventRing.ts';
import { launchServer } from './launchServer.ts';
import { printTargets, printThroughput, type ReportRow, type Target } from './report.ts';
import { runHttpIngest } from './runHttpLoad.ts';
import { describeCpuPerEvent, meterThreadCpu } from './threadCpu.ts';
import type { RunResult } from './runWorkers.ts';
import { cleanAll, formatBytes, tempDatabase, tempDir } from './tempStore.ts';
import { runBareSqlite } from './baselines/bareSqlite.ts';
import { createBarePgTable, runBarePg, type BarePgMode } from './baselines/barePostgres.ts';
import { runEmmett } from './baselines/emmett.ts';

export const BENCH_KEY = 'vk_C5QLz3Ff9DzVFhPcsvyMBTKy3kjoVp4E5A7t';

export interface IngestBenchSpec {
  args: BenchArgs;
  /** Connection counts for the bare pg one-row baseline (the issue quotes 16; the bench adds --clients). */
  barePgClients: number[];
  pgModes: BarePgMode[];
  targets: (store: StoreKind, vellum: ReportRow) => Target[];
}

export interface Bounds {
  maxOps?: number;
  durationMs?: number;
}

export function boundsOf(args: BenchArgs): Bounds {
  return {
    ...(args.events !== undefined ? { maxOps: Math.ceil(args.events / args.batch) } : {}),
    ...(args.durationS !== undefined ? { durationMs: args.durationS * 1000 } : {}),
  };
}

/** A live counter on a terminal; nothing when the output goes to a file. */
const progress = (label: string) => (p: { ops: number; events: number; elapsedMs: number }) => {
  if (process.stderr.isTTY) process.stderr.write(`\r  ${label}: ${p.events.toLocaleString('en-US')} events, ${(p.events / (p.elapsedMs / 1000)).toFixed(0)}/s   `);
};

/** Vellum over HTTP on a fresh store: warm-up (not measured), then the measured run with RSS sampled. */
export async function measureVellumHttp(store: StoreKind, ring: EventRing, args: BenchArgs, bounds: Bounds): Promise<ReportRow> {
  const sqlite = store === 'sqlite' ? tempDir('vellum') : null;
  const pg = store === 'postgres' && !args.echo ? await tempDatabase('vellum') : null;
  const storeUrl = sqlite ? `sqlite:${sqlite.file('vellum.db')}` : pg ? pg.url : 'echo';
  const server = await launchServer({ store: storeUrl, apiKey: BENCH_KEY, echo: args.echo });
  try {
    const request = (seq: number) => ({ body: ring.body(seq), events: ring.batchSize });
    if (args.warmupS > 0) {
      const warm = await runHttpIngest({ url: server.url, apiKey: BENCH_KEY, clients: args.clients, engine: args.engine, durationMs: args.warmupS * 1000, request: (seq) => request(seq + 7919) });
      if (warm.events === 0) throw new Error(`warm-up acknowledged nothing: ${JSON.stringify(warm.failuresByKind)}\n${server.output()}`);
    }
    server.rss.reset();
    const cpu = meterThreadCpu(server.pid);
    const result = await runHttpIngest({ url: server.url, apiKey: BENCH_KEY, clients: args.clients, engine: args.engine, ...bounds, request, onTick: progress(`vellum ${store}`) });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const rss = server.rss.read();
    const cpuPerEvent = cpu.perEvent(result.events);
    const size = sqlite ? sqlite.sizeBytes() : pg ? await pg.sizeBytes() : 0;
    return {
      subject: `${args.echo ? 'echo server (no store)' : `vellum http (${store})`}${args.engine === 'undici' ? '' : ` [${args.engine} client]`}`,
      result,
      rssMb: rss.peakMb,
      ...(cpuPerEvent ? { cpu: cpuPerEvent } : {}),
      note: `server RSS peak ${rss.peakMb.toFixed(0)} MiB, mean ${rss.meanMb.toFixed(0)} MiB; store size after run ${formatBytes(size)}` +
        (cpuPerEvent ? `\n    ${describeCpuPerEvent(cpuPerEvent)}` : ''),
    };
  } finally {
    await server.stop();
    await sqlite?.remove();
    await pg?.remove();
  }
}

export async function measureBareSqlite(ring: EventRing, bounds: Bounds, indexes: boolean): Promise<ReportRow> {
  const dir = tempDir('bare');
  try {
    const result = await runBareSqlite(dir.file('bare.db'), { ring, indexes, ...bounds });
    return {
      subject: `bare better-sqlite3${indexes ? '' : ' (PK only)'}`,
      result,
      note: `1 writer, one transaction per ${ring.batchSize}-event batch, WAL + synchronous=FULL${indexes ? ', DESIGN.md indexes' : ', no secondary index'}; file ${formatBytes(dir.sizeBytes())}`,
    };
  } finally {
    await dir.remove();
  }
}

export async function measureBarePg(ring: EventRing, bounds: Bounds, mode: BarePgMode, clients: number): Promise<ReportRow> {
  const db = await tempDatabase('bare');
  try {
    await createBarePgTable(db.url, { indexes: true });
    const result = await runBarePg({ url: db.url, ring, mode, clients, ...bounds });
    const how = ring.batchSize === 1 ? 'one-row INSERT' : mode === 'copy' ? 'COPY' : 'multi-row INSERT';
    return { subject: `bare pg ${how} x${clients}`, result, note: `${clients} connections, one commit per ${ring.batchSize}-event request, DESIGN.md indexes; db ${formatBytes(await db.sizeBytes())}` };
  } finally {
    await db.remove();
  }
}

export async function measureEmmett(ring: EventRing, bounds: Bounds, clients: number): Promise<ReportRow> {
  const db = await tempDatabase('emmett');
  try {
    const result = await runEmmett({ url: db.url, ring, clients, ...bounds });
    const shape = ring.batchSize === 1 ? 'appendToStream(entity stream, 1 event), conflicts retried' : `appendToStream(new stream, ${ring.batchSize} events)`;
    return { subject: `emmett-postgresql x${clients}`, result, note: `${shape}; conflict retries ${result.conflictRetries}; db ${formatBytes(await db.sizeBytes())}` };
  } catch (err) {
    // Emmett is a comparison, not the subject: if it cannot run here, say so and go on.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`  emmett could not run: ${message}`);
    return { subject: `emmett-postgresql x${clients} (FAILED)`, result: emptyResult(), note: `could not run: ${message}` };
  } finally {
    await db.remove();
  }
}

function emptyResult(): RunResult {
  return { ops: 0, events: 0, failures: 0, failuresByKind: {}, elapsedS: 0, eventsPerS: NaN, opsPerS: NaN, aborted: false, latency: { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 } };
}

export async function runIngestBench(spec: IngestBenchSpec): Promise<void> {
  const { args } = spec;
  const bounds = boundsOf(args);
  // Enough distinct events that a 30 s run at target speed repeats each batch only a few times.
  const ring = buildEventRing({ size: Math.max(50_000, args.batch * 500), batchSize: args.batch, seed: args.seed });
  console.log(`events: ${ring.events.length.toLocaleString('en-US')} distinct, mean ${ring.meanEventBytes.toFixed(0)} bytes; batch ${args.batch}; ${args.clients} clients; bound ${args.events !== undefined ? `${args.events.toLocaleString('en-US')} events` : ''}${args.events !== undefined && args.durationS !== undefined ? ' or ' : ''}${args.durationS !== undefined ? `${args.durationS} s` : ''} per subject`);
  try {
    for (const store of args.stores) {
      console.log(`\n--- ${store} ---`);
      const vellum = await measureVellumHttp(store, ring, args, bounds);
      const rows: ReportRow[] = [vellum];
      if (!args.skipBaselines) {
        if (store === 'sqlite') {
          rows.push(await measureBareSqlite(ring, bounds, true));
          rows.push(await measureBareSqlite(ring, bounds, false));
        } else {
          for (const mode of spec.pgModes) for (const c of spec.barePgClients) rows.push(await measureBarePg(ring, bounds, mode, c));
          if (!args.skipEmmett) rows.push(await measureEmmett(ring, bounds, args.clients));
        }
      }
      console.log('');
      printThroughput(rows, vellum.subject);
      printTargets(spec.targets(store, vellum));
    }
  } finally {
    await cleanAll();
  }
}
