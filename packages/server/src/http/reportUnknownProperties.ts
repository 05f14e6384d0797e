import type { ErrorDetail } from '@vellum/core';

/**
 * Adds a detail for every property of `o` not in `known`, at `at` (a JSON pointer to `o`). The name is cut in the
 * path, so a client cannot make the error answer echo a megabyte-long key.
 */
export function reportUnknownProperties(o: Record<string, unknown>, known: readonly string[], at: string, details: ErrorDetail[]): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) details.push({ path: `${at}/${key.slice(0, 200)}`, message: `is not a known property (known: ${known.join(', ')})` });
  }
}
