import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendResult } from '../event/types.ts';
import type { EventStore } from '../store/EventStore.ts';
import type { IntegrityStore } from '../store/IntegrityStore.ts';
import type { PruneRecord, RetentionStore } from '../store/RetentionStore.ts';
import { createPreparedFactory } from './makePrepared.ts';
import { appendCommitted } from './storeHarness.ts';

/** A fresh, empty store with its retention part, and how to dispose of it. */
export interface RetentionStoreHandle {
  store: EventStore & Pick<IntegrityStore, 'leafHashes'> & { retention: RetentionStore };
  close(): Promise<void>;
}

export type RetentionStoreFactory = () => Promise<RetentionStoreHandle>;

type Store = RetentionStoreHandle['store'];

/**
 * The contract every RetentionStore must meet, as a vitest suite: policies kept per tenant, and a prune that
 * removes exactly a prefix of one tenant's log (from every read), keeps positions and the head, records itself, and
 * moves only from the prune point it was given (compare-and-set), so two concurrent prunes never both land.
 */
export function testRetentionStore(name: string, factory: RetentionStoreFactory): void {
  describe(`RetentionStore contract: ${name}`, () => {
    let handle: RetentionStoreHandle | undefined;
    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle?.close();
      handle = undefined;
    });
    const store = (): Store => {
      if (handle === undefined) throw new Error('the store is only available inside a test');
      return handle.store;
    };
    const prepare = createPreparedFactory();

    /** `count` events in `tenant`, spread over three streams, each tagged and with a changed field. */
    const fill = async (tenant: string, count: number): Promise<AppendResult[]> => {
      const events = Array.from({ length: count }, (_, i) =>
        prepare({ tenant, stream: `s-${i % 3}`, tags: [`n:${i % 2}`], changes: [{ field: 'f', old: i, new: i + 1 }] }),
      );
      const results: AppendResult[] = [];
      for (let i = 0; i < events.length; i += 50) results.push(...(await appendCommitted(store(), tenant, events.slice(i, i + 50))));
      return results;
    };
    const record = (tenant: string, prunedThrough: number): Omit<PruneRecord, 'eventsRemoved'> => ({
      tenant,
      prunedThrough,
      frontier: ['ab'.repeat(32)],
      checkpointSize: prunedThrough + 8,
      checkpointNote: `origin/${tenant}\n${prunedThrough + 8}\nroot\n\n— origin sig\n`,
      archive: null,
      prunedAt: '2026-11-22T12:00:00.000Z',
    });
    const positionsOf = async (tenant: string): Promise<number[]> =>
      (await store().search(tenant, { order: 'asc', limit: 1000 })).events.map((e) => e.position);

    it('keeps one policy per tenant: set, read, replace, list, clear', async () => {
      const r = store().retention;
      expect(await r.getPolicy('acme')).toBeNull();
      await r.setPolicy('acme', { keepDays: 400, archive: true, updatedAt: '2026-11-22T10:00:00.000Z' });
      await r.setPolicy('globex', { keepDays: 30, archive: false, updatedAt: '2026-11-22T10:00:01.000Z' });
      expect(await r.getPolicy('acme')).toStrictEqual({ keepDays: 400, archive: true, updatedAt: '2026-11-22T10:00:00.000Z' });
      await r.setPolicy('acme', { keepDays: 7, archive: false, updatedAt: '2026-11-23T10:00:00.000Z' });
      expect(await r.getPolicy('acme')).toStrictEqual({ keepDays: 7, archive: false, updatedAt: '2026-11-23T10:00:00.000Z' });
      expect(await r.listPolicies()).toStrictEqual([
        { tenant: 'acme', keepDays: 7, archive: false, updatedAt: '2026-11-23T10:00:00.000Z' },
        { tenant: 'globex', keepDays: 30, archive: false, updatedAt: '2026-11-22T10:00:01.000Z' },
      ]);
      expect(await r.clearPolicy('acme')).toBe(true);
      expect(await r.clearPolicy('acme')).toBe(false);
      expect(await r.getPolicy('acme')).toBeNull();
      expect((await r.listPolicies()).map((p) => p.tenant)).toStrictEqual(['globex']);
    });

    it('has no prune record before the first prune', async () => {
      await fill('acme', 3);
      expect(await store().retention.lastPrune('acme')).toBeNull();
    });

    it('removes exactly positions 1..P of one tenant from every read, keeping positions, the head and other tenants', async () => {
      const results = await fill('acme', 40);
      const other = await fill('globex', 20);
      const kept = await store().retention.prune(0, record('acme', 32));
      expect(kept).toStrictEqual({ ...record('acme', 32), eventsRemoved: 32 });
      expect(await store().retention.lastPrune('acme')).toStrictEqual(kept);

      expect(await positionsOf('acme')).toStrictEqual(Array.from({ length: 8 }, (_, i) => 33 + i));
      expect(await positionsOf('globex')).toHaveLength(20);
      expect(await store().headPosition('acme')).toBe(40);
      expect(await store().getById('acme', results[0]!.id)).toBeNull();
      expect(await store().getById('acme', results[31]!.id)).toBeNull();
      expect((await store().getById('acme', results[32]!.id))?.position).toBe(33);
      expect(await store().getById('globex', other[0]!.id)).not.toBeNull();
      // Leaves of the retained part are exactly the retained events' hashes.
      expect(await store().leafHashes('acme', 33, 100)).toStrictEqual(results.slice(32).map((r) => r.hash));
      // Trails and filters (tags, changed fields) see only what remains.
      const trail = await store().readStream('acme', 's-0', { direction: 'forward', limit: 100 });
      expect(trail.events.every((e) => e.position > 32)).toBe(true);
      expect(trail.events.length).toBeGreaterThan(0);
      const tagged = await store().search('acme', { order: 'asc', limit: 100, tags: ['n:0'] });
      expect(tagged.events.map((e) => e.position)).toStrictEqual([33, 35, 37, 39]);
      const changed = await store().search('acme', { order: 'asc', limit: 100, field: 'f' });
      expect(changed.events).toHaveLength(8);
      const stats = await store().stats('acme', { groupBy: 'type' });
      expect(stats).toStrictEqual([{ key: 'user.login', count: 8 }]);

      // Appends go on from the head, not from what remains.
      const [next] = await appendCommitted(store(), 'acme', [prepare({ tenant: 'acme' })]);
      expect(next?.position).toBe(41);
    });

    it('keeps the version of a stream the prune emptied: appends go on from it, never from 1 again', async () => {
      // Versions 1-3 of "gone" fall inside the pruned prefix; a reader who saw version 3 must never see another one.
      const gone = await appendCommitted(store(), 'acme', ['a', 'b', 'c'].map((n) => prepare({ tenant: 'acme', stream: 'gone', data: { n } })));
      await appendCommitted(store(), 'acme', [prepare({ tenant: 'acme', stream: 'kept' })]);
      expect(gone.map((r) => r.streamVersion)).toStrictEqual([1, 2, 3]);
      await store().retention.prune(0, record('acme', 3));

      const emptied = await store().readStream('acme', 'gone', { direction: 'backward', limit: 10 });
      expect(emptied).toStrictEqual({ stream: 'gone', version: 3, events: [] });
      const stale = await store().append([{ tenant: 'acme', events: [prepare({ tenant: 'acme', stream: 'gone', expectedVersion: 0 })] }]);
      expect(stale[0]?.status).toBe('rejected');
      const [next] = await appendCommitted(store(), 'acme', [prepare({ tenant: 'acme', stream: 'gone', expectedVersion: 3 })]);
      expect(next?.streamVersion).toBe(4);
      const trail = await store().readStream('acme', 'gone', { direction: 'forward', limit: 10 });
      expect(trail.version).toBe(4);
      expect(trail.events.map((e) => e.streamVersion)).toStrictEqual([4]);
    });

    it('prunes further from the previous prune point and records each prune', async () => {
      await fill('acme', 70);
      expect((await store().retention.prune(0, record('acme', 16)))?.eventsRemoved).toBe(16);
      const second = await store().retention.prune(16, record('acme', 48));
      expect(second?.eventsRemoved).toBe(32);
      expect((await store().retention.lastPrune('acme'))?.prunedThrough).toBe(48);
      expect((await positionsOf('acme'))[0]).toBe(49);
    });

    it('changes nothing when the prune point moved meanwhile, or the new one is not beyond it', async () => {
      await fill('acme', 40);
      expect(await store().retention.prune(16, record('acme', 32))).toBeNull();
      expect(await positionsOf('acme')).toHaveLength(40);
      await store().retention.prune(0, record('acme', 16));
      expect(await store().retention.prune(0, record('acme', 32))).toBeNull();
      expect(await store().retention.prune(16, record('acme', 16))).toBeNull();
      expect((await positionsOf('acme'))[0]).toBe(17);
      expect((await store().retention.lastPrune('acme'))?.prunedThrough).toBe(16);
    });

    it('lets only one of two concurrent prunes from the same point land', async () => {
      await fill('acme', 60);
      const outcomes = await Promise.all([store().retention.prune(0, record('acme', 16)), store().retention.prune(0, record('acme', 48))]);
      expect(outcomes.filter((o) => o !== null)).toHaveLength(1);
      const winner = outcomes.find((o) => o !== null) as PruneRecord;
      expect((await positionsOf('acme'))[0]).toBe(winner.prunedThrough + 1);
    });
  });
}
