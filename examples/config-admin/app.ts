/**
 * A configuration admin: companies' settings edited through a small Fastify API. Every update records one
 * `configuration.updated` event with a change per field (diff), the actor, ip, user agent and route from the
 * request, and the API key masked before it leaves the process (the server masks again).
 *
 *   VELLUM_URL=http://127.0.0.1:7070 VELLUM_KEY=… node --import tsx examples/config-admin/app.ts
 *   curl -X PUT localhost:3000/companies/123/config -H 'x-user-id: 5' -H 'content-type: application/json' \
 *        -d '{"hours_before":48,"api_key":"sk_live_1234567890abcdef"}'
 */
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { createClient, diff, vellumFastify } from '@vellum/sdk';

interface CompanyConfig {
  hours_before: number;
  fee_percentage: number;
  api_key: string;
}

const FIELDS = ['hours_before', 'fee_percentage', 'api_key'] as const;

export function buildConfigAdmin(options: { url: string; apiKey: string; outbox?: string }) {
  // With an outbox file, record() returns once the event is safe on disk; the flusher delivers it.
  const vellum = createClient({ url: options.url, apiKey: options.apiKey, ...(options.outbox === undefined ? {} : { outbox: options.outbox }) });
  const configs = new Map<string, CompanyConfig>();
  // allErrors: a bad request lists every problem, not just the first.
  const app = Fastify({ ajv: { customOptions: { allErrors: true } } });

  app.register(
    vellumFastify(vellum, {
      // A real app reads its session here; the demo trusts a header.
      actor: (req) => {
        const id = req.headers['x-user-id'];
        return typeof id === 'string' ? { type: 'user', id } : undefined;
      },
      sources: [{ pathPrefix: '/companies', source: 'ui' }],
    }),
  );

  app.get<{ Params: { company: string } }>('/companies/:company/config', async (req, reply) => {
    const config = configs.get(req.params.company);
    if (config === undefined) return reply.code(404).send({ error: 'no such company' });
    return { ...config, api_key: `…${config.api_key.slice(-4)}` };
  });

  app.put<{ Params: { company: string }; Body: Partial<CompanyConfig> }>(
    '/companies/:company/config',
    {
      schema: {
        params: { type: 'object', properties: { company: { type: 'string', pattern: '^[0-9]{1,12}$' } } },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            hours_before: { type: 'integer', minimum: 0, maximum: 720 },
            fee_percentage: { type: 'number', minimum: 0, maximum: 100 },
            api_key: { type: 'string', minLength: 8, maxLength: 200 },
          },
        },
      },
    },
    async (req) => {
      const company = req.params.company;
      const before = configs.get(company) ?? { hours_before: 24, fee_percentage: 0, api_key: '' };
      const after = { ...before, ...req.body };
      configs.set(company, after);
      const changes = diff(before, after, { only: [...FIELDS] }); // api_key comes back masked: ••••••••cdef
      if (changes.length > 0) {
        await vellum.record({
          type: 'configuration.updated',
          action: 'update',
          entity: { type: 'CompanyConfiguration', id: company },
          changes,
          data: { company_id: Number(company) },
          // Cache keys and tags a Redis subscription will invalidate once delivery exists (see README).
          tags: [`company:${company}`, ...changes.map((c) => `config:${c.field}`)],
        });
      }
      return { changed: changes.map((c) => c.field) };
    },
  );

  app.addHook('onClose', async () => {
    await vellum.close();
  });
  return app;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const apiKey = process.env.VELLUM_KEY;
  if (apiKey === undefined) throw new Error('set VELLUM_KEY to a key with events:write');
  const app = buildConfigAdmin({ url: process.env.VELLUM_URL ?? 'http://127.0.0.1:7070', apiKey, outbox: process.env.OUTBOX ?? './config-admin-outbox.db' });
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
  console.log(`config admin on http://127.0.0.1:${process.env.PORT ?? 3000}`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
