import { pooledRandom, uuidv7, VellumError } from '@vellum/core';
import type { ErrorDetail, RawQuery, SubscriptionChanges, SubscriptionRecord } from '@vellum/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routesPlugin } from '../http/definePlugin.ts';
import { resolveReadTenant } from '../auth/resolveReadTenant.ts';
import type { SecurityEventSpec } from '../audit/securityEvent.ts';
import {
  failIfAny, parseCreateSubscription, parseLimit, parseNoOptions, parsePurgeDeadLetters, parseReplay, parseRetryDeadLetters, parseRotateSecret,
  parseUpdateSubscription,
} from '../subscriptions/parseSubscriptionRequests.ts';
import { resolveStartPoint } from '../subscriptions/resolveStartPoint.ts';
import { findSubscription, updateSubscription } from '../subscriptions/SubscriptionUpdater.ts';
import { toDeadLetterView, toDeliveryView, toSubscriptionView } from '../subscriptions/subscriptionView.ts';
import { subscriptionSchemas as schemas } from '../subscriptions/subscriptionSchemas.ts';
import { SUBSCRIPTION_LIMITS as L } from '../subscriptions/limits.ts';
import { generatedWebhookSecret } from '../subscriptions/webhookSecrets.ts';
import { rotateSecretOf } from '../subscriptions/rotateSecret.ts';

const SECRET_NOTICE = 'Save this secret now: it is shown in this answer only. Receivers verify signatures with it (docs/subscriptions.md).';
const scope = 'subscriptions:manage' as const;

/** What the self-audit says about a subscription: who it belongs to and the target's kind, never the target. */
function auditSpec(record: SubscriptionRecord, type: string, action: string, data: Record<string, unknown> = {}): SecurityEventSpec {
  return {
    type: `vellum.subscription.${type}`,
    action,
    severity: type === 'deleted' || type === 'secret_rotated' || type === 'created' ? 'medium' : 'low',
    entity: { type: 'Subscription', id: record.id, name: record.name },
    data: { subscriptionTenant: record.tenant, targetKind: record.target.kind, ...data },
  };
}

/**
 * /v1/subscriptions (DESIGN.md, "Delivery"): durable subscriptions of the tenant the request acts on. Targets are
 * checked and shown by app.deliveryTargets (so no secret reaches an answer but the one a create or rotation
 * generated), delivery is app.delivery's, and every change is recorded in the system tenant before the answer.
 */
export const subscriptionRoutes = routesPlugin('vellum-subscription-routes', async (app: FastifyInstance) => {
  const subs = app.store.subscriptions;
  const random = pooledRandom(1024);
  const iso = (): string => new Date(app.clock()).toISOString();
  const view = (record: SubscriptionRecord) => toSubscriptionView(record, app.deliveryTargets);
  const idOf = (request: FastifyRequest): string => (request.params as { id: string }).id;
  const find = (request: FastifyRequest) => findSubscription(subs, request.auth.tenant, idOf(request));
  const audit = (request: FastifyRequest, spec: SecurityEventSpec) => app.audit.record(request, spec);
  /** Tells this node's worker there is work; a node with delivery.enabled false delivers nothing, so is not woken. */
  const wake = (): void => {
    if (app.vellumConfig.delivery.enabled) app.delivery.wake();
  };
  /** A status change by a user (pause, resume): no-op when already so. */
  const setStatus = (request: FastifyRequest, status: 'active' | 'paused') =>
    updateSubscription(subs, request.auth.tenant, idOf(request), iso, (current) =>
      current.status === status && current.statusReason === null ? null : { status, statusReason: null });

  app.post('/v1/subscriptions', { config: { scope }, schema: schemas.create }, async (request, reply) => {
    const tenant = request.auth.tenant;
    const parsed = parseCreateSubscription(request.body);
    const details: ErrorDetail[] = [...parsed.details];
    const input = parsed.value;
    let target: SubscriptionRecord['target'] | null = null;
    if (input.target !== undefined) {
      const t = await app.deliveryTargets.parse(input.target, '/target', null);
      if (t.ok) target = t.target;
      else details.push(...t.problems);
    }
    failIfAny(details);
    const cursor = await resolveStartPoint(app.store, tenant, input.startFrom, '/startFrom');
    const now = app.clock();
    const at = new Date(now).toISOString();
    const record: SubscriptionRecord = {
      id: uuidv7(now, random(10)), tenant, name: input.name, filter: input.filter, target: target!,
      status: 'active', statusReason: null, cursor, pending: null, revision: 1, createdAt: at, updatedAt: at,
    };
    const outcome = await subs.createSubscription(record, { maxPerTenant: L.perTenant });
    if (!outcome.created && outcome.limitReached === true) {
      throw new VellumError('LIMIT_REACHED', {
        message: `This tenant has ${L.perTenant} subscriptions, the most it may have; delete one first.`,
        meta: { limit: L.perTenant },
      });
    }
    if (!outcome.created) {
      throw new VellumError('ALREADY_EXISTS', {
        message: 'This tenant already has a subscription of that name.',
        details: [{ path: '/name', message: 'is taken by another subscription of this tenant' }],
      });
    }
    await audit(request, auditSpec(record, 'created', 'create', { filter: record.filter, cursor }));
    wake();
    const secret = generatedWebhookSecret(input.target, record.target);
    return reply.code(201).send({ subscription: view(record), ...(secret === null ? {} : { secret, notice: SECRET_NOTICE }) });
  });

  app.get('/v1/subscriptions', { config: { scope }, schema: schemas.list }, async (request) => {
    const { tenant, query } = resolveReadTenant(request.auth, request.query as RawQuery);
    const unknown = Object.keys(query).map((name) => ({ path: `/query/${name.slice(0, 200)}`, message: 'unknown parameter; known: tenant' }));
    failIfAny(unknown);
    return { subscriptions: (await subs.listSubscriptions(tenant)).map(view) };
  });

  app.get('/v1/subscriptions/:id', { config: { scope }, schema: schemas.one }, async (request) => {
    const record = await find(request);
    return { ...view(record), stats: await app.delivery.stats(record) };
  });

  app.patch('/v1/subscriptions/:id', { config: { scope }, schema: schemas.update }, async (request) => {
    const parsed = parseUpdateSubscription(request.body);
    const input = parsed.value;
    // The target is checked against the stored one (whose secrets it keeps) before anything is written, so its
    // problems join the others in one answer.
    const first = await find(request);
    const details: ErrorDetail[] = [...parsed.details];
    let checked: { revision: number; target: SubscriptionRecord['target'] } | null = null;
    if (input.target !== undefined) {
      const t = await app.deliveryTargets.parse(input.target, '/target', first.target);
      if (t.ok) checked = { revision: first.revision, target: t.target };
      else details.push(...t.problems);
    }
    failIfAny(details);
    const { before, after, changed } = await updateSubscription(subs, request.auth.tenant, idOf(request), iso, async (current) => {
      const changes: SubscriptionChanges = {};
      if (input.name !== undefined && input.name !== current.name) changes.name = input.name;
      if (input.filter !== undefined) changes.filter = input.filter;
      if (input.target !== undefined) {
        // Checked afresh only when the subscription changed meanwhile (a rotation may have changed its secrets).
        if (checked === null || checked.revision !== current.revision) {
          const t = await app.deliveryTargets.parse(input.target, '/target', current.target);
          if (!t.ok) failIfAny(t.problems);
          else checked = { revision: current.revision, target: t.target };
        }
        changes.target = checked!.target;
      }
      return Object.keys(changes).length === 0 ? null : changes;
    });
    if (changed) {
      await audit(request, auditSpec(after, 'updated', 'update', {
        fields: Object.keys(input),
        ...(input.name !== undefined && before.name !== after.name ? { previousName: before.name } : {}),
        ...(input.target !== undefined ? { previousTargetKind: before.target.kind } : {}),
      }));
      if (input.target !== undefined || input.filter !== undefined) wake();
    }
    return view(after);
  });

  app.delete('/v1/subscriptions/:id', { config: { scope }, schema: schemas.remove }, async (request, reply) => {
    const record = await find(request);
    if (!(await subs.deleteSubscription(record.tenant, record.id))) throw new VellumError('NOT_FOUND', { message: `There is no subscription "${record.id}" in this tenant.` });
    await audit(request, auditSpec(record, 'deleted', 'delete'));
    return reply.code(204).send();
  });

  app.post('/v1/subscriptions/:id/pause', { config: { scope }, schema: schemas.pause }, async (request) => {
    parseNoOptions(request.body);
    const { after, changed } = await setStatus(request, 'paused');
    if (changed) await audit(request, auditSpec(after, 'paused', 'pause'));
    return view(after);
  });

  app.post('/v1/subscriptions/:id/resume', { config: { scope }, schema: schemas.resume }, async (request) => {
    parseNoOptions(request.body);
    const { before, after, changed } = await setStatus(request, 'active');
    if (changed) {
      await audit(request, auditSpec(after, 'resumed', 'resume', { previousStatus: before.status, previousStatusReason: before.statusReason }));
      wake();
    }
    return view(after);
  });

  app.post('/v1/subscriptions/:id/replay', { config: { scope }, schema: schemas.replay }, async (request) => {
    const point = parseReplay(request.body);
    const tenant = request.auth.tenant;
    await find(request);
    const cursor = await resolveStartPoint(app.store, tenant, point, '');
    const { before, after } = await updateSubscription(subs, tenant, idOf(request), iso, () => ({ cursor, pending: null }));
    await audit(request, auditSpec(after, 'replayed', 'replay', {
      previousCursor: before.cursor, cursor, ...(point.kind === 'time' ? { time: point.time } : {}),
      ...(before.pending === null ? {} : { droppedPending: { fromPosition: before.pending.fromPosition, toPosition: before.pending.toPosition } }),
    }));
    wake();
    return view(after);
  });

  app.get('/v1/subscriptions/:id/deliveries', { config: { scope }, schema: schemas.deliveries }, async (request) => {
    const limit = parseLimit(request.query as RawQuery, L.deliveriesDefault, L.deliveriesMax);
    const record = await find(request);
    return { deliveries: (await subs.listDeliveries(record.tenant, record.id, limit)).map(toDeliveryView) };
  });

  app.get('/v1/subscriptions/:id/dead-letters', { config: { scope }, schema: schemas.deadLetters }, async (request) => {
    const limit = parseLimit(request.query as RawQuery, L.deadLettersDefault, L.deadLettersMax);
    const record = await find(request);
    return { deadLetters: (await subs.listDeadLetters(record.tenant, record.id, limit)).map(toDeadLetterView) };
  });

  app.post('/v1/subscriptions/:id/dead-letters/retry', { config: { scope }, schema: schemas.retryDeadLetters }, async (request) => {
    const { ids } = parseRetryDeadLetters(request.body);
    const record = await find(request);
    const results = await app.delivery.retryDeadLetters(record, ids, L.deadLetterIds);
    if (results.length > 0) {
      await audit(request, auditSpec(record, 'dead_letters_retried', 'retry', {
        retried: results.length, delivered: results.filter((r) => r.delivered).length, ids: results.map((r) => r.id),
      }));
    }
    return { results };
  });

  app.delete('/v1/subscriptions/:id/dead-letters', { config: { scope }, schema: schemas.purgeDeadLetters }, async (request) => {
    const { ids } = parsePurgeDeadLetters(request.query as RawQuery);
    const record = await find(request);
    const deleted = await subs.deleteDeadLetters(record.tenant, record.id, ids);
    if (deleted > 0) await audit(request, auditSpec(record, 'dead_letters_purged', 'purge', { deleted, ...(ids === undefined ? { all: true } : { ids }) }));
    return { deleted };
  });

  app.post('/v1/subscriptions/:id/rotate-secret', { config: { scope }, schema: schemas.rotateSecret }, async (request) => {
    const { graceSeconds } = parseRotateSecret(request.body);
    let secret = '';
    const { after } = await updateSubscription(subs, request.auth.tenant, idOf(request), iso, (current) => {
      if (current.target.kind !== 'webhook') {
        throw new VellumError('VALIDATION_FAILED', {
          message: `Only webhook targets have a signing secret; this subscription delivers to ${current.target.kind}.`,
          details: [{ path: '', message: 'the subscription\'s target is not a webhook' }],
        });
      }
      const rotated = rotateSecretOf(current.target, graceSeconds, app.clock());
      secret = rotated.secret;
      return { target: rotated.target };
    });
    await audit(request, auditSpec(after, 'secret_rotated', 'rotate', { graceSeconds }));
    return { subscription: view(after), secret, notice: SECRET_NOTICE };
  });
});
