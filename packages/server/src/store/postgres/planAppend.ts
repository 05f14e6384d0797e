import { VellumError, keyedFingerprint } from '@vellum/core';
import type { AppendBatch, AppendOutcome, AppendResult, UnsealedEvent } from '@vellum/core';
import { columnText } from './eventColumns.ts';

/**
 * Decides a whole append call in memory, once the tenants are locked and their heads read: which batches
 * commit, which are rejected, and every committed event's position and version. Deciding here rather than
 * with SAVEPOINTs keeps a commit to plain INSERTs and makes a rejected batch cost nothing in the database.
 *
 * Hashes are not computed here: sealing is the costly part, so the writer seals chunk by chunk while the
 * database inserts the previous chunk, then fills in each result's hash (`sealInto`).
 */

/**
 * An unambiguous map key for a (tenant, name) pair, whatever characters either holds. Keys are taken in their
 * column form (columnText), the form the database compares and returns them in.
 */
export const pairKey = (tenant: string, name: string): string => `${tenant.length}:${columnText(tenant)}${columnText(name)}`;

export interface KnownEventKey {
  fingerprint: string;
  result: AppendResult;
}

export interface KnownRequestKey {
  fingerprint: string;
  results: AppendResult[];
}

/** What the database holds for the tenants of this call, read under their locks. The planner advances it. */
export interface AppendState {
  /** By tenant, in column form. */
  positions: Map<string, number>;
  /** By pairKey(tenant, stream); absent = version 0. */
  streamVersions: Map<string, number>;
  /** By pairKey(tenant, idempotencyKey). */
  eventKeys: Map<string, KnownEventKey>;
  /** By pairKey(tenant, requestKey). */
  requestKeys: Map<string, KnownRequestKey>;
}

export interface PlannedEvent {
  unsealed: UnsealedEvent;
  position: number;
  streamVersion: number;
  /** Kept only for events with an idempotency key: a retry is compared against it. */
  fingerprint: string | undefined;
  /** The result reported for it; `hash` is filled in when the event is sealed. */
  result: AppendResult;
}

export interface PlannedRequestKey {
  tenant: string;
  key: string;
  fingerprint: string;
  results: AppendResult[];
}

export interface AppendPlan {
  outcomes: AppendOutcome[];
  events: PlannedEvent[];
  /** Results answering a retry, each with the result it repeats: they take its hash once that is known. */
  duplicates: Array<[duplicate: AppendResult, original: AppendResult]>;
  /** New head position of each tenant that advanced (tenant in column form). */
  heads: Map<string, number>;
  requestKeys: PlannedRequestKey[];
}

/**
 * The (tenant, stream), (tenant, idempotencyKey) and (tenant, requestKey) pairs a call needs to know about,
 * in column form, ready to be sent as parameters.
 */
export interface AppendLookups {
  tenants: string[];
  streams: Array<[string, string]>;
  eventKeys: Array<[string, string]>;
  requestKeys: Array<[string, string]>;
}

export function appendLookups(batches: readonly AppendBatch[]): AppendLookups {
  const tenants = new Set<string>();
  const streams = new Map<string, [string, string]>();
  const eventKeys = new Map<string, [string, string]>();
  const requestKeys = new Map<string, [string, string]>();
  const pair = (tenant: string, name: string): [string, string] => [columnText(tenant), columnText(name)];
  for (const { tenant, events, requestKey } of batches) {
    tenants.add(columnText(tenant));
    if (requestKey) requestKeys.set(pairKey(tenant, requestKey.key), pair(tenant, requestKey.key));
    for (const { event } of events) {
      streams.set(pairKey(tenant, event.stream), pair(tenant, event.stream));
      if (event.idempotencyKey !== undefined) eventKeys.set(pairKey(tenant, event.idempotencyKey), pair(tenant, event.idempotencyKey));
    }
  }
  // Sorted so that every node locks tenants in the same order (no deadlocks between nodes).
  return { tenants: [...tenants].sort(), streams: [...streams.values()], eventKeys: [...eventKeys.values()], requestKeys: [...requestKeys.values()] };
}

function asDuplicate(plan: AppendPlan, r: AppendResult): AppendResult {
  const duplicate: AppendResult = { id: r.id, position: r.position, stream: r.stream, streamVersion: r.streamVersion, hash: r.hash, duplicate: true };
  plan.duplicates.push([duplicate, r]);
  return duplicate;
}

/** Gives every duplicate the hash of the result it repeats; call once every planned event is sealed. */
export function settleDuplicates(plan: AppendPlan): void {
  for (const [duplicate, original] of plan.duplicates) duplicate.hash = original.hash;
}

export function planAppend(batches: readonly AppendBatch[], state: AppendState): AppendPlan {
  const plan: AppendPlan = { outcomes: [], events: [], duplicates: [], heads: new Map(), requestKeys: [] };
  for (const batch of batches) plan.outcomes.push(planBatch(batch, state, plan));
  return plan;
}

function planBatch(batch: AppendBatch, state: AppendState, plan: AppendPlan): AppendOutcome {
  const { tenant, requestKey } = batch;
  if (requestKey) {
    const known = state.requestKeys.get(pairKey(tenant, requestKey.key));
    if (known) {
      if (known.fingerprint === requestKey.fingerprint) return { status: 'committed', results: known.results.map((r) => asDuplicate(plan, r)) };
      return { status: 'rejected', error: keyReused('/headers/idempotency-key', requestKey.key) };
    }
  }

  // Changes stay local until the whole batch is known to commit: a rejected batch leaves no trace.
  const tenantColumn = columnText(tenant);
  let position = state.positions.get(tenantColumn) ?? 0;
  const versions = new Map<string, number>();
  const keys = new Map<string, KnownEventKey>();
  const events: PlannedEvent[] = [];
  const results: AppendResult[] = [];

  for (const [index, prepared] of batch.events.entries()) {
    const unsealed = prepared.event.tenant === tenant ? prepared.event : { ...prepared.event, tenant };
    const idempotencyKey = unsealed.idempotencyKey;
    if (idempotencyKey !== undefined) {
      const k = pairKey(tenant, idempotencyKey);
      const known = keys.get(k) ?? state.eventKeys.get(k);
      if (known) {
        if (known.fingerprint !== prepared.fingerprint) return { status: 'rejected', error: keyReused(`/events/${index}/idempotencyKey`, idempotencyKey) };
        results.push(asDuplicate(plan, known.result));
        continue;
      }
    }
    const sk = pairKey(tenant, unsealed.stream);
    const current = versions.get(sk) ?? state.streamVersions.get(sk) ?? 0;
    if (prepared.expectedVersion !== undefined && prepared.expectedVersion !== current) {
      return { status: 'rejected', error: versionConflict(index, unsealed.stream, prepared.expectedVersion, current) };
    }
    position += 1;
    const result: AppendResult = { id: unsealed.id, position, stream: unsealed.stream, streamVersion: current + 1, hash: '' };
    versions.set(sk, current + 1);
    let fingerprint: string | undefined;
    if (idempotencyKey !== undefined) {
      fingerprint = keyedFingerprint(prepared);
      keys.set(pairKey(tenant, idempotencyKey), { fingerprint, result });
    }
    events.push({ unsealed, position, streamVersion: current + 1, fingerprint, result });
    results.push(result);
  }

  for (const [k, v] of versions) state.streamVersions.set(k, v);
  for (const [k, v] of keys) state.eventKeys.set(k, v);
  if (events.length > 0) {
    state.positions.set(tenantColumn, position);
    plan.heads.set(tenantColumn, position);
    plan.events.push(...events);
  }
  if (requestKey) {
    state.requestKeys.set(pairKey(tenant, requestKey.key), { fingerprint: requestKey.fingerprint, results });
    plan.requestKeys.push({ tenant, key: requestKey.key, fingerprint: requestKey.fingerprint, results });
  }
  return { status: 'committed', results };
}

function versionConflict(index: number, stream: string, expectedVersion: number, actualVersion: number): VellumError {
  return new VellumError('STREAM_VERSION_CONFLICT', {
    message: `Stream "${stream}" is at version ${actualVersion}, not the expected ${expectedVersion}.`,
    details: [{ path: `/events/${index}/expectedVersion`, message: `the stream is at version ${actualVersion}` }],
    meta: { stream, expectedVersion, actualVersion },
  });
}

function keyReused(path: string, key: string): VellumError {
  return new VellumError('IDEMPOTENCY_KEY_REUSED', {
    details: [{ path, message: `the key "${key}" was already used with a different body` }],
    meta: { idempotencyKey: key },
  });
}
