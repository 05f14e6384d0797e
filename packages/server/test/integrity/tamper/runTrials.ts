import type { NoteVerifierKey } from '@vellum/core';
import { CONTROL_KIND, planControl, planTamper, TAMPER_KINDS, touchedTenants, type TamperKind, type Trial, type World } from './attacks.ts';
import { Rng } from './random.ts';
import type { TamperTarget } from './target.ts';
import { describeOutcome, verified, verifyRows, type VerifyOutcome } from './verify.ts';

export interface TrialResult {
  trial: Trial;
  bypass: string;
  /** Per tenant: what verification said. */
  outcomes: Record<string, VerifyOutcome>;
  /** Every log in mustFail failed verification (for a control: every log verified). */
  passed: boolean;
  /** Why not, when not. */
  failure?: string;
}

export interface StoreRun {
  store: string;
  seed: number;
  results: TrialResult[];
  ms: number;
}

/** A control every `CONTROL_EVERY` trials, interleaved so that a trial that failed to roll back would show. */
const CONTROL_EVERY = 20;

/**
 * Runs `count` seeded tampering trials (plus the interleaved controls) against one store: each in its own
 * transaction, verified through the same connection, rolled back.
 */
export async function runTrials(target: TamperTarget, world: World, key: NoteVerifierKey, options: { seed: number; count: number }): Promise<StoreRun> {
  const rng = new Rng(options.seed);
  const logs = [world.victim, world.neighbour];
  const results: TrialResult[] = [];
  const started = performance.now();
  let tampers = 0;
  let queue: TamperKind[] = [];
  for (let n = 0; tampers < options.count; n++) {
    const control = n % CONTROL_EVERY === CONTROL_EVERY - 1;
    // Every kind equally often (rounds of all kinds, shuffled), so even a small count covers them all.
    if (!control && queue.length === 0) queue = rng.shuffle(TAMPER_KINDS);
    const trial = control ? planControl(rng, world) : planTamper(rng, world, queue.pop());
    if (!control) tampers++;
    const bypass = rng.pick(target.bypasses);
    await target.begin(bypass);
    const outcomes: Record<string, VerifyOutcome> = {};
    try {
      await target.apply(trial.ops);
      for (const log of logs) outcomes[log.tenant] = await verifyRows(await target.read(log.tenant), log.checkpoint, key);
    } catch (error) {
      throw new Error(`trial ${n} (${trial.kind}: ${trial.description}) could not be carried out: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      await target.rollback();
    }
    results.push({ trial, bypass, outcomes, ...judge(trial, outcomes) });
  }
  return { store: target.name, seed: options.seed, results, ms: performance.now() - started };
}

function judge(trial: Trial, outcomes: Record<string, VerifyOutcome>): { passed: boolean; failure?: string } {
  const touched = touchedTenants(trial);
  for (const [tenant, outcome] of Object.entries(outcomes)) {
    if (trial.mustFail.includes(tenant)) {
      if (verified(outcome)) return { passed: false, failure: `${tenant}'s log still verifies` };
      if (outcome.kind === 'threw') return { passed: false, failure: `verifying ${tenant}'s log threw instead of reporting: ${outcome.error}` };
    } else if (!touched.has(tenant) || trial.kind === CONTROL_KIND) {
      if (!verified(outcome)) return { passed: false, failure: `${tenant}'s log should verify but: ${describeOutcome(outcome)}` };
    }
  }
  return { passed: true };
}

/** The per-store summary: trials and detections by kind, controls, time. */
export function summarize(run: StoreRun): string {
  const rows = new Map<string, { trials: number; detected: number }>();
  for (const r of run.results) {
    const row = rows.get(r.trial.kind) ?? { trials: 0, detected: 0 };
    row.trials++;
    if (r.passed) row.detected++;
    rows.set(r.trial.kind, row);
  }
  const tampers = run.results.filter((r) => r.trial.kind !== CONTROL_KIND);
  const controls = run.results.filter((r) => r.trial.kind === CONTROL_KIND);
  const width = Math.max(...[...rows.keys()].map((k) => k.length));
  const lines = [
    `${run.store}: ${tampers.length} tampering trials (seed ${run.seed}), ${tampers.filter((r) => r.passed).length} detected; ` +
      `${controls.length} controls, ${controls.filter((r) => r.passed).length} verified; ${(run.ms / 1000).toFixed(1)} s`,
    ...[...TAMPER_KINDS, CONTROL_KIND].filter((k) => rows.has(k)).map((k) => {
      const row = rows.get(k) as { trials: number; detected: number };
      return `  ${k.padEnd(width)}  ${String(row.trials).padStart(5)} trials  ${String(row.detected).padStart(5)} ${k === CONTROL_KIND ? 'verified' : 'detected'}`;
    }),
  ];
  const failed = run.results.filter((r) => !r.passed);
  for (const r of failed.slice(0, 20)) lines.push(`  FAILED ${r.trial.kind} [${r.trial.variant}] ${r.trial.description} (${r.bypass}): ${r.failure}`);
  return lines.join('\n');
}
