import { describe, expect, it } from 'vitest';
import { createPreparedFactory } from '../makePrepared.ts';
import type { PreparedOverrides } from '../makePrepared.ts';
import { appendCommitted, batchOf, expectCommitted, expectRejected, useFreshStore } from '../storeHarness.ts';
import type { StoreFactory } from '../storeHarness.ts';

export function describeIdempotencyContract(factory: StoreFactory): void {
  describe('event idempotency (idempotencyKey)', () => {
    const store = useFreshStore(factory);
    const prepare = createPreparedFactory();
    // A retry is prepared again (new id, new recording time) from the same client content.
    const keyed = (key: string, overrides: PreparedOverrides = {}) => prepare({ type: 'invoice.paid', idempotencyKey: key, ...overrides });
    const count = async (tenant = 'acme') => (await store().search(tenant, { limit: 1000, order: 'asc' })).events.length;

    it('answers a retry with the same key and content with the original result marked duplicate, storing nothing new', async () => {
      const [original] = await appendCommitted(store(), 'acme', [keyed('k-1')]);
      const retry = keyed('k-1');
      const [again] = await appendCommitted(store(), 'acme', [retry]);
      expect(again).toEqual({ ...original, duplicate: true });
      expect(await store().headPosition('acme')).toBe(1);
      expect(await store().getById('acme', retry.event.id)).toBeNull();
      expect(await count()).toBe(1);
    });

    it('does not advance positions for a duplicate among new events', async () => {
      const [original] = await appendCommitted(store(), 'acme', [keyed('k-1')]);
      const results = await appendCommitted(store(), 'acme', [prepare(), keyed('k-1'), prepare()]);
      expect(results.map((r) => r.position)).toEqual([2, 1, 3]);
      expect(results[1]).toEqual({ ...original, duplicate: true });
      expect(results[0]).not.toHaveProperty('duplicate');
      expect(await store().headPosition('acme')).toBe(3);
    });

    it('rejects the whole batch when a key comes back with different content', async () => {
      await appendCommitted(store(), 'acme', [keyed('k-1', { severity: 'info' })]);
      const fresh = prepare();
      const [outcome] = await store().append([batchOf('acme', [fresh, keyed('k-1', { severity: 'critical' })])]);
      expect(expectRejected(outcome, 'IDEMPOTENCY_KEY_REUSED').status).toBe(409);
      expect(await store().getById('acme', fresh.event.id)).toBeNull();
      expect(await store().headPosition('acme')).toBe(1);
    });

    it('treats a key repeated within one batch as a duplicate of its first occurrence', async () => {
      const results = await appendCommitted(store(), 'acme', [keyed('k-1'), prepare(), keyed('k-1')]);
      expect(results[2]).toEqual({ ...results[0], duplicate: true });
      expect(results[0]).not.toHaveProperty('duplicate');
      expect(await store().headPosition('acme')).toBe(2);
    });

    it('rejects a batch that repeats a key with different content', async () => {
      const [outcome] = await store().append([batchOf('acme', [keyed('k-1', { severity: 'low' }), keyed('k-1', { severity: 'high' })])]);
      expectRejected(outcome, 'IDEMPOTENCY_KEY_REUSED');
      expect(await store().headPosition('acme')).toBe(0);
    });

    it('treats a key repeated in a later batch of the same append call as a duplicate', async () => {
      const outcomes = await store().append([batchOf('acme', [keyed('k-1')]), batchOf('acme', [keyed('k-1')]), batchOf('acme', [keyed('k-1', { severity: 'high' })])]);
      const [first] = expectCommitted(outcomes[0]);
      expect(expectCommitted(outcomes[1])).toEqual([{ ...first, duplicate: true }]);
      expectRejected(outcomes[2], 'IDEMPOTENCY_KEY_REUSED');
      expect(await store().headPosition('acme')).toBe(1);
    });

    it("lets another tenant use the same key for its own event", async () => {
      const [a] = await appendCommitted(store(), 'acme', [keyed('k-1')]);
      const [b] = await appendCommitted(store(), 'globex', [keyed('k-1', { tenant: 'globex', severity: 'high' })]);
      expect(b).not.toHaveProperty('duplicate');
      expect(b?.id).not.toBe(a?.id);
      expect(b?.position).toBe(1);
    });

    it('does not consume the keys of a rejected batch', async () => {
      await appendCommitted(store(), 'acme', [prepare({ stream: 's' })]);
      const [rejected] = await store().append([batchOf('acme', [keyed('k-1'), prepare({ stream: 's', expectedVersion: 0 })])]);
      expectRejected(rejected, 'STREAM_VERSION_CONFLICT');
      const [result] = await appendCommitted(store(), 'acme', [keyed('k-1', { severity: 'critical' })]);
      expect(result).not.toHaveProperty('duplicate');
      expect(result?.position).toBe(2);
    });

    it('answers a retried event that carried expectedVersion as a duplicate, not a conflict', async () => {
      const [original] = await appendCommitted(store(), 'acme', [keyed('k-1', { stream: 's', expectedVersion: 0 })]);
      const [again] = await appendCommitted(store(), 'acme', [keyed('k-1', { stream: 's', expectedVersion: 0 })]);
      expect(again).toEqual({ ...original, duplicate: true });
    });

    it('keeps the idempotency key on the stored event', async () => {
      const p = keyed('k-1');
      await appendCommitted(store(), 'acme', [p]);
      expect((await store().getById('acme', p.event.id))?.idempotencyKey).toBe('k-1');
    });
  });

  describe('request idempotency (requestKey)', () => {
    const store = useFreshStore(factory);
    const prepare = createPreparedFactory();
    const request = (key: string, fingerprint: string) => ({ key, fingerprint });

    it('answers a retry with the same key and fingerprint with the original results, each marked duplicate', async () => {
      const original = await appendCommitted(store(), 'acme', [prepare(), prepare({ stream: 'x' })], request('r-1', 'f-1'));
      const again = await appendCommitted(store(), 'acme', [prepare(), prepare({ stream: 'x' })], request('r-1', 'f-1'));
      expect(again).toEqual(original.map((r) => ({ ...r, duplicate: true })));
      expect(await store().headPosition('acme')).toBe(2);
    });

    it('rejects a retry whose fingerprint differs with IDEMPOTENCY_KEY_REUSED and stores nothing', async () => {
      await appendCommitted(store(), 'acme', [prepare()], request('r-1', 'f-1'));
      const other = prepare();
      const [outcome] = await store().append([batchOf('acme', [other], request('r-1', 'f-2'))]);
      expectRejected(outcome, 'IDEMPOTENCY_KEY_REUSED');
      expect(await store().getById('acme', other.event.id)).toBeNull();
      expect(await store().headPosition('acme')).toBe(1);
    });

    it('does not consume the key of a rejected batch', async () => {
      await appendCommitted(store(), 'acme', [prepare({ stream: 's' })]);
      const [rejected] = await store().append([batchOf('acme', [prepare({ stream: 's', expectedVersion: 0 })], request('r-1', 'f-1'))]);
      expectRejected(rejected, 'STREAM_VERSION_CONFLICT');
      const [result] = await appendCommitted(store(), 'acme', [prepare({ stream: 's', expectedVersion: 1 })], request('r-1', 'f-2'));
      expect(result).not.toHaveProperty('duplicate');
      expect(result?.streamVersion).toBe(2);
    });

    it('treats the same key in a later batch of the same append call as a retry', async () => {
      const outcomes = await store().append([
        batchOf('acme', [prepare()], request('r-1', 'f-1')),
        batchOf('acme', [prepare()], request('r-1', 'f-1')),
        batchOf('acme', [prepare()], request('r-1', 'f-2')),
      ]);
      const first = expectCommitted(outcomes[0]);
      expect(expectCommitted(outcomes[1])).toEqual(first.map((r) => ({ ...r, duplicate: true })));
      expectRejected(outcomes[2], 'IDEMPOTENCY_KEY_REUSED');
      expect(await store().headPosition('acme')).toBe(1);
    });

    it('keeps request keys per tenant', async () => {
      await appendCommitted(store(), 'acme', [prepare()], request('r-1', 'f-1'));
      const [result] = await appendCommitted(store(), 'globex', [prepare({ tenant: 'globex' })], request('r-1', 'f-9'));
      expect(result).not.toHaveProperty('duplicate');
      expect(result?.position).toBe(1);
    });

    it('remembers a request whose events were all duplicates of earlier events', async () => {
      const [original] = await appendCommitted(store(), 'acme', [prepare({ idempotencyKey: 'k-1' })]);
      const first = await appendCommitted(store(), 'acme', [prepare({ idempotencyKey: 'k-1' })], request('r-1', 'f-1'));
      expect(first).toEqual([{ ...original, duplicate: true }]);
      const again = await appendCommitted(store(), 'acme', [prepare({ idempotencyKey: 'k-1' })], request('r-1', 'f-1'));
      expect(again).toEqual([{ ...original, duplicate: true }]);
    });
  });
}
