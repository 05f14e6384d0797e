import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@vellum/core';
import { formatEventsTable } from '../../src/cli/formatEventsTable.ts';

const event = (over: Partial<StoredEvent>): StoredEvent => ({
  id: 'e', tenant: 't', position: 1, stream: 's', streamVersion: 1, type: 'a.b', severity: 'info',
  actor: { type: 'user', id: '1' }, occurredAt: '2026-01-01T00:00:00.000Z', recordedAt: '2026-01-01T00:00:00.000Z', hash: 'h', ...over,
});

describe('formatEventsTable', () => {
  it('aligns columns under a header', () => {
    const out = formatEventsTable([event({ position: 9 }), event({ position: 10, type: 'much.longer.type', changes: [{ field: 'fee' }, { field: 'tax' }] })]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]!.indexOf('TYPE')).toBe(lines[2]!.indexOf('much.longer.type'));
    expect(lines[2]).toContain('fee, tax');
  });

  it('shows control characters inert and cuts long values', () => {
    const out = formatEventsTable([event({ actor: { type: 'user', id: '1', name: '\u001b[31mred\u001b[0m' }, type: 'x'.repeat(100) })], { header: false });
    expect(out).not.toContain('\u001b');
    expect(out).toContain('?[31mred?[0m');
    expect(out).toContain('…');
  });
});
