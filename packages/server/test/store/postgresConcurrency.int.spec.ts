import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppendResult } from '@vellum/core';
import { service } from '../support/services.ts';
import { REPO_ROOT } from '../support/spawnServer.ts';
import { dropStoreSchema, openPostgresStore, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import { appendRounds } from './postgresRaceSupport.ts';
import { sql, uniqueSchema } from './postgresTestSupport.ts';

const pg = await service('postgres');
const WORKER = fileURLToPath(new URL('./postgresAppendWorker.ts', import.meta.url));

/** Runs the worker script as a separate Node process and resolves with the results it acknowledged. */
function runWorker(env: Record<string, string>): Promise<AppendResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as AppendResult[]);
      else reject(new Error(`worker ${env.WORKER} exited with ${code}:\n${err}`));
    });
  });
}

/** Positions 1..n without a gap, every stream's versions 1..m, and every acknowledged result in the table. */
export async function expectConsistentLog(url: string, schema: string, tenant: string, acks: readonly AppendResult[]): Promise<void> {
  const rows = await sql<{ id: string; position: string; stream: string; stream_version: string }>(
    url, `SELECT id, position, stream, stream_version FROM "${schema}".events WHERE tenant = $1 ORDER BY position`, [tenant]);
  expect(rows.map((r) => Number(r.position))).toEqual(rows.map((_, i) => i + 1));

  const versions = new Map<string, number[]>();
  for (const r of rows) versions.set(r.stream, [...(versions.get(r.stream) ?? []), Number(r.stream_version)]);
  for (const [stream, vs] of versions) expect(vs, `versions of ${stream}`).toEqual(vs.map((_, i) => i + 1));

  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const ack of acks) {
    const row = byId.get(ack.id);
    expect(row, `acknowledged event ${ack.id}`).toBeDefined();
    expect([Number(row?.position), row?.stream, Number(row?.stream_version)]).toEqual([ack.position, ack.stream, ack.streamVersion]);
  }
  // Every row was acknowledged to someone exactly once; retries of a key were answered with the original.
  expect(acks.filter((a) => a.duplicate !== true)).toHaveLength(rows.length);
  const shared = rows.filter((r) => r.stream === 'Shared');
  expect(new Set(shared.map((r) => r.id)).size).toBe(shared.length);
}

describe.skipIf(!pg)('PostgreSQL store shared by several nodes', () => {
  const url = pg as string;
  const schema = uniqueSchema('race');
  let nodeA: PostgresEventStore;
  let nodeB: PostgresEventStore;
  beforeAll(async () => {
    [nodeA, nodeB] = await Promise.all([
      openPostgresStore({ url, schema, poolSize: 4 }),
      openPostgresStore({ url, schema, poolSize: 4 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.close(), nodeB?.close()]);
    await dropStoreSchema(url, schema);
  });

  it('keeps positions gapless and stream versions unforked when two pools append to the same streams at once', async () => {
    const tenant = 'two-pools';
    const results = await Promise.all(
      [nodeA, nodeB].flatMap((node, n) => [0, 1, 2, 3].map((w) => appendRounds(node, tenant, 15, `${n}-${w}`))),
    );
    const acks = results.flat();
    await expectConsistentLog(url, schema, tenant, acks);
    expect(await nodeB.headPosition(tenant)).toBe(await nodeA.headPosition(tenant));
    // Both nodes really raced: conditional appends lost sometimes, and the shared keys were answered as duplicates.
    expect(acks.filter((a) => a.duplicate === true).length).toBeGreaterThan(0);
  });

  it('keeps the log consistent when two processes append to the same tenant at once', async () => {
    const tenant = 'two-processes';
    const env = { PG_URL: url, PG_SCHEMA: schema, TENANT: tenant, ROUNDS: '30' };
    const results = await Promise.all([runWorker({ ...env, WORKER: 'p1' }), runWorker({ ...env, WORKER: 'p2' })]);
    await expectConsistentLog(url, schema, tenant, results.flat());
    expect(results.every((r) => r.length > 0)).toBe(true);
  });

  it('serves a new tenant that several nodes write first at the same moment', async () => {
    const tenants = ['fresh-1', 'fresh-2', 'fresh-3'];
    const nodes = [nodeA, nodeB, nodeA, nodeB, nodeA, nodeB];
    const results = await Promise.all(nodes.map((node, i) => appendRounds(node, tenants[i % 3] as string, 3, `n${i}`)));
    for (const [t, tenant] of tenants.entries()) {
      await expectConsistentLog(url, schema, tenant, results.filter((_, i) => i % 3 === t).flat());
    }
  });
});

