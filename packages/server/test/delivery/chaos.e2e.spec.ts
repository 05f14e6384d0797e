/**
 * Delivery chaos test (issue 4): the real server (`vellum serve`) on SQLite and on PostgreSQL, a webhook receiver
 * that fails about half its requests with 500s and lets some hang past the request timeout, a subscription with
 * a short retry schedule, VELLUM_CHAOS_EVENTS events (default 10,000), and the server `kill -9`ed
 * VELLUM_CHAOS_KILLS times (default 3) while delivering, restarted on the same store each time. Afterwards:
 * every event was delivered (answered 2xx) at least once, first deliveries came in position order, a webhook-id
 * always names the same range and a range always travels under the same webhook-id, and once the receiver answers
 * 410 the subscription is disabled and nothing more arrives.
 *
 * A killed node's leases lapse after ~30 s before the restarted node (a new node id) takes its subscriptions, so
 * each kill costs up to that long: about two minutes per store with the defaults.
 */
import { afterAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { service } from '../support/services.ts';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { tempDatabase } from '../support/tempDatabase.ts';
import { spawnServer, type RunningServer } from '../support/spawnServer.ts';

const EVENTS = Number(process.env.VELLUM_CHAOS_EVENTS ?? 10_000);
const KILLS = Number(process.env.VELLUM_CHAOS_KILLS ?? 3);
const KEY = generateApiKey();
const pgUrl = await service('postgres');
const ENV = {
  VELLUM_RATE_LIMIT_PER_SECOND: '0',
  VELLUM_TENANT_RATE_LIMIT_PER_SECOND: '0',
  VELLUM_WEBHOOK_ALLOW: '127.0.0.1',
  VELLUM_DELIVERY_TIMEOUT_SECONDS: '1',
  VELLUM_DELIVERY_BATCH_SIZE: '100',
  // A receiver failing half the time opens the breaker now and then (5 failures in a row); a short cool-down keeps
  // it in play without minute-long pauses.
  VELLUM_DELIVERY_BREAKER_COOLDOWN_SECONDS: '1',
};
/** Enough short retries that a batch failing ~50% of the time never runs out (0.5^31). */
const RETRY_SCHEDULE = ['20ms', '50ms', ...Array.from({ length: 28 }, () => '150ms')];

interface Request {
  seq: number;
  id: string;
  fromPosition: number;
  toPosition: number;
  positions: number[];
  /** What the receiver answered (0: it hung until the sender gave up). */
  status: number;
}

type Mode = 'chaos' | 'gone';

/** The webhook receiver: records every request, answers per mode (seeded, so a failing run can be replayed). */
async function startReceiver(seed: number) {
  const requests: Request[] = [];
  let mode: Mode = 'chaos';
  let state = seed;
  const random = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { fromPosition: number; toPosition: number; events: Array<{ position: number }> } };
      const r = random();
      const status = mode === 'gone' ? 410 : r < 0.45 ? 500 : r < 0.5 ? 0 : 200;
      requests.push({
        seq: requests.length,
        id: String(req.headers['webhook-id']),
        fromPosition: body.data.fromPosition,
        toPosition: body.data.toPosition,
        positions: body.data.events.map((e) => e.position),
        status,
      });
      if (status === 0) {
        // Hangs past the sender's 1 s timeout, then drops the connection.
        hanging.add(res);
        setTimeout(() => {
          hanging.delete(res);
          res.destroy();
        }, 2_500).unref();
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    setMode: (m: Mode) => {
      mode = m;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function api(server: RunningServer, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

async function ingest(server: RunningServer, count: number, label: string): Promise<void> {
  for (let done = 0; done < count; ) {
    const n = Math.min(500, count - done);
    const events = Array.from({ length: n }, (_, i) => ({
      type: 'chaos.tick',
      actor: { type: 'worker', id: 'chaos' },
      entity: { type: 'Counter', id: `c${(done + i) % 17}` },
      data: { label, n: done + i },
    }));
    const res = await api(server, 'POST', '/v1/events', { events });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    done += n;
  }
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function chaos(store: string, seed: number): Promise<void> {
  const receiver = await startReceiver(seed);
  const start = () => spawnServer({ store, key: KEY, env: ENV });
  let server = await start();
  try {
    const created = await api(server, 'POST', '/v1/subscriptions', {
      name: 'chaos',
      filter: { types: ['chaos.tick'] },
      target: { kind: 'webhook', url: receiver.url, retrySchedule: RETRY_SCHEDULE },
      startFrom: 'beginning',
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.subscription.id as string;

    await ingest(server, EVENTS, 'main');
    const delivered = new Set<number>();
    const tally = () => {
      delivered.clear();
      for (const r of receiver.requests) if (r.status === 200) for (const p of r.positions) delivered.add(p);
      return delivered.size;
    };

    // Kill -9 while delivering, each time after some more requests arrived, then start again on the same store.
    for (let k = 0; k < KILLS; k += 1) {
      const seen = receiver.requests.length;
      await until('the server delivers again', () => receiver.requests.length >= seen + 5 || tally() >= EVENTS, 120_000);
      if (tally() >= EVENTS) break;
      await sleep(200 + Math.floor(Math.random() * 800));
      await server.kill();
      server = await start();
    }
    await until(`all ${EVENTS} events delivered (${tally()} so far)`, () => tally() >= EVENTS, 240_000);
    const requestsBefore = receiver.requests.length;

    // Every event at least once.
    for (let p = 1; p <= EVENTS; p += 1) if (!delivered.has(p)) throw new Error(`position ${p} was never delivered`);
    // Batches are contiguous ranges (the filter matches every event) and carry exactly their range.
    for (const r of receiver.requests) {
      expect(r.positions).toEqual(Array.from({ length: r.toPosition - r.fromPosition + 1 }, (_, i) => r.fromPosition + i));
    }
    // First deliveries in position order.
    const firstSeen: number[] = [];
    const seenPositions = new Set<number>();
    for (const r of receiver.requests) {
      for (const p of r.positions) {
        if (!seenPositions.has(p)) {
          seenPositions.add(p);
          firstSeen.push(p);
        }
      }
    }
    expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
    // Same range ↔ same webhook-id.
    const rangeOfId = new Map<string, string>();
    const idOfRange = new Map<string, string>();
    for (const r of receiver.requests) {
      const range = `${r.fromPosition}-${r.toPosition}`;
      expect(rangeOfId.get(r.id) ?? range, `webhook-id ${r.id}`).toBe(range);
      expect(idOfRange.get(range) ?? r.id, `range ${range}`).toBe(r.id);
      rangeOfId.set(r.id, range);
      idOfRange.set(range, r.id);
    }
    const retried = receiver.requests.length - idOfRange.size;
    expect(retried).toBeGreaterThan(0);

    // 410: the subscription is disabled and nothing is delivered after it.
    receiver.setMode('gone');
    await ingest(server, 20, 'after');
    await until('the subscription is disabled', async () => (await api(server, 'GET', `/v1/subscriptions/${id}`)).json.status === 'disabled', 60_000);
    const goneAt = receiver.requests.findIndex((r) => r.status === 410);
    expect(goneAt).toBeGreaterThanOrEqual(requestsBefore);
    const view = await api(server, 'GET', `/v1/subscriptions/${id}`);
    expect(view.json.statusReason).toContain('410');
    await ingest(server, 20, 'later');
    await server.kill();
    server = await start();
    await ingest(server, 5, 'restarted');
    await sleep(3_000);
    expect(receiver.requests.length).toBe(goneAt + 1);
    console.info(
      `delivery chaos on ${store.split(':')[0]}: ${EVENTS} events, ${KILLS} kills, ${requestsBefore} requests for ${idOfRange.size} batches ` +
        `(${receiver.requests.filter((r) => r.status === 500).length} answered 500, ${receiver.requests.filter((r) => r.status === 0).length} hung)`,
    );
  } catch (err) {
    const last = receiver.requests.slice(-5).map((r) => `${r.fromPosition}-${r.toPosition} ${r.status}`);
    console.error(`delivery chaos failed on ${store.split(':')[0]}; last requests: ${last.join(', ')}; server output:\n${server.output().slice(-4000)}`);
    throw err;
  } finally {
    await server.kill();
    await receiver.close();
  }
}

describe('delivery chaos', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vellum-chaos-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`delivers ${EVENTS} events at least once, in order, one id per batch, across ${KILLS} kill -9s on SQLite`, async () => {
    await chaos(`sqlite:${path.join(tmp, 'chaos.db')}`, 4242);
  }, 600_000);

  describe.skipIf(!pgUrl)('on PostgreSQL', () => {
    let db: Awaited<ReturnType<typeof tempDatabase>> | null = null;
    afterAll(async () => {
      await db?.drop();
    });

    it(`delivers ${EVENTS} events at least once, in order, one id per batch, across ${KILLS} kill -9s on PostgreSQL`, async () => {
      db = await tempDatabase(pgUrl as string, 'chaos');
      await chaos(db.url, 777);
    }, 600_000);
  });
});
