import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, anEvent, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';

const CANARY = 'sk_live_CANARY_7f3a9c1e5b';

describe('masking before anything is logged or stored', () => {
  let t: TestApp;
  let sqlite: Awaited<ReturnType<typeof tempSqliteStore>>;
  beforeAll(async () => {
    sqlite = await tempSqliteStore();
    t = await makeTestApp({ store: sqlite.store, config: { logLevel: 'trace' } });
  });
  afterAll(() => sqlite.cleanup());

  it('keeps a planted secret out of every log line and every byte of the SQLite files', async () => {
    const secretEvent = anEvent({
      changes: [{ field: 'password', old: CANARY, new: `${CANARY}-2` }],
      data: { api_key: CANARY, nested: { deeper: { client_secret: CANARY } } },
      context: { ip: '10.0.0.1', authorization: `Bearer ${CANARY}` },
      idempotencyKey: 'canary-1',
    });
    const ok = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'idempotency-key': 'canary-req' }, payload: secretEvent });
    expect(ok.statusCode).toBe(201);
    const batch = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events: [secretEvent, { ...secretEvent, idempotencyKey: 'canary-2' }] } });
    expect(batch.statusCode).toBe(201);

    // Refused requests carrying the secret must not leak it into logs either.
    const invalid = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { ...secretEvent, type: `BAD ${CANARY}` } });
    expect(invalid.statusCode).toBe(400);
    const malformed = await t.app.inject({
      method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: `{"data": {"api_key": "${CANARY}"`,
    });
    expect(malformed.statusCode).toBe(400);

    const read = await t.app.inject({ method: 'GET', url: `/v1/events/${ok.json().events[0].id}`, headers: t.auth() });
    const stored = read.json();
    expect(JSON.stringify(stored)).not.toContain('CANARY');
    expect(stored.data.api_key).toMatch(/^•+/);
    expect(stored.masked).toEqual(expect.arrayContaining(['/data/api_key']));

    await t.app.close();
    expect(t.logs.length).toBeGreaterThan(0);
    for (const line of t.logs) {
      expect(line).not.toContain('CANARY');
      expect(line).not.toContain(ADMIN_KEY);
    }
    const files = readdirSync(sqlite.dir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(path.join(sqlite.dir, file));
      expect(bytes.includes(Buffer.from('CANARY')), `${file} holds the canary`).toBe(false);
    }
  });
});
