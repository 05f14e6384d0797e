import type { CursorKey } from '@vellum/core';

/** How one store's SQL names the events table and takes a parameter. */
export interface CursorSql {
  events: string;
  /** Adds a parameter; returns its placeholder. Called in the order the placeholders appear in the text. */
  param(value: unknown): string;
}

/**
 * An entity search reads the entity's own stream through the stream index, in version order. Continuing from a
 * cursor, `position < k` (or `> k`) is only a filter on that walk: started at the stream's end, it stepped over every
 * event of the stream on the near side of the cursor, a table row each — page n of a busy entity read n−1 pages of
 * rows first, and a delivery or live reader caught up with an entity re-read its whole stream on every poll.
 *
 * Within one stream, version order is log order; so a version whose event lies at or beyond the cursor's position (in
 * the page's order) bounds the walk: the rows past it are exactly the rows past the cursor. This is an SQL expression
 * for such a version — the first found of, each a one-row index look-up:
 * - the version the cursor carries (CursorKey.s, entityStreamHint.ts), if its event does lie there: a cursor carried
 *   over from another entity's search, made up, or whose event was pruned since, fails the check;
 * - the cursor's own event, when it is one of the stream's (cursors the server makes from a position it delivered);
 * - ascending only: the stream's newest event, when even that lies at or before the cursor (a reader that caught up);
 * else none (the walk starts at the stream's end, as without a cursor). The caller compares with `<` descending and
 * `>` ascending.
 */
export function streamVersionAtCursor(sql: CursorSql, tenant: string, stream: string, cursor: CursorKey, desc: boolean): string {
  const reached = desc ? '>=' : '<=';
  const candidates: string[] = [];
  if (cursor.s !== undefined) {
    candidates.push(`SELECT c.stream_version FROM ${sql.events} c WHERE c.tenant = ${sql.param(tenant)} AND c.stream = ${sql.param(stream)}
      AND c.stream_version = ${sql.param(cursor.s)} AND c.position ${reached} ${sql.param(cursor.k)}`);
  }
  candidates.push(`SELECT c.stream_version FROM ${sql.events} c WHERE c.tenant = ${sql.param(tenant)} AND c.position = ${sql.param(cursor.k)}
    AND c.stream = ${sql.param(stream)}`);
  if (!desc) {
    candidates.push(`SELECT h.stream_version FROM (SELECT c.stream_version, c.position FROM ${sql.events} c WHERE c.tenant = ${sql.param(tenant)}
      AND c.stream = ${sql.param(stream)} ORDER BY c.stream_version DESC LIMIT 1) h WHERE h.position <= ${sql.param(cursor.k)}`);
  }
  return `COALESCE(${candidates.map((c) => `(${c})`).join(', ')}, ${desc ? '9223372036854775807' : '-1'})`;
}
