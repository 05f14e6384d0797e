/**
 * What a figure was measured on: RESULTS.md wants machine, date and command beside every number, so
 * each bench prints them first.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  disk: string;
  /** 4 KiB write + fdatasync round trips per second in the temp dir: what bounds every durable commit. */
  fsyncPerS: number;
  /** 1-minute load average when the bench started: anything else running skews the figures. */
  load: number;
  command: string;
}

/** One second of write+fdatasync on a scratch file: the disk's durable-commit rate right now. */
function probeFsync(): number {
  const file = path.join(process.env.VELLUM_BENCH_TMP ?? os.tmpdir(), `vellum-bench-fsync-${process.pid}`);
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  let n = 0;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < 1000) {
      fs.writeSync(fd, block);
      fs.fdatasyncSync(fd);
      n += 1;
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return n / ((performance.now() - t0) / 1000);
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

export function describeMachine(): MachineInfo {
  const df = run('df', ['-h', '--output=source,size,avail', os.tmpdir()]).split('\n')[1]?.trim().replace(/\s+/g, ' ') ?? '?';
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    disk: `${df} (tmp: ${os.tmpdir()})`,
    fsyncPerS: probeFsync(),
    load: os.loadavg()[0] ?? 0,
    command: ['node', '--import', 'tsx', ...process.argv.slice(1).map((a) => a.replace(process.cwd() + '/', ''))].join(' '),
  };
}

export function printMachine(title: string): MachineInfo {
  const m = describeMachine();
  console.log(`\n=== ${title} ===`);
  console.log(`date ${m.date} | ${m.cores} cores ${m.cpu} | ${m.memory} | node ${m.node} | disk ${m.disk}`);
  console.log(`fdatasync (4 KiB) ${m.fsyncPerS.toFixed(0)}/s | load average ${m.load.toFixed(2)}${m.load > m.cores * 0.5 ? '  <- the machine is busy: figures will be low and noisy' : ''}`);
  console.log(`command: ${m.command}\n`);
  return m;
}
