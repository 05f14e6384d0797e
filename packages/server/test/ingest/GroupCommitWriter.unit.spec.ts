import { describe, expect, it } from 'vitest';
import { InMemoryEventStore, VellumError } from '@vellum/core';
import { GroupCommitWriter } from '../../src/ingest/GroupCommitWriter.ts';
import { GatedEventStore, batchOf, until } from '../support/storeDoubles.ts';

const options = { maxQueuedEvents: 100, maxEventsPerCommit: 50, retryAfterSeconds: 2 };

describe('GroupCommitWriter', () => {
  it('commits a single batch and resolves with its results', async () => {
    const writer = new GroupCommitWriter({ ...options, store: new InMemoryEventStore() });
    const outcome = await writer.submit(batchOf('t1', [{}, {}]));
    expect(outcome.status).toBe('committed');
    if (outcome.status === 'committed') expect(outcome.results.map((r) => r.position)).toEqual([1, 2]);
  });

  it('shares one store.append among requests that arrive while a commit is in flight', async () => {
    const store = new GatedEventStore();
    const writer = new GroupCommitWriter({ ...options, store });
    const first = writer.submit(batchOf('t1'));
    await until(() => store.held === 1);
    const rest = Array.from({ length: 10 }, () => writer.submit(batchOf('t1')));
    expect(writer.queuedEvents).toBe(10);
    store.release(true);
    const outcomes = await Promise.all([first, ...rest]);
    expect(store.calls.map((c) => c.length)).toEqual([1, 10]);
    const positions = outcomes.flatMap((o) => (o.status === 'committed' ? o.results.map((r) => r.position) : []));
    expect(positions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('with maxCommitsInFlight 2, hands the store the next commit while one is written, never a third, and reports commits in order', async () => {
    const store = new GatedEventStore();
    const heads: number[] = [];
    const writer = new GroupCommitWriter({ ...options, maxCommitsInFlight: 2, store });
    writer.onCommitted((advances) => heads.push(...advances.map((a) => a.head)));
    const first = writer.submit(batchOf('t1'));
    await until(() => store.held === 1);
    const second = [writer.submit(batchOf('t1')), writer.submit(batchOf('t1'))];
    await until(() => store.held === 2);
    const third = writer.submit(batchOf('t1'));
    await new Promise((r) => setTimeout(r, 20));
    expect(store.held).toBe(2);
    expect(writer.inFlightEvents).toBe(3);
    expect(writer.queuedEvents).toBe(1);
    let closed = false;
    const closing = writer.close().then(() => (closed = true));
    store.release(true);
    await closing;
    expect(closed).toBe(true);
    const outcomes = await Promise.all([first, ...second, third]);
    expect(store.calls.map((c) => c.length)).toEqual([1, 2, 1]);
    expect(outcomes.flatMap((o) => (o.status === 'committed' ? o.results.map((r) => r.position) : []))).toEqual([1, 2, 3, 4]);
    expect(heads).toEqual([1, 3, 4]);
    expect(writer.inFlightEvents).toBe(0);
  });

  it('takes at most maxEventsPerCommit events per commit but never splits a batch', async () => {
    const store = new GatedEventStore();
    const writer = new GroupCommitWriter({ ...options, maxEventsPerCommit: 5, store });
    const first = writer.submit(batchOf('t1'));
    await until(() => store.held === 1);
    const sizes = [3, 3, 7, 1];
    const rest = sizes.map((size) => writer.submit(batchOf('t1', Array.from({ length: size }, () => ({})))));
    store.release(true);
    await Promise.all([first, ...rest]);
    // 3 then 3 would exceed 5; 7 alone exceeds 5 but goes whole.
    expect(store.calls.map((c) => c.map((b) => b.events.length))).toEqual([[1], [3], [3], [7], [1]]);
  });

  it('refuses with 503 OVERLOADED and a Retry-After when the queue is full, without queuing', async () => {
    const store = new GatedEventStore();
    const writer = new GroupCommitWriter({ ...options, maxQueuedEvents: 3, maxEventsPerCommit: 3, store });
    const inFlight = writer.submit(batchOf('t1'));
    await until(() => store.held === 1);
    const queued = [writer.submit(batchOf('t1', [{}, {}])), writer.submit(batchOf('t1'))];
    const refused = writer.submit(batchOf('t1'));
    await expect(refused).rejects.toMatchObject({ code: 'OVERLOADED', status: 503, retryAfter: 2 });
    expect(writer.queuedEvents).toBe(3);
    store.release(true);
    await Promise.all([inFlight, ...queued]);
    expect(writer.queuedEvents).toBe(0);
  });

  it('takes a request larger than the whole queue when the queue is empty', async () => {
    const writer = new GroupCommitWriter({ ...options, maxQueuedEvents: 2, maxEventsPerCommit: 2, store: new InMemoryEventStore() });
    const outcome = await writer.submit(batchOf('t1', [{}, {}, {}, {}]));
    expect(outcome.status).toBe('committed');
  });

  it('passes a rejected batch back without failing the others in its commit', async () => {
    const store = new GatedEventStore();
    const writer = new GroupCommitWriter({ ...options, store });
    const first = writer.submit(batchOf('t1', [{ stream: 's-1' }]));
    await until(() => store.held === 1);
    const conflicting = writer.submit(batchOf('t1', [{ stream: 's-1', expectedVersion: 0 }]));
    const fine = writer.submit(batchOf('t1', [{ stream: 's-2' }]));
    store.release(true);
    await first;
    const [bad, good] = await Promise.all([conflicting, fine]);
    expect(bad.status).toBe('rejected');
    if (bad.status === 'rejected') expect(bad.error.code).toBe('STREAM_VERSION_CONFLICT');
    expect(good.status).toBe('committed');
  });

  it('fails every request of a commit the store could not make with STORE_UNAVAILABLE, and keeps going', async () => {
    const store = new GatedEventStore();
    const failures: unknown[] = [];
    const writer = new GroupCommitWriter({ ...options, store, observer: { onCommitFailed: (e) => failures.push(e) } });
    const a = writer.submit(batchOf('t1'));
    await until(() => store.held === 1);
    store.failHeld(new Error('disk on fire'));
    await expect(a).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    expect(failures).toHaveLength(1);
    store.release(true);
    expect((await writer.submit(batchOf('t1'))).status).toBe('committed');
  });

  it('on close finishes everything queued, then refuses new batches with SHUTTING_DOWN', async () => {
    const store = new GatedEventStore();
    const writer = new GroupCommitWriter({ ...options, store });
    const pending = [writer.submit(batchOf('t1')), writer.submit(batchOf('t1'))];
    await until(() => store.held === 1);
    const closing = writer.close();
    await expect(writer.submit(batchOf('t1'))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(false);
    store.release(true);
    await closing;
    const outcomes = await Promise.all(pending);
    expect(outcomes.every((o) => o.status === 'committed')).toBe(true);
  });

  it('reports itself stuck only when work has waited longer than the threshold without a commit finishing', async () => {
    let now = 1_000;
    const store = new GatedEventStore();
    const writer = new GroupCommitWriter({ ...options, store, now: () => now });
    now += 60_000; // a long idle time is not being stuck
    expect(writer.isStuck(5_000)).toBe(false);
    const pending = writer.submit(batchOf('t1'));
    await until(() => store.held === 1);
    now += 4_000;
    expect(writer.isStuck(5_000)).toBe(false);
    now += 2_000;
    expect(writer.isStuck(5_000)).toBe(true);
    store.release(true);
    await pending;
    expect(writer.isStuck(5_000)).toBe(false);
  });

  it('reports commits and queue depth to its observer', async () => {
    const commits: Array<{ batches: number; events: number }> = [];
    const depths: number[] = [];
    const writer = new GroupCommitWriter({
      ...options,
      store: new InMemoryEventStore(),
      observer: { onCommit: ({ batches, events }) => commits.push({ batches, events }), onQueueDepth: (d) => depths.push(d) },
    });
    await Promise.all([writer.submit(batchOf('t1', [{}, {}])), writer.submit(batchOf('t1'))]);
    expect(commits).toEqual([{ batches: 2, events: 3 }]);
    expect(depths.at(-1)).toBe(0);
    expect(Math.max(...depths)).toBe(3);
  });

  it('refuses options that would make the queue meaningless', () => {
    expect(() => new GroupCommitWriter({ ...options, maxQueuedEvents: 0, store: new InMemoryEventStore() })).toThrow(/maxQueuedEvents/);
  });

  it('passes a VellumError thrown by the store through unchanged', async () => {
    const store = new GatedEventStore();
    const writer = new GroupCommitWriter({ ...options, store });
    const a = writer.submit(batchOf('t1'));
    await until(() => store.held === 1);
    store.failHeld(new VellumError('STORE_UNAVAILABLE', { message: 'pool exhausted', retryAfter: 3 }));
    await expect(a).rejects.toMatchObject({ message: 'pool exhausted', retryAfter: 3 });
  });
});
