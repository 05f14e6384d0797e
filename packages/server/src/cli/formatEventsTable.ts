import type { StoredEvent } from '@vellum/core';

const COLUMNS: ReadonlyArray<readonly [string, (e: StoredEvent) => string]> = [
  ['POSITION', (e) => String(e.position)],
  ['OCCURRED AT', (e) => e.occurredAt],
  ['SEVERITY', (e) => e.severity],
  ['TYPE', (e) => e.type],
  ['ACTOR', (e) => `${e.actor.type}:${e.actor.id}${e.actor.name === undefined ? '' : ` (${e.actor.name})`}`],
  ['ENTITY', (e) => (e.entity === undefined ? '-' : `${e.entity.type}:${e.entity.id}`)],
  ['CHANGES', (e) => (e.changes ?? []).map((c) => c.field).join(', ') || '-'],
];

const MAX_CELL = 48;

/** A terminal-safe cell: control characters (an attacker's ANSI escapes) shown as `?`, long values cut. */
function cell(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > MAX_CELL ? `${clean.slice(0, MAX_CELL - 1)}…` : clean;
}

/** Events as an aligned text table, one line per event. */
export function formatEventsTable(events: readonly StoredEvent[], options: { header?: boolean } = {}): string {
  const rows = events.map((e) => COLUMNS.map(([, get]) => cell(get(e))));
  const header = COLUMNS.map(([name]) => name);
  const all = options.header === false ? rows : [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
