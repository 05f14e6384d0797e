import type { ErrorDetail, RawQuery } from '@vellum/core';

/**
 * Tree-size query parameters (`treeSize`, `from`, `to`): whole numbers, each given at most once, and nothing else.
 * Collects every problem rather than stopping at the first, like the other parameter parsers.
 */
export function parseSizes<Name extends string>(raw: RawQuery, names: readonly Name[]): { sizes: Partial<Record<Name, number>>; details: ErrorDetail[] } {
  const details: ErrorDetail[] = [];
  const sizes: Partial<Record<Name, number>> = {};
  for (const name of Object.keys(raw)) {
    if (!(names as readonly string[]).includes(name)) details.push({ path: `/query/${name}`, message: `is not a parameter of this route (${names.join(', ')})` });
  }
  for (const name of names) {
    const value = raw[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      details.push({ path: `/query/${name}`, message: 'must be given once' });
    } else if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
      details.push({ path: `/query/${name}`, message: 'must be a whole number (a tree size)' });
    } else {
      sizes[name] = Number(value);
    }
  }
  return { sizes, details };
}
