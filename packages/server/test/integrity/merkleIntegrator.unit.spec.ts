import { afterEach, describe, expect, it } from 'vitest';
import { frontierRoot, makeFrontier, merkleHashFromHex } from '@vellum/core';
import { MerkleIntegrator, type IntegratorStore } from '../../src/integrity/MerkleIntegrator.ts';
import { FakeLog, recordingLog } from './fakeLog.ts';
import { eventually } from './integritySupport.ts';

const storeOf = (log: FakeLog, over: Partial<IntegratorStore> = {}): IntegratorStore => ({
  tenantsBehind: () => log.integrity.tenantsBehind(),
  treeState: (t) => log.integrity.treeState(t),
  leafHashes: (t, from, limit) => log.integrity.leafHashes(t, from, limit),
  advanceTree: (t, from, next, nodes) => log.integrity.advanceTree(t, from, next, nodes),
  headPosition: (t) => log.headPosition(t),
  ...over,
});

const rootOf = async (log: FakeLog, tenant: string): Promise<string> => {
  const state = await log.integrity.treeState(tenant);
  return frontierRoot(makeFrontier(state.size, state.frontier.map(merkleHashFromHex))).toString('hex');
};

const open: MerkleIntegrator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});
function integrator(...args: ConstructorParameters<typeof MerkleIntegrator>): MerkleIntegrator {
  const made = new MerkleIntegrator(...args);
  open.push(made);
  return made;
}

describe('MerkleIntegrator', () => {
  it('integrates a backlog in bounded chunks, tenants in turn, to the reference root', async () => {
    const log = new FakeLog();
    log.append('a', 1_000);
    log.append('b', 37);
    const chunks: Array<{ tenant: string; leaves: number }> = [];
    const lines = recordingLog();
    const i = integrator({ store: storeOf(log), log: lines, chunkSize: 64, observer: { onChunk: ({ tenant, leaves }) => chunks.push({ tenant, leaves }) } });
    await i.catchUp();
    expect(await rootOf(log, 'a')).toBe(log.root('a'));
    expect(await rootOf(log, 'b')).toBe(log.root('b'));
    expect(Math.max(...chunks.map((c) => c.leaves))).toBe(64);
    // b is done in its first turn, not after all of a's 16 chunks.
    expect(chunks.findIndex((c) => c.tenant === 'b')).toBeLessThan(2);
    expect(lines.lines.map(([, message]) => message)).toContain('integrating a backlog into the Merkle tree');
    expect(lines.lines.map(([, message]) => message)).toContain('Merkle tree caught up with the log');
  });

  it('logs a long backlog\'s progress now and then', async () => {
    const log = new FakeLog();
    log.append('a', 2_000);
    let now = 0;
    const lines = recordingLog();
    const store = storeOf(log);
    // Each chunk takes a simulated second.
    const slow: IntegratorStore = { ...store, advanceTree: async (t, f, n, nodes) => { now += 1_000; return store.advanceTree(t, f, n, nodes); } };
    await integrator({ store: slow, log: lines, chunkSize: 100, progressEveryMs: 5_000, now: () => now }).catchUp();
    const progress = lines.lines.filter(([, message]) => message === 'Merkle tree backlog progress');
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[0]![2]).toMatchObject({ tenant: 'a', head: 2_000, size: 600, behind: 1_400 });
    // About the simulated 100 leaves a second.
    expect((progress[0]![2] as { perSecond: number }).perSecond).toBeGreaterThan(90);
  });

  it('stores the nodes of level ≥ 4 only', async () => {
    const log = new FakeLog();
    log.append('a', 64);
    await integrator({ store: storeOf(log), log: recordingLog(), chunkSize: 10 }).catchUp();
    const ids = [{ level: 3, index: 0 }, { level: 4, index: 0 }, { level: 4, index: 3 }, { level: 5, index: 1 }, { level: 6, index: 0 }];
    expect((await log.integrity.merkleNodes('a', ids)).map((n) => `${n.level}/${n.index}`).sort()).toEqual(['4/0', '4/3', '5/1', '6/0']);
  });

  it('follows the log as it grows, woken by commits', async () => {
    const log = new FakeLog();
    const lines = recordingLog();
    const i = integrator({ store: storeOf(log), log: lines, pollIntervalMs: 60_000 });
    i.start();
    for (let round = 0; round < 5; round++) {
      log.append('a', 10 + round);
      i.wake();
    }
    await eventually(async () => ((await log.integrity.treeState('a')).size === 60 ? true : undefined), 'size 60');
    expect(await rootOf(log, 'a')).toBe(log.root('a'));
    // Keeping up is not news: no backlog lines.
    expect(lines.lines).toEqual([]);
  });

  it('picks up commits it was not told about on its timer', async () => {
    const log = new FakeLog();
    const i = integrator({ store: storeOf(log), log: recordingLog(), pollIntervalMs: 20 });
    i.start();
    log.append('a', 5);
    await eventually(async () => ((await log.integrity.treeState('a')).size === 5 ? true : undefined), 'size 5');
  });

  it('lets two integrators race on one store without corrupting the tree (the loser re-reads)', async () => {
    const log = new FakeLog();
    log.append('a', 3_000);
    log.append('b', 500);
    const grown: Array<number | null> = [];
    // Both read the same state before either writes, so one of each pair of advances must lose.
    const slow = (store: IntegratorStore): IntegratorStore => ({ ...store, leafHashes: async (t, f, l) => { await new Promise((r) => setTimeout(r, 1)); return store.leafHashes(t, f, l); } });
    const one = integrator({ store: slow(storeOf(log)), log: recordingLog(), chunkSize: 100, observer: { onGrown: (_, size) => grown.push(size) } });
    const two = integrator({ store: slow(storeOf(log)), log: recordingLog(), chunkSize: 100, observer: { onGrown: (_, size) => grown.push(size) } });
    await Promise.all([one.catchUp(), two.catchUp()]);
    expect(await rootOf(log, 'a')).toBe(log.root('a'));
    expect(await rootOf(log, 'b')).toBe(log.root('b'));
    expect(grown).toContain(null);
  });

  it('logs a failure, backs off and retries until it succeeds, without throwing out of wake()', async () => {
    const log = new FakeLog();
    log.append('a', 10);
    let failures = 2;
    const errors: unknown[] = [];
    const lines = recordingLog();
    const store = storeOf(log, {
      tenantsBehind: async () => {
        if (failures-- > 0) throw new Error('connection reset');
        return log.integrity.tenantsBehind();
      },
    });
    const i = integrator({ store, log: lines, observer: { onError: (err) => errors.push(err) } });
    i.start();
    i.wake();
    await eventually(async () => ((await log.integrity.treeState('a')).size === 10 ? true : undefined), 'the retry to succeed', 10_000);
    expect(errors).toHaveLength(2);
    const logged = lines.lines.filter(([level]) => level === 'error');
    expect(logged.map(([, message]) => message)).toEqual(['Merkle integration failed; retrying', 'Merkle integration failed; retrying']);
    // The second wait is longer than the first (exponential backoff, ±20% jitter around 500 ms then 1 s).
    const [first, second] = logged.map(([, , fields]) => (fields as { retryInMs: number }).retryInMs);
    expect(second!).toBeGreaterThan(first!);
  });

  it('reports how far behind it is while a backlog lasts, and zero once caught up', async () => {
    const log = new FakeLog();
    log.append('a', 500);
    const lags: number[] = [];
    await integrator({ store: storeOf(log), log: recordingLog(), chunkSize: 100, observer: { onLag: (n) => lags.push(n) } }).catchUp();
    expect(lags).toContain(400);
    expect(lags.at(-1)).toBe(0);
  });

  it('finishes the chunk in hand on close, then does nothing more', async () => {
    const log = new FakeLog();
    log.append('a', 1_000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let advances = 0;
    const store = storeOf(log, {
      advanceTree: async (t, f, n, nodes) => {
        advances++;
        await gate;
        return log.integrity.advanceTree(t, f, n, nodes);
      },
    });
    const i = integrator({ store, log: recordingLog(), chunkSize: 100 });
    i.start();
    await eventually(async () => (advances === 1 ? true : undefined), 'a chunk in flight');
    const closed = i.close();
    release();
    await closed;
    expect((await log.integrity.treeState('a')).size).toBe(100);
    i.wake();
    await new Promise((r) => setTimeout(r, 20));
    expect(advances).toBe(1);
  });
});
