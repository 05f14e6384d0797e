import { describe, expect, it } from 'vitest';
import type { PreparedEvent } from '../../event/types.ts';
import { hashEvent, sealEvent } from '../../integrity/sealEvent.ts';
import { ALL_TENANTS } from '../../store/EventStore.ts';
import { createPreparedFactory } from '../makePrepared.ts';
import type { PreparedOverrides } from '../makePrepared.ts';
import { appendCommitted, batchOf, expectCommitted, useFreshStore } from '../storeHarness.ts';
import type { StoreFactory } from '../storeHarness.ts';

/** An event using every field, with content that trips up lossy storage (unicode, escapes, numbers, nesting). */
export function richEventOverrides(): PreparedOverrides {
  return {
    type: 'configuration.updated',
    action: 'update',
    severity: 'high',
    outcome: 'failure',
    actor: { type: 'user', id: '5', name: 'Ana Müller 😀', email: 'ana@example.com' },
    entity: { type: 'PolicyConfiguration', id: '123', name: 'Cancellation "policy" \\ v2' },
    stream: 'PolicyConfiguration:123',
    source: 'ui',
    changes: [
      { field: 'hours_before', old: 24, new: 48 },
      { field: 'fee_percentage', old: null, new: 2.5 },
      { field: 'notes', new: 'line 1\nline 2\ttabbed \u0001 \u2028 end' },
      { field: 'rules', old: { a: [1, 2, { b: null }] }, new: {} },
    ],
    context: { ip: '192.168.1.100', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', route: 'admin.policies.update', requestId: 'r-1', tenantPlan: 'gold' },
    data: {
      company_id: 123,
      big: 1e21,
      small: 1e-7,
      fraction: 0.1,
      negative: -1.5,
      large: 123456789012345,
      flags: [true, false, null],
      nested: { deeper: { deepest: ['x', { y: 'z' }] }, empty: [] },
      'key.with.dots': 'ok',
      'ключ': 'значение',
      '': 'empty key',
      api_key: '••••••••cdef',
    },
    tags: ['company:123', 'config:hours_before', 'ünïcödé'],
    correlationId: 'c-1',
    causationId: 'e-0',
    occurredAt: '2026-11-22T09:59:59.999Z',
    idempotencyKey: 'policy-123-v8',
    masked: ['/data/api_key'],
  };
}

export function describeAppendContract(factory: StoreFactory): void {
  describe('append', () => {
    const store = useFreshStore(factory);
    const prepare = createPreparedFactory();

    it('assigns a tenant gapless positions 1..n in commit order across the batches of one call', async () => {
      const outcomes = await store().append([
        batchOf('acme', [prepare(), prepare()]),
        batchOf('acme', [prepare()]),
        batchOf('acme', [prepare(), prepare(), prepare()]),
      ]);
      expect(outcomes.map((o) => expectCommitted(o).map((r) => r.position))).toEqual([[1, 2], [3], [4, 5, 6]]);
      const next = await appendCommitted(store(), 'acme', [prepare()]);
      expect(next.map((r) => r.position)).toEqual([7]);
    });

    it('counts positions separately for each tenant', async () => {
      const outcomes = await store().append([
        batchOf('acme', [prepare({ tenant: 'acme' })]),
        batchOf('globex', [prepare({ tenant: 'globex' }), prepare({ tenant: 'globex' })]),
        batchOf('acme', [prepare({ tenant: 'acme' })]),
      ]);
      expect(outcomes.map((o) => expectCommitted(o).map((r) => r.position))).toEqual([[1], [1, 2], [2]]);
      expect(await store().headPosition('acme')).toBe(2);
      expect(await store().headPosition('globex')).toBe(2);
    });

    it('numbers each stream 1..n per tenant and stream, whatever the interleaving', async () => {
      const a = { entity: { type: 'Invoice', id: '1' } };
      const b = { entity: { type: 'Invoice', id: '2' } };
      const results = await appendCommitted(store(), 'acme', [prepare(a), prepare(b), prepare(a), prepare(a), prepare(b)]);
      expect(results.map((r) => [r.stream, r.streamVersion])).toEqual([
        ['Invoice:1', 1], ['Invoice:2', 1], ['Invoice:1', 2], ['Invoice:1', 3], ['Invoice:2', 2],
      ]);
      const other = await appendCommitted(store(), 'globex', [prepare({ ...a, tenant: 'globex' })]);
      expect(other.map((r) => r.streamVersion)).toEqual([1]);
      const later = await appendCommitted(store(), 'acme', [prepare(b)]);
      expect(later.map((r) => r.streamVersion)).toEqual([3]);
    });

    it('reports one result per event, in the batch order, with its id, position, stream, version and hash', async () => {
      const events = [prepare({ entity: { type: 'Invoice', id: '9' } }), prepare({ stream: 'custom' }), prepare()];
      const results = await appendCommitted(store(), 'acme', events);
      expect(results).toEqual(
        events.map((p, i) => {
          const sealed = sealEvent(p.event, i + 1, 1);
          return { id: p.event.id, position: i + 1, stream: p.event.stream, streamVersion: 1, hash: sealed.hash };
        }),
      );
      for (const result of results) expect(result).not.toHaveProperty('duplicate');
    });

    it('stores each event exactly as sealEvent seals it, and getById returns it unchanged', async () => {
      const prepared: PreparedEvent[] = [prepare(richEventOverrides()), prepare()];
      const results = await appendCommitted(store(), 'acme', prepared);
      for (const [i, p] of prepared.entries()) {
        const result = results[i];
        if (result === undefined) return expect.fail('missing result');
        const stored = await store().getById('acme', p.event.id);
        expect(stored).toStrictEqual(sealEvent(p.event, result.position, result.streamVersion));
      }
    });

    it('stores a hash that anyone can recompute from the event as returned', async () => {
      const [result] = await appendCommitted(store(), 'acme', [prepare(richEventOverrides())]);
      const stored = await store().getById('acme', result?.id ?? '');
      if (stored === null) return expect.fail('the event was not found');
      expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.hash).toBe(result?.hash);
      expect(hashEvent(stored)).toBe(stored.hash);
    });

    it('returns the same stored form from getById, readStream and search', async () => {
      const p = prepare(richEventOverrides());
      await appendCommitted(store(), 'acme', [p]);
      const byId = await store().getById('acme', p.event.id);
      const stream = await store().readStream('acme', p.event.stream, { direction: 'forward', limit: 10 });
      const search = await store().search('acme', { limit: 10, order: 'desc' });
      expect(stream.events).toStrictEqual([byId]);
      expect(search.events).toStrictEqual([byId]);
    });

    it('keeps what it stored whatever the caller later does to the appended or returned objects', async () => {
      const p = prepare(richEventOverrides());
      const [result] = await appendCommitted(store(), 'acme', [p]);
      const expected = structuredClone(sealEvent(p.event, result?.position ?? 0, result?.streamVersion ?? 0));
      p.event.actor.name = 'changed';
      (p.event.changes ?? [])[0]!.new = 'changed';
      const first = await store().getById('acme', p.event.id);
      if (first === null) return expect.fail('the event was not found');
      first.type = 'changed';
      first.actor.id = 'changed';
      expect(await store().getById('acme', p.event.id)).toStrictEqual(expected);
    });

    it('commits a batch without events as an empty result and stores nothing', async () => {
      const outcomes = await store().append([batchOf('acme', [])]);
      expect(expectCommitted(outcomes[0])).toEqual([]);
      expect(await store().headPosition('acme')).toBe(0);
    });

    it('answers an append of no batches with no outcomes', async () => {
      expect(await store().append([])).toEqual([]);
    });

    it('reports head position 0 for a tenant without events and the newest position otherwise', async () => {
      expect(await store().headPosition('acme')).toBe(0);
      await appendCommitted(store(), 'acme', [prepare(), prepare(), prepare()]);
      expect(await store().headPosition('acme')).toBe(3);
      expect(await store().headPosition('globex')).toBe(0);
    });

    it('returns null from getById for an id it does not hold', async () => {
      await appendCommitted(store(), 'acme', [prepare()]);
      expect(await store().getById('acme', '0190f5a0-0000-7000-8000-00000000dead')).toBeNull();
      expect(await store().getById(ALL_TENANTS, '0190f5a0-0000-7000-8000-00000000dead')).toBeNull();
    });

    it("returns null from getById for another tenant's event, which the admin scope still finds", async () => {
      const p = prepare({ tenant: 'globex' });
      await appendCommitted(store(), 'globex', [p]);
      expect(await store().getById('acme', p.event.id)).toBeNull();
      expect((await store().getById('globex', p.event.id))?.id).toBe(p.event.id);
      expect((await store().getById(ALL_TENANTS, p.event.id))?.tenant).toBe('globex');
    });

    it('answers ping while open', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });
  });
}
