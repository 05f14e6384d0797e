/**
 * The flags every bench shares, parsed once, with the defaults. Numbers accept `1e6`, `1_000_000`
 * and `1M` / `10k`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { HttpEngine } from './runHttpLoad.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface BenchArgs {
  stores: StoreKind[];
  clients: number;
  /** Seconds per measured subject; a count bound (events) may replace or shorten it. */
  durationS: number | undefined;
  events: number | undefined;
  batch: number;
  warmupS: number;
  /** Run against the echo stand-in instead of Vellum (tests the harness). */
  echo: boolean;
  /** The load generator's HTTP client: `undici` (default) or `raw`. */
  engine: HttpEngine;
  skipBaselines: boolean;
  skipEmmett: boolean;
  seed: number;
  values: Record<string, string | boolean | undefined>;
}

export function parseCount(text: string): number {
  const m = /^([\d._]+(?:e\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`not a count: ${text}`);
  const n = Number(m[1]!.replace(/_/g, '')) * ({ k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2] as 'k'] ?? 1);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a count: ${text}`);
  return Math.round(n);
}

/** A bench script's usage: its header comment, without the comment markers (the shared flags are in bench/README.md). */
export function headerUsage(file: string): string {
  const header = /^\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  return header.split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim();
}

/** `extra` declares a bench's own string flags (all parsed as strings). */
export function parseBenchArgs(defaults: Partial<BenchArgs>, extra: Record<string, { default?: string }> = {}): BenchArgs {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite,postgres' },
      clients: { type: 'string' },
      duration: { type: 'string' },
      events: { type: 'string' },
      batch: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      echo: { type: 'boolean', default: false },
      client: { type: 'string', default: 'undici' },
      'no-baselines': { type: 'boolean', default: false },
      'no-emmett': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { type: 'string' as const, ...(v.default !== undefined ? { default: v.default } : {}) }])),
    },
    strict: true,
  });
  if (values.help) {
    console.log(headerUsage(process.argv[1]!));
    console.log('\nShared flags (--store, --clients, --duration, --events, --batch, --warmup, --client, --echo, --no-baselines, --no-emmett, --seed): bench/README.md');
    process.exit(0);
  }
  const stores = String(values.store).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of stores) if (s !== 'sqlite' && s !== 'postgres') throw new Error(`--store must be sqlite, postgres or both (sqlite,postgres), not ${s}`);
  if (values.client !== 'raw' && values.client !== 'undici') throw new Error(`--client must be raw or undici, not ${values.client}`);
  const num = (v: unknown, d: number | undefined) => (typeof v === 'string' ? parseCount(v) : d);
  const durationS = typeof values.duration === 'string' ? Number(values.duration) : values.events !== undefined ? undefined : defaults.durationS;
  return {
    stores: stores as StoreKind[],
    clients: num(values.clients, defaults.clients ?? 50)!,
    durationS,
    events: num(values.events, defaults.events),
    batch: num(values.batch, defaults.batch ?? 100)!,
    warmupS: typeof values.warmup === 'string' ? Number(values.warmup) : defaults.warmupS ?? 3,
    echo: Boolean(values.echo),
    engine: values.client,
    skipBaselines: Boolean(values['no-baselines']),
    skipEmmett: Boolean(values['no-emmett']),
    seed: num(values.seed, defaults.seed ?? 20261122)!,
    values: values as Record<string, string | boolean | undefined>,
  };
}
