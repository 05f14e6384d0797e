import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../http/commonSchemas.ts';

/**
 * The OpenAPI document, generated from the route schemas. Registered before any route so it sees them
 * all; each protected operation is marked with the API-key schemes and the scope it needs.
 */
export async function registerOpenapi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Vellum',
        version,
        description: 'A self-hostable audit trail service. Errors are always { "error": { "code", "message", "details"? } } (docs/errors.md).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      tags: [
        { name: 'events', description: 'Append, search, trails, statistics, export.' },
        { name: 'keys', description: 'API keys: create (the secret is shown once), list, revoke, rotate; the caller itself.' },
        { name: 'tenants', description: 'Tenants (admin keys only).' },
        { name: 'viewer', description: 'Short-lived read-only tokens for embedding the viewer.' },
        { name: 'integrity', description: 'Signed checkpoints of each tenant\'s Merkle tree, inclusion and consistency proofs (docs/integrity.md).' },
        { name: 'retention', description: 'Per-tenant retention policies and pruning that keeps the rest verifiable (docs/integrity.md, "Retention").' },
        { name: 'operations', description: 'Health, readiness, metrics, this document. No key needed.' },
      ],
    },
    transform: ({ schema, url, route }) => {
      const config = route.config as { scope?: string; public?: boolean } | undefined;
      if (config?.public === true || config?.scope === undefined) return { schema, url };
      const described = schema as { description?: string } | undefined;
      const needs = config.scope === 'authenticated'
        ? 'Any valid API key or viewer token.'
        : config.scope === 'events:read'
          ? 'Requires an API key with the `events:read` scope (or admin), or a viewer token (restricted to its tenant and, if it says so, one actor or entity).'
          : `Requires an API key with the \`${config.scope}\` scope (or admin).`;
      const note = `${needs} An admin key acts on the tenant \`default\` unless the Vellum-Tenant header names another.`;
      return {
        url,
        schema: {
          ...schema,
          description: described?.description === undefined ? note : `${described.description}\n\n${note}`,
          security: [{ bearer: [] }, { apiKey: [] }],
          // Every protected route is rate limited (ratelimit/rateLimitPlugin.ts).
          response: { ...(schema as { response?: object }).response, ...errorResponses(429) },
          // Documented here rather than per route: every protected route accepts it.
          headers: mergeTenantHeader((schema as { headers?: unknown }).headers),
        } as typeof schema,
      };
    },
  });
}

function mergeTenantHeader(headers: unknown): Record<string, unknown> {
  const base = (headers ?? { type: 'object', properties: {} }) as { type?: string; properties?: Record<string, unknown> };
  return {
    ...base,
    type: 'object',
    properties: {
      ...base.properties,
      'vellum-tenant': { type: 'string', description: 'Admin keys only: the tenant to act on (default: default).' },
    },
  };
}
