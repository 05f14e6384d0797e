import { isPlainObject, parseRetrySchedule, type ErrorDetail, type SubscriptionTargetRecord } from '@vellum/core';
import type { DeliveryTarget, ParsedTarget } from '../DeliveryTarget.ts';
import { reportUnknownProperties } from '../../http/reportUnknownProperties.ts';

/** The log calls targets make (pino's signature), so tests can pass a recorder. Never given a secret or an event body. */
export interface TargetLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** One kind of target (webhook, nats, redis): what createDeliveryTargets dispatches to. */
export interface TargetKind {
  parse(input: Record<string, unknown>, path: string, previous: SubscriptionTargetRecord | null): Promise<ParsedTarget>;
  view(target: SubscriptionTargetRecord): Record<string, unknown>;
  open(target: SubscriptionTargetRecord): DeliveryTarget;
  close(): Promise<void>;
}

/**
 * The checks every kind shares: no unknown properties, and an optional `retrySchedule`. Adds problems to
 * `problems` and returns the schedule (undefined when absent or bad).
 */
export function commonChecks(input: Record<string, unknown>, known: readonly string[], path: string, problems: ErrorDetail[]): string[] | undefined {
  reportUnknownProperties(input, ['kind', 'retrySchedule', ...known], path, problems);
  if (input.retrySchedule === undefined) return undefined;
  const parsed = parseRetrySchedule(input.retrySchedule, `${path}/retrySchedule`);
  if (parsed.ok) return parsed.schedule;
  problems.push(...parsed.problems);
  return undefined;
}

/** A stored target's retry schedule (null: the server's). */
export const storedSchedule = (target: SubscriptionTargetRecord): string[] | null => (Array.isArray(target.retrySchedule) ? (target.retrySchedule as string[]) : null);

/** The schedule in a view: present only when the target has its own (absent means the server's). */
export const scheduleView = (target: SubscriptionTargetRecord): { retrySchedule?: string[] } => {
  const schedule = storedSchedule(target);
  return schedule === null ? {} : { retrySchedule: schedule };
};

/** A list of at most `max` strings from input, every problem reported (a list too long is one problem, not one per entry). */
export function stringList(value: unknown, path: string, problems: ErrorDetail[], what: string, max: number): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({ path, message: `must be a list of ${what}` });
    return [];
  }
  if (value.length > max) {
    problems.push({ path, message: `holds ${value.length} entries; at most ${max}` });
    return [];
  }
  const out: string[] = [];
  value.forEach((v: unknown, i) => {
    if (typeof v === 'string') out.push(v);
    else problems.push({ path: `${path}/${i}`, message: `must be a string (${what})` });
  });
  return out;
}

export { isPlainObject };

/** A short, printable, single-line excerpt of untrusted text (a receiver's answer, a driver's error). */
export function snippet(text: string, max = 120): string {
  const clean = text.replace(/[^\x21-\x7e]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
