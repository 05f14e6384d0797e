import type { Migration } from './migrations.ts';

/**
 * Migration 5: subject keys for crypto-shredding of personal data (PersonalDataStore). A row holds a subject's
 * 32-byte AES key until the subject is forgotten; then the key is deleted and the row comes back as a tombstone
 * (key NULL, forgotten_at set), so the subject never gets a key again. personalDataStatements.ts deletes with
 * `secure_delete` on and checkpoints the WAL, so the key bytes leave the files.
 */
export const PERSONAL_DATA_MIGRATION: Migration = {
  version: 5,
  name: 'subject keys',
  sql: `
    CREATE TABLE subject_keys (
      tenant       TEXT NOT NULL,
      subject      TEXT NOT NULL,
      key          BLOB CHECK (key IS NULL OR length(key) = 32),
      created_at   TEXT NOT NULL,
      forgotten_at TEXT,
      CHECK ((key IS NULL) = (forgotten_at IS NOT NULL)),
      PRIMARY KEY (tenant, subject)
    ) WITHOUT ROWID;
  `,
};
