/**
 * The integrity behaviour every store must give, as a suite run on each: events in through HTTP, the tree caught
 * up, checkpoints that verify with the published key and match a reference tree, proofs that verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import {
  admin,
  eventually,
  expectConsistency,
  expectInclusion,
  ingest,
  integrityConfig,
  latestCheckpoint,
  referenceTree,
  type Appended,
  type VerifiedCheckpoint,
} from './integritySupport.ts';

export interface OpenedStore {
  store: VellumStore;
  cleanup(): Promise<void>;
}

export function describeIntegrity(storeName: string, openStore: () => Promise<OpenedStore>): void {
  describe(`integrity on ${storeName}`, () => {
    let opened: OpenedStore;
    let t: TestApp;
    const tenant = 'acme';
    const events: Appended[] = [];
    let first: VerifiedCheckpoint;
    let second: VerifiedCheckpoint;

    beforeAll(async () => {
      opened = await openStore();
      t = await makeTestApp({ store: opened.store, config: { logLevel: 'warn', integrity: integrityConfig() } });
      for (const id of [tenant, 'globex']) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: admin(), payload: { id } });
        expect(res.statusCode, res.payload).toBe(201);
      }
    }, 60_000);

    afterAll(async () => {
      await t?.app.close();
      await opened?.cleanup();
    });

    it('catches up with events ingested over HTTP and signs a checkpoint whose root is the reference tree', async () => {
      events.push(...(await ingest(t.app, tenant, 333, 37)));
      await ingest(t.app, 'globex', 20);
      // Woken by each commit, the integrator catches up on its own...
      await eventually(async () => ((await opened.store.tenantsBehind()).length === 0 ? true : undefined), 'no tenant behind');
      expect((await opened.store.treeState(tenant)).size).toBe(333);
      // ...and a tenant's first checkpoint is due at once (later ones follow the rules, which this app sets out of reach).
      const early = await latestCheckpoint(t.app, tenant);
      expect(early.treeSize).toBeGreaterThan(0);
      await t.app.integrity.settle();
      first = await latestCheckpoint(t.app, tenant);
      expect(first.treeSize).toBe(333);
      expect(first.rootHash).toBe(referenceTree(events).root().toString('hex'));
      expect(first.verifierKey.startsWith('vellum.test+')).toBe(true);
    });

    it('proves every event at the latest size, the size defaulting to the latest checkpoint', async () => {
      for (const e of events) await expectInclusion(t.app, tenant, e, first, e.position % 2 === 0);
    });

    it('proves old events at an older checkpoint and the growth between checkpoints', async () => {
      events.push(...(await ingest(t.app, tenant, 700, 100)));
      await t.app.integrity.settle();
      second = await latestCheckpoint(t.app, tenant);
      expect(second.treeSize).toBe(1033);
      expect(second.rootHash).toBe(referenceTree(events).root().toString('hex'));
      // The first checkpoint is kept: proofs for its size come from the same stored nodes.
      expect((await opened.store.checkpointAt(tenant, first.treeSize))?.note).toBe(first.note);
      for (const e of events.slice(0, first.treeSize)) await expectInclusion(t.app, tenant, e, first);
      for (const e of events.filter((_, i) => i % 7 === 0)) await expectInclusion(t.app, tenant, e, second);
      await expectConsistency(t.app, tenant, first, second);
      const tree = referenceTree(events);
      for (const [from, to] of [[1, 1033], [1, 2], [16, 1033], [17, 333], [332, 333], [333, 333], [512, 1024], [1000, 1033]] as const) {
        await expectConsistency(t.app, tenant, { treeSize: from, root: tree.root(from) }, { treeSize: to, root: tree.root(to) });
      }
    });

    it("keeps tenants apart: another tenant's event is a 404, and its checkpoint is its own", async () => {
      const res = await t.app.inject({ method: 'GET', url: `/v1/events/${events[0]!.id}/proof`, headers: admin('globex') });
      expect(res.statusCode).toBe(404);
      const globex = await latestCheckpoint(t.app, 'globex');
      expect(globex.treeSize).toBe(20);
    });

    it('refuses sizes the tree has not reached or that do not hold the event, saying which work', async () => {
      const e = events[500]!;
      const beyond = await t.app.inject({ method: 'GET', url: `/v1/events/${e.id}/proof?treeSize=5000`, headers: admin(tenant) });
      expect(beyond.statusCode).toBe(400);
      expect(beyond.json().error.details).toEqual([{ path: '/query/treeSize', message: `5000 is not a size this proof can be for: use a size from ${e.position} (this event's position) to 1033 (the size integrated so far)` }]);
      const before = await t.app.inject({ method: 'GET', url: `/v1/events/${e.id}/proof?treeSize=${e.position - 1}`, headers: admin(tenant) });
      expect(before.statusCode).toBe(400);
      const consistency = await t.app.inject({ method: 'GET', url: '/v1/proofs/consistency?from=10&to=2000', headers: admin(tenant) });
      expect(consistency.statusCode).toBe(400);
      expect(consistency.json().error.details).toEqual([{ path: '/query/to', message: 'must be at most 1033, the size integrated so far' }]);
    });
  });
}
