import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createViewerTokenService,
  MAX_VIEWER_TOKEN_CHARS,
  VIEWER_TOKEN_TTL,
  type MintRequest,
} from '../../src/auth/viewerTokens.ts';

const SECRET = Buffer.alloc(32, 7);
const OTHER_SECRET = Buffer.alloc(32, 8);
const NOW = Date.parse('2026-03-01T12:00:00.250Z');
const service = createViewerTokenService(SECRET);

const request = (overrides: Partial<MintRequest> = {}): MintRequest => ({
  tenant: 'acme',
  restriction: null,
  ttlSeconds: 900,
  issuedBy: 'key-1',
  ...overrides,
});

/** A token signed with `secret` over any payload: to show that shape checks hold even for signed input. */
function signed(payload: unknown, secret: Buffer = SECRET): string {
  const head = `vvt_${Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8').toString('base64url')}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const validPayload = () => ({
  v: 1,
  jti: '01950000-0000-7000-8000-000000000000',
  ten: 'acme',
  iat: Math.floor(NOW / 1000),
  exp: Math.floor(NOW / 1000) + 900,
  kid: 'key-1',
});

describe('viewer tokens: mint and verify', () => {
  it('round-trips an unrestricted token', () => {
    const minted = service.mint(request(), NOW);
    expect(minted.token).toMatch(/^vvt_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(minted.expiresAt).toBe(Math.floor(NOW / 1000) * 1000 + 900_000);
    expect(service.verify(minted.token, NOW)).toEqual({
      tokenId: minted.tokenId,
      tenant: 'acme',
      restriction: null,
      expiresAt: minted.expiresAt,
      issuedBy: 'key-1',
    });
  });

  it('carries a version, id, tenant, issuer and times in seconds in its payload', () => {
    const { token, tokenId } = service.mint(request(), NOW);
    const payload = JSON.parse(Buffer.from(token.slice(4, token.indexOf('.')), 'base64url').toString('utf8'));
    expect(payload).toEqual({ v: 1, jti: tokenId, ten: 'acme', iat: Math.floor(NOW / 1000), exp: Math.floor(NOW / 1000) + 900, kid: 'key-1' });
    expect(tokenId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives every token its own id', () => {
    const ids = new Set(Array.from({ length: 50 }, () => service.mint(request(), NOW).tokenId));
    expect(ids.size).toBe(50);
  });

  it.each([
    ['an actor', { actor: { type: 'user', id: '5' } }],
    ['an entity', { entity: { type: 'Policy', id: '1' } }],
    ['an actor and an entity', { actor: { type: 'user', id: '5' }, entity: { type: 'Policy', id: '1' } }],
    ['non-ASCII values', { actor: { type: 'usuário', id: 'ana@exemplo.pt 🦉' } }],
  ])('round-trips a restriction to %s', (_name, restriction) => {
    const { token } = service.mint(request({ restriction }), NOW);
    expect(service.verify(token, NOW)?.restriction).toEqual(restriction);
  });

  it('signs only the type and id of a restriction, whatever else the object holds', () => {
    const actor = { type: 'user', id: '5', name: 'Ana' } as { type: string; id: string };
    const { token } = service.mint(request({ restriction: { actor } }), NOW);
    expect(service.verify(token, NOW)?.restriction).toEqual({ actor: { type: 'user', id: '5' } });
  });

  it('treats an empty restriction as none', () => {
    const { token } = service.mint(request({ restriction: {} }), NOW);
    expect(service.verify(token, NOW)?.restriction).toBeNull();
  });

  it('is accepted by every node sharing the secret, and by no other', () => {
    const { token } = service.mint(request(), NOW);
    expect(createViewerTokenService(Buffer.from(SECRET)).verify(token, NOW)?.tenant).toBe('acme');
    expect(createViewerTokenService(OTHER_SECRET).verify(token, NOW)).toBeNull();
  });

  it('stays under the length cap with the largest restriction it can mint', () => {
    const big = '€'.repeat(256); // 3 UTF-8 bytes each
    const restriction = { actor: { type: big, id: big }, entity: { type: big, id: big } };
    const { token } = service.mint(request({ tenant: 'a'.repeat(64), issuedBy: '€'.repeat(128), restriction }), NOW);
    expect(token.length).toBeLessThanOrEqual(MAX_VIEWER_TOKEN_CHARS);
    expect(service.verify(token, NOW)?.restriction).toEqual(restriction);
  });
});

describe('viewer tokens: expiry', () => {
  it('is valid until the last millisecond before expiresAt, and not at it', () => {
    const { token, expiresAt } = service.mint(request({ ttlSeconds: 1 }), NOW);
    expect(service.verify(token, expiresAt - 1)).not.toBeNull();
    expect(service.verify(token, expiresAt)).toBeNull();
    expect(service.verify(token, expiresAt + 86_400_000)).toBeNull();
  });

  it('tolerates a few minutes of clock skew between nodes, not more', () => {
    const { token } = service.mint(request(), NOW);
    expect(service.verify(token, NOW - 299_000)).not.toBeNull();
    expect(service.verify(token, NOW - 301_000)).toBeNull();
  });
});

describe('viewer tokens: refusals', () => {
  const good = service.mint(request({ restriction: { actor: { type: 'user', id: '5' } } }), NOW).token;
  const [head, signature] = good.split('.') as [string, string];

  it('refuses a tampered payload', () => {
    const payload = JSON.parse(Buffer.from(head.slice(4), 'base64url').toString('utf8'));
    for (const change of [{ ten: 'other' }, { act: { type: 'user', id: '6' } }, { act: undefined }, { exp: payload.exp + 3600 }]) {
      const forged = `vvt_${Buffer.from(JSON.stringify({ ...payload, ...change }), 'utf8').toString('base64url')}.${signature}`;
      expect(service.verify(forged, NOW), JSON.stringify(change)).toBeNull();
    }
    const flipped = head.slice(0, 10) + (head[10] === 'A' ? 'B' : 'A') + head.slice(11);
    expect(service.verify(`${flipped}.${signature}`, NOW)).toBeNull();
  });

  it('refuses a tampered signature, including other spellings of the same bytes', () => {
    const last = signature.at(-1)!;
    // The 43rd character carries 4 payload bits and 2 spare ones: a neighbour may decode to the same bytes.
    for (const c of ['A', 'B', 'C', 'D', 'w', 'x', '_']) {
      if (c !== last) expect(service.verify(`${head}.${signature.slice(0, -1)}${c}`, NOW)).toBeNull();
    }
    expect(service.verify(`${head}.${signature}=`, NOW)).toBeNull();
  });

  it('refuses a token signed with another secret', () => {
    expect(service.verify(signed(validPayload(), OTHER_SECRET), NOW)).toBeNull();
    expect(service.verify(signed(validPayload()), NOW)).not.toBeNull();
  });

  it.each([
    ['empty', ''],
    ['only the prefix', 'vvt_'],
    ['no payload', `vvt_.${signature}`],
    ['no signature', head],
    ['an empty signature', `${head}.`],
    ['a short signature', `${head}.${signature.slice(1)}`],
    ['two dots', `${head}.${signature}.${signature}`],
    ['a dot inside the payload', `${head.slice(0, 8)}.${head.slice(8)}.${signature}`],
    ['standard base64', `${head}+/.${signature}`],
    ['spaces', ` ${good}`],
    ['another prefix', `vk_${good.slice(4)}`],
    ['upper-case prefix', `VVT_${good.slice(4)}`],
  ])('refuses a malformed token: %s', (_name, token) => {
    expect(service.verify(token, NOW)).toBeNull();
  });

  it('refuses oversized and non-string input', () => {
    expect(service.verify(`vvt_${'A'.repeat(MAX_VIEWER_TOKEN_CHARS)}.${signature}`, NOW)).toBeNull();
    expect(service.verify('vvt_' + 'A'.repeat(10_000_000), NOW)).toBeNull();
    expect(service.verify(undefined as unknown as string, NOW)).toBeNull();
    expect(service.verify(42 as unknown as string, NOW)).toBeNull();
  });

  it.each([
    ['not JSON', '{"v":1,'],
    ['an array', [validPayload()]],
    ['null', null],
    ['a newer version', { ...validPayload(), v: 2 }],
    ['no version', { ...validPayload(), v: undefined }],
    ['an unknown field', { ...validPayload(), scope: 'admin' }],
    ['a token id that is no UUIDv7', { ...validPayload(), jti: 'x' }],
    ['a bad tenant', { ...validPayload(), ten: '*' }],
    ['a numeric tenant', { ...validPayload(), ten: 5 }],
    ['no issuer', { ...validPayload(), kid: '' }],
    ['times as strings', { ...validPayload(), exp: String(validPayload().exp) }],
    ['fractional times', { ...validPayload(), exp: validPayload().exp + 0.5 }],
    ['expiry before issue', { ...validPayload(), exp: validPayload().iat }],
    ['a life beyond the maximum', { ...validPayload(), exp: validPayload().iat + VIEWER_TOKEN_TTL.max + 1 }],
    ['an issue time in the future', { ...validPayload(), iat: validPayload().iat + 3600, exp: validPayload().iat + 4000 }],
    ['an actor with extra fields', { ...validPayload(), act: { type: 'user', id: '5', admin: true } }],
    ['an actor without id', { ...validPayload(), act: { type: 'user' } }],
    ['an empty actor id', { ...validPayload(), act: { type: 'user', id: '' } }],
    ['a numeric entity id', { ...validPayload(), ent: { type: 'Policy', id: 1 } }],
    ['an actor as a string', { ...validPayload(), act: 'user:5' }],
    ['a null entity', { ...validPayload(), ent: null }],
    ['a control character', { ...validPayload(), act: { type: 'user', id: '5\u0000' } }],
  ])('refuses a correctly signed payload of an unexpected shape: %s', (_name, payload) => {
    expect(service.verify(signed(payload), NOW)).toBeNull();
  });
});

describe('viewer tokens: minting refuses what it could not verify', () => {
  it.each([
    ['no lifetime', { ttlSeconds: 0 }],
    ['a lifetime over the maximum', { ttlSeconds: VIEWER_TOKEN_TTL.max + 1 }],
    ['a fractional lifetime', { ttlSeconds: 100.5 }],
    ['a bad tenant', { tenant: '*' }],
    ['no issuer', { issuedBy: '' }],
    ['an over-long restriction value', { restriction: { actor: { type: 'user', id: 'x'.repeat(257) } } }],
    ['a control character', { restriction: { entity: { type: 'Policy', id: '1\n' } } }],
    ['a lone surrogate', { restriction: { actor: { type: 'user', id: '\ud800' } } }],
  ])('%s', (_name, overrides) => {
    expect(() => service.mint(request(overrides as Partial<MintRequest>), NOW)).toThrow(RangeError);
  });

  it('needs a secret of at least 32 bytes', () => {
    expect(() => createViewerTokenService(Buffer.alloc(16))).toThrow(/at least 32 bytes/);
  });
});
