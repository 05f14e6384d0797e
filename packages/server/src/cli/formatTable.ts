/** One column of a text table: its header and how to read a row's cell. */
export interface TableColumn<T> {
  header: string;
  value(row: T): string;
  /** Longer cells are cut with `…` so one long value cannot push every other column off screen (default 48). */
  maxWidth?: number;
}

const DEFAULT_MAX_WIDTH = 48;

/**
 * A terminal-safe cell: control characters shown as `?`, because names and labels come from other people's
 * requests and an ANSI escape in one must not drive the reader's terminal.
 */
export function terminalSafe(s: string, maxWidth = Number.POSITIVE_INFINITY): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > maxWidth ? `${clean.slice(0, maxWidth - 1)}…` : clean;
}

/** Rows as an aligned text table with a header line; the last column is not padded, so lines carry no trailing spaces. */
export function formatTable<T>(columns: ReadonlyArray<TableColumn<T>>, rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => terminalSafe(c.value(row), c.maxWidth ?? DEFAULT_MAX_WIDTH)));
  const all = [columns.map((c) => c.header), ...cells];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** `label: value` lines with the values aligned, for one record (a key, a tenant). */
export function formatFields(fields: ReadonlyArray<readonly [label: string, value: string]>): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${terminalSafe(value)}`).join('\n') + '\n';
}
