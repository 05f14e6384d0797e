import { describe, expect, it } from 'vitest';
import { isVellumError, type VellumError } from '@vellum/core';
import { loadConfig, type ConfigSources } from '../../src/config/loadConfig.ts';
import { DEFAULT_CONFIG } from '../../src/config/defaults.ts';
import { CONFIG_OPTIONS } from '../../src/config/configOptions.ts';

const files = (contents: Record<string, string>): Pick<ConfigSources, 'readFile' | 'isReadable'> => ({
  readFile: (p) => {
    const c = contents[p];
    if (c === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return c;
  },
  isReadable: (p) => p in contents,
});

function refusal(sources: ConfigSources): VellumError {
  try {
    loadConfig(sources);
  } catch (err) {
    if (isVellumError(err)) return err;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('uses the defaults when nothing is given', () => {
    const { config, masker } = loadConfig({ env: {} });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(typeof masker.maskEvent).toBe('function');
  });

  it('takes every option from a config file, nested by its dotted path', () => {
    for (const spec of CONFIG_OPTIONS) {
      const value = spec.path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | null)?.[k], DEFAULT_CONFIG);
      if (value === null || value === undefined) continue; // no default to round-trip (tls, bootstrapKey, origin)
      const nested = spec.path.split('.').reduceRight<unknown>((inner, k) => ({ [k]: inner }), value);
      const { config } = loadConfig({ ...files({ 'v.json': JSON.stringify(nested) }), env: {}, flags: { config: 'v.json' } });
      expect(config, spec.path).toEqual(DEFAULT_CONFIG);
    }
  });

  it('lets flags beat the environment and the environment beat the file', () => {
    const { config } = loadConfig({
      ...files({ 'v.json': JSON.stringify({ host: '10.0.0.1', port: 1000, store: 'file.db', ingest: { maxQueuedEvents: 500 } }) }),
      env: { VELLUM_PORT: '2000', VELLUM_STORE: 'postgres://u@db/vellum' },
      flags: { config: 'v.json', port: '3000' },
    });
    expect(config.host).toBe('10.0.0.1');
    expect(config.port).toBe(3000);
    expect(config.store).toBe('postgres://u@db/vellum');
    expect(config.ingest.maxQueuedEvents).toBe(500);
    expect(config.ingest.maxEventsPerCommit).toBe(DEFAULT_CONFIG.ingest.maxEventsPerCommit);
  });

  it('reads the file named by VELLUM_CONFIG', () => {
    const { config } = loadConfig({ ...files({ 'env.json': '{"logLevel":"debug"}' }), env: { VELLUM_CONFIG: 'env.json' } });
    expect(config.logLevel).toBe('debug');
  });

  it('reads every numeric limit from the environment', () => {
    const { config } = loadConfig({
      env: { VELLUM_MAX_EVENT_BYTES: '1024', VELLUM_MAX_EVENTS_PER_REQUEST: '10', VELLUM_MAX_REQUEST_BYTES: '4096', VELLUM_MAX_QUEUED_EVENTS: '100', VELLUM_MAX_EVENTS_PER_COMMIT: '50' },
    });
    expect(config.limits).toEqual({ maxEventBytes: 1024, maxEventsPerRequest: 10, maxRequestBytes: 4096 });
    expect(config.ingest).toMatchObject({ maxQueuedEvents: 100, maxEventsPerCommit: 50 });
  });

  it('accepts port 0 (a free port) and a bootstrap key', () => {
    const { config } = loadConfig({ env: { VELLUM_BOOTSTRAP_KEY: 'vk_1fUv9hXvxKaglzqY81iEyEgnXWnGz52W5X0s' }, flags: { port: '0' } });
    expect(config.port).toBe(0);
    expect(config.bootstrapKey).toBe('vk_1fUv9hXvxKaglzqY81iEyEgnXWnGz52W5X0s');
  });

  it('lists every problem at once, each with its path and source', () => {
    const err = refusal({
      ...files({ 'v.json': JSON.stringify({ prot: 80, limits: { maxEventBytes: 'big' }, ingest: { retryAfter: 1 } }) }),
      env: { VELLUM_PORT: 'eighty', VELLUM_LOG_LEVEL: 'loud', VELLUM_STORE: 'mysql://x/y' },
      flags: { config: 'v.json', host: '' },
    });
    expect(err.code).toBe('INVALID_CONFIG');
    const paths = err.details.map((d) => d.path).sort();
    expect(paths).toEqual(['/host', '/ingest/retryAfter', '/limits/maxEventBytes', '/logLevel', '/port', '/prot', '/store'].sort());
    expect(err.details.find((d) => d.path === '/port')?.message).toContain('VELLUM_PORT');
    expect(err.message).toContain('/port');
    expect(err.message).toContain('/prot');
  });

  it('never echoes a secret in a refusal', () => {
    const err = refusal({ env: { VELLUM_BOOTSTRAP_KEY: 'short secret' } });
    expect(err.details[0]?.path).toBe('/bootstrapKey');
    expect(JSON.stringify(err.details)).not.toContain('short secret');
  });

  it('refuses a config file that cannot be read or parsed', () => {
    expect(refusal({ ...files({}), flags: { config: 'missing.json' } }).details[0]?.message).toContain('cannot read');
    expect(refusal({ ...files({ 'bad.json': '{' }), flags: { config: 'bad.json' } }).details[0]?.message).toContain('not valid JSON');
    expect(refusal({ ...files({ 'arr.json': '[]' }), flags: { config: 'arr.json' } }).details[0]?.message).toContain('JSON object');
  });

  it('needs both TLS files, and readable ones', () => {
    expect(refusal({ ...files({ 'cert.pem': 'x' }), flags: { tlsCert: 'cert.pem' } }).details[0]?.path).toBe('/tls');
    expect(refusal({ ...files({ 'cert.pem': 'x' }), flags: { tlsCert: 'cert.pem', tlsKey: 'key.pem' } }).details[0]?.path).toBe('/tls/key');
    const { config } = loadConfig({ ...files({ 'cert.pem': 'x', 'key.pem': 'y' }), env: { VELLUM_TLS_CERT: 'cert.pem', VELLUM_TLS_KEY: 'key.pem' } });
    expect(config.tls).toEqual({ cert: 'cert.pem', key: 'key.pem' });
  });

  it('refuses limits that contradict each other', () => {
    const err = refusal({ env: { VELLUM_MAX_EVENT_BYTES: '100000', VELLUM_MAX_REQUEST_BYTES: '50000' } });
    expect(err.details.map((d) => d.path)).toEqual(['/limits/maxEventBytes']);
  });

  it('compiles masking rules once and refuses a bad rule with the other problems', () => {
    const err = refusal({
      ...files({ 'v.json': JSON.stringify({ masking: { rules: [{ key: '/([/', strategy: 'hash' }] } }) }),
      env: { VELLUM_PORT: '-1' },
      flags: { config: 'v.json' },
    });
    const paths = err.details.map((d) => d.path);
    expect(paths).toContain('/port');
    expect(paths.some((p) => p.startsWith('/masking'))).toBe(true);
  });

  it('applies a masking hash key from the environment', () => {
    const { config } = loadConfig({
      ...files({ 'v.json': JSON.stringify({ masking: { rules: [{ key: 'email', strategy: 'hash' }] } }) }),
      env: { VELLUM_MASKING_HASH_KEY: 'correlate-me-0123456789' },
      flags: { config: 'v.json' },
    });
    expect(config.masking.hashKey).toBe('correlate-me-0123456789');
  });

  it('reads booleans from the environment', () => {
    expect(loadConfig({ env: { VELLUM_MIGRATE_ON_START: 'false' } }).config.migrateOnStart).toBe(false);
    expect(refusal({ env: { VELLUM_MIGRATE_ON_START: 'maybe' } }).details[0]?.path).toBe('/migrateOnStart');
  });
});
