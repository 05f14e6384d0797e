import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '@vellum/core';
import { REPO_ROOT } from '../support/paths.ts';

describe('docs/errors.md', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]), meaning: m[3]!.trim() }));

  it('lists every code of the registry with its status, and nothing else', () => {
    const documented = Object.fromEntries(rows.map((r) => [r.code, r.status]));
    const registry = Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.status]));
    expect(documented).toEqual(registry);
    expect(rows).toHaveLength(Object.keys(ERRORS).length);
  });

  it('explains each code', () => {
    for (const r of rows) expect(r.meaning.length, r.code).toBeGreaterThan(20);
  });
});
