import { VellumError } from '@vellum/core';
import { parseStoreLocation } from './parseStoreLocation.ts';
import { createMemoryStore } from './createMemoryStore.ts';
import type { VellumStore } from './VellumStore.ts';

/**
 * Opens the store a location names (see parseStoreLocation). Drivers load lazily, so a SQLite server
 * never loads pg and vice versa. The caller runs migrate() (SQLite also migrates as it opens).
 */
export async function createStore(location: string): Promise<VellumStore> {
  const parsed = parseStoreLocation(location);
  if ('error' in parsed) {
    throw new VellumError('INVALID_CONFIG', { message: `store: ${parsed.error}`, details: [{ path: '/store', message: parsed.error }] });
  }
  switch (parsed.kind) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite/index.ts');
      return await openSqliteStore({ path: parsed.path });
    }
    case 'postgres': {
      const { openPostgresStore } = await import('./postgres/index.ts');
      // Migrations are the caller's decision (storePlugin at start, or `vellum migrate`).
      return await openPostgresStore({ url: parsed.url, migrate: false });
    }
  }
}
