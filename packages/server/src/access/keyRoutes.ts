import { VellumError } from '@vellum/core';
import type { ApiKeyRecord, RawQuery } from '@vellum/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routesPlugin } from '../http/definePlugin.ts';
import { generateApiKey } from '../auth/generateApiKey.ts';
import { newKeyRecord, type NewKeyFields } from '../auth/newKeyRecord.ts';
import type { AuthContext } from '../auth/authenticate.ts';
import { resolveReadTenant } from '../auth/resolveReadTenant.ts';
import { keyStatus } from '../auth/keyStatus.ts';
import { toKeyView } from './keyView.ts';
import { parseCreateKey, parseRotateKey } from './parseKeyRequests.ts';
import { keySchemas } from './keySchemas.ts';

/**
 * A non-admin key manager may only hand out — or take away — powers it holds itself: a `keys:manage` key
 * cannot mint an `events:write` key unless it can write events, and cannot revoke an admin key.
 */
function requireCoveredScopes(auth: AuthContext, scopes: readonly string[], verb: string): void {
  if (auth.admin) return;
  const missing = scopes.filter((s) => !auth.scopes.includes(s));
  if (missing.length > 0) {
    throw new VellumError('FORBIDDEN', { message: `Only a key holding ${missing.join(', ')} (or an admin key) may ${verb} a key with ${missing.length > 1 ? 'those scopes' : 'that scope'}.` });
  }
}

/** A key of the tenant the request acts on (for an admin, the Vellum-Tenant header's), like any other resource. */
async function findKey(app: FastifyInstance, request: FastifyRequest, id: string): Promise<ApiKeyRecord> {
  const record = await app.store.findKeyById(request.auth.tenant, id);
  if (record === null) throw new VellumError('NOT_FOUND', { message: `There is no key "${id}" in this tenant.` });
  return record;
}

function mint(now: number, fields: NewKeyFields): { secret: string; record: ApiKeyRecord } {
  const secret = generateApiKey();
  return { secret, record: newKeyRecord(secret, fields, now) };
}

const keyEntity = (record: ApiKeyRecord) => ({ type: 'ApiKey', id: record.id, name: record.name });

/**
 * /v1/keys: create (the secret is in that one response and nowhere else), list, show, revoke, rotate, and
 * `self` — a key test any credential may call. Every change is recorded in the system tenant before the
 * answer goes out, and this node forgets its cached keys at once (other nodes within the cache's second).
 */
export const keyRoutes = routesPlugin('vellum-key-routes', async (app) => {
  const { store } = app;

  app.post('/v1/keys', { config: { scope: 'keys:manage' }, schema: keySchemas.create }, async (request, reply) => {
    const now = app.clock();
    const input = parseCreateKey(request.body, now);
    requireCoveredScopes(request.auth, input.scopes, 'create');
    if (input.rateLimit !== null && !request.auth.admin) {
      throw new VellumError('FORBIDDEN', { message: 'Only an admin key may set a rate limit of its own on a key.' });
    }
    const { secret, record } = mint(now, { ...input, tenant: request.auth.tenant, rotatedFrom: null });
    await store.createKey(record);
    await app.audit.record(request, {
      type: 'vellum.key.created', action: 'create', severity: 'medium', entity: keyEntity(record),
      data: { keyTenant: record.tenant, scopes: record.scopes, expiresAt: record.expiresAt, rateLimit: record.rateLimit },
    });
    return reply.code(201).send({ key: toKeyView(record, now), secret });
  });

  app.get('/v1/keys', { config: { scope: 'keys:manage' }, schema: keySchemas.list }, async (request) => {
    const now = app.clock();
    const keys = await store.listKeys(resolveReadTenant(request.auth, request.query as RawQuery).tenant);
    return { keys: keys.map((k) => toKeyView(k, now)) };
  });

  app.get('/v1/keys/self', { config: { scope: 'authenticated' }, schema: keySchemas.self }, async (request) => {
    const { auth } = request;
    if (auth.kind === 'viewer') {
      return { kind: 'viewer', tenant: auth.tenant, scopes: auth.scopes, restriction: auth.restriction };
    }
    const record = await app.store.findKeyById(auth.keyTenant, auth.keyId);
    if (record === null) throw new VellumError('UNAUTHENTICATED');
    return { kind: 'key', actingTenant: auth.tenant, restriction: null, ...toKeyView(record, app.clock()) };
  });

  app.get('/v1/keys/:id', { config: { scope: 'keys:manage' }, schema: keySchemas.one }, async (request) => {
    const { id } = request.params as { id: string };
    return toKeyView(await findKey(app, request, id), app.clock());
  });

  app.post('/v1/keys/:id/revoke', { config: { scope: 'keys:manage' }, schema: keySchemas.revoke }, async (request) => {
    const { id } = request.params as { id: string };
    const now = app.clock();
    const existing = await findKey(app, request, id);
    requireCoveredScopes(request.auth, existing.scopes, 'revoke');
    const revoked = (await store.revokeKey(existing.tenant, id, new Date(now).toISOString()))!;
    app.keyResolver.forget();
    if (existing.revokedAt === null) {
      await app.audit.record(request, {
        type: 'vellum.key.revoked', action: 'revoke', severity: 'high', entity: keyEntity(revoked),
        data: { keyTenant: revoked.tenant, scopes: revoked.scopes },
      });
    }
    return toKeyView(revoked, now);
  });

  app.post('/v1/keys/:id/rotate', { config: { scope: 'keys:manage' }, schema: keySchemas.rotate }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const { graceMs } = parseRotateKey(request.body);
    const now = app.clock();
    const existing = await findKey(app, request, id);
    requireCoveredScopes(request.auth, existing.scopes, 'rotate');
    if (keyStatus(existing, now) !== 'active') {
      throw new VellumError('KEY_INACTIVE', { message: `Key "${id}" is ${keyStatus(existing, now)}; create a new key instead of rotating it.` });
    }
    // The replacement first: if the second step fails, the old key still works and nothing is locked out.
    const { secret, record } = mint(now, {
      tenant: existing.tenant, name: existing.name, scopes: existing.scopes, expiresAt: existing.expiresAt, rateLimit: existing.rateLimit, rotatedFrom: existing.id,
    });
    await store.createKey(record);
    const previous = (await store.expireKeyBy(existing.tenant, id, new Date(now + graceMs).toISOString()))!;
    app.keyResolver.forget();
    await app.audit.record(request, {
      type: 'vellum.key.rotated', action: 'rotate', severity: 'medium', entity: keyEntity(previous),
      data: { keyTenant: previous.tenant, replacedBy: record.id, previousExpiresAt: previous.expiresAt },
    });
    return reply.code(201).send({ key: toKeyView(record, now), secret, previous: toKeyView(previous, now) });
  });
});
