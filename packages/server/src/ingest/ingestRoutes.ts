import { routesPlugin } from '../http/definePlugin.ts';
import { errorResponses, eventInputSchema } from '../http/commonSchemas.ts';
import { toVellumError } from '../http/toVellumError.ts';
import { buildAppendBatch } from './buildAppendBatch.ts';

const appendResult = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    position: { type: 'integer' },
    stream: { type: 'string' },
    streamVersion: { type: 'integer' },
    hash: { type: 'string' },
    duplicate: { type: 'boolean', description: 'Present (true) when this is the original result of an earlier identical request.' },
  },
} as const;

const appendSchema = {
  tags: ['events'],
  summary: 'Append one event or an all-or-nothing batch',
  description:
    'Send one event, or { "events": [...] } (up to the configured limit, 1,000 by default). The answer comes only after the ' +
    'commit is durable. With an Idempotency-Key header (whole request) or per-event idempotencyKey, a retry returns the ' +
    'original result with duplicate: true.',
  headers: {
    type: 'object',
    properties: {
      'idempotency-key': { type: 'string', description: 'Makes the whole request idempotent: a retry returns the original result.' },
    },
  },
  body: {
    oneOf: [
      eventInputSchema,
      { type: 'object', required: ['events'], properties: { events: { type: 'array', items: eventInputSchema } } },
    ],
  },
  response: {
    201: {
      description: 'Committed durably.',
      type: 'object',
      properties: { events: { type: 'array', items: appendResult } },
    },
    ...errorResponses(400, 401, 403, 409, 413, 415, 503),
  },
} as const;

/** Counting events refused needs the body; when it never parsed, the request counts as one. */
function eventCount(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 1;
  const events = (body as { events?: unknown }).events;
  return Array.isArray(events) ? Math.max(1, events.length) : 1;
}

export const ingestRoutes = routesPlugin<{ random: (n: number) => Uint8Array }>('vellum-ingest-routes', async (app, options) => {
  const { vellumConfig: config, masker, writer, metrics } = app;

  app.addHook('onError', async (request, _reply, error) => {
    metrics.eventsRejected.inc({ reason: toVellumError(error).code.toLowerCase() }, eventCount(request.body));
  });

  app.post(
    '/v1/events',
    { bodyLimit: config.limits.maxRequestBytes, config: { scope: 'events:write' }, schema: appendSchema },
    async (request, reply) => {
      const header = request.headers['idempotency-key'];
      const batch = buildAppendBatch(request.body, {
        tenant: request.auth.tenant,
        limits: config.limits,
        masker,
        idempotencyKey: Array.isArray(header) ? header[0] : header,
        now: app.clock,
        fingerprint: app.fingerprint,
        random: options.random,
      });
      // Personal data fields are encrypted with their subject's key after masking and before the stores hash the event.
      await app.personalData.sealBatch(batch);
      const outcome = await writer.submit(batch);
      if (outcome.status === 'rejected') throw outcome.error;
      metrics.eventsIngested.inc(outcome.results.filter((r) => r.duplicate !== true).length);
      return reply.code(201).send({ events: outcome.results });
    },
  );
});
