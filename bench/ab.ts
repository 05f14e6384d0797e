/**
 * A/B: the same bench against two versions of the server, alternated in one sitting, so that a change's effect
 * can be told from the VM's drift (absolute rates here move by ±15% from one run to the next).
 *
 *   node --import tsx bench/ab.ts --base <commit> [--bench http-ingest-batch.ts] [--rounds 3] [--keep] -- [bench flags]
 *   node --import tsx bench/ab.ts --base HEAD~1 -- --store sqlite --duration 15
 *
 * "base" is <commit>, checked out in a worktree under the temp directory (its node_modules copied from this
 * checkout when package-lock.json is the same, else installed with npm ci) and built; "this" is this checkout's
 * working tree, built. Both are measured by this checkout's bench (VELLUM_BENCH_SERVER_ROOT picks the server),
 * without baselines, base first in odd rounds and this first in even ones. Prints each run as it ends, then per
 * subject the events/s of every run, the ratio of the medians (this ÷ base) and the median server CPU per event.
 * The worktree is removed at the end unless --keep.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/launchServer.ts';
import { printTable } from './lib/report.ts';
import { serverCpuPerEvent, type CpuPerEvent } from './lib/threadCpu.ts';
import { headerUsage } from './lib/benchArgs.ts';

interface ResultLine { subject: string; eventsPerS: number; p99Ms: number; rssMb?: number; cpu?: CpuPerEvent }
type Side = 'base' | 'this';

const { values, positionals } = parseArgs({
  options: {
    base: { type: 'string' },
    bench: { type: 'string', default: 'http-ingest-batch.ts' },
    rounds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: true,
  strict: true,
});
if (values.help) {
  console.log(headerUsage(fileURLToPath(import.meta.url)));
  process.exit(0);
}
const problems: string[] = [];
if (!values.base) problems.push('--base <commit> is required (the version to compare this working tree with)');
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) problems.push(`--rounds: a whole number of at least 1, not ${values.rounds}`);
const benchFile = path.join(REPO_ROOT, 'bench', values.bench);
if (!existsSync(benchFile)) problems.push(`--bench: bench/${values.bench} does not exist`);
if (positionals.includes('--no-baselines') || positionals.includes('--echo')) problems.push('the bench flags may not include --no-baselines (always set) or --echo');
if (problems.length > 0) {
  console.error(`bench/ab.ts: ${problems.join('; ')}`);
  process.exit(2);
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const out = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (out.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${out.status ?? out.signal}):\n${String(out.stdout ?? '')}${String(out.stderr ?? '')}`.slice(-8000));
  }
  return String(out.stdout ?? '');
}
const git = (...args: string[]) => run('git', ['-C', REPO_ROOT, ...args]).trim();

const sha = git('rev-parse', '--verify', `${values.base}^{commit}`);
const worktree = path.join(os.tmpdir(), `vellum-ab-${sha.slice(0, 12)}`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function prepareBase(): void {
  if (existsSync(worktree)) rmSync(worktree, { recursive: true, force: true });
  git('worktree', 'prune');
  console.log(`base ${sha.slice(0, 12)}: worktree ${worktree}`);
  git('worktree', 'add', '--detach', worktree, sha);
  const sameLock = readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8') === readFileSync(path.join(worktree, 'package-lock.json'), 'utf8');
  if (sameLock) {
    // Workspace packages are relative symlinks: copied as they are, they point into the worktree's own packages.
    cpSync(path.join(REPO_ROOT, 'node_modules'), path.join(worktree, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  } else {
    console.log('base: package-lock.json differs from this checkout\'s, running npm ci there');
    run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: worktree });
  }
}

function measure(side: Side, round: number): ResultLine[] {
  const results = path.join(mkdtempSync(path.join(os.tmpdir(), 'vellum-ab-results-')), 'rows.jsonl');
  const serverRoot = side === 'base' ? worktree : REPO_ROOT;
  run(process.execPath, ['--import', 'tsx', benchFile, '--no-baselines', ...positionals], {
    cwd: REPO_ROOT,
    env: { ...process.env, VELLUM_BENCH_SERVER_ROOT: serverRoot, VELLUM_BENCH_RESULTS: results },
  });
  const rows = readFileSync(results, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ResultLine);
  rmSync(path.dirname(results), { recursive: true, force: true });
  for (const r of rows) {
    const cpu = r.cpu
      ? `, server CPU ${serverCpuPerEvent(r.cpu).toFixed(0)} µs/event (main ${r.cpu.main.toFixed(0)}${r.cpu.writer > 0 ? `, writer ${r.cpu.writer.toFixed(0)}` : ''}, other ${r.cpu.otherServer.toFixed(0)})`
      : '';
    console.log(`  round ${round} ${side.padEnd(4)} ${r.subject}: ${Math.round(r.eventsPerS).toLocaleString('en-US')} events/s, p99 ${r.p99Ms.toFixed(1)} ms${cpu}`);
  }
  return rows;
}


try {
  prepareBase();
  console.log('building base and this checkout (npm run build)');
  run('npm', ['run', 'build'], { cwd: worktree });
  run('npm', ['run', 'build'], { cwd: REPO_ROOT });
  const bySubject = new Map<string, Record<Side, ResultLine[]>>();
  for (let round = 1; round <= rounds; round++) {
    for (const side of (round % 2 === 1 ? ['base', 'this'] : ['this', 'base']) as Side[]) {
      for (const row of measure(side, round)) {
        const entry = bySubject.get(row.subject) ?? { base: [], this: [] };
        entry[side].push(row);
        bySubject.set(row.subject, entry);
      }
    }
  }
  console.log(`\n${values.bench} ${positionals.join(' ')}: base ${sha.slice(0, 12)} against this working tree, ${rounds} round(s)\n`);
  const rate = (rows: ResultLine[]) => rows.map((r) => Math.round(r.eventsPerS).toLocaleString('en-US')).join(', ');
  const cpu = (rows: ResultLine[]) => {
    const known = rows.flatMap((r) => (r.cpu ? [serverCpuPerEvent(r.cpu)] : []));
    return known.length ? median(known).toFixed(0) : '-';
  };
  printTable(
    ['subject', 'base events/s', 'this events/s', 'this ÷ base (medians)', 'server CPU µs/event base → this'],
    [...bySubject].map(([subject, { base, this: mine }]) => [
      subject, rate(base), rate(mine),
      base.length && mine.length ? (median(mine.map((r) => r.eventsPerS)) / median(base.map((r) => r.eventsPerS))).toFixed(2) : '-',
      `${cpu(base)} → ${cpu(mine)}`,
    ]),
  );
} finally {
  if (values.keep) console.log(`kept ${worktree} (git worktree remove --force ${worktree})`);
  else if (existsSync(worktree)) {
    rmSync(worktree, { recursive: true, force: true });
    git('worktree', 'prune');
  }
}
