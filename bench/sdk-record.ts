/**
 * SDK: what record() costs the caller with the durable outbox (p50/p99 µs, one caller awaiting each record, then
 * 32 concurrent callers sharing fsyncs), and the sustained events/s the flusher delivers to a real server from a
 * full outbox (batches of --batch).
 *   node --import tsx bench/sdk-record.ts [--events 20000] [--batch 100] [--smoke]
 */
import { parseArgs } from 'node:util';
import { createClient } from '../packages/sdk/src/index.ts';
import { generateApiKey } from '../packages/server/src/auth/generateApiKey.ts';
import { launchServer } from './lib/launchServer.ts';
import { printMachine } from './lib/machine.ts';
import { printTable } from './lib/report.ts';
import { tempDir } from './lib/tempStore.ts';

const { values } = parseArgs({ options: { events: { type: 'string' }, batch: { type: 'string' }, smoke: { type: 'boolean' } } });
const EVENTS = Number(values.events ?? (values.smoke ? 500 : 20_000));
const BATCH = Number(values.batch ?? 100);
const CONCURRENCY = 32;
const KEY = generateApiKey();

const event = (i: number) => ({
  type: 'bench.sdk_record',
  actor: { type: 'user', id: String(i % 100) },
  entity: { type: 'Account', id: `acct-${i % 500}` },
  data: { i, api_key: 'sk_live_bench_0123456789', note: 'x'.repeat(120) },
});

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const us = (ns: bigint): number => Number(ns) / 1000;
const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

printMachine(`sdk-record: record() with the outbox, and flusher delivery (${EVENTS} events, batches of ${BATCH})`);
const tmp = tempDir('sdk');
const server = await launchServer({ store: `sqlite:${tmp.file('vellum.db')}`, apiKey: KEY });
const rows: string[][] = [];
try {
  // 1. One caller, awaiting each record() while the flusher delivers in the background.
  {
    const client = createClient({ url: server.url, apiKey: KEY, outbox: tmp.file('seq.db'), batchSize: BATCH });
    const lat: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < EVENTS; i++) {
      const s = process.hrtime.bigint();
      await client.record(event(i));
      lat.push(us(process.hrtime.bigint() - s));
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    await client.close({ timeoutMs: 120_000 });
    lat.sort((a, b) => a - b);
    rows.push(['record(), 1 caller', f(EVENTS), f(EVENTS / secs), f(quantile(lat, 0.5), 1), f(quantile(lat, 0.99), 1), f(lat[lat.length - 1]!, 1)]);
  }
  // 2. 32 callers: records of one tick share one transaction and one fsync.
  {
    const client = createClient({ url: server.url, apiKey: KEY, outbox: tmp.file('conc.db'), batchSize: BATCH });
    const lat: number[] = [];
    let next = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        const i = next++;
        const s = process.hrtime.bigint();
        await client.record(event(i));
        lat.push(us(process.hrtime.bigint() - s));
      }
    }));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    await client.close({ timeoutMs: 120_000 });
    lat.sort((a, b) => a - b);
    rows.push([`record(), ${CONCURRENCY} callers`, f(EVENTS), f(EVENTS / secs), f(quantile(lat, 0.5), 1), f(quantile(lat, 0.99), 1), f(lat[lat.length - 1]!, 1)]);
  }
  console.log('\nrecord() as the caller sees it (durable in the outbox when it resolves)');
  printTable(['subject', 'events', 'events/s', 'p50 µs', 'p99 µs', 'max µs'], rows);

  // 3. Flusher delivery: fill an outbox while nothing listens, then time draining it into the real server.
  const file = tmp.file('drain.db');
  const filler = createClient({ url: 'http://127.0.0.1:9', apiKey: KEY, outbox: file, maxOutboxEvents: EVENTS + 1 });
  await Promise.all(Array.from({ length: EVENTS }, (_, i) => filler.record(event(i))));
  await filler.close({ timeoutMs: 0 });
  const drainer = createClient({ url: server.url, apiKey: KEY, outbox: file, batchSize: BATCH });
  const t0 = process.hrtime.bigint();
  await drainer.flush({ timeoutMs: 600_000 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = drainer.stats();
  await drainer.close();
  console.log('\nflusher delivery from a full outbox to the server (acknowledged, durable on the server)');
  printTable(['subject', 'events', 'secs', 'events/s', 'dead letters'], [[`batches of ${BATCH}`, f(EVENTS), f(secs, 2), f(EVENTS / secs), String(stats.deadLetters)]]);
} finally {
  await server.stop();
  await tmp.remove();
}
