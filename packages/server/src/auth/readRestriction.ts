import { matchesFilter, VellumError } from '@vellum/core';
import type { EventFilter, StoredEvent } from '@vellum/core';
import type { AuthContext, ReadRestriction } from './authenticate.ts';

type Restricted = Pick<AuthContext, 'restriction'>;

/**
 * The caller's filter narrowed to what its viewer token may see. Every read route passes its parsed filter
 * through here before it reaches the store, so the restriction holds server-side whatever the client sends,
 * cursors included: a cursor is only a position, and the narrowed filter is applied again on every page.
 *
 * The filter only ever narrows: a caller naming the restricted actor or entity again is fine, but one that
 * names a different one is refused (403) rather than quietly answered with nothing, so a misconfigured
 * viewer learns why it sees no events.
 */
export function restrictFilter<F extends EventFilter>(auth: Restricted, filter: F): F {
  const r = auth.restriction;
  if (r === null) return filter;
  const narrowed: F = { ...filter };
  if (r.actor !== undefined) {
    requireSame(r, filter.actorType, r.actor.type, 'actorType');
    requireSame(r, filter.actorId, r.actor.id, 'actorId');
    narrowed.actorType = r.actor.type;
    narrowed.actorId = r.actor.id;
  }
  if (r.entity !== undefined) {
    requireSame(r, filter.entityType, r.entity.type, 'entityType');
    requireSame(r, filter.entityId, r.entity.id, 'entityId');
    narrowed.entityType = r.entity.type;
    narrowed.entityId = r.entity.id;
  }
  return narrowed;
}

/** Whether the caller may see this event (always, without a restriction): for reads by id and by stream. */
export function isWithinRestriction(auth: Restricted, event: StoredEvent): boolean {
  return auth.restriction === null || matchesFilter(event, restrictionFilter(auth.restriction));
}

/** The restriction as a filter: what a restricted token's reads are narrowed to. */
export function restrictionFilter(r: ReadRestriction): EventFilter {
  return restrictFilter({ restriction: r }, {});
}

/** `actor user:"5"`, `entity Policy:"1"`, or both joined by `and`, for error messages. */
export function describeRestriction(r: ReadRestriction): string {
  const parts: string[] = [];
  if (r.actor !== undefined) parts.push(`actor ${JSON.stringify(r.actor.type)}:${JSON.stringify(r.actor.id)}`);
  if (r.entity !== undefined) parts.push(`entity ${JSON.stringify(r.entity.type)}:${JSON.stringify(r.entity.id)}`);
  return parts.join(' and ');
}

function requireSame(r: ReadRestriction, asked: string | undefined, allowed: string, parameter: keyof EventFilter): void {
  if (asked === undefined || asked === allowed) return;
  // The caller holds the token and so already knows the restriction: naming it here reveals nothing new.
  // Client-error messages are not logged, so a personal actor id does not reach the logs either.
  throw new VellumError('FORBIDDEN', {
    message: `This viewer token is limited to the events of ${describeRestriction(r)}; ${parameter} asks for another.`,
  });
}
