import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@vellum/core';
import { CSV_COLUMNS, csvCell, csvHeader, csvRow } from '../../src/query/toCsv.ts';

describe('CSV cells', () => {
  it('leaves plain values alone and empties absent ones', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
  });

  it('quotes cells holding commas, quotes or line breaks and doubles inner quotes (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
  });

  it('neutralises cells a spreadsheet would run as a formula with a leading single quote', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe('"\'\r=1"');
    expect(csvCell('a=1')).toBe('a=1');
  });

  it('writes a fixed header and one CRLF-terminated row per event with the same number of cells', () => {
    const event: StoredEvent = {
      id: 'e1', tenant: 't', position: 7, stream: 's', streamVersion: 1, type: 'a.b', severity: 'info',
      actor: { type: 'user', id: '1', name: '=cmd|calc' }, occurredAt: '2026-01-01T00:00:00.000Z', recordedAt: '2026-01-01T00:00:00.000Z',
      changes: [{ field: 'f', old: 1, new: 2 }], tags: ['x'], hash: 'h',
    };
    const header = csvHeader();
    expect(header.startsWith('id,tenant,position,occurredAt,recordedAt,type,action,severity,outcome,actor.type,actor.id,actor.name,entity.type,entity.id')).toBe(true);
    expect(header.endsWith('\r\n')).toBe(true);
    const row = csvRow(event);
    expect(row.endsWith('\r\n')).toBe(true);
    expect(row).toContain(",'=cmd|calc,");
    expect(row).toContain('"[{""field"":""f"",""old"":1,""new"":2}]"');
    expect(CSV_COLUMNS.length).toBe(header.trimEnd().split(',').length);
  });
});
