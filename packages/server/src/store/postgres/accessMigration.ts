import type { Migration } from './migrations.ts';

/**
 * Migration 5: what the AccessStore needs beyond migration 2's api_keys — tenants, per-key rate limits,
 * rotation and usage, and server secrets.
 */
export const ACCESS_MIGRATION: Migration = {
  version: 5,
  name: 'tenants, key rate limits, rotation and usage, server secrets',
  sql: (t) => `
    CREATE TABLE ${t.tenants} (
      id text COLLATE "C" PRIMARY KEY,
      name text NOT NULL,
      created_at timestamptz NOT NULL
    );

    -- Until now a tenant existed by being used. Every tenant that already has keys or events is recorded, so an
    -- upgrade doesn't make them unknown (an admin naming one in Vellum-Tenant would get a 404). Its creation time
    -- is its first key's or first event's, whichever came first; its name is its id. tenant_heads lists every
    -- tenant with events, and the first event is one primary-key probe away.
    INSERT INTO ${t.tenants} (id, name, created_at)
      SELECT tenant, tenant, min(at) FROM (
        SELECT tenant, created_at AS at FROM ${t.apiKeys}
        UNION ALL
        SELECT e.tenant, (e.body::json ->> 'recordedAt')::timestamptz
          FROM ${t.tenantHeads} h JOIN ${t.events} e ON e.tenant = h.tenant AND e.position = 1
      ) known GROUP BY tenant;

    -- A key's own token bucket: both columns set, or both null for the server's default.
    ALTER TABLE ${t.apiKeys}
      ADD COLUMN rate_limit_per_second double precision,
      ADD COLUMN rate_limit_burst integer,
      ADD CONSTRAINT api_keys_rate_limit_whole CHECK ((rate_limit_burst IS NULL) = (rate_limit_per_second IS NULL)),
      ADD COLUMN rotated_from text COLLATE "C",
      -- Written about once a second per key in use (KeyUsageRecorder), never per request.
      ADD COLUMN last_used_at timestamptz,
      ADD COLUMN request_count bigint NOT NULL DEFAULT 0;
    -- A tenant's key list, already in its order (createdAt, then id); it serves lookups by tenant alone too.
    CREATE INDEX api_keys_tenant_created ON ${t.apiKeys} (tenant, created_at, id);
    DROP INDEX ${t.schema}.api_keys_tenant;

    -- Secrets every node sharing the store must agree on (e.g. the viewer-token signing key). The first writer
    -- wins (INSERT ... ON CONFLICT DO NOTHING); a value never changes afterwards.
    CREATE TABLE ${t.serverSecrets} (
      name text COLLATE "C" PRIMARY KEY,
      value text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `,
};
