import type { LogProblem, StoredEvent } from '@vellum/core';
import { describeColumnDifferences } from '../describeColumnDifferences.ts';
import { EVENT_COLUMNS, eventColumnRow, textArrayLiteral } from './eventColumns.ts';
import type { TableNames } from './sqlNames.ts';
import { statement, run } from './statement.ts';
import type { TenantPool } from './TenantPool.ts';

/**
 * The columns a row is checked on: every one the append fills from the event, except the body itself and the
 * request fingerprint (which the body does not hold). See EventStore.indexedColumnProblems.
 */
const CHECKED = EVENT_COLUMNS.map(([name]) => name).filter((name) => name !== 'body' && name !== 'fingerprint');
const PAGE = 1000;

type Row = Record<string, unknown> & { row_id: string; position: string; body: string };

/** Stored values brought to the form eventColumnRow gives them (pg returns bigints as text, timestamps as Dates, arrays parsed). */
function normalised(column: string, value: unknown): unknown {
  if (value === null) return null;
  switch (column) {
    case 'position': case 'stream_version': return Number(value);
    case 'occurred_at': return (value as Date).getTime();
    case 'tags': case 'fields': return textArrayLiteral(value as string[]);
    default: return value;
  }
}

/**
 * Every row under the tenant's tenant column, in (position, ctid) order so rows that share a position are all read,
 * a page at a time, compared with what the append would have written for the event its body holds.
 */
export async function* indexedColumnProblems(
  pool: TenantPool, t: TableNames, tenant: string, onProgress?: (rows: number) => void,
): AsyncGenerator<LogProblem> {
  const page = statement(
    `SELECT ctid::text AS row_id, ${CHECKED.join(', ')}, body FROM ${t.events}
      WHERE tenant = $1 AND (position, ctid) > ($2::bigint, $3::tid) ORDER BY position, ctid LIMIT ${PAGE}`,
  );
  const expectedAt = CHECKED.map((name) => EVENT_COLUMNS.findIndex(([column]) => column === name));
  let after: [string, string] = ['0', '(0,0)'];
  let checked = 0;
  for (;;) {
    const rows = await pool.rows<Row>(tenant, run(page, [tenant, ...after]));
    for (const row of rows) {
      let event: StoredEvent;
      try {
        event = JSON.parse(row.body) as StoredEvent;
      } catch {
        continue; // an unreadable body is the log check's finding, not this one's
      }
      let expected: unknown[];
      try {
        const full = eventColumnRow(event, undefined, row.body);
        expected = expectedAt.map((i) => full[i]);
      } catch {
        continue; // a body without the shape of an event: the log check reports its hash
      }
      const wanted = expected.map((value, i) => (CHECKED[i] === 'occurred_at' ? Date.parse(value as string) : value));
      // A null hash column is allowed (migration 7): readers then take the hash from the body, so it cannot mislead.
      const stored = CHECKED.map((column, i) => (column === 'hash' && row[column] === null ? wanted[i] : normalised(column, row[column])));
      const differences = describeColumnDifferences(CHECKED, stored, wanted);
      if (differences.length > 0) {
        yield { position: Number(row.position), eventId: String(row['id']), problem: `the row's indexed columns disagree with its event: ${differences.join('; ')}` };
      }
    }
    checked += rows.length;
    onProgress?.(checked);
    const tail = rows[rows.length - 1];
    if (rows.length < PAGE || tail === undefined) return;
    after = [tail.position, tail.row_id];
  }
}
