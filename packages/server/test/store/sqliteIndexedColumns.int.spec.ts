import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogProblem } from '@vellum/core';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { indexedColumnProblems, rowsAfterSql } from '../../src/store/sqlite/indexedColumns.ts';
import { StatementCache } from '../../src/store/sqlite/StatementCache.ts';
import type { SqliteConnection } from '../../src/store/sqlite/SqliteConnection.ts';
import { preparedEvent, tempDir } from './sqliteTestSupport.ts';

// The column pass of `vellum verify --store` on SQLite, at page sizes small enough to put page boundaries where rows
// share a position (the CLI tests in test/cli/verify.int.spec.ts cover what it reports through the command).

const TENANT = 'acme';
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function storeWith(count: number): Promise<string> {
  const { dir, remove } = tempDir();
  cleanup = remove;
  const file = `${dir}/v.db`;
  const store = openSqliteStore({ path: file });
  const events = Array.from({ length: count }, (_, i) =>
    preparedEvent(TENANT, { stream: `s:${i % 3}`, tags: [`t${i % 2}`, 'all'], changes: [{ field: `f${i % 4}`, old: 1, new: 2 }], correlationId: `c${i}` }),
  );
  const [outcome] = await store.append([{ tenant: TENANT, events }]);
  expect(outcome?.status).toBe('committed');
  await store.close();
  return file;
}

function problems(db: Database.Database, pageSize: number): { problems: LogProblem[]; progress: number[] } {
  const progress: number[] = [];
  const found = [...indexedColumnProblems(new StatementCache(db as unknown as SqliteConnection), TENANT, (n) => progress.push(n), pageSize)];
  return { problems: found, progress };
}

describe('SQLite indexed-column check', () => {
  it('finds nothing in an untouched log at any page size, and reports progress per page', async () => {
    const db = new Database(await storeWith(10), { readonly: true });
    for (const size of [1, 3, 10, 1000]) expect(problems(db, size).problems).toEqual([]);
    expect(problems(db, 4).progress).toEqual([4, 8, 10]);
    db.close();
  });

  it('starts each page where the previous one ended, through the position index (no re-reading from the start)', async () => {
    const db = new Database(await storeWith(3), { readonly: true });
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${rowsAfterSql(1000)}`).all('acme', 1, 1, 1) as Array<{ detail: string }>).map((r) => r.detail);
    expect(plan).toEqual([expect.stringMatching(/^SEARCH events USING INDEX events_tenant_position \(tenant=\? AND position>\?\)$/)]);
    db.close();
  });

  it('reads every row that shares a position across a page boundary, with that position\'s tag and field rows', async () => {
    const db = new Database(await storeWith(7));
    // Two more rows claiming position 3, copies of its event: the log pass reports the duplicates; the column pass
    // must find them consistent (their tag and field rows are position 3's) whichever page they land on.
    db.exec('DROP TRIGGER events_no_update; DROP INDEX events_tenant_position; DROP INDEX events_stream_version; DROP INDEX events_id;');
    for (let i = 0; i < 2; i++) {
      db.exec(`INSERT INTO events (tenant, position, id, stream, stream_version, type, severity, outcome, actor_type, actor_id, entity_type,
        entity_id, source, correlation_id, occurred_at, recorded_at, idempotency_key, fingerprint, body)
        SELECT tenant, position, id, stream, stream_version, type, severity, outcome, actor_type, actor_id, entity_type, entity_id, source,
          correlation_id, occurred_at, recorded_at, idempotency_key, fingerprint, body FROM events WHERE position = 3 AND seq = 3`);
    }
    for (const size of [1, 2, 3, 4, 5, 1000]) expect(problems(db, size).problems, `page size ${size}`).toEqual([]);

    // Now one of the copies says another actor in its column: reported once, under position 3, at every page size.
    db.exec("UPDATE events SET actor_id = 'mallory' WHERE seq = (SELECT MAX(seq) FROM events)");
    for (const size of [1, 2, 3, 4, 1000]) {
      expect(problems(db, size).problems, `page size ${size}`).toEqual([
        { position: 3, eventId: expect.any(String), problem: expect.stringMatching(/^the row's indexed columns disagree with its event: actor_id holds "mallory" where the event says "1"$/) },
      ]);
    }
    db.close();
  });

  it('reports tag and field rows no event carries, with or without an event at their position, and ignores other tenants\' rows', async () => {
    const db = new Database(await storeWith(3));
    db.exec(`INSERT INTO event_tags (tenant, tag, position) VALUES ('${TENANT}', 'ghost', 9), ('${TENANT}', 'vip', 2), ('other', 'x', 2)`);
    db.exec(`INSERT INTO event_fields (tenant, field, position) VALUES ('${TENANT}', 'ghost', 4)`);
    for (const size of [1, 2, 1000]) {
      expect(problems(db, size).problems, `page size ${size}`).toEqual([
        { position: 2, problem: 'a tag row for "vip", which the event at this position does not carry' },
        { position: 9, problem: 'a tag row for "ghost" under a position that holds no event' },
        { position: 4, problem: 'a changed-field row for "ghost" under a position that holds no event' },
      ]);
    }
    db.close();
  });

  it('names each tag and changed field whose row is missing', async () => {
    const db = new Database(await storeWith(3));
    db.exec('DROP TRIGGER event_tags_no_delete; DROP TRIGGER event_fields_no_delete;');
    db.exec(`DELETE FROM event_tags WHERE position = 2 AND tag = 'all'; DELETE FROM event_fields WHERE position = 3`);
    expect(problems(db, 2).problems).toEqual([
      { position: 2, eventId: expect.any(String), problem: 'the row\'s indexed columns disagree with its event: no tag row for "all", which the event carries' },
      { position: 3, eventId: expect.any(String), problem: 'the row\'s indexed columns disagree with its event: no changed-field row for "f2", which the event carries' },
    ]);
    db.close();
  });

  it('reads a body that is not JSON as the log check\'s finding, not its own', async () => {
    const db = new Database(await storeWith(3));
    db.exec('DROP TRIGGER events_no_update;');
    db.exec(`UPDATE events SET body = '{not json' WHERE position = 2`);
    // Position 2's tag and field rows now belong to an event no one can read: they count as carried by none.
    expect(problems(db, 1000).problems.map((p) => `${p.position} ${p.problem}`)).toEqual([
      '2 a tag row for "all", which the event at this position does not carry',
      '2 a tag row for "t1", which the event at this position does not carry',
      '2 a changed-field row for "f1", which the event at this position does not carry',
    ]);
    db.close();
  });
});
