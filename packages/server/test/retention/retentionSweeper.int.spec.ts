import { writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestApp } from '../support/testApp.ts';
import { admin, eventually, ingest, integrityConfig } from '../integrity/integritySupport.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

describe('retention on the memory store', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vellum-sweeper-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is applied by the sweeper on its own, every sweepIntervalSeconds', async () => {
    let now = T0;
    const t = await makeTestApp({
      clock: () => now,
      config: { logLevel: 'warn', integrity: integrityConfig(), retention: { enabled: true, sweepIntervalSeconds: 1, archiveDir: path.join(dir, 'a') } },
    });
    try {
      const old = await ingest(t.app, 'default', 40, 40);
      now = T0 + 10 * DAY;
      await ingest(t.app, 'default', 5, 5);
      await t.app.integrity.settle();
      expect((await t.app.inject({ method: 'PUT', url: '/v1/retention', headers: admin(), payload: { keepDays: 5 } })).statusCode).toBe(200);
      const last = await eventually(async () => (await t.store.retention.lastPrune('default')) ?? undefined, 'the sweeper to prune', 5_000);
      expect(last).toMatchObject({ prunedThrough: 32, eventsRemoved: 32, archive: null });
      expect((await t.app.inject({ method: 'GET', url: `/v1/events/${old[0]!.id}`, headers: admin() })).statusCode).toBe(404);
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.payload).toMatch(/^vellum_retention_pruned_events_total 32$/m);
    } finally {
      await t.app.close();
    }
  });

  it('prunes nothing when the archive cannot be written', async () => {
    let now = T0;
    const blocker = path.join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const t = await makeTestApp({ clock: () => now, config: { logLevel: 'silent', integrity: integrityConfig(), retention: { enabled: false, archiveDir: blocker } } });
    try {
      const old = await ingest(t.app, 'default', 40, 40);
      now = T0 + 10 * DAY;
      await ingest(t.app, 'default', 5, 5);
      await t.app.integrity.settle();
      await t.app.inject({ method: 'PUT', url: '/v1/retention', headers: admin(), payload: { keepDays: 5, archive: true } });
      const run = await t.app.inject({ method: 'POST', url: '/v1/retention/run', headers: admin(), payload: {} });
      expect(run.statusCode).toBe(500);
      expect(run.json().error.code).toBe('ARCHIVE_FAILED');
      // Says where and why, so the operator knows what to fix.
      expect(run.json().error.message).toContain(blocker);
      expect(run.json().error.message).toMatch(/ENOTDIR|EEXIST|not a directory/i);
      expect(await t.store.retention.lastPrune('default')).toBeNull();
      expect((await t.app.inject({ method: 'GET', url: `/v1/events/${old[0]!.id}`, headers: admin() })).statusCode).toBe(200);
      expect(existsSync(path.join(blocker, 'default'))).toBe(false);
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).payload).toMatch(/^vellum_retention_runs_total\{outcome="failed"\} 1$/m);
    } finally {
      await t.app.close();
    }
  });
});
