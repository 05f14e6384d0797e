import type { Migration } from './migrations.ts';
import { quoteLiteral, type TableNames } from './sqlNames.ts';

/** The setting every policy reads: a tenant id, or '*' for the system-wide scope. Unset or '' shows nothing. */
export const TENANT_SETTING = 'vellum.tenant';

/**
 * A row is visible (and may be written) when its tenant is the session's, or the session's scope is '*'.
 * The settings are read in sub-selects, evaluated once per statement (InitPlans) instead of once per row:
 * measured on stats over 180k rows, +10% instead of +90% over no policy at all.
 */
export const tenantPolicy = (table: string, column: string): string => `
  ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant_isolation ON ${table}
    USING (${column} = (SELECT current_setting('${TENANT_SETTING}', true))
        OR (SELECT current_setting('${TENANT_SETTING}', true)) = '*');`;

/** A GRANT to the role held in the DO block's `app_role` variable (identifiers cannot be parameters). */
export const grant = (privileges: string, object: string): string =>
  `EXECUTE ${quoteLiteral(`GRANT ${privileges} ON ${object} TO `)} || quote_ident(app_role);`;

/**
 * Migration 6: row-level security on every tenant table, enforced against a role of the application's own.
 *
 * The connecting user owns the schema (it ran the migrations) and may be a superuser; either would bypass
 * row-level security. So every pooled connection switches to a NOLOGIN role (TenantPool.ts) that owns nothing
 * and holds only the privileges below, and the tables FORCE row-level security (binding even their owner, so
 * a later data migration must set the scope too; migrate.ts sets '*').
 *
 * The role is named after the connecting user and the schema. Roles are shared by the whole cluster, so a name
 * from the schema alone ("public" in most deployments) would be one role for every database's Vellum, and a
 * staging user granted it could take it in production's database too. With the user in the name, the role's
 * only member is a user who owns every schema it has privileges on anyway; one user's databases share it
 * (nothing gained), and test or benchmark databases that come and go leave no role behind per database. A
 * name that is not a plain lowercase identifier, or too long, gets a hash of the pair for a tail. The name
 * is fixed here, once, and `app_role()` tells the connections which role to take.
 *
 * Creating it: roles have no CREATE ROLE IF NOT EXISTS. Migrations of one schema are serialised by the
 * advisory lock (migrate.ts), but that lock is per database while the role is not: the same user migrating
 * the same schema name in two databases at once may race to create it (or grant it), and the loser moves on.
 * A connecting user that may not create roles gets an error saying what a superuser must run once.
 *
 * Privileges: no UPDATE, DELETE or TRUNCATE on events (the append-only trigger stays as a second wall), no
 * access to schema_migrations. New tables in later migrations need their own GRANT and policy (migration 7 reuses
 * `tenantPolicy` and `grant`).
 *
 * Backups: FORCE binds pg_dump run by a non-superuser owner too. Plain pg_dump then fails ("query would be
 * affected by row-level security policy"), and --enable-row-security alone dumps no rows at all; the dump
 * must set the system-wide scope: PGOPTIONS='-c vellum.tenant=*' pg_dump --enable-row-security ...
 * (postgresRowSecurity.int.spec.ts runs exactly this). A superuser's pg_dump is unaffected.
 *
 * Tenant tables: events, tenant_heads, request_keys, api_keys, and tenants (each row is one tenant's own).
 * server_secrets is server-wide (no tenant column); schema_migrations is the owner's alone.
 */
export const ROW_SECURITY_MIGRATION: Migration = {
  version: 6,
  name: 'row-level security under an application role',
  sql: (t: TableNames) => `
    DO $vellum_rls$
    DECLARE
      schema_name text := ${t.schemaLiteral};
      owner_name text := current_user;
      readable text := 'vellum_' || owner_name || '_' || schema_name || '_app';
      app_role text;
      role_row pg_roles%ROWTYPE;
    BEGIN
      app_role := CASE WHEN readable ~ '^[a-z0-9_]+$' AND octet_length(readable) <= 63 THEN readable
        ELSE 'vellum_' || left(regexp_replace(lower(owner_name || '_' || schema_name), '[^a-z0-9_]+', '_', 'g'), 40)
          || '_' || left(md5(length(owner_name) || ':' || owner_name || schema_name), 8) || '_app' END;

      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role) THEN
        BEGIN
          EXECUTE 'CREATE ROLE ' || quote_ident(app_role) || ' NOLOGIN';
        EXCEPTION
          WHEN duplicate_object OR unique_violation THEN NULL;
          WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'Vellum runs its queries as the role "%" (row-level security), and "%" may not create roles', app_role, current_user
              USING HINT = format('Have a superuser run once: CREATE ROLE %I NOLOGIN; GRANT %I TO %I;', app_role, app_role, current_user);
        END;
      END IF;

      -- A role made by someone else must not be one that row-level security ignores.
      SELECT * INTO role_row FROM pg_roles WHERE rolname = app_role;
      IF role_row.rolsuper OR role_row.rolbypassrls THEN
        RAISE EXCEPTION 'The role "%" is a superuser or bypasses row-level security; Vellum''s application role must be neither', app_role;
      END IF;

      IF NOT pg_has_role(current_user, app_role, 'MEMBER') THEN
        BEGIN
          EXECUTE 'GRANT ' || quote_ident(app_role) || ' TO ' || quote_ident(current_user);
        EXCEPTION WHEN unique_violation THEN NULL;
        END;
      END IF;

      ${grant('USAGE', `SCHEMA ${t.schema}`)}
      ${grant('SELECT, INSERT', `${t.events}, ${t.requestKeys}, ${t.tenants}, ${t.serverSecrets}`)}
      ${grant('SELECT, INSERT, UPDATE', `${t.tenantHeads}, ${t.apiKeys}`)}
      ${grant('EXECUTE', `FUNCTION ${t.schema}.lock_heads(text[], text[], text[], text[], text[], text[], text[])`)}

      EXECUTE ${quoteLiteral(`CREATE FUNCTION ${t.schema}.app_role() RETURNS text LANGUAGE sql IMMUTABLE AS `)}
        || quote_literal('SELECT ' || quote_literal(app_role) || '::text');
    END $vellum_rls$;

    ${tenantPolicy(t.events, 'tenant')}
    ${tenantPolicy(t.tenantHeads, 'tenant')}
    ${tenantPolicy(t.requestKeys, 'tenant')}
    ${tenantPolicy(t.apiKeys, 'tenant')}
    ${tenantPolicy(t.tenants, 'id')}
  `,
};
