/**
 * The two examples (examples/) run against a real server process (and the real PostgreSQL for the reseller job),
 * so they stay runnable and say what their READMEs say.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { buildConfigAdmin } from '../../../../examples/config-admin/app.ts';
import { runResellerDemo } from '../../../../examples/reseller-job/job.ts';
import { service } from '../support/services.ts';
import { spawnServer, type RunningServer } from '../support/spawnServer.ts';
import { storedEvents } from './captureFixture.ts';

const pgUrl = await service('postgres');

describe('examples', () => {
  const key = generateApiKey();
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    server = await spawnServer({ store: 'memory:', key });
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
