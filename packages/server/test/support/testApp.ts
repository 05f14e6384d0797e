/**
 * An app for tests, through app.inject(): the in-memory store unless one is given, a known admin key,
 * and every log line captured so tests can assert what was (not) logged.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/buildApp.ts';
import { DEFAULT_CONFIG } from '../../src/config/defaults.ts';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import type { VellumConfig } from '../../src/config/VellumConfig.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { createLogger } from '../../src/logging/createLogger.ts';

export const ADMIN_KEY = 'vk_3BzwjvCAvyrt6CjRUuWVToxey0nPzP3wiCbZ';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface TestApp {
  app: FastifyInstance;
  store: VellumStore;
  /** Every log line written so far, raw. */
  logs: string[];
  announced: string[];
  auth: (key?: string) => Record<string, string>;
}

export function testConfig(overrides: DeepPartial<VellumConfig> = {}): VellumConfig {
  const base = structuredClone(DEFAULT_CONFIG) as VellumConfig;
  return {
    ...base,
    store: 'memory:',
    bootstrapKey: ADMIN_KEY,
    logLevel: 'trace',
    ...overrides,
    limits: { ...base.limits, ...overrides.limits },
    ingest: { ...base.ingest, ...overrides.ingest },
    rateLimits: { ...base.rateLimits, ...overrides.rateLimits },
    integrity: { ...base.integrity, ...overrides.integrity },
    personalData: { ...base.personalData, ...overrides.personalData },
    nats: { ...base.nats, ...overrides.nats },
    redis: { ...base.redis, ...overrides.redis },
    live: { ...base.live, ...overrides.live },
    delivery: { ...base.delivery, ...overrides.delivery },
    retention: { ...base.retention, ...overrides.retention },
    masking: { ...base.masking, ...overrides.masking } as VellumConfig['masking'],
  } as VellumConfig;
}

export async function makeTestApp(options: { config?: DeepPartial<VellumConfig>; store?: VellumStore; clock?: () => number } = {}): Promise<TestApp> {
  const logs: string[] = [];
  const announced: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const config = testConfig(options.config);
  const logger = createLogger({ level: config.logLevel, stream });
  const store = options.store ?? createMemoryStore();
  const app = await buildApp({
    config,
    store,
    logger,
    announce: (text) => announced.push(text),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  await app.ready();
  return {
    app,
    store,
    logs,
    announced,
    auth: (key = ADMIN_KEY) => ({ authorization: `Bearer ${key}` }),
  };
}

/** A real SQLite store in a fresh temporary directory. */
export async function tempSqliteStore(): Promise<{ store: VellumStore; dir: string; file: string; cleanup(): void }> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { createStore } = await import('../../src/store/createStore.ts');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vellum-test-'));
  const file = path.join(dir, 'vellum.db');
  const store = await createStore(`sqlite:${file}`);
  return { store, dir, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A minimal valid event. */
export const anEvent = (overrides: Record<string, unknown> = {}) => ({
  type: 'configuration.updated',
  actor: { type: 'user', id: '5', name: 'Ana' },
  entity: { type: 'PolicyConfiguration', id: '123' },
  ...overrides,
});
