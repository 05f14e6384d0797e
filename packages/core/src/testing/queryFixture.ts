import type { Actor, Change, Entity, EventInput, Outcome, PreparedEvent, Severity, StoredEvent } from '../event/types.ts';
import { SEVERITIES } from '../event/types.ts';
import { sealEvent } from '../integrity/sealEvent.ts';
import type { AppendBatch, EventStore } from '../store/EventStore.ts';
import { createPreparedFactory } from './makePrepared.ts';

export const FIXTURE_TENANTS = ['acme', 'globex'] as const;

/**
 * A varied, deterministic data set for search and stats: a few hundred events over two tenants, several
 * types, severities, actors, entities, sources, outcomes, tags, changed fields and correlation ids, with
 * occurredAt values that repeat (to test the from/to boundaries) and do not follow position order.
 */
export interface QueryFixture {
  /** The append calls, in order; each is a list of batches. */
  calls: AppendBatch[][];
  /** Every event as the store must hold it (sealed with the position and version it must get), in commit order. */
  events: StoredEvent[];
  /** Occurred-at instants shared by several events, for boundary filters. */
  sharedInstants: string[];
}

/** A small PRNG (mulberry32) so the fixture is the same on every run and every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = [
  'configuration.created',
  'configuration.updated',
  'configuration.deleted',
  'user.login',
  'user.logout',
  'invoice.paid',
  'invoice.refund.issued',
  'invoice.refund_failed',
] as const;
const ACTORS: Actor[] = [
  { type: 'user', id: '1', name: 'Ana' },
  { type: 'user', id: '2' },
  { type: 'user', id: '3', email: 'c@example.com' },
  { type: 'service', id: '1', name: 'billing' },
  { type: 'service', id: 'cron' },
  { type: 'system', id: 'vellum' },
];
const ENTITIES: Array<Entity | undefined> = [
  { type: 'PolicyConfiguration', id: '1', name: 'Cancellation policy' },
  { type: 'PolicyConfiguration', id: '2' },
  { type: 'Invoice', id: '1' },
  { type: 'Invoice', id: '2' },
  { type: 'User', id: '2' },
  undefined,
];
const SOURCES = ['ui', 'api', 'console', 'system', undefined] as const;
const OUTCOMES: Array<Outcome | undefined> = ['success', 'failure', undefined];
const TAGS = ['company:1', 'company:2', 'billing', 'pii', 'config:hours_before'] as const;
const FIELDS = ['hours_before', 'fee_percentage', 'status', 'email'] as const;
const BASE_MS = Date.parse('2026-11-20T00:00:00.000Z');
const QUARTER_HOUR = 15 * 60_000;

export function buildQueryFixture(seed = 20261122): QueryFixture {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const prepare = createPreparedFactory({ start: '2026-11-23T00:00:00.000Z' });

  // 3 days of quarter hours, but only 40 distinct instants, so many events share one.
  const instants = Array.from({ length: 40 }, () => new Date(BASE_MS + Math.floor(random() * 288) * QUARTER_HOUR).toISOString());

  const inputs: Array<{ tenant: string; prepared: PreparedEvent }> = [];
  for (let i = 0; i < 320; i++) {
    const tenant = random() < 0.6 ? FIXTURE_TENANTS[0] : FIXTURE_TENANTS[1];
    const entity = pick(ENTITIES);
    const input: EventInput = {
      type: pick(TYPES),
      severity: pick(SEVERITIES) as Severity,
      actor: pick(ACTORS),
      occurredAt: pick(instants),
    };
    if (entity !== undefined) input.entity = entity;
    if (random() < 0.1) input.stream = `billing-run:${1 + Math.floor(random() * 3)}`;
    const source = pick(SOURCES);
    if (source !== undefined) input.source = source;
    const outcome = pick(OUTCOMES);
    if (outcome !== undefined) input.outcome = outcome;
    const tags = TAGS.filter(() => random() < 0.3);
    if (tags.length > 0 || random() < 0.2) input.tags = tags;
    const fields = FIELDS.filter(() => random() < 0.3);
    if (fields.length > 0) input.changes = fields.map((field, k): Change => ({ field, old: k, new: k + 1 }));
    if (random() < 0.5) input.correlationId = `c-${1 + Math.floor(random() * 5)}`;
    if (random() < 0.2) input.data = { company_id: 1 + Math.floor(random() * 2), note: 'ünïcödé ✓' };
    if (random() < 0.2) input.action = 'update';
    inputs.push({ tenant, prepared: prepare({ ...input, tenant }) });
  }

  // Appended in calls of a few batches each, mixing tenants within a call, as group commit does.
  const calls: AppendBatch[][] = [];
  for (let i = 0; i < inputs.length; ) {
    const batches: AppendBatch[] = [];
    const batchCount = 1 + Math.floor(random() * 3);
    for (let b = 0; b < batchCount && i < inputs.length; b++) {
      const tenant = (inputs[i] as { tenant: string }).tenant;
      const events: PreparedEvent[] = [];
      const size = 1 + Math.floor(random() * 6);
      while (events.length < size && i < inputs.length && (inputs[i] as { tenant: string }).tenant === tenant) {
        events.push((inputs[i] as { prepared: PreparedEvent }).prepared);
        i++;
      }
      batches.push({ tenant, events });
    }
    calls.push(batches);
  }

  // What the store must hold: positions per tenant and versions per stream in commit order.
  const positions = new Map<string, number>();
  const versions = new Map<string, number>();
  const events: StoredEvent[] = [];
  for (const batch of calls.flat()) {
    for (const { event } of batch.events) {
      const position = (positions.get(batch.tenant) ?? 0) + 1;
      positions.set(batch.tenant, position);
      const streamKey = JSON.stringify([batch.tenant, event.stream]);
      const version = (versions.get(streamKey) ?? 0) + 1;
      versions.set(streamKey, version);
      events.push(sealEvent(event, position, version));
    }
  }

  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.occurredAt, (counts.get(e.occurredAt) ?? 0) + 1);
  const sharedInstants = [...counts].filter(([, n]) => n >= 3).map(([at]) => at).sort();
  return { calls, events, sharedInstants };
}

/** Appends the fixture's calls in order; throws if any batch is rejected. */
export async function loadQueryFixture(store: EventStore, fixture: QueryFixture): Promise<void> {
  for (const batches of fixture.calls) {
    const outcomes = await store.append(batches);
    for (const outcome of outcomes) {
      if (outcome.status !== 'committed') throw new Error(`fixture batch rejected: ${outcome.error.code} ${outcome.error.message}`);
    }
  }
}
