/**
 * `vellum events tail` over the live stream: it resumes after a lost connection from the last position it saw
 * (or, before any event, from where the first stream started), resumes at once where a lagging stream was closed,
 * waits out transient refusals and gives up on the others — printing each event once, in order.
 */
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@vellum/core';
import { CliError } from '../../src/cli/CliError.ts';
import { tailEvents } from '../../src/cli/tailEvents.ts';
import type { VellumClient } from '../../src/cli/VellumClient.ts';

const frame = (position: number) => `id: ${position}\nevent: audit\ndata: ${JSON.stringify({ position, type: 'x.y' })}\n\n`;

/** A response whose body is the given chunks, then ends (or breaks off with an error). */
function sse(chunks: string[], end: 'end' | 'break' = 'end'): Response {
  const queue = [...chunks];
  const body = new ReadableStream<Uint8Array>({
    // One chunk per read, then the end; a break errors only after every chunk was read (as a socket reset would).
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(new TextEncoder().encode(next));
      else if (end === 'end') controller.close();
      else controller.error(new TypeError('terminated'));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

function fakeClient(script: Array<Response | Error>, stop: AbortController) {
  const calls: Array<number | null> = [];
  const client = {
    async live(_params: URLSearchParams, lastEventId: number | null) {
      calls.push(lastEventId);
      const next = script.shift();
      if (next === undefined) {
        stop.abort();
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      }
      if (next instanceof Error) throw next;
      return { response: next, close: async () => undefined };
    },
  } as unknown as VellumClient;
  return { client, calls };
}

describe('tailEvents', () => {
  it('reconnects after a lost stream and resumes after the last position seen, printing each event once', async () => {
    const stop = new AbortController();
    const { client, calls } = fakeClient(
      [
        // Starts at the head (40): nothing yet, then the connection breaks.
        sse([': vellum live stream, after position 40\nretry: 2000\n\n'], 'break'),
        // The server is down for a moment.
        new CliError('cannot reach http://127.0.0.1:7070: ECONNREFUSED'),
        new CliError('Vellum is shutting down.', { code: 'SHUTTING_DOWN' }),
        // Back: 41 and 42 (one split across chunks), then the server ends the stream.
        sse([': vellum live stream, after position 40\n\n', frame(41) + frame(42).slice(0, 10), frame(42).slice(10)]),
        // Closed for lagging: resumes at once from resumeFrom.
        sse([frame(43), `event: closed\ndata: ${JSON.stringify({ reason: 'lagging', resumeFrom: 45 })}\n\n`]),
        sse([frame(46)], 'break'),
      ],
      stop,
    );
    const printed: number[] = [];
    const notices: string[] = [];
    await tailEvents(client, new URLSearchParams(), {
      signal: stop.signal,
      print: (events: StoredEvent[]) => printed.push(...events.map((e) => e.position)),
      notice: (line) => notices.push(line),
      maxBackoffMs: 20,
    });
    expect(printed).toEqual([41, 42, 43, 46]);
    expect(calls).toEqual([null, 40, 40, 40, 42, 45, 46]);
    expect(notices[0]).toMatch(/^live stream lost/);
    expect(notices).toContain('reconnected, resuming after position 40');
  });

  it('gives up on an answer that waiting will not change (a revoked key, a bad filter)', async () => {
    const stop = new AbortController();
    const { client } = fakeClient([new CliError('This key was revoked.', { code: 'UNAUTHORIZED' })], stop);
    await expect(tailEvents(client, new URLSearchParams(), { signal: stop.signal, print: () => undefined, notice: () => undefined })).rejects.toThrow(
      'This key was revoked.',
    );
  });
});
