import { isPlainObject, VellumError } from '@vellum/core';
import type { AccessStore, ErrorDetail } from '@vellum/core';
import { routesPlugin } from '../http/definePlugin.ts';
import { errorResponses } from '../http/commonSchemas.ts';
import { reportUnknownProperties } from '../http/reportUnknownProperties.ts';
import type { AuthContext, ReadRestriction } from './authenticate.ts';
import { isRestrictionValue, RESTRICTION_VALUE_CHARS, VIEWER_TOKEN_TTL } from './viewerTokens.ts';

interface MintInput {
  ttlSeconds: number;
  restriction: ReadRestriction | null;
}

const BODY_FIELDS = ['ttlSeconds', 'actor', 'entity'] as const;
const PARTY_FIELDS = ['type', 'id'] as const;

const partySchema = (kind: string, example: string) => ({
  type: 'object',
  required: ['type', 'id'],
  additionalProperties: false,
  description: `Limit every read to the events of this ${kind} (${example}).`,
  properties: {
    type: { type: 'string', minLength: 1, maxLength: RESTRICTION_VALUE_CHARS },
    id: { type: 'string', minLength: 1, maxLength: RESTRICTION_VALUE_CHARS },
  },
}) as const;

const mintSchema = {
  tags: ['viewer'],
  summary: 'Mint a short-lived read-only viewer token',
  description:
    'For embedding the viewer in a page: the token (vvt_…) is sent like a key (Authorization: Bearer) and may only read ' +
    '(search, one event, trails, stats, export) the tenant it was minted for — the Vellum-Tenant of an admin key, ' +
    'otherwise the key\'s own. With actor and/or entity, every read is narrowed to those events server-side, whatever filter or ' +
    'cursor the viewer sends; a filter naming another actor or entity is refused with 403. The token cannot write, manage keys or ' +
    'mint further tokens. It never outlives the key that mints it: ttlSeconds is cut to the life left in the key, and revoking ' +
    'the key ends its tokens (within a second on every node). The token is signed, not stored. The payload is readable (base64url JSON): put nothing secret in a restriction.',
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ttlSeconds: {
        type: 'integer',
        minimum: VIEWER_TOKEN_TTL.min,
        maximum: VIEWER_TOKEN_TTL.max,
        description: `Lifetime in seconds; default ${VIEWER_TOKEN_TTL.default}.`,
      },
      actor: partySchema('actor', 'type user, id 5'),
      entity: partySchema('entity', 'type PolicyConfiguration, id 123'),
    },
  },
  response: {
    201: {
      description: 'The token, shown once (it is not stored).',
      type: 'object',
      properties: {
        token: { type: 'string', description: 'vvt_<payload>.<signature>' },
        tokenId: { type: 'string', description: 'UUIDv7; reads made with the token are audited under this id.' },
        tenant: { type: 'string' },
        expiresAt: { type: 'string', format: 'date-time', description: 'Issue time (whole seconds) + ttlSeconds, or the key\'s own expiry if sooner.' },
        restriction: {
          type: ['object', 'null'],
          properties: { actor: partySchema('actor', 'as minted'), entity: partySchema('entity', 'as minted') },
          description: 'null when the token reads the whole tenant.',
        },
      },
    },
    ...errorResponses(400, 401, 403),
  },
} as const;

function parseParty(v: unknown, kind: 'actor' | 'entity', details: ErrorDetail[]): { type: string; id: string } | undefined {
  if (v === undefined) return undefined;
  const at = `/${kind}`;
  if (!isPlainObject(v)) {
    details.push({ path: at, message: `must be an object { "type": ..., "id": ... } naming one ${kind}` });
    return undefined;
  }
  reportUnknownProperties(v, PARTY_FIELDS, at, details);
  for (const field of PARTY_FIELDS) {
    if (!isRestrictionValue(v[field])) {
      details.push({
        path: `${at}/${field}`,
        message: `is required: a non-empty string of at most ${RESTRICTION_VALUE_CHARS} characters without control characters`,
      });
    }
  }
  return isRestrictionValue(v['type']) && isRestrictionValue(v['id']) ? { type: v['type'], id: v['id'] } : undefined;
}

/** The body, with every problem listed; an absent body asks for the defaults (whole tenant, 15 minutes). */
export function parseMintRequest(body: unknown): MintInput {
  const details: ErrorDetail[] = [];
  if (body === undefined) return { ttlSeconds: VIEWER_TOKEN_TTL.default, restriction: null };
  if (!isPlainObject(body)) {
    throw new VellumError('VALIDATION_FAILED', { details: [{ path: '', message: 'must be a JSON object { ttlSeconds?, actor?, entity? }' }] });
  }
  reportUnknownProperties(body, BODY_FIELDS, '', details);
  const ttl = body['ttlSeconds'];
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < VIEWER_TOKEN_TTL.min || ttl > VIEWER_TOKEN_TTL.max)) {
    details.push({ path: '/ttlSeconds', message: `must be a whole number of seconds from ${VIEWER_TOKEN_TTL.min} to ${VIEWER_TOKEN_TTL.max}` });
  }
  const actor = parseParty(body['actor'], 'actor', details);
  const entity = parseParty(body['entity'], 'entity', details);
  if (details.length > 0) throw new VellumError('VALIDATION_FAILED', { details });
  const restriction: ReadRestriction = { ...(actor === undefined ? {} : { actor }), ...(entity === undefined ? {} : { entity }) };
  return {
    ttlSeconds: typeof ttl === 'number' ? ttl : VIEWER_TOKEN_TTL.default,
    restriction: actor === undefined && entity === undefined ? null : restriction,
  };
}

/**
 * The seconds a token may live: what was asked, cut to the life left in the minting key, so that the token a key
 * hands out never outlasts the key. Rounded down, so the token expires no later than the key.
 */
async function lifetime(store: Pick<AccessStore, 'findKeyById'>, auth: AuthContext, requested: number, now: number): Promise<number> {
  const key = await store.findKeyById(auth.keyTenant, auth.keyId);
  if (key?.expiresAt === null || key?.expiresAt === undefined) return requested;
  const left = Math.floor((Date.parse(key.expiresAt) - now) / 1000);
  if (left < 1) throw new VellumError('FORBIDDEN', { message: 'This key expires within a second; a viewer token cannot outlive the key that mints it.' });
  return Math.min(requested, left);
}

/** POST /v1/viewer-tokens: any key that may read events may hand a narrower, shorter-lived view of them to a browser. */
export const viewerTokenRoutes = routesPlugin('vellum-viewer-token-routes', async (app) => {
  app.post('/v1/viewer-tokens', { config: { scope: 'events:read' }, schema: mintSchema }, async (request, reply) => {
    const { auth } = request;
    // A viewer token passes the events:read check, but a token minting tokens would let a holder renew
    // its own access forever (or drop its restriction): only keys mint.
    if (auth.kind === 'viewer') throw new VellumError('FORBIDDEN', { message: 'A viewer token cannot mint viewer tokens; use an API key.' });
    const input = parseMintRequest(request.body);
    const now = app.clock();
    // auth.tenant is the key's own tenant, or for an admin key the Vellum-Tenant it acts on (checked to exist).
    const ttlSeconds = await lifetime(app.store, auth, input.ttlSeconds, now);
    const minted = app.viewerTokens.mint({ tenant: auth.tenant, restriction: input.restriction, ttlSeconds, issuedBy: auth.keyId }, now);
    const expiresAt = new Date(minted.expiresAt).toISOString();
    // Handing out read access is a security event like creating a key; recorded before the token leaves.
    await app.audit.record(request, {
      type: 'vellum.viewer_token.created', action: 'create', entity: { type: 'ViewerToken', id: minted.tokenId },
      data: { expiresAt, restriction: input.restriction },
    });
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({ token: minted.token, tokenId: minted.tokenId, tenant: auth.tenant, expiresAt, restriction: input.restriction });
  });
});
