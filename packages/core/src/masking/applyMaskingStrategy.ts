import { createHmac } from 'node:crypto';
import type { MaskingStrategy } from './compileMasking.ts';
import { canonicalJson } from '../canonical/canonicalJson.ts';

export const REDACTED = '[REDACTED]';
const PARTIAL_PREFIX = '••••••••';
const PARTIAL_MIN_CHARS = 8;
const PARTIAL_KEEP_CHARS = 4;

/**
 * The last `PARTIAL_KEEP_CHARS` characters, counted in code points so an emoji is never cut in half,
 * or undefined when the string is too short to show any of it.
 */
function partialTail(s: string): string | undefined {
  if (s.length < PARTIAL_MIN_CHARS) return undefined;
  let points = 0;
  let tailStart = s.length;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    // the low half of a pair is counted with its high half
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const h = s.charCodeAt(i - 1);
      if (h >= 0xd800 && h <= 0xdbff) i--;
    }
    points++;
    if (points === PARTIAL_KEEP_CHARS) tailStart = i;
    if (points >= PARTIAL_MIN_CHARS) return s.slice(tailStart);
  }
  return undefined;
}

/** The masked form of a value under a non-`drop` strategy. */
export function applyMaskingStrategy(strategy: Exclude<MaskingStrategy, 'drop'>, value: unknown, hashKey: string | undefined): unknown {
  switch (strategy) {
    case 'partial': {
      // Already masked (by the SDK, or by capture before sending): kept, so masking twice changes nothing
      // (`[REDACTED]` would otherwise become `••••••••TED]`). Such a value reveals at most four characters.
      if (isMaskedForm(value)) return value;
      const tail = typeof value === 'string' ? partialTail(value) : undefined;
      return tail === undefined ? REDACTED : PARTIAL_PREFIX + tail;
    }
    case 'redact':
      return REDACTED;
    case 'hash':
      // compileMasking refuses a hash rule without a key; the fallback only guards direct callers. Values are
      // canonicalised (RFC 8785) so equal values hash equal whatever their key order.
      if (hashKey === undefined) return REDACTED;
      return `hmac-sha256:${createHmac('sha256', hashKey).update(canonicalJson(value), 'utf8').digest('hex')}`;
  }
}

/** A value in a masked form already: `[REDACTED]`, or the partial prefix with at most four characters after it. */
function isMaskedForm(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (typeof value !== 'string' || !value.startsWith(PARTIAL_PREFIX)) return false;
  return [...value.slice(PARTIAL_PREFIX.length)].length <= PARTIAL_KEEP_CHARS;
}
