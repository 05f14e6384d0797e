/**
 * The PostgreSQL event store (DESIGN.md, Storage): several stateless Vellum nodes share one database.
 *
 * How an append works (appendBatches.ts): one `append(batches)` call is one transaction and one durable
 * commit (synchronous_commit=on is set in every connection's startup packet). The call locks its tenants'
 * `tenant_heads` rows in sorted order (no deadlocks between nodes) and reads, under those locks, the tenants'
 * positions, the touched streams' versions (max(stream_version) from the unique index — no stream-heads
 * table to keep up to date) and any idempotency keys — all in one round trip (`lock_heads`, migration 3).
 * Every batch is then decided in memory (planAppend.ts): a conflicting batch is rejected without touching the
 * database or the other batches, so positions stay gapless. Events are sealed and inserted in chunks of 250
 * (binary column arrays read back with unnest()), sealing the next chunk while the database inserts this one.
 *
 * Tables: events (append-only by trigger), tenant_heads, request_keys, api_keys, tenants, server_secrets,
 * merkle_trees, merkle_nodes and checkpoints (migration 7; nodes and checkpoints append-only), schema_migrations.
 *
 * Tenant isolation in the database itself (migration 6, TenantPool.ts): the application's queries run as a
 * role of their own, neither owner nor superuser, under row-level security on every tenant table; each
 * statement sees and writes only the rows of the tenant it is scoped to ('*' = the system-wide scope).
 */
export { openPostgresStore, POSTGRES_STORE_DEFAULTS, type PostgresStoreOptions } from './openPostgresStore.ts';
export { PostgresEventStore } from './PostgresEventStore.ts';
export type { PgPool, PgClient, PgQueryable, PgQueryConfig, PgResult } from './PgPool.ts';
export { MIGRATIONS } from './migrations.ts';
export { dropStoreSchema } from './dropStoreSchema.ts';
