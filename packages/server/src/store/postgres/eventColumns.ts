import { severityRank } from '@vellum/core';
import type { StoredEvent } from '@vellum/core';
import { changedFieldsOf } from '../eventSideValues.ts';
import { byteaArray, int2Array, int8Array, textArray, timestamptzArray } from './binaryArrays.ts';

/**
 * An event as the columns of one multi-row INSERT: one array per column, sent as binary parameters and read
 * back with unnest(). One statement per commit, whatever the number of events, and no SQL text that varies.
 */
export const EVENT_COLUMNS = [
  ['tenant', 'text'], ['position', 'bigint'], ['id', 'text'], ['stream', 'text'], ['stream_version', 'bigint'],
  ['type', 'text'], ['severity', 'smallint'], ['outcome', 'text'], ['source', 'text'],
  ['actor_type', 'text'], ['actor_id', 'text'], ['entity_type', 'text'], ['entity_id', 'text'],
  ['correlation_id', 'text'], ['occurred_at', 'timestamptz'], ['idempotency_key', 'text'], ['fingerprint', 'text'],
  // text[] per row cannot travel as a 2-D array (rows differ in length): each row's array is sent as its literal.
  ['tags', 'text[]'], ['fields', 'text[]'], ['body', 'text'],
  // The event hash again, as 32 bytes beside the body (migration 7): the Merkle leaves without parsing bodies.
  ['hash', 'bytea'],
] as const;

/**
 * PostgreSQL text cannot hold U+0000, which JSON (and so a client) can send. Indexed columns get U+FFFD in its
 * place — query values get the same treatment, so filters still match — while the body keeps the truth.
 */
export const columnText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s);
const optionalText = (s: string | undefined): string | null => (s === undefined ? null : columnText(s));

/** A text[] literal (`{"a","b\"c"}`), or null for none. */
export function textArrayLiteral(values: readonly string[] | undefined): string | null {
  if (values === undefined || values.length === 0) return null;
  return `{${values.map((v) => `"${columnText(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

/** A sealed event and, for an event with an idempotency key, its fingerprint. */
export interface EventRow {
  event: StoredEvent;
  fingerprint: string | undefined;
}

/**
 * One event's values in EVENT_COLUMNS order, as the append writes them (text[] as literals, the timestamp as its ISO
 * text). `vellum verify --store` compares stored rows with what this makes of their bodies (indexedColumns.ts), and
 * passes the body text it read rather than have it serialised again.
 */
export function eventColumnRow(e: StoredEvent, fingerprint: string | undefined, body = JSON.stringify(e)): unknown[] {
  return [
    columnText(e.tenant), e.position, columnText(e.id), columnText(e.stream), e.streamVersion,
    columnText(e.type), severityRank(e.severity), optionalText(e.outcome), optionalText(e.source),
    columnText(e.actor.type), columnText(e.actor.id), optionalText(e.entity?.type), optionalText(e.entity?.id),
    optionalText(e.correlationId), e.occurredAt, optionalText(e.idempotencyKey), fingerprint ?? null,
    textArrayLiteral(e.tags), textArrayLiteral(changedFieldsOf(e)), body, Buffer.from(e.hash, 'hex'),
  ];
}

export function eventColumnArrays(rows: readonly EventRow[]): Buffer[] {
  const columns: unknown[][] = EVENT_COLUMNS.map(() => new Array<unknown>(rows.length));
  rows.forEach(({ event, fingerprint }, i) => {
    eventColumnRow(event, fingerprint).forEach((v, c) => { (columns[c] as unknown[])[i] = v; });
  });
  return columns.map((values, c) => {
    switch (EVENT_COLUMNS[c]?.[1]) {
      case 'bigint': return int8Array(values as number[]);
      case 'smallint': return int2Array(values as number[]);
      case 'timestamptz': return timestamptzArray(values as string[]);
      case 'bytea': return byteaArray(values as Buffer[]);
      default: return textArray(values as Array<string | null>);
    }
  });
}
