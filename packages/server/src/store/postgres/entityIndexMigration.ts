import type { Migration } from './migrations.ts';

/**
 * The condition of the partial entity index, spelled as a query must spell it for the planner to use the index. An
 * event of entity T:I usually lives in the stream "T:I"; only the others are indexed by entity (see below).
 */
export const OFF_ENTITY_STREAM = `stream <> entity_type || ':' || entity_id`;

/**
 * Migration 13: the entity index keeps only the events filed under a stream other than their entity's own ("T:I"),
 * as SQLite's migration 2 does. The events in their entity's stream — nearly all of them — are already found in log
 * order by the (tenant, stream, stream_version) index; indexing them again by entity cost one more scattered leaf
 * page per event and commit, and space (232 MB of 1.5 GB of indexes at 2.5M benchmark events). An entity search reads
 * both indexes and merges them (entityArms.ts).
 *
 * Building the new index holds appends back while it reads the whole events table once (the migration runs in
 * one transaction, so CONCURRENTLY is not available); the old index is dropped first, so the store never carries both.
 */
export const ENTITY_INDEX_MIGRATION: Migration = {
  version: 13,
  name: 'entity index only for events outside their entity stream',
  sql: (t) => `
    DROP INDEX ${t.schema}.events_entity;
    CREATE INDEX events_entity_off_stream ON ${t.events} (tenant, entity_type, entity_id, position, occurred_at)
      WHERE ${OFF_ENTITY_STREAM};
  `,
};
