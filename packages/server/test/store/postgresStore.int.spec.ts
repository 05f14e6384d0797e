import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VellumError } from '@vellum/core';
import type { ApiKeyRecord, AppendOutcome, AppendResult } from '@vellum/core';
import { service } from '../support/services.ts';
import pgDriver from 'pg';
import { dropStoreSchema, openPostgresStore, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import { withSessionSettings } from '../../src/store/postgres/sessionSettings.ts';
import { openTestStore, prepared, sql } from './postgresTestSupport.ts';

const pg = await service('postgres');

const committed = (o: AppendOutcome | undefined): AppendResult[] => {
  if (o?.status !== 'committed') throw new Error(`expected a commit, got ${o?.status === 'rejected' ? o.error.code : 'nothing'}`);
  return o.results;
};
const rejected = (o: AppendOutcome | undefined): VellumError => {
  if (o?.status !== 'rejected') throw new Error('expected a rejection');
  return o.error;
};

describe.skipIf(!pg)('PostgreSQL store', () => {
  const url = pg as string;
  let store: PostgresEventStore;
  beforeAll(async () => { store = await openTestStore(url, 'store'); });
  afterAll(async () => {
    await store?.close();
    if (store) await dropStoreSchema(url, store.schema);
  });

  it('returns exactly the sealed event from getById, readStream and search', async () => {
    const e = prepared({
      tenant: 'roundtrip', type: 'configuration.updated', entity: { type: 'Policy', id: '123', name: 'Cancellation' },
      changes: [{ field: 'hours_before', old: 24, new: 48 }], data: { nested: { b: 1, a: [1, 'two', null] }, nul: 'a\u0000b' },
      tags: ['company:123', 'quote"and\\slash'], context: { ip: '192.168.1.100' },
    });
    const [result] = committed((await store.append([{ tenant: 'roundtrip', events: [e] }]))[0]);
    const stored = await store.getById('roundtrip', result!.id);
    expect(stored).toEqual({ ...e.event, position: 1, streamVersion: 1, hash: result!.hash });
    expect(Object.keys(stored!)).toEqual(Object.keys({ ...e.event, position: 0, streamVersion: 0, hash: '' }));
    expect((await store.readStream('roundtrip', 'Policy:123', { direction: 'forward', limit: 10 })).events).toEqual([stored]);
    const byTag = await store.search('roundtrip', { tags: ['quote"and\\slash'], field: 'hours_before', limit: 10, order: 'desc' });
    expect(byTag.events).toEqual([stored]);
    expect(await store.getById('someone-else', result!.id)).toBeNull();
    expect(await store.getById('*', result!.id)).toEqual(stored);
  });

  it('stores and finds values PostgreSQL text cannot hold (NUL), beside emoji', async () => {
    const tenant = 'odd-text';
    const e = prepared({ tenant, actor: { type: 'user', id: 'a\u0000b' }, tags: ['🦉', 'x\u0000'], changes: [{ field: 'f\u0000' }], idempotencyKey: 'k\u0000' });
    const [r] = committed((await store.append([{ tenant, events: [e] }]))[0]);
    const stored = await store.getById(tenant, r!.id);
    expect(stored?.actor.id).toBe('a\u0000b');
    expect((await store.readStream(tenant, 'user:a\u0000b', { direction: 'backward', limit: 5 })).events).toEqual([stored]);
    expect(committed((await store.append([{ tenant, events: [e] }]))[0])).toEqual([{ ...r, duplicate: true }]);
    for (const filter of [{ actorId: 'a\u0000b' }, { tags: ['🦉', 'x\u0000'] }, { field: 'f\u0000' }]) {
      expect((await store.search(tenant, { ...filter, limit: 10, order: 'desc' })).events, JSON.stringify(filter)).toEqual([stored]);
    }
  });

  it('rejects a conflicting batch without touching the other batches of the call, leaving positions gapless', async () => {
    const tenant = 'conflicts';
    const outcomes = await store.append([
      { tenant, events: [prepared({ tenant, stream: 'A', expectedVersion: 0 }), prepared({ tenant, stream: 'A' })] },
      { tenant, events: [prepared({ tenant, stream: 'B' }), prepared({ tenant, stream: 'A', expectedVersion: 1 })] },
      { tenant, events: [prepared({ tenant, stream: 'A', expectedVersion: 2 })] },
    ]);
    expect(committed(outcomes[0]).map((r) => [r.position, r.streamVersion])).toEqual([[1, 1], [2, 2]]);
    const error = rejected(outcomes[1]);
    expect(error.code).toBe('STREAM_VERSION_CONFLICT');
    expect(error.meta).toEqual({ stream: 'A', expectedVersion: 1, actualVersion: 2 });
    expect(committed(outcomes[2]).map((r) => [r.position, r.streamVersion])).toEqual([[3, 3]]);
    expect(await store.headPosition(tenant)).toBe(3);
    expect((await store.readStream(tenant, 'B', { direction: 'forward', limit: 10 })).version).toBe(0);
  });

  it('answers a retried idempotency key with the original result and refuses the key with another body', async () => {
    const tenant = 'idem';
    const first = prepared({ tenant, idempotencyKey: 'k-1', data: { v: 1 } });
    const [original] = committed((await store.append([{ tenant, events: [first] }]))[0]);
    const retry = { ...first, event: { ...first.event, id: 'another-id' } };
    const outcomes = await store.append([
      { tenant, events: [retry, prepared({ tenant })] },
      { tenant, events: [prepared({ tenant, idempotencyKey: 'k-1', data: { v: 2 } })] },
    ]);
    expect(committed(outcomes[0])).toEqual([{ ...original, duplicate: true }, expect.objectContaining({ position: 2 })]);
    expect(rejected(outcomes[1]).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await store.headPosition(tenant)).toBe(2);
  });

  it('replays a whole request from its request key, and refuses the key with another body', async () => {
    const tenant = 'requests';
    const requestKey = { key: 'req-1', fingerprint: 'f-1' };
    const results = committed((await store.append([{ tenant, events: [prepared({ tenant }), prepared({ tenant })], requestKey }]))[0]);
    const [replay, reused] = await store.append([
      { tenant, events: [prepared({ tenant }), prepared({ tenant })], requestKey },
      { tenant, events: [prepared({ tenant })], requestKey: { key: 'req-1', fingerprint: 'f-2' } },
    ]);
    expect(committed(replay)).toEqual(results.map((r) => ({ ...r, duplicate: true })));
    expect(rejected(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await store.headPosition(tenant)).toBe(2);
  });

  it('writes a large group commit in chunks, answering retries inside it with the hash of the original', async () => {
    const tenant = 'chunks';
    const first = prepared({ tenant, idempotencyKey: 'early' });
    const batches = Array.from({ length: 6 }, (_, b) => ({
      tenant,
      events: Array.from({ length: 100 }, (_, i) => (b === 0 && i === 0 ? first : prepared({ tenant, stream: `S${i % 7}` }))),
      ...(b === 2 ? { requestKey: { key: 'big', fingerprint: 'f' } } : {}),
    }));
    batches[5]!.events[99] = { ...first, event: { ...first.event, id: 'retry-id' } };
    batches.push({ tenant, events: batches[2]!.events, requestKey: { key: 'big', fingerprint: 'f' } });
    const outcomes = await store.append(batches);
    const results = outcomes.slice(0, 6).flatMap(committed);
    const fresh = results.filter((r) => r.duplicate !== true);
    expect(fresh.map((r) => r.position)).toEqual(fresh.map((_, i) => i + 1));
    expect(results[599]).toEqual({ ...results[0], duplicate: true });
    expect(committed(outcomes[6])).toEqual(committed(outcomes[2]).map((r) => ({ ...r, duplicate: true })));
    const stored = await store.search(tenant, { limit: 1000, order: 'asc' });
    expect(stored.events.map((e) => [e.id, e.position, e.hash])).toEqual(fresh.map((r) => [r.id, r.position, r.hash]));
    const replay = committed((await store.append([{ tenant, events: [], requestKey: { key: 'big', fingerprint: 'f' } }]))[0]);
    expect(replay).toEqual(committed(outcomes[6]));
  });

  it('refuses UPDATE, DELETE and TRUNCATE of events in the database itself', async () => {
    await store.append([{ tenant: 'immutable', events: [prepared({ tenant: 'immutable' })] }]);
    const events = `"${store.schema}".events`;
    await expect(sql(url, `UPDATE ${events} SET type = 'x' WHERE tenant = 'immutable'`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql(url, `DELETE FROM ${events} WHERE tenant = 'immutable'`)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql(url, `TRUNCATE ${events}`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await store.headPosition('immutable')).toBe(1);
  });

  it('keeps each tenant in its own position sequence and stats in UTC buckets', async () => {
    const at = (h: number) => `2026-11-22T${String(h).padStart(2, '0')}:30:00.000Z`;
    await store.append([
      { tenant: 'stats-a', events: [prepared({ tenant: 'stats-a', occurredAt: at(1) }), prepared({ tenant: 'stats-a', occurredAt: at(1), severity: 'high' }), prepared({ tenant: 'stats-a', occurredAt: at(2) })] },
      { tenant: 'stats-b', events: [prepared({ tenant: 'stats-b', occurredAt: at(1) })] },
    ]);
    expect(await store.headPosition('stats-a')).toBe(3);
    expect(await store.headPosition('stats-b')).toBe(1);
    expect(await store.stats('stats-a', { groupBy: 'severity', interval: 'hour' })).toEqual([
      { key: 'high', bucket: '2026-11-22T01:00:00.000Z', count: 1 },
      { key: 'info', bucket: '2026-11-22T01:00:00.000Z', count: 1 },
      { key: 'info', bucket: '2026-11-22T02:00:00.000Z', count: 1 },
    ]);
    expect(await store.stats('stats-a', { groupBy: 'actor', minSeverity: 'high' })).toEqual([{ key: 'user:1', count: 1 }]);
  });

  it('stores API keys and finds them by hash', async () => {
    const record: ApiKeyRecord = {
      id: 'key-1', tenant: 'acme', name: 'ci', prefix: 'vk_3fA9', hash: 'ab'.repeat(32), scopes: ['events:read', 'events:write'],
      createdAt: '2026-11-22T10:00:00.000Z', expiresAt: null, revokedAt: null, rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
    };
    const before = await store.countKeys();
    await store.createKey(record);
    expect(await store.findKeyByHash(record.hash)).toEqual(record);
    expect(await store.findKeyByHash('cd'.repeat(32))).toBeNull();
    expect(await store.countKeys()).toBe(before + 1);
  });

  it('starts every connection with synchronous_commit=on and UTC, even when the URL asks for something else', async () => {
    const client = new pgDriver.Client(withSessionSettings(`${url}?options=${encodeURIComponent('-c synchronous_commit=off -c TimeZone=Europe/Lisbon -c work_mem=8MB')}`));
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, string>>(`SELECT current_setting('synchronous_commit') AS sc, current_setting('TimeZone') AS tz, current_setting('work_mem') AS wm`);
      expect(rows[0]).toEqual({ sc: 'on', tz: 'UTC', wm: '8MB' });
    } finally {
      await client.end();
    }
  });

  it('answers ping when the database is up', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('PostgreSQL store without a database', () => {
  const badUrl = 'postgres://postgres@127.0.0.1:1/test';

  it('fails ping with STORE_UNAVAILABLE when the server is unreachable', async () => {
    const store = await openPostgresStore({ url: badUrl, migrate: false, connectTimeoutMs: 2000 });
    try {
      const error = await store.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VellumError);
      expect((error as VellumError).code).toBe('STORE_UNAVAILABLE');
      expect((error as VellumError).message).toMatch(/PostgreSQL.*ECONNREFUSED/);
      const append = await store.append([{ tenant: 'acme', events: [prepared()] }]).catch((e: unknown) => e);
      expect((append as VellumError).code).toBe('STORE_UNAVAILABLE');
    } finally {
      await store.close();
    }
  });

  it('refuses to open with STORE_UNAVAILABLE when it cannot migrate', async () => {
    const error = await openPostgresStore({ url: badUrl, connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as VellumError).code).toBe('STORE_UNAVAILABLE');
  });
});
