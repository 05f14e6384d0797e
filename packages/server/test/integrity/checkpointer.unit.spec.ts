import { afterEach, describe, expect, it } from 'vitest';
import { parseVerifierKey, verifySignedCheckpoint } from '@vellum/core';
import { Checkpointer, type CheckpointerStore } from '../../src/integrity/Checkpointer.ts';
import { loadSigningKey, resolveOrigin } from '../../src/integrity/checkpointKey.ts';
import { MerkleIntegrator } from '../../src/integrity/MerkleIntegrator.ts';
import { InMemoryAccessStore } from '../../src/store/InMemoryAccessStore.ts';
import { FakeLog, recordingLog } from './fakeLog.ts';
import { eventually } from './integritySupport.ts';

const closing: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

async function setup(options: { every: number; intervalMs: number }) {
  const log = new FakeLog();
  const access = new InMemoryAccessStore();
  const key = await loadSigningKey(access, 'vellum.test');
  let now = Date.parse('2026-11-26T10:00:00Z');
  const signed: number[] = [];
  const store: CheckpointerStore = {
    treeState: (t) => log.integrity.treeState(t),
    latestCheckpoint: (t) => log.integrity.latestCheckpoint(t),
    saveCheckpoint: (c) => log.integrity.saveCheckpoint(c),
    listTenants: () => access.listTenants(),
  };
  const checkpointer = new Checkpointer({
    store, key, origin: 'vellum.test', ...options, log: recordingLog(), now: () => now, tickMs: 5,
    onSigned: ({ treeSize }) => signed.push(treeSize),
  });
  const integrator = new MerkleIntegrator({
    store: {
      tenantsBehind: () => log.integrity.tenantsBehind(),
      treeState: (t) => log.integrity.treeState(t),
      leafHashes: (t, f, l) => log.integrity.leafHashes(t, f, l),
      advanceTree: (t, f, n, nodes) => log.integrity.advanceTree(t, f, n, nodes),
      headPosition: (t) => log.headPosition(t),
    },
    log: recordingLog(),
    pollIntervalMs: 60_000,
    observer: { onGrown: (tenant, size) => checkpointer.grown(tenant, size) },
  });
  closing.push(integrator, checkpointer);
  await checkpointer.start();
  const grow = async (count: number) => {
    log.append('a', count);
    await integrator.catchUp();
  };
  const settleTicks = () => new Promise((r) => setTimeout(r, 40));
  return { log, key, signed, grow, settleTicks, advance: (ms: number) => { now += ms; } };
}

describe('Checkpointer', () => {
  it('signs a tenant\'s first checkpoint at once, then every N leaves', async () => {
    const s = await setup({ every: 10, intervalMs: 3_600_000 });
    await s.grow(3);
    await eventually(async () => (s.signed.length === 1 ? true : undefined), 'the first checkpoint');
    expect(s.signed).toEqual([3]);
    await s.grow(6);
    await s.settleTicks();
    expect(s.signed).toEqual([3]);
    await s.grow(4);
    await eventually(async () => (s.signed.length === 2 ? true : undefined), 'a checkpoint after 10 more');
    expect(s.signed).toEqual([3, 13]);
  });

  it('signs after T seconds when the tree grew by fewer than N, and not when it did not grow', async () => {
    const s = await setup({ every: 1_000, intervalMs: 10_000 });
    await s.grow(2);
    await eventually(async () => (s.signed.length === 1 ? true : undefined), 'the first checkpoint');
    await s.grow(1);
    s.advance(9_000);
    await s.settleTicks();
    expect(s.signed).toEqual([2]);
    s.advance(1_000);
    await eventually(async () => (s.signed.length === 2 ? true : undefined), 'the interval checkpoint');
    expect(s.signed).toEqual([2, 3]);
    s.advance(60_000);
    await s.settleTicks();
    expect(s.signed).toEqual([2, 3]);
  });

  it('signs C2SP checkpoints that verify with the stored key, whose origin is <origin>/<tenant>', async () => {
    const s = await setup({ every: 1, intervalMs: 1_000 });
    await s.grow(5);
    await eventually(async () => ((await s.log.integrity.latestCheckpoint('a'))?.treeSize === 5 ? true : undefined), 'a checkpoint of 5');
    const checkpoint = (await s.log.integrity.latestCheckpoint('a'))!;
    const body = verifySignedCheckpoint(checkpoint.note, parseVerifierKey(s.key.verifierKey)!);
    expect(body?.origin).toBe('vellum.test/a');
    expect(Buffer.from(body!.rootHash).toString('hex')).toBe(s.log.root('a'));
    expect(checkpoint.rootHash).toBe(s.log.root('a'));
  });
});

describe('the checkpoint key and origin', () => {
  it('are created once and then the same for every node', async () => {
    const access = new InMemoryAccessStore();
    const [a, b] = await Promise.all([loadSigningKey(access, 'x'), loadSigningKey(access, 'x')]);
    expect(a.publicKey.equals(b.publicKey)).toBe(true);
    expect(a.publicKey).toHaveLength(32);
    expect(await resolveOrigin(access, null, 'node-1.example')).toBe('vellum.node-1.example');
    expect(await resolveOrigin(access, null, 'node-2.example')).toBe('vellum.node-1.example');
    expect(await resolveOrigin(access, 'audit.example.com', 'node-2.example')).toBe('audit.example.com');
    expect(await resolveOrigin(new InMemoryAccessStore(), null, 'odd host+name')).toBe('vellum.odd-host-name');
  });
});
