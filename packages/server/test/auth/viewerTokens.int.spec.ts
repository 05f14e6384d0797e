import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { hashApiKey } from '../../src/auth/hashApiKey.ts';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';

/**
 * Viewer tokens end to end: two tenants holding events of two actors and two entities each (the same actor
 * and entity ids in both tenants, so a tenant leak would show), read through every read route with
 * unrestricted and restricted tokens.
 */

interface Seeded {
  id: string;
  tenant: string;
  actor: string;
  entity: string | null;
}

const ACME_READER = generateApiKey();
const ACME_WRITER = generateApiKey();

describe('viewer tokens over HTTP', () => {
  let t: TestApp;
  let now = Date.parse('2026-03-01T12:00:00.000Z');
  const seeded: Seeded[] = [];

  const send = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) => {
    const res = await t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, text: res.body, json: () => JSON.parse(res.body) };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const admin = (tenant: string) => ({ ...t.auth(), 'vellum-tenant': tenant });

  async function mint(body: unknown = {}, headers = admin('acme')): Promise<string> {
    const res = await send('POST', '/v1/viewer-tokens', headers, body);
    expect(res.status, res.text).toBe(201);
    return res.json().token as string;
  }

  /** Ids of seeded events the token must never show. */
  const hiddenIds = (visible: (e: Seeded) => boolean) => seeded.filter((e) => !visible(e)).map((e) => e.id);
  const expectNoneOf = (ids: string[], body: string) => {
    for (const id of ids) expect(body, `leaked ${id}`).not.toContain(id);
  };

  beforeAll(async () => {
    const store = createMemoryStore();
    t = await makeTestApp({ store, clock: () => now });
    await store.createTenant({ id: 'acme', name: 'Acme', createdAt: new Date(now).toISOString() });
    await store.createTenant({ id: 'globex', name: 'Globex', createdAt: new Date(now).toISOString() });
    for (const [key, scopes] of [[ACME_READER, ['events:read']], [ACME_WRITER, ['events:write']]] as const) {
      await store.createKey({
        id: `id-${scopes[0]}`, tenant: 'acme', name: scopes[0], prefix: key.slice(0, 7), hash: hashApiKey(key), scopes: [...scopes],
        createdAt: new Date(now).toISOString(), expiresAt: null, revokedAt: null, rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
      });
    }
    for (const tenant of ['acme', 'globex']) {
      const plan = [
        { actor: '5', entity: '1' }, { actor: '6', entity: '1' }, { actor: '5', entity: '2' },
        { actor: '6', entity: '2' }, { actor: '6', entity: null }, { actor: '5', entity: '1' },
      ];
      const events = plan.map((p, i) => anEvent({
        type: p.entity === null ? 'user.login' : 'configuration.updated',
        actor: { type: 'user', id: p.actor },
        entity: p.entity === null ? undefined : { type: 'Policy', id: p.entity },
        occurredAt: new Date(now - (plan.length - i) * 60_000).toISOString(),
      }));
      const res = await send('POST', '/v1/events', admin(tenant), { events });
      expect(res.status, res.text).toBe(201);
      res.json().events.forEach((e: { id: string }, i: number) => seeded.push({ id: e.id, tenant, actor: plan[i]!.actor, entity: plan[i]!.entity }));
    }
  });
  afterAll(async () => {
    await t?.app.close();
  });

  describe('minting', () => {
    it('answers 201 with the token, its id, tenant, expiry and restriction, never cached', async () => {
      const res = await send('POST', '/v1/viewer-tokens', admin('acme'), { ttlSeconds: 60, actor: { type: 'user', id: '5' } });
      expect(res.status).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        token: expect.stringMatching(/^vvt_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/),
        tokenId: expect.any(String),
        tenant: 'acme',
        expiresAt: new Date(now + 60_000).toISOString(),
        restriction: { actor: { type: 'user', id: '5' } },
      });
      const self = await send('GET', '/v1/keys/self', bearer(body.token));
      expect(self.json()).toMatchObject({ kind: 'viewer', tenant: 'acme', restriction: { actor: { type: 'user', id: '5' } } });
    });

    it('defaults to 15 minutes and the whole tenant, with or without a body', async () => {
      for (const payload of [{}, undefined]) {
        const res = await send('POST', '/v1/viewer-tokens', admin('acme'), payload);
        expect(res.status, res.text).toBe(201);
        expect(res.json()).toMatchObject({ expiresAt: new Date(now + 900_000).toISOString(), restriction: null });
      }
    });

    it('mints for the admin key\'s Vellum-Tenant (default: default), and for a tenant key\'s own tenant', async () => {
      expect((await send('POST', '/v1/viewer-tokens', t.auth(), {})).json().tenant).toBe('default');
      expect((await send('POST', '/v1/viewer-tokens', admin('globex'), {})).json().tenant).toBe('globex');
      expect((await send('POST', '/v1/viewer-tokens', bearer(ACME_READER), {})).json().tenant).toBe('acme');
      expect((await send('POST', '/v1/viewer-tokens', { ...bearer(ACME_READER), 'vellum-tenant': 'globex' }, {})).status).toBe(403);
      expect((await send('POST', '/v1/viewer-tokens', admin('nowhere'), {})).status).toBe(404);
    });

    it('never outlives the key that mints it', async () => {
      const addReader = async (expiresInMs: number) => {
        const key = generateApiKey();
        await t.store.createKey({
          id: `id-${key}`, tenant: 'acme', name: 'short-lived', prefix: key.slice(0, 7), hash: hashApiKey(key), scopes: ['events:read'],
          createdAt: new Date(now).toISOString(), expiresAt: new Date(now + expiresInMs).toISOString(), revokedAt: null,
          rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
        });
        return key;
      };
      const soon = await addReader(60_500);
      const capped = await send('POST', '/v1/viewer-tokens', bearer(soon), { ttlSeconds: 3600 });
      expect(capped.json().expiresAt).toBe(new Date(now + 60_000).toISOString());
      expect((await send('POST', '/v1/viewer-tokens', bearer(soon), { ttlSeconds: 30 })).json().expiresAt).toBe(new Date(now + 30_000).toISOString());
      expect((await send('POST', '/v1/viewer-tokens', bearer(await addReader(500)), {})).status).toBe(403);
    });

    it('needs events:read, and a key: a viewer token cannot mint another', async () => {
      expect((await send('POST', '/v1/viewer-tokens', bearer(ACME_WRITER), {})).status).toBe(403);
      const token = await mint({ actor: { type: 'user', id: '5' } });
      const res = await send('POST', '/v1/viewer-tokens', bearer(token), {});
      expect(res.status).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    });

    it('lists every problem of a bad body, unknown properties included', async () => {
      const res = await send('POST', '/v1/viewer-tokens', admin('acme'), {
        ttlSeconds: 5, actor: { type: 'user', name: 'Ana' }, entity: 'Policy:1', scope: 'admin',
      });
      expect(res.status).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/actor/id', '/actor/name', '/entity', '/scope', '/ttlSeconds']);
      for (const payload of [[], 'x', 5, null]) {
        const bad = await send('POST', '/v1/viewer-tokens', { ...admin('acme'), 'content-type': 'application/json' }, JSON.stringify(payload));
        expect(bad.status, JSON.stringify(payload)).toBe(400);
      }
      for (const ttlSeconds of [9, 86_401, 60.5, '60']) {
        expect((await send('POST', '/v1/viewer-tokens', admin('acme'), { ttlSeconds })).status, String(ttlSeconds)).toBe(400);
      }
      for (const ttlSeconds of [10, 86_400]) expect((await send('POST', '/v1/viewer-tokens', admin('acme'), { ttlSeconds })).status).toBe(201);
    });

    it('is documented in the OpenAPI document, as are restricted reads', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const mintDoc = doc.paths['/v1/viewer-tokens'].post;
      expect(mintDoc.summary).toMatch(/viewer token/);
      expect(Object.keys(mintDoc.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
      expect(JSON.stringify(mintDoc)).toContain('ttlSeconds');
      expect(doc.paths['/v1/streams/{stream}/events'].get.description).toMatch(/restriction/);
    });

    it('records each minted token in the system tenant', async () => {
      const res = await send('POST', '/v1/viewer-tokens', admin('acme'), { entity: { type: 'Policy', id: '2' } });
      const audit = await send('GET', '/v1/events?type=vellum.viewer_token.created&entityId=' + res.json().tokenId, admin('system'));
      expect(audit.json().events).toHaveLength(1);
      expect(audit.text).not.toContain(res.json().token);
    });
  });

  describe('an unrestricted token', () => {
    it('reads its own tenant and nothing else', async () => {
      const token = await mint();
      const own = await send('GET', '/v1/events?limit=1000', bearer(token));
      expect(own.status).toBe(200);
      expect(own.json().events.map((e: { id: string }) => e.id).sort()).toEqual(seeded.filter((e) => e.tenant === 'acme').map((e) => e.id).sort());
      expectNoneOf(hiddenIds((e) => e.tenant === 'acme'), own.text);

      expect((await send('GET', '/v1/events?tenant=acme', bearer(token))).status).toBe(200);
      expect((await send('GET', '/v1/events', { ...bearer(token), 'vellum-tenant': 'acme' })).status).toBe(200);
      for (const [url, headers] of [
        ['/v1/events?tenant=*', {}],
        ['/v1/events?tenant=globex', {}],
        ['/v1/stats?groupBy=actor&tenant=globex', {}],
        ['/v1/export?tenant=*', {}],
        ['/v1/events', { 'vellum-tenant': 'globex' }],
      ] as const) {
        const res = await send('GET', url, { ...bearer(token), ...headers });
        expect(res.status, url).toBe(403);
        expectNoneOf(hiddenIds((e) => e.tenant === 'acme'), res.text);
      }
      const foreign = seeded.find((e) => e.tenant === 'globex')!;
      expect((await send('GET', `/v1/events/${foreign.id}`, bearer(token))).status).toBe(404);
    });
  });

  describe('a token restricted to one actor', () => {
    const visible = (e: Seeded) => e.tenant === 'acme' && e.actor === '5';
    let token: string;
    beforeAll(async () => {
      token = await mint({ actor: { type: 'user', id: '5' } });
    });

    it('searches, pages, counts and exports only that actor\'s events', async () => {
      const mine = seeded.filter(visible).map((e) => e.id).sort();
      const search = await send('GET', '/v1/events', bearer(token));
      expect(search.json().events.map((e: { id: string }) => e.id).sort()).toEqual(mine);
      expectNoneOf(hiddenIds(visible), search.text);

      // Repeating the restriction in the filter is fine; it narrows nothing further.
      expect((await send('GET', '/v1/events?actorType=user&actorId=5', bearer(token))).json().events).toHaveLength(mine.length);

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await send('GET', `/v1/events?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`, bearer(token));
        expectNoneOf(hiddenIds(visible), page.text);
        paged.push(...page.json().events.map((e: { id: string }) => e.id));
        cursor = page.json().nextCursor;
      } while (cursor !== null);
      expect(paged.sort()).toEqual(mine);

      const stats = await send('GET', '/v1/stats?groupBy=actor', bearer(token));
      expect(stats.json().groups).toEqual([{ key: 'user:5', count: mine.length }]);
      const byEntity = await send('GET', '/v1/stats?groupBy=entityType&interval=day', bearer(token));
      expect(byEntity.json().groups.reduce((n: number, g: { count: number }) => n + g.count, 0)).toBe(mine.length);

      for (const format of ['ndjson', 'csv']) {
        const exported = await send('GET', `/v1/export?format=${format}`, bearer(token));
        expect(exported.status).toBe(200);
        for (const id of mine) expect(exported.text).toContain(id);
        expectNoneOf(hiddenIds(visible), exported.text);
      }
    });

    it('cannot escape through a cursor taken from an unrestricted search', async () => {
      // The admin's first page of one, oldest first: its cursor is the position of acme's first event.
      const first = await send('GET', '/v1/events?limit=1&order=asc', admin('acme'));
      const cursor = first.json().nextCursor as string;
      const res = await send('GET', `/v1/events?order=asc&cursor=${cursor}`, bearer(token));
      expect(res.status).toBe(200);
      expect(res.json().events.length).toBeGreaterThan(0);
      expect(res.json().events.every((e: { actor: { id: string }; tenant: string }) => e.actor.id === '5' && e.tenant === 'acme')).toBe(true);
      expectNoneOf(hiddenIds(visible), res.text);
    });

    it('reads its events by id, and answers 404 for any other', async () => {
      for (const e of seeded) {
        const res = await send('GET', `/v1/events/${e.id}`, bearer(token));
        expect(res.status, JSON.stringify(e)).toBe(visible(e) ? 200 : 404);
        if (!visible(e)) expectNoneOf([e.id], res.text);
      }
    });

    it('sees only its events in a trail, and nothing of streams it has no part in', async () => {
      const trail = await send('GET', `/v1/streams/${encodeURIComponent('Policy:1')}/events`, bearer(token));
      expect(trail.status).toBe(200);
      const ids = trail.json().events.map((e: { id: string }) => e.id);
      expect(ids).toEqual(seeded.filter((e) => visible(e) && e.entity === '1').map((e) => e.id));
      expectNoneOf(hiddenIds(visible), trail.text);

      const backward = await send('GET', `/v1/streams/${encodeURIComponent('Policy:1')}/events?direction=backward&limit=1`, bearer(token));
      expect(backward.json().events.map((e: { id: string }) => e.id)).toEqual([ids.at(-1)]);

      // user 6's own stream: not one event of user 5, so it reads as a stream that does not exist.
      const other = await send('GET', `/v1/streams/${encodeURIComponent('user:6')}/events`, bearer(token));
      expect(other.json()).toEqual({ stream: 'user:6', version: 0, events: [] });
      // A window holding none of its events, in a stream that has some elsewhere: empty, the stream's version kept.
      const window = await send('GET', `/v1/streams/${encodeURIComponent('Policy:1')}/events?fromVersion=2&limit=1`, bearer(token));
      expect(window.json()).toEqual({ stream: 'Policy:1', version: 3, events: [] });
    });

    it('refuses a filter naming another actor with 403, saying what the token is limited to', async () => {
      for (const query of ['actorId=6', 'actorType=service', 'actorType=service&actorId=5']) {
        for (const route of ['/v1/events', '/v1/stats?groupBy=type', '/v1/export']) {
          const res = await send('GET', `${route}${route.includes('?') ? '&' : '?'}${query}`, bearer(token));
          expect(res.status, `${route} ${query}`).toBe(403);
          expect(res.json().error.message).toContain('actor "user":"5"');
        }
      }
    });
  });

  describe('a token restricted to one entity', () => {
    const visible = (e: Seeded) => e.tenant === 'acme' && e.entity === '1';
    let token: string;
    beforeAll(async () => {
      token = await mint({ entity: { type: 'Policy', id: '1' } });
    });

    it('reads only that entity\'s events, by every route', async () => {
      const search = await send('GET', '/v1/events?actorId=6', bearer(token));
      expect(search.json().events.map((e: { id: string }) => e.id)).toEqual(seeded.filter((e) => visible(e) && e.actor === '6').map((e) => e.id));
      for (const url of ['/v1/events', '/v1/stats?groupBy=actor', '/v1/export', `/v1/streams/${encodeURIComponent('Policy:2')}/events`]) {
        const res = await send('GET', url, bearer(token));
        expect(res.status, url).toBe(200);
        expectNoneOf(hiddenIds(visible), res.text);
      }
      expect((await send('GET', '/v1/stats?groupBy=entityType', bearer(token))).json().groups).toEqual([{ key: 'Policy', count: 3 }]);
      expect((await send('GET', '/v1/events?entityId=2', bearer(token))).status).toBe(403);
      expect((await send('GET', '/v1/events?entityType=Config', bearer(token))).status).toBe(403);
    });
  });

  describe('self-audit', () => {
    /** Viewer reads are recorded in the background, after the response: poll briefly. */
    async function auditEvents(type: string, actorId: string) {
      for (let i = 0; i < 50; i++) {
        const res = await send('GET', `/v1/events?type=${type}&actorId=${actorId}`, admin('system'));
        if (res.json().events.length > 0) return res.json().events as Array<{ data: { route: string } }>;
        await new Promise((r) => setTimeout(r, 20));
      }
      return [];
    }

    it('records reads made with a token, and every export', async () => {
      const res = await send('POST', '/v1/viewer-tokens', admin('acme'), { actor: { type: 'user', id: '5' } });
      const { token, tokenId } = res.json();
      await send('GET', '/v1/events?limit=1', bearer(token));
      const reads = await auditEvents('vellum.viewer.read', tokenId);
      expect(reads.map((e) => e.data.route)).toContain('/v1/events');

      const reader = await send('GET', '/v1/keys/self', bearer(ACME_READER));
      await send('GET', '/v1/export', bearer(ACME_READER));
      const exports = await auditEvents('vellum.export.completed', reader.json().id);
      expect(exports.map((e) => e.data.route)).toContain('/v1/export');
    });
  });

  describe('what a token cannot do', () => {
    it('cannot write, manage keys or tenants', async () => {
      const token = await mint();
      const attempts = [
        ['POST', '/v1/events', anEvent()],
        ['GET', '/v1/keys', undefined],
        ['POST', '/v1/keys', { name: 'x', scopes: ['events:read'] }],
        ['GET', '/v1/tenants', undefined],
        ['POST', '/v1/tenants', { id: 'evil' }],
      ] as const;
      for (const [method, url, payload] of attempts) {
        const res = await send(method, url, bearer(token), payload);
        expect(res.status, `${method} ${url}`).toBe(403);
      }
      expect((await send('GET', '/v1/events?type=configuration.updated', admin('acme'))).json().events).toHaveLength(5);
    });

    it('stops working when it expires', async () => {
      const token = await mint({ ttlSeconds: 10 });
      expect((await send('GET', '/v1/events', bearer(token))).status).toBe(200);
      const start = now;
      try {
        now = start + 10_000;
        const res = await send('GET', '/v1/events', bearer(token));
        expect(res.status).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHENTICATED');
      } finally {
        now = start;
      }
    });

    it('is refused with 401 when forged or tampered with', async () => {
      const token = await mint({ actor: { type: 'user', id: '5' } });
      const [head, signature] = token.split('.') as [string, string];
      const payload = JSON.parse(Buffer.from(head.slice(4), 'base64url').toString('utf8'));
      const widened = `vvt_${Buffer.from(JSON.stringify({ ...payload, act: undefined }), 'utf8').toString('base64url')}`;
      const selfSigned = `${widened}.${createHmac('sha256', Buffer.alloc(32)).update(widened).digest('base64url')}`;
      for (const forged of [`${widened}.${signature}`, selfSigned, `${head}.${'A'.repeat(43)}`, `${token}x`, 'vvt_x.y']) {
        const res = await send('GET', '/v1/events', bearer(forged));
        expect(res.status, forged).toBe(401);
        expectNoneOf(seeded.map((e) => e.id), res.text);
      }
    });

    it('is not accepted by a server with another signing secret', async () => {
      const token = await mint();
      const other = await makeTestApp({ clock: () => now });
      try {
        expect((await other.app.inject({ method: 'GET', url: '/v1/events', headers: bearer(token) })).statusCode).toBe(401);
      } finally {
        await other.app.close();
      }
    });
  });
});
