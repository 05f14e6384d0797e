/**
 * A ring of pre-generated, pre-serialised events. The load generator shares two cores with the server, so
 * it must spend next to nothing per request: request bodies are built once, before the clock starts, and
 * replayed. Operation `seq` always maps to the same events, so Vellum, the bare drivers and Emmett all
 * write the same rows in the same batches.
 */
import type { EventInput } from '@vellum/core';
import { createEventGenerator, defaultStream, type GeneratorOptions } from './generateEvents.ts';

/** The columns a plain audit table has: what the bare-driver baselines insert. */
export interface RingEvent {
  json: string;
  stream: string;
  type: string;
  actorType: string;
  actorId: string;
  entityType: string | null;
  entityId: string | null;
  occurredAt: string;
}

export interface EventRing {
  events: readonly RingEvent[];
  batchSize: number;
  /** Mean serialised size of one event in bytes. */
  meanEventBytes: number;
  /** The events of operation `seq` (a batch of `batchSize`, wrapping around the ring). */
  batch(seq: number): readonly RingEvent[];
  /** The POST /v1/events body of operation `seq`: `{"events":[...]}`, or the bare event when batchSize is 1. */
  body(seq: number): Buffer;
}

export function toRingEvent(input: EventInput, json = JSON.stringify(input)): RingEvent {
  return {
    json,
    stream: defaultStream(input),
    type: input.type,
    actorType: input.actor.type,
    actorId: input.actor.id,
    entityType: input.entity?.type ?? null,
    entityId: input.entity?.id ?? null,
    occurredAt: input.occurredAt ?? new Date().toISOString(),
  };
}

export function buildEventRing(options: { size: number; batchSize: number } & GeneratorOptions): EventRing {
  const { batchSize } = options;
  // A whole number of batches, so no batch straddles the seam and every body is built once.
  const size = Math.max(batchSize, Math.round(options.size / batchSize) * batchSize);
  const generator = createEventGenerator(options);
  const events: RingEvent[] = [];
  let bytes = 0;
  for (let i = 0; i < size; i++) {
    const e = toRingEvent(generator.next());
    bytes += Buffer.byteLength(e.json);
    events.push(e);
  }
  const batches = size / batchSize;
  const bodies: Buffer[] = [];
  for (let b = 0; b < batches; b++) {
    const slice = events.slice(b * batchSize, (b + 1) * batchSize);
    bodies.push(Buffer.from(batchSize === 1 ? slice[0]!.json : `{"events":[${slice.map((e) => e.json).join(',')}]}`));
  }
  return {
    events,
    batchSize,
    meanEventBytes: bytes / size,
    batch: (seq) => {
      const b = seq % batches;
      return events.slice(b * batchSize, (b + 1) * batchSize);
    },
    body: (seq) => bodies[seq % batches]!,
  };
}
