import { DEFAULT_INGEST_LIMITS } from '@vellum/core';
import type { VellumConfig } from './VellumConfig.ts';

/** The one place defaults live; docs/configuration.md repeats them and a test keeps the two in step. */
export const DEFAULT_CONFIG: VellumConfig = Object.freeze({
  host: '127.0.0.1',
  port: 7070,
  store: 'sqlite:./data/vellum.db',
  tls: null,
  bootstrapKey: null,
  logLevel: 'info',
  limits: { ...DEFAULT_INGEST_LIMITS },
  ingest: {
    maxQueuedEvents: 20_000,
    maxEventsPerCommit: 5_000,
    retryAfterSeconds: 1,
    stuckAfterSeconds: 30,
  },
  masking: { defaults: true, defaultStrategy: 'partial', rules: [] },
  // Far above what one client of a single node needs, low enough that one runaway client cannot take the whole node.
  rateLimits: {
    perKeyPerSecond: 1_000,
    perKeyBurst: 2_000,
    perTenantPerSecond: 5_000,
    perTenantBurst: 10_000,
  },
  integrity: {
    enabled: true,
    origin: null,
    checkpointEvery: 1_000,
    checkpointIntervalSeconds: 10,
  },
  personalData: {
    enabled: true,
    fields: ['actor.name', 'actor.email', 'context.ip'],
  },
  nats: { url: null },
  redis: { url: null },
  live: {
    heartbeatSeconds: 15,
    bufferEvents: 10_000,
    maxLagEvents: 100_000,
    maxConnectionsPerKey: 100,
  },
  delivery: {
    enabled: true,
    batchSize: 100,
    requestTimeoutSeconds: 10,
    retrySchedule: ['5s', '5m', '30m', '2h', '5h', '10h', '10h'],
    onExhausted: 'dead-letter',
    concurrency: 8,
    breakerFailures: 5,
    breakerCooldownSeconds: 60,
    webhookAllow: [],
  },
  retention: {
    enabled: true,
    sweepIntervalSeconds: 3_600,
    archiveDir: './data/archive',
  },
  migrateOnStart: true,
  shutdownTimeoutSeconds: 30,
}) as VellumConfig;
