export { openSqliteStore, type SqliteStoreOptions } from './openSqliteStore.ts';
export { SqliteEventStore } from './SqliteEventStore.ts';
export { MIGRATIONS, type Migration, type MigrationReport } from './schema/migrations.ts';
