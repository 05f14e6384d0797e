import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DELIVERIES_KEPT, uuidv7, type DeliveryRecord, type SubscriptionRecord } from '@vellum/core';
import { aSubscription } from '@vellum/core/testing';
import { MIGRATIONS, openSqliteStore, type SqliteEventStore } from '../../src/store/sqlite/index.ts';
import { migrate } from '../../src/store/sqlite/schema/migrations.ts';
import type { SqliteConnection } from '../../src/store/sqlite/SqliteConnection.ts';
import { PRUNE_EVERY } from '../../src/store/sqlite/subscriptionStatements.ts';
import { appendToOlderSchema, preparedEvent, tempDir } from './sqliteTestSupport.ts';

let ms = Date.parse('2026-12-03T08:00:00.000Z');
function aDelivery(s: SubscriptionRecord, n: number): DeliveryRecord {
  ms += 1;
  return {
    id: uuidv7(ms, new Uint8Array(10).fill(ms & 0xff)), tenant: s.tenant, subscriptionId: s.id, messageId: `msg_${n}`,
    fromPosition: n, toPosition: n, events: 1, attempt: 1, outcome: 'delivered', statusCode: 200, error: null, durationMs: 2.25,
    at: new Date(ms).toISOString(),
  };
}

/** What the contract cannot say about SQLite: how many rows stay, readonly files, upgrades. */
describe('SQLite SubscriptionStore', () => {
  let dir: { dir: string; remove(): void };
  let file: string;
  const open: SqliteEventStore[] = [];
  const openStore = (options: { readonly?: boolean } = {}): SqliteEventStore => {
    const store = openSqliteStore({ path: file, ...options });
    open.push(store);
    return store;
  };
  const count = (table: string): number => {
    const raw = new Database(file, { readonly: true });
    try {
      return raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    } finally {
      raw.close();
    }
  };

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir.dir, 'vellum.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    dir.remove();
  });

  it(`prunes a busy subscription's deliveries to about the newest ${DELIVERIES_KEPT}, a few at a time`, async () => {
    const store = openStore();
    const s = aSubscription('acme', 'busy');
    await store.subscriptions.createSubscription(s);
    const total = DELIVERIES_KEPT + 4 * PRUNE_EVERY + 7;
    for (let i = 1; i <= total; i++) await store.subscriptions.recordDelivery(aDelivery(s, i));
    const kept = count('deliveries');
    expect(kept).toBeGreaterThanOrEqual(DELIVERIES_KEPT);
    expect(kept).toBeLessThan(DELIVERIES_KEPT + PRUNE_EVERY);
    const listed = await store.subscriptions.listDeliveries('acme', s.id, 1000);
    expect(listed).toHaveLength(kept);
    expect(listed[0]).toMatchObject({ messageId: `msg_${total}`, durationMs: 2.25 });
  });

  it('removes every row of a deleted subscription from the file, in one transaction', async () => {
    const store = openStore();
    const s = aSubscription('acme', 'doomed');
    await store.subscriptions.createSubscription(s);
    await store.subscriptions.recordDelivery(aDelivery(s, 1));
    await store.subscriptions.addDeadLetter({ ...aDelivery(s, 2), attempts: 3, lastError: 'HTTP 500', createdAt: new Date(ms).toISOString() });
    await store.subscriptions.acquireLease(s.id, 'node-a', new Date(ms).toISOString(), new Date(ms + 1000).toISOString());
    for (const table of ['subscriptions', 'subscription_leases', 'deliveries', 'dead_letters']) expect(count(table), table).toBe(1);
    expect(await store.subscriptions.deleteSubscription('acme', s.id)).toBe(true);
    for (const table of ['subscriptions', 'subscription_leases', 'deliveries', 'dead_letters']) expect(count(table), table).toBe(0);
  });

  it('answers reads but refuses every write when opened readonly', async () => {
    const writer = openStore();
    const s = aSubscription('acme', 'orders');
    await writer.subscriptions.createSubscription(s);
    const reader = openStore({ readonly: true });
    expect(await reader.subscriptions.getSubscription('acme', s.id)).toStrictEqual(s);
    expect(await reader.subscriptions.listSubscriptions('*')).toStrictEqual([s]);
    const refused = { code: 'STORE_UNAVAILABLE' };
    await expect(reader.subscriptions.createSubscription(aSubscription('acme', 'other'))).rejects.toMatchObject(refused);
    await expect(reader.subscriptions.updateSubscription('acme', s.id, 1, { cursor: 5 }, s.createdAt)).rejects.toMatchObject(refused);
    await expect(reader.subscriptions.acquireLease(s.id, 'node-a', s.createdAt, s.createdAt)).rejects.toMatchObject(refused);
    await expect(reader.subscriptions.deleteSubscription('acme', s.id)).rejects.toMatchObject(refused);
    expect(await writer.subscriptions.getSubscription('acme', s.id)).toStrictEqual(s);
  });

  it('on a database from schema version 6, adds the subscription tables and keeps the events', async () => {
    const db = new Database(file) as unknown as SqliteConnection;
    try {
      expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 6)).current).toBe(6);
      appendToOlderSchema(db, [{ tenant: 'acme', events: [preparedEvent('acme'), preparedEvent('acme')] }], Date.now());
    } finally {
      db.close();
    }
    const store = openStore();
    expect(store.migrationsApplied.applied).toEqual(MIGRATIONS.filter((m) => m.version > 6).map((m) => m.version));
    expect(await store.headPosition('acme')).toBe(2);
    const s = aSubscription('acme', 'after-upgrade', { cursor: 2 });
    expect(await store.subscriptions.createSubscription(s)).toStrictEqual({ created: true });
    expect(await store.subscriptions.updateSubscription('acme', s.id, 1, { cursor: 3 }, s.createdAt)).toMatchObject({ cursor: 3, revision: 2 });
    expect(await store.subscriptions.acquireLease(s.id, 'node-a', s.createdAt, s.updatedAt)).toBe(true);
  });
});
