import { isPlainObject, VellumError } from '@vellum/core';
import type { ErrorDetail } from '@vellum/core';
import { routesPlugin } from '../http/definePlugin.ts';
import { errorResponses } from '../http/commonSchemas.ts';
import { reportUnknownProperties } from '../http/reportUnknownProperties.ts';
import { isTenantId } from '../auth/authenticate.ts';
import { isLabel } from './isLabel.ts';

const tenantSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } },
} as const;

const MAX_NAME = 200;

function parseCreateTenant(body: unknown): { id: string; name: string } {
  const details: ErrorDetail[] = [];
  if (!isPlainObject(body)) throw new VellumError('VALIDATION_FAILED', { details: [{ path: '', message: 'must be a JSON object { id, name? }' }] });
  const o = body;
  reportUnknownProperties(o, ['id', 'name'], '', details);
  if (typeof o.id !== 'string' || !isTenantId(o.id)) {
    details.push({ path: '/id', message: 'is required: letters, digits, _ . : - (starting with a letter or digit), at most 64 characters' });
  }
  if (o.name !== undefined && !isLabel(o.name, MAX_NAME)) {
    details.push({ path: '/name', message: `must be a label of at most ${MAX_NAME} characters without control characters` });
  }
  if (details.length > 0) throw new VellumError('VALIDATION_FAILED', { details });
  const id = o.id as string;
  return { id, name: typeof o.name === 'string' ? o.name.trim() : id };
}

/** /v1/tenants (admin): every stored row belongs to a tenant, and a tenant exists before anything is written for it. */
export const tenantRoutes = routesPlugin('vellum-tenant-routes', async (app) => {
  app.post('/v1/tenants', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tenants'],
      summary: 'Create a tenant (admin)',
      description: 'Then create its keys with POST /v1/keys and the header Vellum-Tenant: <id>.',
      body: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 }, name: { type: 'string', maxLength: MAX_NAME } } },
      response: { 201: { description: 'The tenant.', ...tenantSchema }, ...errorResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const input = parseCreateTenant(request.body);
    const tenant = { ...input, createdAt: new Date(app.clock()).toISOString() };
    const { created } = await app.store.createTenant(tenant);
    if (!created) throw new VellumError('ALREADY_EXISTS', { message: `Tenant "${input.id}" exists already.` });
    app.tenants.remember(tenant.id);
    await app.audit.record(request, { type: 'vellum.tenant.created', action: 'create', entity: { type: 'Tenant', id: tenant.id, name: tenant.name } });
    return reply.code(201).send(tenant);
  });

  app.get('/v1/tenants', {
    config: { scope: 'admin' },
    schema: {
      tags: ['tenants'],
      summary: 'List tenants (admin)',
      response: {
        200: { description: 'Every tenant, by id.', type: 'object', properties: { tenants: { type: 'array', items: tenantSchema } } },
        ...errorResponses(401, 403),
      },
    },
  }, async () => ({ tenants: await app.store.listTenants() }));
});
