import { parseRetentionPolicy, VellumError } from '@vellum/core';
import type { ErrorDetail, PruneRecord } from '@vellum/core';
import { routesPlugin } from '../http/definePlugin.ts';
import { reportUnknownProperties } from '../http/reportUnknownProperties.ts';
import { deleteRetentionSchema, getRetentionSchema, putRetentionSchema, runRetentionSchema } from './retentionSchemas.ts';
import type { RetentionService } from './RetentionService.ts';

const lastPruneView = (record: PruneRecord | null) =>
  record === null
    ? null
    : {
        prunedThrough: record.prunedThrough,
        eventsRemoved: record.eventsRemoved,
        checkpointSize: record.checkpointSize,
        archive: record.archive,
        prunedAt: record.prunedAt,
        frontier: record.frontier,
      };

function parseRunBody(body: unknown): { dryRun: boolean } {
  if (body === undefined || body === null || body === '') return { dryRun: false };
  const details: ErrorDetail[] = [];
  if (typeof body !== 'object' || Array.isArray(body)) throw new VellumError('VALIDATION_FAILED', { details: [{ path: '', message: 'must be a JSON object { dryRun? }' }] });
  const o = body as Record<string, unknown>;
  reportUnknownProperties(o, ['dryRun'], '', details);
  if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') details.push({ path: '/dryRun', message: 'must be true or false' });
  if (details.length > 0) throw new VellumError('VALIDATION_FAILED', { details });
  return { dryRun: o.dryRun === true };
}

/**
 * /v1/retention on the tenant acted on (the key's, or Vellum-Tenant for admin keys). Reading needs keys:manage, the
 * tenant's administrative scope; setting, clearing and running need admin, since retention deletes data for good.
 */
export const retentionRoutes = routesPlugin<{ service: RetentionService }>('vellum-retention-routes', async (app, { service }) => {
  const { store } = app;

  app.get('/v1/retention', { config: { scope: 'keys:manage' }, schema: getRetentionSchema }, async (request) => {
    const { tenant } = request.auth;
    const [policy, last] = await Promise.all([store.retention.getPolicy(tenant), store.retention.lastPrune(tenant)]);
    return { tenant, policy, lastPrune: lastPruneView(last) };
  });

  app.put('/v1/retention', { config: { scope: 'admin' }, schema: putRetentionSchema }, async (request) => {
    const { tenant } = request.auth;
    const parsed = parseRetentionPolicy(request.body);
    if (parsed.policy === null) throw new VellumError('VALIDATION_FAILED', { details: parsed.details });
    const previous = await store.retention.getPolicy(tenant);
    const policy = { ...parsed.policy, updatedAt: new Date(app.clock()).toISOString() };
    await store.retention.setPolicy(tenant, policy);
    await app.audit.record(request, {
      type: 'vellum.retention.policy_set',
      action: 'update',
      severity: 'medium',
      entity: { type: 'Tenant', id: tenant },
      changes: [
        { field: 'keepDays', old: previous?.keepDays ?? null, new: policy.keepDays },
        { field: 'archive', old: previous?.archive ?? null, new: policy.archive },
      ],
      data: { retentionTenant: tenant, keepDays: policy.keepDays, archive: policy.archive },
    });
    return { tenant, policy };
  });

  app.delete('/v1/retention', { config: { scope: 'admin' }, schema: deleteRetentionSchema }, async (request) => {
    const { tenant } = request.auth;
    const previous = await store.retention.getPolicy(tenant);
    if (previous === null || !(await store.retention.clearPolicy(tenant))) {
      throw new VellumError('NOT_FOUND', { message: 'This tenant has no retention policy: its events are kept forever.' });
    }
    await app.audit.record(request, {
      type: 'vellum.retention.policy_cleared',
      action: 'delete',
      severity: 'medium',
      entity: { type: 'Tenant', id: tenant },
      changes: [{ field: 'keepDays', old: previous.keepDays, new: null }],
      data: { retentionTenant: tenant },
    });
    return { tenant, policy: null };
  });

  app.post('/v1/retention/run', { config: { scope: 'admin' }, schema: runRetentionSchema }, async (request) => {
    const { tenant } = request.auth;
    const { dryRun } = parseRunBody(request.body);
    const policy = await store.retention.getPolicy(tenant);
    if (policy === null) throw new VellumError('NOT_FOUND', { message: 'This tenant has no retention policy: set one with PUT /v1/retention first.' });
    return service.run(tenant, policy, { dryRun, request });
  });
});
