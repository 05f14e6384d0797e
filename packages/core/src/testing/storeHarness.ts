import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { VellumError } from '../errors/registry.ts';
import type { ErrorCode } from '../errors/registry.ts';
import type { AppendResult, PreparedEvent } from '../event/types.ts';
import type { AppendBatch, AppendOutcome, EventStore } from '../store/EventStore.ts';

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<EventStore>;
  /** Drops whatever `create` made. */
  destroy?(store: EventStore): Promise<void>;
}

/** A store created before each test and destroyed after it; call inside a describe. */
export function useFreshStore(factory: StoreFactory): () => EventStore {
  let store: EventStore | undefined;
  beforeEach(async () => {
    store = await factory.create();
  });
  afterEach(async () => {
    if (store !== undefined) await dispose(factory, store);
    store = undefined;
  });
  return () => {
    if (store === undefined) throw new Error('the store is only available inside a test');
    return store;
  };
}

/** One store for a whole describe, created (and optionally loaded) once; for read-only tests. */
export function useSharedStore(factory: StoreFactory, load: (store: EventStore) => Promise<void>): () => EventStore {
  let store: EventStore | undefined;
  beforeAll(async () => {
    store = await factory.create();
    await load(store);
  });
  afterAll(async () => {
    if (store !== undefined) await dispose(factory, store);
    store = undefined;
  });
  return () => {
    if (store === undefined) throw new Error('the store is only available inside a test');
    return store;
  };
}

async function dispose(factory: StoreFactory, store: EventStore): Promise<void> {
  if (factory.destroy !== undefined) await factory.destroy(store);
  else await store.close();
}

export const batchOf = (tenant: string, events: PreparedEvent[], requestKey?: AppendBatch['requestKey']): AppendBatch =>
  requestKey === undefined ? { tenant, events } : { tenant, events, requestKey };

/** The results of a committed outcome; fails the test, naming the error, if it was rejected. */
export function expectCommitted(outcome: AppendOutcome | undefined): AppendResult[] {
  expect(outcome, 'an outcome for the batch').toBeDefined();
  if (outcome?.status !== 'committed') {
    const error = outcome?.error;
    expect.fail(`expected the batch to commit, but it was rejected with ${error?.code}: ${error?.message}`);
  }
  return outcome.results;
}

/** The error of a rejected outcome, checked to be a VellumError with the given code. */
export function expectRejected(outcome: AppendOutcome | undefined, code: ErrorCode): VellumError {
  expect(outcome, 'an outcome for the batch').toBeDefined();
  if (outcome?.status !== 'rejected') expect.fail(`expected the batch to be rejected with ${code}, but it committed`);
  expect(outcome.error).toBeInstanceOf(VellumError);
  expect(outcome.error.code).toBe(code);
  return outcome.error;
}

/** Appends one batch in its own call and returns its results, failing the test if it was rejected. */
export async function appendCommitted(store: EventStore, tenant: string, events: PreparedEvent[], requestKey?: AppendBatch['requestKey']): Promise<AppendResult[]> {
  const outcomes = await store.append([batchOf(tenant, events, requestKey)]);
  expect(outcomes).toHaveLength(1);
  return expectCommitted(outcomes[0]);
}

/** Awaits a promise that must reject with a VellumError of the given code. */
export async function expectVellumError(promise: Promise<unknown>, code: ErrorCode): Promise<VellumError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a VellumError ${code}`).toBeInstanceOf(VellumError);
  expect((caught as VellumError).code).toBe(code);
  return caught as VellumError;
}
