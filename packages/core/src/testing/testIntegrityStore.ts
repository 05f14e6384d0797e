import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendToFrontier, emptyFrontier, makeFrontier, serializeFrontier } from '../integrity/merkle/frontier.ts';
import { merkleHashFromHex, merkleHashToHex } from '../integrity/merkle/hex.ts';
import type { EventStore } from '../store/EventStore.ts';
import { MERKLE_STORED_MIN_LEVEL } from '../store/IntegrityStore.ts';
import type { CheckpointRecord, IntegrityStore, MerkleNodeRecord, MerkleTreeState } from '../store/IntegrityStore.ts';
import { createPreparedFactory } from './makePrepared.ts';
import { appendCommitted } from './storeHarness.ts';

/** A fresh, empty store that keeps events and a Merkle tree, and how to dispose of it. */
export interface IntegrityStoreHandle {
  store: EventStore & IntegrityStore;
  close(): Promise<void>;
}

export type IntegrityStoreFactory = () => Promise<IntegrityStoreHandle>;

/**
 * The contract every IntegrityStore must meet, as a vitest suite: call it at the top level of a spec file.
 * `factory` is called before every test and must return a new, empty store; `close` is called after it.
 *
 * Leaves come from real appends (the events' `hash`), and the states and nodes handed to advanceTree are computed
 * with the core's own frontier, as an integrator would: a store is free to check nothing about them, but what it
 * gives back must be exactly what it was given. Nodes below MERKLE_STORED_MIN_LEVEL are passed too (an integrator
 * may pass everything appendToFrontier completed); a store may drop them, but whatever it returns must be exact.
 */
export function testIntegrityStore(name: string, factory: IntegrityStoreFactory): void {
  describe(`IntegrityStore contract: ${name}`, () => {
    const store = useFreshIntegrityStore(factory);
    describeLeafHashes(store);
    describeTreeAdvance(store);
    describeMerkleNodes(store);
    describeTenantsBehind(store);
    describeCheckpoints(store);
  });
}

type Store = () => EventStore & IntegrityStore;

function useFreshIntegrityStore(factory: IntegrityStoreFactory): Store {
  let handle: IntegrityStoreHandle | undefined;
  beforeEach(async () => {
    handle = await factory();
  });
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });
  return () => {
    if (handle === undefined) throw new Error('the store is only available inside a test');
    return handle.store;
  };
}

const prepare = createPreparedFactory();

/** Appends `count` events to the tenant in batches of at most `batchSize`; returns their hashes in position order. */
async function appendEvents(store: EventStore, tenant: string, count: number, batchSize = 50): Promise<string[]> {
  const hashes: string[] = [];
  for (let from = 0; from < count; from += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, count - from) }, () => prepare({ tenant, stream: `s-${from % 3}` }));
    for (const result of await appendCommitted(store, tenant, batch)) hashes.push(result.hash);
  }
  return hashes;
}

export interface TreeAdvance {
  next: MerkleTreeState;
  nodes: MerkleNodeRecord[];
}

/**
 * What an integrator computes from the state at `from` and the next leaves: the new state and every node the
 * leaves completed (all levels, leaves included), ready for advanceTree. For stores' own tests.
 */
export function integrateLeaves(from: MerkleTreeState, leaves: readonly string[]): TreeAdvance {
  let frontier = from.size === 0 ? emptyFrontier() : makeFrontier(from.size, from.frontier.map(merkleHashFromHex));
  const nodes: MerkleNodeRecord[] = [];
  for (const leaf of leaves) {
    const appended = appendToFrontier(frontier, merkleHashFromHex(leaf));
    frontier = appended.frontier;
    for (const node of appended.completed) nodes.push({ level: node.level, index: node.index, hash: merkleHashToHex(node.hash) });
  }
  const { size, hashes } = serializeFrontier(frontier);
  return { next: { size, frontier: [...hashes] }, nodes };
}

/** Leaf hashes that are no event's: a rival integrator's view, so that its nodes differ from the real ones. */
const fakeLeaves = (label: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => createHash('sha256').update(`${label}/${i}`).digest('hex'));

const stored = (nodes: readonly MerkleNodeRecord[]): MerkleNodeRecord[] => nodes.filter((n) => n.level >= MERKLE_STORED_MIN_LEVEL);
const ids = (nodes: readonly MerkleNodeRecord[]) => nodes.map(({ level, index }) => ({ level, index }));
const byId = (a: MerkleNodeRecord, b: MerkleNodeRecord): number => a.level - b.level || a.index - b.index;

/** merkleNodes for these ids: every stored-level node exactly, and any lower one the store kept exactly too. */
async function expectNodes(store: IntegrityStore, tenant: string, expected: readonly MerkleNodeRecord[]): Promise<void> {
  const got = [...(await store.merkleNodes(tenant, ids(expected)))].sort(byId);
  expect(got.filter((n) => n.level >= MERKLE_STORED_MIN_LEVEL)).toStrictEqual(stored(expected).sort(byId));
  for (const node of got) expect(node).toStrictEqual(expected.find((e) => e.level === node.level && e.index === node.index));
}

function describeLeafHashes(store: Store): void {
  describe('leafHashes', () => {
    it("returns the stored events' hashes in position order, as search returns them", async () => {
      const hashes = await appendEvents(store(), 'acme', 7, 3);
      expect(await store().leafHashes('acme', 1, 100)).toStrictEqual(hashes);
      const page = await store().search('acme', { limit: 100, order: 'asc' });
      expect(page.events.map((e) => e.hash)).toStrictEqual(hashes);
      for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('starts at any position and returns at most `limit`, fewer at the head', async () => {
      const hashes = await appendEvents(store(), 'acme', 10);
      expect(await store().leafHashes('acme', 4, 3)).toStrictEqual(hashes.slice(3, 6));
      expect(await store().leafHashes('acme', 8, 5)).toStrictEqual(hashes.slice(7));
      expect(await store().leafHashes('acme', 10, 1)).toStrictEqual(hashes.slice(9));
      expect(await store().leafHashes('acme', 1, 1)).toStrictEqual(hashes.slice(0, 1));
    });

    it('is empty past the head and for a tenant without events', async () => {
      await appendEvents(store(), 'acme', 3);
      expect(await store().leafHashes('acme', 4, 10)).toStrictEqual([]);
      expect(await store().leafHashes('acme', 1000, 10)).toStrictEqual([]);
      expect(await store().leafHashes('globex', 1, 10)).toStrictEqual([]);
    });

    it("never returns another tenant's events, however the appends interleave", async () => {
      const acme: string[] = [];
      const globex: string[] = [];
      for (let round = 0; round < 4; round++) {
        acme.push(...await appendEvents(store(), 'acme', 3));
        globex.push(...await appendEvents(store(), 'globex', 2));
        const outcomes = await store().append([
          { tenant: 'acme', events: [prepare({ tenant: 'acme' })] },
          { tenant: 'globex', events: [prepare({ tenant: 'globex' })] },
        ]);
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome.status !== 'committed') expect.fail('the mixed append should commit');
          (i === 0 ? acme : globex).push(...outcome.results.map((r) => r.hash));
        }
      }
      expect(await store().leafHashes('acme', 1, 1000)).toStrictEqual(acme);
      expect(await store().leafHashes('globex', 1, 1000)).toStrictEqual(globex);
      expect(await store().leafHashes('globex', 7, 4)).toStrictEqual(globex.slice(6, 10));
    });

    it('reads long runs whole, across the commits that wrote them', async () => {
      const hashes = await appendEvents(store(), 'acme', 600, 300);
      expect(await store().leafHashes('acme', 1, 1000)).toStrictEqual(hashes);
      expect(await store().leafHashes('acme', 240, 300)).toStrictEqual(hashes.slice(239, 539));
    });
  });
}

function describeTreeAdvance(store: Store): void {
  describe('treeState and advanceTree', () => {
    it('starts every tenant at the empty tree', async () => {
      expect(await store().treeState('acme')).toStrictEqual({ size: 0, frontier: [] });
      await appendEvents(store(), 'acme', 3);
      expect(await store().treeState('acme')).toStrictEqual({ size: 0, frontier: [] });
    });

    it('advances from the stored size and gives the new state back exactly, frontier in its order', async () => {
      const leaves = await appendEvents(store(), 'acme', 45);
      const first = integrateLeaves({ size: 0, frontier: [] }, leaves.slice(0, 23));
      expect(await store().advanceTree('acme', 0, first.next, first.nodes)).toBe(true);
      expect(await store().treeState('acme')).toStrictEqual(first.next);
      const second = integrateLeaves(first.next, leaves.slice(23));
      expect(second.next.frontier).toHaveLength(4); // 45 = 32 + 8 + 4 + 1
      expect(await store().advanceTree('acme', 23, second.next, second.nodes)).toBe(true);
      expect(await store().treeState('acme')).toStrictEqual(second.next);
    });

    it('refuses a stale or future fromSize and changes nothing: neither the state nor the nodes', async () => {
      const leaves = await appendEvents(store(), 'acme', 40);
      const won = integrateLeaves({ size: 0, frontier: [] }, leaves.slice(0, 32));
      expect(await store().advanceTree('acme', 0, won.next, won.nodes)).toBe(true);

      const rival = integrateLeaves({ size: 0, frontier: [] }, fakeLeaves('rival', 48));
      expect(await store().advanceTree('acme', 0, rival.next, rival.nodes)).toBe(false);
      const ahead = integrateLeaves(won.next, fakeLeaves('ahead', 16));
      expect(await store().advanceTree('acme', 33, ahead.next, ahead.nodes)).toBe(false);

      expect(await store().treeState('acme')).toStrictEqual(won.next);
      await expectNodes(store(), 'acme', won.nodes);
      // Nodes only the losers completed (level 4, index 2: leaves 32..47) were not written either.
      const losersOnly = stored([...rival.nodes, ...ahead.nodes]).filter((n) => !won.nodes.some((w) => w.level === n.level && w.index === n.index));
      expect(losersOnly.length).toBeGreaterThan(0);
      expect(await store().merkleNodes('acme', ids(losersOnly))).toStrictEqual([]);
    });

    it('lets exactly one of several concurrent advances from the same size win', async () => {
      const leaves = await appendEvents(store(), 'acme', 20);
      const first = integrateLeaves({ size: 0, frontier: [] }, leaves.slice(0, 4));
      expect(await store().advanceTree('acme', 0, first.next, first.nodes)).toBe(true);
      const rivals = Array.from({ length: 6 }, (_, i) => integrateLeaves(first.next, i === 0 ? leaves.slice(4) : fakeLeaves(`rival-${i}`, 12 + i)));
      const results = await Promise.all(rivals.map((r) => store().advanceTree('acme', 4, r.next, r.nodes)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = rivals[results.indexOf(true)] as TreeAdvance;
      expect(await store().treeState('acme')).toStrictEqual(winner.next);
      await expectNodes(store(), 'acme', winner.nodes);
    });

    it('lets exactly one of several concurrent first advances (from size 0) win', async () => {
      await appendEvents(store(), 'acme', 1);
      const rivals = Array.from({ length: 6 }, (_, i) => integrateLeaves({ size: 0, frontier: [] }, fakeLeaves(`first-${i}`, 16 + i)));
      const results = await Promise.all(rivals.map((r) => store().advanceTree('acme', 0, r.next, r.nodes)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = rivals[results.indexOf(true)] as TreeAdvance;
      expect(await store().treeState('acme')).toStrictEqual(winner.next);
      await expectNodes(store(), 'acme', winner.nodes);
    });

    it("keeps each tenant's tree apart: advancing one changes no other, and both may advance at once", async () => {
      const acme = integrateLeaves({ size: 0, frontier: [] }, await appendEvents(store(), 'acme', 17));
      const globex = integrateLeaves({ size: 0, frontier: [] }, await appendEvents(store(), 'globex', 5));
      expect(await Promise.all([
        store().advanceTree('acme', 0, acme.next, acme.nodes),
        store().advanceTree('globex', 0, globex.next, globex.nodes),
      ])).toEqual([true, true]);
      expect(await store().treeState('acme')).toStrictEqual(acme.next);
      expect(await store().treeState('globex')).toStrictEqual(globex.next);
      expect(await store().treeState('initech')).toStrictEqual({ size: 0, frontier: [] });
    });

    it('advances with no nodes to store (a tree too small to complete one)', async () => {
      const small = integrateLeaves({ size: 0, frontier: [] }, await appendEvents(store(), 'acme', 3));
      expect(await store().advanceTree('acme', 0, small.next, [])).toBe(true);
      expect(await store().treeState('acme')).toStrictEqual(small.next);
    });
  });
}

function describeMerkleNodes(store: Store): void {
  describe('merkleNodes', () => {
    it('gives back every node of a stored level exactly, in one call, whatever the order asked', async () => {
      const leaves = await appendEvents(store(), 'acme', 100, 100);
      const tree = integrateLeaves({ size: 0, frontier: [] }, leaves);
      expect(stored(tree.nodes).map((n) => `${n.level}/${n.index}`).sort()).toEqual(
        ['4/0', '4/1', '4/2', '4/3', '4/4', '4/5', '5/0', '5/1', '5/2', '6/0'],
      );
      expect(await store().advanceTree('acme', 0, tree.next, tree.nodes)).toBe(true);
      await expectNodes(store(), 'acme', [...tree.nodes].reverse());
    });

    it('leaves out ids it does not hold, and answers an empty list with an empty list', async () => {
      const tree = integrateLeaves({ size: 0, frontier: [] }, await appendEvents(store(), 'acme', 32));
      expect(await store().advanceTree('acme', 0, tree.next, tree.nodes)).toBe(true);
      const got = await store().merkleNodes('acme', [{ level: 4, index: 1 }, { level: 4, index: 2 }, { level: 7, index: 0 }, { level: 5, index: 0 }]);
      const held = (level: number, index: number) => tree.nodes.find((n) => n.level === level && n.index === index);
      expect([...got].sort(byId)).toStrictEqual([held(4, 1), held(5, 0)]);
      expect(await store().merkleNodes('acme', [])).toStrictEqual([]);
    });

    it("never gives one tenant another tenant's nodes", async () => {
      const acme = integrateLeaves({ size: 0, frontier: [] }, await appendEvents(store(), 'acme', 64, 64));
      expect(await store().advanceTree('acme', 0, acme.next, acme.nodes)).toBe(true);
      expect(await store().merkleNodes('globex', ids(acme.nodes))).toStrictEqual([]);
      const globex = integrateLeaves({ size: 0, frontier: [] }, await appendEvents(store(), 'globex', 16, 16));
      expect(await store().advanceTree('globex', 0, globex.next, globex.nodes)).toBe(true);
      await expectNodes(store(), 'globex', globex.nodes);
      await expectNodes(store(), 'acme', acme.nodes);
    });

    it('keeps the nodes of every advance, so proofs for older sizes are still served', async () => {
      const leaves = await appendEvents(store(), 'acme', 80, 80);
      let state: MerkleTreeState = { size: 0, frontier: [] };
      const all: MerkleNodeRecord[] = [];
      for (const size of [5, 16, 17, 48, 80]) {
        const step = integrateLeaves(state, leaves.slice(state.size, size));
        expect(await store().advanceTree('acme', state.size, step.next, step.nodes)).toBe(true);
        all.push(...step.nodes);
        state = step.next;
      }
      expect(all).toStrictEqual(integrateLeaves({ size: 0, frontier: [] }, leaves).nodes);
      await expectNodes(store(), 'acme', all);
    });
  });
}

function describeTenantsBehind(store: Store): void {
  describe('tenantsBehind', () => {
    const sorted = async (): Promise<string[]> => [...await store().tenantsBehind()].sort();

    it('lists nothing for an empty store', async () => {
      expect(await store().tenantsBehind()).toStrictEqual([]);
    });

    it('lists exactly the tenants whose head is past their tree, and stops listing one advanced to its head', async () => {
      const acme = await appendEvents(store(), 'acme', 10);
      const globex = await appendEvents(store(), 'globex', 3);
      await appendEvents(store(), 'initech', 1);
      expect(await sorted()).toEqual(['acme', 'globex', 'initech']);

      const partly = integrateLeaves({ size: 0, frontier: [] }, acme.slice(0, 6));
      expect(await store().advanceTree('acme', 0, partly.next, partly.nodes)).toBe(true);
      const whole = integrateLeaves({ size: 0, frontier: [] }, globex);
      expect(await store().advanceTree('globex', 0, whole.next, whole.nodes)).toBe(true);
      expect(await sorted()).toEqual(['acme', 'initech']);

      const rest = integrateLeaves(partly.next, acme.slice(6));
      expect(await store().advanceTree('acme', 6, rest.next, rest.nodes)).toBe(true);
      expect(await sorted()).toEqual(['initech']);
    });

    it('lists a tenant again once new events land after its tree caught up', async () => {
      const tree = integrateLeaves({ size: 0, frontier: [] }, await appendEvents(store(), 'acme', 4));
      expect(await store().advanceTree('acme', 0, tree.next, tree.nodes)).toBe(true);
      expect(await store().tenantsBehind()).toStrictEqual([]);
      await appendEvents(store(), 'acme', 1);
      expect(await store().tenantsBehind()).toStrictEqual(['acme']);
    });
  });
}

const NOTE = (size: number, root: string): string =>
  `vellum.example/acme\n${size}\n${Buffer.from(root, 'hex').toString('base64')}\n\n— vellum.example/acme Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n`;

const aCheckpoint = (tenant: string, treeSize: number, overrides: Partial<CheckpointRecord> = {}): CheckpointRecord => {
  const rootHash = createHash('sha256').update(`${tenant}/${treeSize}`).digest('hex');
  return { tenant, treeSize, rootHash, note: NOTE(treeSize, rootHash), createdAt: `2026-11-22T10:00:${String(treeSize % 60).padStart(2, '0')}.123Z`, ...overrides };
};

function describeCheckpoints(store: Store): void {
  describe('checkpoints', () => {
    it('has none before the first is saved', async () => {
      expect(await store().latestCheckpoint('acme')).toBeNull();
      expect(await store().checkpointAt('acme', 1)).toBeNull();
    });

    it('gives a checkpoint back exactly, note text and all, by its size and as the latest', async () => {
      const checkpoint = aCheckpoint('acme', 4096);
      await store().saveCheckpoint(checkpoint);
      expect(await store().checkpointAt('acme', 4096)).toStrictEqual(checkpoint);
      expect(await store().latestCheckpoint('acme')).toStrictEqual(checkpoint);
      expect(await store().checkpointAt('acme', 4095)).toBeNull();
      expect(await store().checkpointAt('acme', 4097)).toBeNull();
    });

    it('answers the largest size as the latest, whatever order they were saved in', async () => {
      for (const size of [10, 2, 3000, 7, 250]) await store().saveCheckpoint(aCheckpoint('acme', size));
      expect(await store().latestCheckpoint('acme')).toStrictEqual(aCheckpoint('acme', 3000));
      for (const size of [10, 2, 3000, 7, 250]) expect(await store().checkpointAt('acme', size)).toStrictEqual(aCheckpoint('acme', size));
    });

    it('ignores a second checkpoint of the same size and keeps the first', async () => {
      const first = aCheckpoint('acme', 12);
      await store().saveCheckpoint(first);
      await store().saveCheckpoint(aCheckpoint('acme', 12, { note: 'another signer\n12\n', createdAt: '2026-12-01T00:00:00.000Z' }));
      await Promise.all([store().saveCheckpoint(first), store().saveCheckpoint(first)]);
      expect(await store().checkpointAt('acme', 12)).toStrictEqual(first);
      expect(await store().latestCheckpoint('acme')).toStrictEqual(first);
    });

    it("keeps each tenant's checkpoints apart", async () => {
      await store().saveCheckpoint(aCheckpoint('acme', 5));
      await store().saveCheckpoint(aCheckpoint('globex', 9));
      await store().saveCheckpoint(aCheckpoint('globex', 5));
      expect(await store().latestCheckpoint('acme')).toStrictEqual(aCheckpoint('acme', 5));
      expect(await store().latestCheckpoint('globex')).toStrictEqual(aCheckpoint('globex', 9));
      expect(await store().checkpointAt('acme', 9)).toBeNull();
      expect(await store().checkpointAt('globex', 5)).toStrictEqual(aCheckpoint('globex', 5));
      expect(await store().latestCheckpoint('initech')).toBeNull();
    });
  });
}
