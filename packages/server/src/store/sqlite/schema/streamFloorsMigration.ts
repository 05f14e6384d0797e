import type { Migration } from './migrations.ts';

/**
 * Migration 9: a stream's version survives the prune that empties it. The head of a stream is read from its newest
 * event; once retention removed every event of a stream, the next append would have started it at version 1 again —
 * a second version 1 of the same stream, forking what readers and `expectedVersion` callers were told. A prune now
 * records each pruned stream's last version here, and a stream without events starts from that floor. Remaining
 * events always lie above it (a prune removes a prefix of the log, and versions rise with positions), so the floor
 * is only read when the stream has no events.
 */
export const STREAM_FLOORS_MIGRATION: Migration = {
  version: 9,
  name: 'stream versions kept across retention',
  sql: `
    CREATE TABLE stream_floors (
      tenant  TEXT    NOT NULL,
      stream  TEXT    NOT NULL,
      version INTEGER NOT NULL,
      PRIMARY KEY (tenant, stream)
    ) WITHOUT ROWID;
  `,
};
