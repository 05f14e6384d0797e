import type { EventInput, PreparedEvent } from '../event/types.ts';
import { uuidv7 } from '../ids/uuidv7.ts';
import { prepareEvent } from '../ingest/prepareEvent.ts';

/** An event input's fields plus what the server would supply (tenant, id, recording time, masked paths). */
export interface PreparedOverrides extends Partial<EventInput> {
  /** Default `acme`. */
  tenant?: string;
  /** Default: a UUIDv7 unique to this factory and call. */
  id?: string;
  /** Default: the factory's start time plus one second per call. */
  recordedAt?: string;
  masked?: string[];
}

export type PreparedFactory = (overrides?: PreparedOverrides) => PreparedEvent;

export interface PreparedFactoryOptions {
  /** Recording time of the first event; default 2026-11-22T10:00:00.000Z. */
  start?: string;
}

export const DEFAULT_TENANT = 'acme';
const DEFAULT_START = '2026-11-22T10:00:00.000Z';

// Each factory gets its own number, mixed into its ids' random bits, so two factories never hand out the
// same id while every run still produces the same ids (no clock, no randomness).
let factories = 0;

/**
 * A builder of PreparedEvents through the real `prepareEvent`, deterministic and clock-free: ids are
 * UUIDv7 over the recording time, and each call's recording time is one second after the previous one.
 * The default event is `user.login` by `user:1`; overrides replace whole fields.
 */
export function createPreparedFactory(options: PreparedFactoryOptions = {}): PreparedFactory {
  const startMs = Date.parse(options.start ?? DEFAULT_START);
  const factory = ++factories;
  let calls = 0;
  return (overrides = {}) => {
    const n = calls++;
    const { tenant = DEFAULT_TENANT, id, recordedAt, masked = [], ...fields } = overrides;
    const atMs = startMs + n * 1000;
    const random = new Uint8Array(10);
    new DataView(random.buffer).setUint32(2, factory);
    new DataView(random.buffer).setUint32(6, n);
    const input: EventInput = { type: 'user.login', actor: { type: 'user', id: '1' }, ...fields };
    return prepareEvent(input, masked, {
      tenant,
      id: id ?? uuidv7(atMs, random),
      recordedAt: recordedAt ?? new Date(atMs).toISOString(),
    });
  };
}

/** A PreparedEvent from a shared default factory: quick fixtures for a store's own tests. */
export const makePrepared: PreparedFactory = createPreparedFactory();
