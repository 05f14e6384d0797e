import type { VellumError } from '../errors/registry.ts';
import type { AppendResult, PreparedEvent, Severity, StoredEvent } from '../event/types.ts';
import type { LogProblem } from '../integrity/verify/verifyLog.ts';

/**
 * The store port. The core defines it; SQLite, PostgreSQL and the in-memory store implement it, and one
 * contract suite (`testEventStore` in `@vellum/core/testing`) holds them all to the same behaviour.
 */

/** One client request's events: appended all together or not at all. */
export interface AppendBatch {
  tenant: string;
  events: PreparedEvent[];
  /** The `Idempotency-Key` header: a retry of the whole request returns the original results. */
  requestKey?: { key: string; fingerprint: string };
}

export type AppendOutcome =
  | { status: 'committed'; results: AppendResult[] }
  | { status: 'rejected'; error: VellumError };

/** Filters shared by search, stats, export and live streams. Every field narrows; absent means any. */
export interface EventFilter {
  /** Event types; `*` matches any run of characters (`configuration.*`). Any of them matches. */
  types?: string[];
  /** Exact severities; any of them matches. */
  severities?: Severity[];
  minSeverity?: Severity;
  actorType?: string;
  actorId?: string;
  entityType?: string;
  entityId?: string;
  stream?: string;
  source?: string;
  outcome?: 'success' | 'failure';
  /** The event carries every one of these tags. */
  tags?: string[];
  /** The name of a changed field (`changes[].field`). */
  field?: string;
  correlationId?: string;
  /** occurredAt >= from (ISO 8601 UTC). */
  from?: string;
  /** occurredAt < to (ISO 8601 UTC). */
  to?: string;
}

export interface SearchQuery extends EventFilter {
  /** 1..1000 */
  limit: number;
  /** Log (position) order. */
  order: 'asc' | 'desc';
  /** An opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface SearchPage {
  events: StoredEvent[];
  /** Present when more events may match; pass it back as `cursor`. */
  nextCursor: string | null;
}

export interface StreamReadOptions {
  /** forward: first version to return (default 1); backward: newest version to return (default latest). */
  fromVersion?: number;
  direction: 'forward' | 'backward';
  limit: number;
}

export interface StreamPage {
  stream: string;
  /** The stream's current version (0 when it has no events). */
  version: number;
  events: StoredEvent[];
}

export const STATS_GROUPS = ['type', 'severity', 'actor', 'entityType', 'source', 'outcome'] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];

export interface StatsQuery extends EventFilter {
  groupBy: StatsGroup;
  /** Bucket counts by occurredAt (UTC). */
  interval?: 'hour' | 'day';
}

export interface StatsRow {
  /** The group's value (`actor` is `<type>:<id>`); null where events lack the field. */
  key: string | null;
  /** Start of the bucket (ISO 8601 UTC) when an interval was asked for. */
  bucket?: string;
  count: number;
}

/** Tenant scope of a read: one tenant, or `'*'` for the admin's system-wide trail. */
export type TenantScope = string;
export const ALL_TENANTS = '*';

export interface EventStore {
  /**
   * Appends the batches in one durable commit (group commit). Each batch is all-or-nothing on its own: a
   * batch that conflicts is rejected without affecting the others. Resolves only once the commit is durable.
   */
  append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]>;
  /**
   * How many `append` calls may be outstanding at once (absent: 1). A store that queues appends and runs them one
   * after another in call order, answering in that order, may take more: the next commit then waits where it is
   * written while the current one is, so the writer never idles until its caller hears back.
   */
  readonly appendPipelineDepth?: number;
  readStream(tenant: string, stream: string, options: StreamReadOptions): Promise<StreamPage>;
  search(tenant: TenantScope, query: SearchQuery): Promise<SearchPage>;
  getById(tenant: TenantScope, id: string): Promise<StoredEvent | null>;
  stats(tenant: TenantScope, query: StatsQuery): Promise<StatsRow[]>;
  /** The tenant's newest position (0 when empty). */
  headPosition(tenant: string): Promise<number>;
  /**
   * For `vellum verify --store`: each row of the tenant whose indexed columns — what filters, searches and retention
   * read — disagree with the event its body holds (and side-table rows that belong to no event). An event's hash
   * proves its body, not the columns beside it: a row edited there would be found by the wrong searches, or by none,
   * and still verify. A store that keeps no such columns (the in-memory one) has nothing to report and omits it.
   * `onProgress` hears the number of rows checked so far, after each page.
   */
  indexedColumnProblems?(tenant: string, onProgress?: (rows: number) => void): AsyncIterable<LogProblem>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export * from './AccessStore.ts';
export * from './IntegrityStore.ts';
export * from './PersonalDataStore.ts';
export * from './SubscriptionStore.ts';
export * from './RetentionStore.ts';
