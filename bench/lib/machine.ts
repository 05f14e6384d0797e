/**
 * What a figure was measured on: RESULTS.md wants machine, date and command beside every number, so
 * each bench prints them first.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  disk: string;
  command: string;
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
    command: ['node', '--import', 'tsx', ...process.argv.slice(1).map((a) => a.replace(process.cwd() + '/', ''))].join(' '),
  };
}

export function printMachine(title: string): MachineInfo {
  const m = describeMachine();
  console.log(`\n=== ${title} ===`);
  console.log(`date ${m.date} | ${m.cores} cores ${m.cpu} | ${m.memory} | node ${m.node} | disk ${m.disk}`);
  console.log(`command: ${m.command}\n`);
  return m;
}
