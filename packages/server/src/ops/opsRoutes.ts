import { VellumError } from '@vellum/core';
import { routesPlugin } from '../http/definePlugin.ts';
import { errorSchema } from '../http/commonSchemas.ts';
import { sendError } from '../http/errorsPlugin.ts';
import { checkReadiness } from './checkReadiness.ts';

const checksSchema = {
  type: 'object',
  properties: {
    store: { type: 'string', enum: ['ok', 'unreachable'] },
    writer: { type: 'string', enum: ['ok', 'stuck'] },
    shutdown: { type: 'string', enum: ['no', 'in progress'] },
  },
} as const;

/** Operations: liveness, readiness, Prometheus metrics and the OpenAPI document. Public: no key needed. */
export const opsRoutes = routesPlugin('vellum-ops-routes', async (app) => {
  const config = app.vellumConfig;

  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: { description: 'Up.', type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the store answers and the writer makes progress',
        response: {
          200: { description: 'Ready.', type: 'object', properties: { status: { type: 'string', enum: ['ready'] }, checks: checksSchema } },
          503: { ...errorSchema, description: 'Not ready: STORE_UNAVAILABLE (store unreachable or writer stuck) or SHUTTING_DOWN; error.checks tells which.' },
        },
      },
    },
    async (_request, reply) => {
      const report = await checkReadiness({
        store: app.store,
        writer: app.writer,
        shuttingDown: app.shuttingDown(),
        stuckAfterMs: config.ingest.stuckAfterSeconds * 1000,
        pingTimeoutMs: 2000,
      });
      if (report.ready) return { status: 'ready', checks: report.checks };
      const code = report.checks.shutdown === 'in progress' ? 'SHUTTING_DOWN' : 'STORE_UNAVAILABLE';
      const message =
        code === 'SHUTTING_DOWN' ? undefined
        : report.checks.store !== 'ok' ? 'The event store does not answer.'
        : 'Events are queued but no commit has finished recently.';
      return sendError(reply, new VellumError(code, { ...(message === undefined ? {} : { message }), meta: { checks: report.checks }, retryAfter: 5 }));
    },
  );

  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description: 'vellum_events_ingested_total, vellum_events_rejected_total{reason}, vellum_commit_duration_seconds, vellum_commit_batch_events, vellum_ingest_queue_depth, vellum_http_request_duration_seconds, and process metrics.',
        response: { 200: { description: 'Prometheus text exposition format.', type: 'string' } },
      },
    },
    async (_request, reply) => {
      const { registry } = app.metrics;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );

  app.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'This API as an OpenAPI 3 document',
        response: { 200: { description: 'OpenAPI 3.0 document.', type: 'object', additionalProperties: true } },
      },
    },
    async () => app.swagger(),
  );
});
