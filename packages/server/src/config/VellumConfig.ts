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
