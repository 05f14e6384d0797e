import type { Migration } from './migrations.ts';

/** Migration 7: durable subscriptions (issue 4). Placeholder until the subscription store fills it in. */
export const SUBSCRIPTIONS_MIGRATION: Migration = {
  version: 7,
  name: 'subscriptions',
  sql: 'SELECT 1;',
};
