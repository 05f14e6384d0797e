import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '@vellum/core';
import type { SearchQuery } from '@vellum/core';
import pgDriver from 'pg';
import { service } from '../support/services.ts';
import { dropStoreSchema, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import type { PgQueryConfig } from '../../src/store/postgres/PgPool.ts';
import { appendStatements } from '../../src/store/postgres/appendSql.ts';
import { readStreamQuery, streamStatements } from '../../src/store/postgres/readStreamSql.ts';
import { searchSql } from '../../src/store/postgres/searchEvents.ts';
import { statsSql } from '../../src/store/postgres/statsSql.ts';
import { tableNames, type TableNames } from '../../src/store/postgres/sqlNames.ts';
import { run } from '../../src/store/postgres/statement.ts';
import { openTestStore, prepared, sql } from './postgresTestSupport.ts';

const pg = await service('postgres');

const EVENTS = 20_000;
const DAY = 86_400_000;
const START = Date.parse('2026-10-01T00:00:00.000Z');

interface PlanNode { 'Node Type': string; 'Scan Direction'?: string; 'Index Name'?: string; Plans?: PlanNode[] }

interface AnalyzedNode { 'Index Name'?: string; 'Rows Removed by Filter'?: number; Plans?: AnalyzedNode[] }
const analyzedNodes = (node: AnalyzedNode): AnalyzedNode[] => [node, ...(node.Plans ?? []).flatMap(analyzedNodes)];

/** Every node of a plan, flattened, as "Node Type[ on index]". */
function planNodes(node: PlanNode): string[] {
  const direction = node['Scan Direction'] === 'Backward' ? ' Backward' : '';
  return [`${node['Node Type']}${direction}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`, ...(node.Plans ?? []).flatMap(planNodes)];
}

describe.skipIf(!pg)('PostgreSQL store query plans', () => {
  const url = pg as string;
  let store: PostgresEventStore;
  let t: TableNames;

  beforeAll(async () => {
    store = await openTestStore(url, 'plans');
    t = tableNames(store.schema);
    // 20 days of events: 200 actors, 1,000 entities, 10 types, 50 company tags, 20 changed fields; and a
    // second tenant, so that the tenant column has to narrow too.
    const batches = Array.from({ length: EVENTS / 100 }, (_, b) => ({
      tenant: b % 10 === 0 ? 'other' : 'bench',
      events: Array.from({ length: 100 }, (_, j) => {
        const i = b * 100 + j;
        return prepared({
          tenant: b % 10 === 0 ? 'other' : 'bench',
          type: `domain.event_${i % 10}`,
          actor: { type: 'user', id: String(i % 200) },
          entity: { type: 'Policy', id: String(i % 1000) },
          // A few events filed under a stream other than their entity's own (a bulk import's, say).
          ...(i % 13 === 0 ? { stream: `import:${i % 50}` } : {}),
          changes: [{ field: `f${i % 20}`, old: 1, new: 2 }],
          tags: [`company:${i % 50}`],
          correlationId: `c-${Math.floor(i / 5)}`,
          occurredAt: new Date(START + Math.floor((i * 20 * DAY) / EVENTS)).toISOString(),
          ...(i % 7 === 0 ? { idempotencyKey: `k-${i}` } : {}),
        });
      }),
    }));
    for (let i = 0; i < batches.length; i += 20) await store.append(batches.slice(i, i + 20));
    await sql(url, `ANALYZE ${t.events}`);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    if (store) await dropStoreSchema(url, store.schema);
  });

  const explain = async (q: PgQueryConfig): Promise<string[]> => {
    const [row] = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(url, `EXPLAIN (FORMAT JSON) ${q.text}`, [...(q.values ?? [])]);
    return planNodes(row!['QUERY PLAN'][0].Plan);
  };
  const search = (query: Partial<SearchQuery>, tenant = 'bench') => searchSql(t, tenant, { limit: 50, order: 'desc', ...query });
  const day = { from: '2026-10-10T00:00:00.000Z', to: '2026-10-11T00:00:00.000Z' };

  it.each([
    ['the latest 50 of an actor over a day', () => search({ actorType: 'user', actorId: '42', ...day }), 'Index Scan Backward on events_actor'],
    ['an entity\'s events', () => search({ entityType: 'Policy', entityId: '7' }), ['Index Scan Backward on events_stream', 'Index Scan Backward on events_entity_off_stream']],
    ['an entity\'s events after a cursor', () => search({ entityType: 'Policy', entityId: '7', cursor: encodeCursor({ k: 9_000 }) }), ['Index Scan Backward on events_stream', 'Index Scan Backward on events_entity_off_stream']],
    ['stats of an entity', () => statsSql(t, 'bench', { groupBy: 'type', entityType: 'Policy', entityId: '7' }), ['on events_stream', 'on events_entity_off_stream']],
    ['one type over a day', () => search({ types: ['domain.event_3'], ...day }), 'Index Scan Backward on events_type'],
    ['the tenant\'s latest page after a cursor', () => search({}), 'Index Scan Backward on events_pkey'],
    ['one correlation id', () => search({ correlationId: 'c-77' }), 'events_correlation'],
    ['a tag', () => search({ tags: ['company:7'], ...day }), 'Bitmap Index Scan on events_tags'],
    ['a changed field', () => search({ field: 'f3', ...day }), 'Bitmap Index Scan on events_fields'],
    ['the system-wide trail', () => search({}, '*'), 'Index Scan Backward on events_seq'],
    ['an entity trail, latest 50', () => readStreamQuery(streamStatements(t), 'bench', 'Policy:7', { direction: 'backward', limit: 50 }), 'Index Scan Backward on events_stream'],
    ['an entity trail from a version', () => readStreamQuery(streamStatements(t), 'bench', 'Policy:7', { direction: 'forward', fromVersion: 3, limit: 50 }), 'Index Scan on events_stream'],
    ['stats over one day of an old range', () => statsSql(t, 'bench', { groupBy: 'type', ...day }), 'Bitmap Index Scan on events_occurred_at'],
    ['an event by id', () => ({ text: `SELECT body FROM ${t.events} WHERE id = $1 AND tenant = $2`, values: ['x', 'bench'] }), 'Index Scan on events_id'],
  ])('plans %s as an index scan', async (_, query, expected) => {
    const nodes = await explain(query());
    for (const part of [expected].flat()) expect(nodes.join(' | ')).toContain(part);
    expect(nodes.filter((n) => n.startsWith('Seq Scan on') || n === 'Seq Scan')).toEqual([]);
  });

  /** The same plans as the application role sees them, under row-level security with the tenant set. */
  /** The root of `EXPLAIN (<options>, FORMAT JSON)` run as the application role, under row-level security with the tenant set. */
  const planAsApp = async <P>(q: PgQueryConfig, scope: string, options = ''): Promise<P> => {
    const client = new pgDriver.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`SELECT set_config('role', ${t.schema}.app_role(), false), set_config('vellum.tenant', $1, false)`, [scope]);
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: P }] }>(`EXPLAIN (${options}FORMAT JSON) ${q.text}`, [...(q.values ?? [])]);
      return rows[0]!['QUERY PLAN'][0].Plan;
    } finally {
      await client.end();
    }
  };
  const explainAsApp = async (q: PgQueryConfig, scope: string): Promise<string[]> => planNodes(await planAsApp<PlanNode>(q, scope));

  it.each([
    ['the latest 50 of an actor over a day', () => search({ actorType: 'user', actorId: '42', ...day }), 'Index Scan Backward on events_actor'],
    ['an entity\'s events', () => search({ entityType: 'Policy', entityId: '7' }), ['Index Scan Backward on events_stream', 'Index Scan Backward on events_entity_off_stream']],
    ['an entity\'s events after a cursor with a stream version', () => search({ entityType: 'Policy', entityId: '7', cursor: encodeCursor({ k: 9_000, s: 5 }) }), ['Index Scan Backward on events_stream', 'Index Scan Backward on events_entity_off_stream']],
    ['stats of an entity', () => statsSql(t, 'bench', { groupBy: 'type', entityType: 'Policy', entityId: '7' }), ['on events_stream', 'on events_entity_off_stream']],
    ['one type over a day', () => search({ types: ['domain.event_3'], ...day }), 'Index Scan Backward on events_type'],
    // LIKE is not leakproof either: the glob's prefix is also sent as a range (filterSql.ts, globPrefixRange).
    ['a type glob over a day', () => search({ types: ['domain.event_3*'], ...day }), 'on events_type'],
    ['the tenant\'s latest page after a cursor', () => search({}), 'Index Scan Backward on events_pkey'],
    ['one correlation id', () => search({ correlationId: 'c-77' }), 'events_correlation'],
    // Known cost of row-level security: tags and changed fields are searched with array containment (@>),
    // which PostgreSQL does not mark leakproof, so the GIN indexes cannot be used under a policy. A search
    // narrows by time (BRIN) or walks the tenant's log newest first instead; never a sequential scan.
    ['a tag over a day, by time only', () => search({ tags: ['company:7'], ...day }), 'Bitmap Index Scan on events_occurred_at'],
    ['a changed field over a day, by time only', () => search({ field: 'f3', ...day }), 'Bitmap Index Scan on events_occurred_at'],
    ['a tag without bounds, along the tenant\'s log', () => search({ tags: ['company:7'] }), 'Index Scan Backward on events_pkey'],
    ['the system-wide trail', () => search({}, '*'), 'Index Scan Backward on events_seq', '*'],
    ['an entity trail, latest 50', () => readStreamQuery(streamStatements(t), 'bench', 'Policy:7', { direction: 'backward', limit: 50 }), 'Index Scan Backward on events_stream'],
    ['stats over one day of an old range', () => statsSql(t, 'bench', { groupBy: 'type', ...day }), 'Bitmap Index Scan on events_occurred_at'],
    ['an event by id', () => ({ text: `SELECT body FROM ${t.events} WHERE id = $1 AND tenant = $2`, values: ['x', 'bench'] }), 'Index Scan on events_id'],
  ])('plans %s as an index scan under row-level security', async (_, query, expected, scope = 'bench') => {
    const nodes = await explainAsApp(query(), scope);
    for (const part of [expected].flat()) expect(nodes.join(' | ')).toContain(part);
    expect(nodes.filter((n) => n.startsWith('Seq Scan on') || n === 'Seq Scan')).toEqual([]);
  });

  // A cursor of an entity search carries a version of the entity's stream (CursorKey.s): the stream arm starts there
  // (an index bound) instead of stepping over every newer event of the stream — rows the index hands out and the
  // position filter then throws away.
  it('starts the stream arm of a deep entity page at the stream version its cursor carries', async () => {
    const entity = { entityType: 'Policy', entityId: '123' }; // 20 events of tenant bench
    let cursor: string | undefined;
    let newerInStream = 0;
    for (let page = 0; page < 4; page++) {
      const { events, nextCursor } = await store.search('bench', { ...entity, limit: 3, order: 'desc', ...(cursor === undefined ? {} : { cursor }) });
      newerInStream += events.filter((e) => e.stream === 'Policy:123').length;
      cursor = nextCursor ?? undefined;
    }
    const hinted = decodeCursor(cursor ?? '');
    expect(hinted.s, 'an entity search hands out a stream version with its cursor').toBeTypeOf('number');
    // As the application role, under row-level security, as the store runs it.
    const stepped = async (c: string): Promise<number> => analyzedNodes(await planAsApp<AnalyzedNode>(search({ ...entity, limit: 3, cursor: c }), 'bench', 'ANALYZE, '))
      .filter((n) => n['Index Name'] === 'events_stream').reduce((sum, n) => sum + (n['Rows Removed by Filter'] ?? 0), 0);
    expect(newerInStream).toBeGreaterThan(5);
    // A position between the entity's events, without a version: nothing to start from, so the walk steps over
    // every newer event of the stream — what every deep page did before cursors carried one.
    expect(await stepped(encodeCursor({ k: hinted.k - 1 })), 'from a position alone').toBe(newerInStream);
    expect(await stepped(cursor ?? ''), 'from the cursor as issued').toBe(0);
    // A cursor the server made from a position it delivered (a subscription's, a live reader's): its own event is
    // one of the stream's, and gives the version.
    expect(await stepped(encodeCursor({ k: hinted.k })), 'from the position of one of the stream\'s events').toBe(0);
  });

  it('plans the locks and lookups at the start of a commit as index scans', async () => {
    const q = run(appendStatements(t).lockHeads, [['bench'], ['bench'], ['Policy:7'], ['bench'], ['k-7'], ['bench'], ['r']]);
    const nodes = (await explainNested(q)).join(' | ');
    for (const index of ['tenant_heads_pkey', 'events_stream', 'stream_floors_pkey', 'events_idempotency', 'request_keys_pkey']) expect(nodes).toContain(`on ${index}`);
    expect(nodes).not.toMatch(/Seq Scan/);
  });

  /** The plans of the statements run inside a function, through auto_explain reporting to this session. */
  async function explainNested(q: PgQueryConfig): Promise<string[]> {
    const client = new pgDriver.Client({ connectionString: url });
    const plans: PlanNode[] = [];
    client.on('notice', (n) => {
      const at = n.message?.indexOf('{') ?? -1;
      if (at >= 0) plans.push((JSON.parse(n.message!.slice(at)) as { Plan: PlanNode }).Plan);
    });
    await client.connect();
    try {
      await client.query(`LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
        SET auto_explain.log_format = json; SET auto_explain.log_level = notice; BEGIN`);
      await client.query({ text: q.text, values: [...(q.values ?? [])] });
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    return plans.flatMap(planNodes);
  }
});
