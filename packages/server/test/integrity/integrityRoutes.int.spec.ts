import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import { admin, eventually, expectConsistency, ingest, integrityConfig, latestCheckpoint, type Appended, type VerifiedCheckpoint } from './integritySupport.ts';

describe('integrity routes', () => {
  let t: TestApp;
  let events: Appended[];
  let checkpoint: VerifiedCheckpoint;
  const get = (url: string, headers: Record<string, string> = admin()) => t.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    t = await makeTestApp({ config: { logLevel: 'warn', integrity: integrityConfig() } });
    // Even positions by user 5, odd ones by user 6: a viewer token limited to user 5 may prove only the former.
    events = await ingest(t.app, 'default', 40, 10, (i) => ({ actor: { type: 'user', id: i % 2 === 0 ? '6' : '5' } }));
    await t.app.integrity.settle();
    checkpoint = await latestCheckpoint(t.app, 'default');
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it('answers 404 for a tenant without a checkpoint yet, saying why', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: admin(), payload: { id: 'empty' } });
    const res = await get('/v1/checkpoints/latest', admin('empty'));
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/No checkpoint yet/);
  });

  it('lists every problem with the parameters of a consistency proof', async () => {
    const res = await get('/v1/proofs/consistency?from=0&to=abc&extra=1');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { path: '/query/extra', message: 'is not a parameter of this route (from, to)' },
      { path: '/query/to', message: 'must be a whole number (a tree size)' },
      { path: '/query/from', message: 'must be at least 1: there is no consistency proof from the empty tree (RFC 9162), as every tree extends it' },
    ]);
    const missing = await get('/v1/proofs/consistency?to=50');
    expect(missing.json().error.details).toEqual([
      { path: '/query/from', message: 'is required: the size of the tree you hold a checkpoint for' },
      { path: '/query/to', message: 'must be at most 40, the size integrated so far' },
    ]);
    const reversed = await get('/v1/proofs/consistency?from=30&to=20');
    expect(reversed.json().error.details).toEqual([{ path: '/query/from', message: 'must not exceed to (20)' }]);
    const pastLatest = await get('/v1/proofs/consistency?from=41');
    expect(pastLatest.json().error.details).toEqual([{ path: '/query/from', message: "must not exceed the latest checkpoint's size, 40" }]);
    const twice = await get('/v1/proofs/consistency?from=1&from=2');
    expect(twice.json().error.details).toEqual([{ path: '/query/from', message: 'must be given once' }]);
  });

  it('lists the problems with an inclusion proof request before looking the event up', async () => {
    const res = await get(`/v1/events/${events[0]!.id}/proof?treeSize=-1&limit=3`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { path: '/query/limit', message: 'is not a parameter of this route (treeSize)' },
      { path: '/query/treeSize', message: 'must be a whole number (a tree size)' },
    ]);
    const star = await get(`/v1/events/${events[0]!.id}/proof?tenant=*`);
    expect(star.statusCode).toBe(400);
    expect(star.json().error.details[0].path).toBe('/query/tenant');
  });

  it('says when the latest checkpoint does not include an event yet, and which sizes would', async () => {
    // The rules of this app sign nothing more after the settle() above: the new event is integrated, not checkpointed.
    const [late] = await ingest(t.app, 'default', 1);
    await eventually(async () => ((await t.store.tenantsBehind()).length === 0 ? true : undefined), 'integration');
    const res = await get(`/v1/events/${late!.id}/proof`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { path: '/query/treeSize', message: "defaults to the latest checkpoint's size, 40, which does not include this event yet: use a size from 41 (this event's position) to 41 (the size integrated so far)" },
    ]);
    expect((await get(`/v1/events/${late!.id}/proof?treeSize=41`)).statusCode).toBe(200);
  });

  it('gives an empty consistency proof between equal sizes', async () => {
    await expectConsistency(t.app, 'default', checkpoint, checkpoint);
    const res = await get(`/v1/proofs/consistency?from=${checkpoint.treeSize}&to=${checkpoint.treeSize}`);
    expect(res.json().hashes).toEqual([]);
  });

  describe('viewer tokens', () => {
    const mint = async (body: object): Promise<Record<string, string>> => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/viewer-tokens', headers: admin(), payload: { ttlSeconds: 60, ...body } });
      expect(res.statusCode, res.payload).toBe(201);
      return { authorization: `Bearer ${res.json().token as string}` };
    };

    it('read checkpoints and consistency proofs, restricted or not', async () => {
      for (const headers of [await mint({}), await mint({ actor: { type: 'user', id: '5' } })]) {
        expect((await get('/v1/checkpoints/latest', headers)).statusCode).toBe(200);
        expect((await get('/v1/proofs/consistency?from=3&to=40', headers)).statusCode).toBe(200);
      }
    });

    it('prove only the events inside their restriction: the others read as no such event', async () => {
      const restricted = await mint({ actor: { type: 'user', id: '5' } });
      const whole = await mint({});
      const inside = events[1]!;
      const outside = events[0]!;
      expect((await get(`/v1/events/${inside.id}/proof?treeSize=40`, restricted)).statusCode).toBe(200);
      const refused = await get(`/v1/events/${outside.id}/proof?treeSize=40`, restricted);
      const unknown = await get('/v1/events/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/proof?treeSize=40', restricted);
      expect(refused.statusCode).toBe(404);
      expect(refused.payload).toBe(unknown.payload);
      expect((await get(`/v1/events/${outside.id}/proof?treeSize=40`, whole)).statusCode).toBe(200);
    });
  });

  it('documents the three routes under the integrity tag, each needing events:read', async () => {
    const doc = (await get('/openapi.json', {})).json() as { paths: Record<string, Record<string, { tags: string[] }>> };
    for (const path of ['/v1/checkpoints/latest', '/v1/events/{id}/proof', '/v1/proofs/consistency']) {
      expect(doc.paths[path]?.get?.tags, path).toEqual(['integrity']);
      expect(t.app.routeScopes.get(`GET ${path.replace('{id}', ':id')}`)).toBe('events:read');
    }
  });
});

describe('with integrity disabled', () => {
  it('integrates and signs nothing, and says an event is not integrated yet', async () => {
    const t = await makeTestApp({ config: { logLevel: 'warn', integrity: integrityConfig({ enabled: false }) } });
    try {
      const [e] = await ingest(t.app, 'default', 3);
      await t.app.integrity.settle();
      expect((await t.store.treeState('default')).size).toBe(0);
      expect((await t.app.inject({ method: 'GET', url: '/v1/checkpoints/latest', headers: admin() })).statusCode).toBe(404);
      const res = await t.app.inject({ method: 'GET', url: `/v1/events/${e!.id}/proof?treeSize=1`, headers: admin() });
      expect(res.json().error.details).toEqual([
        { path: '/query/treeSize', message: '1 is not a size this proof can be for: this event (position 1) is not integrated yet (the tree has 0 events); retry in a few seconds' },
      ]);
    } finally {
      await t.app.close();
    }
  });
});

describe('integrity metrics', () => {
  it('counts integrated leaves and signed checkpoints, and shows no lag once caught up', async () => {
    const t = await makeTestApp({ config: { logLevel: 'warn', integrity: integrityConfig() } });
    try {
      await ingest(t.app, 'default', 25);
      await t.app.integrity.settle();
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).payload;
      expect(text).toMatch(/^vellum_integrity_leaves_integrated_total \d+$/m);
      expect(Number(/^vellum_integrity_leaves_integrated_total (\d+)$/m.exec(text)![1])).toBeGreaterThanOrEqual(25);
      expect(text).toMatch(/^vellum_checkpoints_signed_total [1-9]\d*$/m);
      expect(text).toMatch(/^vellum_integrity_lag_events 0$/m);
      expect(text).toMatch(/^vellum_integrity_integration_duration_seconds_count [1-9]\d*$/m);
    } finally {
      await t.app.close();
    }
  });
});
