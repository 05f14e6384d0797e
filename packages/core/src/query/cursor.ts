/**
 * Opaque keyset cursors: base64url JSON of the last returned sort key. A cursor is only a position, so a
 * cursor taken from another tenant reveals nothing.
 */
export interface CursorKey {
  /** Sort key of the last event returned (the tenant's position, or a store's global sequence for '*'). */
  k: number;
}

export function encodeCursor(key: CursorKey): string {
  void key;
  throw new Error('not implemented');
}

/** Throws VellumError INVALID_CURSOR on anything this server did not issue. */
export function decodeCursor(cursor: string): CursorKey {
  void cursor;
  throw new Error('not implemented');
}
