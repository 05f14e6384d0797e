import type { EventStore } from '@vellum/core';
import type { GroupCommitWriter } from '../ingest/GroupCommitWriter.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: {
    store: 'ok' | 'unreachable';
    writer: 'ok' | 'stuck';
    shutdown: 'no' | 'in progress';
  };
}

/**
 * Ready means: the store answers a ping in time, the writer is making progress (events are not sitting in
 * the queue while no commit finishes), and no shutdown has begun — a load balancer should stop routing
 * here as soon as any of these fails.
 */
export async function checkReadiness(deps: {
  store: Pick<EventStore, 'ping'>;
  writer: Pick<GroupCommitWriter, 'isStuck'>;
  shuttingDown: boolean;
  stuckAfterMs: number;
  pingTimeoutMs: number;
}): Promise<ReadinessReport> {
  const storeOk = await pingWithin(deps.store, deps.pingTimeoutMs);
  const writerOk = !deps.writer.isStuck(deps.stuckAfterMs);
  const checks = {
    store: storeOk ? 'ok' : 'unreachable',
    writer: writerOk ? 'ok' : 'stuck',
    shutdown: deps.shuttingDown ? 'in progress' : 'no',
  } as const;
  return { ready: storeOk && writerOk && !deps.shuttingDown, checks };
}

async function pingWithin(store: Pick<EventStore, 'ping'>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([store.ping().then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
