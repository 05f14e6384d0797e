import type { FastifyRequest } from 'fastify';
import type { Actor, Change, Entity, EventInput, Outcome, Severity } from '@vellum/core';

/** What a feature says about a security-relevant thing that happened; the request supplies who and from where. */
export interface SecurityEventSpec {
  /** `vellum.<thing>.<what happened>`, e.g. `vellum.key.revoked`. */
  type: string;
  action?: string;
  severity?: Severity;
  outcome?: Outcome;
  entity?: Entity;
  changes?: Change[];
  data?: Record<string, unknown>;
  /** Who, when there is no authenticated request to tell (e.g. a summary of failed logins). */
  actor?: Actor;
}

const MAX_USER_AGENT = 512;

/**
 * The event as it will be recorded in the system tenant. Never carries a credential: keys appear by id and
 * display prefix only, and the whole event still goes through masking like any other.
 */
export function securityEvent(request: FastifyRequest | null, spec: SecurityEventSpec): EventInput {
  const auth = request === null ? null : (request.auth as FastifyRequest['auth'] | null);
  const actor: Actor = spec.actor ?? (auth === null
    ? { type: 'system', id: 'vellum' }
    : { type: auth.kind === 'viewer' ? 'viewer_token' : 'api_key', id: auth.keyId, name: auth.keyPrefix });
  const event: EventInput = {
    type: spec.type,
    severity: spec.severity ?? 'info',
    outcome: spec.outcome ?? 'success',
    actor,
    source: 'api',
    data: { ...(auth === null ? {} : { tenant: auth.tenant, keyTenant: auth.keyTenant }), ...spec.data },
  };
  if (spec.action !== undefined) event.action = spec.action;
  if (spec.entity !== undefined) event.entity = spec.entity;
  if (spec.changes !== undefined) event.changes = spec.changes;
  if (auth !== null) event.tags = [`tenant:${auth.tenant}`];
  if (request !== null) {
    const userAgent = request.headers['user-agent'];
    event.context = {
      ip: request.ip,
      route: request.routeOptions.url ?? request.url.split('?')[0]!,
      requestId: request.id,
      ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, MAX_USER_AGENT) } : {}),
    };
  }
  return event;
}
