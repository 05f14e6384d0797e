import { readFileSync, accessSync, constants } from 'node:fs';
import { compileMasking, isVellumError, VellumError } from '@vellum/core';
import type { ErrorDetail, Masker } from '@vellum/core';
import { DEFAULT_CONFIG } from './defaults.ts';
import { CONFIG_OPTIONS, type OptionSpec } from './configOptions.ts';
import type { VellumConfig } from './VellumConfig.ts';
import { parseStoreLocation } from '../store/parseStoreLocation.ts';

/** The `vellum serve` flags that map onto configuration (commander's camelCase names). */
export interface ConfigFlags {
  host?: string;
  port?: string | number;
  store?: string;
  config?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel?: string;
}

export interface ConfigSources {
  flags?: ConfigFlags;
  env?: Record<string, string | undefined>;
  /** Injectable for tests; defaults to reading the file from disk. */
  readFile?: (path: string) => string;
  /** Injectable for tests; defaults to checking the file is readable. */
  isReadable?: (path: string) => boolean;
}

export interface LoadedConfig {
  config: VellumConfig;
  /** The masking rules compiled once, here, so a bad rule fails start-up rather than a request. */
  masker: Masker;
}

/**
 * Sections a config file may contain as nested objects: every first part of a dotted option path, so a new
 * section needs no second list here. `masking` is handed whole to compileMasking.
 */
const SECTIONS = new Set(CONFIG_OPTIONS.filter((o) => o.path.includes('.')).map((o) => o.path.split('.')[0]!));

/**
 * Merges defaults < `--config` file < environment < flags and checks everything, throwing one
 * INVALID_CONFIG error whose details list every problem (never just the first).
 */
export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const flags = sources.flags ?? {};
  const env = sources.env ?? {};
  const readFile = sources.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const isReadable = sources.isReadable ?? defaultIsReadable;

  const config = structuredClone(DEFAULT_CONFIG) as VellumConfig;
  const details: ErrorDetail[] = [];
  const problem = (path: string, message: string) => details.push({ path, message });

  const filePath = flags.config ?? nonEmpty(env.VELLUM_CONFIG);
  if (filePath !== undefined) applyFile(config, filePath, readFile, problem);

  for (const spec of CONFIG_OPTIONS) {
    const fromEnv = spec.env === undefined ? undefined : nonEmpty(env[spec.env]);
    if (fromEnv !== undefined) apply(config, spec, fromEnv, true, `from ${spec.env}`, problem);
  }
  for (const spec of CONFIG_OPTIONS) {
    const raw = spec.flag === undefined ? undefined : flags[spec.flag];
    if (raw !== undefined) apply(config, spec, raw, true, `from --${kebab(spec.flag!)}`, problem);
  }

  checkCombinations(config, isReadable, problem);

  let masker: Masker | undefined;
  try {
    masker = compileMasking(config.masking);
  } catch (err) {
    if (isVellumError(err) && err.details.length > 0) {
      for (const d of err.details) problem(d.path.startsWith('/masking') ? d.path : `/masking${d.path.startsWith('/') ? d.path : `/${d.path}`}`, d.message);
    } else {
      problem('/masking', err instanceof Error ? err.message : String(err));
    }
  }

  if (details.length > 0 || masker === undefined) {
    throw new VellumError('INVALID_CONFIG', {
      message: `The configuration is not valid:\n${details.map((d) => `  - ${d.path}: ${d.message}`).join('\n')}`,
      details,
    });
  }
  return { config, masker };
}

function applyFile(config: VellumConfig, filePath: string, readFile: (p: string) => string, problem: (p: string, m: string) => void): void {
  let text: string;
  try {
    text = readFile(filePath);
  } catch (err) {
    problem('/config', `cannot read ${filePath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problem('/config', `${filePath} is not valid JSON`);
    return;
  }
  if (!isPlainObject(parsed)) {
    problem('/config', `${filePath} must contain a JSON object`);
    return;
  }
  const source = `in ${filePath}`;
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'masking') {
      if (isPlainObject(value)) config.masking = { ...config.masking, ...value };
      else problem('/masking', `must be an object (${source})`);
      continue;
    }
    if (SECTIONS.has(key)) {
      if (!isPlainObject(value)) {
        problem(`/${key}`, `must be an object (${source})`);
        continue;
      }
      for (const [sub, subValue] of Object.entries(value)) {
        const spec = CONFIG_OPTIONS.find((o) => o.path === `${key}.${sub}`);
        if (spec === undefined) problem(`/${key}/${sub}`, `is not an option (${source}); see docs/configuration.md`);
        else apply(config, spec, subValue, false, source, problem);
      }
      continue;
    }
    const spec = CONFIG_OPTIONS.find((o) => o.path === key);
    if (spec === undefined) problem(`/${key}`, `is not an option (${source}); see docs/configuration.md`);
    else apply(config, spec, value, false, source, problem);
  }
}

function apply(
  config: VellumConfig,
  spec: OptionSpec,
  raw: unknown,
  fromString: boolean,
  source: string,
  problem: (p: string, m: string) => void,
): void {
  const result = spec.parse(raw, fromString);
  const pointer = `/${spec.path.replace('.', '/')}`;
  if ('error' in result) {
    // Never echo a secret's value back, even in an error.
    const shown = spec.secret === true ? '' : `, got ${JSON.stringify(raw)}`;
    problem(pointer, `${result.error} (${source}${shown})`);
    return;
  }
  const [section, leaf] = spec.path.split('.') as [string, string | undefined];
  const target = config as unknown as Record<string, unknown>;
  if (leaf === undefined) {
    target[section] = result.value;
  } else {
    const current = target[section];
    target[section] = { ...(isPlainObject(current) ? current : {}), [leaf]: result.value };
  }
}

function checkCombinations(config: VellumConfig, isReadable: (p: string) => boolean, problem: (p: string, m: string) => void): void {
  const location = parseStoreLocation(config.store);
  if ('error' in location) problem('/store', location.error);

  const tls = config.tls as Partial<{ cert: string; key: string }> | null;
  if (tls !== null) {
    if (tls.cert === undefined || tls.key === undefined) {
      problem('/tls', 'needs both a certificate (--tls-cert / VELLUM_TLS_CERT) and a key (--tls-key / VELLUM_TLS_KEY)');
    } else {
      if (!isReadable(tls.cert)) problem('/tls/cert', `cannot read ${tls.cert}`);
      if (!isReadable(tls.key)) problem('/tls/key', `cannot read ${tls.key}`);
    }
  }

  const { limits } = config;
  if (limits.maxEventBytes > limits.maxRequestBytes) {
    problem('/limits/maxEventBytes', `must not exceed limits.maxRequestBytes (${limits.maxRequestBytes})`);
  }

  // A bucket that refills but holds nothing would refuse everything; "no limit" is a rate of 0.
  const rates = config.rateLimits;
  for (const kind of ['perKey', 'perTenant'] as const) {
    if (rates[`${kind}PerSecond`] > 0 && rates[`${kind}Burst`] < 1) {
      problem(`/rateLimits/${kind}Burst`, `must be at least 1 while rateLimits.${kind}PerSecond is above 0 (a rate of 0 means no limit)`);
    }
  }
}

function defaultIsReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);
const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
