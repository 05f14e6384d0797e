/**
 * Samples a process's resident memory (VmRSS in /proc/<pid>/status) and that of its descendants, so a
 * server that forks workers is measured whole.
 */
import { readFileSync, readdirSync } from 'node:fs';

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** RSS in MiB of the process tree rooted at `pid`. */
export function treeRssMb(pid: number): number {
  let kb = 0;
  const stack = [pid];
  const seen = new Set<number>();
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    kb += rssKb(p);
    stack.push(...childrenOf(p));
  }
  return kb / 1024;
}

export interface RssSampler {
  /** Peak and mean since the last reset, in MiB. */
  read(): { peakMb: number; meanMb: number; lastMb: number; samples: number };
  reset(): void;
  stop(): void;
}

export function sampleRss(pid: number, everyMs = 250): RssSampler {
  let peak = 0;
  let sum = 0;
  let n = 0;
  let last = 0;
  const take = () => {
    last = treeRssMb(pid);
    if (last === 0) return;
    peak = Math.max(peak, last);
    sum += last;
    n += 1;
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    read: () => ({ peakMb: peak, meanMb: n ? sum / n : 0, lastMb: last, samples: n }),
    reset: () => { peak = 0; sum = 0; n = 0; take(); },
    stop: () => clearInterval(timer),
  };
}
