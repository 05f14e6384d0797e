/**
 * The two examples (examples/) run against a real server process (and the real PostgreSQL for the reseller job),
 * so they stay runnable and say what their READMEs say.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { buildConfigAdmin, cacheKeys, ensureInvalidationSubscription } from '../../../../examples/config-admin/app.ts';
import { runResellerDemo } from '../../../../examples/reseller-job/job.ts';
import { service } from '../support/services.ts';
import { spawnServer, type RunningServer } from '../support/spawnServer.ts';
import { storedEvents } from './captureFixture.ts';

const pgUrl = await service('postgres');
const redisUrl = await service('redis');

/** Until the subscription has delivered everything up to the log's head (no lag, nothing in flight). */
async function subscriptionCaughtUp(url: string, key: string, id: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${url}/v1/subscriptions/${id}`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { pending: unknown; stats: { lagPositions: number } };
    if (body.pending === null && body.stats.lagPositions === 0) return;
    if (Date.now() > deadline) throw new Error(`subscription ${id} did not catch up: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('examples', () => {
  const key = generateApiKey();
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    // Delivery is on by default; the Redis URL lets the example's invalidation subscription exist.
    server = await spawnServer({ store: 'memory:', key, env: redisUrl === null ? {} : { VELLUM_REDIS_URL: redisUrl } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vellum-examples-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('config admin: an update records one event with a change per field, the request context and the API key masked', async () => {
    const app = buildConfigAdmin({ url: server.url, apiKey: key, outbox: path.join(dir, 'outbox.db') });
    const res = await app.inject({
      method: 'PUT',
      url: '/companies/123/config',
      headers: { 'x-user-id': '5', 'user-agent': 'example-test' },
      payload: { hours_before: 48, api_key: 'sk_live_1234567890abcdef' },
    });
    expect(res.json()).toEqual({ changed: ['hours_before', 'api_key'] });
    const bad = await app.inject({ method: 'PUT', url: '/companies/123/config', payload: { hours_before: -1, nope: 1 } });
    expect(bad.statusCode).toBe(400);
    await app.close(); // drains the outbox
    const events = await storedEvents(server.url, key, { entityType: 'CompanyConfiguration', entityId: '123' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'configuration.updated',
      actor: { type: 'user', id: '5' },
      source: 'ui',
      // The empty old key is too short to show a tail: the client redacts it, and the server's masking keeps an
      // already masked value as it is.
      changes: [{ field: 'hours_before', old: 24, new: 48 }, { field: 'api_key', old: '[REDACTED]', new: '••••••••cdef' }],
      tags: ['company:123', 'config:hours_before', 'config:api_key'],
      context: { userAgent: 'example-test' },
    });
    expect(JSON.stringify(events)).not.toContain('sk_live');
  });

  it.skipIf(!redisUrl)('config admin: its Redis cache is invalidated by a Vellum subscription, never by the app itself', { timeout: 30_000 }, async () => {
    const redis = new Redis(redisUrl!);
    // A prefix of its own, so parallel runs and other tests' keys never meet.
    const prefix = `example-${Math.random().toString(16).slice(2, 10)}:`;
    const keys = cacheKeys(prefix);
    try {
      const setup = await ensureInvalidationSubscription({ url: server.url, apiKey: key, prefix });
      expect(setup.created).toBe(true);
      expect(await ensureInvalidationSubscription({ url: server.url, apiKey: key, prefix })).toEqual({ id: setup.id, created: false });
      // Direct mode (no outbox): a PUT answers once its event is stored, which keeps the steps below in order.
      const app = buildConfigAdmin({ url: server.url, apiKey: key, redisUrl: redisUrl!, cachePrefix: prefix });
      const put = async (company: string, body: Record<string, unknown>) => {
        const res = await app.inject({ method: 'PUT', url: `/companies/${company}/config`, headers: { 'x-user-id': '5' }, payload: body });
        expect(res.statusCode).toBe(200);
      };
      const get = async (url: string) => (await app.inject({ method: 'GET', url })).json() as Record<string, unknown>;
      await put('41', { hours_before: 12 });
      await put('42', { hours_before: 12 });
      // Those first events' invalidations must be done before anything is cached, or they would race the reads.
      await subscriptionCaughtUp(server.url, key, setup.id);
      // Reads fill the cache: the configuration key and a field view, both recorded in the company's tag set.
      for (const company of ['41', '42']) {
        expect(await get(`/companies/${company}/config`)).toMatchObject({ hours_before: 12 });
        expect(await get(`/companies/${company}/config/hours_before`)).toEqual({ hours_before: 12 });
      }
      expect(await redis.exists(keys.config('41'), keys.field('41', 'hours_before'), keys.config('42'))).toBe(3);
      expect((await redis.smembers(keys.tag('41'))).sort()).toEqual([keys.config('41'), keys.field('41', 'hours_before')].sort());

      // An update: the app records the event and touches no cache key. Vellum's subscription deletes company 41's
      // key and every key of its tag set; company 42's stay.
      // Paused, the subscription shows that the app itself leaves its cache alone: the stale entry stays.
      const control = (what: 'pause' | 'resume') =>
        fetch(`${server.url}/v1/subscriptions/${setup.id}/${what}`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
      expect((await control('pause')).status).toBe(200);
      await put('41', { hours_before: 72 });
      await new Promise((r) => setTimeout(r, 300));
      expect(await get('/companies/41/config')).toMatchObject({ hours_before: 12 });
      expect((await control('resume')).status).toBe(200);
      const deadline = Date.now() + 15_000;
      while ((await redis.exists(keys.config('41'), keys.field('41', 'hours_before'), keys.tag('41'))) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await redis.exists(keys.config('41'), keys.field('41', 'hours_before'), keys.tag('41'))).toBe(0);
      expect(await redis.exists(keys.config('42'), keys.field('42', 'hours_before'), keys.tag('42'))).toBe(3);
      // The next read misses and sees the new value.
      expect(await get('/companies/41/config')).toMatchObject({ hours_before: 72 });
      await app.close();
    } finally {
      const left = await redis.keys(`${prefix}*`);
      if (left.length > 0) await redis.del(...left);
      redis.disconnect();
    }
  });

  it.skipIf(!pgUrl)('reseller job: the bare reset is captured, the job\'s own changes are folded into its events', { timeout: 60_000 }, async () => {
    const lines: string[] = [];
    const schema = `reseller_demo_${Math.random().toString(16).slice(2, 8)}`;
    const { trails, stats } = await runResellerDemo({ url: server.url, apiKey: key, databaseUrl: pgUrl!, schema, log: (l) => lines.push(l) });
    const disabledThenReset = ['reseller.auto_disabled by service:reseller-status-job (status: active → disabled)', 'reseller.updated by system:system (status: disabled → active)'];
    expect(trails).toEqual({ '1': disabledThenReset, '2': [], '3': disabledThenReset });
    expect(stats).toMatchObject({ recorded: 2, foldedChanges: 2 });
    expect(lines.join('\n')).toContain('folded 2 change(s)');
  });
});
