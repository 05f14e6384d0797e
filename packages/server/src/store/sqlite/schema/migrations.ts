import type { SqliteConnection } from '../SqliteConnection.ts';
import { INTEGRITY_MIGRATION } from './integrityMigration.ts';
import { PERSONAL_DATA_MIGRATION } from './personalDataMigration.ts';
import { RETENTION_MIGRATION } from './retentionMigration.ts';
import { DELIVERY_COUNTS_MIGRATION, SUBSCRIPTIONS_MIGRATION } from './subscriptionsMigration.ts';
import { STREAM_FLOORS_MIGRATION } from './streamFloorsMigration.ts';

/**
 * Versioned schema migrations. A migration is never edited once released: a change is a new entry.
 * Each runs in its own IMMEDIATE transaction together with its row in `schema_migrations`, so a crash
 * leaves the schema at a version boundary and two processes opening the same file cannot both apply it.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationReport {
  /** Versions this call applied (empty when the schema was already current). */
  applied: number[];
  /** The schema version after the call. */
  current: number;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, tags, changed fields, request keys, api keys',
    sql: `
      -- seq is the rowid: the table b-tree only ever grows at its right edge, the cheapest possible insert.
      -- Indexed columns come first and the JSON body last, so filters read the row without walking the body.
      CREATE TABLE events (
        seq             INTEGER PRIMARY KEY,
        tenant          TEXT    NOT NULL,
        position        INTEGER NOT NULL,
        id              TEXT    NOT NULL,
        stream          TEXT    NOT NULL,
        stream_version  INTEGER NOT NULL,
        type            TEXT    NOT NULL,
        severity        INTEGER NOT NULL, -- rank: info 0 .. critical 4, so minSeverity is a range
        outcome         TEXT,
        actor_type      TEXT    NOT NULL,
        actor_id        TEXT    NOT NULL,
        entity_type     TEXT,
        entity_id       TEXT,
        source          TEXT,
        correlation_id  TEXT,
        occurred_at     INTEGER NOT NULL, -- epoch ms
        recorded_at     INTEGER NOT NULL, -- epoch ms
        idempotency_key TEXT,
        fingerprint     TEXT,             -- only kept where idempotency_key is set
        body            TEXT    NOT NULL  -- the sealed StoredEvent's JSON, returned as is
      );

      -- Per-tenant log order; appends land at the end of the tenant's range. MAX(position) over it is the
      -- tenant's head (one seek), so there is no heads table to keep in step.
      CREATE UNIQUE INDEX events_tenant_position ON events (tenant, position);
      -- The entity trail and the database's own guard against two events with one stream version.
      -- MAX(stream_version) over it is the stream's head: a separate heads table made appends measurably
      -- slower (one more scattered page per stream in every commit) for a lookup this index already answers.
      CREATE UNIQUE INDEX events_stream_version ON events (tenant, stream, stream_version);
      -- UUIDv7 ids are time-ordered, so this index appends too.
      CREATE UNIQUE INDEX events_id ON events (id);
      -- Searches are "newest N by position", optionally within an occurredAt window. Position after the
      -- equality columns hands out rows already in log order (no sort, LIMIT stops early); occurred_at
      -- last lets a from/to window be checked inside the index without visiting the table.
      CREATE INDEX events_actor  ON events (tenant, actor_type, actor_id, position, occurred_at);
      CREATE INDEX events_entity ON events (tenant, entity_type, entity_id, position, occurred_at)
        WHERE entity_type IS NOT NULL;
      CREATE INDEX events_type   ON events (tenant, type, position, occurred_at);
      -- Partial: only events that carry the value pay for these.
      CREATE UNIQUE INDEX events_idempotency ON events (tenant, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE INDEX events_correlation ON events (tenant, correlation_id, position)
        WHERE correlation_id IS NOT NULL;

      -- Multi-valued filters (tag, changed field) as side tables keyed the way they are probed.
      CREATE TABLE event_tags (
        tenant   TEXT    NOT NULL,
        tag      TEXT    NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (tenant, tag, position)
      ) WITHOUT ROWID;
      CREATE TABLE event_fields (
        tenant   TEXT    NOT NULL,
        field    TEXT    NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (tenant, field, position)
      ) WITHOUT ROWID;

      -- Request-level idempotency (the Idempotency-Key header): the original results, replayed on retry.
      CREATE TABLE request_keys (
        tenant      TEXT    NOT NULL,
        key         TEXT    NOT NULL,
        fingerprint TEXT    NOT NULL,
        results     TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant, key)
      ) WITHOUT ROWID;

      -- DESIGN.md, "Append-only": the database itself refuses to rewrite history.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
      CREATE TRIGGER event_tags_no_update BEFORE UPDATE ON event_tags
        BEGIN SELECT RAISE(ABORT, 'event tags are append-only: UPDATE refused'); END;
      CREATE TRIGGER event_tags_no_delete BEFORE DELETE ON event_tags
        BEGIN SELECT RAISE(ABORT, 'event tags are append-only: DELETE refused'); END;
      CREATE TRIGGER event_fields_no_update BEFORE UPDATE ON event_fields
        BEGIN SELECT RAISE(ABORT, 'event fields are append-only: UPDATE refused'); END;
      CREATE TRIGGER event_fields_no_delete BEFORE DELETE ON event_fields
        BEGIN SELECT RAISE(ABORT, 'event fields are append-only: DELETE refused'); END;

      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        tenant     TEXT NOT NULL,
        name       TEXT NOT NULL,
        prefix     TEXT NOT NULL,
        hash       TEXT NOT NULL UNIQUE,
        scopes     TEXT NOT NULL, -- JSON array
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'entity index only for events outside their entity stream',
    sql: `
      -- An event of entity T:I usually lives in the stream "T:I", where (tenant, stream, stream_version)
      -- already finds it in log order. Indexing it a second time by entity cost one more scattered page
      -- per event and commit (measured about a fifth of the append cost), so the entity index now holds
      -- only the events filed under another stream; an entity search reads both (entitySearchArms).
      DROP INDEX events_entity;
      CREATE INDEX events_entity_off_stream ON events (tenant, entity_type, entity_id, position, occurred_at)
        WHERE stream <> entity_type || ':' || entity_id;
    `,
  },
  {
    version: 3,
    name: 'tenants, key rate limits, rotation and usage, server secrets',
    sql: `
      CREATE TABLE tenants (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Until now a tenant existed by being used. Every tenant that already has keys or events is recorded,
      -- so an upgrade doesn't make them unknown (an admin naming one in Vellum-Tenant would get a 404).
      -- Its creation time is its first key's or first event's, whichever came first; its name is its id.
      INSERT INTO tenants (id, name, created_at)
        SELECT tenant, tenant, MIN(created_at) FROM (
          SELECT tenant, created_at FROM api_keys
          UNION ALL
          SELECT first.tenant, strftime('%Y-%m-%dT%H:%M:%fZ', first.recorded_at / 1000.0, 'unixepoch')
            FROM (SELECT DISTINCT tenant FROM events) AS known
            JOIN events AS first ON first.tenant = known.tenant AND first.position = 1
        ) GROUP BY tenant;

      -- A key's own token bucket: both columns set, or both null for the server's default.
      ALTER TABLE api_keys ADD COLUMN rate_limit_per_second REAL;
      ALTER TABLE api_keys ADD COLUMN rate_limit_burst INTEGER
        CHECK ((rate_limit_burst IS NULL) = (rate_limit_per_second IS NULL));
      ALTER TABLE api_keys ADD COLUMN rotated_from TEXT;
      -- Written about once a second per key in use (KeyUsageRecorder), never per request.
      ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;
      ALTER TABLE api_keys ADD COLUMN request_count INTEGER NOT NULL DEFAULT 0;
      -- A tenant's key list, already in its order (createdAt, then id).
      CREATE INDEX api_keys_tenant_created ON api_keys (tenant, created_at, id);

      -- Secrets every node sharing the store must agree on (e.g. the viewer-token signing key). The first
      -- writer wins (INSERT ... ON CONFLICT DO NOTHING); a value is never changed afterwards.
      CREATE TABLE server_secrets (
        name       TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  INTEGRITY_MIGRATION,
  PERSONAL_DATA_MIGRATION,
  RETENTION_MIGRATION,
  SUBSCRIPTIONS_MIGRATION,
  DELIVERY_COUNTS_MIGRATION,
  STREAM_FLOORS_MIGRATION,
];

/** The condition of the partial entity index, spelled as queries must spell it for the planner to use it. */
export const OFF_ENTITY_STREAM = "e.stream <> e.entity_type || ':' || e.entity_id";

const currentVersion = (db: SqliteConnection): number =>
  (db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_migrations').pluck().get() as number | undefined) ?? 0;

/** Applies every migration newer than the database's version; a no-op on a current schema. */
export function migrate(db: SqliteConnection, migrations: readonly Migration[] = MIGRATIONS): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied: number[] = [];
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => m.version > currentVersion(db));
  // A current schema takes no write lock, so opening a store beside a running server never waits on it.
  for (const migration of pending) {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-read under the write lock: another process may have applied it while we waited.
      if (currentVersion(db) < migration.version) {
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, new Date().toISOString());
        applied.push(migration.version);
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
  return { applied, current: currentVersion(db) };
}

/** The schema version recorded in the file (0 when it has never been migrated). */
export function schemaVersion(db: SqliteConnection): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get();
  return exists === undefined ? 0 : currentVersion(db);
}
