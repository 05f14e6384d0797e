import type { Migration } from './migrations.ts';
import { grant, tenantPolicy } from './rowSecurityMigration.ts';
import { lockHeadsFunction, STREAM_HEAD_FROM_EVENTS } from './lockHeadsFunction.ts';

/**
 * Migration 14: a stream's version survives the prune that empties it. A stream's head is read from its newest
 * event; once retention removed every event of a stream, the next append would have started it at version 1 again —
 * a second version 1 of one stream, forking what readers and `expectedVersion` callers were told. A prune now records
 * each pruned stream's last version here (as the owner, in the prune's transaction), and a stream without events
 * starts from that floor. Remaining events always lie above it (a prune removes a prefix of the log, and versions rise
 * with positions), so the floor is read only when the stream has no events: `coalesce` in `lock_heads` (replaced
 * below; only its stream-head look-up differs from migration 3's, see lockHeadsFunction.ts) and in the stream reads
 * (readStreamSql.ts).
 */
export const STREAM_FLOORS_MIGRATION: Migration = {
  version: 14,
  name: 'stream versions kept across retention',
  sql: (t) => `
    CREATE TABLE ${t.streamFloors} (
      tenant text COLLATE "C" NOT NULL,
      stream text COLLATE "C" NOT NULL,
      version bigint NOT NULL,
      PRIMARY KEY (tenant, stream)
    );
    DO $vellum_stream_floors$
    DECLARE
      app_role text := ${t.schema}.app_role();
    BEGIN
      ${grant('SELECT', t.streamFloors)}
    END $vellum_stream_floors$;
    ${tenantPolicy(t.streamFloors, 'tenant')}

    ${lockHeadsFunction(t, 'CREATE OR REPLACE', (names) => `coalesce(${STREAM_HEAD_FROM_EVENTS(names)},
                   (SELECT f.version FROM ${names.streamFloors} f WHERE f.tenant = s.t AND f.stream = s.n))`)}
  `,
};
