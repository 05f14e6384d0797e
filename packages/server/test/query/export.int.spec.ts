import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';

/** Splits CSV text into records (RFC 4180: quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

describe('GET /v1/export', () => {
  let t: TestApp;
  let cleanup: () => void;
  const TOTAL = 2_345;

  beforeAll(async () => {
    const sqlite = await tempSqliteStore();
    cleanup = sqlite.cleanup;
    t = await makeTestApp({ store: sqlite.store });
    const hostile = anEvent({
      type: 'user.renamed',
      actor: { type: 'user', id: '9', name: '=HYPERLINK("http://evil.example","click")' },
      entity: { type: 'Account', id: '+1-555' },
      changes: [{ field: 'name', old: 'Ana, "the" admin', new: '@SUM(A1:A9)\nline two' }],
    });
    const first = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: hostile });
    expect(first.statusCode).toBe(201);
    for (let done = 1; done < TOTAL; done += 1000) {
      const n = Math.min(1000, TOTAL - done);
      const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events: Array.from({ length: n }, (_, i) => anEvent({ type: 'bulk.event', data: { i: done + i } })) } });
      expect(res.statusCode).toBe(201);
    }
  });
  afterAll(async () => {
    await t.app.close();
    cleanup();
  });

  it('streams every matching event as NDJSON across several pages, in log order', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/export?format=ndjson', headers: t.auth() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="vellum-export-.*\.ndjson"/);
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { position: number; type: string });
    expect(lines).toHaveLength(TOTAL);
    expect(lines.map((e) => e.position)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  });

  it('applies the search filters and order', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/export?type=user.*&order=desc', headers: t.auth() });
    const lines = res.body.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).type).toBe('user.renamed');
  });

  it('writes CSV with a fixed header, RFC 4180 quoting and formula injection neutralised', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/export?format=csv&type=user.renamed', headers: t.auth() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const [header, row, ...rest] = parseCsv(res.body);
    expect(rest).toEqual([]);
    const cell = (name: string) => row![header!.indexOf(name)];
    expect(cell('actor.name')).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(cell('entity.id')).toBe("'+1-555");
    expect(JSON.parse(cell('changes')!)).toEqual([{ field: 'name', old: 'Ana, "the" admin', new: '@SUM(A1:A9)\nline two' }]);
    expect(cell('type')).toBe('user.renamed');
    expect(row).toHaveLength(header!.length);
  });

  it('exports CSV of every event with one record per event', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/export?format=csv', headers: t.auth() });
    expect(parseCsv(res.body)).toHaveLength(TOTAL + 1);
  });

  it('refuses an unknown format or filter with every problem listed', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/export?format=xlsx&colour=red', headers: t.auth() });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/query/colour', '/query/format']);
  });

  it('needs the events:read scope', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/export' });
    expect(res.statusCode).toBe(401);
  });
});
