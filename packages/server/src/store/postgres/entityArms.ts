import { ALL_TENANTS } from '@vellum/core';
import type { EventFilter, TenantScope } from '@vellum/core';
import { OFF_ENTITY_STREAM } from './entityIndexMigration.ts';
import { columnText } from './eventColumns.ts';
import type { Params } from './filterSql.ts';

/** One half of an entity filter: a condition to add to the filter's own, and the column giving log order within it. */
export interface EntityArm {
  condition: string;
  logOrderColumn: string;
}

/**
 * An entity filter (type and id, one tenant) is answered from two places (migration 13): the events in the entity's
 * own stream "T:I", through the stream index, and the events filed under another stream, through the partial entity
 * index. The two are disjoint and together are exactly the entity's events; a query runs both and merges them.
 * Undefined when the filter doesn't name one entity of one tenant, or names a stream too (the stream index serves).
 */
export function entityArms(tenant: TenantScope, filter: EventFilter, p: Params): [EntityArm, EntityArm] | undefined {
  if (tenant === ALL_TENANTS || filter.entityType === undefined || filter.entityId === undefined || filter.stream !== undefined) return undefined;
  return [
    // Within one stream, version order is log order, and the stream index hands rows out in it.
    { condition: `stream = ${p.add(columnText(`${filter.entityType}:${filter.entityId}`))}`, logOrderColumn: 'stream_version' },
    { condition: OFF_ENTITY_STREAM, logOrderColumn: 'position' },
  ];
}
