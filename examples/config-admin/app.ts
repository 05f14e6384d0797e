/**
 * A configuration admin: companies' settings edited through a small Fastify API. Every update records one
 * `configuration.updated` event with a change per field (diff), the actor, ip, user agent and route from the
 * request, and the API key masked before it leaves the process (the server masks again).
 *
 * With REDIS_URL, reads go through a Redis cache that the app never invalidates itself: a Vellum subscription
 * (created by `setup`) deletes the company's keys and tagged keys whenever a `configuration.*` event is recorded,
 * so every writer of the configuration — this app, a script, another service — keeps the cache honest.
 *
 *   VELLUM_URL=http://127.0.0.1:7070 VELLUM_KEY=… node --import tsx examples/config-admin/app.ts setup
 *   VELLUM_URL=http://127.0.0.1:7070 VELLUM_KEY=… REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/config-admin/app.ts
 *   curl -X PUT localhost:3000/companies/123/config -H 'x-user-id: 5' -H 'content-type: application/json' \
 *        -d '{"hours_before":48,"api_key":"sk_live_1234567890abcdef"}'
 */
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { createClient, diff, vellumFastify } from '@vellum/sdk';

interface CompanyConfig {
  hours_before: number;
  fee_percentage: number;
  api_key: string;
}

const FIELDS = ['hours_before', 'fee_percentage', 'api_key'] as const;
type Field = (typeof FIELDS)[number];

/** How long a cached answer may live if no invalidation ever comes (a safety net, not the mechanism). */
const CACHE_TTL_SECONDS = 300;

/**
 * The cache layout the subscription's templates mirror: one key per company's configuration, and one key per
 * single-field view, each recorded in the company's tag set so that one template removes them all.
 */
export const cacheKeys = (prefix = '') => ({
  config: (company: string) => `${prefix}config:company:${company}`,
  field: (company: string, field: string) => `${prefix}config:company:${company}:field:${field}`,
  tag: (company: string) => `${prefix}tag:company:${company}`,
});

/** The subscription `setup` creates: on `configuration.*`, delete the company's key and every member of its tag set. */
export function invalidationSubscription(prefix = '') {
  return {
    name: `config-admin cache invalidation${prefix === '' ? '' : ` (${prefix})`}`,
    filter: { types: ['configuration.*'] },
    target: { kind: 'redis', keys: [`${prefix}config:company:{data.company_id}`], tags: [`${prefix}tag:company:{data.company_id}`] },
    startFrom: 'now',
  };
}

/**
 * Creates the invalidation subscription unless one of that name exists (so running setup twice is harmless).
 * Needs a key with `subscriptions:manage`, and a server with `redis.url` set and delivery enabled.
 */
export async function ensureInvalidationSubscription(options: { url: string; apiKey: string; prefix?: string }): Promise<{ id: string; created: boolean }> {
  const headers = { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' };
  const wanted = invalidationSubscription(options.prefix);
  const list = await fetch(`${options.url}/v1/subscriptions`, { headers });
  if (!list.ok) throw new Error(`listing subscriptions answered ${list.status}: ${await list.text()}`);
  const existing = ((await list.json()) as { subscriptions: Array<{ id: string; name: string }> }).subscriptions.find((s) => s.name === wanted.name);
  if (existing !== undefined) return { id: existing.id, created: false };
  const res = await fetch(`${options.url}/v1/subscriptions`, { method: 'POST', headers, body: JSON.stringify(wanted) });
  // A server without redis.url says so here (400 naming /target): worth showing as it is.
  if (res.status !== 201) throw new Error(`creating the subscription answered ${res.status}: ${await res.text()}`);
  return { id: ((await res.json()) as { subscription: { id: string } }).subscription.id, created: true };
}

export function buildConfigAdmin(options: { url: string; apiKey: string; outbox?: string; redisUrl?: string; cachePrefix?: string }) {
  // With an outbox file, record() returns once the event is safe on disk; the flusher delivers it.
  const vellum = createClient({ url: options.url, apiKey: options.apiKey, ...(options.outbox === undefined ? {} : { outbox: options.outbox }) });
  const configs = new Map<string, CompanyConfig>();
  const redis = options.redisUrl === undefined ? null : new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const keys = cacheKeys(options.cachePrefix);

  /** Read-through: the cached answer, or `build()` stored for next time (and tagged with its company). */
  async function cached<T>(company: string, key: string, build: () => T | undefined): Promise<T | undefined> {
    if (redis === null) return build();
    const hit = await redis.get(key);
    if (hit !== null) return JSON.parse(hit) as T;
    const value = build();
    if (value === undefined) return undefined;
    await redis.multi().set(key, JSON.stringify(value), 'EX', CACHE_TTL_SECONDS).sadd(keys.tag(company), key).exec();
    return value;
  }
  const view = (config: CompanyConfig) => ({ ...config, api_key: `…${config.api_key.slice(-4)}` });
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

  const companyParam = { type: 'object', properties: { company: { type: 'string', pattern: '^[0-9]{1,12}$' } } } as const;

  app.get<{ Params: { company: string } }>('/companies/:company/config', { schema: { params: companyParam } }, async (req, reply) => {
    const { company } = req.params;
    const answer = await cached(company, keys.config(company), () => {
      const config = configs.get(company);
      return config === undefined ? undefined : view(config);
    });
    return answer ?? reply.code(404).send({ error: 'no such company' });
  });

  app.get<{ Params: { company: string; field: Field } }>(
    '/companies/:company/config/:field',
    { schema: { params: { type: 'object', properties: { ...companyParam.properties, field: { type: 'string', enum: [...FIELDS] } } } } },
    async (req, reply) => {
      const { company, field } = req.params;
      const answer = await cached(company, keys.field(company, field), () => {
        const config = configs.get(company);
        return config === undefined ? undefined : { [field]: view(config)[field] };
      });
      return answer ?? reply.code(404).send({ error: 'no such company' });
    },
  );

  app.put<{ Params: { company: string }; Body: Partial<CompanyConfig> }>(
    '/companies/:company/config',
    {
      schema: {
        params: companyParam,
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
          // data.company_id is what the invalidation subscription's templates name; the app deletes no cache key itself.
          tags: [`company:${company}`, ...changes.map((c) => `config:${c.field}`)],
        });
      }
      return { changed: changes.map((c) => c.field) };
    },
  );

  app.addHook('onClose', async () => {
    await vellum.close();
    redis?.disconnect();
  });
  return app;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const apiKey = process.env.VELLUM_KEY;
  if (apiKey === undefined) throw new Error('set VELLUM_KEY to a key with events:write (and subscriptions:manage for setup)');
  const url = process.env.VELLUM_URL ?? 'http://127.0.0.1:7070';
  if (process.argv[2] === 'setup') {
    const { id, created } = await ensureInvalidationSubscription({ url, apiKey });
    console.log(`${created ? 'created' : 'found'} the cache invalidation subscription ${id}`);
    process.exit(0);
  }
  const app = buildConfigAdmin({ url, apiKey, outbox: process.env.OUTBOX ?? './config-admin-outbox.db', ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}) });
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
  console.log(`config admin on http://127.0.0.1:${process.env.PORT ?? 3000}`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
