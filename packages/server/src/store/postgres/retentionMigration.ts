import type { Migration } from './migrations.ts';
import { grant, tenantPolicy } from './rowSecurityMigration.ts';

/** Transaction-local settings a prune sets (as the schema owner) so the events trigger lets its DELETE through. */
export const PRUNE_TENANT_SETTING = 'vellum.prune_tenant';
export const PRUNE_THROUGH_SETTING = 'vellum.prune_through';

/**
 * Migration 9: retention (issue 5) — per-tenant policies, prune records, and the one way past the append-only
 * trigger. The application role still holds no DELETE privilege on events: a prune runs as the owner
 * (TenantPool.asOwner), and the trigger lets a DELETE through only for a row of the tenant and positions that the
 * transaction's own settings name (set with set_config(..., true), gone at COMMIT or ROLLBACK). Any other DELETE or
 * UPDATE, by the owner included, is refused as before. Policies are tenant rows the application role may change;
 * prune records only the owner writes (and never changes: trigger).
 */
export const RETENTION_MIGRATION: Migration = {
  version: 9,
  name: 'retention',
  sql: (t) => `
    CREATE TABLE ${t.retentionPolicies} (
      tenant text COLLATE "C" PRIMARY KEY,
      keep_days integer NOT NULL CHECK (keep_days BETWEEN 1 AND 36500),
      archive boolean NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE ${t.retentionRuns} (
      tenant text COLLATE "C" NOT NULL,
      pruned_through bigint NOT NULL CHECK (pruned_through > 0),
      frontier text NOT NULL, -- JSON array of lowercase hex hashes: the compact range [0, pruned_through)
      checkpoint_size bigint NOT NULL,
      checkpoint_note text NOT NULL,
      archive text,
      events_removed bigint NOT NULL,
      pruned_at timestamptz NOT NULL,
      PRIMARY KEY (tenant, pruned_through)
    );
    CREATE TRIGGER retention_runs_append_only BEFORE UPDATE OR DELETE ON ${t.retentionRuns}
      FOR EACH ROW EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();
    CREATE TRIGGER retention_runs_no_truncate BEFORE TRUNCATE ON ${t.retentionRuns}
      FOR EACH STATEMENT EXECUTE FUNCTION ${t.schema}.vellum_refuse_rewrite();

    CREATE FUNCTION ${t.schema}.vellum_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE'
         AND OLD.tenant = current_setting('${PRUNE_TENANT_SETTING}', true)
         AND OLD.position <= COALESCE(NULLIF(current_setting('${PRUNE_THROUGH_SETTING}', true), ''), '0')::bigint THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'vellum events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$;
    DROP TRIGGER events_append_only ON ${t.events};
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${t.events}
      FOR EACH ROW EXECUTE FUNCTION ${t.schema}.vellum_events_guard();

    DO $vellum_retention$
    DECLARE
      app_role text := ${t.schema}.app_role();
    BEGIN
      ${grant('SELECT, INSERT, UPDATE, DELETE', t.retentionPolicies)}
      ${grant('SELECT', t.retentionRuns)}
    END $vellum_retention$;

    ${tenantPolicy(t.retentionPolicies, 'tenant')}
    ${tenantPolicy(t.retentionRuns, 'tenant')}
  `,
};
