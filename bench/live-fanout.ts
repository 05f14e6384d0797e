/**
 * Live fan-out: N Server-Sent Events subscribers with mixed filters (everything, a type glob, a minimum
 * severity, one entity type, one hot entity) on one tenant, while events are ingested open-loop at a fixed
 * rate in batches; then the same ingestion without subscribers. Per store: acknowledgement→receipt latency
 * (p50/p99 over every event every subscriber received; an event received before its POST answered counts
 * as 0), the ingestion rate achieved with subscribers divided by the rate without, and the server's RSS.
 * Receipt is timed by the frame's `id:` line (the position), without parsing the event JSON, so the client
 * spends as little CPU as it can; on a small machine it still shares the cores with the server.
 * Targets (issue 4, 2 cores): p99 < 50 ms; ingestion within 10% of the no-subscriber run.
 *   node --import tsx bench/live-fanout.ts [--store sqlite|postgres] [--subscribers 1000] [--rate 5000] [--mix realistic|broad] [--duration 30] [--warmup 3] [--batch 50]
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseBenchArgs, parseCount, type StoreKind } from './lib/benchArgs.ts';
import { createEventGenerator } from './lib/generateEvents.ts';
import { BENCH_KEY } from './lib/ingestBench.ts';
import { LatencyHistogram } from './lib/LatencyHistogram.ts';
import { launchServer, type LaunchedServer } from './lib/launchServer.ts';
import { printMachine } from './lib/machine.ts';
import { printTable, printTargets, type Target } from './lib/report.ts';
import { cleanAll, tempDatabase, tempDir } from './lib/tempStore.ts';

const args = parseBenchArgs({ durationS: 30, warmupS: 3, batch: 50 }, { subscribers: { default: '1000' }, rate: { default: '5000' }, mix: { default: 'realistic' } });
const subscribers = parseCount(String(args.values.subscribers));
const rate = parseCount(String(args.values.rate));
const mix = String(args.values.mix);
if (mix !== 'realistic' && mix !== 'broad') throw new Error(`--mix must be realistic or broad, got ${mix}`);
const durationS = args.durationS ?? 30;
const TICK_MS = 1_000 / (rate / args.batch);
printMachine(`live-fanout: ${subscribers} SSE subscribers (${mix} filter mix), ${rate} events/s in batches of ${args.batch}`);

/**
 * Subscriber mixes. `broad` cycles seven wide filters (one in seven subscribers takes every event: ~140 firehoses at
 * 1,000 subscribers, about 70% of all events times 1,000 to write). `realistic` (default) is what one node serving
 * people and tools sees: per hundred subscribers, one firehose (an export or alerting tool), four type globs
 * (dashboards), five minimum-severity alerts, and ninety entity pages (one entity each, hot entities more often).
 */
const BROAD = ['', 'type=order.*', 'minSeverity=high', 'entityType=User', 'type=configuration.*', 'entityType=Invoice&outcome=success', 'source=api'];
const ENTITY_TYPES = ['PolicyConfiguration', 'Order', 'User', 'Invoice', 'Document'];
const GLOBS = ['type=order.*', 'type=configuration.*', 'type=user.*', 'type=invoice.*'];
function filterFor(i: number, mix: string): string {
  if (mix === 'broad') return BROAD[i % BROAD.length]!;
  const slot = i % 100;
  if (slot === 0) return '';
  if (slot <= 4) return GLOBS[slot - 1]!;
  if (slot <= 9) return 'minSeverity=high';
  return `entityType=${ENTITY_TYPES[i % ENTITY_TYPES.length]}&entityId=${1 + (i % 40)}`;
}

const auth = { authorization: `Bearer ${BENCH_KEY}` };

/** Serialised batch bodies, generated once and cycled (no idempotency key, so repeats are new events). */
function batches(count: number): string[] {
  const gen = createEventGenerator({ seed: args.seed });
  return Array.from({ length: count }, () => JSON.stringify({ events: Array.from({ length: args.batch }, () => gen.next()) }));
}

const NL = 10;
const ID_FIELD = Buffer.from('id: ');

interface Subscriber {
  received: number;
  destroy(): void;
}

function subscribe(base: string, filter: string, onPosition: (position: number) => void): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/v1/live${filter === '' ? '' : `?${filter}`}`, { headers: { ...auth, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`subscribe answered ${res.statusCode}`));
        res.resume();
        return;
      }
      const sub: Subscriber = { received: 0, destroy: () => req.destroy() };
      // Bytes, not text: decoding ~60 MB/s of frames to strings made the client, not the server, the bottleneck.
      let carry: Buffer | null = null;
      res.on('data', (chunk: Buffer) => {
        const buf = carry === null ? chunk : Buffer.concat([carry, chunk]);
        const lastNl = buf.lastIndexOf(NL);
        // The unfinished last line is kept (copied, so the chunk it came from can go).
        carry = lastNl + 1 < buf.length ? Buffer.from(buf.subarray(lastNl + 1)) : null;
        let at = buf.indexOf(ID_FIELD);
        while (at >= 0 && at < lastNl) {
          if (at === 0 || buf[at - 1] === NL) {
            let position = 0;
            for (let i = at + ID_FIELD.length; buf[i] !== NL; i += 1) position = position * 10 + buf[i]! - 48;
            onPosition(position);
            sub.received += 1;
          }
          at = buf.indexOf(ID_FIELD, at + ID_FIELD.length);
        }
      });
      res.on('error', () => undefined);
      resolve(sub);
    });
    req.on('error', (err) => reject(err));
  });
}

interface Phase {
  eventsPerS: number;
  ack: LatencyHistogram;
  errors: number;
}

/** Open loop: a batch every TICK_MS whatever the answers do; measures after the warm-up. */
async function ingestAtRate(base: string, bodies: string[], onAck: (positions: number[], at: number) => void): Promise<Phase> {
  const ack = new LatencyHistogram();
  let acked = 0;
  let errors = 0;
  let i = 0;
  let lastAck = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const measureFrom = start + args.warmupS * 1_000;
  const end = measureFrom + durationS * 1_000;
  let next = start;
  while (performance.now() < end) {
    const sentAt = performance.now();
    const body = bodies[i++ % bodies.length]!;
    const p = fetch(`${base}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body })
      .then(async (res) => {
        const text = await res.text();
        const at = performance.now();
        if (res.status !== 201) {
          errors += 1;
          return;
        }
        const positions = (JSON.parse(text) as { events: Array<{ position: number }> }).events.map((e) => e.position);
        onAck(positions, at);
        if (sentAt >= measureFrom) {
          ack.recordMs(at - sentAt);
          acked += positions.length;
          lastAck = Math.max(lastAck, at);
        }
      })
      .catch(() => {
        errors += 1;
      });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    next += TICK_MS;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);
  // Everything sent in the measured window, over the time until its last acknowledgement: a server that
  // falls behind the offered rate shows a lower figure, and a backlog is not hidden by stopping the clock.
  return { eventsPerS: (acked * 1_000) / (Math.max(lastAck, end) - measureFrom), ack, errors };
}

async function freshStore(store: StoreKind): Promise<string> {
  if (store === 'sqlite') return `sqlite:${tempDir('live').file('vellum.db')}`;
  return (await tempDatabase('live')).url;
}

async function launch(store: StoreKind): Promise<LaunchedServer> {
  return launchServer({
    store: await freshStore(store),
    apiKey: BENCH_KEY,
    echo: args.echo,
    env: { VELLUM_LIVE_MAX_CONNECTIONS_PER_KEY: String(Math.max(100, subscribers)) },
  });
}

interface StoreResult {
  store: StoreKind;
  without: Phase;
  with: Phase;
  receipt: LatencyHistogram;
  received: number;
  rssPeakMb: number;
  rssBaselineMb: number;
}

async function runStore(store: StoreKind, bodies: string[]): Promise<StoreResult> {
  // Without subscribers first, on a server of its own.
  const bare = await launch(store);
  let without: Phase;
  let rssBaselineMb: number;
  try {
    without = await ingestAtRate(bare.url, bodies, () => undefined);
    rssBaselineMb = bare.rss.read().peakMb;
  } finally {
    await bare.stop();
  }

  const server = await launch(store);
  try {
    const ackedAt = new Map<number, number>();
    const early = new Map<number, number>();
    const receipt = new LatencyHistogram();
    let measuring = false;
    const onPosition = (position: number) => {
      if (!measuring) return;
      const at = ackedAt.get(position);
      if (at === undefined) early.set(position, (early.get(position) ?? 0) + 1);
      else receipt.recordMs(Math.max(0, performance.now() - at));
    };
    const subs: Subscriber[] = [];
    for (let i = 0; i < subscribers; i += 50) {
      subs.push(...(await Promise.all(Array.from({ length: Math.min(50, subscribers - i) }, (_, j) => subscribe(server.url, filterFor(i + j, mix), onPosition)))));
    }
    server.rss.reset();
    measuring = true;
    // The client's own event-loop delay: a receipt is timed when this loop gets to it, so a late loop inflates
    // latencies that the server did not cause.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const warmEnd = performance.now() + args.warmupS * 1_000;
    const phase = await ingestAtRate(server.url, bodies, (positions, at) => {
      for (const p of positions) {
        if (at < warmEnd) {
          // Warm-up: delivered but not timed.
          early.delete(p);
          continue;
        }
        ackedAt.set(p, at);
        // Received before the POST answered: a latency of zero for each such receipt.
        const n = early.get(p);
        if (n !== undefined) {
          for (let k = 0; k < n; k += 1) receipt.recordMs(0);
          early.delete(p);
        }
      }
    });
    // Let the last events arrive.
    await new Promise((r) => setTimeout(r, 1_000));
    measuring = false;
    loopDelay.disable();
    console.log(`  bench client event-loop delay: p50 ${fmt(loopDelay.percentile(50) / 1e6, 1)} ms, p99 ${fmt(loopDelay.percentile(99) / 1e6, 1)} ms, max ${fmt(loopDelay.max / 1e6, 1)} ms`);
    const received = subs.reduce((s, x) => s + x.received, 0);
    // What the fan-out did: streams that fell back to the store, events sent, streams closed for lag.
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text()).catch(() => '');
    console.log(metrics.split('\n').filter((l) => l.startsWith('vellum_live_')).map((l) => `  ${l}`).join('\n'));
    for (const s of subs) s.destroy();
    return { store, without, with: phase, receipt, received, rssPeakMb: server.rss.read().peakMb, rssBaselineMb };
  } finally {
    await server.stop();
  }
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
try {
  const bodies = batches(Math.min(400, Math.ceil((rate * (durationS + args.warmupS)) / args.batch)));
  const results: StoreResult[] = [];
  for (const store of args.stores) {
    console.log(`\n${store}: ${durationS} s measured after ${args.warmupS} s warm-up, ${subscribers} subscribers`);
    results.push(await runStore(store, bodies));
  }
  console.log('');
  printTable(
    ['store', 'events/s without', 'events/s with', 'ratio', 'ack p99 without ms', 'ack p99 with ms', 'receipt p50 ms', 'receipt p99 ms', 'receipts', 'errors', 'RSS peak MB (without)'],
    results.map((r) => [
      r.store,
      fmt(r.without.eventsPerS),
      fmt(r.with.eventsPerS),
      fmt(r.with.eventsPerS / r.without.eventsPerS, 3),
      fmt(r.without.ack.percentileMs(0.99), 1),
      fmt(r.with.ack.percentileMs(0.99), 1),
      fmt(r.receipt.percentileMs(0.5), 1),
      fmt(r.receipt.percentileMs(0.99), 1),
      fmt(r.receipt.count),
      String(r.without.errors + r.with.errors),
      `${fmt(r.rssPeakMb)} (${fmt(r.rssBaselineMb)})`,
    ]),
  );
  const targets: Target[] = results.flatMap((r) => [
    { what: `${r.store} ack→receipt p99`, goal: '< 50 ms', actual: r.receipt.percentileMs(0.99), unit: 'ms', limit: 50, kind: 'max' as const },
    { what: `${r.store} ingestion with subscribers, % of without`, goal: '>= 90 %', actual: (100 * r.with.eventsPerS) / r.without.eventsPerS, unit: '%', limit: 90, kind: 'min' as const },
  ]);
  printTargets(targets);
} finally {
  await cleanAll();
}
