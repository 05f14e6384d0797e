/**
 * client.live() against a real `vellum serve` (SQLite store): matching events arrive as they commit, in order;
 * the iterator survives the server being stopped (graceful: `event: closed`) and killed (-9: the connection just
 * breaks) and resumes with no gap and no duplicate; break and abort close the connection (the server's
 * vellum_live_connections falls back); a bad key or a bad filter ends the iteration with the request error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, VellumRequestError } from '../src/index.ts';
import type { StoredEvent, VellumClient } from '../src/index.ts';
import { startVellum } from './support/vellumServer.ts';
import type { TestVellum } from './support/vellumServer.ts';

let vellum: TestVellum;
let client: VellumClient;
const actor = { type: 'user', id: '5' };

const waitFor = async (check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** Open SSE streams on the server now, from its own metric. */
async function openStreams(): Promise<number> {
  const text = await (await fetch(`${vellum.url}/metrics`)).text();
  const m = /^vellum_live_connections\{transport="sse"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Records one event and returns its position: the point to resume after, so a test sees only its own events. */
async function mark(): Promise<number> {
  const receipt = await client.record({ type: 'live.marker', actor });
  return receipt.result!.position;
}

/** Iterates in the background into `seen`, so a test can act while the loop runs. */
function collect(iterable: AsyncIterable<StoredEvent>, stopAt: number): { seen: StoredEvent[]; done: Promise<unknown> } {
  const seen: StoredEvent[] = [];
  const done = (async () => {
    for await (const event of iterable) {
      seen.push(event);
      if (seen.length >= stopAt) break;
    }
  })();
  // A failure is asserted where the test awaits `done`; never an unhandled rejection meanwhile.
  done.catch(() => undefined);
  return { seen, done };
}

beforeAll(async () => {
  vellum = await startVellum();
  client = createClient({ url: vellum.url, apiKey: vellum.key, retry: { baseMs: 50, maxMs: 500, maxAttempts: 50 } });
}, 120_000);
afterAll(async () => {
  await client?.close({ timeoutMs: 200 }).catch(() => undefined);
  await vellum?.dispose();
});

describe('client.live()', () => {
  it('yields the matching events as they commit, in position order, and nothing else', { timeout: 60_000 }, async () => {
    const from = await mark();
    const { seen, done } = collect(client.live({ type: 'live.kept.*', minSeverity: 'medium' }, { from }), 30);
    const expected: number[] = [];
    for (let i = 0; i < 30; i++) {
      const kept = await client.record({ type: `live.kept.${i % 3}`, severity: 'high', actor, data: { i } });
      expected.push(kept.result!.position);
      await client.record({ type: 'live.dropped', severity: 'high', actor, data: { i } });
      await client.record({ type: 'live.kept.0', severity: 'low', actor, data: { i } });
    }
    await done;
    expect(seen.map((e) => e.position)).toEqual(expected);
    expect(seen.map((e) => e.data?.['i'])).toEqual([...Array(30).keys()]);
    expect(seen.every((e) => e.type.startsWith('live.kept.') && e.severity === 'high')).toBe(true);
  });

  it('without from, starts at the head: only events committed after it opened', { timeout: 60_000 }, async () => {
    await client.record({ type: 'live.head', actor, data: { before: true } });
    const before = await openStreams();
    const { seen, done } = collect(client.live({ type: 'live.head' }), 3);
    await waitFor(async () => (await openStreams()) > before, 20_000, 'the stream opening');
    for (let i = 0; i < 3; i++) await client.record({ type: 'live.head', actor, data: { i } });
    await done;
    expect(seen.map((e) => e.data?.['i'])).toEqual([0, 1, 2]);
  });

  it('resumes across a graceful restart and a kill -9 of the server with no gap and no duplicate', { timeout: 180_000 }, async () => {
    const from = await mark();
    const total = 90;
    const { seen, done } = collect(client.live({ type: 'live.restart' }, { from }), total);
    const positions: number[] = [];
    const write = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        positions.push((await client.record({ type: 'live.restart', actor, data: { n: positions.length } })).result!.position);
      }
    };

    await write(30);
    await waitFor(() => seen.length === 30, 20_000, 'the first 30 events');
    // Graceful: the server ends the stream with `event: closed` (shutting-down) before it exits.
    await vellum.stop();
    await vellum.start();
    // Written while the iterator is still backing off: it must catch up on them from the store.
    await write(30);
    await waitFor(() => seen.length === 60, 30_000, 'the events after a graceful restart');

    // kill -9 mid-stream: no closing frame, the connection just breaks.
    const midway = write(30);
    await waitFor(() => seen.length > 60, 20_000, 'events after the restart');
    await midway;
    await vellum.server.kill();
    await vellum.start();
    await waitFor(() => seen.length >= total, 60_000, `all ${total} events (seen ${seen.length})`);
    await done;

    expect(positions).toHaveLength(total);
    expect(seen.map((e) => e.position)).toEqual(positions);
    expect(seen.map((e) => e.data?.['n'])).toEqual([...Array(total).keys()]);
  });

  it('resumes after a kill -9 in the middle of a burst (some events possibly not yet received), then takes the new ones', { timeout: 180_000 }, async () => {
    const from = await mark();
    const { seen, done } = collect(client.live({ type: 'live.kill' }, { from }), 40);
    const positions: number[] = [];
    for (let i = 0; i < 20; i++) positions.push((await client.record({ type: 'live.kill', actor, data: { i } })).result!.position);
    await waitFor(() => seen.length >= 5, 20_000, 'the first events');
    // Some of the 20 may not have reached the iterator yet: they come from the store after the restart.
    await vellum.server.kill();
    await vellum.start();
    for (let i = 20; i < 40; i++) positions.push((await client.record({ type: 'live.kill', actor, data: { i } })).result!.position);
    await waitFor(() => seen.length >= 40, 60_000, 'all 40 events');
    await done;
    expect(seen.map((e) => e.position)).toEqual(positions);
  });

  it('closes its connection when the loop breaks or the signal aborts; a second iterator still works', { timeout: 60_000 }, async () => {
    await waitFor(async () => (await openStreams()) === 0, 20_000, 'no stream open');
    const from = await mark();
    // break
    const first = collect(client.live({ type: 'live.break' }, { from }), 2);
    for (let i = 0; i < 2; i++) await client.record({ type: 'live.break', actor, data: { i } });
    await first.done;
    await waitFor(async () => (await openStreams()) === 0, 10_000, 'the stream closing after break');

    // abort: the loop ends without an error, the connection closes
    const controller = new AbortController();
    const second = collect(client.live({ type: 'live.break' }, { from, signal: controller.signal }), 1000);
    await waitFor(() => second.seen.length === 2, 10_000, 'the second iterator catching up');
    expect(await openStreams()).toBe(1);
    controller.abort();
    await expect(second.done).resolves.toBeUndefined();
    await waitFor(async () => (await openStreams()) === 0, 10_000, 'the stream closing after abort');
    expect(second.seen.map((e) => e.data?.['i'])).toEqual([0, 1]);

    // An already aborted signal: nothing is opened.
    const none: StoredEvent[] = [];
    for await (const event of client.live({}, { signal: AbortSignal.abort() })) none.push(event);
    expect(none).toEqual([]);
  });

  it('ends with a 401 VellumRequestError on a bad key, at once, without a retry loop', { timeout: 30_000 }, async () => {
    const bad = createClient({ url: vellum.url, apiKey: 'vlm_live_not-a-real-key-000000000000000000', retry: { baseMs: 50, maxMs: 100 } });
    const started = Date.now();
    const error = await (async () => {
      try {
        for await (const _ of bad.live({ type: 'live.kept.*' })) { /* nothing can come */ }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(VellumRequestError);
    expect((error as VellumRequestError).status).toBe(401);
    expect(String((error as Error).message)).not.toContain('vlm_live_not-a-real-key');
    expect(Date.now() - started).toBeLessThan(5_000);
    await bad.close({ timeoutMs: 100 });
  });

  it('ends with a 400 listing every bad filter', { timeout: 30_000 }, async () => {
    const error = await (async () => {
      try {
        for await (const _ of client.live({ minSeverity: 'urgent' as never, outcome: 'maybe' as never })) { /* nothing */ }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(VellumRequestError);
    const e = error as VellumRequestError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details.map((d) => d.path).sort()).toEqual(['/query/minSeverity', '/query/outcome']);
  });

  it('refuses a position from past the head with a 400 instead of retrying', { timeout: 30_000 }, async () => {
    const head = await mark();
    await expect(collect(client.live({}, { from: head + 1000 }), 1).done).rejects.toMatchObject({ status: 400 });
  });
});
