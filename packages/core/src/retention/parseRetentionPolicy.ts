import type { ErrorDetail } from '../errors/registry.ts';
import { RETENTION_MAX_DAYS, RETENTION_MIN_DAYS } from '../store/RetentionStore.ts';

export interface RetentionPolicyInput {
  keepDays: number;
  archive: boolean;
}

const FIELDS = ['keepDays', 'archive'];

/** A PUT /v1/retention body: `{ keepDays, archive? }`; every problem listed with its JSON pointer. */
export function parseRetentionPolicy(body: unknown): { policy: RetentionPolicyInput; details: [] } | { policy: null; details: ErrorDetail[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { policy: null, details: [{ path: '', message: 'must be a JSON object { keepDays, archive? }' }] };
  }
  const o = body as Record<string, unknown>;
  const details: ErrorDetail[] = [];
  for (const name of Object.keys(o)) {
    if (!FIELDS.includes(name)) details.push({ path: `/${escapePointer(name)}`, message: `is not a field of a retention policy (${FIELDS.join(', ')})` });
  }
  const { keepDays, archive } = o;
  if (keepDays === undefined) details.push({ path: '/keepDays', message: 'is required: how many days to keep events after they were recorded' });
  else if (typeof keepDays !== 'number' || !Number.isInteger(keepDays) || keepDays < RETENTION_MIN_DAYS || keepDays > RETENTION_MAX_DAYS) {
    details.push({ path: '/keepDays', message: `must be a whole number of days from ${RETENTION_MIN_DAYS} to ${RETENTION_MAX_DAYS}` });
  }
  if (archive !== undefined && typeof archive !== 'boolean') details.push({ path: '/archive', message: 'must be true or false' });
  if (details.length > 0) return { policy: null, details };
  return { policy: { keepDays: keepDays as number, archive: archive === true }, details: [] };
}

function escapePointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}
