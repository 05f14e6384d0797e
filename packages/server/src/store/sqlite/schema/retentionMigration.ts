import type { Migration } from './migrations.ts';

/** Migration 6: retention (issue 5) — policies and pruning. Placeholder until the retention work fills it in. */
export const RETENTION_MIGRATION: Migration = {
  version: 6,
  name: 'retention',
  sql: 'SELECT 1;',
};
