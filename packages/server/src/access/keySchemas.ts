import { errorResponses } from '../http/commonSchemas.ts';
import { keyViewSchema } from './keyView.ts';

const idParam = { type: 'object', properties: { id: { type: 'string', description: 'The key id (not the secret).' } } } as const;
const durationText = 'A duration: a whole number and one unit of ms, s, m, h, d (e.g. 30d).';

const createdKey = {
  type: 'object',
  properties: {
    key: keyViewSchema,
    secret: { type: 'string', description: 'The key itself. Shown only in this response; Vellum keeps only its hash.' },
  },
} as const;

/** OpenAPI schemas of /v1/keys (documentation; the handlers validate and list every problem). */
export const keySchemas = {
  create: {
    tags: ['keys'],
    summary: 'Create an API key (the secret is shown once)',
    description:
      "The key belongs to the tenant the caller acts on. A non-admin caller may only grant scopes it holds; only an admin may " +
      'grant admin or set a per-key rate limit. Keys look like vk_ + 36 base62 characters, the last 6 a CRC32 checksum.',
    body: {
      type: 'object',
      required: ['name', 'scopes'],
      properties: {
        name: { type: 'string', maxLength: 200 },
        scopes: { type: 'array', items: { type: 'string', enum: ['events:write', 'events:read', 'subscriptions:manage', 'keys:manage', 'admin'] } },
        expiresAt: { type: ['string', 'null'], format: 'date-time' },
        expiresIn: { type: 'string', description: durationText },
        rateLimit: { type: ['object', 'null'], properties: { perSecond: { type: 'number' }, burst: { type: 'integer' } } },
      },
    },
    response: { 201: { description: 'The key and its secret.', ...createdKey }, ...errorResponses(400, 401, 403, 404) },
  },
  list: {
    tags: ['keys'],
    summary: "List the tenant's keys (revoked and expired included)",
    querystring: { type: 'object', properties: { tenant: { type: 'string', description: "Admin only: another tenant's id, or * for all." } } },
    response: {
      200: { description: 'The keys, oldest first.', type: 'object', properties: { keys: { type: 'array', items: keyViewSchema } } },
      ...errorResponses(400, 401, 403),
    },
  },
  self: {
    tags: ['keys'],
    summary: 'The calling key: its tenant, scopes and expiry (a key test)',
    description: 'Any valid key or viewer token may call it.',
    response: {
      200: {
        description: 'The caller.',
        type: 'object',
        properties: {
          kind: { type: 'string', enum: ['key', 'viewer'] },
          actingTenant: { type: 'string' },
          restriction: { type: ['object', 'null'] },
          ...keyViewSchema.properties,
        },
      },
      ...errorResponses(401),
    },
  },
  one: {
    tags: ['keys'],
    summary: 'One key',
    params: idParam,
    response: { 200: { description: 'The key.', ...keyViewSchema }, ...errorResponses(401, 403, 404) },
  },
  revoke: {
    tags: ['keys'],
    summary: 'Revoke a key (effective on every node within 1 s)',
    params: idParam,
    response: { 200: { description: 'The key, now revoked.', ...keyViewSchema }, ...errorResponses(401, 403, 404) },
  },
  rotate: {
    tags: ['keys'],
    summary: 'Rotate a key: a new secret now, the old one valid for a grace period',
    description: 'The new key has the same name, scopes, expiry and rate limit. The old key expires after gracePeriod (default 24h, at most 30d; 0s ends it now).',
    params: idParam,
    body: { type: ['object', 'null'], properties: { gracePeriod: { type: 'string', description: durationText } } },
    response: {
      201: {
        description: 'The new key with its secret, and the old key with its new expiry.',
        type: 'object',
        properties: { ...createdKey.properties, previous: keyViewSchema },
      },
      ...errorResponses(400, 401, 403, 404, 409),
    },
  },
} as const;
