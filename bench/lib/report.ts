/**
 * Printing: one table per bench with every subject's figures and Vellum's ratio to each, then the issue's
 * targets with PASS/MISS and the margin. Humans copy these into RESULTS.md.
 */
import { appendFileSync } from 'node:fs';
import type { RunResult } from './runWorkers.ts';
import type { CpuPerEvent } from './threadCpu.ts';

export interface ReportRow {
  subject: string;
  result: RunResult;
  /** Peak RSS of the server process, when there is one. */
  rssMb?: number;
  /** Where the CPU went, per acknowledged event (Vellum's rows, on Linux). */
  cpu?: CpuPerEvent;
  note?: string;
}

/**
 * With VELLUM_BENCH_RESULTS=<file>, each throughput row is also appended to that file as one JSON line, for
 * scripts that compare runs (bench/ab.ts) rather than read tables.
 */
function appendResults(rows: ReportRow[]): void {
  const file = process.env.VELLUM_BENCH_RESULTS;
  if (!file) return;
  const lines = rows.map(({ subject, result: r, rssMb, cpu }) => JSON.stringify({
    subject, events: r.events, seconds: r.elapsedS, eventsPerS: r.eventsPerS, p50Ms: r.latency.p50, p99Ms: r.latency.p99,
    failures: r.failures, ...(rssMb === undefined ? {} : { rssMb }), ...(cpu === undefined ? {} : { cpu }),
  }));
  appendFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const ms = (n: number): string => (n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : fmt(n, 2));

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/**
 * Throughput table. `reference` names the Vellum row: the last column is Vellum's events/s divided by
 * each row's (above 1: Vellum is faster than that subject).
 */
export function printThroughput(rows: ReportRow[], reference: string): void {
  const ref = rows.find((r) => r.subject === reference)?.result.eventsPerS ?? NaN;
  printTable(
    ['subject', 'events', 'secs', 'events/s', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'fail', 'RSS MiB', `${reference} ÷ this`],
    rows.map(({ subject, result: r, rssMb }) => [
      subject,
      fmt(r.events),
      fmt(r.elapsedS, 1),
      fmt(r.eventsPerS),
      fmt(r.opsPerS),
      ms(r.latency.p50),
      ms(r.latency.p90),
      ms(r.latency.p99),
      ms(r.latency.max),
      fmt(r.failures),
      rssMb === undefined ? '' : fmt(rssMb),
      subject === reference ? '1.00' : fmt(ref / r.eventsPerS, 2),
    ]),
  );
  for (const { subject, result, note } of rows) {
    if (note) console.log(`  ${subject}: ${note}`);
    if (result.failures) console.log(`  ${subject}: failures ${JSON.stringify(result.failuresByKind)}`);
    if (result.aborted) console.log(`  ${subject}: ABORTED by the hard time limit`);
  }
  appendResults(rows);
}

/** Latency table for queries: the ratio column is this row's p99 over the reference's (above 1: slower). */
export function printLatency(rows: ReportRow[], reference?: string): void {
  const ref = reference ? rows.find((r) => r.subject === reference)?.result.latency.p99 ?? NaN : NaN;
  printTable(
    ['subject', 'queries', 'rows/query', 'q/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'fail', ...(reference ? [`p99 ÷ ${reference}`] : [])],
    rows.map(({ subject, result: r }) => [
      subject,
      fmt(r.ops),
      fmt(r.ops ? r.events / r.ops : 0, 1),
      fmt(r.opsPerS),
      ms(r.latency.p50),
      ms(r.latency.p90),
      ms(r.latency.p99),
      ms(r.latency.p999),
      ms(r.latency.max),
      fmt(r.failures),
      ...(reference ? [fmt(r.latency.p99 / ref, 2)] : []),
    ]),
  );
  for (const { subject, result } of rows) if (result.failures) console.log(`  ${subject}: failures ${JSON.stringify(result.failuresByKind)}`);
}

export interface Target {
  what: string;
  /** Human form of the goal, e.g. `>= 30,000 events/s`. */
  goal: string;
  actual: number;
  unit: string;
  limit: number;
  /** 'min': actual must be at least limit; 'max': below it. */
  kind: 'min' | 'max';
}

export function printTargets(targets: Target[]): void {
  console.log('\ntargets');
  for (const t of targets) {
    if (!Number.isFinite(t.actual)) {
      console.log(`  ----  ${t.what}: not measured in this run (goal ${t.goal})`);
      continue;
    }
    const pass = t.kind === 'min' ? t.actual >= t.limit : t.actual < t.limit;
    const margin = t.kind === 'min' ? (t.actual / t.limit - 1) * 100 : (1 - t.actual / t.limit) * 100;
    const actual = t.unit === 'ms' ? ms(t.actual) : fmt(t.actual);
    console.log(`  ${pass ? 'PASS' : 'MISS'}  ${t.what}: ${actual} ${t.unit} (goal ${t.goal}; ${pass ? 'ahead' : 'short'} by ${fmt(Math.abs(margin), 0)}%)`);
  }
}
