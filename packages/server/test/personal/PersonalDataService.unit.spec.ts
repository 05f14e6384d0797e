import { describe, expect, it } from 'vitest';
import { ERASED, isSealedValue, prepareEvent, type AppendBatch, type StoredEvent } from '@vellum/core';
import { PersonalDataService } from '../../src/personal/PersonalDataService.ts';
import { InMemoryPersonalDataStore } from '../../src/store/InMemoryPersonalDataStore.ts';

const FIELDS = ['actor.name', 'context.ip'];

function batch(tenant: string, actors: Array<{ id: string; name?: string }>): AppendBatch {
  return {
    tenant,
    events: actors.map((a, i) => prepareEvent({ type: 'user.login', actor: { type: 'user', ...a }, context: { ip: '192.0.2.1' } }, [], {
      tenant, id: `e${i}`, recordedAt: '2026-11-26T00:00:00.000Z',
    })),
  };
}

const stored = (b: AppendBatch): StoredEvent[] =>
  b.events.map((p, i) => ({ ...p.event, position: i + 1, streamVersion: 1, hash: 'x' }) as StoredEvent);

/** Counts the store's key reads and creations, to check batching. */
class CountingStore extends InMemoryPersonalDataStore {
  reads = 0;
  creates = 0;
  override subjectKeys(tenant: string, subjects: readonly string[]) {
    this.reads++;
    return super.subjectKeys(tenant, subjects);
  }
  override subjectKeysOrCreate(tenant: string, candidates: ReadonlyMap<string, Uint8Array>) {
    this.creates += candidates.size;
    this.creations++;
    return super.subjectKeysOrCreate(tenant, candidates);
  }
  creations = 0;
}

describe('PersonalDataService', () => {
  it('reads keys once per request for all its subjects, and creates each missing key once', async () => {
    const store = new CountingStore();
    const service = new PersonalDataService(store, { enabled: true, fields: FIELDS });
    const b = batch('acme', [{ id: '1', name: 'A' }, { id: '2', name: 'B' }, { id: '1', name: 'A2' }, { id: '3' }]);
    await service.sealBatch(b);
    expect(store.reads).toBe(1);
    expect(store.creates).toBe(3); // user:3 has context.ip
    expect(store.creations).toBe(1);
    expect(b.events.every((p) => isSealedValue(p.event.context!['ip']))).toBe(true);
    const opened = await service.open(stored(b));
    expect(opened.map((e) => e.actor['name'])).toEqual(['A', 'B', 'A2', undefined]);
  });

  it('concurrent requests share one key read and one creation, and a subject in two of them gets one key', async () => {
    const store = new CountingStore();
    const service = new PersonalDataService(store, { enabled: true, fields: FIELDS });
    const batches = [
      batch('acme', [{ id: '1', name: 'A' }]),
      batch('acme', [{ id: '2', name: 'B' }]),
      batch('acme', [{ id: '1', name: 'A again' }, { id: '3', name: 'C' }]),
    ];
    await Promise.all(batches.map((b) => service.sealBatch(b)));
    expect(store.reads).toBe(1);
    expect(store.creations).toBe(1);
    expect(store.creates).toBe(3);
    const opened = await service.open(batches.flatMap(stored));
    expect(opened.map((e) => e.actor['name'])).toEqual(['A', 'B', 'A again', 'C']);
    // Another tenant's request in the same turn is a lookup of its own.
    const other = new CountingStore();
    const two = new PersonalDataService(other, { enabled: true, fields: FIELDS });
    await Promise.all([two.sealBatch(batch('acme', [{ id: '1', name: 'A' }])), two.sealBatch(batch('globex', [{ id: '1', name: 'A' }]))]);
    expect(other.reads).toBe(2);
    expect(other.creations).toBe(2);
  });

  it('leaves events alone when disabled or without personal fields', async () => {
    const service = new PersonalDataService(new CountingStore(), { enabled: false, fields: FIELDS });
    const b = batch('acme', [{ id: '1', name: 'A' }]);
    await service.sealBatch(b);
    expect(b.events[0]!.event.actor['name']).toBe('A');
  });

  it('a forget on another node takes effect here once the cache entry expires (well under a second)', async () => {
    let now = 0;
    const store = new InMemoryPersonalDataStore();
    const nodeA = new PersonalDataService(store, { enabled: true, fields: FIELDS, now: () => now });
    const nodeB = new PersonalDataService(store, { enabled: true, fields: FIELDS, now: () => now });
    const b = batch('acme', [{ id: '1', name: 'Ana' }]);
    await nodeA.sealBatch(b);
    const events = stored(b);
    expect((await nodeA.open(events))[0]!.actor['name']).toBe('Ana');
    expect(await nodeB.forget('acme', 'user:1', '2026-11-26T00:00:00.000Z')).toMatchObject({ forgotten: true });
    expect((await nodeB.open(events))[0]!.actor['name']).toBe(ERASED);
    now += 999;
    expect((await nodeA.open(events))[0]!.actor['name']).toBe(ERASED);
  });

  it('answers null for a subject the tenant holds no personal data of, and keeps tenants apart', async () => {
    const service = new PersonalDataService(new InMemoryPersonalDataStore(), { enabled: true, fields: FIELDS });
    await service.sealBatch(batch('acme', [{ id: '1', name: 'Ana' }]));
    expect(await service.forget('globex', 'user:1', '2026-11-26T00:00:00.000Z')).toBeNull();
    expect(await service.forget('acme', 'user:2', '2026-11-26T00:00:00.000Z')).toBeNull();
  });
});
