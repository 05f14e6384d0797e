import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendCommitted, createPreparedFactory, integrateLeaves, testIntegrityStore, type TreeAdvance } from '@vellum/core/testing';
import { MIGRATIONS, openSqliteStore, type SqliteEventStore } from '../../src/store/sqlite/index.ts';
import { migrate } from '../../src/store/sqlite/schema/migrations.ts';
import type { SqliteConnection } from '../../src/store/sqlite/SqliteConnection.ts';
import { appendToOlderSchema, preparedEvent, tempDir } from './sqliteTestSupport.ts';
import { memoryStoreFactory, sqliteStoreFactory } from './storeFactories.ts';

testIntegrityStore('memory store', memoryStoreFactory);

// A file with its writer thread, as the server runs it: events are appended and the tree advanced on the writer's
// connection, and read on the store's own.
testIntegrityStore('SqliteEventStore', sqliteStoreFactory);

/** What the contract cannot say about SQLite: the database's own guards, atomicity, readonly files, upgrades. */
describe('SQLite IntegrityStore', () => {
  const prepare = createPreparedFactory();
  let dir: { dir: string; remove(): void };
  let file: string;
  const open: SqliteEventStore[] = [];
  const openStore = (options: { readonly?: boolean } = {}): SqliteEventStore => {
    const store = openSqliteStore({ path: file, ...options });
    open.push(store);
    return store;
  };
  const empty = { size: 0, frontier: [] };
  /** A store whose tenant acme has 40 events, integrated into a tree of 32 (two level-4 nodes, one of level 5). */
  const storeWithTree = async (): Promise<{ store: SqliteEventStore; tree: TreeAdvance }> => {
    const store = openStore();
    const results = await appendCommitted(store, 'acme', Array.from({ length: 40 }, () => prepare()));
    const tree = integrateLeaves(empty, results.slice(0, 32).map((r) => r.hash));
    expect(await store.advanceTree('acme', 0, tree.next, tree.nodes)).toBe(true);
    await store.saveCheckpoint({ tenant: 'acme', treeSize: 32, rootHash: 'ab'.repeat(32), note: 'n', createdAt: '2026-11-22T10:00:00.000Z' });
    return { store, tree };
  };

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir.dir, 'vellum.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    dir.remove();
  });

  it('refuses, in the database itself, to rewrite or remove nodes and checkpoints, or to shrink a tree', async () => {
    await storeWithTree();
    const raw = new Database(file);
    try {
      for (const statement of [
        "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE tenant = 'acme'",
        "DELETE FROM merkle_nodes WHERE tenant = 'acme'",
        "UPDATE checkpoints SET note = 'forged' WHERE tenant = 'acme'",
        "DELETE FROM checkpoints WHERE tenant = 'acme'",
        "UPDATE merkle_trees SET size = 5 WHERE tenant = 'acme'",
        "UPDATE merkle_trees SET tenant = 'globex' WHERE tenant = 'acme'",
        "DELETE FROM merkle_trees WHERE tenant = 'acme'",
      ]) {
        expect(() => raw.prepare(statement).run(), statement).toThrow(/refused/);
      }
      expect(raw.prepare("SELECT length(hash) FROM merkle_nodes WHERE tenant = 'acme'").pluck().all()).toEqual([32, 32, 32]);
    } finally {
      raw.close();
    }
  });

  it('advances in one transaction: a node the database refuses leaves the tree and its nodes as they were', async () => {
    const { store, tree } = await storeWithTree();
    const leaves = await store.leafHashes('acme', 33, 100);
    const next = integrateLeaves(tree.next, [...leaves, ...fakeLeaves(8)]);
    // Level 4, index 2 (leaves 32..47) is completed by this advance; plant it first, as a bug or a second writer might.
    const planted = next.nodes.find((n) => n.level === 4 && n.index === 2);
    expect(planted).toBeDefined();
    const raw = new Database(file);
    try {
      raw.prepare("INSERT INTO merkle_nodes (tenant, level, idx, hash) VALUES ('acme', 4, 2, zeroblob(32))").run();
    } finally {
      raw.close();
    }
    const level5 = { level: 5, index: 1, hash: 'cd'.repeat(32) };
    await expect(store.advanceTree('acme', 32, next.next, [level5, ...next.nodes])).rejects.toThrow(/UNIQUE/);
    expect(await store.treeState('acme')).toStrictEqual(tree.next);
    expect(await store.merkleNodes('acme', [{ level: 5, index: 1 }])).toStrictEqual([]);
    // The connection is usable afterwards: no transaction was left open.
    const rest = integrateLeaves(tree.next, leaves);
    expect(await store.advanceTree('acme', 32, rest.next, rest.nodes)).toBe(true);
  });

  it('lets only one of two stores on the same file (two processes) advance from the same size', async () => {
    const one = openStore();
    const two = openStore();
    const results = await appendCommitted(one, 'acme', Array.from({ length: 20 }, () => prepare()));
    const real = integrateLeaves(empty, results.map((r) => r.hash));
    const rival = integrateLeaves(empty, fakeLeaves(20));
    expect(await one.advanceTree('acme', 0, real.next, real.nodes)).toBe(true);
    expect(await two.advanceTree('acme', 0, rival.next, rival.nodes)).toBe(false);
    expect(await two.treeState('acme')).toStrictEqual(real.next);
    expect(await two.tenantsBehind()).toStrictEqual([]);
  });

  it('answers reads but refuses to advance a tree or save a checkpoint when opened readonly', async () => {
    const { tree } = await storeWithTree();
    const reader = openStore({ readonly: true });
    expect(await reader.treeState('acme')).toStrictEqual(tree.next);
    expect(await reader.leafHashes('acme', 1, 2)).toHaveLength(2);
    expect(await reader.latestCheckpoint('acme')).toMatchObject({ treeSize: 32 });
    expect(await reader.tenantsBehind()).toStrictEqual(['acme']);
    const next = integrateLeaves(tree.next, await reader.leafHashes('acme', 33, 100));
    await expect(reader.advanceTree('acme', 32, next.next, next.nodes)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(reader.saveCheckpoint({ tenant: 'acme', treeSize: 40, rootHash: 'ef'.repeat(32), note: 'n', createdAt: '2026-11-22T10:00:00.000Z' }))
      .rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await reader.treeState('acme')).toStrictEqual(tree.next);
  });

  it('on a database from schema version 3, starts every tenant with events at the empty tree, behind', async () => {
    const db = new Database(file) as unknown as SqliteConnection;
    const hashes: string[] = [];
    try {
      expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 3)).current).toBe(3);
      const outcomes = appendToOlderSchema(db, [
        { tenant: 'acme', events: [preparedEvent('acme'), preparedEvent('acme')] },
        { tenant: 'globex', events: [preparedEvent('globex')] },
      ], Date.now());
      for (const outcome of outcomes) if (outcome.status === 'committed') hashes.push(...outcome.results.map((r) => r.hash));
    } finally {
      db.close();
    }
    const store = openStore();
    expect(store.migrationsApplied.applied).toEqual(MIGRATIONS.filter((m) => m.version > 3).map((m) => m.version));
    expect([...await store.tenantsBehind()].sort()).toEqual(['acme', 'globex']);
    expect(await store.treeState('acme')).toStrictEqual(empty);
    expect(await store.leafHashes('acme', 1, 10)).toStrictEqual(hashes.slice(0, 2));
    expect(await store.leafHashes('globex', 1, 10)).toStrictEqual(hashes.slice(2));
  });
});

const fakeLeaves = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => createHash('sha256').update(`fake/${i}`).digest('hex'));
