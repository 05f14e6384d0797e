/**
 * The race the concurrency tests run between "nodes" (pools or processes) sharing one database. Free of
 * vitest, so that a child process can run it too.
 */
import type { AppendResult, EventStore } from '@vellum/core';
import { prepared } from './postgresTestSupport.ts';

export const RACE_STREAMS = ['Policy:1', 'Policy:2', 'Policy:3'];

/**
 * Rounds of one call with three batches: plain events on the shared streams, one conditional event that
 * loses whenever another node moved the stream first, and one event with a key every node also sends.
 */
export async function appendRounds(store: EventStore, tenant: string, rounds: number, worker: string): Promise<AppendResult[]> {
  const acks: AppendResult[] = [];
  for (let round = 0; round < rounds; round++) {
    const stream = RACE_STREAMS[round % RACE_STREAMS.length] as string;
    const { version } = await store.readStream(tenant, stream, { direction: 'backward', limit: 1 });
    const outcomes = await store.append([
      { tenant, events: RACE_STREAMS.map((s) => prepared({ tenant, stream: s, data: { worker, round } })) },
      { tenant, events: [prepared({ tenant, stream, expectedVersion: version, data: { worker, round } })] },
      { tenant, events: [prepared({ tenant, stream: 'Shared', idempotencyKey: `shared-${round}`, data: { round } })] },
    ]);
    for (const o of outcomes) {
      if (o.status === 'committed') acks.push(...o.results);
      else if (o.error.code !== 'STREAM_VERSION_CONFLICT') throw o.error;
    }
  }
  return acks;
}
