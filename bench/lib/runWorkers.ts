/**
 * Runs N concurrent workers, each awaiting one operation at a time (a client that waits for its answer
 * before sending the next request: closed-loop load, as a real ingesting application behaves).
 * Every run is bounded: by a count, a duration, or both, and always by a hard time limit.
 */
import { LatencyHistogram, type LatencySummary } from './LatencyHistogram.ts';

export interface OpOutcome {
  /** Events acknowledged by this operation (0 when it failed). */
  events: number;
  /** A short failure label (`status 503`, `conflict`) when it failed; failures are counted, not thrown. */
  error?: string;
  /** Milliseconds the worker should pause before its next operation (a 429/503 Retry-After). */
  backoffMs?: number;
}

export interface RunWorkersOptions {
  workers: number;
  /** Stop starting operations after this many were started. */
  maxOps?: number;
  /** Stop starting operations after this long. */
  durationMs?: number;
  /** Safety net whatever the other bounds: in-flight operations are abandoned after it. Default 15 min. */
  hardLimitMs?: number;
  /** `seq` numbers operations 0, 1, 2... across all workers, so every subject replays the same sequence. */
  op: (seq: number, worker: number) => Promise<OpOutcome>;
  /** Called about once a second with progress, for long runs. */
  onTick?: (progress: { ops: number; events: number; elapsedMs: number }) => void;
}

export interface RunResult {
  ops: number;
  events: number;
  failures: number;
  /** Failure labels with their counts. */
  failuresByKind: Record<string, number>;
  elapsedS: number;
  eventsPerS: number;
  opsPerS: number;
  latency: LatencySummary;
  /** True when the hard limit cut the run short. */
  aborted: boolean;
}

export async function runWorkers(options: RunWorkersOptions): Promise<RunResult> {
  if (options.maxOps === undefined && options.durationMs === undefined) throw new Error('runWorkers needs maxOps or durationMs: every run must be bounded');
  const hardLimitMs = options.hardLimitMs ?? 15 * 60_000;
  const histogram = new LatencyHistogram();
  const failuresByKind: Record<string, number> = {};
  let started = 0;
  let ops = 0;
  let events = 0;
  let failures = 0;
  let aborted = false;
  const t0 = performance.now();
  const stopAt = t0 + Math.min(options.durationMs ?? Infinity, hardLimitMs);
  const maxOps = options.maxOps ?? Infinity;

  const tick = options.onTick
    ? setInterval(() => options.onTick!({ ops, events, elapsedMs: performance.now() - t0 }), 1000)
    : undefined;

  const worker = async (w: number): Promise<void> => {
    while (started < maxOps && performance.now() < stopAt) {
      const seq = started++;
      const t = performance.now();
      let outcome: OpOutcome;
      try {
        outcome = await options.op(seq, w);
      } catch (err) {
        outcome = { events: 0, error: err instanceof Error ? `${err.name}: ${err.message.slice(0, 80)}` : String(err) };
      }
      histogram.recordMs(performance.now() - t);
      ops += 1;
      events += outcome.events;
      if (outcome.error !== undefined) {
        failures += 1;
        failuresByKind[outcome.error] = (failuresByKind[outcome.error] ?? 0) + 1;
      }
      if (outcome.backoffMs) await new Promise((r) => setTimeout(r, outcome.backoffMs));
    }
  };

  let hardTimer: NodeJS.Timeout | undefined;
  const hard = new Promise<void>((resolve) => {
    hardTimer = setTimeout(() => { aborted = true; resolve(); }, hardLimitMs + 30_000);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w))), hard]);
  } finally {
    clearTimeout(hardTimer);
    if (tick) clearInterval(tick);
  }
  const elapsedS = (performance.now() - t0) / 1000;
  return {
    ops,
    events,
    failures,
    failuresByKind,
    elapsedS,
    eventsPerS: events / elapsedS,
    opsPerS: ops / elapsedS,
    latency: histogram.summary(),
    aborted,
  };
}
