import type { StreamReadOptions } from '@vellum/core';
import { run, statement, type Statement } from './statement.ts';
import type { PgQueryConfig } from './PgPool.ts';
import type { TableNames } from './sqlNames.ts';
import { columnText } from './eventColumns.ts';

/**
 * A stream page and the stream's head in one statement (one snapshot: the version always matches the events). A
 * stream that retention emptied has the version the prune left it at (migration 14).
 * Prepared: the plan is the same for every call, an index range scan on (tenant, stream, stream_version).
 */
export interface StreamStatements {
  forward: Statement;
  backwardFrom: Statement;
  backwardLatest: Statement;
}

export function streamStatements(t: TableNames): StreamStatements {
  const page = (condition: string, order: 'ASC' | 'DESC', limit: string) => statement(`
    SELECT h.version, e.body FROM
      (SELECT coalesce(max(stream_version),
        (SELECT f.version FROM ${t.streamFloors} f WHERE f.tenant = $1 AND f.stream = $2), 0) AS version
        FROM ${t.events} WHERE tenant = $1 AND stream = $2) h
      LEFT JOIN LATERAL (
        SELECT body, stream_version FROM ${t.events} WHERE tenant = $1 AND stream = $2${condition}
        ORDER BY stream_version ${order} LIMIT ${limit}
      ) e ON true
    ORDER BY e.stream_version ${order}`);
  return {
    forward: page(' AND stream_version >= $3', 'ASC', '$4'),
    backwardFrom: page(' AND stream_version <= $3', 'DESC', '$4'),
    backwardLatest: page('', 'DESC', '$3'),
  };
}

export function readStreamQuery(s: StreamStatements, tenantName: string, streamName: string, o: StreamReadOptions): PgQueryConfig {
  const tenant = columnText(tenantName);
  const stream = columnText(streamName);
  if (o.direction === 'forward') return run(s.forward, [tenant, stream, o.fromVersion ?? 1, o.limit]);
  if (o.fromVersion === undefined) return run(s.backwardLatest, [tenant, stream, o.limit]);
  return run(s.backwardFrom, [tenant, stream, o.fromVersion, o.limit]);
}
