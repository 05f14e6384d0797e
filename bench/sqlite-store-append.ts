/**
 * Raw baseline of the SQLite store's append path, without HTTP: batches of ~500-byte events (generated and
 * prepared before the clock starts) appended to a file store, several batches per `append` call as group
 * commit does. Prints rows/s per window, so the rate can be watched as the store grows.
 *
 *   node --import tsx bench/sqlite-store-append.ts [--rows 1000000] [--batch 100] [--per-commit 10]
 *     [--window 100000] [--inline] [--path file.db --keep]
 *
 * --inline appends on the calling thread instead of the store's writer thread.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareEvent, uuidv7 } from '@vellum/core';
import type { AppendBatch } from '@vellum/core';
import { openSqliteStore } from '../packages/server/src/store/sqlite/index.ts';
import { createEventGenerator } from './lib/generateEvents.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '100' },
    'per-commit': { type: 'string', default: '10' },
    window: { type: 'string', default: '100000' },
    inline: { type: 'boolean', default: false },
    path: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values.batch);
const perCommit = Number(values['per-commit']);
const commitRows = batchSize * perCommit;
const window = Math.max(commitRows, Math.round(Number(values.window) / commitRows) * commitRows);
const dir = values.path === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'vellum-bench-')) : undefined;
const file = values.path ?? path.join(dir!, 'bench.db');

const store = openSqliteStore({ path: file, writerThread: !values.inline });
const generator = createEventGenerator();
const tenant = 'bench';
let clock = Date.now();

const commitOf = (): AppendBatch[] => Array.from({ length: perCommit }, () => ({
  tenant,
  events: Array.from({ length: batchSize }, () => {
    const now = clock++;
    return prepareEvent(generator.next(), [], { tenant, id: uuidv7(now, randomBytes(10)), recordedAt: new Date(now).toISOString() });
  }),
}));

console.log(`${file}: ${rows} rows, batches of ${batchSize}, ${perCommit} batches per commit, ` +
  `${values.inline ? 'inline' : 'writer thread'}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
let written = 0;
let totalMs = 0;
let totalCpuUs = 0;
while (written < rows) {
  // The window's events are prepared before its clock starts: only the store is measured.
  const commits = Array.from({ length: Math.min(window, rows - written) / commitRows }, commitOf);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const commit of commits) await store.append(commit);
  const ms = performance.now() - t0;
  // CPU of the whole process (main and writer threads): steadier than wall time on a shared machine.
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = cpu.user + cpu.system;
  totalCpuUs += cpuUs;
  const n = commits.length * commitRows;
  written += n;
  totalMs += ms;
  console.log(`rows ${String(written).padStart(9)}  ${Math.round(n / (ms / 1000)).toLocaleString('en').padStart(7)} rows/s  ` +
    `${(ms / commits.length).toFixed(1)} ms/commit  ${(cpuUs / n).toFixed(1)} µs CPU/row`);
}
const size = fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
console.log(`total ${Math.round(written / (totalMs / 1000)).toLocaleString('en')} rows/s over ${written} rows ` +
  `(${(totalCpuUs / written).toFixed(1)} µs CPU/row); ` +
  `${(size / 2 ** 20).toFixed(0)} MiB on disk; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await store.close();
if (dir !== undefined && values.keep !== true) fs.rmSync(dir, { recursive: true, force: true });
