import { ALL_TENANTS } from '@vellum/core';
import type { EventFilter, TenantScope } from '@vellum/core';
import { OFF_ENTITY_STREAM } from './schema/migrations.ts';

/**
 * An entity filter (type and id, one tenant) is answered from two places (see migration 2): the events
 * in the entity's own stream "T:I", through the stream index, and the events filed under another stream,
 * through the partial entity index. Each arm is a WHERE addition; a query runs both and merges them.
 * Returns undefined when the filter doesn't name one entity of one tenant.
 */
export function entitySearchArms(scope: TenantScope, filter: EventFilter): [EntityArm, EntityArm] | undefined {
  if (scope === ALL_TENANTS || filter.entityType === undefined || filter.entityId === undefined) return undefined;
  return [
    { condition: 'e.stream = ?', params: [`${filter.entityType}:${filter.entityId}`], index: 'events_stream_version', logOrderColumn: 'e.stream_version' },
    { condition: OFF_ENTITY_STREAM, params: [], index: 'events_entity_off_stream', logOrderColumn: 'e.position' },
  ];
}

export interface EntityArm {
  condition: string;
  params: unknown[];
  /**
   * The index that serves the arm in log order. A search names it (INDEXED BY): with a cursor the planner
   * would otherwise prefer (tenant, position) and sort the whole rest of the tenant's log.
   */
  index: string;
  /** A column whose order within the arm is log order: within one stream, its version. */
  logOrderColumn: string;
}
