import type { Migration } from './migrations.ts';

/**
 * Migration 7: durable subscriptions (issue 4, SubscriptionStore). Four tables:
 *
 * - subscriptions: one row per subscription. filter, target and pending are JSON text, stored and returned as
 *   given (the store never queries inside them). The target holds webhook secrets: nothing here logs a row.
 *   (tenant, name) is unique — the database, not a read-then-write, refuses a second name.
 * - subscription_leases: which node delivers a subscription, until when (epoch ms). A table of its own so a
 *   lease renewal (every few seconds per subscription) rewrites a tiny row, not the subscription with its JSON,
 *   and never touches the revision that API updates compare against.
 * - deliveries: recent delivery attempts; the store prunes each subscription's to the newest few hundred.
 * - dead_letters: batches whose attempts ran out.
 *
 * Children are keyed (subscription_id, id): every read is "one subscription's, in id (UUIDv7, so time) order",
 * which is then a range of the primary key. The store deletes them with their subscription, in one transaction
 * (foreign keys are not enforced on these connections, so there is no ON DELETE CASCADE to lean on).
 */
export const SUBSCRIPTIONS_MIGRATION: Migration = {
  version: 7,
  name: 'subscriptions',
  sql: `
    CREATE TABLE subscriptions (
      id              TEXT    PRIMARY KEY,
      tenant          TEXT    NOT NULL,
      name            TEXT    NOT NULL,
      filter          TEXT    NOT NULL,
      target          TEXT    NOT NULL,
      status          TEXT    NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
      status_reason   TEXT,
      cursor_position INTEGER NOT NULL,
      pending         TEXT,
      revision        INTEGER NOT NULL,
      created_at      TEXT    NOT NULL,
      updated_at      TEXT    NOT NULL
    );
    CREATE UNIQUE INDEX subscriptions_tenant_name ON subscriptions (tenant, name);
    -- Listing is oldest first per tenant (and across tenants for the workers, a small table's sort).
    CREATE INDEX subscriptions_tenant_created ON subscriptions (tenant, created_at, id);

    CREATE TABLE subscription_leases (
      subscription_id TEXT    PRIMARY KEY,
      owner           TEXT    NOT NULL,
      until_ms        INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE deliveries (
      subscription_id TEXT    NOT NULL,
      id              TEXT    NOT NULL,
      tenant          TEXT    NOT NULL,
      message_id      TEXT    NOT NULL,
      from_position   INTEGER NOT NULL,
      to_position     INTEGER NOT NULL,
      events          INTEGER NOT NULL,
      attempt         INTEGER NOT NULL,
      outcome         TEXT    NOT NULL,
      status_code     INTEGER,
      error           TEXT,
      duration_ms     INTEGER NOT NULL,
      at              TEXT    NOT NULL,
      PRIMARY KEY (subscription_id, id)
    ) WITHOUT ROWID;

    CREATE TABLE dead_letters (
      subscription_id TEXT    NOT NULL,
      id              TEXT    NOT NULL,
      tenant          TEXT    NOT NULL,
      message_id      TEXT    NOT NULL,
      from_position   INTEGER NOT NULL,
      to_position     INTEGER NOT NULL,
      events          INTEGER NOT NULL,
      attempts        INTEGER NOT NULL,
      last_error      TEXT,
      created_at      TEXT    NOT NULL,
      PRIMARY KEY (subscription_id, id)
    ) WITHOUT ROWID;
  `,
};

/**
 * Migration 8: each subscription's delivery attempts and failures, counted as they are recorded (by any node, and kept
 * when old delivery records are pruned), for its stats. Seeded from the attempts still kept.
 */
export const DELIVERY_COUNTS_MIGRATION: Migration = {
  version: 8,
  name: 'delivery counts per subscription',
  sql: `
    CREATE TABLE subscription_counts (
      subscription_id TEXT    PRIMARY KEY,
      tenant          TEXT    NOT NULL,
      attempts        INTEGER NOT NULL,
      failures        INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO subscription_counts (subscription_id, tenant, attempts, failures)
      SELECT subscription_id, tenant, COUNT(*), SUM(outcome <> 'delivered') FROM deliveries GROUP BY subscription_id, tenant;
  `,
};
