import type { Migration } from './migrations.ts';
import { grant, tenantPolicy } from './rowSecurityMigration.ts';

/**
 * Migration 10: durable subscriptions (issue 4, SubscriptionStore). Four tenant tables, each with row-level
 * security (FORCE) and grants to the application role like the others (migration 6):
 *
 * - subscriptions: filter, target and pending are JSON as text — stored and returned as given (the store never
 *   queries inside them; jsonb would refuse a \u0000 escape a filter may carry, and reorder keys). The target holds
 *   webhook secrets: no statement here logs a row. UNIQUE (tenant, name) refuses a second name in the database.
 * - subscription_leases: which node delivers a subscription, until when. A table of its own: a renewal (every few
 *   seconds per subscription) rewrites a small row instead of the subscription with its JSON, and never contends
 *   with, or moves the revision of, API updates. Leases are cross-tenant: workers take them under the '*' scope
 *   (every row visible), so a worker on any node leases any tenant's subscription; the row still carries its
 *   tenant, so a tenant-scoped session sees only its own tenant's leases. One INSERT ... ON CONFLICT DO UPDATE
 *   ... WHERE decides each acquisition: PostgreSQL serialises it on the primary key, so of two nodes asking at
 *   once exactly one gets the row.
 * - deliveries: recent attempts, pruned by the store to the newest few hundred per subscription.
 * - dead_letters: batches whose attempts ran out.
 *
 * Children reference their subscription ON DELETE CASCADE: deleting a subscription takes its lease, deliveries
 * and dead letters in the same statement, and an attempt recorded after a delete cannot leave an orphan
 * (foreign-key checks and cascades bypass row-level security, so they work under any scope). Children are keyed
 * (subscription_id, id): every read is "one subscription's, in id (UUIDv7, so time) order", a primary-key range.
 */
export const SUBSCRIPTIONS_MIGRATION: Migration = {
  version: 10,
  name: 'subscriptions',
  sql: (t) => `
    CREATE TABLE ${t.subscriptions} (
      id text COLLATE "C" PRIMARY KEY,
      tenant text COLLATE "C" NOT NULL,
      name text COLLATE "C" NOT NULL,
      filter text NOT NULL,
      target text NOT NULL,
      status text NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
      status_reason text,
      cursor_position bigint NOT NULL,
      pending text,
      revision bigint NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT subscriptions_tenant_name UNIQUE (tenant, name)
    );
    CREATE INDEX subscriptions_tenant_created ON ${t.subscriptions} (tenant, created_at, id);

    CREATE TABLE ${t.subscriptionLeases} (
      subscription_id text COLLATE "C" PRIMARY KEY REFERENCES ${t.subscriptions} (id) ON DELETE CASCADE,
      tenant text COLLATE "C" NOT NULL,
      lease_owner text NOT NULL,
      lease_until timestamptz NOT NULL
    );

    CREATE TABLE ${t.deliveries} (
      subscription_id text COLLATE "C" NOT NULL REFERENCES ${t.subscriptions} (id) ON DELETE CASCADE,
      id text COLLATE "C" NOT NULL,
      tenant text COLLATE "C" NOT NULL,
      message_id text NOT NULL,
      from_position bigint NOT NULL,
      to_position bigint NOT NULL,
      events integer NOT NULL,
      attempt integer NOT NULL,
      outcome text NOT NULL,
      status_code integer,
      error text,
      duration_ms double precision NOT NULL,
      at timestamptz NOT NULL,
      PRIMARY KEY (subscription_id, id)
    );

    CREATE TABLE ${t.deadLetters} (
      subscription_id text COLLATE "C" NOT NULL REFERENCES ${t.subscriptions} (id) ON DELETE CASCADE,
      id text COLLATE "C" NOT NULL,
      tenant text COLLATE "C" NOT NULL,
      message_id text NOT NULL,
      from_position bigint NOT NULL,
      to_position bigint NOT NULL,
      events integer NOT NULL,
      attempts integer NOT NULL,
      last_error text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (subscription_id, id)
    );

    DO $vellum_subscriptions$
    DECLARE
      app_role text := ${t.schema}.app_role();
    BEGIN
      ${grant('SELECT, INSERT, UPDATE, DELETE', `${t.subscriptions}, ${t.subscriptionLeases}`)}
      ${grant('SELECT, INSERT, DELETE', `${t.deliveries}, ${t.deadLetters}`)}
    END $vellum_subscriptions$;

    ${tenantPolicy(t.subscriptions, 'tenant')}
    ${tenantPolicy(t.subscriptionLeases, 'tenant')}
    ${tenantPolicy(t.deliveries, 'tenant')}
    ${tenantPolicy(t.deadLetters, 'tenant')}
  `,
};

/**
 * Migration 11: a failed retry of a dead letter counts as one more attempt and keeps its error
 * (SubscriptionStore.recordDeadLetterAttempt), so the application role may now update those two columns of a dead
 * letter — and nothing else of it, nor of the delivery history.
 */
export const DEAD_LETTER_ATTEMPTS_MIGRATION: Migration = {
  version: 11,
  name: 'dead letters record the attempts of their retries',
  sql: (t) => `
    DO $vellum_dead_letter_attempts$
    DECLARE
      app_role text := ${t.schema}.app_role();
    BEGIN
      ${grant('UPDATE (attempts, last_error)', t.deadLetters)}
    END $vellum_dead_letter_attempts$;
  `,
};

/**
 * Migration 12: each subscription's delivery attempts and failures, counted as they are recorded (by any node, and kept
 * when old delivery records are pruned), for its stats. Seeded from the attempts still kept. No foreign key: a cascade
 * into a second child table that every recorded attempt also writes made deletes racing with attempts deadlock; the
 * store deletes the row itself, after the subscription (an attempt can only be counted while its subscription exists).
 */
export const DELIVERY_COUNTS_MIGRATION: Migration = {
  version: 12,
  name: 'delivery counts per subscription',
  sql: (t) => `
    CREATE TABLE ${t.subscriptionCounts} (
      subscription_id text COLLATE "C" PRIMARY KEY,
      tenant text COLLATE "C" NOT NULL,
      attempts bigint NOT NULL,
      failures bigint NOT NULL
    );
    INSERT INTO ${t.subscriptionCounts} (subscription_id, tenant, attempts, failures)
      SELECT subscription_id, tenant, count(*), count(*) FILTER (WHERE outcome <> 'delivered') FROM ${t.deliveries}
      GROUP BY subscription_id, tenant;

    DO $vellum_delivery_counts$
    DECLARE
      app_role text := ${t.schema}.app_role();
    BEGIN
      ${grant('SELECT, INSERT, UPDATE, DELETE', t.subscriptionCounts)}
    END $vellum_delivery_counts$;

    ${tenantPolicy(t.subscriptionCounts, 'tenant')}
  `,
};
