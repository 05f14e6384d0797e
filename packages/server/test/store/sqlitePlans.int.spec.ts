import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TENANTS, encodeCursor } from '@vellum/core';
import type { SearchQuery, StatsQuery } from '@vellum/core';
import { READ_SQL } from '../../src/store/sqlite/readSql.ts';
import { migrate } from '../../src/store/sqlite/schema/migrations.ts';
import { searchSql } from '../../src/store/sqlite/searchQuery.ts';
import type { SqliteConnection } from '../../src/store/sqlite/SqliteConnection.ts';
import { statsSql } from '../../src/store/sqlite/statsQuery.ts';

/**
 * The queries DESIGN.md promises to serve fast must be answered from an index, in log order where they
 * return "the newest N": a plan that scans the table or sorts the matches would be fine on a test
 * database and hopeless at ten million events. The store runs no ANALYZE, so these plans are the ones
 * production gets.
 */
const day = { from: '2026-11-22T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' };
const page = (q: Partial<SearchQuery>): SearchQuery => ({ limit: 50, order: 'desc', ...q });
const cursor = encodeCursor({ k: 1000 });

describe('SQLite query plans', () => {
  let db: Database.Database;
  const planLines = (sql: string, params: unknown[]): string[] =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
  const plan = (sql: string, params: unknown[]): string => planLines(sql, params).join(' | ');
  /** A sort of the matches themselves; sorting one page that a merged arm returned (SCAN (subquery-n)) is fine. */
  const sortsMatches = (lines: string[]): boolean =>
    lines.some((line, i) => line.startsWith('USE TEMP B-TREE') && !(lines[i - 1] ?? '').startsWith('SCAN (subquery'));

  beforeAll(() => {
    db = new Database(':memory:');
    migrate(db as unknown as SqliteConnection);
  });
  afterAll(() => db.close());

  // [name, query, the index that must drive it]
  const searches: [string, SearchQuery, string][] = [
    ["an actor's events over one day", page({ actorType: 'user', actorId: '5', ...day }), 'events_actor'],
    ["an actor's events over one day, oldest first from a cursor", page({ actorType: 'user', actorId: '5', ...day, order: 'asc', cursor }), 'events_actor'],
    ['one event type', page({ types: ['configuration.updated'] }), 'events_type'],
    ['a tenant\'s newest events', page({}), 'events_tenant_position'],
    ['a tenant\'s events from a cursor', page({ cursor }), 'events_tenant_position'],
    ['a type glob, in log order', page({ types: ['configuration.*'] }), 'events_tenant_position'],
    ['a stream\'s events from a cursor', page({ stream: 'Order:1', cursor }), 'events_stream_version'],
    ['a correlation id', page({ correlationId: 'c-1' }), 'events_correlation'],
    ['a tag', page({ tags: ['company:123'] }), 'PRIMARY KEY'],
    ['two tags and an actor', page({ tags: ['company:123', 'config:fee'], actorType: 'user', actorId: '5' }), 'events_'],
    ['who changed a field', page({ field: 'fee_percentage' }), 'PRIMARY KEY'],
  ];

  for (const [name, query, index] of searches) {
    it(`answers ${name} from ${index} without sorting the matches`, () => {
      const { sql, params } = searchSql('acme', query);
      const detail = plan(sql, params);
      expect(detail).toContain(`USING`);
      expect(detail).toContain(index);
      expect(detail).not.toMatch(/SCAN e\b|SCAN d\b/);
      expect(detail).not.toContain('TEMP B-TREE');
    });
  }

  // An entity's events: its own stream through the stream index, merged with those filed elsewhere.
  for (const [name, query] of [
    ["an entity's newest 50 events", page({ entityType: 'PolicyConfiguration', entityId: '123' })],
    ["an entity's events from a cursor, oldest first", page({ entityType: 'PolicyConfiguration', entityId: '123', cursor, order: 'asc' })],
    ["an entity's failures over a day", page({ entityType: 'PolicyConfiguration', entityId: '123', outcome: 'failure', ...day })],
  ] as const) {
    it(`answers ${name} by merging the stream index and the off-stream entity index, each in log order`, () => {
      const { sql, params } = searchSql('acme', query);
      const lines = planLines(sql, params);
      // From a cursor, the stream arm starts at it: a bound on the version (streamVersionAtCursor.ts).
      const stream = query.cursor === undefined ? 'stream=\\?' : 'stream=\\? AND stream_version>\\?';
      expect(lines.join(' | ')).toMatch(new RegExp(`MERGE \\(UNION ALL\\).*SEARCH e USING INDEX events_stream_version \\(tenant=\\? AND ${stream}\\).*SEARCH e USING INDEX events_entity_off_stream \\(tenant=\\? AND entity_type=\\? AND entity_id=\\?`));
      expect(sortsMatches(lines)).toBe(false);
    });
  }

  // A cursor of an entity search carries a version of the entity's stream (CursorKey.s): the stream arm then starts
  // there — an index bound — instead of stepping over every newer event of the stream to reach the cursor.
  for (const order of ['desc', 'asc'] as const) {
    it(`starts the stream arm of an entity search (${order}) at the stream version its cursor carries`, () => {
      const hinted = page({ entityType: 'PolicyConfiguration', entityId: '123', order, cursor: encodeCursor({ k: 1000, s: 40 }) });
      const lines = planLines(searchSql('acme', hinted).sql, searchSql('acme', hinted).params);
      const bound = order === 'desc' ? '<' : '>';
      expect(lines.join(' | ')).toContain(`SEARCH e USING INDEX events_stream_version (tenant=? AND stream=? AND stream_version${bound}?)`);
      // The version the cursor carries, checked; the cursor's own event; ascending, the stream's newest event.
      expect(lines.join(' | ')).toContain('SEARCH c USING INDEX events_stream_version (tenant=? AND stream=? AND stream_version=?)');
      expect(lines.join(' | ')).toContain('SEARCH c USING INDEX events_tenant_position (tenant=? AND position=?)');
      if (order === 'asc') expect(lines.join(' | ')).toMatch(/CO-ROUTINE h \| SEARCH c USING INDEX events_stream_version \(tenant=\? AND stream=\?\)/);
      expect(sortsMatches(lines)).toBe(false);
    });
  }

  it('reads the system-wide trail (all tenants) in rowid order from a cursor, without sorting', () => {
    const { sql, params } = searchSql(ALL_TENANTS, page({ cursor }));
    const detail = plan(sql, params);
    expect(detail).toContain('USING INTEGER PRIMARY KEY (rowid<?)');
    expect(detail).not.toContain('TEMP B-TREE');
  });

  const stats: [string, StatsQuery, string][] = [
    ['counts by type over a day', { groupBy: 'type', ...day }, 'events_type'],
    ["an actor's counts by severity per hour", { groupBy: 'severity', actorType: 'user', actorId: '5', interval: 'hour' }, 'events_actor'],
    ["an entity's counts by actor", { groupBy: 'actor', entityType: 'Order', entityId: '7' }, 'events_stream_version'],
    ["an entity's counts by actor, off its stream too", { groupBy: 'actor', entityType: 'Order', entityId: '7' }, 'events_entity_off_stream'],
  ];
  for (const [name, query, index] of stats) {
    it(`computes ${name} from ${index}`, () => {
      const { sql, params } = statsSql('acme', query);
      const detail = plan(sql, params);
      expect(detail).toContain(index);
      expect(detail).not.toMatch(/SCAN e\b/);
    });
  }

  it('reads a stream in both directions, its version, a tenant head and an event by id from their indexes', () => {
    expect(plan(READ_SQL.streamBackward, ['acme', 'Order:1', 10, 50])).toMatch(/^SEARCH events USING INDEX events_stream_version \(tenant=\? AND stream=\? AND stream_version<\?\)$/);
    expect(plan(READ_SQL.streamForward, ['acme', 'Order:1', 1, 50])).toMatch(/^SEARCH events USING INDEX events_stream_version \(tenant=\? AND stream=\? AND stream_version>\?\)$/);
    expect(plan(READ_SQL.streamVersion, [{ tenant: 'acme', stream: 'Order:1' }])).toContain('COVERING INDEX events_stream_version');
    expect(plan(READ_SQL.headPosition, ['acme'])).toContain('COVERING INDEX events_tenant_position');
    expect(plan(READ_SQL.byIdInTenant, ['x', 'acme'])).toContain('INDEX events_id (id=?)');
    expect(plan(READ_SQL.byId, ['x'])).toContain('INDEX events_id (id=?)');
  });

  it('checks an idempotency key and a request key with one index seek each', () => {
    expect(plan('SELECT id FROM events WHERE tenant = ? AND idempotency_key = ?', ['acme', 'k'])).toContain('INDEX events_idempotency (tenant=? AND idempotency_key=?)');
    expect(plan('SELECT results FROM request_keys WHERE tenant = ? AND key = ?', ['acme', 'k'])).toContain('PRIMARY KEY (tenant=? AND key=?)');
  });
});
