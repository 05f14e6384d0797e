/**
 * Builds an event's `changes` from two versions of a record. Nested fields are named by their dotted path
 * (`address.city`), the form the server's `field=` search and personal-data paths use; arrays and other
 * non-plain values are compared whole. Values of sensitive fields (api_key, password, ...) are masked with the
 * same rules as the server, so a diff can be logged or recorded as it is.
 */
import { compileMasking } from '@vellum/core';
import type { Change, Masker, MaskingConfig } from '@vellum/core';
import { canonicalJson } from '@vellum/core';

export interface DiffOptions {
  /** Only these fields (and the fields under them: `address` covers `address.city`). */
  only?: string[];
  /** Leave out these fields (and the fields under them), e.g. `updated_at`. */
  ignore?: string[];
  /** Masking rules; default: the built-in sensitive keys with the partial strategy. */
  masking?: MaskingConfig;
}

// Deeper than this, values are compared whole: real records are shallow, and a bound keeps a cycle from recursing.
const MAX_DEPTH = 16;

let defaultMasker: Masker | undefined;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** JSON form of a value, as the server will store it (a Date becomes its ISO string). */
function toJsonValue(v: unknown): unknown {
  if (v === undefined) return undefined;
  return JSON.parse(JSON.stringify(v) ?? 'null') as unknown;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return canonicalJson(toJsonValue(a)) === canonicalJson(toJsonValue(b));
  } catch {
    return false;
  }
}

const covers = (list: string[], field: string): boolean => list.some((f) => field === f || field.startsWith(`${f}.`));
/** Whether `field` could still hold something in `only` (an ancestor of an only-field). */
const leadsTo = (list: string[], field: string): boolean => list.some((f) => f.startsWith(`${field}.`));

/**
 * @example
 * diff({ hours_before: 24, api_key: 'sk_live_1234567890' }, { hours_before: 48, api_key: 'sk_live_0987654321' })
 * // [ { field: 'hours_before', old: 24, new: 48 }, { field: 'api_key', old: '••••••••7890', new: '••••••••4321' } ]
 */
export function diff(before: unknown, after: unknown, options: DiffOptions = {}): Change[] {
  const changes: Change[] = [];
  const { only, ignore = [] } = options;
  const walk = (a: unknown, b: unknown, prefix: string, depth: number): void => {
    const keys = new Set<string>([...(isPlain(a) ? Object.keys(a) : []), ...(isPlain(b) ? Object.keys(b) : [])]);
    for (const key of keys) {
      const field = prefix === '' ? key : `${prefix}.${key}`;
      if (covers(ignore, field)) continue;
      const inOnly = only === undefined || covers(only, field);
      if (!inOnly && !leadsTo(only ?? [], field)) continue;
      const va = isPlain(a) ? a[key] : undefined;
      const vb = isPlain(b) ? b[key] : undefined;
      if ((isPlain(va) || isPlain(vb)) && depth < MAX_DEPTH && !(va !== undefined && vb !== undefined && isPlain(va) !== isPlain(vb))) {
        walk(va, vb, field, depth + 1);
        continue;
      }
      if (!inOnly || sameValue(va, vb)) continue;
      const change: Change = { field };
      if (va !== undefined) change.old = toJsonValue(va);
      if (vb !== undefined) change.new = toJsonValue(vb);
      changes.push(change);
    }
  };
  walk(before, after, '', 0);
  if (changes.length === 0) return changes;
  const masker = options.masking === undefined ? (defaultMasker ??= compileMasking({})) : compileMasking(options.masking);
  return masker.maskEvent('', { type: 'diff', actor: { type: 'diff', id: 'diff' }, changes }).event.changes ?? [];
}
