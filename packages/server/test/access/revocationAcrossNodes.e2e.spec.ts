import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { service } from '../support/services.ts';
import { spawnServer, type RunningServer } from '../support/spawnServer.ts';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';

const pgUrl = await service('postgres');
const ADMIN = generateApiKey();

/**
 * "Revoke (effective on every node within 1 s)": two real server processes on one PostgreSQL database. Node B
 * has the key cached from a moment ago when node A revokes it; B must refuse it within a second.
 */
describe.skipIf(!pgUrl)('revocation across nodes', () => {
  const db = `vellum_revoke_${randomBytes(4).toString('hex')}`;
  const servers: RunningServer[] = [];
  const admin = () => new pg.Client({ connectionString: pgUrl! });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await c.end();
  });

  it('stops a key revoked on node A from working on node B within 1 s', async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${db}`);
    await c.end();
    const url = new URL(pgUrl!);
    url.pathname = `/${db}`;
    const a = await spawnServer({ store: url.toString(), key: ADMIN });
    servers.push(a);
    const b = await spawnServer({ store: url.toString(), key: ADMIN });
    servers.push(b);

    const created = await fetch(`${a.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'to revoke', scopes: ['events:read'] }),
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    const readOnB = () => fetch(`${b.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);
    // Warm B's cache with the still-valid key.
    expect(await readOnB()).toBe(200);
    expect(await readOnB()).toBe(200);

    const revoked = await fetch(`${a.url}/v1/keys/${key.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(revoked.status).toBe(200);
    const start = performance.now();
    let status = await readOnB();
    while (status === 200 && performance.now() - start < 3_000) {
      await new Promise((r) => setTimeout(r, 20));
      status = await readOnB();
    }
    const elapsed = performance.now() - start;
    console.log(`revocation reached node B after ${elapsed.toFixed(0)} ms`);
    expect(status).toBe(401);
    expect(elapsed).toBeLessThan(1_000);
  }, 60_000);
});
