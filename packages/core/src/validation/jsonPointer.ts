import { FIELD_LIMITS } from './fieldLimits.ts';

/** One RFC 6901 reference token: `~` → `~0`, `/` → `~1`. */
export function escapePointerSegment(segment: string | number): string {
  if (typeof segment === 'number') return String(segment);
  if (segment.indexOf('~') === -1 && segment.indexOf('/') === -1) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * A JSON pointer. For error details (`cutLongKeys`), very long keys are cut (with `…`) so that a hostile key
 * cannot make an error body as large as the request; such a pointer is then a readable hint rather than an
 * exact address. Pointers stored with an event are never cut.
 */
export function jsonPointer(base: string, segments: readonly (string | number)[], cutLongKeys = true): string {
  let out = base;
  for (const seg of segments) {
    const s = cutLongKeys && typeof seg === 'string' && seg.length > FIELD_LIMITS.keyInMessageChars
      ? `${seg.slice(0, FIELD_LIMITS.keyInMessageChars)}…`
      : seg;
    out += `/${escapePointerSegment(s)}`;
  }
  return out;
}

/** A key quoted for a message, cut like in `jsonPointer`. */
export function quoteKey(key: string): string {
  const k = key.length > FIELD_LIMITS.keyInMessageChars ? `${key.slice(0, FIELD_LIMITS.keyInMessageChars)}…` : key;
  return JSON.stringify(k);
}
