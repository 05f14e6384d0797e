/**
 * Where the CPU goes during a run: the server's main thread, its SQLite writer thread (which names itself
 * `vellum-writer`), its other threads (V8's GC and compiler helpers, libuv's pool), the PostgreSQL processes on
 * this machine (backends, WAL writer, checkpointer: whatever the database spends), and the benchmark process
 * itself (the load generator), each as CPU microseconds per acknowledged event. On a 2-core machine shared
 * by server and load generator, the sum bounds the rate: 2 cores ÷ (µs per event) is the most any tuning of
 * waits and batching could reach with the same work per event. Linux only (reads /proc); elsewhere it reports
 * nothing.
 */
import { availableParallelism } from 'node:os';
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/task/<tid>/stat. 100 on every Linux Node supports. */
const TICKS_PER_SECOND = 100;

interface Snapshot {
  /** CPU seconds per server thread group. */
  server: { main: number; writer: number; other: number };
  /** The benchmark process (all its threads), in seconds. */
  client: number;
  /** Every process named `postgres` (per pid, so a connection opened during the run counts from zero). */
  database: Map<number, number>;
  /** Machine-wide busy and total time from /proc/stat, in ticks. */
  machine: { busy: number; total: number };
}

function threadSeconds(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14 and 15)
}

function serverSeconds(pid: number): Snapshot['server'] {
  const out = { main: 0, writer: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const seconds = threadSeconds(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      if (Number(tid) === pid) out.main += seconds;
      else if (name === 'vellum-writer') out.writer += seconds;
      else out.other += seconds;
    } catch {
      // the thread ended between the listing and the read. Its time leaves with it, which would understate the
      // run; the server's threads (main, writer, V8's helpers) live as long as the process, so none does here.
    }
  }
  return out;
}

function databaseSeconds(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      out.set(Number(entry), threadSeconds(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function machineTicks(): Snapshot['machine'] {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0); // user .. steal; guest time is already in user
  return { busy: total - idle, total };
}

function take(pid: number): Snapshot | null {
  try {
    const usage = process.cpuUsage();
    return { server: serverSeconds(pid), client: (usage.user + usage.system) / 1e6, database: databaseSeconds(), machine: machineTicks() };
  } catch {
    return null; // not Linux, or the server is gone
  }
}

export interface CpuPerEvent {
  /** Microseconds of CPU per acknowledged event. */
  main: number;
  writer: number;
  otherServer: number;
  client: number;
  /** PostgreSQL's processes on this machine (0 on SQLite runs, give or take other databases' work). */
  database: number;
  /** Share of all the machine's cores that was busy (anything, not only these processes). */
  machineBusy: number;
  cores: number;
}

export interface ThreadCpuMeter {
  /** CPU per event since the meter was started, or null where /proc is not readable. */
  perEvent(events: number): CpuPerEvent | null;
}

export function meterThreadCpu(serverPid: number): ThreadCpuMeter {
  const start = take(serverPid);
  return {
    perEvent(events) {
      const end = take(serverPid);
      if (start === null || end === null || events <= 0) return null;
      const us = (seconds: number) => (seconds * 1e6) / events;
      return {
        main: us(end.server.main - start.server.main),
        writer: us(end.server.writer - start.server.writer),
        otherServer: us(end.server.other - start.server.other),
        client: us(end.client - start.client),
        database: us([...end.database].reduce((sum, [pid, seconds]) => sum + seconds - (start.database.get(pid) ?? 0), 0)),
        machineBusy: (end.machine.busy - start.machine.busy) / Math.max(1, end.machine.total - start.machine.total),
        cores: availableParallelism(),
      };
    },
  };
}

/**
 * One line for a report's notes: the split, and the rates it allows on this machine — all its cores busy with
 * exactly this work (server, database and load generator together), and each single-threaded part alone.
 */
/** The server process's share: its main thread, its writer thread and its other threads. */
export const serverCpuPerEvent = (c: CpuPerEvent): number => c.main + c.writer + c.otherServer;

export function describeCpuPerEvent(c: CpuPerEvent): string {
  const server = serverCpuPerEvent(c);
  const total = server + c.database + c.client;
  const parts = [`main ${c.main.toFixed(0)}`, ...(c.writer > 0 ? [`writer ${c.writer.toFixed(0)}`] : []), `other threads ${c.otherServer.toFixed(0)}`];
  return `CPU per event: server ${server.toFixed(0)} µs (${parts.join(', ')}), ${c.database >= 1 ? `PostgreSQL ${c.database.toFixed(0)} µs, ` : ''}load generator ${c.client.toFixed(0)} µs; ` +
    `machine ${(c.machineBusy * 100).toFixed(0)}% busy; at this CPU per event ${c.cores} cores carry at most ` +
    `${Math.round((c.cores * 1e6) / total).toLocaleString('en-US')} events/s, and one main thread ${Math.round(1e6 / c.main).toLocaleString('en-US')}` +
    (c.writer > 0 ? `, one writer thread ${Math.round(1e6 / c.writer).toLocaleString('en-US')}` : '');
}
