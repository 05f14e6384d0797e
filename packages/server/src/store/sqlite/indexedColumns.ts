import { severityRank, type LogProblem, type StoredEvent } from '@vellum/core';
import { describeColumnDifferences } from '../describeColumnDifferences.ts';
import { changedFieldsOf, tagsOf } from '../eventSideValues.ts';
import type { StatementCache } from './StatementCache.ts';

/**
 * The events table's columns that searches, filters and retention read, in INSERT order, as the append fills them
 * from a sealed event. One definition for both writing a row and checking one (`vellum verify --store`): a row whose
 * columns disagree with its body would be found by the wrong searches, or by none, while its hash still verifies.
 */
export const INDEXED_COLUMNS = [
  'tenant', 'position', 'id', 'stream', 'stream_version', 'type', 'severity', 'outcome', 'actor_type', 'actor_id',
  'entity_type', 'entity_id', 'source', 'correlation_id', 'occurred_at', 'recorded_at', 'idempotency_key',
] as const;

export function indexedColumnValues(event: StoredEvent): unknown[] {
  return [
    event.tenant, event.position, event.id, event.stream, event.streamVersion, event.type, severityRank(event.severity),
    event.outcome ?? null, event.actor.type, event.actor.id, event.entity?.type ?? null, event.entity?.id ?? null,
    event.source ?? null, event.correlationId ?? null, Date.parse(event.occurredAt), Date.parse(event.recordedAt),
    event.idempotencyKey ?? null,
  ];
}

const PAGE = 1000;

/**
 * A page of the tenant's rows after (position, seq) = (?, ?) in that order. `position >= ?` on its own lets the index
 * start at the page — with only the OR of the two bounds SQLite read the tenant's whole range for every page; the
 * rows of that position read already are skipped by rowid. Parameters: tenant, position, position, seq.
 */
export const rowsAfterSql = (pageSize: number): string =>
  `SELECT seq, ${INDEXED_COLUMNS.join(', ')}, body FROM events
    WHERE tenant = ? AND position >= ? AND (position > ? OR seq > ?) ORDER BY position, seq LIMIT ${pageSize}`;

/** Side-table rows that belong to no event are listed up to this many (the CLI lists fewer still). */
const MAX_STRAY_ROWS = 10_000;
type Row = Record<string, unknown> & { seq: number; position: number; body: string };

/**
 * Every row of the tenant (by its tenant column), in (position, rowid) order so rows that share a position are all
 * read, compared with the event its body holds: each indexed column, and a tag and field row for each tag and changed
 * field it carries. Then the other way round: tag and field rows that no event at their position carries. Pages of
 * `pageSize` rows; yields problems as found.
 */
export function* indexedColumnProblems(
  reads: StatementCache, tenant: string, onProgress?: (rows: number) => void, pageSize = PAGE,
): Generator<LogProblem> {
  const rowsAfter = reads.get<Row>(rowsAfterSql(pageSize));
  // Point look-ups on the side tables' primary keys (tenant, value, position).
  const hasTag = reads.get('SELECT 1 FROM event_tags WHERE tenant = ? AND tag = ? AND position = ?').pluck();
  const hasField = reads.get('SELECT 1 FROM event_fields WHERE tenant = ? AND field = ? AND position = ?').pluck();

  let after = { position: 0, seq: 0 };
  let checked = 0;
  for (;;) {
    const rows = rowsAfter.all(tenant, after.position, after.position, after.seq);
    for (const row of rows) {
      let event: StoredEvent;
      let expected: { columns: unknown[]; tags: string[]; fields: string[] };
      try {
        event = JSON.parse(row.body) as StoredEvent;
        expected = { columns: indexedColumnValues(event), tags: tagsOf(event), fields: changedFieldsOf(event) };
      } catch {
        continue; // a body that is not JSON, or not shaped like an event: the log check reports its hash
      }
      const stored = INDEXED_COLUMNS.map((c) => row[c]);
      const differences = describeColumnDifferences(INDEXED_COLUMNS, stored, expected.columns);
      for (const tag of expected.tags) if (hasTag.get(tenant, tag, row.position) === undefined) differences.push(`no tag row for ${JSON.stringify(tag)}, which the event carries`);
      for (const field of expected.fields) {
        if (hasField.get(tenant, field, row.position) === undefined) differences.push(`no changed-field row for ${JSON.stringify(field)}, which the event carries`);
      }
      if (differences.length > 0) {
        yield { position: row.position, eventId: String(row['id']), problem: `the row's indexed columns disagree with its event: ${differences.join('; ')}` };
      }
    }
    checked += rows.length;
    onProgress?.(checked);
    const tail = rows[rows.length - 1];
    if (rows.length < pageSize || tail === undefined) break;
    after = { position: tail.position, seq: tail.seq };
  }
  yield* strayRows(reads, tenant, 'tag', `SELECT t.position, t.tag AS value, ${eventAt('t')} AS has_event FROM event_tags t
      WHERE t.tenant = ? AND NOT EXISTS (SELECT 1 FROM events e, json_each(${jsonBody}, '$.tags') j
        WHERE e.tenant = t.tenant AND e.position = t.position AND j.value = t.tag)`);
  yield* strayRows(reads, tenant, 'changed-field', `SELECT f.position, f.field AS value, ${eventAt('f')} AS has_event FROM event_fields f
      WHERE f.tenant = ? AND NOT EXISTS (SELECT 1 FROM events e, json_each(${jsonBody}, '$.changes') j
        WHERE e.tenant = f.tenant AND e.position = f.position AND json_extract(j.value, '$.field') = f.field)`);
}

// A body that is not JSON reads as an event with no tags or changes (json_each would fail the whole query).
const jsonBody = "CASE WHEN json_valid(e.body) THEN e.body ELSE '{}' END";
const eventAt = (side: string) => `EXISTS (SELECT 1 FROM events e WHERE e.tenant = ${side}.tenant AND e.position = ${side}.position)`;

/**
 * Side-table rows no event at their position carries: one pass over the table in its key order, each row checked
 * against the bodies at its position.
 */
function* strayRows(reads: StatementCache, tenant: string, what: string, sql: string): Generator<LogProblem> {
  const rows = reads.get<{ position: number; value: string; has_event: number }>(`${sql} ORDER BY 1, 2 LIMIT ${MAX_STRAY_ROWS}`).all(tenant);
  for (const { position, value, has_event: hasEvent } of rows) {
    yield {
      position,
      problem: hasEvent === 1
        ? `a ${what} row for ${JSON.stringify(value)}, which the event at this position does not carry`
        : `a ${what} row for ${JSON.stringify(value)} under a position that holds no event`,
    };
  }
}
