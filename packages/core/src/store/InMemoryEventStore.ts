import { VellumError } from '../errors/registry.ts';
import type { AppendResult, PreparedEvent, StoredEvent } from '../event/types.ts';
import { matchesFilter } from '../filter/matchesFilter.ts';
import { keyedFingerprint } from '../ingest/prepareEvent.ts';
import { sealEvent } from '../integrity/sealEvent.ts';
import { decodeCursor, encodeCursor } from '../query/cursor.ts';
import { ALL_TENANTS } from './EventStore.ts';
import type {
  AppendBatch,
  AppendOutcome,
  EventStore,
  SearchPage,
  SearchQuery,
  StatsQuery,
  StatsRow,
  StreamPage,
  StreamReadOptions,
  TenantScope,
} from './EventStore.ts';

interface KeyedResult {
  fingerprint: string;
  result: AppendResult;
}

interface RequestRecord {
  fingerprint: string;
  results: AppendResult[];
}

/** One tenant's log. `events[i]` has position i + 1; a stream's `positions[v - 1]` is its version v. */
interface TenantLog {
  events: StoredEvent[];
  streams: Map<string, number[]>;
  idempotencyKeys: Map<string, KeyedResult>;
  requestKeys: Map<string, RequestRecord>;
  /** Retention: positions 1..prunedThrough are gone (their slots stay, so positions keep indexing the array). */
  prunedThrough: number;
}

// Events are stored and handed out as JSON copies: callers can't alter the log through a reference, and what
// comes back is exactly what a database store would give (no undefined members, no prototypes).
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const bucketOf = (occurredAt: string, interval: 'hour' | 'day'): string =>
  interval === 'hour' ? `${occurredAt.slice(0, 13)}:00:00.000Z` : `${occurredAt.slice(0, 10)}T00:00:00.000Z`;

/**
 * The reference store: plain arrays, for unit tests and as the contract suite's baseline.
 *
 * Search walks the log in position order, so a cursor is the last position returned; across tenants
 * (ALL_TENANTS) it walks a global insertion sequence instead, which is commit order.
 */
export class InMemoryEventStore implements EventStore {
  private readonly tenants = new Map<string, TenantLog>();
  /** Every tenant's events in commit order; `all[i]` has global sequence i + 1. */
  private readonly all: StoredEvent[] = [];
  private readonly byId = new Map<string, StoredEvent>();

  append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    return Promise.resolve(batches.map((batch) => this.appendBatch(batch)));
  }

  readStream(tenant: string, stream: string, options: StreamReadOptions): Promise<StreamPage> {
    const log = this.tenants.get(tenant);
    const positions = log?.streams.get(stream) ?? [];
    const version = positions.length;
    const versions: number[] = [];
    if (options.direction === 'forward') {
      for (let v = Math.max(1, options.fromVersion ?? 1); v <= version && versions.length < options.limit; v++) versions.push(v);
    } else {
      for (let v = Math.min(version, options.fromVersion ?? version); v >= 1 && versions.length < options.limit; v--) versions.push(v);
    }
    const events = versions
      .map((v) => (log as TenantLog).events[(positions[v - 1] as number) - 1] as StoredEvent)
      .filter((event) => !this.isPruned(event))
      .map(copy);
    return Promise.resolve({ stream, version, events });
  }

  search(tenant: TenantScope, query: SearchQuery): Promise<SearchPage> {
    try {
      // Decode first, so a bad cursor is refused even where there is nothing to page through.
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor).k;
      const log = tenant === ALL_TENANTS ? this.all : (this.tenants.get(tenant)?.events ?? []);
      // In both logs an event's sort key is its index + 1 (position, or global sequence).
      const page: StoredEvent[] = [];
      let lastKey = 0;
      let more = false;
      const visit = (i: number): boolean => {
        const event = log[i] as StoredEvent;
        if (this.isPruned(event) || !matchesFilter(event, query)) return true;
        if (page.length === query.limit) {
          more = true;
          return false;
        }
        page.push(copy(event));
        lastKey = i + 1;
        return true;
      };
      if (query.order === 'asc') {
        for (let i = after ?? 0; i < log.length && visit(i); i++);
      } else {
        for (let i = Math.min(log.length, after === undefined ? log.length : after - 1) - 1; i >= 0 && visit(i); i--);
      }
      return Promise.resolve({ events: page, nextCursor: more ? encodeCursor({ k: lastKey }) : null });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  getById(tenant: TenantScope, id: string): Promise<StoredEvent | null> {
    const event = this.byId.get(id);
    if (event === undefined || (tenant !== ALL_TENANTS && event.tenant !== tenant)) return Promise.resolve(null);
    return Promise.resolve(copy(event));
  }

  stats(tenant: TenantScope, query: StatsQuery): Promise<StatsRow[]> {
    const log = tenant === ALL_TENANTS ? this.all : (this.tenants.get(tenant)?.events ?? []);
    const rows = new Map<string, StatsRow>();
    for (const event of log) {
      if (this.isPruned(event) || !matchesFilter(event, query)) continue;
      const key = groupKey(event, query.groupBy);
      const bucket = query.interval === undefined ? undefined : bucketOf(event.occurredAt, query.interval);
      const id = JSON.stringify([bucket ?? null, key]);
      const row = rows.get(id);
      if (row !== undefined) row.count += 1;
      else rows.set(id, bucket === undefined ? { key, count: 1 } : { key, bucket, count: 1 });
    }
    return Promise.resolve([...rows.values()].sort(compareStatsRows));
  }

  headPosition(tenant: string): Promise<number> {
    return Promise.resolve(this.tenants.get(tenant)?.events.length ?? 0);
  }

  /**
   * Synchronous reads for an in-memory IntegrityStore kept beside this log (the server's `memory:` store): the
   * `hash` of positions fromPosition, fromPosition+1, … (at most `limit`) — the tenant's Merkle leaves.
   */
  eventHashes(tenant: string, fromPosition: number, limit: number): string[] {
    const log = this.tenants.get(tenant);
    const from = Math.max(1, fromPosition, (log?.prunedThrough ?? 0) + 1) - 1;
    const end = Math.max(1, fromPosition) - 1 + Math.max(0, limit);
    return (log?.events ?? []).slice(from, Math.max(from, end)).map((event) => event.hash);
  }

  /**
   * Retention: removes the tenant's events at positions ≤ `through` from every read (search, trails, stats, by id,
   * leaves); positions and the head stay as they were. Returns how many events this call removed.
   */
  pruneThrough(tenant: string, through: number): number {
    const log = this.tenants.get(tenant);
    if (log === undefined || through <= log.prunedThrough) return 0;
    const end = Math.min(through, log.events.length);
    for (let i = log.prunedThrough; i < end; i++) this.byId.delete((log.events[i] as StoredEvent).id);
    const removed = Math.max(0, end - log.prunedThrough);
    log.prunedThrough = Math.max(log.prunedThrough, end);
    return removed;
  }

  private isPruned(event: StoredEvent): boolean {
    return event.position <= (this.tenants.get(event.tenant)?.prunedThrough ?? 0);
  }

  /** Every tenant with events, and its head position. */
  tenantHeads(): Array<[tenant: string, head: number]> {
    return [...this.tenants].filter(([, log]) => log.events.length > 0).map(([tenant, log]) => [tenant, log.events.length]);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private logOf(tenant: string): TenantLog {
    let log = this.tenants.get(tenant);
    if (log === undefined) {
      log = { events: [], streams: new Map(), idempotencyKeys: new Map(), requestKeys: new Map(), prunedThrough: 0 };
      this.tenants.set(tenant, log);
    }
    return log;
  }

  /**
   * Checks the whole batch against the log plus what the batch itself has staged so far, and only then
   * applies it: a rejected batch leaves no trace (no position, no stream version, no idempotency key).
   */
  private appendBatch(batch: AppendBatch): AppendOutcome {
    const log = this.logOf(batch.tenant);
    const { requestKey } = batch;
    if (requestKey !== undefined) {
      const previous = log.requestKeys.get(requestKey.key);
      if (previous !== undefined) {
        if (previous.fingerprint !== requestKey.fingerprint) return reused(requestKey.key);
        return { status: 'committed', results: previous.results.map((r) => ({ ...r, duplicate: true })) };
      }
    }

    const staged: StoredEvent[] = [];
    const stagedKeys = new Map<string, KeyedResult>();
    const stagedVersions = new Map<string, number>();
    const results: AppendResult[] = [];
    let position = log.events.length;
    for (const prepared of batch.events) {
      const { event } = prepared;
      if (event.tenant !== batch.tenant) {
        return { status: 'rejected', error: new VellumError('INTERNAL', { message: `event tenant ${event.tenant} differs from its batch's tenant ${batch.tenant}` }) };
      }
      const key = event.idempotencyKey;
      if (key !== undefined) {
        const seen = stagedKeys.get(key) ?? log.idempotencyKeys.get(key);
        if (seen !== undefined) {
          if (seen.fingerprint !== prepared.fingerprint) return reused(key);
          results.push({ ...seen.result, duplicate: true });
          continue;
        }
      }
      const current = stagedVersions.get(event.stream) ?? log.streams.get(event.stream)?.length ?? 0;
      const conflict = versionConflict(prepared, current);
      if (conflict !== undefined) return conflict;
      position += 1;
      stagedVersions.set(event.stream, current + 1);
      const sealed = copy(sealEvent(event, position, current + 1));
      staged.push(sealed);
      const result: AppendResult = { id: sealed.id, position, stream: sealed.stream, streamVersion: current + 1, hash: sealed.hash };
      if (key !== undefined) stagedKeys.set(key, { fingerprint: keyedFingerprint(prepared), result });
      results.push(result);
    }

    for (const sealed of staged) {
      log.events.push(sealed);
      this.all.push(sealed);
      this.byId.set(sealed.id, sealed);
      let positions = log.streams.get(sealed.stream);
      if (positions === undefined) log.streams.set(sealed.stream, (positions = []));
      positions.push(sealed.position);
    }
    for (const [key, keyed] of stagedKeys) log.idempotencyKeys.set(key, keyed);
    if (requestKey !== undefined) log.requestKeys.set(requestKey.key, { fingerprint: requestKey.fingerprint, results });
    return { status: 'committed', results };
  }
}

function reused(key: string): AppendOutcome {
  return { status: 'rejected', error: new VellumError('IDEMPOTENCY_KEY_REUSED', { meta: { idempotencyKey: key } }) };
}

function versionConflict(prepared: PreparedEvent, actualVersion: number): AppendOutcome | undefined {
  const { expectedVersion } = prepared;
  if (expectedVersion === undefined || expectedVersion === actualVersion) return undefined;
  const stream = prepared.event.stream;
  return {
    status: 'rejected',
    error: new VellumError('STREAM_VERSION_CONFLICT', {
      message: `Stream ${stream} is at version ${actualVersion}, not the expected ${expectedVersion}.`,
      meta: { stream, expectedVersion, actualVersion },
    }),
  };
}

function groupKey(event: StoredEvent, groupBy: StatsQuery['groupBy']): string | null {
  switch (groupBy) {
    case 'type':
      return event.type;
    case 'severity':
      return event.severity;
    case 'actor':
      return `${event.actor.type}:${event.actor.id}`;
    case 'entityType':
      return event.entity?.type ?? null;
    case 'source':
      return event.source ?? null;
    case 'outcome':
      return event.outcome ?? null;
  }
}

/** Bucket ascending, then count descending, then key ascending (UTF-16 code units) with null first. */
export function compareStatsRows(a: StatsRow, b: StatsRow): number {
  const ab = a.bucket ?? '';
  const bb = b.bucket ?? '';
  if (ab !== bb) return ab < bb ? -1 : 1;
  if (a.count !== b.count) return b.count - a.count;
  if (a.key === b.key) return 0;
  if (a.key === null) return -1;
  if (b.key === null) return 1;
  return a.key < b.key ? -1 : 1;
}
