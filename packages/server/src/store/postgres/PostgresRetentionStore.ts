import type { RetentionStore } from '@vellum/core';
import type { TableNames } from './sqlNames.ts';
import type { TenantPool } from './TenantPool.ts';

/** RetentionStore on PostgreSQL. Placeholder until retention is built. */
export class PostgresRetentionStore implements RetentionStore {
  constructor(
    readonly pool: TenantPool,
    readonly t: TableNames,
  ) {}
}
