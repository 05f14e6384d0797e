/** The fixed read queries (search and stats SQL is built per filter in searchQuery.ts / statsQuery.ts). */
export const READ_SQL = {
  /** A tenant's head: one seek to the end of its range in the (tenant, position) index. */
  headPosition: 'SELECT MAX(position) FROM events WHERE tenant = ?',
  /**
   * A stream's current version: one seek in the (tenant, stream, stream_version) index; for a stream without events,
   * the version a prune left it at (migration 9), if any. Named parameters: { tenant, stream }.
   */
  streamVersion: `SELECT COALESCE((SELECT MAX(stream_version) FROM events WHERE tenant = @tenant AND stream = @stream),
    (SELECT version FROM stream_floors WHERE tenant = @tenant AND stream = @stream))`,
  streamForward: 'SELECT body FROM events WHERE tenant = ? AND stream = ? AND stream_version >= ? ORDER BY stream_version ASC LIMIT ?',
  streamBackward: 'SELECT body FROM events WHERE tenant = ? AND stream = ? AND stream_version <= ? ORDER BY stream_version DESC LIMIT ?',
  byId: 'SELECT body FROM events WHERE id = ?',
  byIdInTenant: 'SELECT body FROM events WHERE id = ? AND tenant = ?',
} as const;
