/**
 * For `vellum verify --store`: a row's stored column values against the values the append would have written for
 * the event its body holds, both already in the store's own representation. One phrase per column that differs.
 */
export function describeColumnDifferences(columns: readonly string[], stored: readonly unknown[], expected: readonly unknown[]): string[] {
  const differences: string[] = [];
  columns.forEach((column, i) => {
    if (!sameValue(stored[i], expected[i])) differences.push(`${column} holds ${show(stored[i])} where the event says ${show(expected[i])}`);
  });
  return differences;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return false;
}

const MAX_SHOWN = 80;

/** A value as it would read in a report: JSON, hex for bytes, long values cut short. */
function show(value: unknown): string {
  const text = Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}
