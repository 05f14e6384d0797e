/**
 * What each secondary index costs a bare better-sqlite3 append, and how much larger commits win back: the
 * DESIGN.md table (bench/lib/baselines/bareRows.ts) with its indexes added one at a time, each written for a
 * fixed time from empty at several rows-per-transaction sizes (Vellum's group commit makes transactions of up
 * to `ingest.maxEventsPerCommit`, 5,000 by default). Per subject: rows/s, CPU µs per row, and bytes written to
 * disk per row (/proc/self/io: WAL frames and checkpoints) — an index whose next entry lands on a page no
 * other row of the commit touched costs a whole page in the WAL, so bytes per row show the pages dirtied.
 * WAL + synchronous=FULL and a 32 MiB page cache, as Vellum's writer has.
 *
 *   node --import tsx bench/sqlite-index-cost.ts [--duration 10] [--txn 100,1000,5000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildEventRing } from './lib/EventRing.ts';
import { printMachine } from './lib/machine.ts';
import { printTable } from './lib/report.ts';
import { tempDir } from './lib/tempStore.ts';
import { bareIndexesSql, createRowSequencer, type BareRow } from './lib/baselines/bareRows.ts';
import { openBareSqlite } from './lib/baselines/bareSqlite.ts';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, txn: { type: 'string', default: '100,1000,5000' } } });
const durationMs = Number(values.duration) * 1000;
const txnSizes = values.txn.split(',').map(Number);
for (const n of [durationMs, ...txnSizes]) if (!Number.isFinite(n) || n <= 0) throw new Error('--duration and --txn take positive numbers');

/**
 * Cumulative: each subject adds one index to the previous one's — the unique ones first (stream version, id), then
 * the type index, whose keys arrive nearly in order, then the actor and entity ones, whose keys scatter.
 */
const [stream, id, actor, entity, type] = bareIndexesSql('events') as [string, string, string, string, string];
const SUBJECTS: [string, string[]][] = [
  ['primary key only', []],
  ['+ (tenant, stream, version)', [stream]],
  ['+ id', [stream, id]],
  ['+ (tenant, type, occurredAt)', [stream, id, type]],
  ['+ (tenant, actor, occurredAt)', [stream, id, type, actor]],
  ['+ (tenant, entity, occurredAt)', [stream, id, type, actor, entity]],
];

function bytesWritten(): number {
  const m = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function measure(indexes: string[], rowsPerTxn: number, ring: ReturnType<typeof buildEventRing>) {
  const dir = tempDir('index-cost');
  const bare = openBareSqlite(dir.file('bare.db'), { indexes, cacheMiB: 32 });
  try {
    const sequence = createRowSequencer();
    // Rows are built (sequenced, hashed) outside the measured time: only the inserts and commits count.
    let seq = 0;
    const nextTxn = () => { const rows: BareRow[] = []; while (rows.length < rowsPerTxn) rows.push(...sequence(ring.batch(seq++))); return rows; };
    let rows = 0;
    let busyMs = 0;
    const cpu0 = process.cpuUsage();
    const io0 = bytesWritten();
    let pending = nextTxn();
    let buildCpuUs = 0;
    while (busyMs < durationMs) {
      const t0 = performance.now();
      bare.insert(pending);
      busyMs += performance.now() - t0;
      rows += pending.length;
      const b0 = process.cpuUsage();
      pending = nextTxn();
      const b = process.cpuUsage(b0);
      buildCpuUs += b.user + b.system;
    }
    const cpu = process.cpuUsage(cpu0);
    return { rows, rate: rows / (busyMs / 1000), cpuUsPerRow: (cpu.user + cpu.system - buildCpuUs) / rows, bytesPerRow: (bytesWritten() - io0) / rows };
  } finally {
    bare.close();
    void dir.remove();
  }
}

printMachine('sqlite-index-cost: bare better-sqlite3, indexes added one at a time');
const ring = buildEventRing({ size: 50_000, batchSize: 100 });
console.log(`events: 50,000 distinct, mean ${ring.meanEventBytes.toFixed(0)} bytes; ${values.duration} s per subject, from an empty file\n`);
for (const txn of txnSizes) {
  console.log(`--- ${txn.toLocaleString('en-US')} rows per transaction ---\n`);
  const table: string[][] = [];
  let first = 0;
  for (const [name, indexes] of SUBJECTS) {
    const r = measure(indexes, txn, ring);
    first ||= r.rate;
    table.push([name, r.rows.toLocaleString('en-US'), Math.round(r.rate).toLocaleString('en-US'), r.cpuUsPerRow.toFixed(1), Number.isNaN(r.bytesPerRow) ? '?' : Math.round(r.bytesPerRow).toLocaleString('en-US'), (r.rate / first).toFixed(2)]);
  }
  printTable(['indexes', 'rows', 'rows/s', 'CPU µs/row', 'disk bytes/row', '÷ PK only'], table);
  console.log('');
}
