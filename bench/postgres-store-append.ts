/**
 * Raw baseline of the PostgreSQL store's append path, without HTTP: batches of ~500-byte prepared events
 * appended by one or several concurrent `append` callers (as several group-commit writers or nodes would),
 * each call one durable transaction (synchronous_commit=on). A ring of prepared events is built before the
 * clock starts and replayed with fresh ids, so the figures are the store's: sealing (hashing), SQL and commit.
 * Prints rows/s per window, so the rate can be watched as the table grows.
 *
 *   node --import tsx bench/postgres-store-append.ts [--rows 1000000] [--batch 100] [--per-commit 1]
 *     [--callers 1] [--tenants 1] [--window 100000] [--url postgres://postgres@127.0.0.1:5432/test] [--schema s] [--keep]
 * With --tenants N, caller i writes tenant i mod N: one tenant's commits serialise on its lock (gapless
 * positions), different tenants' commits run in parallel.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { prepareEvent, uuidv7 } from '@vellum/core';
import type { AppendBatch, PreparedEvent } from '@vellum/core';
import { openPostgresStore } from '../packages/server/src/store/postgres/index.ts';
import { createEventGenerator } from './lib/generateEvents.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '100' },
    'per-commit': { type: 'string', default: '1' },
    callers: { type: 'string', default: '1' },
    tenants: { type: 'string', default: '1' },
    window: { type: 'string', default: '100000' },
    ring: { type: 'string', default: '50000' },
    url: { type: 'string', default: process.env.VELLUM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    schema: { type: 'string', default: `vellum_bench_${process.pid}` },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values.batch);
const perCommit = Number(values['per-commit']);
const callers = Number(values.callers);
const window = Number(values.window);
const tenants = Number(values.tenants);
const tenant = 'bench';

const generator = createEventGenerator();
const ring: PreparedEvent[] = Array.from({ length: Number(values.ring) }, () => {
  const now = Date.now();
  return prepareEvent(generator.next(), [], { tenant, id: uuidv7(now, randomBytes(10)), recordedAt: new Date(now).toISOString() });
});
const meanBytes = ring.slice(0, 1000).reduce((s, p) => s + Buffer.byteLength(JSON.stringify(p.event)), 0) / Math.min(1000, ring.length);
let cursor = 0;
const nextCommit = (tenant: string): AppendBatch[] => Array.from({ length: perCommit }, () => ({
  tenant,
  events: Array.from({ length: batchSize }, () => {
    const p = ring[cursor++ % ring.length] as PreparedEvent;
    return { ...p, event: { ...p.event, tenant, id: uuidv7(Date.now(), randomBytes(10)) } };
  }),
}));

const store = await openPostgresStore({ url: values.url, schema: values.schema, poolSize: callers });
console.log(`${os.cpus().length} cpus, ${os.cpus()[0]?.model}; schema ${values.schema}; ${rows} rows, ~${Math.round(meanBytes)} B/event, ` +
  `batches of ${batchSize}, ${perCommit} per commit, ${callers} concurrent caller(s), ${tenants} tenant(s)`);

let written = 0;
let windowRows = 0;
let windowStart = performance.now();
let windowCalls: number[] = [];
const start = performance.now();
const cpuStart = process.cpuUsage();
const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

async function caller(index: number): Promise<void> {
  while (written < rows) {
    const commit = nextCommit(tenants === 1 ? tenant : `${tenant}-${index % tenants}`);
    const n = batchSize * perCommit;
    written += n;
    const t0 = performance.now();
    const outcomes = await store.append(commit);
    windowCalls.push(performance.now() - t0);
    if (outcomes.some((o) => o.status !== 'committed')) throw new Error('a batch was rejected');
    windowRows += n;
    if (windowRows >= window) {
      const now = performance.now();
      console.log(`rows ${String(written).padStart(9)}  window ${Math.round(windowRows / ((now - windowStart) / 1000)).toLocaleString('en')} rows/s  ` +
        `call p50 ${pct(windowCalls, 0.5).toFixed(1)} ms p99 ${pct(windowCalls, 0.99).toFixed(1)} ms`);
      windowRows = 0; windowStart = now; windowCalls = [];
    }
  }
}
await Promise.all(Array.from({ length: callers }, (_, i) => caller(i)));
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);

const client = new pg.Client({ connectionString: values.url });
await client.connect();
const { rows: [size] } = await client.query<{ table: string; total: string }>(
  `SELECT pg_size_pretty(pg_table_size($1)) AS table, pg_size_pretty(pg_total_relation_size($1)) AS total`, [`"${values.schema}".events`]);
console.log(`total ${Math.round(written / seconds).toLocaleString('en')} rows/s over ${written} rows in ${seconds.toFixed(1)} s; ` +
  `node CPU ${((cpu.user + cpu.system) / 1e6 / seconds * 100).toFixed(0)}% of one core; events table ${size?.table}, with indexes ${size?.total}`);
await store.close();
if (values.keep !== true) await client.query(`DROP SCHEMA "${values.schema}" CASCADE`);
await client.end();
