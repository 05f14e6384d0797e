import type { StoredEvent } from '@vellum/core';

/**
 * The multi-valued filters an event is indexed under, each value once: its tags, and the fields its changes name.
 * Both stores write these (SQLite as side-table rows, PostgreSQL as the `fields` array) and `vellum verify --store`
 * checks them, from this one definition.
 */
export const tagsOf = (event: StoredEvent): string[] => [...new Set(event.tags ?? [])];
export const changedFieldsOf = (event: StoredEvent): string[] => [...new Set((event.changes ?? []).map((c) => c.field))];
