import type { DeadLetterRecord, DeliveryRecord, SubscriptionRecord } from '@vellum/core';
import type { DeliveryTargets } from '../delivery/DeliveryTarget.ts';
import { eventFilterProperties } from '../http/commonSchemas.ts';

/**
 * A subscription as the API shows it: the record, with the target as the targets show it (never a secret) and the
 * pending batch's position range and attempts.
 */
export function toSubscriptionView(record: SubscriptionRecord, targets: DeliveryTargets): Record<string, unknown> {
  return {
    id: record.id,
    tenant: record.tenant,
    name: record.name,
    filter: record.filter,
    target: targets.view(record.target),
    status: record.status,
    statusReason: record.statusReason,
    cursor: record.cursor,
    pending: record.pending,
    revision: record.revision,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** Deliveries and dead letters carry no secret and no event body: shown as stored, minus the tenant (the caller's). */
export const toDeliveryView = ({ tenant: _tenant, ...rest }: DeliveryRecord): Omit<DeliveryRecord, 'tenant'> => rest;
export const toDeadLetterView = ({ tenant: _tenant, ...rest }: DeadLetterRecord): Omit<DeadLetterRecord, 'tenant'> => rest;

const iso = { type: 'string', format: 'date-time' } as const;
const isoOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

export const filterSchema = {
  type: 'object',
  description: 'The search filters as JSON (GET /v1/events rules); {} matches every event of the tenant.',
  additionalProperties: false,
  properties: eventFilterProperties,
} as const;

export const targetSchema = {
  type: 'object',
  required: ['kind'],
  additionalProperties: true,
  description:
    'Where to deliver: { kind: "webhook", url, secret? } (a whsec_ secret is generated when none is given), { kind: "nats", subject }, '
    + 'or { kind: "redis", keys?, tags? } (templates over event fields such as config:company:{data.company_id}); any of them may carry '
    + 'retrySchedule (durations such as ["5s","5m","30m"]). Shown without secrets (a webhook shows their prefixes and expiry only). '
    + 'See docs/subscriptions.md.',
  properties: {
    kind: { type: 'string', enum: ['webhook', 'nats', 'redis'] },
    retrySchedule: { type: 'array', items: { type: 'string' } },
  },
} as const;

const pendingSchema = {
  type: ['object', 'null'],
  description: 'The batch being delivered (retries resend exactly it, under the same messageId), or null.',
  properties: {
    messageId: { type: 'string' },
    fromPosition: { type: 'integer' },
    toPosition: { type: 'integer' },
    events: { type: 'integer' },
    attempts: { type: 'integer' },
    nextAttemptAt: iso,
    firstAttemptAt: iso,
    lastError: { type: ['string', 'null'] },
  },
} as const;

export const statsSchema = {
  type: 'object',
  description: "Delivery figures: lag, attempts and failures since the subscription was created (by any node), dead letters, breaker.",
  properties: {
    lagPositions: { type: 'integer', description: "Positions in the tenant's log after the cursor." },
    lagSeconds: { type: 'number', description: 'Age of the oldest undelivered event.' },
    attempts: { type: 'integer' },
    failures: { type: 'integer' },
    deadLetters: { type: 'integer' },
    breaker: { type: 'string', enum: ['closed', 'open', 'half-open'] },
    lastDeliveredAt: isoOrNull,
    lastError: { type: ['string', 'null'] },
  },
} as const;

export const subscriptionViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'UUIDv7.' },
    tenant: { type: 'string' },
    name: { type: 'string', description: '1 to 100 characters, unique in the tenant.' },
    filter: filterSchema,
    target: targetSchema,
    status: { type: 'string', enum: ['active', 'paused', 'disabled'] },
    statusReason: { type: ['string', 'null'], description: 'Why the system paused or disabled it (410 Gone, retries exhausted).' },
    cursor: { type: 'integer', description: 'The last position the target acknowledged; delivery resumes after it.' },
    pending: pendingSchema,
    revision: { type: 'integer' },
    createdAt: iso,
    updatedAt: iso,
  },
} as const;

export const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    subscriptionId: { type: 'string' },
    messageId: { type: 'string', description: 'The same on every attempt of a batch (webhook-id).' },
    fromPosition: { type: 'integer' },
    toPosition: { type: 'integer' },
    events: { type: 'integer' },
    attempt: { type: 'integer' },
    outcome: { type: 'string', enum: ['delivered', 'failed', 'gone', 'dead-lettered'] },
    statusCode: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    durationMs: { type: 'number' },
    at: iso,
  },
} as const;

export const deadLetterSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    subscriptionId: { type: 'string' },
    messageId: { type: 'string' },
    fromPosition: { type: 'integer' },
    toPosition: { type: 'integer' },
    events: { type: 'integer' },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    createdAt: iso,
  },
} as const;

