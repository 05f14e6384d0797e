/**
 * The rows the bare-driver baselines insert: what a plain hand-written audit table holds for each event
 * (ids, tenant, position, stream and version, the columns the queries filter on, the JSON body and a
 * SHA-256), with the indexes DESIGN.md lists. It is the floor Vellum's overhead is measured against.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RingEvent } from '../EventRing.ts';

export interface BareRow {
  tenant: string;
  position: number;
  id: string;
  stream: string;
  streamVersion: number;
  type: string;
  actorType: string;
  actorId: string;
  entityType: string | null;
  entityId: string | null;
  occurredAt: string;
  recordedAt: string;
  body: string;
  hash: string;
}

export const BARE_COLUMNS = ['tenant', 'position', 'id', 'stream', 'stream_version', 'type', 'actor_type', 'actor_id', 'entity_type', 'entity_id', 'occurred_at', 'recorded_at', 'body', 'hash'] as const;

export function rowValues(r: BareRow): (string | number | null)[] {
  return [r.tenant, r.position, r.id, r.stream, r.streamVersion, r.type, r.actorType, r.actorId, r.entityType, r.entityId, r.occurredAt, r.recordedAt, r.body, r.hash];
}

/**
 * The secondary indexes of DESIGN.md ("Storage"). `indexes: false` gives the ceiling: a table with only
 * its primary key. Column types are filled in per dialect.
 */
export function bareIndexesSql(table: string): string[] {
  return [
    `CREATE UNIQUE INDEX ${table}_stream ON ${table} (tenant, stream, stream_version)`,
    `CREATE UNIQUE INDEX ${table}_id ON ${table} (id)`,
    `CREATE INDEX ${table}_actor ON ${table} (tenant, actor_type, actor_id, occurred_at)`,
    `CREATE INDEX ${table}_entity ON ${table} (tenant, entity_type, entity_id, occurred_at)`,
    `CREATE INDEX ${table}_type ON ${table} (tenant, type, occurred_at)`,
  ];
}

/** A time-ordered id (UUIDv7 layout), as Vellum's are: random v4 ids would make the id index slower than Vellum's. */
function uuidv7(nowMs: number): string {
  const b = randomBytes(16);
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Assigns positions and stream versions in the process (a bare app would, or would use a sequence), so
 * concurrent writers never conflict: the baseline measures the insert, not a locking scheme.
 */
export function createRowSequencer(tenant = 'default') {
  let position = 0;
  const versions = new Map<string, number>();
  return (events: readonly RingEvent[]): BareRow[] => {
    const now = Date.now();
    const recordedAt = new Date(now).toISOString();
    return events.map((e) => {
      const streamVersion = (versions.get(e.stream) ?? 0) + 1;
      versions.set(e.stream, streamVersion);
      return {
        tenant,
        position: ++position,
        id: uuidv7(now),
        stream: e.stream,
        streamVersion,
        type: e.type,
        actorType: e.actorType,
        actorId: e.actorId,
        entityType: e.entityType,
        entityId: e.entityId,
        occurredAt: e.occurredAt,
        recordedAt,
        body: e.json,
        hash: createHash('sha256').update(e.json).digest('hex'),
      };
    });
  };
}
