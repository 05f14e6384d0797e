import { pooledRandom, VellumError } from '@vellum/core';
import { routesPlugin } from '../http/definePlugin.ts';
import { errorResponses } from '../http/commonSchemas.ts';
import { securityEvent } from '../audit/securityEvent.ts';
import { buildAppendBatch } from '../ingest/buildAppendBatch.ts';

const MAX_SUBJECT = 512;

const forgetSchema = {
  tags: ['events'],
  summary: "Forget a subject: destroy the key of a person's personal data (crypto-shredding)",
  description:
    'The subject is an actor, `<actor.type>:<actor.id>` (URL-encoded). Its key is deleted, so the personal data fields of its ' +
    'events read back as "[erased]" from then on, on every node within about a second; every hash and proof still verifies, ' +
    'since the stored events do not change. The subject never gets a key again: its later events are stored with "[erased]" ' +
    'in place of personal values. The forget is recorded as a vellum.subject.forgotten event in the tenant\'s own log and in ' +
    'the system tenant. Idempotent: forgotten is true only for the call that destroyed a key. 404 when the tenant holds no ' +
    'personal data of the subject (no event of it ever had a personal field). Needs keys:manage (or admin).',
  params: { type: 'object', properties: { subject: { type: 'string', description: '<actor.type>:<actor.id>, URL-encoded.' } } },
  response: {
    200: {
      description: 'The subject is forgotten.',
      type: 'object',
      properties: {
        subject: { type: 'string' },
        forgotten: { type: 'boolean', description: 'True when this call destroyed a key; false when already forgotten or it never had one.' },
        forgottenAt: { type: 'string', format: 'date-time', description: 'When the subject was (first) forgotten.' },
      },
    },
    ...errorResponses(400, 401, 403, 404, 503),
  },
} as const;

/**
 * POST /v1/subjects/:subject/forget. Scope keys:manage: erasure destroys data for good, so not events:write (held
 * by every application that logs events, and a leaked one could then erase at will) but the tenant's
 * administrative scope — a tenant can honour erasure requests without the operator; admin may do it for any
 * tenant (Vellum-Tenant). The tenant is always the caller's, so another tenant's subject cannot be named.
 */
export const forgetRoutes = routesPlugin('vellum-forget-routes', async (app) => {
  const random = pooledRandom();

  app.post<{ Params: { subject: string } }>(
    '/v1/subjects/:subject/forget',
    { config: { scope: 'keys:manage' }, schema: forgetSchema },
    async (request) => {
      const { subject } = request.params;
      const sep = subject.indexOf(':');
      if (subject.length > MAX_SUBJECT || sep <= 0 || sep === subject.length - 1) {
        throw new VellumError('VALIDATION_FAILED', {
          details: [{ path: '/params/subject', message: `must be <actor.type>:<actor.id>, at most ${MAX_SUBJECT} characters` }],
        });
      }
      const tenant = request.auth.tenant;
      const at = new Date(app.clock()).toISOString();
      const result = await app.personalData.forget(tenant, subject, at);
      if (result === null) throw new VellumError('NOT_FOUND', { message: 'This tenant holds no personal data of this subject.' });
      const { forgotten, forgottenAt } = result;

      // The tenant's auditors see the erasure in their own log: the subject's id only, never its erased values.
      const spec = {
        type: 'vellum.subject.forgotten',
        action: 'forget',
        severity: 'medium' as const,
        entity: { type: 'subject', id: subject },
        data: { subject, forgotten, forgottenAt },
      };
      const batch = buildAppendBatch(securityEvent(request, spec), {
        tenant,
        limits: app.vellumConfig.limits,
        masker: app.masker,
        idempotencyKey: undefined,
        now: app.clock,
        fingerprint: app.fingerprint,
        random,
      });
      await app.personalData.sealBatch(batch);
      const outcome = await app.writer.submit(batch);
      if (outcome.status === 'rejected') throw outcome.error;
      await app.audit.record(request, spec);
      return { subject, forgotten, forgottenAt };
    },
  );
});
