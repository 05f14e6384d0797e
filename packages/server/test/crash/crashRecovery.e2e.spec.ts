/**
 * Crash test (issue 2): the real server on each store, concurrent batch and single-event ingestion,
 * `kill -9` at a random moment, restart — over and over. Afterwards every acknowledged event is present
 * exactly once at the position it was acknowledged with, positions are gapless, and every batch is
 * either wholly present or wholly absent. Rounds per store: VELLUM_CRASH_ROUNDS (default 20).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { service } from '../support/services.ts';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { tempDatabase } from '../support/tempDatabase.ts';
import { spawnServer } from '../support/spawnServer.ts';

const ROUNDS = Number(process.env.VELLUM_CRASH_ROUNDS ?? 20);
/** The harness drives one key as hard as it can; a 429 would only hide what the kills are testing. */
const NO_RATE_LIMITS = { VELLUM_RATE_LIMIT_PER_SECOND: '0', VELLUM_TENANT_RATE_LIMIT_PER_SECOND: '0' };
const KEY = generateApiKey();
const pgUrl = await service('postgres');

interface SentBatch {
  id: string;
  body: { events: Array<Record<string, unknown>> };
  /** null while the outcome is unknown (the server died before answering). */
  acked: Array<{ id: string; position: number }> | null;
}

function makeBatch(round: number, seq: number, size: number): SentBatch {
  const id = `r${round}-b${seq}-${randomBytes(3).toString('hex')}`;
  const events = Array.from({ length: size }, (_, i) => ({
    type: 'crash.test_event',
    actor: { type: 'worker', id: `w${seq % 7}` },
    entity: { type: 'Account', id: `acct-${(seq * 31 + i) % 50}` },
    idempotencyKey: `${id}-${i}`,
    data: { batch: id, size, index: i, filler: 'x'.repeat(200) },
  }));
  return { id, body: { events }, acked: null };
}

async function post(url: string, batch: SentBatch): Promise<Response> {
  return fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(batch.body),
    signal: AbortSignal.timeout(10_000),
  });
}

/** Drives clients until the server dies; returns every batch sent, acknowledged or not. */
async function drive(url: string, round: number, clients: number, stop: { dead: boolean }): Promise<SentBatch[]> {
  const sent: SentBatch[] = [];
  let seq = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (!stop.dead) {
        // Half the clients send single events, half batches of up to 60.
        const batch = makeBatch(round, seq++, c % 2 === 0 ? 1 : 2 + Math.floor(Math.random() * 59));
        sent.push(batch);
        try {
          const res = await post(url, batch);
          if (res.status === 201) {
            const body = (await res.json()) as { events: Array<{ id: string; position: number }> };
            batch.acked = body.events.map((e) => ({ id: e.id, position: e.position }));
          } else if (res.status !== 503) {
            throw new Error(`unexpected status ${res.status}: ${await res.text()}`);
          }
        } catch (err) {
          if (!stop.dead && !(err instanceof TypeError)) throw err;
          return; // the server was killed under us: this batch's outcome is unknown
        }
      }
    }),
  );
  return sent;
}

interface StoredCrashEvent { id: string; position: number; data: { batch: string; size: number }; idempotencyKey: string }

async function readAll(url: string): Promise<StoredCrashEvent[]> {
  const all: StoredCrashEvent[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ order: 'asc', limit: '1000', ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${url}/v1/events?${q}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { events: StoredCrashEvent[]; nextCursor: string | null };
    all.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

async function crashRounds(store: string) {
  const batches: SentBatch[] = [];
  let kills = 0;
  let interrupted = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const server = await spawnServer({ store, key: KEY, env: NO_RATE_LIMITS });
    // Re-send what the previous crash left unknown: it must come back whole (new or duplicate), never split.
    for (const b of batches.filter((x) => x.acked === null)) {
      const res = await post(server.url, b);
      expect(res.status, await res.clone().text()).toBe(201);
      const body = (await res.json()) as { events: Array<{ id: string; position: number; duplicate?: boolean }> };
      const dup = new Set(body.events.map((e) => e.duplicate === true));
      expect(dup.size, `batch ${b.id} came back partly duplicate`).toBe(1);
      b.acked = body.events.map((e) => ({ id: e.id, position: e.position }));
    }
    const stop = { dead: false };
    const driving = drive(server.url, round, 8, stop);
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 700));
    stop.dead = true;
    await server.kill();
    kills++;
    const sent = await driving;
    interrupted += sent.filter((b) => b.acked === null).length;
    batches.push(...sent);
  }

  const server = await spawnServer({ store, key: KEY, env: NO_RATE_LIMITS });
  try {
    for (const b of batches.filter((x) => x.acked === null)) {
      const res = await post(server.url, b);
      expect(res.status).toBe(201);
      b.acked = ((await res.json()) as { events: Array<{ id: string; position: number }> }).events;
    }
    const stored = await readAll(server.url);

    // Positions: exactly 1..n.
    stored.forEach((e, i) => expect(e.position).toBe(i + 1));
    // Every acknowledged event present exactly once, where it was acknowledged.
    const byId = new Map(stored.map((e) => [e.id, e]));
    expect(byId.size).toBe(stored.length);
    const ackedEvents = batches.flatMap((b) => b.acked ?? []);
    for (const a of ackedEvents) expect(byId.get(a.id)?.position, `acknowledged ${a.id} missing`).toBe(a.position);
    // No idempotency key stored twice.
    expect(new Set(stored.map((e) => e.idempotencyKey)).size).toBe(stored.length);
    // No partial batch: each batch is stored whole.
    const counts = new Map<string, { size: number; n: number }>();
    for (const e of stored) {
      const c = counts.get(e.data.batch) ?? { size: e.data.size, n: 0 };
      c.n++;
      counts.set(e.data.batch, c);
    }
    for (const [batch, c] of counts) expect(c.n, `batch ${batch} is partial`).toBe(c.size);
    // Everything sent was eventually acknowledged (unknown outcomes were retried above).
    expect(stored.length).toBe(batches.reduce((n, b) => n + b.body.events.length, 0));
    expect(kills).toBe(ROUNDS);
    expect(ackedEvents.length).toBeGreaterThan(0);
    // The kills must land mid-request, or the test proves nothing about crashes.
    expect(interrupted).toBeGreaterThan(0);
    console.info(`crash test on ${store.split(':')[0]}: ${kills} kills, ${stored.length} events, ${batches.length} requests, ${interrupted} cut off by a kill`);
  } finally {
    await server.stop();
  }
}

describe('crash recovery', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vellum-crash-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`loses no acknowledged event and leaves no gap or partial batch on SQLite across ${ROUNDS} kill -9s`, async () => {
    await crashRounds(`sqlite:${path.join(tmp, 'crash.db')}`);
  }, 60_000 + ROUNDS * 15_000);

  describe.skipIf(!pgUrl)('on PostgreSQL', () => {
    let db: Awaited<ReturnType<typeof tempDatabase>> | undefined;
    afterAll(async () => db?.drop());

    it(`loses no acknowledged event and leaves no gap or partial batch on PostgreSQL across ${ROUNDS} kill -9s`, async () => {
      db = await tempDatabase(pgUrl!, 'crash');
      await crashRounds(db.url);
    }, 60_000 + ROUNDS * 15_000);
  });
});
