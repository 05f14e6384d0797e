import { describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { openTestStore, sql } from '../store/postgresTestSupport.ts';
import { dropStoreSchema } from '../../src/store/postgres/index.ts';

const pg = await service('postgres');

// pg_dump shows live rows only; this reads the table's heap file itself (as the superuser, after a CHECKPOINT), where a
// deleted row version would linger until VACUUM. The forget vacuums subject_keys, so the key's bytes leave the file.
describe.skipIf(!pg)('PostgreSQL: a forgotten key leaves the table file', () => {
  it('is in the heap file while it lives and gone after the forget', async () => {
    const url = pg as string;
    const store = await openTestStore(url, 'keybytes');
    try {
      const key = new Uint8Array(32).fill(0xab);
      await store.subjectKey('t', 'user:0', new Uint8Array(32).fill(0x11));
      await store.subjectKey('t', 'user:1', key);
      await store.subjectKey('t', 'user:2', new Uint8Array(32).fill(0x22));
      const heap = async (): Promise<Buffer> => {
        await sql(url, 'CHECKPOINT');
        const [row] = await sql<{ b: Buffer }>(url, 'SELECT pg_read_binary_file(pg_relation_filepath($1::regclass)) AS b', [`${store.schema}.subject_keys`]);
        return row!.b;
      };
      expect((await heap()).includes(Buffer.from(key))).toBe(true);
      expect(await store.forgetSubject('t', 'user:1', '2026-11-26T00:00:00.000Z')).toEqual({ forgotten: true, forgottenAt: '2026-11-26T00:00:00.000Z' });
      let after = await heap();
      // The forget's VACUUM cannot prune the dead row while another session of this database holds an older snapshot
      // (other test files run beside this one): then the next VACUUM does, once that snapshot is gone — as autovacuum
      // would. The bytes must leave the file; how soon depends on the database's other transactions.
      for (let i = 0; i < 60 && after.includes(Buffer.from(key)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await sql(url, `VACUUM ${store.schema}.subject_keys`);
        after = await heap();
      }
      expect(after.includes(Buffer.from(key))).toBe(false);
      expect(after.includes(Buffer.from(new Uint8Array(32).fill(0x22)))).toBe(true);
    } finally {
      await store.close();
      await dropStoreSchema(url, store.schema);
    }
  });
});
