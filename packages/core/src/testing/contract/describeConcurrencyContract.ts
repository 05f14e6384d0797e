import { describe, expect, it } from 'vitest';
import { createPreparedFactory } from '../makePrepared.ts';
import { appendCommitted, batchOf, expectCommitted, expectRejected, useFreshStore } from '../storeHarness.ts';
import type { StoreFactory } from '../storeHarness.ts';

export function describeConcurrencyContract(factory: StoreFactory): void {
  describe('optimistic concurrency (expectedVersion)', () => {
    const store = useFreshStore(factory);
    const prepare = createPreparedFactory();
    const invoice = (expectedVersion?: number, tenant = 'acme') =>
      prepare(expectedVersion === undefined ? { tenant, entity: { type: 'Invoice', id: '1' } } : { tenant, entity: { type: 'Invoice', id: '1' }, expectedVersion });

    it('appends when expectedVersion equals the stream version', async () => {
      await appendCommitted(store(), 'acme', [invoice(), invoice()]);
      const [result] = await appendCommitted(store(), 'acme', [invoice(2)]);
      expect(result?.streamVersion).toBe(3);
    });

    it('appends to a new stream with expectedVersion 0', async () => {
      const [result] = await appendCommitted(store(), 'acme', [invoice(0)]);
      expect(result?.streamVersion).toBe(1);
    });

    it('rejects expectedVersion 0 on a stream that exists, naming the stream and both versions', async () => {
      await appendCommitted(store(), 'acme', [invoice()]);
      const [outcome] = await store().append([batchOf('acme', [invoice(0)])]);
      const error = expectRejected(outcome, 'STREAM_VERSION_CONFLICT');
      expect(error.status).toBe(409);
      expect(error.meta).toMatchObject({ stream: 'Invoice:1', expectedVersion: 0, actualVersion: 1 });
    });

    it('rejects an expectedVersion behind or ahead of the stream', async () => {
      await appendCommitted(store(), 'acme', [invoice(), invoice(), invoice()]);
      const [behind, ahead] = await store().append([batchOf('acme', [invoice(2)]), batchOf('acme', [invoice(4)])]);
      expect(expectRejected(behind, 'STREAM_VERSION_CONFLICT').meta).toMatchObject({ stream: 'Invoice:1', expectedVersion: 2, actualVersion: 3 });
      expect(expectRejected(ahead, 'STREAM_VERSION_CONFLICT').meta).toMatchObject({ stream: 'Invoice:1', expectedVersion: 4, actualVersion: 3 });
    });

    it('rejects a batch whose third event has a wrong expectedVersion and stores nothing of it', async () => {
      await appendCommitted(store(), 'acme', [invoice()]);
      const batch = [prepare({ stream: 'other' }), invoice(1), invoice(7), prepare({ stream: 'other' })];
      const [outcome] = await store().append([batchOf('acme', batch)]);
      expect(expectRejected(outcome, 'STREAM_VERSION_CONFLICT').meta).toMatchObject({ stream: 'Invoice:1', expectedVersion: 7, actualVersion: 2 });
      for (const p of batch) expect(await store().getById('acme', p.event.id)).toBeNull();
      expect(await store().headPosition('acme')).toBe(1);
      expect((await store().readStream('acme', 'Invoice:1', { direction: 'forward', limit: 10 })).version).toBe(1);
      expect((await store().readStream('acme', 'other', { direction: 'forward', limit: 10 })).version).toBe(0);
      expect((await store().search('acme', { limit: 100, order: 'asc' })).events).toHaveLength(1);
    });

    it('keeps positions gapless after a rejected batch', async () => {
      await appendCommitted(store(), 'acme', [invoice()]);
      await store().append([batchOf('acme', [prepare(), prepare(), invoice(0)])]);
      const results = await appendCommitted(store(), 'acme', [prepare(), prepare()]);
      expect(results.map((r) => r.position)).toEqual([2, 3]);
    });

    it('still commits the other batches of the same append call, positions following on', async () => {
      await appendCommitted(store(), 'acme', [invoice()]);
      const outcomes = await store().append([
        batchOf('acme', [prepare(), prepare()]),
        batchOf('acme', [prepare(), invoice(5)]),
        batchOf('acme', [prepare()]),
        batchOf('globex', [prepare({ tenant: 'globex' })]),
      ]);
      expect(expectCommitted(outcomes[0]).map((r) => r.position)).toEqual([2, 3]);
      expectRejected(outcomes[1], 'STREAM_VERSION_CONFLICT');
      expect(expectCommitted(outcomes[2]).map((r) => r.position)).toEqual([4]);
      expect(expectCommitted(outcomes[3]).map((r) => r.position)).toEqual([1]);
      expect(await store().headPosition('acme')).toBe(4);
    });

    it('checks each event of a batch against the version the batch has reached so far', async () => {
      const results = await appendCommitted(store(), 'acme', [invoice(0), invoice(1), invoice(2)]);
      expect(results.map((r) => r.streamVersion)).toEqual([1, 2, 3]);
      const [outcome] = await store().append([batchOf('acme', [invoice(3), invoice(3)])]);
      expect(expectRejected(outcome, 'STREAM_VERSION_CONFLICT').meta).toMatchObject({ stream: 'Invoice:1', expectedVersion: 3, actualVersion: 4 });
      expect((await store().readStream('acme', 'Invoice:1', { direction: 'forward', limit: 10 })).version).toBe(3);
    });

    it('sees versions committed by an earlier batch of the same append call', async () => {
      const outcomes = await store().append([batchOf('acme', [invoice(0)]), batchOf('acme', [invoice(1)]), batchOf('acme', [invoice(1)])]);
      expect(expectCommitted(outcomes[0])[0]?.streamVersion).toBe(1);
      expect(expectCommitted(outcomes[1])[0]?.streamVersion).toBe(2);
      expect(expectRejected(outcomes[2], 'STREAM_VERSION_CONFLICT').meta).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    });

    it("ignores another tenant's stream of the same name", async () => {
      await appendCommitted(store(), 'acme', [invoice(), invoice()]);
      const [result] = await appendCommitted(store(), 'globex', [invoice(0, 'globex')]);
      expect(result?.streamVersion).toBe(1);
    });
  });
}
