import { VellumError } from '../errors/registry.ts';

/**
 * Opaque keyset cursors: base64url JSON of the last returned sort key. A cursor is only a position, so a
 * cursor taken from another tenant reveals nothing.
 */
export interface CursorKey {
  /** Sort key of the last event returned (the tenant's position, or a store's global sequence for '*'). */
  k: number;
}

// `{"k":9007199254740991}` is 24 bytes, 32 in base64url; anything longer was not issued here.
const MAX_CURSOR_LENGTH = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(key: CursorKey): string {
  if (!Number.isSafeInteger(key.k) || key.k < 0) throw new RangeError(`encodeCursor: ${key.k} is not a non-negative safe integer`);
  return Buffer.from(JSON.stringify({ k: key.k }), 'utf8').toString('base64url');
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
  const keys = Object.keys(parsed);
  const k = (parsed as { k?: unknown }).k;
  if (keys.length !== 1 || typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0) throw invalid();
  // Only the exact bytes encodeCursor produces are accepted (no padding, spaces or alternative spellings),
  // so a cursor is a value the server issued, not something a client composed.
  if (encodeCursor({ k }) !== cursor) throw invalid();
  return { k };
}
