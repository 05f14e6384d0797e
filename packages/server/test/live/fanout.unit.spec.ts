/**
 * The fan-out's guarantees under races, with a log in memory and sinks that stall at random: every consumer
 * gets exactly the matching events after its start, in order — across catch-up, the ring bridge, buffer
 * overflows and re-attaching — while the log keeps growing; a consumer that lags too far is closed with the
 * position up to which it got everything.
 */
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@vellum/core';
import { TenantTail } from '../../src/live/TenantTail.ts';
import { LiveConsumer, type LiveCloseReason } from '../../src/live/LiveConsumer.ts';

function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function world(seed: number) {
  const rnd = prng(seed);
  const log: StoredEvent[] = [];
  const append = (n: number) => {
    for (let i = 0; i < n; i += 1) {
      const position = log.length + 1;
      log.push({ position, type: rnd() < 0.3 ? 'a.hit' : 'b.miss', severity: 'info', actor: { type: 'user', id: '1' } } as unknown as StoredEvent);
    }
    return log.length;
  };
  const source = {
    // Like a database: the answer is the log as it was when the query began, delivered a little later.
    async readAfter(_t: string, after: number, limit: number) {
      const answer = log.slice(after, after + limit);
      await sleep(rnd() * 3);
      return answer;
    },
    async headPosition() {
      return log.length;
    },
  };
  const read = async (after: number, filter: { types?: string[] }, limit: number) => {
    const snapshot = log.length;
    await sleep(rnd() * 3);
    const matching = log.slice(after, snapshot).filter((e) => filter.types === undefined || filter.types.includes(e.type));
    return { events: matching.slice(0, limit), more: matching.length > limit };
  };
  return { rnd, log, append, source, read };
}

function sink(rnd: () => number, stallRate: number) {
  const got: number[] = [];
  let closed: { reason: LiveCloseReason; resumeFrom: number } | null = null;
  return {
    got,
    closed: () => closed,
    sink: {
      write(events: readonly StoredEvent[]) {
        for (const event of events) got.push(event.position);
        return rnd() >= stallRate;
      },
      onDrain(fn: () => void) {
        setTimeout(fn, rnd() * 4);
      },
      close(reason: LiveCloseReason, resumeFrom: number) {
        closed = { reason, resumeFrom };
      },
    },
  };
}

const noop = () => undefined;

describe('tail and consumers', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`delivers every matching event once, in order, to fast and stalling consumers alike, from handed-over and read events (seed ${seed})`, async () => {
      const w = world(seed);
      w.append(300);
      const tail = new TenantTail({ tenant: 't', source: w.source, start: w.log.length, ringSize: 50, onError: (e) => { throw e; } });
      const consumers = [0, 0.02, 0.3, 0.9].flatMap((stall, i) =>
        [undefined, ['a.hit']].map((types, j) => {
          const out = sink(w.rnd, stall);
          const start = (i * 37 + j * 11) % 300;
          const consumer = new LiveConsumer({
            tail, filter: types === undefined ? {} : { types }, start, sink: out.sink, read: w.read,
            bufferEvents: 8, maxLagEvents: 1_000_000, onModeChange: noop, onSent: noop, onLagClosed: noop, onError: (e) => { throw e; },
          });
          consumer.start();
          return { out, start, types, consumer };
        }),
      );
      for (let round = 0; round < 60; round += 1) {
        // Most commits are this node's and hand their events over; the rest (another node's) leave a gap to read.
        const before = w.log.length;
        const head = w.append(Math.floor(w.rnd() * 20));
        tail.advance(head, w.rnd() < 0.7 ? () => w.log.slice(before, head) : undefined);
        await sleep(w.rnd() * 4);
      }
      const head = w.log.length;
      tail.advance(head);
      for (const c of consumers) {
        const expected = w.log.filter((e) => e.position > c.start && (c.types === undefined || c.types.includes(e.type))).map((e) => e.position);
        const deadline = Date.now() + 10_000;
        while (c.out.got.length < expected.length && Date.now() < deadline) {
          tail.advance(head);
          await sleep(10);
        }
        expect(c.out.got).toEqual(expected);
        expect(c.out.closed()).toBeNull();
      }
      for (const c of consumers) c.consumer.stop();
      expect(tail.consumerCount).toBe(0);
    }, 30_000);
  }

  it('uses the events a local commit hands over instead of reading them back, and reads when they leave a gap', async () => {
    const w = world(21);
    let reads = 0;
    const source = { ...w.source, readAfter: (t: string, after: number, limit: number) => ((reads += 1), w.source.readAfter(t, after, limit)) };
    const tail = new TenantTail({ tenant: 't', source, start: 0, ringSize: 50, onError: (e) => { throw e; } });
    const got: number[] = [];
    tail.attach({ deliver: (events) => { for (const e of events) got.push(e.position); } }, 0);
    const commit = (n: number, handOver: boolean) => {
      const before = w.log.length;
      const head = w.append(n);
      tail.advance(head, handOver ? () => w.log.slice(before, head) : undefined);
    };
    commit(5, true);
    commit(3, true);
    await sleep(20);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(reads).toBe(0);
    commit(2, false); // another node's commit: 9 and 10 only in the store
    commit(4, true); // 11..14 handed over, but after a gap
    await sleep(20);
    expect(got).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    const readsAfterGap = reads;
    expect(readsAfterGap).toBeGreaterThanOrEqual(1);
    commit(1, true);
    commit(2, true);
    await sleep(20);
    expect(got).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(reads).toBe(readsAfterGap);
    tail.close();
  });

  it('closes a consumer that fell more than maxLagEvents behind, with the position it got everything up to', async () => {
    const w = world(9);
    const tail = new TenantTail({ tenant: 't', source: w.source, start: 0, ringSize: 50, onError: (e) => { throw e; } });
    const out = sink(w.rnd, 0);
    let stalled = false;
    const drains: Array<() => void> = [];
    const s = {
      ...out.sink,
      write(events: readonly StoredEvent[]) {
        for (const event of events) out.got.push(event.position);
        return !stalled;
      },
      onDrain(fn: () => void) {
        drains.push(fn);
      },
    };
    let lagClosed = 0;
    const consumer = new LiveConsumer({
      tail, filter: {}, start: 0, sink: s, read: w.read, bufferEvents: 10, maxLagEvents: 100,
      onModeChange: noop, onSent: noop, onLagClosed: () => (lagClosed += 1), onError: (e) => { throw e; },
    });
    consumer.start();
    await sleep(20);
    tail.advance(w.append(5));
    await sleep(20);
    expect(out.got).toEqual([1, 2, 3, 4, 5]);
    stalled = true;
    for (let i = 0; i < 10; i += 1) {
      tail.advance(w.append(30));
      await sleep(10);
    }
    stalled = false;
    for (const fn of drains.splice(0)) fn();
    await sleep(50);
    expect(lagClosed).toBe(1);
    const closed = out.closed();
    expect(closed?.reason).toBe('lagging');
    expect(out.got).toEqual(Array.from({ length: closed!.resumeFrom }, (_, i) => i + 1));
    expect(tail.consumerCount).toBe(0);
  });

  it('does not close a stream for lag during its first catch-up from far back (it reads at its own pace)', async () => {
    const w = world(11);
    w.append(500);
    const tail = new TenantTail({ tenant: 't', source: w.source, start: w.log.length, ringSize: 50, onError: (e) => { throw e; } });
    const out = sink(w.rnd, 0.5);
    let lagClosed = 0;
    const consumer = new LiveConsumer({
      tail, filter: {}, start: 0, sink: out.sink, read: w.read, bufferEvents: 10, maxLagEvents: 10,
      onModeChange: noop, onSent: noop, onLagClosed: () => (lagClosed += 1), onError: (e) => { throw e; },
    });
    consumer.start();
    const deadline = Date.now() + 10_000;
    while (out.got.length < 500 && Date.now() < deadline) await sleep(10);
    expect(lagClosed).toBe(0);
    expect(out.closed()).toBeNull();
    expect(out.got).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    await sleep(20);
    expect(consumer.attached).toBe(true);
    consumer.stop();
  });
});
