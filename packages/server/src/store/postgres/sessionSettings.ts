/**
 * Settings every connection of the store starts with, sent in the startup packet (`options`), so they hold
 * from the first statement with no extra round trip:
 * - synchronous_commit=on: an acknowledgement means the commit is on disk (DESIGN.md, durable acknowledgement),
 *   whatever the server's or role's default says.
 * - TimeZone=UTC: an occurredAt bound without an offset, and date_trunc for stats buckets, read as UTC.
 */
export const SESSION_SETTINGS = '-c synchronous_commit=on -c TimeZone=UTC';

/**
 * The connection URL with the session settings appended to any `options` it already carries (they come last,
 * so they win). `pg` lets a URL's parameters override its config object, hence the URL and not the config.
 */
export function withSessionSettings(url: string): { connectionString: string; options?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, options: SESSION_SETTINGS };
  }
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', existing ? `${existing} ${SESSION_SETTINGS}` : SESSION_SETTINGS);
  return { connectionString: parsed.toString() };
}
