/**
 * Tenant isolation (DESIGN.md, "Guarantees"): no endpoint ever shows one tenant another tenant's data.
 * The matrix is generated from the OpenAPI document — every operation × every credential × own values,
 * another tenant's values and naming another tenant — on SQLite and on PostgreSQL; see describeIsolationMatrix.
 */
import { randomBytes } from 'node:crypto';
import { service } from '../support/services.ts';
import { tempSqliteStore } from '../support/testApp.ts';
import { dropStoreSchema, openPostgresStore } from '../../src/store/postgres/index.ts';
import { describeIsolationMatrix, discoverAtCollection } from './describeIsolationMatrix.ts';

const discovery = await discoverAtCollection();

describeIsolationMatrix('SQLite', discovery, async () => {
  const temp = await tempSqliteStore();
  return {
    store: temp.store,
    // The app closes the store; only the directory is left.
    cleanup: async () => temp.cleanup(),
  };
});

const pgUrl = await service('postgres');
if (pgUrl !== null) {
  describeIsolationMatrix('PostgreSQL', discovery, async () => {
    const schema = `vellum_isolation_${process.pid}_${randomBytes(4).toString('hex')}`;
    const store = await openPostgresStore({ url: pgUrl, schema, migrate: false });
    return {
      store,
      cleanup: () => dropStoreSchema(pgUrl, schema),
    };
  });
}
