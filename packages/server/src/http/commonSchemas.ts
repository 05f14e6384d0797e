/**
 * JSON schemas for documentation (OpenAPI via @fastify/swagger). Input is checked by the core validators,
 * which report every problem with its path; responses are serialised with JSON.stringify. So these
 * schemas describe the contract but never drop or reject data on their own.
 */

export const errorSchema = {
  type: 'object',
  description: 'Every error: a code from docs/errors.md, a message, and for bad input every violation.',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code (docs/errors.md).' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              path: { type: 'string', description: 'JSON pointer into the request, e.g. /events/3/type or /query/limit.' },
              message: { type: 'string' },
            },
          },
        },
      },
      additionalProperties: true,
    },
  },
} as const;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input (VALIDATION_FAILED, MALFORMED_JSON, INVALID_CURSOR), every problem listed.',
  401: 'No valid API key (UNAUTHENTICATED).',
  403: 'The key lacks the scope, or names another tenant (FORBIDDEN).',
  404: 'No such resource, or it belongs to another tenant (NOT_FOUND).',
  409: 'Stream version conflict (with expectedVersion and actualVersion) or an idempotency key reused with a different body.',
  413: 'The request or one of its events is too large (PAYLOAD_TOO_LARGE).',
  415: 'The body is not application/json (UNSUPPORTED_MEDIA_TYPE).',
  429: "Over the key's or the tenant's rate limit (RATE_LIMITED); see Retry-After and the RateLimit headers.",
  503: 'Overloaded, shutting down or store unavailable; see Retry-After.',
};

/** Error responses for the given statuses, all in the common error format. */
export function errorResponses(...statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(statuses.map((s) => [String(s), { ...errorSchema, description: ERROR_DESCRIPTIONS[s] ?? 'Error.' }]));
}

const actor = {
  type: 'object',
  required: ['type', 'id'],
  properties: { type: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' } },
} as const;

const entity = {
  type: 'object',
  required: ['type', 'id'],
  properties: { type: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } },
} as const;

const change = {
  type: 'object',
  required: ['field'],
  properties: { field: { type: 'string' }, old: {}, new: {} },
} as const;

/** The client-supplied part of an event (DESIGN.md, "Event model"). */
export const eventInputProperties = {
  type: { type: 'string', description: 'Lowercase dotted name, [a-z0-9_]+(.[a-z0-9_]+)*, at most 128 characters.' },
  action: { type: 'string' },
  severity: { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'], description: 'Default info.' },
  outcome: { type: 'string', enum: ['success', 'failure'] },
  actor,
  entity,
  stream: { type: 'string', description: 'Defaults to <entity.type>:<entity.id>, else <actor.type>:<actor.id>.' },
  source: { type: 'string', description: 'ui, api, console, system, …' },
  changes: { type: 'array', items: change, description: 'Old and new value per changed field (masked where sensitive).' },
  context: { type: 'object', additionalProperties: true, description: 'ip, userAgent, route, requestId, …' },
  data: { type: 'object', additionalProperties: true },
  tags: { type: 'array', items: { type: 'string' } },
  correlationId: { type: 'string' },
  causationId: { type: 'string' },
  occurredAt: { type: 'string', format: 'date-time', description: 'Defaults to the recording time.' },
  idempotencyKey: { type: 'string', description: 'A retry with the same key returns the original result with duplicate: true.' },
} as const;

export const eventInputSchema = {
  type: 'object',
  required: ['type', 'actor'],
  properties: {
    ...eventInputProperties,
    expectedVersion: { type: 'integer', minimum: 0, description: 'Append only if the stream is at this version (0: must not exist).' },
  },
} as const;

export const storedEventSchema = {
  type: 'object',
  description: 'An event as stored: the client fields (masked) plus what the server adds.',
  properties: {
    id: { type: 'string', description: 'UUIDv7.' },
    tenant: { type: 'string' },
    position: { type: 'integer', description: "Gapless 1..n per tenant: the log's order." },
    ...eventInputProperties,
    streamVersion: { type: 'integer' },
    occurredAt: { type: 'string', format: 'date-time' },
    recordedAt: { type: 'string', format: 'date-time', description: 'Server UTC time of recording.' },
    masked: { type: 'array', items: { type: 'string' }, description: 'Paths of masked values.' },
    hash: { type: 'string', description: 'Lowercase hex SHA-256 over 0x00 ‖ JCS(event without hash).' },
  },
  additionalProperties: true,
} as const;

const SEVERITY = { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] } as const;

/**
 * The search filters once: each query parameter (GET /v1/events and the routes sharing its filters) with its
 * schema, and, where it belongs to the JSON event filter that subscriptions take (everything but the time range
 * and the tenant), that property's name. Repeatable parameters are arrays in both forms.
 */
const SEARCH_FILTERS = [
  { param: 'type', property: 'types', schema: { type: 'array', items: { type: 'string' } }, description: 'Event types; * matches any run of characters (configuration.*); any of them matches.' },
  { param: 'severity', property: 'severities', schema: { type: 'array', items: SEVERITY }, description: 'Exact severities; any of them matches.' },
  { param: 'minSeverity', property: 'minSeverity', schema: SEVERITY, description: 'This severity or higher.' },
  { param: 'actorType', property: 'actorType', schema: { type: 'string' } },
  { param: 'actorId', property: 'actorId', schema: { type: 'string' } },
  { param: 'entityType', property: 'entityType', schema: { type: 'string' } },
  { param: 'entityId', property: 'entityId', schema: { type: 'string' } },
  { param: 'stream', property: 'stream', schema: { type: 'string' } },
  { param: 'source', property: 'source', schema: { type: 'string' } },
  { param: 'outcome', property: 'outcome', schema: { type: 'string', enum: ['success', 'failure'] } },
  { param: 'tag', property: 'tags', schema: { type: 'array', items: { type: 'string' } }, description: 'Tags; the event carries every one.' },
  { param: 'field', property: 'field', schema: { type: 'string' }, description: 'Name of a changed field (changes[].field).' },
  { param: 'correlationId', property: 'correlationId', schema: { type: 'string' } },
  { param: 'from', schema: { type: 'string', format: 'date-time' }, description: 'occurredAt >= from.' },
  { param: 'to', schema: { type: 'string', format: 'date-time' }, description: 'occurredAt < to.' },
  { param: 'tenant', schema: { type: 'string' }, description: 'Admin only: the tenant to read, or * for the system-wide trail.' },
] as const satisfies ReadonlyArray<{ param: string; property?: string; schema: object; description?: string }>;

type JsonSchema = Record<string, unknown>;
const describe = (f: (typeof SEARCH_FILTERS)[number]): JsonSchema => ('description' in f ? { ...f.schema, description: f.description } : { ...f.schema });

/** Query parameters shared by search, stats, export and live streams, for validation of types and documentation. */
export const filterQueryProperties: Record<(typeof SEARCH_FILTERS)[number]['param'], JsonSchema> = Object.fromEntries(
  SEARCH_FILTERS.map((f) => [f.param, describe(f)]),
) as Record<(typeof SEARCH_FILTERS)[number]['param'], JsonSchema>;

/** The same filters as the JSON object subscriptions take (`types`, `severities`, `tags`; no time range, no tenant). */
export const eventFilterProperties: Record<string, JsonSchema> = Object.fromEntries(
  SEARCH_FILTERS.flatMap((f) => ('property' in f ? [[f.property, describe(f)]] : [])),
);
