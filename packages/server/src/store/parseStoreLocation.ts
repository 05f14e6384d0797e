/** Where the events live, as `--store` / VELLUM_STORE spell it. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'memory' };

/**
 * `sqlite:./data/vellum.db` or a bare path → SQLite; `postgres://` / `postgresql://` → PostgreSQL;
 * `memory:` → a process-local store for tests and demos (everything is lost on exit).
 * Returns an error message instead of throwing so configuration can list every problem at once.
 */
export function parseStoreLocation(value: string): StoreLocation | { error: string } {
  const trimmed = value.trim();
  if (trimmed === '') return { error: 'must name a store, e.g. sqlite:./data/vellum.db or postgres://user@host/db' };
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      if (url.hostname === '' && !url.searchParams.has('host')) return { error: 'a PostgreSQL URL needs a host' };
    } catch {
      return { error: 'is not a valid PostgreSQL URL' };
    }
    return { kind: 'postgres', url: trimmed };
  }
  if (trimmed === 'memory:' || trimmed === 'memory') return { kind: 'memory' };
  if (/^sqlite:/i.test(trimmed)) {
    let path = trimmed.slice('sqlite:'.length);
    // Accept the URL-ish spelling sqlite:///abs/path and sqlite://./rel too.
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') return { error: 'sqlite: needs a file path, e.g. sqlite:./data/vellum.db' };
    return { kind: 'sqlite', path };
  }
  // Anything else with a scheme is a typo we should not silently turn into a file name.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    return { error: `unsupported store scheme "${trimmed.split(':')[0]}"; use sqlite:<path> or postgres://…` };
  }
  return { kind: 'sqlite', path: trimmed };
}
