import type { NoteVerifierKey } from '@vellum/core';
import { CONTROL_KIND, planControl, planTamper, TAMPER_KINDS, touchedTenants, type PristineLog, type TamperKind, type Trial, type World } from './attacks.ts';
import { Rng } from './random.ts';
import type { TamperTarget } from './target.ts';
import { describeOutcome, verified, verifyEvents, type VerifyOutcome } from './verify.ts';

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
  /** Where the time went: tampering (begin + apply + rollback), reading the rows back, verifying. */
  phases: { tamper: number; read: number; verify: number };
}

/** A control every `CONTROL_EVERY` trials, interleaved so that a trial that failed to roll back would show. */
const CONTROL_EVERY = 20;

export interface TrialPlan {
  /** The logs verified after every trial. */
  logs: readonly PristineLog[];
  /** The next tampering trial. */
  tamper(rng: Rng): Trial;
  /** A control, interleaved every CONTROL_EVERY trials (none when absent). */
  control?(rng: Rng): Trial;
}

/** The main plan: every tamper kind equally often (rounds of all kinds, shuffled), and forged appends as controls. */
export function mainPlan(world: World): TrialPlan {
  let queue: TamperKind[] = [];
  return {
    logs: [world.victim, world.neighbour],
    tamper(rng) {
      if (queue.length === 0) queue = rng.shuffle(TAMPER_KINDS);
      return planTamper(rng, world, queue.pop());
    },
    control: (rng) => planControl(rng, world),
  };
}

/**
 * Runs `count` seeded tampering trials (plus the interleaved controls) against one store: each in its own
 * transaction, read back through the same connection the way the CLI reads, verified, rolled back.
 */
export async function runTrials(target: TamperTarget, plan: TrialPlan, key: NoteVerifierKey, options: { seed: number; count: number }): Promise<StoreRun> {
  const rng = new Rng(options.seed);
  const logs = plan.logs;
  const results: TrialResult[] = [];
  const started = performance.now();
  const phases = { tamper: 0, read: 0, verify: 0 };
  let tampers = 0;
  for (let n = 0; tampers < options.count; n++) {
    const control = plan.control !== undefined && n % CONTROL_EVERY === CONTROL_EVERY - 1;
    const trial = control ? (plan.control as (rng: Rng) => Trial)(rng) : plan.tamper(rng);
    if (!control) tampers++;
    const bypass = rng.pick(target.bypasses);
    let at = performance.now();
    const lap = (phase: keyof StoreRun['phases']): void => {
      const now = performance.now();
      phases[phase] += now - at;
      at = now;
    };
    // On SQLite a trial never waits for I/O (only on promises already settled), so without this the loop would hold
    // the worker's event loop for the whole run, and vitest's own messages to its host (answered within 60 s or the
    // run fails, however green) would go unread. A macrotask turn per trial lets them through.
    await new Promise((resolve) => setImmediate(resolve));
    await target.begin(bypass);
    const outcomes: Record<string, VerifyOutcome> = {};
    try {
      await target.apply(trial.ops);
      if (trial.adapt !== undefined) {
        for (let attempt = 0; ; attempt++) {
          const more = await trial.adapt((tenant) => target.read(tenant), attempt);
          if (more === null) break;
          await target.apply(more);
        }
      }
      lap('tamper');
      for (const log of logs) {
        const events = await target.read(log.tenant);
        lap('read');
        outcomes[log.tenant] = await verifyEvents(events, log.checkpoint, key);
        lap('verify');
      }
    } catch (error) {
      throw new Error(`trial ${n} (${trial.kind}: ${trial.description}) could not be carried out: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      await target.rollback();
      lap('tamper');
    }
    results.push({ trial, bypass, outcomes, ...judge(trial, outcomes) });
  }
  return { store: target.name, seed: options.seed, results, ms: performance.now() - started, phases };
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

/** Which of the verifier's checks a problem comes from (by its wording), for the summary. */
function check(problem: string): string {
  if (/hash does not match|no valid hash/.test(problem)) return 'hash';
  if (/cannot be hashed/.test(problem)) return 'unhashable';
  if (/missing|appears again|out of order|no valid position/.test(problem)) return 'positions';
  if (/belongs to tenant/.test(problem)) return 'tenant';
  if (/checkpoint covers|truncated/.test(problem)) return 'checkpoint size';
  if (/the root over/.test(problem)) return 'checkpoint root';
  if (/more problems not listed/.test(problem)) return 'over the listing limit';
  return 'other';
}

/** The checks that fired in the logs a trial had to make fail. */
function checksFired(result: TrialResult): Set<string> {
  const fired = new Set<string>();
  for (const tenant of result.trial.mustFail) {
    const outcome = result.outcomes[tenant];
    if (outcome?.kind === 'report') for (const p of outcome.report.problems) fired.add(check(p.problem));
    else if (outcome?.kind === 'threw') fired.add('threw');
  }
  return fired;
}

const count = <T>(items: Iterable<T>): Map<T, number> => {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
};
const listCounts = (counts: Map<string, number>): string => [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');

/** The per-store summary: trials and detections by kind (with variants and the checks that caught them), controls, time. */
export function summarize(run: StoreRun): string {
  const tampers = run.results.filter((r) => r.trial.kind !== CONTROL_KIND);
  const controls = run.results.filter((r) => r.trial.kind === CONTROL_KIND);
  const lines = [
    `${run.store}: ${tampers.length} tampering trials (seed ${run.seed}), ${tampers.filter((r) => r.passed).length} detected; ` +
      (controls.length === 0 ? '' : `${controls.length} controls (forged appends after the head), ${controls.filter((r) => r.passed).length} verified ok; `) +
      `${(run.ms / 1000).toFixed(1)} s (tampering ${(run.phases.tamper / 1000).toFixed(1)}, reading ${(run.phases.read / 1000).toFixed(1)}, ` +
      `verifying ${(run.phases.verify / 1000).toFixed(1)}); bypass: ${listCounts(count(run.results.map((r) => r.bypass)))}`,
  ];
  const rank = (kind: string): number => ((TAMPER_KINDS as readonly string[]).includes(kind) ? (TAMPER_KINDS as readonly string[]).indexOf(kind) : TAMPER_KINDS.length);
  const kinds = [...new Set(tampers.map((r) => r.trial.kind))].sort((a, b) => rank(a) - rank(b));
  const width = Math.max(...kinds.map((k) => k.length));
  for (const kind of kinds) {
    const of = tampers.filter((r) => r.trial.kind === kind);
    if (of.length === 0) continue;
    lines.push(`  ${kind.padEnd(width)} ${String(of.length).padStart(5)} trials ${String(of.filter((r) => r.passed).length).padStart(5)} detected` +
      `  caught by: ${listCounts(count(of.flatMap((r) => [...checksFired(r)])))}`);
    lines.push(`  ${''.padEnd(width)}   variants: ${listCounts(count(of.map((r) => r.trial.variant)))}`);
  }
  const failed = run.results.filter((r) => !r.passed);
  for (const r of failed.slice(0, 20)) lines.push(`  FAILED ${r.trial.kind} [${r.trial.variant}] ${r.trial.description} (${r.bypass}): ${r.failure}`);
  if (failed.length > 20) lines.push(`  … and ${failed.length - 20} more failed`);
  return lines.join('\n');
}
