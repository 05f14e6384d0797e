import type { TableNames } from './sqlNames.ts';
import { ACCESS_MIGRATION } from './accessMigration.ts';
import { ROW_SECURITY_MIGRATION } from './rowSecurityMigration.ts';
import { INTEGRITY_MIGRATION } from './integrityMigration.ts';
import { PERSONAL_DATA_MIGRATION } from './personalDataMigration.ts';
import { RETENTION_MIGRATION } from './retentionMigration.ts';
import { ENTITY_INDEX_MIGRATION } from './entityIndexMigration.ts';
import { lockHeadsFunction, STREAM_HEAD_FROM_EVENTS } from './lockHeadsFunction.ts';
import { STREAM_FLOORS_MIGRATION } from './streamFloorsMigration.ts';
import { DEAD_LETTER_ATTEMPTS_MIGRATION, DELIVERY_COUNTS_MIGRATION, SUBSCRIPTIONS_MIGRATION } from './subscriptionsMigration.ts';

/**
 * The schema, as versioned migrations. A migration never changes once released: new needs get a new version.
 *
 * Choices worth knowing:
 * - `body` is TEXT holding the sealed event's JSON exactly as appended. TEXT rather than JSONB because the
 *   store never queries inside the body (every filter has its own column), TEXT costs no parsing on insert,
 *   keeps the bytes and key order as written, and accepts every string JSON can carry (JSONB refuses \u0000).
 * - Text columns use the "C" collation: byte order, so comparisons agree with JavaScript's and a type glob
 *   (`configuration.*` → LIKE 'configuration.%') can use the type index.
 * - The actor, entity and type indexes end in (position, occurred_at): a search for the latest N events of one
 *   actor is a backward index scan in position order, and an occurredAt range is checked inside the index,
 *   without visiting the rows it skips.
 * - Stream heads are not a table: the (tenant, stream, stream_version) unique index already holds each head,
 *   and reading max(stream_version) under the tenant lock costs one index probe and no extra write per event.
 * - `seq` orders the system-wide ('*') trail across tenants; each tenant's own order is `position`.
 * - Tags and changed fields are text[] with GIN indexes: cheaper to insert than side tables (GIN's pending list
 *   batches the work), at the price of sorting matches on a tag-only search.
 */
export interface Migration {
  version: number;
  name: string;
  sql(t: TableNames): string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events',
    sql: (t) => `
      CREATE TABLE ${t.tenantHeads} (
        tenant text COLLATE "C" PRIMARY KEY,
        position bigint NOT NULL
      );

      CREATE TABLE ${t.events} (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        tenant text COLLATE "C" NOT NULL,
        position bigint NOT NULL,
        id text COLLATE "C" NOT NULL,
        stream text COLLATE "C" NOT NULL,
        stream_version bigint NOT NULL,
        type text COLLATE "C" NOT NULL,
        severity smallint NOT NULL,
        outcome text COLLATE "C",
        source text COLLATE "C",
        actor_type text COLLATE "C" NOT NULL,
        actor_id text COLLATE "C" NOT NULL,
        entity_type text COLLATE "C",
        entity_id text COLLATE "C",
        correlation_id text COLLATE "C",
        occurred_at timestamptz NOT NULL,
        idempotency_key text COLLATE "C",
        fingerprint text,
        tags text[] COLLATE "C",
        fields text[] COLLATE "C",
        body text NOT NULL,
        PRIMARY KEY (tenant, position)
      );
      CREATE UNIQUE INDEX events_stream ON ${t.events} (tenant, stream, stream_version);
      CREATE UNIQUE INDEX events_id ON ${t.events} (id);
      CREATE UNIQUE INDEX events_seq ON ${t.events} (seq);
      CREATE INDEX events_actor ON ${t.events} (tenant, actor_type, actor_id, position, occurred_at);
      CREATE INDEX events_entity ON ${t.events} (tenant, entity_type, entity_id, position, occurred_at)
        WHERE entity_type IS NOT NULL;
      CREATE INDEX events_type ON ${t.events} (tenant, type, position, occurred_at);
      CREATE UNIQUE INDEX events_idempotency ON ${t.events} (tenant, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE INDEX events_correlation ON ${t.events} (tenant, correlation_id, position)
        WHERE correlation_id IS NOT NULL;
      CREATE INDEX events_tags ON ${t.events} USING gin (tags);
      CREATE INDEX events_fields ON ${t.events} USING gin (fields);

      -- Append-only, enforced by the database itself: no code path, tool or mistake can rewrite history.
      CREATE FUNCTION ${t.schema}.vellum_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'vellum events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${t.events}
        FOR EACH ROW EXECUTE FUNCTION ${t.schema}.vellum_refuse_change();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${t.events}
        FOR EACH STATEMENT EXECUTE FUNCTION ${t.schema}.vellum_refuse_change();

      -- Request-level idempotency (the Idempotency-Key header): the original results of a whole batch.
      CREATE TABLE ${t.requestKeys} (
        tenant text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        fingerprint text NOT NULL,
        results text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, key)
      );
    `,
  },
  {
    version: 2,
    name: 'api_keys',
    sql: (t) => `
      CREATE TABLE ${t.apiKeys} (
        id text COLLATE "C" PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        hash text COLLATE "C" NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX api_keys_tenant ON ${t.apiKeys} (tenant);
    `,
  },
  {
    version: 3,
    name: 'lock_heads',
    // The start of every commit in one round trip (lockHeadsFunction.ts).
    sql: (t) => lockHeadsFunction(t, 'CREATE', STREAM_HEAD_FROM_EVENTS),
  },
  {
    version: 4,
    name: 'occurred_at_brin',
    // Stats, export and search bounded only by time (`from`/`to`) over an old range would otherwise walk the
    // tenant's whole log. occurredAt follows insertion order closely, so a BRIN index (a few pages for
    // millions of rows, next to no cost per insert) narrows such a scan to the blocks of that range.
    sql: (t) => `
      CREATE INDEX events_occurred_at ON ${t.events} USING brin (occurred_at) WITH (autosummarize = on);
    `,
  },
  ACCESS_MIGRATION,
  ROW_SECURITY_MIGRATION,
  INTEGRITY_MIGRATION,
  PERSONAL_DATA_MIGRATION,
  RETENTION_MIGRATION,
  SUBSCRIPTIONS_MIGRATION,
  DEAD_LETTER_ATTEMPTS_MIGRATION,
  DELIVERY_COUNTS_MIGRATION,
  ENTITY_INDEX_MIGRATION,
  STREAM_FLOORS_MIGRATION,
];
