import { checkPersonalPaths, parseDuration } from '@vellum/core';
import { isWellFormedApiKey } from '../auth/generateApiKey.ts';
import { LOG_LEVELS } from './VellumConfig.ts';

type Parsed = { value: unknown } | { error: string };

/** One configurable value: where it sits in the config file, its environment variable and flag. */
export interface OptionSpec {
  /** Dotted path in the config file (`limits.maxEventBytes`). */
  path: string;
  env?: string;
  /** commander's camelCase flag name (`tlsCert` for `--tls-cert`). */
  flag?: 'host' | 'port' | 'store' | 'tlsCert' | 'tlsKey' | 'logLevel';
  /** A secret is never echoed in error messages. */
  secret?: boolean;
  /** Parses a file value (JSON-typed) or a flag/env value (`fromString`). */
  parse(raw: unknown, fromString: boolean): Parsed;
}

const string = (what: string) => (raw: unknown): Parsed =>
  typeof raw === 'string' && raw.trim() !== '' ? { value: raw } : { error: `must be ${what}` };

const integer = (min: number, max: number) => (raw: unknown, fromString: boolean): Parsed => {
  let n: number;
  if (fromString) {
    const s = String(raw).trim();
    if (!/^\d+$/.test(s)) return { error: `must be a whole number from ${min} to ${max}` };
    n = Number(s);
  } else if (typeof raw === 'number') {
    n = raw;
  } else {
    return { error: `must be a whole number from ${min} to ${max}` };
  }
  return Number.isSafeInteger(n) && n >= min && n <= max ? { value: n } : { error: `must be a whole number from ${min} to ${max}` };
};

const oneOf = (values: readonly string[]) => (raw: unknown): Parsed =>
  typeof raw === 'string' && values.includes(raw) ? { value: raw } : { error: `must be one of ${values.join(', ')}` };

const boolean = (raw: unknown, fromString: boolean): Parsed => {
  if (!fromString) return typeof raw === 'boolean' ? { value: raw } : { error: 'must be true or false' };
  const s = String(raw).trim().toLowerCase();
  if (['true', '1', 'yes'].includes(s)) return { value: true };
  if (['false', '0', 'no'].includes(s)) return { value: false };
  return { error: 'must be true or false' };
};

const bootstrapKey = (raw: unknown): Parsed => {
  if (typeof raw !== 'string') return { error: 'must be a string' };
  // The same format as every issued key, so the bootstrap key passes the checksum test before any lookup.
  if (!isWellFormedApiKey(raw.trim())) {
    return { error: 'must be a Vellum API key (vk_ then 36 base62 characters ending in a checksum); make one with: npx vellum keys generate' };
  }
  return { value: raw.trim() };
};

// A signed-note key name and a checkpoint origin may hold neither spaces nor '+' (C2SP signed-note, tlog-checkpoint);
// printable ASCII keeps the origin line readable and the same bytes for every verifier.
const origin = (raw: unknown): Parsed =>
  typeof raw === 'string' && /^[\x21-\x2a\x2c-\x7e]{1,200}$/.test(raw.trim())
    ? { value: raw.trim() }
    : { error: 'must be a log name such as vellum.example.com: 1 to 200 printable ASCII characters, no spaces or +' };

// Dotted event paths; comma-separated from the environment, a JSON array of strings in a file. An empty list is allowed.
const personalFields = (raw: unknown, fromString: boolean): Parsed => {
  const list = fromString ? String(raw).split(',').map((p) => p.trim()).filter((p) => p !== '') : raw;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) return { error: 'must be a list of event field paths such as actor.email' };
  const problems = checkPersonalPaths(list as string[]);
  return problems.length === 0 ? { value: [...new Set(list as string[])] } : { error: problems.join('; ') };
};

const url = (schemes: readonly string[], example: string) => (raw: unknown): Parsed => {
  if (typeof raw !== 'string') return { error: `must be a URL such as ${example}` };
  try {
    const u = new URL(raw.trim());
    return schemes.includes(u.protocol) ? { value: raw.trim() } : { error: `must be a URL such as ${example}` };
  } catch {
    return { error: `must be a URL such as ${example}` };
  }
};

// Comma-separated from the environment, a JSON array of strings in a file.
const stringList = (what: string, check: (item: string) => boolean) => (raw: unknown, fromString: boolean): Parsed => {
  const list = fromString ? String(raw).split(',').map((p) => p.trim()).filter((p) => p !== '') : raw;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' && check(p))) return { error: `must be a list of ${what}` };
  return { value: list };
};

const DURATION_EXAMPLE = 'durations such as 5s, 5m, 2h';
const retrySchedule = (raw: unknown, fromString: boolean): Parsed => {
  const parsed = stringList(DURATION_EXAMPLE, (d) => (parseDuration(d) ?? 0) > 0)(raw, fromString);
  if ('error' in parsed) return parsed;
  const list = parsed.value as string[];
  return list.length >= 1 && list.length <= 50 ? parsed : { error: `must hold 1 to 50 ${DURATION_EXAMPLE}` };
};

const MiB = 1024 * 1024;

/** Every option. docs/configuration.md documents each one and a test keeps the two in step. */
export const CONFIG_OPTIONS: readonly OptionSpec[] = [
  { path: 'host', env: 'VELLUM_HOST', flag: 'host', parse: string('a host name or IP address') },
  { path: 'port', env: 'VELLUM_PORT', flag: 'port', parse: integer(0, 65_535) },
  { path: 'store', env: 'VELLUM_STORE', flag: 'store', parse: string('a store location such as sqlite:./data/vellum.db or postgres://user@host/db') },
  { path: 'tls.cert', env: 'VELLUM_TLS_CERT', flag: 'tlsCert', parse: string('the path of a PEM certificate') },
  { path: 'tls.key', env: 'VELLUM_TLS_KEY', flag: 'tlsKey', parse: string('the path of a PEM private key') },
  { path: 'bootstrapKey', env: 'VELLUM_BOOTSTRAP_KEY', secret: true, parse: bootstrapKey },
  { path: 'logLevel', env: 'VELLUM_LOG_LEVEL', flag: 'logLevel', parse: oneOf(LOG_LEVELS) },
  { path: 'limits.maxEventBytes', env: 'VELLUM_MAX_EVENT_BYTES', parse: integer(256, 64 * MiB) },
  { path: 'limits.maxEventsPerRequest', env: 'VELLUM_MAX_EVENTS_PER_REQUEST', parse: integer(1, 100_000) },
  { path: 'limits.maxRequestBytes', env: 'VELLUM_MAX_REQUEST_BYTES', parse: integer(256, 1024 * MiB) },
  { path: 'ingest.maxQueuedEvents', env: 'VELLUM_MAX_QUEUED_EVENTS', parse: integer(1, 10_000_000) },
  { path: 'ingest.maxEventsPerCommit', env: 'VELLUM_MAX_EVENTS_PER_COMMIT', parse: integer(1, 1_000_000) },
  { path: 'ingest.retryAfterSeconds', env: 'VELLUM_RETRY_AFTER_SECONDS', parse: integer(1, 3600) },
  { path: 'ingest.stuckAfterSeconds', env: 'VELLUM_STUCK_AFTER_SECONDS', parse: integer(1, 86_400) },
  { path: 'rateLimits.perKeyPerSecond', env: 'VELLUM_RATE_LIMIT_PER_SECOND', parse: integer(0, 1_000_000) },
  { path: 'rateLimits.perKeyBurst', env: 'VELLUM_RATE_LIMIT_BURST', parse: integer(0, 10_000_000) },
  { path: 'rateLimits.perTenantPerSecond', env: 'VELLUM_TENANT_RATE_LIMIT_PER_SECOND', parse: integer(0, 1_000_000) },
  { path: 'rateLimits.perTenantBurst', env: 'VELLUM_TENANT_RATE_LIMIT_BURST', parse: integer(0, 10_000_000) },
  { path: 'masking.hashKey', env: 'VELLUM_MASKING_HASH_KEY', secret: true, parse: string('a non-empty secret') },
  { path: 'integrity.enabled', env: 'VELLUM_INTEGRITY_ENABLED', parse: boolean },
  { path: 'integrity.origin', env: 'VELLUM_INTEGRITY_ORIGIN', parse: origin },
  { path: 'integrity.checkpointEvery', env: 'VELLUM_CHECKPOINT_EVERY', parse: integer(1, 10_000_000) },
  { path: 'integrity.checkpointIntervalSeconds', env: 'VELLUM_CHECKPOINT_INTERVAL_SECONDS', parse: integer(1, 86_400) },
  { path: 'personalData.enabled', env: 'VELLUM_PERSONAL_DATA_ENABLED', parse: boolean },
  { path: 'personalData.fields', env: 'VELLUM_PERSONAL_DATA_FIELDS', parse: personalFields },
  { path: 'nats.url', env: 'VELLUM_NATS_URL', parse: url(['nats:', 'tls:'], 'nats://127.0.0.1:4222') },
  { path: 'redis.url', env: 'VELLUM_REDIS_URL', secret: true, parse: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379') },
  { path: 'live.heartbeatSeconds', env: 'VELLUM_LIVE_HEARTBEAT_SECONDS', parse: integer(1, 3_600) },
  { path: 'live.bufferEvents', env: 'VELLUM_LIVE_BUFFER_EVENTS', parse: integer(1, 1_000_000) },
  { path: 'live.maxLagEvents', env: 'VELLUM_LIVE_MAX_LAG_EVENTS', parse: integer(1, 1_000_000_000) },
  { path: 'live.maxConnectionsPerKey', env: 'VELLUM_LIVE_MAX_CONNECTIONS_PER_KEY', parse: integer(1, 100_000) },
  { path: 'delivery.enabled', env: 'VELLUM_DELIVERY_ENABLED', parse: boolean },
  { path: 'delivery.batchSize', env: 'VELLUM_DELIVERY_BATCH_SIZE', parse: integer(1, 1_000) },
  { path: 'delivery.requestTimeoutSeconds', env: 'VELLUM_DELIVERY_TIMEOUT_SECONDS', parse: integer(1, 300) },
  { path: 'delivery.retrySchedule', env: 'VELLUM_DELIVERY_RETRY_SCHEDULE', parse: retrySchedule },
  { path: 'delivery.onExhausted', env: 'VELLUM_DELIVERY_ON_EXHAUSTED', parse: oneOf(['dead-letter', 'pause']) },
  { path: 'delivery.concurrency', env: 'VELLUM_DELIVERY_CONCURRENCY', parse: integer(1, 1_000) },
  { path: 'delivery.breakerFailures', env: 'VELLUM_DELIVERY_BREAKER_FAILURES', parse: integer(1, 1_000) },
  { path: 'delivery.breakerCooldownSeconds', env: 'VELLUM_DELIVERY_BREAKER_COOLDOWN_SECONDS', parse: integer(1, 86_400) },
  { path: 'delivery.webhookAllow', env: 'VELLUM_WEBHOOK_ALLOW', parse: stringList('host names, IP addresses or CIDRs such as 127.0.0.1 or 10.0.0.0/8', (h) => /^[\w.:\-\[\]/]{1,255}$/.test(h)) },
  { path: 'retention.enabled', env: 'VELLUM_RETENTION_ENABLED', parse: boolean },
  { path: 'retention.sweepIntervalSeconds', env: 'VELLUM_RETENTION_SWEEP_INTERVAL_SECONDS', parse: integer(1, 7 * 86_400) },
  { path: 'retention.archiveDir', env: 'VELLUM_RETENTION_ARCHIVE_DIR', parse: string('a directory path') },
  { path: 'migrateOnStart', env: 'VELLUM_MIGRATE_ON_START', parse: boolean },
  { path: 'shutdownTimeoutSeconds', env: 'VELLUM_SHUTDOWN_TIMEOUT_SECONDS', parse: integer(1, 3600) },
];
