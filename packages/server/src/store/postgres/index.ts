export { openPostgresStore, POSTGRES_STORE_DEFAULTS, type PostgresStoreOptions } from './openPostgresStore.ts';
export { PostgresEventStore } from './PostgresEventStore.ts';
export type { PgPool, PgClient, PgQueryable, PgQueryConfig, PgResult } from './PgPool.ts';
export { MIGRATIONS } from './migrations.ts';
