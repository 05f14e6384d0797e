/**
 * kill -9 of the APPLICATION mid-flush: a child process records events through the outbox while its flusher
 * sends them to a real server, and is killed at a random moment. Restarted on the same outbox, it delivers what
 * was left. Every event whose record() resolved arrives exactly once; nothing arrives twice, even the batch that
 * was on the wire when the process died (its idempotency keys make the resend a duplicate).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startVellum } from './support/vellumServer.ts';
import type { TestVellum } from './support/vellumServer.ts';
import { killRecorders, runRecorder } from './support/runRecorder.ts';

const ROUNDS = Number(process.env.VELLUM_SDK_CRASH_ROUNDS ?? 4);
const PER_ROUND = 400;
let vellum: TestVellum;

beforeAll(async () => { vellum = await startVellum(); });
afterEach(killRecorders);
afterAll(async () => { await vellum.dispose(); });

describe('kill -9 of an application using the outbox', () => {
  it('delivers every recorded event exactly once after a restart on the same outbox', { timeout: 180_000 }, async () => {
    let killedMidFlush = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const run = `r${round}`;
      const outbox = path.join(vellum.dir, `crash-${round}.db`);
      const app = runRecorder([vellum.url, vellum.key, outbox, run, '0', String(PER_ROUND)]);
      const killAt = 50 + Math.floor(Math.random() * (PER_ROUND - 150));
      await app.waitFor(new RegExp(`^recorded ${killAt}$`, 'm'));
      await app.kill9();
      const confirmed = new Set(app.recorded);

      const atKill = (await vellum.allEvents({ type: 'crash.recorded' })).filter((e) => e.data?.['run'] === run);
      const storedAtKill = atKill.length;
      const db = new Database(outbox, { readonly: true });
      const outboxRows = db.prepare('SELECT body FROM outbox').all() as { body: string }[];
      db.close();
      const leftInOutbox = outboxRows.length;
      // The process may die after an event is durable but before it printed "recorded": it was recorded all the
      // same, so the restarted application carries on after the last event found anywhere (as a real one would
      // after checking its own state), never recording one twice itself.
      const durable = [
        ...atKill.map((e) => e.data?.['i'] as number),
        ...outboxRows.map((r) => (JSON.parse(r.body) as { data: { i: number } }).data.i),
      ];
      if (storedAtKill > 0 && leftInOutbox > 0) killedMidFlush++;
      // Nothing the application was told is safe may be missing from both places.
      expect(storedAtKill + leftInOutbox).toBeGreaterThanOrEqual(confirmed.size);

      // Restart on the same outbox and record the rest.
      const last = Math.max(...confirmed, ...durable);
      const again = runRecorder([vellum.url, vellum.key, outbox, run, String(last + 1), String(PER_ROUND)]);
      await again.waitFor(/^flushed$/m, 60_000);
      expect(await again.exited).toBe(0);

      const stored = (await vellum.allEvents({ type: 'crash.recorded' })).filter((e) => e.data?.['run'] === run);
      const indices = stored.map((e) => e.data?.['i'] as number);
      expect(indices.filter((i, k) => indices.indexOf(i) !== k), 'events stored twice').toEqual([]);
      for (const i of confirmed) expect(indices).toContain(i); // nothing confirmed lost
      for (let i = last + 1; i < PER_ROUND; i++) expect(indices).toContain(i);
      // Record order survives the crash: positions follow the indices.
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
    }
    // The kills must have hit while events were on their way, or the test proved nothing about mid-flush.
    expect(killedMidFlush).toBeGreaterThan(0);
  });
});
