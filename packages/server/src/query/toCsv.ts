import type { StoredEvent } from '@vellum/core';

/** The fixed column set: an export's columns never depend on which events it happens to hold. */
export const CSV_COLUMNS: ReadonlyArray<readonly [string, (e: StoredEvent) => unknown]> = [
  ['id', (e) => e.id],
  ['tenant', (e) => e.tenant],
  ['position', (e) => e.position],
  ['occurredAt', (e) => e.occurredAt],
  ['recordedAt', (e) => e.recordedAt],
  ['type', (e) => e.type],
  ['action', (e) => e.action],
  ['severity', (e) => e.severity],
  ['outcome', (e) => e.outcome],
  ['actor.type', (e) => e.actor.type],
  ['actor.id', (e) => e.actor.id],
  ['actor.name', (e) => e.actor.name],
  ['entity.type', (e) => e.entity?.type],
  ['entity.id', (e) => e.entity?.id],
  ['entity.name', (e) => e.entity?.name],
  ['stream', (e) => e.stream],
  ['streamVersion', (e) => e.streamVersion],
  ['source', (e) => e.source],
  ['changes', (e) => json(e.changes)],
  ['context', (e) => json(e.context)],
  ['data', (e) => json(e.data)],
  ['tags', (e) => json(e.tags)],
  ['correlationId', (e) => e.correlationId],
  ['causationId', (e) => e.causationId],
  ['idempotencyKey', (e) => e.idempotencyKey],
  ['masked', (e) => json(e.masked)],
  ['hash', (e) => e.hash],
];

const json = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));

/**
 * One CSV cell (RFC 4180), neutralised against formula injection: a spreadsheet runs a cell that starts
 * with = + - @ (or a tab / CR that it strips first) as a formula, so such a cell gets a leading `'`
 * (OWASP's advice). Audit data is attacker-controlled by nature — an actor's name is whatever they typed.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.map(([name]) => csvCell(name)).join(',')}\r\n`;
}

export function csvRow(event: StoredEvent): string {
  return `${CSV_COLUMNS.map(([, get]) => csvCell(get(event))).join(',')}\r\n`;
}
