import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@vellum/core';
import { ADMIN_KEY, anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';
import type { StoreFactory } from '../store/storeFactories.ts';
import { service } from '../support/services.ts';

/**
 * The subscription API through HTTP on a real store: every route, every kind of bad input, tenants, scopes, secrets
 * and the self-audit. Delivery workers are off (delivery.enabled: false) so that nothing but these requests moves a
 * subscription; the workers' own tests deliver for real.
 */
export function describeSubscriptionApi(label: string, factory: StoreFactory): void {
  describe(`/v1/subscriptions (${label})`, () => {
    let t: TestApp;
    let close: () => Promise<void>;
    const keys: Record<string, string> = {};
    let natsUrl: string | null = null;
    let redisUrl: string | null = null;

    const as = (key: string, tenant?: string) => ({ authorization: `Bearer ${key}`, ...(tenant === undefined ? {} : { 'vellum-tenant': tenant }) });
    const acme = () => as(keys.acme!);
    const globex = () => as(keys.globex!);
    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
      t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    const hook = (path = 'hook') => ({ kind: 'webhook', url: `http://127.0.0.1:9/${path}` });
    const create = (body: Record<string, unknown>, headers = acme()) => call('POST', '/v1/subscriptions', headers, body);
    async function created(body: Record<string, unknown>, headers = acme()): Promise<{ subscription: Record<string, any>; secret?: string }> {
      const res = await create(body, headers);
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    }
    async function ingest(tenant: string, n: number): Promise<void> {
      const res = await call('POST', '/v1/events', as(ADMIN_KEY, tenant), { events: Array.from({ length: n }, () => anEvent()) });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
    async function listNames(headers = acme()): Promise<string[]> {
      const res = await call('GET', '/v1/subscriptions', headers);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().subscriptions as Array<{ name: string }>).map((s) => s.name);
    }
    async function auditEvents(type: string): Promise<StoredEvent[]> {
      const res = await call('GET', `/v1/events?tenant=system&type=${encodeURIComponent(type)}&limit=1000`, as(ADMIN_KEY));
      expect(res.statusCode, res.body).toBe(200);
      return res.json().events;
    }

    beforeAll(async () => {
      const made = await factory();
      close = made.close;
      // A real NATS server for the NATS target (its parse checks that one is configured).
      natsUrl = await service('nats');
      redisUrl = await service('redis');
      t = await makeTestApp({
        store: made.store,
        config: { delivery: { enabled: false, webhookAllow: ['127.0.0.1'] }, ...(natsUrl === null ? {} : { nats: { url: natsUrl } }), ...(redisUrl === null ? {} : { redis: { url: redisUrl } }) },
      });
      for (const tenant of ['acme', 'globex']) {
        expect((await call('POST', '/v1/tenants', t.auth(), { id: tenant })).statusCode).toBe(201);
        const res = await call('POST', '/v1/keys', as(ADMIN_KEY, tenant), { name: `${tenant} subs`, scopes: ['subscriptions:manage'] });
        expect(res.statusCode, res.body).toBe(201);
        keys[tenant] = res.json().secret;
      }
      const reader = await call('POST', '/v1/keys', as(ADMIN_KEY, 'acme'), { name: 'reader', scopes: ['events:read', 'events:write', 'keys:manage'] });
      keys.reader = reader.json().secret;
      await ingest('acme', 5);
    });
    afterAll(async () => {
      await t?.app.close();
      await close?.();
    });

    it('creates a webhook subscription: 201, the generated secret once, with a notice; never again in list, get or logs', async () => {
      const body = await created({ name: 'secret keeper', filter: { types: ['configuration.*'], minSeverity: 'info' }, target: hook() });
      expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
      expect(String((body as Record<string, unknown>).notice)).toMatch(/only/);
      const sub = body.subscription;
      expect(sub).toMatchObject({ tenant: 'acme', name: 'secret keeper', status: 'active', statusReason: null, cursor: 5, pending: null, filter: { types: ['configuration.*'], minSeverity: 'info' } });
      expect(sub.target.kind).toBe('webhook');
      const secret = body.secret!;
      const secretCore = secret.slice('whsec_'.length);
      expect(JSON.stringify(sub)).not.toContain(secretCore);
      const list = await call('GET', '/v1/subscriptions', acme());
      const one = await call('GET', `/v1/subscriptions/${sub.id}`, acme());
      expect(one.statusCode).toBe(200);
      for (const text of [list.body, one.body, ...t.logs]) {
        expect(text).not.toContain(secretCore);
        expect(text).not.toContain(keys.acme!);
      }
    });

    it('a secret given by the client is not echoed', async () => {
      const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
      const body = await created({ name: 'own secret', target: { ...hook(), secret } });
      expect(body.secret).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain(secret.slice(6));
    });

    it('GET one carries stats; the view has every field', async () => {
      const { subscription } = await created({ name: 'with stats', target: hook() });
      const res = await call('GET', `/v1/subscriptions/${subscription.id}`, acme());
      const view = res.json();
      expect(Object.keys(view).sort()).toEqual(['createdAt', 'cursor', 'filter', 'id', 'name', 'pending', 'revision', 'stats', 'status', 'statusReason', 'target', 'tenant', 'updatedAt']);
      expect(view.stats).toMatchObject({ lagPositions: expect.any(Number), breaker: expect.stringMatching(/closed|open|half-open/) });
    });

    it('start points: now (default), beginning, a position, a time', async () => {
      const base = { target: hook() };
      expect((await created({ ...base, name: 'sp now' })).subscription.cursor).toBe(5);
      expect((await created({ ...base, name: 'sp beginning', startFrom: 'beginning' })).subscription.cursor).toBe(0);
      expect((await created({ ...base, name: 'sp position', startFrom: { position: 3 } })).subscription.cursor).toBe(2);
      expect((await created({ ...base, name: 'sp head+1', startFrom: { position: 6 } })).subscription.cursor).toBe(5);
      expect((await created({ ...base, name: 'sp past', startFrom: { time: '2000-01-01T00:00:00Z' } })).subscription.cursor).toBe(0);
      expect((await created({ ...base, name: 'sp future', startFrom: { time: '2999-01-01T00:00:00Z' } })).subscription.cursor).toBe(5);
      const res = await create({ ...base, name: 'sp too far', startFrom: { position: 7 } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([{ path: '/startFrom/position', message: expect.stringContaining('at most 6') }]);
    });

    it('bad input: 400 listing every problem, nothing stored', async () => {
      const before = await listNames();
      const cases: Array<[unknown, string[]]> = [
        [{}, ['/name', '/target']],
        [{ name: 'x'.repeat(101), target: hook(), filter: { types: ['Bad'], severities: ['urgent'], outcome: 'maybe', from: 'x' }, startFrom: 'later', extra: true },
          ['/extra', '/filter/from', '/filter/outcome', '/filter/severities/0', '/filter/types/0', '/name', '/startFrom']],
        [{ name: 'ctl\u0001', target: hook(), filter: { actorId: 'a\u0000b', entityId: 'y'.repeat(5_000) } }, ['/filter/actorId', '/filter/entityId', '/name']],
        [{ name: 7, target: 'http://127.0.0.1:9/hook', filter: [] }, ['/filter', '/name', '/target']],
        [{ name: 'bad target kind', target: { kind: 'carrier-pigeon' } }, ['/target/kind']],
        [{ name: 'bad url', target: { kind: 'webhook', url: 'ftp://x' } }, ['/target/url']],
        [{ name: 'start', target: hook(), startFrom: { position: 0, time: 'now' } }, ['/startFrom']],
        [{ name: 'start', target: hook(), startFrom: { time: 'yesterday' } }, ['/startFrom/time']],
        [[1, 2], ['']],
      ];
      for (const [payload, paths] of cases) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { ...acme(), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
        expect(res.statusCode, `${JSON.stringify(payload).slice(0, 200)} → ${res.body.slice(0, 500)}`).toBe(400);
        const error = res.json().error;
        expect(error.code).toBe('VALIDATION_FAILED');
        const got = (error.details as Array<{ path: string }>).map((d) => d.path);
        for (const p of paths) expect(got, JSON.stringify(payload).slice(0, 200)).toContain(p);
        expect(res.body.length).toBeLessThan(5_000);
      }
      const notJson = await t.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { ...acme(), 'content-type': 'application/json' }, payload: '{"name":' });
      expect(notJson.statusCode).toBe(400);
      // Past the body limit: a clear 413, not a 5xx.
      const huge = await create({ name: 'huge', target: hook(), filter: { entityId: 'z'.repeat(2_000_000) } });
      expect(huge.statusCode).toBe(413);
      expect(await listNames()).toEqual(before);
    });

    it('NATS and Redis targets: created and shown as the targets show them; their bad settings listed', async () => {
      if (natsUrl !== null) {
        const nats = await created({ name: 'to nats', target: { kind: 'nats', subject: 'audit.{tenant}.{type}' } });
        expect(nats.subscription.target).toMatchObject({ kind: 'nats', subject: 'audit.{tenant}.{type}' });
        const bad = await create({ name: 'bad nats', target: { kind: 'nats', subject: 'audit.>' } });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error.details.map((d: { path: string }) => d.path)).toContain('/target/subject');
      }
      if (redisUrl !== null) {
        const redis = await created({ name: 'to redis', filter: { types: ['configuration.*'] }, target: { kind: 'redis', keys: ['config:company:{data.company_id}'], tags: ['tag:company:{data.company_id}'] } });
        expect(redis.secret).toBeUndefined();
        expect(redis.subscription.target).toMatchObject({ kind: 'redis', keys: ['config:company:{data.company_id}'], tags: ['tag:company:{data.company_id}'] });
        const bad = await create({ name: 'bad redis', target: { kind: 'redis', keys: ['config:{nope.x}', 'ok:{type}'], retrySchedule: ['5x'] } });
        expect(bad.statusCode).toBe(400);
        const paths = bad.json().error.details.map((d: { path: string }) => d.path);
        expect(paths).toEqual(expect.arrayContaining(['/target/keys/0', '/target/retrySchedule/0']));
      }
    });

    it('names are unique per tenant (409), not across tenants', async () => {
      await created({ name: 'dup', target: hook() });
      const again = await create({ name: 'dup', target: hook() });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('ALREADY_EXISTS');
      await created({ name: 'dup', target: hook() }, globex());
    });

    it('PATCH: name, filter, target; rename onto a taken name is 409; every bad field listed', async () => {
      const { subscription } = await created({ name: 'patch me', target: hook('a') });
      await created({ name: 'taken', target: hook() });
      const url = `/v1/subscriptions/${subscription.id}`;
      const targetBefore = subscription.target;

      const renamed = await call('PATCH', url, acme(), { name: 'patched', filter: { entityType: 'PolicyConfiguration' } });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(renamed.json()).toMatchObject({ name: 'patched', filter: { entityType: 'PolicyConfiguration' }, revision: subscription.revision + 1 });

      const retarget = await call('PATCH', url, acme(), { target: hook('b') });
      expect(retarget.statusCode, retarget.body).toBe(200);
      expect(JSON.stringify(retarget.json().target)).toContain('/b');
      // A new URL keeps the secret: what the view shows of it (prefix) is unchanged.
      const { url: _a, ...restBefore } = targetBefore;
      const { url: _b, ...restAfter } = retarget.json().target;
      expect(restAfter).toEqual(restBefore);

      const taken = await call('PATCH', url, acme(), { name: 'taken' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error.code).toBe('ALREADY_EXISTS');

      const bad = await call('PATCH', url, acme(), { name: '', filter: { minSeverity: 'loud' }, target: { kind: 'nats' }, cursor: 0 });
      expect(bad.statusCode).toBe(400);
      const paths = (bad.json().error.details as Array<{ path: string }>).map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['/name', '/filter/minSeverity', '/cursor']));
      expect(paths.some((p) => p.startsWith('/target'))).toBe(true);
      const badUrl = await call('PATCH', url, acme(), { name: 'x'.repeat(101), target: { kind: 'webhook', url: 'http://169.254.169.254/latest' } });
      expect((badUrl.json().error.details as Array<{ path: string }>).map((d) => d.path).sort()).toEqual(['/name', '/target/url']);
      expect((await call('PATCH', url, acme(), {})).statusCode).toBe(400);
      expect((await call('GET', url, acme())).json().name).toBe('patched');
    });

    it('pause and resume; resume re-enables a subscription disabled by a 410 and clears the reason', async () => {
      const { subscription } = await created({ name: 'pausable', target: hook() });
      const url = `/v1/subscriptions/${subscription.id}`;
      const paused = await call('POST', `${url}/pause`, acme(), {});
      expect(paused.statusCode).toBe(200);
      expect(paused.json()).toMatchObject({ status: 'paused', statusReason: null });
      expect((await call('POST', `${url}/resume`, acme(), {})).json()).toMatchObject({ status: 'active' });
      const withOptions = await call('POST', `${url}/pause`, acme(), { reason: 'x' });
      expect(withOptions.statusCode).toBe(400);
      expect(withOptions.json().error.details).toEqual([{ path: '/reason', message: expect.any(String) }]);
      expect((await call('GET', url, acme())).json().status).toBe('active');

      // As the worker leaves it after a 410 Gone.
      const current = (await t.store.subscriptions.getSubscription('acme', subscription.id))!;
      await t.store.subscriptions.updateSubscription('acme', subscription.id, current.revision, { status: 'disabled', statusReason: 'the receiver answered 410 Gone' }, new Date().toISOString());
      expect((await call('GET', url, acme())).json()).toMatchObject({ status: 'disabled', statusReason: 'the receiver answered 410 Gone' });
      expect((await call('POST', `${url}/resume`, acme(), {})).json()).toMatchObject({ status: 'active', statusReason: null });
    });

    it('replay moves the cursor back or forward and drops the pending batch', async () => {
      const { subscription } = await created({ name: 'replayable', target: hook() });
      const url = `/v1/subscriptions/${subscription.id}`;
      const current = (await t.store.subscriptions.getSubscription('acme', subscription.id))!;
      const at = new Date().toISOString();
      await t.store.subscriptions.updateSubscription('acme', subscription.id, current.revision, {
        pending: { messageId: 'msg_1', fromPosition: 6, toPosition: 6, events: 1, attempts: 2, nextAttemptAt: at, firstAttemptAt: at, lastError: 'HTTP 500' },
      }, at);
      expect((await call('GET', url, acme())).json().pending).toMatchObject({ messageId: 'msg_1' });

      const back = await call('POST', `${url}/replay`, acme(), { position: 2 });
      expect(back.statusCode, back.body).toBe(200);
      expect(back.json()).toMatchObject({ cursor: 1, pending: null });
      const byTime = await call('POST', `${url}/replay`, acme(), { time: '2000-01-01T00:00:00Z' });
      expect(byTime.json()).toMatchObject({ cursor: 0 });
      const forward = await call('POST', `${url}/replay`, acme(), { position: 6 });
      expect(forward.json()).toMatchObject({ cursor: 5 });

      for (const [payload, path] of [[{}, ''], [{ position: 0 }, '/position'], [{ position: 99 }, '/position'], [{ time: 'x' }, '/time'], [{ position: 1, at: 1 }, '/at']] as const) {
        const res = await call('POST', `${url}/replay`, acme(), payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect((res.json().error.details as Array<{ path: string }>).map((d) => d.path)).toContain(path);
      }
    });

    it('deliveries and dead letters: listed newest/oldest first, purged by id or all; bad limits refused', async () => {
      const { subscription } = await created({ name: 'with history', target: hook() });
      const id = subscription.id as string;
      const store = t.store.subscriptions;
      const at = (s: number) => new Date(Date.parse('2026-12-01T00:00:00Z') + s * 1000).toISOString();
      for (let i = 1; i <= 3; i++) {
        await store.recordDelivery({ id: `0193a000-0000-7000-8000-00000000000${i}`, tenant: 'acme', subscriptionId: id, messageId: `msg_${i}`, fromPosition: i, toPosition: i, events: 1, attempt: 1, outcome: 'failed', statusCode: 500, error: 'HTTP 500', durationMs: 12, at: at(i) });
        await store.addDeadLetter({ id: `0193a000-0000-7000-8000-0000000000d${i}`, tenant: 'acme', subscriptionId: id, messageId: `msg_${i}`, fromPosition: i, toPosition: i, events: 1, attempts: 7, lastError: 'HTTP 500', createdAt: at(i) });
      }
      const deliveries = await call('GET', `/v1/subscriptions/${id}/deliveries?limit=2`, acme());
      expect(deliveries.statusCode, deliveries.body).toBe(200);
      expect(deliveries.json().deliveries.map((d: { messageId: string }) => d.messageId)).toEqual(['msg_3', 'msg_2']);
      expect(deliveries.json().deliveries[0].tenant).toBeUndefined();
      const dead = await call('GET', `/v1/subscriptions/${id}/dead-letters`, acme());
      expect(dead.json().deadLetters.map((d: { messageId: string }) => d.messageId)).toEqual(['msg_1', 'msg_2', 'msg_3']);

      for (const q of ['limit=0', 'limit=201', 'limit=x', 'limit=1&limit=2', 'other=1']) {
        expect((await call('GET', `/v1/subscriptions/${id}/deliveries?${q}`, acme())).statusCode, q).toBe(400);
      }
      expect((await call('GET', `/v1/subscriptions/${id}/dead-letters?limit=1001`, acme())).statusCode).toBe(400);
      expect((await call('DELETE', `/v1/subscriptions/${id}/dead-letters?id=bad%20id`, acme())).statusCode).toBe(400);

      // Another tenant cannot purge them, even naming their ids.
      expect((await call('DELETE', `/v1/subscriptions/${id}/dead-letters`, globex())).statusCode).toBe(404);
      const one = await call('DELETE', `/v1/subscriptions/${id}/dead-letters?id=0193a000-0000-7000-8000-0000000000d2`, acme());
      expect(one.json()).toEqual({ deleted: 1 });
      const all = await call('DELETE', `/v1/subscriptions/${id}/dead-letters`, acme());
      expect(all.json()).toEqual({ deleted: 2 });
      expect((await call('GET', `/v1/subscriptions/${id}/dead-letters`, acme())).json().deadLetters).toEqual([]);
      const purged = await auditEvents('vellum.subscription.dead_letters_purged');
      expect(purged.filter((e) => e.entity?.id === id)).toHaveLength(2);
    });

    it('dead-letter retry with nothing to retry answers an empty list; bad ids are refused', async () => {
      const { subscription } = await created({ name: 'retry nothing', target: hook() });
      const res = await call('POST', `/v1/subscriptions/${subscription.id}/dead-letters/retry`, acme(), {});
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ results: [] });
      const bad = await call('POST', `/v1/subscriptions/${subscription.id}/dead-letters/retry`, acme(), { ids: ['ok', '<script>'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toEqual([{ path: '/ids/1', message: expect.any(String) }]);
    });

    it('rotate-secret: a new secret once; the old one stays for the grace period; not for other targets', async () => {
      const first = await created({ name: 'rotating', target: hook() });
      const url = `/v1/subscriptions/${first.subscription.id}`;
      const res = await call('POST', `${url}/rotate-secret`, acme(), { graceSeconds: 3600 });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.secret).toMatch(/^whsec_/);
      expect(body.secret).not.toBe(first.secret);
      expect(body.notice).toMatch(/only/);
      const shown = (await call('GET', url, acme())).body;
      for (const s of [first.secret!, body.secret]) {
        expect(shown).not.toContain(s.slice(6));
        for (const line of t.logs) expect(line).not.toContain(s.slice(6));
      }
      expect((await call('POST', `${url}/rotate-secret`, acme(), { graceSeconds: -1 })).statusCode).toBe(400);

      if (natsUrl === null) return;
      const nats = await created({ name: 'nats one', target: { kind: 'nats', subject: 'audit.{tenant}.{type}' } });
      expect(nats.secret).toBeUndefined();
      const refused = await call('POST', `/v1/subscriptions/${nats.subscription.id}/rotate-secret`, acme(), {});
      expect(refused.statusCode).toBe(400);
    });

    it('tenant isolation: another tenant\'s id is 404 on every route; lists show only the tenant\'s own; admins see all with tenant=*', async () => {
      const { subscription } = await created({ name: 'acme only', target: hook() });
      const url = `/v1/subscriptions/${subscription.id}`;
      const probes: Array<[string, string, unknown?]> = [
        ['GET', url], ['PATCH', url, { name: 'stolen' }], ['POST', `${url}/pause`, {}], ['POST', `${url}/resume`, {}],
        ['POST', `${url}/replay`, { position: 1 }], ['GET', `${url}/deliveries`], ['GET', `${url}/dead-letters`],
        ['POST', `${url}/dead-letters/retry`, {}], ['DELETE', `${url}/dead-letters`], ['POST', `${url}/rotate-secret`, {}], ['DELETE', url],
      ];
      for (const [method, path, payload] of probes) {
        const res = await call(method as 'GET', path, globex(), payload);
        expect(res.statusCode, `${method} ${path}`).toBe(404);
        expect(res.json().error.code).toBe('NOT_FOUND');
      }
      expect((await call('GET', '/v1/subscriptions/not-an-id', acme())).statusCode).toBe(404);
      expect((await call('GET', url, acme())).json().name).toBe('acme only');
      expect(await listNames(globex())).not.toContain('acme only');
      expect((await call('GET', '/v1/subscriptions?tenant=*', globex())).statusCode).toBe(403);
      expect((await call('GET', '/v1/subscriptions?tenant=acme', globex())).statusCode).toBe(403);
      const all = await call('GET', '/v1/subscriptions?tenant=*', as(ADMIN_KEY));
      const tenants = new Set((all.json().subscriptions as Array<{ tenant: string }>).map((s) => s.tenant));
      expect(tenants).toEqual(new Set(['acme', 'globex']));
      expect(await listNames(as(ADMIN_KEY, 'acme'))).toContain('acme only');
      expect((await call('GET', '/v1/subscriptions?bogus=1', acme())).statusCode).toBe(400);
    });

    it('scope: a key without subscriptions:manage gets 403 everywhere; no key gets 401', async () => {
      const { subscription } = await created({ name: 'scoped', target: hook() });
      const reader = as(keys.reader!);
      for (const [method, url] of [['GET', '/v1/subscriptions'], ['POST', '/v1/subscriptions'], ['GET', `/v1/subscriptions/${subscription.id}`], ['DELETE', `/v1/subscriptions/${subscription.id}`]] as const) {
        const res = await call(method, url, reader, method === 'POST' ? { name: 'x', target: hook() } : undefined);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
      }
      expect((await t.app.inject({ method: 'GET', url: '/v1/subscriptions' })).statusCode).toBe(401);
    });

    it('delete: 204, then 404; its dead letters go with it', async () => {
      const { subscription } = await created({ name: 'doomed', target: hook() });
      const url = `/v1/subscriptions/${subscription.id}`;
      const res = await call('DELETE', url, acme());
      expect(res.statusCode).toBe(204);
      expect((await call('GET', url, acme())).statusCode).toBe(404);
      expect((await call('DELETE', url, acme())).statusCode).toBe(404);
    });

    it('every change is in the system tenant\'s log, without a secret', async () => {
      const body = await created({ name: 'audited', target: hook() });
      const url = `/v1/subscriptions/${body.subscription.id}`;
      await call('PATCH', url, acme(), { name: 'audited too' });
      await call('POST', `${url}/pause`, acme(), {});
      await call('POST', `${url}/resume`, acme(), {});
      await call('POST', `${url}/replay`, acme(), { position: 1 });
      const rotated = (await call('POST', `${url}/rotate-secret`, acme(), {})).json();
      await call('DELETE', url, acme());
      const events = await auditEvents('vellum.subscription.*');
      const mine = events.filter((e) => e.entity?.id === body.subscription.id);
      expect(new Set(mine.map((e) => e.type))).toEqual(new Set([
        'vellum.subscription.created', 'vellum.subscription.updated', 'vellum.subscription.paused', 'vellum.subscription.resumed',
        'vellum.subscription.replayed', 'vellum.subscription.secret_rotated', 'vellum.subscription.deleted',
      ]));
      const text = JSON.stringify(mine);
      expect(text).not.toContain(body.secret!.slice(6));
      expect(text).not.toContain(rotated.secret.slice(6));
      expect(mine.every((e) => (e.data as Record<string, unknown>).subscriptionTenant === 'acme')).toBe(true);
    });

    it('at most 100 subscriptions per tenant: the 101st is a clear 409', async () => {
      const existing = (await listNames(globex())).length;
      for (let i = existing; i < 100; i++) await created({ name: `bulk ${i}`, target: hook() }, globex());
      const res = await create({ name: 'one too many', target: hook() }, globex());
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'LIMIT_REACHED', limit: 100 });
      expect(await listNames(globex())).toHaveLength(100);
    });

    it('every route is in the OpenAPI document', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const want: Record<string, string[]> = {
        '/v1/subscriptions': ['get', 'post'],
        '/v1/subscriptions/{id}': ['get', 'patch', 'delete'],
        '/v1/subscriptions/{id}/pause': ['post'],
        '/v1/subscriptions/{id}/resume': ['post'],
        '/v1/subscriptions/{id}/replay': ['post'],
        '/v1/subscriptions/{id}/deliveries': ['get'],
        '/v1/subscriptions/{id}/dead-letters': ['get', 'delete'],
        '/v1/subscriptions/{id}/dead-letters/retry': ['post'],
        '/v1/subscriptions/{id}/rotate-secret': ['post'],
      };
      for (const [path, methods] of Object.entries(want)) {
        for (const m of methods) expect(doc.paths[path]?.[m]?.summary, `${m} ${path}`).toEqual(expect.any(String));
      }
    });
  });
}
