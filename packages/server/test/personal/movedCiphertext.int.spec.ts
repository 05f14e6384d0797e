import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERASED, isSealedValue, prepareEvent, type StoredEvent } from '@vellum/core';
import { admin } from '../integrity/integritySupport.ts';
import { makeTestApp, type TestApp } from '../support/testApp.ts';

// A ciphertext is bound to its tenant, subject and field (AES-GCM additional data). Rows written below the API — a
// restore, a repair, an attacker with database access — that move one elsewhere read as [erased], never a 5xx.
describe('a personal value moved to another field, subject or tenant', () => {
  let t: TestApp;
  let original: StoredEvent;
  beforeAll(async () => {
    t = await makeTestApp({ config: { logLevel: 'silent' } });
    const res = await t.app.inject({
      method: 'POST', url: '/v1/events', headers: admin('default'),
      payload: { type: 'user.login', actor: { type: 'user', id: 'ana', name: 'Ana', email: 'ana@example.com' }, context: { ip: '192.0.2.9' } },
    });
    expect(res.statusCode).toBe(201);
    original = (await t.app.inject({ method: 'GET', url: `/v1/events/${res.json().events[0].id}?form=stored`, headers: admin('default') })).json();
    expect(isSealedValue(original.actor['email'])).toBe(true);
  });
  afterAll(() => t.app.close());

  async function plant(tenant: string, actor: Record<string, unknown>, context: Record<string, unknown> = {}): Promise<StoredEvent> {
    const prepared = prepareEvent({ type: 'user.login', actor: actor as never, context }, [], { tenant, id: `0190f0f0-0000-7000-8000-${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`, recordedAt: new Date().toISOString() });
    const [outcome] = await t.store.append([{ tenant, events: [prepared] }]);
    expect(outcome!.status).toBe('committed');
    const res = await t.app.inject({ method: 'GET', url: `/v1/events/${prepared.event.id}`, headers: admin(tenant) });
    expect(res.statusCode, res.payload).toBe(200);
    return res.json() as StoredEvent;
  }

  it('to another field of the same subject', async () => {
    const read = await plant('default', { type: 'user', id: 'ana', name: original.actor['email'] }, { ip: original.actor['name'] });
    expect(read.actor['name']).toBe(ERASED);
    expect(read.context!['ip']).toBe(ERASED);
  });

  it('to another subject', async () => {
    expect((await plant('default', { type: 'user', id: 'bob', name: original.actor['name'] })).actor['name']).toBe(ERASED);
  });

  it('to another tenant, and a damaged value', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: admin('default'), payload: { id: 'other' } });
    expect((await plant('other', { type: 'user', id: 'ana', name: original.actor['name'] })).actor['name']).toBe(ERASED);
    expect((await plant('default', { type: 'user', id: 'ana', name: 'vpd1:!!not-base64!!' })).actor['name']).toBe(ERASED);
  });
});
