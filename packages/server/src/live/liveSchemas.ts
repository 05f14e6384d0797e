import { errorResponses, filterQueryProperties } from '../http/commonSchemas.ts';

const query = {
  type: 'object',
  properties: {
    ...filterQueryProperties,
    from: {
      type: 'string',
      description:
        'A position (digits only): resume after it — catch-up from the store, then live, no gap and no duplicate. ' +
        'An ISO 8601 time instead is the occurredAt lower bound of the search filters. Without a position (or Last-Event-ID) the stream starts at the current head.',
    },
  },
} as const;

const COMMON =
  ' The search filters of GET /v1/events (without limit, order, cursor); bad ones are refused with 400 before the stream starts. ' +
  'tenant=* is refused: positions are per tenant. A viewer token limited to an actor or entity streams only those events. ' +
  'At most live.maxConnectionsPerKey streams per key on a node (429 RATE_LIMITED beyond). A stream that falls more than ' +
  'live.maxLagEvents behind the head is closed with the position to resume from. See docs/live.md.';

export const sseSchema = {
  tags: ['live'],
  summary: 'Live events, Server-Sent Events',
  description:
    'text/event-stream: each event as `id: <position>`, `event: audit`, `data: <event JSON>`; a comment line every ' +
    'live.heartbeatSeconds; a final `event: closed` with `{ reason, resumeFrom }` when the server ends the stream. ' +
    'Resumes after `from=<position>` or the Last-Event-ID header.' + COMMON,
  querystring: query,
  headers: { type: 'object', properties: { 'last-event-id': { type: 'string', description: 'Resume after this position (EventSource sends it on reconnect).' } } },
  response: {
    200: { description: 'An endless text/event-stream.', type: 'string' },
    ...errorResponses(400, 401, 403, 429),
  },
} as const;

export const wsSchema = {
  tags: ['live'],
  summary: 'Live events, WebSocket',
  description:
    'Upgrade to a WebSocket. Text messages `{ "type": "event", "position": N, "event": {...} }`; ping frames every ' +
    'live.heartbeatSeconds; before the server ends the stream, `{ "type": "closed", "reason", "resumeFrom" }` then close ' +
    'code 4008 (lagging) or 1001 (shutting down). Resumes after `from=<position>`. A plain GET without an upgrade gets 400.' + COMMON,
  querystring: query,
  response: {
    101: { description: 'Switching protocols: the WebSocket is open.', type: 'null' },
    ...errorResponses(400, 401, 403, 429),
  },
} as const;
