import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import { dropStoreSchema, openPostgresStore } from '../../src/store/postgres/index.ts';
import { describeIntegrity } from './describeIntegrity.ts';
import { admin, expectConsistency, expectInclusion, ingest, integrityConfig, latestCheckpoint, referenceTree, type Appended } from './integritySupport.ts';

const pg = await service('postgres');
const schemaName = (label: string): string => `vellum_integrity_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;

if (pg !== null) {
  describeIntegrity('PostgreSQL', async () => {
    const schema = schemaName('suite');
    const store = await openPostgresStore({ url: pg, schema, migrate: false, poolSize: 4 });
    return { store, cleanup: () => dropStoreSchema(pg, schema) };
  });
}

describe.skipIf(pg === null)('integrity on PostgreSQL with two nodes', () => {
  const url = pg as string;
  const schema = schemaName('nodes');
  const nodes: TestApp[] = [];

  beforeAll(async () => {
    // One at a time, as a rolling start would: the first migrates and creates the key, the second finds both.
    for (let i = 0; i < 2; i++) {
      const store = await openPostgresStore({ url, schema, migrate: false, poolSize: 4 });
      nodes.push(await makeTestApp({ store, config: { logLevel: 'warn', integrity: integrityConfig({ origin: null }) } }));
    }
    const res = await nodes[0]!.app.inject({ method: 'POST', url: '/v1/tenants', headers: admin(), payload: { id: 'acme' } });
    expect(res.statusCode, res.payload).toBe(201);
  }, 60_000);

  afterAll(async () => {
    for (const t of nodes) await t.app.close();
    await dropStoreSchema(url, schema);
  });

  it('integrates concurrently on both nodes without corrupting the tree, and both sign with the same key', async () => {
    // Two writers per node, both nodes' integrators woken by their own commits and racing for the same trees.
    const writes = await Promise.all(
      [0, 1, 0, 1].map((n, k) => ingest(nodes[n]!.app, k < 2 ? 'acme' : 'default', 400, 20 + k)),
    );
    const acme: Appended[] = [...writes[0]!, ...writes[1]!];
    const fallback: Appended[] = [...writes[2]!, ...writes[3]!];
    await Promise.all(nodes.map((t) => t.app.integrity.settle()));

    const [a, b] = [await latestCheckpoint(nodes[0]!.app, 'acme'), await latestCheckpoint(nodes[1]!.app, 'acme')];
    expect(a).toEqual(b);
    expect(a.treeSize).toBe(800);
    expect(a.rootHash).toBe(referenceTree(acme).root().toString('hex'));
    expect((await latestCheckpoint(nodes[1]!.app, 'default')).rootHash).toBe(referenceTree(fallback).root().toString('hex'));
    expect(nodes.map((t) => t.app.integrity.key.verifierKey)).toEqual([a.verifierKey, a.verifierKey]);

    // Each leaf was integrated exactly once, by whichever node won its chunk (a lost advance writes and counts nothing).
    const integrated = await Promise.all(nodes.map(async (t) => Number(/^vellum_integrity_leaves_integrated_total (\d+)$/m.exec((await t.app.inject({ method: 'GET', url: '/metrics' })).payload)?.[1])));
    const heads = await Promise.all(['acme', 'default', 'system'].map((tenant) => nodes[0]!.store.headPosition(tenant)));
    console.log(`two nodes: leaves integrated per node ${integrated.join(" + ")}, heads ${heads.join(", ")}`);
    expect(integrated[0]! + integrated[1]!).toBe(heads.reduce((a, b) => a + b, 0));

    // Either node proves that earlier sizes are prefixes of the final tree, and that events are in it.
    const tree = referenceTree(acme);
    for (const size of [1, 2, 37, 256, 799]) await expectConsistency(nodes[size % 2]!.app, 'acme', { treeSize: size, root: tree.root(size) }, a);
    for (const e of acme.filter((_, i) => i % 9 === 0)) await expectInclusion(nodes[e.position % 2]!.app, 'acme', e, a);
  });
});
