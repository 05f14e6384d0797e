import type { ErrorDetail, RawQuery, StreamReadOptions, ValidationResult } from '@vellum/core';

const KNOWN = new Set(['fromVersion', 'direction', 'limit']);

/** GET /v1/streams/:stream/events parameters: fromVersion (≥1), direction (forward|backward), limit (1..1000, default 100). */
export function parseStreamParams(raw: RawQuery): ValidationResult<StreamReadOptions> {
  const details: ErrorDetail[] = [];
  const one = (name: string): string | undefined => {
    const v = raw[name];
    if (Array.isArray(v)) {
      details.push({ path: `/query/${name}`, message: 'must be given once' });
      return undefined;
    }
    return v;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      details.push({ path: `/query/${name}`, message: `must be a whole number from ${min} to ${max}` });
      return undefined;
    }
    return Number(v);
  };

  for (const name of Object.keys(raw)) {
    if (!KNOWN.has(name)) details.push({ path: `/query/${name}`, message: 'is not a parameter of this route (fromVersion, direction, limit)' });
  }
  const fromVersion = int('fromVersion', 1, Number.MAX_SAFE_INTEGER);
  const limit = int('limit', 1, 1000) ?? 100;
  const direction = one('direction') ?? 'forward';
  if (direction !== 'forward' && direction !== 'backward') {
    details.push({ path: '/query/direction', message: 'must be forward or backward' });
  }
  if (details.length > 0) return { ok: false, details };
  return {
    ok: true,
    value: { direction: direction as 'forward' | 'backward', limit, ...(fromVersion === undefined ? {} : { fromVersion }) },
  };
}
