import type { Migration } from './migrations.ts';
import { grant, tenantPolicy } from './rowSecurityMigration.ts';

/**
 * Migration 8: subject keys for crypto-shredding of personal data (PersonalDataStore). A row holds a subject's
 * 32-byte AES key until the subject is forgotten; forgetting DELETEs the row and inserts a tombstone (key NULL,
 * forgotten_at set), so the subject never gets a key again. A tenant table like the others: row-level security
 * (FORCE) and grants to the application role — SELECT and INSERT, and DELETE on this table only (no UPDATE: a
 * key never changes, it is only destroyed).
 *
 * Dead tuples: PostgreSQL's DELETE only marks the row version dead; its bytes stay in the table's page (and in
 * WAL segments until they are recycled) until VACUUM reclaims the space and the page is rewritten. The store
 * runs a plain VACUUM of this small table after a forget (PostgresPersonalDataStore), which prunes the dead
 * tuple; the WAL that recorded the key's insert is recycled after the next checkpoints, and base backups and
 * archived WAL taken before the forget still hold the key — retention of those is the operator's to bound.
 */
export const PERSONAL_DATA_MIGRATION: Migration = {
  version: 8,
  name: 'subject keys',
  sql: (t) => `
    CREATE TABLE ${t.subjectKeys} (
      tenant text COLLATE "C" NOT NULL,
      subject text COLLATE "C" NOT NULL,
      key bytea CHECK (key IS NULL OR octet_length(key) = 32),
      created_at timestamptz NOT NULL,
      forgotten_at timestamptz,
      CHECK ((key IS NULL) = (forgotten_at IS NOT NULL)),
      PRIMARY KEY (tenant, subject)
    );

    DO $vellum_personal$
    DECLARE
      app_role text := ${t.schema}.app_role();
    BEGIN
      ${grant('SELECT, INSERT, DELETE', t.subjectKeys)}
    END $vellum_personal$;

    ${tenantPolicy(t.subjectKeys, 'tenant')}
  `,
};
