/**
 * What integrity costs. (1) HTTP batch ingest with the Merkle integrator and checkpointer on, beside the same run
 * with them off (VELLUM_INTEGRITY_ENABLED=false) on a fresh store of the same kind, same ring, same bounds: the
 * ratio is the cost. At the end of the "on" run: events not yet in the tree, and how long the tree takes to catch
 * up. (2) Proofs at size: N events (default 1M) loaded straight through the store API, a server started on them
 * integrates the whole backlog (timed), then inclusion proofs (random events, at the full size) and consistency
 * proofs (random older size to the full size) over HTTP, p50/p99. (3) Full verification of that log as `vellum verify
 * --store` does it, in events/s, beside only reading it through the same reader.
 *   node --import tsx bench/integrity.ts [--store sqlite|postgres] [--clients 50] [--duration 30] [--events N]
 *                                       [--proof-events 1M] [--proofs 2000] [--parts ingest,proofs]
 */
import { parseVerifierKey, verifyLog } from '@vellum/core';
import type { EventStore, PreparedEvent } from '@vellum/core';
import { readTenantLog } from '../packages/server/src/integrity/readTenantLog.ts';
import { createStore } from '../packages/server/src/store/createStore.ts';
import type { VellumStore } from '../packages/server/src/store/VellumStore.ts';
import { parseBenchArgs, parseCount, type BenchArgs, type StoreKind } from './lib/benchArgs.ts';
import { buildEventRing, type EventRing } from './lib/EventRing.ts';
import { BENCH_KEY, boundsOf, type Bounds } from './lib/ingestBench.ts';
import { launchServer } from './lib/launchServer.ts';
import { loadDirect } from './lib/loadDirect.ts';
import { printMachine } from './lib/machine.ts';
import { createPrng } from './lib/prng.ts';
import { printLatency, printTable, printThroughput, type ReportRow } from './lib/report.ts';
import { runHttpGets, runHttpIngest } from './lib/runHttpLoad.ts';
import { cleanAll, formatBytes, tempDatabase, tempDir } from './lib/tempStore.ts';

const args = parseBenchArgs(
  { clients: 50, batch: 100, durationS: 30, warmupS: 3 },
  { 'proof-events': { default: '1M' }, proofs: { default: '2000' }, parts: { default: 'ingest,proofs' }, chunk: { default: '1000' } },
);
if (args.echo) throw new Error('--echo makes no sense here: the echo server has no tree');
const parts = new Set(String(args.values.parts).split(',').map((p) => p.trim()));
const proofEvents = parseCount(String(args.values['proof-events']));
const proofs = parseCount(String(args.values.proofs));
const loadChunk = parseCount(String(args.values.chunk));
const TENANT = 'default';
/** Unmeasured requests before each measured run (JIT, connections), as query-latency.ts does. */
const WARMUP = 3000;
printMachine('integrity: ingest with the Merkle tree on vs off, integration lag, proofs at size');

interface FreshStore {
  location: string;
  size(): Promise<number>;
  remove(): Promise<void>;
}

async function freshStore(store: StoreKind, label: string): Promise<FreshStore> {
  if (store === 'sqlite') {
    const dir = tempDir(label);
    return { location: `sqlite:${dir.file('vellum.db')}`, size: async () => dir.sizeBytes(), remove: () => dir.remove() };
  }
  const db = await tempDatabase(label);
  return { location: db.url, size: () => db.sizeBytes(), remove: () => db.remove() };
}

/** Polls the store (opened beside the server, reading only) until the tree holds every event; seconds taken. */
async function waitForTree(store: VellumStore, limitS: number): Promise<{ seconds: number; head: number }> {
  const t0 = performance.now();
  for (;;) {
    const [head, tree] = await Promise.all([store.headPosition(TENANT), store.treeState(TENANT)]);
    if (tree.size >= head) return { seconds: (performance.now() - t0) / 1000, head };
    if (performance.now() - t0 > limitS * 1000) throw new Error(`the tree did not catch up within ${limitS} s (${tree.size} of ${head})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface IngestRun {
  row: ReportRow;
  /** With integrity on: events committed but not in the tree when the load stopped, and the seconds to catch up. */
  lag?: { behind: number; head: number; catchUpS: number };
}

async function ingestRun(store: StoreKind, ring: EventRing, bounds: Bounds, integrity: boolean): Promise<IngestRun> {
  const fresh = await freshStore(store, integrity ? 'integrity-on' : 'integrity-off');
  const server = await launchServer({ store: fresh.location, apiKey: BENCH_KEY, env: { VELLUM_INTEGRITY_ENABLED: String(integrity) } });
  let observer: VellumStore | null = null;
  try {
    const http = { url: server.url, apiKey: BENCH_KEY, clients: args.clients, engine: args.engine };
    // Opened before the load, so the lag is read the moment the load stops, not after a connection is set up.
    if (integrity) observer = await createStore(fresh.location);
    if (args.warmupS > 0) await runHttpIngest({ ...http, durationMs: args.warmupS * 1000, request: (seq) => ({ body: ring.body(seq + 7919), events: ring.batchSize }) });
    server.rss.reset();
    const result = await runHttpIngest({ ...http, ...bounds, request: (seq) => ({ body: ring.body(seq), events: ring.batchSize }) });
    let lag: IngestRun['lag'];
    if (observer !== null) {
      const [head, tree] = await Promise.all([observer.headPosition(TENANT), observer.treeState(TENANT)]);
      const caught = await waitForTree(observer, 600);
      lag = { behind: head - tree.size, head, catchUpS: caught.seconds };
    }
    const rss = server.rss.read();
    return {
      row: {
        subject: `vellum http (${store}), integrity ${integrity ? 'on' : 'off'}`,
        result,
        rssMb: rss.peakMb,
        note: `server RSS peak ${rss.peakMb.toFixed(0)} MiB; store size ${formatBytes(await fresh.size())}`,
      },
      ...(lag === undefined ? {} : { lag }),
    };
  } finally {
    await observer?.close();
    await server.stop();
    await fresh.remove();
  }
}

async function ingestPart(store: StoreKind, ring: EventRing): Promise<void> {
  const bounds = boundsOf(args);
  console.log(`\n--- ${store}: HTTP batch ingest, integrity on vs off ---`);
  // Off first, then on: each on a fresh store, so neither inherits the other's pages or tree.
  const off = await ingestRun(store, ring, bounds, false);
  const on = await ingestRun(store, ring, bounds, true);
  printThroughput([on.row, off.row], on.row.subject);
  const ratio = on.row.result.eventsPerS / off.row.result.eventsPerS;
  console.log(`\n  ${store}: ingest with integrity on runs at ${(ratio * 100).toFixed(1)}% of the rate with it off (ratio ${ratio.toFixed(3)})`);
  if (on.lag) {
    console.log(`  ${store}: when the load stopped, ${on.lag.behind.toLocaleString('en-US')} of ${on.lag.head.toLocaleString('en-US')} events were not in the tree yet; caught up ${on.lag.catchUpS.toFixed(2)} s later`);
  }
}

/** Loads through the store API (loadDirect), keeping every 50th event's id and position to ask proofs for. */
async function loadForProofs(location: string): Promise<Array<{ id: string; position: number }>> {
  const store = await createStore(location);
  const sampled: Array<{ id: string; position: number }> = [];
  const keep = createPrng(args.seed ^ 0x9e3779b9);
  const recording = {
    append: async (batches: Parameters<EventStore['append']>[0]) => {
      const outcomes = await store.append(batches);
      batches.forEach((batch, b) => {
        const outcome = outcomes[b];
        if (outcome?.status !== 'committed') return;
        batch.events.forEach((e: PreparedEvent, i) => {
          if (keep.int(50) === 0) sampled.push({ id: e.event.id, position: outcome.results[i]!.position });
        });
      });
      return outcomes;
    },
  } as unknown as EventStore;
  try {
    await store.migrate();
    const t0 = performance.now();
    await loadDirect({
      store: recording, bare: null, events: proofEvents, chunk: loadChunk, generator: { seed: args.seed },
      onProgress: (done) => process.stderr.isTTY && process.stderr.write(`\r  loaded ${done.toLocaleString('en-US')}   `),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(`  loaded ${proofEvents.toLocaleString('en-US')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s (integrity off: nothing integrated yet)`);
  } finally {
    await store.close();
  }
  return sampled;
}

async function proofPart(store: StoreKind): Promise<void> {
  console.log(`\n--- ${store}: proofs at ${proofEvents.toLocaleString('en-US')} events ---`);
  const fresh = await freshStore(store, 'proofs');
  let observer: VellumStore | null = null;
  try {
    const sampled = await loadForProofs(fresh.location);
    const server = await launchServer({ store: fresh.location, apiKey: BENCH_KEY, env: { VELLUM_INTEGRITY_ENABLED: 'true' } });
    try {
      observer = await createStore(fresh.location);
      // The whole log is a backlog to the new server: this is how long a first start with integrity takes.
      const caught = await waitForTree(observer, 3600);
      const sizeAfter = await fresh.size();
      printTable(['integration of a backlog', 'events', 'secs', 'events/s', 'store size'], [
        [`${store}, from an empty tree`, caught.head.toLocaleString('en-US'), caught.seconds.toFixed(1), (caught.head / caught.seconds).toFixed(0), formatBytes(sizeAfter)],
      ]);
      const rnd = createPrng(args.seed);
      const total = caught.head;
      const inclusion = (seq: number) => {
        const e = sampled[(seq * 7919 + rnd.int(sampled.length)) % sampled.length]!;
        return `/v1/events/${e.id}/proof?treeSize=${total}`;
      };
      const consistency = (_seq: number) => `/v1/proofs/consistency?from=${1 + rnd.int(total - 1)}&to=${total}`;
      const http = { url: server.url, apiKey: BENCH_KEY, clients: 1, engine: args.engine };
      const warm = Math.min(WARMUP, proofs * 2);
      await runHttpGets({ ...http, maxOps: warm, path: inclusion });
      const inc = await runHttpGets({ ...http, maxOps: proofs, path: inclusion });
      await runHttpGets({ ...http, maxOps: warm, path: consistency });
      const con = await runHttpGets({ ...http, maxOps: proofs, path: consistency });
      console.log(`\nproofs over HTTP at ${total.toLocaleString('en-US')} events (${proofs} each after ${warm} unmeasured, 1 client):`);
      printLatency([
        { subject: `inclusion proof (${store})`, result: inc },
        { subject: `consistency proof (${store})`, result: con },
      ]);
      console.log(`  server RSS peak ${server.rss.read().peakMb.toFixed(0)} MiB`);
      await verifyPart(store, observer, server.url);
    } finally {
      await server.stop();
    }
  } finally {
    await observer?.close();
    await fresh.remove();
  }
}

/**
 * Full verification, as `vellum verify --store` does it (readTenantLog + verifyLog against the latest signed
 * checkpoint), beside the floor: reading the same log through the same reader without verifying anything.
 */
async function verifyPart(store: StoreKind, observer: VellumStore, url: string): Promise<void> {
  const res = await fetch(`${url}/v1/checkpoints/latest`, { headers: { authorization: `Bearer ${BENCH_KEY}` } });
  if (!res.ok) throw new Error(`GET /v1/checkpoints/latest answered ${res.status}`);
  const latest = (await res.json()) as { checkpoint: string; verifierKey: string; treeSize: number };
  const key = parseVerifierKey(latest.verifierKey);
  if (key === null) throw new Error('the server published a verifier key this bench cannot parse');
  let t0 = performance.now();
  let read = 0;
  for await (const _event of readTenantLog(observer, TENANT, [])) read++;
  const readS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const report = await verifyLog(readTenantLog(observer, TENANT, []), { tenant: TENANT, checkpoint: latest.checkpoint, key });
  const verifyS = (performance.now() - t0) / 1000;
  if (!report.ok) throw new Error(`the log did not verify: ${JSON.stringify(report.problems.slice(0, 3))}`);
  console.log(`\nfull verification of ${report.events.toLocaleString('en-US')} events against the checkpoint at ${latest.treeSize.toLocaleString('en-US')}:`);
  printTable(['subject', 'events', 'secs', 'events/s', 'verify ÷ this'], [
    [`verify (${store}): read + hashes + tree + checkpoint`, report.events.toLocaleString('en-US'), verifyS.toFixed(1), (report.events / verifyS).toFixed(0), '1.00'],
    [`read only (${store}), same reader`, read.toLocaleString('en-US'), readS.toFixed(1), (read / readS).toFixed(0), (readS / verifyS).toFixed(2)],
  ]);
}

async function main(a: BenchArgs): Promise<void> {
  const ring = buildEventRing({ size: Math.max(50_000, a.batch * 500), batchSize: a.batch, seed: a.seed });
  console.log(`events: ${ring.events.length.toLocaleString('en-US')} distinct, mean ${ring.meanEventBytes.toFixed(0)} bytes; batch ${a.batch}; ${a.clients} clients`);
  for (const store of a.stores) {
    if (parts.has('ingest')) await ingestPart(store, ring);
    if (parts.has('proofs')) await proofPart(store);
  }
}

try {
  await main(args);
} finally {
  await cleanAll();
}
