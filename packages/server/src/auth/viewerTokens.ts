import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isPlainObject, scanString, uuidv7 } from '@vellum/core';
import { isTenantId, VIEWER_TOKEN_PREFIX } from './authenticate.ts';
import type { ReadRestriction, ViewerTokenClaims, ViewerTokenVerifier } from './authenticate.ts';

/** The store secret (AccessStore.getOrCreateSecret) that signs viewer tokens, shared by every node. */
export const VIEWER_TOKEN_SECRET_NAME = 'viewer-token-signing-key';

/**
 * A token's life in seconds, as a client may ask for it. The service itself mints down to 1 s, because a
 * token is also cut short to the life left in the key that mints it.
 */
export const VIEWER_TOKEN_TTL = { min: 10, max: 86_400, default: 900 } as const;

/** An actor's or entity's type and id: at most this many UTF-16 code units, as in events. */
export const RESTRICTION_VALUE_CHARS = 256;

/**
 * The longest token this server can mint (four 256-unit restriction values of 3-byte characters, a 128-unit
 * key id, a 64-character tenant, the fixed fields) is about 5,000 characters; anything longer is refused
 * before any hashing or decoding.
 */
export const MAX_VIEWER_TOKEN_CHARS = 6_144;

/** Bumped whenever the payload's meaning changes, so an old node never misreads a newer token. */
const PAYLOAD_VERSION = 1;
/** Nodes' clocks differ a little: a token issued this far "in the future" is still accepted. */
const CLOCK_SKEW_SECONDS = 300;
const MIN_SECRET_BYTES = 32;
const MAX_ISSUER_CHARS = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** base64url of a 32-byte HMAC-SHA256, unpadded. */
const SIGNATURE_CHARS = 43;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface MintRequest {
  tenant: string;
  restriction: ReadRestriction | null;
  /** Seconds the token lives. */
  ttlSeconds: number;
  issuedBy: string;
}

export interface MintedToken {
  token: string;
  tokenId: string;
  expiresAt: number;
}

export interface ViewerTokenService extends ViewerTokenVerifier {
  mint(request: MintRequest, now: number): MintedToken;
}

/** What a token carries, signed. Short names: the token travels in every request header and URL of the viewer. */
interface Payload {
  v: number;
  /** Token id (UUIDv7). */
  jti: string;
  /** Tenant. */
  ten: string;
  /** Issued at / expires at, seconds since the epoch. */
  iat: number;
  exp: number;
  /** Id of the key that minted it. */
  kid: string;
  act?: Party;
  ent?: Party;
}

interface Party {
  type: string;
  id: string;
}

/**
 * Signs and verifies `vvt_` tokens: `vvt_` + base64url(JSON payload) + `.` + base64url(HMAC-SHA256(secret,
 * `vvt_` + payload part)). Stateless, so any node sharing the store's secret accepts a token another node
 * minted, and nothing needs storing per token; the price is that a token lives until it expires, which is
 * why lifetimes are short.
 */
export function createViewerTokenService(secret: Buffer, random: (n: number) => Uint8Array = randomBytes): ViewerTokenService {
  if (secret.length < MIN_SECRET_BYTES) {
    throw new Error(`the viewer token secret must be at least ${MIN_SECRET_BYTES} bytes (it has ${secret.length})`);
  }
  // Our own copy: the caller's buffer could be reused or zeroed after start-up.
  const key = Buffer.from(secret);
  const sign = (signed: string): string => createHmac('sha256', key).update(signed, 'utf8').digest('base64url');

  return {
    mint(request, now) {
      checkMintRequest(request);
      const iat = Math.floor(now / 1000);
      const exp = iat + request.ttlSeconds;
      const tokenId = uuidv7(now, random(10));
      const payload: Payload = { v: PAYLOAD_VERSION, jti: tokenId, ten: request.tenant, iat, exp, kid: request.issuedBy };
      if (request.restriction?.actor !== undefined) payload.act = party(request.restriction.actor);
      if (request.restriction?.entity !== undefined) payload.ent = party(request.restriction.entity);
      const signed = VIEWER_TOKEN_PREFIX + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
      const token = `${signed}.${sign(signed)}`;
      // Mint-side bounds keep every token under the verifier's cap; reaching this would be a bug here.
      if (token.length > MAX_VIEWER_TOKEN_CHARS) throw new Error('viewer token longer than the verifier accepts');
      return { token, tokenId, expiresAt: exp * 1000 };
    },

    verify(token, now) {
      // Cheap structural checks first: nothing is hashed or decoded for input this server cannot have issued.
      if (typeof token !== 'string' || token.length > MAX_VIEWER_TOKEN_CHARS || !token.startsWith(VIEWER_TOKEN_PREFIX)) return null;
      const dot = token.indexOf('.');
      if (dot < 0 || token.length - dot - 1 !== SIGNATURE_CHARS) return null;
      const signed = token.slice(0, dot);
      const body = signed.slice(VIEWER_TOKEN_PREFIX.length);
      const signature = token.slice(dot + 1);
      if (body.length === 0 || !BASE64URL.test(body) || !BASE64URL.test(signature)) return null;

      // Comparing the base64url text rather than decoded bytes also refuses non-canonical spellings of
      // the same signature (base64url's spare low bits), so a token has exactly one valid form.
      const expected = Buffer.from(sign(signed), 'ascii');
      if (!timingSafeEqual(expected, Buffer.from(signature, 'ascii'))) return null;

      // Only now, with the signature ours, is the payload parsed; its shape is still checked strictly so a
      // future format or a bug elsewhere cannot turn into a wider read.
      const payload = parsePayload(body);
      if (payload === null) return null;
      const nowSeconds = now / 1000;
      if (payload.exp <= nowSeconds || payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) return null;
      return {
        tokenId: payload.jti,
        tenant: payload.ten,
        restriction: restrictionOf(payload),
        expiresAt: payload.exp * 1000,
        issuedBy: payload.kid,
      };
    },
  };
}

function checkMintRequest(request: MintRequest): void {
  const { ttlSeconds, tenant, issuedBy, restriction } = request;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > VIEWER_TOKEN_TTL.max) {
    throw new RangeError(`viewer token ttlSeconds must be a whole number from 1 to ${VIEWER_TOKEN_TTL.max}`);
  }
  if (!isTenantId(tenant)) throw new RangeError('viewer token tenant is not a tenant id');
  if (!isIssuer(issuedBy)) throw new RangeError('viewer token issuer must be a key id');
  for (const p of [restriction?.actor, restriction?.entity]) {
    if (p !== undefined && !(isRestrictionValue(p.type) && isRestrictionValue(p.id))) {
      throw new RangeError('viewer token restriction type and id must be non-empty, at most 256 characters, without control characters');
    }
  }
}

/** A copy with exactly type and id: nothing else a caller's object holds ends up signed. */
const party = (p: Party): Party => ({ type: p.type, id: p.id });

function restrictionOf(payload: Payload): ReadRestriction | null {
  if (payload.act === undefined && payload.ent === undefined) return null;
  return {
    ...(payload.act === undefined ? {} : { actor: party(payload.act) }),
    ...(payload.ent === undefined ? {} : { entity: party(payload.ent) }),
  };
}

const PAYLOAD_KEYS = new Set(['v', 'jti', 'ten', 'iat', 'exp', 'kid', 'act', 'ent']);

function parsePayload(body: string): Payload | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isPlainObject(value)) return null;
  for (const k of Object.keys(value)) if (!PAYLOAD_KEYS.has(k)) return null;
  const { v, jti, ten, iat, exp, kid, act, ent } = value;
  if (v !== PAYLOAD_VERSION) return null;
  if (typeof jti !== 'string' || !UUID.test(jti)) return null;
  if (typeof ten !== 'string' || !isTenantId(ten)) return null;
  if (!isSeconds(iat) || !isSeconds(exp) || exp <= iat || exp - iat > VIEWER_TOKEN_TTL.max) return null;
  if (!isIssuer(kid)) return null;
  if (act !== undefined && !isParty(act)) return null;
  if (ent !== undefined && !isParty(ent)) return null;
  return {
    v, jti, ten, iat, exp, kid,
    ...(act === undefined ? {} : { act: act as Party }),
    ...(ent === undefined ? {} : { ent: ent as Party }),
  };
}

/**
 * An actor's or entity's type or id as a restriction may hold it: non-empty, at most 256 code units, no
 * control characters and no lone surrogates (which have no UTF-8 form and so could not be signed faithfully).
 */
export function isRestrictionValue(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= RESTRICTION_VALUE_CHARS && scanString(v) === 0;
}

function isParty(v: unknown): v is Party {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 2 && isRestrictionValue(v['type']) && isRestrictionValue(v['id']);
}

const isIssuer = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_ISSUER_CHARS && scanString(v) === 0;

const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

