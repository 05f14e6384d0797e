import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_OPTIONS } from '../../src/config/configOptions.ts';
import { DEFAULT_CONFIG } from '../../src/config/defaults.ts';
import { REPO_ROOT } from '../support/paths.ts';

describe('docs/configuration.md', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| `([\w.]+)` \| `(VELLUM_\w+)` \| (`--[\w-]+`|—) \| `(.+?)` \| .+ \|$/gm)].map((m) => [m[1]!, { env: m[2]!, flag: m[3]!, def: m[4]! }]),
  );

  it('documents every option with its environment variable and flag', () => {
    expect([...rows.keys()].sort()).toEqual(CONFIG_OPTIONS.map((o) => o.path).sort());
    for (const o of CONFIG_OPTIONS) {
      const row = rows.get(o.path)!;
      expect(row.env, o.path).toBe(o.env);
      expect(row.flag, o.path).toBe(o.flag === undefined ? '—' : `\`--${o.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\``);
    }
  });

  it('shows the real default of every option', () => {
    for (const o of CONFIG_OPTIONS) {
      const [section, leaf] = o.path.split('.') as [string, string | undefined];
      const top = (DEFAULT_CONFIG as unknown as Record<string, unknown>)[section];
      const value = leaf === undefined ? top : top === null ? null : (top as Record<string, unknown>)[leaf] ?? null;
      expect(JSON.parse(rows.get(o.path)!.def), o.path).toEqual(value);
    }
  });
});
