import { createHash } from 'node:crypto';
import { canonicalJson } from '@vellum/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anEvent, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';

/**
 * Idempotency fingerprints cover what the client sent before masking, under a server key: two different secrets
 * that mask alike are different requests, and no stored fingerprint is a plain hash an attacker could test
 * password guesses against.
 */
describe('idempotency with secrets in the body', () => {
  let t: TestApp;
  let sqlite: Awaited<ReturnType<typeof tempSqliteStore>>;
  beforeAll(async () => {
    sqlite = await tempSqliteStore();
    t = await makeTestApp({ store: sqlite.store });
  });
  afterAll(async () => {
    await t.app.close();
    sqlite.cleanup();
  });

  const post = (payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), ...headers }, payload });

  it('refuses a per-event key reused with a different secret that masks to the same text (409), and answers a true retry as a duplicate', async () => {
    // Both mask to ••••••••1234 under the default partial strategy.
    const first = await post(anEvent({ data: { api_key: 'sk_live_aaaa1234' }, idempotencyKey: 'evt-secret-1' }));
    expect(first.statusCode).toBe(201);
    const retry = await post(anEvent({ data: { api_key: 'sk_live_aaaa1234' }, idempotencyKey: 'evt-secret-1' }));
    expect(retry.statusCode).toBe(201);
    expect(retry.json().events[0]).toMatchObject({ id: first.json().events[0].id, duplicate: true });
    const other = await post(anEvent({ data: { api_key: 'sk_live_bbbb1234' }, idempotencyKey: 'evt-secret-1' }));
    expect(other.statusCode).toBe(409);
  });

  it('does the same for the Idempotency-Key header', async () => {
    const body = (secret: string) => ({ events: [anEvent({ data: { password: secret } })] });
    const first = await post(body('hunter2-long-0001'), { 'idempotency-key': 'req-secret-1' });
    expect(first.statusCode).toBe(201);
    const retry = await post(body('hunter2-long-0001'), { 'idempotency-key': 'req-secret-1' });
    expect(retry.json().events[0].duplicate).toBe(true);
    const other = await post(body('hunter3-long-0001'), { 'idempotency-key': 'req-secret-1' });
    expect(other.statusCode).toBe(409);
  });

  it('stores keyed fingerprints, not plain hashes of the bodies', async () => {
    const event = anEvent({ data: { password: 'correct horse battery' }, idempotencyKey: 'evt-plain-check' });
    const body = { events: [event] };
    expect((await post(body, { 'idempotency-key': 'req-plain-check' })).statusCode).toBe(201);
    const { idempotencyKey: _k, ...content } = event as Record<string, unknown>;
    const plain = [canonicalJson(content), canonicalJson(body)].map((text) => createHash('sha256').update(text).digest('hex'));
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(sqlite.file, { readonly: true });
    try {
      const stored = [
        ...raw.prepare('SELECT fingerprint FROM events WHERE fingerprint IS NOT NULL').pluck().all(),
        ...raw.prepare('SELECT fingerprint FROM request_keys').pluck().all(),
      ] as string[];
      expect(stored.length).toBeGreaterThanOrEqual(2);
      for (const hash of plain) expect(stored).not.toContain(hash);
    } finally {
      raw.close();
    }
  });
});
