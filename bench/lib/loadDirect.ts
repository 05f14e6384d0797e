/**
 * Fills a Vellum store straight through the store API (masking, prepareEvent, sealing personal fields when `seal`
 * is given, store.append: what the ingest path does minus HTTP), and a bare table with the same events, chunk by
 * chunk, timing each side.
 * Meanwhile it samples query targets (streams, actor-days) from what it wrote, weighted as the data is:
 * busy entities and actors get looked at more, as in real use.
 */
import { randomBytes } from 'node:crypto';
import { compileMasking, prepareEvent, uuidv7, type AppendBatch, type EventStore, type PreparedEvent } from '@vellum/core';
import { createEventGenerator, type GeneratorOptions } from './generateEvents.ts';
import { toRingEvent, type RingEvent } from './EventRing.ts';
import { createPrng } from './prng.ts';

export interface BareSink {
  label: string;
  insert(events: readonly RingEvent[]): Promise<void>;
}

export interface QueryTargets {
  streams: string[];
  actorDays: { actorType: string; actorId: string; day: string }[];
}

export interface LoadReport {
  events: number;
  vellumS: number;
  bareS: number;
  targets: QueryTargets;
}

const TENANT = 'default';
const SAMPLE_EVERY = 25;
const MAX_SAMPLES = 50_000;

export async function loadDirect(options: {
  store: EventStore;
  bare: BareSink | null;
  events: number;
  /** Events per append call (one commit). */
  chunk: number;
  generator: GeneratorOptions;
  /**
   * The server's crypto-shredding (PersonalDataService.sealBatch), so that the store holds what a server with the
   * default configuration would: the generated events carry personal fields, and HTTP reads decrypt them.
   */
  seal?: (batch: AppendBatch) => Promise<void>;
  onProgress?: (done: number) => void;
}): Promise<LoadReport> {
  const masker = compileMasking({});
  const generator = createEventGenerator(options.generator);
  const sampler = createPrng((options.generator.seed ?? 1) ^ 0x5eed);
  const targets: QueryTargets = { streams: [], actorDays: [] };
  let vellumMs = 0;
  let bareMs = 0;
  let done = 0;
  let lastTick = performance.now();

  while (done < options.events) {
    const n = Math.min(options.chunk, options.events - done);
    const inputs = Array.from({ length: n }, () => generator.next());
    const ring = options.bare ? inputs.map((e) => toRingEvent(e)) : [];

    let t = performance.now();
    const recordedAt = new Date().toISOString();
    const prepared: PreparedEvent[] = inputs.map((input) => {
      const masked = masker.maskEvent(TENANT, input);
      return prepareEvent(masked.event, masked.masked, { tenant: TENANT, id: uuidv7(Date.now(), randomBytes(10)), recordedAt });
    });
    const batch: AppendBatch = { tenant: TENANT, events: prepared };
    await options.seal?.(batch);
    const [outcome] = await options.store.append([batch]);
    if (outcome?.status !== 'committed') throw new Error(`load: append rejected: ${JSON.stringify(outcome)}`);
    vellumMs += performance.now() - t;

    if (options.bare) {
      t = performance.now();
      await options.bare.insert(ring);
      bareMs += performance.now() - t;
    }

    for (const input of inputs) {
      if (sampler.int(SAMPLE_EVERY) !== 0) continue;
      const slot = targets.streams.length < MAX_SAMPLES ? targets.streams.length : sampler.int(MAX_SAMPLES);
      targets.streams[slot] = input.entity ? `${input.entity.type}:${input.entity.id}` : `${input.actor.type}:${input.actor.id}`;
      targets.actorDays[slot] = { actorType: input.actor.type, actorId: input.actor.id, day: input.occurredAt!.slice(0, 10) };
    }
    done += n;
    if (options.onProgress && performance.now() - lastTick > 1000) {
      options.onProgress(done);
      lastTick = performance.now();
    }
  }
  return { events: done, vellumS: vellumMs / 1000, bareS: bareMs / 1000, targets };
}

/** `[from, to)` of a UTC day, as the search API takes them. */
export function dayRange(day: string): { from: string; to: string } {
  const from = new Date(`${day}T00:00:00.000Z`);
  return { from: from.toISOString(), to: new Date(from.getTime() + 86_400_000).toISOString() };
}
