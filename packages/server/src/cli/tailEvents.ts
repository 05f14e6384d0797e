import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredEvent } from '@vellum/core';
import { CliError } from './CliError.ts';
import type { VellumClient } from './VellumClient.ts';

/** Answers worth waiting out (the server is stopping, starting, busy, or unreachable); any other is the user's to fix. */
const TRANSIENT_CODES = new Set(['SHUTTING_DOWN', 'STORE_UNAVAILABLE', 'OVERLOADED', 'RATE_LIMITED']);
/** The stream's opening comment names the position it starts after. */
const OPENING = /^: vellum live stream, after position (\d+)/;

export interface TailOptions {
  signal: AbortSignal | undefined;
  print(events: StoredEvent[]): void;
  /** Reconnection notes, for stderr. */
  notice(line: string): void;
  /** Longest wait between reconnection attempts (default 10 s). */
  maxBackoffMs?: number;
}

/**
 * Follows the live stream (GET /v1/live) from the current head until the signal aborts. When the connection is lost
 * (server restart, network) it reconnects with backoff and resumes after the last position it saw (Last-Event-ID, so
 * a `--from` time filter keeps its meaning): nothing is skipped and nothing printed twice. A stream closed for lagging
 * resumes at once from where the server says.
 */
export async function tailEvents(client: VellumClient, filters: URLSearchParams, options: TailOptions): Promise<void> {
  const { signal } = options;
  // Everything up to this position was handled: where a new connection resumes (null: at the head).
  const state = { after: null as number | null };
  let failures = 0;
  const stopped = (): boolean => signal?.aborted === true;
  while (!stopped()) {
    try {
      const live = await client.live(filters, state.after, signal);
      if (failures > 0) options.notice(`reconnected${state.after === null ? '' : `, resuming after position ${state.after}`}`);
      failures = 0;
      try {
        await follow(live.response, state, options.print);
      } finally {
        await live.close();
      }
    } catch (err) {
      if (stopped() || (err as Error).name === 'AbortError') return;
      if (err instanceof CliError && err.code !== undefined && !TRANSIENT_CODES.has(err.code)) throw err;
      failures += 1;
      if (failures === 1) options.notice(`live stream lost (${(err as Error).message}); reconnecting…`);
      const wait = Math.min(options.maxBackoffMs ?? 10_000, 250 * 2 ** Math.min(failures, 10));
      try {
        await sleep(Math.round(wait / 2 + Math.random() * (wait / 2)), undefined, signal === undefined ? {} : { signal });
      } catch {
        return;
      }
    }
  }
}

/**
 * Reads one stream to its end, printing the events of each chunk together and moving `state.after` past them.
 * Returns when the server closed it for lagging (resume at once); throws when it ended otherwise.
 */
async function follow(res: Response, state: { after: number | null }, print: (events: StoredEvent[]) => void): Promise<void> {
  let closedFor: string | null = null;
  const decoder = new TextDecoder();
  let pending = '';
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    const blocks = pending.split('\n\n');
    pending = blocks.pop()!;
    const batch: StoredEvent[] = [];
    for (const block of blocks) {
      const frame = parseFrame(block);
      // The first connection starts at the head: remember it, so a reconnection misses nothing in between.
      if (frame.opening !== null && state.after === null) state.after = frame.opening;
      if (frame.event === 'audit' && frame.data !== null) {
        batch.push(JSON.parse(frame.data) as StoredEvent);
        if (frame.id !== null) state.after = frame.id;
      } else if (frame.event === 'closed' && frame.data !== null) {
        const closed = JSON.parse(frame.data) as { reason: string; resumeFrom: number };
        state.after = closed.resumeFrom;
        closedFor = closed.reason;
      }
    }
    if (batch.length > 0) print(batch);
  }
  // A lagging stream is told where to resume and may do so at once; anything else (shutdown, a crash) is waited out.
  if (closedFor === 'lagging') return;
  throw new Error(closedFor === null ? 'the server ended the stream' : `the server closed the stream (${closedFor})`);
}

function parseFrame(block: string): { id: number | null; event: string | null; data: string | null; opening: number | null } {
  let id: number | null = null;
  let event: string | null = null;
  let data: string | null = null;
  let opening: number | null = null;
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data = data === null ? line.slice(6) : `${data}\n${line.slice(6)}`;
    else {
      const m = OPENING.exec(line);
      if (m !== null) opening = Number(m[1]);
    }
  }
  return { id, event, data, opening };
}
