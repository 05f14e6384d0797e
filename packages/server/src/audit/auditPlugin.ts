import type { FastifyRequest } from 'fastify';
import type { EventInput } from '@vellum/core';
import { pooledRandom } from '@vellum/core';
import { sharedPlugin } from '../http/definePlugin.ts';
import { SYSTEM_TENANT } from '../auth/ensureBootstrapKey.ts';
import { buildAppendBatch } from '../ingest/buildAppendBatch.ts';
import { FailedAuthCounter } from './FailedAuthCounter.ts';
import { securityEvent, type SecurityEventSpec } from './securityEvent.ts';

/** Records Vellum's own security events in the system tenant. */
export interface SelfAudit {
  /** Appends the event durably; resolves once it is committed (or rejects when it could not be). */
  record(request: FastifyRequest | null, spec: SecurityEventSpec): Promise<void>;
}

/**
 * Vellum audits itself: key and tenant changes (recorded by their routes, which wait for the event to be
 * durable before answering), failed authentications (coalesced per second, so a flood of bad keys costs one
 * event a second, not one per request), every export, and reads made with viewer tokens. The events go
 * through the normal ingest path — validated, masked, group-committed — into the `system` tenant, which
 * admin keys can read like any other.
 */
export const auditPlugin = sharedPlugin<Record<never, never>>('vellum-audit', async (app) => {
  const random = pooledRandom();
  const record = async (request: FastifyRequest | null, spec: SecurityEventSpec): Promise<void> => {
    const batch = buildAppendBatch(securityEvent(request, spec) satisfies EventInput, {
      tenant: SYSTEM_TENANT,
      limits: app.vellumConfig.limits,
      masker: app.masker,
      idempotencyKey: undefined,
      now: app.clock,
      fingerprint: app.fingerprint,
      random,
    });
    // Personal fields (the caller's IP, by default) are sealed as in any tenant: forgetting the acting key's subject
    // in the system tenant erases them. The writer and the personal-data service are decorated by plugins registered
    // after this one; both exist by the first request.
    await app.personalData.sealBatch(batch);
    const outcome = await app.writer.submit(batch);
    if (outcome.status === 'rejected') throw outcome.error;
  };
  const recordInBackground = (request: FastifyRequest | null, spec: SecurityEventSpec): Promise<void> =>
    record(request, spec).catch((err: unknown) => app.log.error({ err, type: spec.type }, 'could not record a security event'));
  app.decorate('audit', { record } satisfies SelfAudit);

  const failures = new FailedAuthCounter({
    flush: (summary) => recordInBackground(null, summary),
    intervalMs: 1_000,
  });
  // preClose runs before any plugin's onClose, while the writer still takes batches: the last summary lands.
  app.addHook('preClose', async () => failures.close());

  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    if (status === 401) {
      failures.note(request);
      return;
    }
    const mode = request.routeOptions.config.audit;
    const auth = request.auth as FastifyRequest['auth'] | null;
    if (mode === undefined || auth === null || status >= 400) return;
    if (mode === 'always' || auth.kind === 'viewer') {
      void recordInBackground(request, {
        type: mode === 'always' ? 'vellum.export.completed' : 'vellum.viewer.read',
        action: 'read',
        data: { route: request.routeOptions.url ?? request.url.split('?')[0], queryParameters: Object.keys((request.query ?? {}) as object), status },
      });
    }
  });
});
