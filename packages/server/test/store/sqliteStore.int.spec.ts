import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_TENANTS, VellumError } from '@vellum/core';
import type { ApiKeyRecord, AppendBatch, StoredEvent } from '@vellum/core';
import { appendCommitted, createPreparedFactory, expectCommitted, expectRejected, searchAllPages } from '@vellum/core/testing';
import { openSqliteStore, MIGRATIONS, type SqliteEventStore } from '../../src/store/sqlite/index.ts';
import { tempDir } from './sqliteTestSupport.ts';

const key = (overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: 'key-1',
  tenant: 'acme',
  name: 'ci',
  prefix: 'vk_abc',
  hash: 'a'.repeat(64),
  scopes: ['events:write', 'events:read'],
  createdAt: '2026-11-22T10:00:00.000Z',
  expiresAt: null,
  revokedAt: null,
  rateLimit: null,
  rotatedFrom: null,
  lastUsedAt: null,
  requestCount: 0,
  ...overrides,
});

describe('SQLite store on a file', () => {
  const prepare = createPreparedFactory();
  let dir: { dir: string; remove(): void };
  let file: string;
  const open: SqliteEventStore[] = [];
  const openStore = (options: { readonly?: boolean; writerThread?: boolean } = {}): SqliteEventStore => {
    const store = openSqliteStore({ path: file, ...options });
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir.dir, 'data', 'nested', 'vellum.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    dir.remove();
  });

  it('creates the directories above the database file', async () => {
    const store = openStore();
    await appendCommitted(store, 'acme', [prepare()]);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('keeps every event, stream and key across close and reopen', async () => {
    const first = openStore();
    const written: StoredEvent[] = [];
    for (let i = 0; i < 5; i++) {
      const events = [prepare({ entity: { type: 'Invoice', id: '1' }, tags: [`t:${i}`] }), prepare({ tenant: 'globex' })];
      await first.append([{ tenant: 'acme', events: [events[0]!] }, { tenant: 'globex', events: [events[1]!] }]);
    }
    await first.createKey(key());
    written.push(...await searchAllPages(first, ALL_TENANTS, { order: 'asc', limit: 3 }));
    await first.close();

    const again = openStore();
    expect(again.migrationsApplied.applied).toEqual([]);
    expect(await searchAllPages(again, ALL_TENANTS, { order: 'asc', limit: 3 })).toEqual(written);
    expect(await again.headPosition('acme')).toBe(5);
    expect(await again.headPosition('globex')).toBe(5);
    const trail = await again.readStream('acme', 'Invoice:1', { direction: 'backward', limit: 2 });
    expect(trail.version).toBe(5);
    expect(trail.events.map((e) => e.streamVersion)).toEqual([5, 4]);
    expect((await again.search('acme', { tags: ['t:3'], limit: 10, order: 'desc' })).events.map((e) => e.position)).toEqual([4]);
    expect(await again.findKeyByHash('a'.repeat(64))).toEqual(key());
    expect(await again.countKeys()).toBe(1);
    // Positions carry on where the log left off.
    const [next] = await appendCommitted(again, 'acme', [prepare()]);
    expect(next?.position).toBe(6);
  });

  it('refuses UPDATE and DELETE of events, their tags and their changed fields in the database itself', async () => {
    const store = openStore();
    await appendCommitted(store, 'acme', [prepare({ tags: ['x'], changes: [{ field: 'fee', old: 1, new: 2 }] })]);
    const raw = new Database(file);
    try {
      for (const sql of [
        "UPDATE events SET body = '{}'",
        'DELETE FROM events',
        "UPDATE event_tags SET tag = 'y'",
        'DELETE FROM event_tags',
        "UPDATE event_fields SET field = 'y'",
        'DELETE FROM event_fields',
      ]) {
        expect(() => raw.exec(sql), sql).toThrow(/append-only/);
      }
    } finally {
      raw.close();
    }
    expect((await store.search('acme', { limit: 10, order: 'asc' })).events).toHaveLength(1);
  });

  it('applies its migrations once, records each with its version, and applies nothing the second time', async () => {
    const first = openStore();
    const versions = MIGRATIONS.map((m) => m.version);
    expect(first.migrationsApplied).toEqual({ applied: versions, current: Math.max(...versions) });
    expect(first.migrate()).toEqual({ applied: [], current: Math.max(...versions) });
    await first.close();

    const second = openStore();
    expect(second.migrationsApplied).toEqual({ applied: [], current: Math.max(...versions) });
    const raw = new Database(file, { readonly: true });
    try {
      const rows = raw.prepare('SELECT version, name, applied_at AS appliedAt FROM schema_migrations ORDER BY version').all() as
        { version: number; name: string; appliedAt: string }[];
      expect(rows.map((r) => r.version)).toEqual(versions);
      for (const row of rows) expect(Number.isNaN(Date.parse(row.appliedAt))).toBe(false);
    } finally {
      raw.close();
    }
  });

  it('opens readonly without migrating, answers reads and refuses appends and new keys', async () => {
    const writer = openStore();
    const [result] = await appendCommitted(writer, 'acme', [prepare()]);
    const reader = openStore({ readonly: true });
    expect(reader.migrationsApplied.applied).toEqual([]);
    expect((await reader.getById('acme', result!.id))?.position).toBe(1);
    await expect(reader.append([{ tenant: 'acme', events: [prepare()] }])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(reader.createKey(key())).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('refuses to open readonly a file that does not exist', () => {
    expect(() => openSqliteStore({ path: file, readonly: true })).toThrow();
  });

  it('serializes concurrent append calls from one process: gapless positions, one version per event', async () => {
    const store = openStore();
    const calls = Array.from({ length: 40 }, (_, i): AppendBatch[] => [
      { tenant: 'acme', events: [prepare({ stream: 'shared' }), prepare({ stream: `own-${i}` })] },
      { tenant: 'acme', events: [prepare({ stream: 'shared' })] },
    ]);
    const outcomes = (await Promise.all(calls.map((batches) => store.append(batches)))).flat();
    const results = outcomes.flatMap((o) => expectCommitted(o));
    expect(results.map((r) => r.position).sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const shared = results.filter((r) => r.stream === 'shared').map((r) => r.streamVersion).sort((a, b) => a - b);
    expect(shared).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    // Call order is commit order: each call's positions follow the previous call's.
    const firstPositions = outcomes.filter((_, i) => i % 2 === 0).map((o) => expectCommitted(o)[0]!.position);
    expect(firstPositions).toEqual([...firstPositions].sort((a, b) => a - b));
  });

  it('lets only one of two concurrent appends with the same expectedVersion commit', async () => {
    const store = openStore();
    await appendCommitted(store, 'acme', [prepare({ stream: 'order-1' })]);
    const [a, b] = await Promise.all([
      store.append([{ tenant: 'acme', events: [prepare({ stream: 'order-1', expectedVersion: 1 })] }]),
      store.append([{ tenant: 'acme', events: [prepare({ stream: 'order-1', expectedVersion: 1 })] }]),
    ]);
    expect(expectCommitted(a?.[0])[0]?.streamVersion).toBe(2);
    expect(expectRejected(b?.[0], 'STREAM_VERSION_CONFLICT').meta).toEqual({ stream: 'order-1', expectedVersion: 1, actualVersion: 2 });
  });

  it('never hands out a position twice when two stores (two processes) append to one file', async () => {
    const one = openStore();
    const two = openStore({ writerThread: false });
    const appends = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? one : two).append([{ tenant: 'acme', events: [prepare(), prepare()] }]));
    const positions = (await Promise.all(appends)).flatMap((o) => expectCommitted(o[0])).map((r) => r.position);
    expect(positions.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('appends the same way on the calling thread as on the writer thread', async () => {
    const inline = openStore({ writerThread: false });
    const events = [prepare({ entity: { type: 'Invoice', id: '9' } }), prepare({ entity: { type: 'Invoice', id: '9' }, expectedVersion: 1 })];
    const results = await appendCommitted(inline, 'acme', events);
    expect(results.map((r) => [r.position, r.streamVersion])).toEqual([[1, 1], [2, 2]]);
    const [conflict] = await inline.append([{ tenant: 'acme', events: [prepare({ entity: { type: 'Invoice', id: '9' }, expectedVersion: 0 })] }]);
    expect(expectRejected(conflict, 'STREAM_VERSION_CONFLICT').meta).toEqual({ stream: 'Invoice:9', expectedVersion: 0, actualVersion: 2 });
  });

  it.runIf(process.platform === 'linux')('names its writer thread, so top -H and ps -L tell it from the main thread', async () => {
    const store = openStore();
    await appendCommitted(store, 'acme', [prepare({})]);
    const names = (pid: string) => fs.readdirSync(`/proc/${pid}/task`).map((tid) => [tid, fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()] as const);
    const threads = names(String(process.pid));
    expect(threads.filter(([, name]) => name === 'vellum-writer').length).toBeGreaterThan(0);
    expect(threads.find(([tid]) => tid === String(process.pid))?.[1]).not.toBe('vellum-writer');
  });

  it('lets appends already made finish before close, then refuses every call', async () => {
    const store = openStore();
    const pending = store.append([{ tenant: 'acme', events: [prepare(), prepare()] }]);
    await store.close();
    expectCommitted((await pending)[0]);
    await expect(store.ping()).rejects.toBeInstanceOf(VellumError);
    await expect(store.append([{ tenant: 'acme', events: [prepare()] }])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.search('acme', { limit: 1, order: 'desc' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const reopened = openStore();
    expect(await reopened.headPosition('acme')).toBe(2);
  });

  it("finds an entity's events in its own stream and in others, even where a colon makes two entities share a stream name", async () => {
    const store = openStore();
    const events = [
      prepare({ entity: { type: 'a:b', id: 'c' } }), // stream a:b:c, entity (a:b, c)
      prepare({ entity: { type: 'a', id: 'b:c' } }), // stream a:b:c too, entity (a, b:c)
      prepare({ entity: { type: 'a', id: 'b:c' }, stream: 'saga-1' }),
      prepare({ entity: { type: 'a:b', id: 'c' }, stream: 'saga-1' }),
      prepare({ entity: { type: 'a', id: 'b:c' } }),
    ];
    await appendCommitted(store, 'acme', events);
    const positionsOf = async (entityType: string, entityId: string, order: 'asc' | 'desc') =>
      (await searchAllPages(store, 'acme', { entityType, entityId, order, limit: 2 })).map((e) => e.position);
    expect(await positionsOf('a', 'b:c', 'desc')).toEqual([5, 3, 2]);
    expect(await positionsOf('a', 'b:c', 'asc')).toEqual([2, 3, 5]);
    expect(await positionsOf('a:b', 'c', 'desc')).toEqual([4, 1]);
    expect(await store.stats('acme', { groupBy: 'type', entityType: 'a', entityId: 'b:c' })).toEqual([{ key: 'user.login', count: 3 }]);
  });

  it('refuses only the batch whose event cannot be sealed or names another tenant; the rest of the commit lands', async () => {
    const store = openStore();
    const unsealable = prepare();
    unsealable.event.data = { text: 'broken \ud800 surrogate' };
    const [bad, good, foreign] = await store.append([
      { tenant: 'acme', events: [prepare(), unsealable] },
      { tenant: 'acme', events: [prepare()] },
      { tenant: 'acme', events: [prepare({ tenant: 'globex' })] },
    ]);
    expect(expectRejected(bad, 'VALIDATION_FAILED').details[0]?.path).toBe('/events/1');
    expect(expectCommitted(good)[0]?.position).toBe(1);
    expectRejected(foreign, 'INTERNAL');
    expect(await store.headPosition('acme')).toBe(1);
    expect(await store.headPosition('globex')).toBe(0);
  });

  it('refuses a second key with the same hash', async () => {
    const store = openStore();
    await store.createKey(key());
    await expect(store.createKey(key({ id: 'key-2' }))).rejects.toThrow();
    expect(await store.countKeys()).toBe(1);
  });
});

describe('SQLite store in memory', () => {
  it('works for tests without a file', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    try {
      const prepare = createPreparedFactory();
      const [result] = await appendCommitted(store, 'acme', [prepare()]);
      expect(await store.getById('acme', result!.id)).toMatchObject({ position: 1, streamVersion: 1 });
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
