import { parseSearchParams, parseStatsParams, VellumError } from '@vellum/core';
import type { RawQuery, ValidationResult } from '@vellum/core';
import { routesPlugin } from '../http/definePlugin.ts';
import { errorResponses, filterQueryProperties, storedEventSchema } from '../http/commonSchemas.ts';
import { resolveReadTenant } from '../auth/resolveReadTenant.ts';
import { isWithinRestriction, restrictFilter } from '../auth/readRestriction.ts';
import { parseStreamParams } from './parseStreamParams.ts';
import { readTrail } from './readTrail.ts';

function valid<T>(result: ValidationResult<T>): T {
  if (!result.ok) throw new VellumError('VALIDATION_FAILED', { details: result.details });
  return result.value;
}

/** Said once, in every read route's description: what a restricted viewer token sees. */
const RESTRICTED =
  ' A viewer token limited to an actor or entity sees only those events: its filters are narrowed server-side, ' +
  'and one naming another actor or entity is refused with 403.';

/** `form=stored`: events exactly as stored and hashed (personal data encrypted), to recompute hashes. */
export const formParameter = {
  type: 'string',
  enum: ['readable', 'stored'],
  description:
    'readable (default): personal data fields decrypted, or "[erased]" once their subject was forgotten. stored: the event exactly ' +
    'as stored and hashed (personal data as vpd1: ciphertext), so anyone can recompute its hash.',
} as const;

/** Takes `form` out of the query (the filters must not see it); the default is the readable form. */
export function takeForm(raw: RawQuery): { stored: boolean; query: RawQuery } {
  const { form, ...query } = raw;
  if (form === undefined || form === 'readable') return { stored: false, query };
  if (form === 'stored') return { stored: true, query };
  throw new VellumError('VALIDATION_FAILED', { details: [{ path: '/query/form', message: 'must be one of readable, stored' }] });
}

const searchSchema = {
  tags: ['events'],
  summary: 'Search the log',
  description:
    'Filters narrow; absent means any. Keyset pagination: pass nextCursor back as cursor; stable under concurrent appends. ' +
    'A cursor is only a position: the filters (and a viewer token\'s restriction) apply to every page.' + RESTRICTED,
  querystring: {
    type: 'object',
    properties: {
      ...filterQueryProperties,
      limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Default 100.' },
      order: { type: 'string', enum: ['asc', 'desc'], description: 'Log (position) order; default desc.' },
      cursor: { type: 'string', description: 'nextCursor of the previous page.' },
      form: formParameter,
    },
  },
  response: {
    200: {
      description: 'A page of events.',
      type: 'object',
      properties: {
        events: { type: 'array', items: storedEventSchema },
        nextCursor: { type: ['string', 'null'], description: 'Present when more events may match.' },
      },
    },
    ...errorResponses(400, 401, 403),
  },
} as const;

const getByIdSchema = {
  tags: ['events'],
  summary: 'One event',
  description: "404 for an unknown id, for another tenant's event and, with a restricted viewer token, for an event outside its restriction alike.",
  params: { type: 'object', properties: { id: { type: 'string', description: 'The event id (UUIDv7).' } } },
  querystring: { type: 'object', properties: { tenant: filterQueryProperties.tenant, form: formParameter } },
  response: { 200: { ...storedEventSchema, description: 'The event.' }, ...errorResponses(400, 401, 403, 404) },
} as const;

const streamSchema = {
  tags: ['events'],
  summary: "An entity's trail: the events of one stream",
  description:
    'Pages by version: fromVersion and direction choose a window of limit versions. With a viewer token limited to an actor or ' +
    'entity, the window keeps only the events within the restriction, so a page may hold fewer than limit events, or none, while ' +
    'later versions exist (continue from fromVersion ± limit). version and streamVersion still count every event of the stream; ' +
    'a stream with no event within the restriction answers as an empty stream (version 0).',
  params: { type: 'object', properties: { stream: { type: 'string', description: 'Stream name, e.g. PolicyConfiguration:123 (URL-encoded).' } } },
  querystring: {
    type: 'object',
    properties: {
      fromVersion: { type: 'integer', minimum: 1, description: 'forward: first version returned (default 1); backward: newest version returned (default latest).' },
      direction: { type: 'string', enum: ['forward', 'backward'], description: 'Default forward.' },
      limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Default 100.' },
    },
  },
  response: {
    200: {
      description: 'The stream, its current version (0 when it has no events) and a page of its events.',
      type: 'object',
      properties: { stream: { type: 'string' }, version: { type: 'integer' }, events: { type: 'array', items: storedEventSchema } },
    },
    ...errorResponses(400, 401, 403),
  },
} as const;

const statsSchema = {
  tags: ['events'],
  summary: 'Counts grouped by a field, optionally per hour or day',
  description: 'The search filters narrow what is counted.' + RESTRICTED,
  querystring: {
    type: 'object',
    required: ['groupBy'],
    properties: {
      ...filterQueryProperties,
      groupBy: { type: 'string', enum: ['type', 'severity', 'actor', 'entityType', 'source', 'outcome'] },
      interval: { type: 'string', enum: ['hour', 'day'], description: 'Bucket counts by occurredAt (UTC).' },
    },
  },
  response: {
    200: {
      description: 'One row per group (and bucket).',
      type: 'object',
      properties: {
        groups: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              key: { type: ['string', 'null'], description: "The group's value (actor is <type>:<id>); null where events lack the field." },
              bucket: { type: 'string', format: 'date-time', description: 'Start of the bucket, with interval.' },
              count: { type: 'integer' },
            },
          },
        },
      },
    },
    ...errorResponses(400, 401, 403),
  },
} as const;

/**
 * Search, one event, an entity's trail, statistics. Thin: parse, narrow to the caller's viewer-token
 * restriction (readRestriction), ask the store, answer.
 */
export const queryRoutes = routesPlugin('vellum-query-routes', async (app) => {
  const { store, personalData } = app;

  app.get('/v1/events', { config: { scope: 'events:read', audit: 'viewer' }, schema: searchSchema }, async (request) => {
    const { tenant, query: raw } = resolveReadTenant(request.auth, request.query as RawQuery);
    const { stored, query } = takeForm(raw);
    const page = await store.search(tenant, restrictFilter(request.auth, valid(parseSearchParams(query))));
    return { events: stored ? page.events : await personalData.open(page.events), nextCursor: page.nextCursor };
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id', { config: { scope: 'events:read', audit: 'viewer' }, schema: getByIdSchema }, async (request) => {
    const { tenant, query: raw } = resolveReadTenant(request.auth, request.query as RawQuery);
    const { stored, query } = takeForm(raw);
    const extra = Object.keys(query);
    if (extra.length > 0) {
      throw new VellumError('VALIDATION_FAILED', { details: extra.map((name) => ({ path: `/query/${name}`, message: 'is not a parameter of this route' })) });
    }
    const event = await store.getById(tenant, request.params.id);
    // Outside the restriction reads exactly like no such event: a viewer cannot tell that the id exists.
    if (event === null || !isWithinRestriction(request.auth, event)) throw new VellumError('NOT_FOUND', { message: 'No event with this id.' });
    return stored ? event : personalData.openOne(event);
  });

  app.get<{ Params: { stream: string } }>('/v1/streams/:stream/events', { config: { scope: 'events:read', audit: 'viewer' }, schema: streamSchema }, async (request) => {
    const options = valid(parseStreamParams(request.query as RawQuery));
    const { stream } = request.params;
    if (stream === '') {
      throw new VellumError('VALIDATION_FAILED', { details: [{ path: '/params/stream', message: 'must not be empty' }] });
    }
    const page = await readTrail(store, request.auth, stream, options);
    return { ...page, events: await personalData.open(page.events) };
  });

  app.get('/v1/stats', { config: { scope: 'events:read', audit: 'viewer' }, schema: statsSchema }, async (request) => {
    const { tenant, query } = resolveReadTenant(request.auth, request.query as RawQuery);
    return { groups: await store.stats(tenant, restrictFilter(request.auth, valid(parseStatsParams(query)))) };
  });
});
