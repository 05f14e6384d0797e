import { verifyLog, type LogVerificationReport, type NoteVerifierKey, type StoredEvent } from '@vellum/core';
import type { ExportedCheckpoint } from './checkpoint.ts';

export type VerifyOutcome =
  | { kind: 'report'; report: LogVerificationReport }
  /** verifyLog threw instead of reporting (the log did not verify, but nothing said why). */
  | { kind: 'threw'; error: string };

/** Verifies events read as `vellum verify --store` reads them against the exported checkpoint, as the CLI does. */
export async function verifyEvents(events: readonly StoredEvent[], checkpoint: ExportedCheckpoint, key: NoteVerifierKey): Promise<VerifyOutcome> {
  try {
    return { kind: 'report', report: await verifyLog(events, { tenant: checkpoint.tenant, checkpoint: checkpoint.note, key }) };
  } catch (error) {
    return { kind: 'threw', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

export const verified = (outcome: VerifyOutcome): boolean => outcome.kind === 'report' && outcome.report.ok;

/** The first problems of an outcome, for a message. */
export function describeOutcome(outcome: VerifyOutcome, max = 3): string {
  if (outcome.kind === 'threw') return `threw ${outcome.error}`;
  const { report } = outcome;
  if (report.ok) return 'ok';
  return report.problems.slice(0, max).map((p) => `${p.position === null ? 'log' : `#${p.position}`}: ${p.problem}`).join('; ') || 'not ok (no problem listed)';
}
