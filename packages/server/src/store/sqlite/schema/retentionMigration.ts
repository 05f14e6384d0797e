import type { Migration } from './migrations.ts';

/**
 * Migration 6: retention (issue 5) — per-tenant policies, the prune records, and the one way past the append-only
 * triggers. A DELETE of events (and their tag and field rows) is refused unless a permit row covering the position
 * exists: the store inserts the permit, deletes, removes the permit and records the prune in one IMMEDIATE
 * transaction, so outside that transaction the log stays append-only exactly as before. The triggers guard against
 * mistakes and other programs, not against someone who may rewrite the file (verify catches those).
 */
export const RETENTION_MIGRATION: Migration = {
  version: 6,
  name: 'retention',
  sql: `
    CREATE TABLE retention_policies (
      tenant     TEXT    PRIMARY KEY,
      keep_days  INTEGER NOT NULL CHECK (keep_days BETWEEN 1 AND 36500),
      archive    INTEGER NOT NULL CHECK (archive IN (0, 1)),
      updated_at TEXT    NOT NULL
    ) WITHOUT ROWID;

    -- One row per prune; a tenant's latest is its largest pruned_through. Never changed once written.
    CREATE TABLE retention_runs (
      tenant          TEXT    NOT NULL,
      pruned_through  INTEGER NOT NULL,
      frontier        TEXT    NOT NULL, -- JSON array of lowercase hex hashes: the compact range [0, pruned_through)
      checkpoint_size INTEGER NOT NULL,
      checkpoint_note TEXT    NOT NULL,
      archive         TEXT,
      events_removed  INTEGER NOT NULL,
      pruned_at       TEXT    NOT NULL,
      PRIMARY KEY (tenant, pruned_through)
    ) WITHOUT ROWID;
    CREATE TRIGGER retention_runs_no_update BEFORE UPDATE ON retention_runs
      BEGIN SELECT RAISE(ABORT, 'retention runs are append-only: UPDATE refused'); END;
    CREATE TRIGGER retention_runs_no_delete BEFORE DELETE ON retention_runs
      BEGIN SELECT RAISE(ABORT, 'retention runs are append-only: DELETE refused'); END;

    -- Exists only inside a prune's transaction.
    CREATE TABLE retention_permits (
      tenant  TEXT    PRIMARY KEY,
      through INTEGER NOT NULL
    ) WITHOUT ROWID;

    DROP TRIGGER events_no_delete;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
      WHEN NOT EXISTS (SELECT 1 FROM retention_permits p WHERE p.tenant = OLD.tenant AND OLD.position <= p.through)
      BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
    DROP TRIGGER event_tags_no_delete;
    CREATE TRIGGER event_tags_no_delete BEFORE DELETE ON event_tags
      WHEN NOT EXISTS (SELECT 1 FROM retention_permits p WHERE p.tenant = OLD.tenant AND OLD.position <= p.through)
      BEGIN SELECT RAISE(ABORT, 'event tags are append-only: DELETE refused'); END;
    DROP TRIGGER event_fields_no_delete;
    CREATE TRIGGER event_fields_no_delete BEFORE DELETE ON event_fields
      WHEN NOT EXISTS (SELECT 1 FROM retention_permits p WHERE p.tenant = OLD.tenant AND OLD.position <= p.through)
      BEGIN SELECT RAISE(ABORT, 'event fields are append-only: DELETE refused'); END;
  `,
};
