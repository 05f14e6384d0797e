import { errorResponses } from '../http/commonSchemas.ts';
import { deadLetterSchema, deliverySchema, filterSchema, statsSchema, subscriptionViewSchema, targetSchema } from './subscriptionView.ts';
import { SUBSCRIPTION_LIMITS as L } from './limits.ts';

const tags = ['subscriptions'];
const idParam = { type: 'object', properties: { id: { type: 'string', description: 'The subscription id.' } } } as const;
const one = { description: 'The subscription.', ...subscriptionViewSchema } as const;
const point = {
  type: 'object',
  properties: {
    position: { type: 'integer', minimum: 1, description: 'The first position to deliver.' },
    time: { type: 'string', format: 'date-time', description: 'Deliver from the first event recorded at or after this time.' },
  },
} as const;
const secretAnswer = {
  secret: { type: 'string', description: 'The webhook secret (whsec_…). Shown only in this answer; never again.' },
  notice: { type: 'string' },
} as const;

/** OpenAPI schemas of /v1/subscriptions (documentation: the handlers validate and list every problem). */
export const subscriptionSchemas = {
  create: {
    tags,
    summary: 'Create a durable subscription',
    description:
      `At most ${L.perTenant} per tenant. startFrom: "now" (default: only events after the tenant's current head), "beginning", `
      + '{ position } (the first position to deliver) or { time } (from the first event recorded at or after it). A webhook '
      + 'without a secret gets a generated one, shown in this answer only.',
    body: {
      type: 'object',
      required: ['name', 'target'],
      properties: {
        name: { type: 'string', maxLength: L.nameChars },
        filter: filterSchema,
        target: targetSchema,
        startFrom: { oneOf: [{ type: 'string', enum: ['now', 'beginning'] }, point] },
      },
    },
    response: {
      201: { description: 'The subscription, and a generated webhook secret.', type: 'object', properties: { subscription: subscriptionViewSchema, ...secretAnswer } },
      ...errorResponses(400, 401, 403, 409),
    },
  },
  list: {
    tags,
    summary: "List the tenant's subscriptions, oldest first",
    querystring: { type: 'object', properties: { tenant: { type: 'string', description: "Admin only: another tenant's id, or * for all." } } },
    response: {
      200: { description: 'The subscriptions (never a secret).', type: 'object', properties: { subscriptions: { type: 'array', items: subscriptionViewSchema } } },
      ...errorResponses(400, 401, 403),
    },
  },
  one: {
    tags,
    summary: 'One subscription with its delivery stats',
    params: idParam,
    response: {
      200: { description: 'The subscription and its stats.', type: 'object', properties: { ...subscriptionViewSchema.properties, stats: statsSchema } },
      ...errorResponses(401, 403, 404),
    },
  },
  update: {
    tags,
    summary: "Change a subscription's name, filter or target",
    description: 'Absent fields stay as they are. A new webhook target keeps the current secret unless it gives one.',
    params: idParam,
    body: { type: 'object', properties: { name: { type: 'string', maxLength: L.nameChars }, filter: filterSchema, target: targetSchema } },
    response: { 200: one, ...errorResponses(400, 401, 403, 404, 409) },
  },
  remove: {
    tags,
    summary: 'Delete a subscription with its deliveries and dead letters',
    params: idParam,
    response: { 204: { description: 'Deleted.', type: 'null' }, ...errorResponses(401, 403, 404) },
  },
  pause: {
    tags,
    summary: 'Pause delivery (the cursor stays; resume carries on from it)',
    params: idParam,
    response: { 200: one, ...errorResponses(401, 403, 404, 409) },
  },
  resume: {
    tags,
    summary: 'Resume delivery (also re-enables a subscription disabled by a 410)',
    params: idParam,
    response: { 200: one, ...errorResponses(401, 403, 404, 409) },
  },
  replay: {
    tags,
    summary: 'Move the cursor back (or forward) to a position or time',
    description: 'The batch in flight is dropped; delivery starts again at the position given, or at the first event recorded at or after the time.',
    params: idParam,
    body: point,
    response: { 200: one, ...errorResponses(400, 401, 403, 404, 409) },
  },
  deliveries: {
    tags,
    summary: 'The latest delivery attempts, newest first',
    params: idParam,
    querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: L.deliveriesMax, default: L.deliveriesDefault } } },
    response: {
      200: { description: 'Attempts.', type: 'object', properties: { deliveries: { type: 'array', items: deliverySchema } } },
      ...errorResponses(400, 401, 403, 404),
    },
  },
  deadLetters: {
    tags,
    summary: 'Dead letters (batches whose attempts ran out), oldest first',
    params: idParam,
    querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: L.deadLettersMax, default: L.deadLettersDefault } } },
    response: {
      200: { description: 'Dead letters.', type: 'object', properties: { deadLetters: { type: 'array', items: deadLetterSchema } } },
      ...errorResponses(400, 401, 403, 404),
    },
  },
  retryDeadLetters: {
    tags,
    summary: 'Send dead letters again, each under its original message id',
    description: `The ids given (at most ${L.deadLetterIds}), or the oldest ${L.deadLetterIds}. A delivered one is removed; a failed one stays.`,
    params: idParam,
    body: { type: ['object', 'null'], properties: { ids: { type: 'array', items: { type: 'string' }, maxItems: L.deadLetterIds } } },
    response: {
      200: {
        description: 'What happened to each.',
        type: 'object',
        properties: {
          results: {
            type: 'array',
            items: { type: 'object', properties: { id: { type: 'string' }, delivered: { type: 'boolean' }, error: { type: ['string', 'null'] } } },
          },
        },
      },
      ...errorResponses(400, 401, 403, 404),
    },
  },
  purgeDeadLetters: {
    tags,
    summary: 'Delete dead letters: all, or those named by ?id= (repeatable)',
    params: idParam,
    querystring: { type: 'object', properties: { id: { type: 'array', items: { type: 'string' }, maxItems: L.deadLetterIds } } },
    response: {
      200: { description: 'How many went.', type: 'object', properties: { deleted: { type: 'integer' } } },
      ...errorResponses(400, 401, 403, 404),
    },
  },
  rotateSecret: {
    tags,
    summary: "Rotate a webhook's signing secret",
    description:
      'A new whsec_ secret signs from now on; the old one signs beside it (two signatures) for graceSeconds (default '
      + `${L.graceSecondsDefault}, at most ${L.graceSecondsMax}). The new secret is shown in this answer only.`,
    params: idParam,
    body: { type: ['object', 'null'], properties: { graceSeconds: { type: 'integer', minimum: 0, maximum: L.graceSecondsMax } } },
    response: {
      200: { description: 'The subscription and its new secret.', type: 'object', properties: { subscription: subscriptionViewSchema, ...secretAnswer } },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  },
} as const;
