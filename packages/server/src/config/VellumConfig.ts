import type { IngestLimits, MaskingConfig } from '@vellum/core';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything `vellum serve` can be told, after defaults, file, environment and flags are merged and checked. */
export interface VellumConfig {
  host: string;
  /** 0 asks the OS for a free port (the listening line tells which). */
  port: number;
  /** `sqlite:<path>`, a bare path (SQLite), `postgres://…` / `postgresql://…`, or `memory:` (tests, data lost on exit). */
  store: string;
  /** Paths of a PEM certificate and key: serve HTTPS directly. */
  tls: { cert: string; key: string } | null;
  /** When set, this value is the admin key (stored hashed) instead of a generated one. */
  bootstrapKey: string | null;
  logLevel: LogLevel;
  limits: IngestLimits;
  ingest: IngestOptions;
  masking: MaskingConfig;
  rateLimits: RateLimitOptions;
  integrity: IntegrityOptions;
  personalData: PersonalDataOptions;
  /** NATS: live events reach subscribers on every node; JetStream targets publish through it. */
  nats: NatsOptions;
  /** Redis, for `redis` (cache invalidation) subscription targets. */
  redis: RedisOptions;
  live: LiveOptions;
  delivery: DeliveryOptions;
  retention: RetentionOptions;
  /** Run store migrations when the server starts. */
  migrateOnStart: boolean;
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutSeconds: number;
}

export interface IngestOptions {
  /** Events waiting for a commit beyond which requests are refused with 503 OVERLOADED. */
  maxQueuedEvents: number;
  /** Most events one group commit takes from the queue (a single larger request still goes whole). */
  maxEventsPerCommit: number;
  /** The Retry-After sent with 503 OVERLOADED. */
  retryAfterSeconds: number;
  /** /readyz fails when events are queued and no commit has finished for this long. */
  stuckAfterSeconds: number;
}

/**
 * Token buckets that every authenticated request is counted against: its API key's and its tenant's. Each
 * node keeps its own buckets. A rate of 0 means no limit of that kind.
 */
export interface RateLimitOptions {
  /** Requests per second each API key may make (a key's own `rateLimit` overrides it). */
  perKeyPerSecond: number;
  /** Requests a key may save up and spend at once. */
  perKeyBurst: number;
  /** Requests per second all of a tenant's keys together may make, so one tenant cannot starve the others. */
  perTenantPerSecond: number;
  perTenantBurst: number;
}

/** The Merkle tree that follows each tenant's log, and the checkpoints signed over it (docs/integrity.md). */
export interface IntegrityOptions {
  /** Integrate new events into the tree and sign checkpoints on this node. Proof routes answer either way. */
  enabled: boolean;
  /**
   * The log's name: checkpoints say `<origin>/<tenant>` and the signing key is named `<origin>`. null: the first
   * node to start stores `vellum.<its host name>` and every node uses that, so all nodes sign the same origin.
   */
  origin: string | null;
  /** Sign a checkpoint once the tree has grown by this many events since the last one... */
  checkpointEvery: number;
  /** ...or this many seconds after the last one, when it has grown at all, whichever comes first. */
  checkpointIntervalSeconds: number;
}

/** Crypto-shredding of personal data (docs/integrity.md, "Erasure"). */
export interface PersonalDataOptions {
  /** Encrypt `fields` with a per-subject key before hashing, and answer POST /v1/subjects/:subject/forget. */
  enabled: boolean;
  /** Dotted paths into the event (`actor.email`); not actor/entity type or id. */
  fields: string[];
}

export interface NatsOptions {
  /** nats://host:port; null: single node (live streams hear only this node's commits, no `nats` targets). */
  url: string | null;
}

export interface RedisOptions {
  /** redis://host:port/db; null: `redis` subscription targets are refused. */
  url: string | null;
}

/** Live streams: GET /v1/live (Server-Sent Events) and GET /v1/ws (docs/live.md). */
export interface LiveOptions {
  /** A comment line (SSE) or ping (WebSocket) this often on an idle connection, so proxies keep it open. */
  heartbeatSeconds: number;
  /** Events held for one slow consumer before it falls back to reading from the store. */
  bufferEvents: number;
  /** A consumer this far behind the log's head (in events) is closed with the position to resume from. */
  maxLagEvents: number;
  /** Open live connections one API key may hold on a node. */
  maxConnectionsPerKey: number;
}

/** Durable subscriptions' delivery workers (docs/subscriptions.md). */
export interface DeliveryOptions {
  /** Run delivery workers on this node (any number of nodes may; leases keep each subscription on one). */
  enabled: boolean;
  /** Most events in one delivery (one webhook request). */
  batchSize: number;
  /** A target that has not answered within this many seconds has failed the attempt. */
  requestTimeoutSeconds: number;
  /** Waits between attempts (durations such as "5s", "30m"); a subscription's target may carry its own. */
  retrySchedule: string[];
  /** After the last attempt: park the batch in dead letters and move on, or pause the subscription. */
  onExhausted: 'dead-letter' | 'pause';
  /** Deliveries in flight at once on this node. */
  concurrency: number;
  /** Consecutive failures of one endpoint that open its circuit breaker... */
  breakerFailures: number;
  /** ...for this many seconds, after which one trial request may close it again. */
  breakerCooldownSeconds: number;
  /** Hosts or CIDRs webhooks may reach although they are loopback, private, link-local or metadata addresses. */
  webhookAllow: string[];
}

/** Retention: per-tenant policies and the pruning that applies them (docs/integrity.md, "Retention"). */
export interface RetentionOptions {
  /** Apply retention policies on this node. */
  enabled: boolean;
  /** How often to look for events past their tenant's retention period. */
  sweepIntervalSeconds: number;
  /** Where archive exports are written before pruning, when a policy asks for one. */
  archiveDir: string;
}
