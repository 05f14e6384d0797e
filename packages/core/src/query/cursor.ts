import { VellumError } from '../errors/registry.ts';

/**
 * Opaque keyset cursors: base64url JSON of the last returned sort key. A cursor is only a position, so a
 * cursor taken from another tenant reveals nothing.
 */
export interface CursorKey {
  /** Sort key of the last event returned (the tenant's position, or a store's global sequence for '*'). */
  k: number;
  /**
   * Entity searches only: a version of the entity's own stream whose event lies at or beyond `k` in the page
   * order, so the next page can start its walk of that stream from there instead of from the stream's end
   * (entityStreamHint.ts). A hint: a store checks it against the stream before relying on it.
   */
  s?: number;
}

// `{"k":9007199254740991,"s":9007199254740991}` is 43 bytes, 58 in base64url; anything longer was not issued here.
const MAX_CURSOR_LENGTH = 58;
const isKey = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(key: CursorKey): string {
  if (!isKey(key.k)) throw new RangeError(`encodeCursor: ${key.k} is not a non-negative safe integer`);
  if (key.s !== undefined && !isKey(key.s)) throw new RangeError(`encodeCursor: stream version ${key.s} is not a non-negative safe integer`);
  const json = key.s === undefined ? { k: key.k } : { k: key.k, s: key.s };
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64url');
}

/** Throws VellumError INVALID_CURSOR on anything this server did not issue. */
export function decodeCursor(cursor: string): CursorKey {
  const invalid = (): VellumError => new VellumError('INVALID_CURSOR');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new VellumError('INVALID_CURSOR', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const { k, s, ...rest } = parsed as { k?: unknown; s?: unknown };
  if (Object.keys(rest).length > 0 || !isKey(k) || (s !== undefined && !isKey(s))) throw invalid();
  const key: CursorKey = s === undefined ? { k } : { k, s };
  // Only the exact bytes encodeCursor produces are accepted (no padding, spaces, reordered or alternative
  // spellings), so a cursor is a value the server issued, not something a client composed.
  if (encodeCursor(key) !== cursor) throw invalid();
  return key;
}
