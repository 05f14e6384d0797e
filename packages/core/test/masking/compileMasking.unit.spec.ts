import { createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { compileMasking } from '../../src/masking/compileMasking.ts';
import type { MaskingConfig, MaskResult } from '../../src/masking/compileMasking.ts';
import { VellumError } from '../../src/errors/registry.ts';
import type { EventInput } from '../../src/event/types.ts';

const HASH_KEY = 'a-hash-key-of-32-characters-long';

const event = (fields: Partial<EventInput> = {}): EventInput => ({
  type: 'configuration.updated',
  actor: { type: 'user', id: '5' },
  ...fields,
});

const maskData = (data: Record<string, unknown>, config: MaskingConfig = {}, tenant = 't1'): MaskResult =>
  compileMasking(config).maskEvent(tenant, event({ data }));

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

function refusal(config: unknown): { path: string; message: string }[] {
  try {
    compileMasking(config as MaskingConfig);
  } catch (e) {
    expect(e).toBeInstanceOf(VellumError);
    const err = e as VellumError;
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.status).toBe(500);
    return err.details;
  }
  throw new Error('compileMasking accepted the configuration');
}

describe('compileMasking: built-in sensitive keys', () => {
  it.each([
    'api_key', 'apiKey', 'API-KEY', 'ApiKey', 'x-api-key', 'api key', 'stripe_api_key', 'API_KEY_V2',
    'secret', 'client_secret', 'clientSecret', 'SECRET_ACCESS', 'webhookSecret',
    'password', 'Password', 'db_password', 'newPassword', 'PASSWORD_CONFIRMATION', 'passwd',
    'token', 'accessToken', 'refresh_token', 'X-Auth-Token',
    'authorization', 'Authorization', 'proxy-authorization',
    'cookie', 'Set-Cookie', 'cookies',
    'private_key', 'privateKey', 'PRIVATE-KEY', 'client secret',
    'credit_card', 'creditCard', 'credit-card-number', 'card_number', 'cardNumber',
    'ssn', 'SSN', 'user_ssn', 'userSSN', 'SSNLast4', 'ssn-number',
    // Unicode white space separates words as ASCII space does (found by the ingest fuzz test, seed 452009).
    'api\u00a0_key', 'api\u00a0key', 'client\u2003secret', 'ssn\u3000number',
  ])('masks the key %s', (key) => {
    const r = maskData({ [key]: 'sensitive-value-1234' });
    expect(r.event.data?.[key]).toBe('••••••••1234');
    expect(r.masked).toEqual([`/data/${key}`]);
  });

  it.each(['name', 'company_id', 'business_name', 'lessons', 'classname', 'email', 'ip', 'passage', 'tokyo', 'cardinal'])(
    'leaves the ordinary key %s alone',
    (key) => {
      const r = maskData({ [key]: 'value-value-1234' });
      expect(r.event.data?.[key]).toBe('value-value-1234');
      expect(r.masked).toEqual([]);
    },
  );

  it('masks sensitive keys at any depth in data, including objects inside arrays', () => {
    const data = {
      db: { host: 'h', password: 'correct-horse-battery' },
      integrations: [{ name: 'stripe', credentials: { apiKey: 'sk_live_abcdefgh9876' } }, { name: 'none' }],
      a: { b: { c: { d: { e: [[{ token: 'tttttttttt' }]] } } } },
    };
    const r = maskData(data);
    expect(r.event.data).toEqual({
      db: { host: 'h', password: '••••••••tery' },
      integrations: [{ name: 'stripe', credentials: { apiKey: '••••••••9876' } }, { name: 'none' }],
      a: { b: { c: { d: { e: [[{ token: '••••••••tttt' }]] } } } },
    });
    expect(r.masked).toEqual([
      '/data/db/password',
      '/data/integrations/0/credentials/apiKey',
      '/data/a/b/c/d/e/0/0/token',
    ]);
  });

  it('masks context fields such as authorization and cookie, at any depth', () => {
    const r = compileMasking({}).maskEvent('t1', event({
      context: { ip: '10.0.0.1', authorization: 'Bearer abc.def.ghi', headers: { cookie: 'sid=1', accept: '*/*' } },
    }));
    expect(r.event.context).toEqual({
      ip: '10.0.0.1', authorization: '••••••••.ghi', headers: { cookie: '[REDACTED]', accept: '*/*' },
    });
    expect(r.masked).toEqual(['/context/authorization', '/context/headers/cookie']);
  });

  it('masks old and new of a change whose field is sensitive', () => {
    const r = compileMasking({}).maskEvent('t1', event({
      changes: [
        { field: 'hours_before', old: 24, new: 48 },
        { field: 'smtp.password', old: 'old-password-1', new: 'new-password-2' },
        { field: 'apiKey', new: 'k' },
      ],
    }));
    expect(r.event.changes).toEqual([
      { field: 'hours_before', old: 24, new: 48 },
      { field: 'smtp.password', old: '••••••••rd-1', new: '••••••••rd-2' },
      { field: 'apiKey', new: '[REDACTED]' },
    ]);
    expect(r.masked).toEqual(['/changes/1/old', '/changes/1/new', '/changes/2/new']);
  });

  it('masks sensitive keys nested inside the old and new values of an ordinary change', () => {
    const r = compileMasking({}).maskEvent('t1', event({
      changes: [{ field: 'settings', old: { smtp: { secret: 'aaaaaaaaaaaa' }, port: 25 }, new: [{ token: 'x' }] }],
    }));
    expect(r.event.changes).toEqual([
      { field: 'settings', old: { smtp: { secret: '••••••••aaaa' }, port: 25 }, new: [{ token: '[REDACTED]' }] },
    ]);
    expect(r.masked).toEqual(['/changes/0/old/smtp/secret', '/changes/0/new/0/token']);
  });

  it('leaves actor, entity, tags and other top-level fields alone', () => {
    const input = event({
      actor: { type: 'user', id: '5', name: 'password' },
      entity: { type: 'Secret', id: 'token' },
      tags: ['password:1'],
      correlationId: 'secret',
    });
    const r = compileMasking({}).maskEvent('t1', input);
    expect(r.event).toBe(input);
    expect(r.masked).toEqual([]);
  });
});

describe('compileMasking: strategies', () => {
  it('keeps the last four characters of a string of 8 or more under partial', () => {
    expect(maskData({ password: '12345678' }).event.data).toEqual({ password: '••••••••5678' });
    expect(maskData({ password: 'sk_live_0000000000001234' }).event.data).toEqual({ password: '••••••••1234' });
  });

  it.each([
    ['a 7-character string', 'abcdefg'],
    ['an empty string', ''],
    ['a number', 12345678901234],
    ['a boolean', true],
    ['null', null],
    ['an object', { nested: 'value-long-enough' }],
    ['an array', ['value-long-enough']],
  ])('redacts %s under partial', (_name, value) => {
    const r = maskData({ secret: value });
    expect(r.event.data).toEqual({ secret: '[REDACTED]' });
    expect(r.masked).toEqual(['/data/secret']);
  });

  it('leaves a value already in a masked form as it is (masking twice changes nothing), still listing its path', () => {
    const once = maskData({ password: 'sk_live_0000000000001234', api_key: 'short' }).event.data!;
    expect(once).toEqual({ password: '••••••••1234', api_key: '[REDACTED]' });
    const twice = maskData(once as Record<string, unknown>);
    expect(twice.event.data).toEqual(once);
    expect([...twice.masked].sort()).toEqual(['/data/api_key', '/data/password']);
    // More than four characters after the prefix is not a masked form: masked as any other string.
    expect(maskData({ password: '••••••••12345' }).event.data).toEqual({ password: '••••••••2345' });
  });

  it('counts characters, not UTF-16 units, for partial, and never splits an emoji', () => {
    expect(maskData({ token: '😀😀😀😀😀😀😀' }).event.data).toEqual({ token: '[REDACTED]' }); // 7 characters
    expect(maskData({ token: 'abcd😀é😀x' }).event.data).toEqual({ token: '••••••••😀é😀x' });
  });

  it('redacts everything under the redact strategy', () => {
    const r = maskData({ password: 'long-enough-password' }, { defaultStrategy: 'redact' });
    expect(r.event.data).toEqual({ password: '[REDACTED]' });
  });

  it('hashes with HMAC-SHA256 over the canonical JSON text under hash', () => {
    const r = maskData({ token: 'abc' }, { defaultStrategy: 'hash', hashKey: HASH_KEY });
    const expected = createHmac('sha256', HASH_KEY).update('"abc"').digest('hex');
    expect(r.event.data).toEqual({ token: `hmac-sha256:${expected}` });
    expect(r.masked).toEqual(['/data/token']);
  });

  it('gives equal values equal hashes, so they can be correlated, and different values different ones', () => {
    const masker = compileMasking({ defaultStrategy: 'hash', hashKey: HASH_KEY });
    const r = masker.maskEvent('t1', event({
      data: { a: { token: 'same-value' }, b: { token: 'same-value' }, c: { token: 'other-value' } },
      context: { secret: 'same-value' },
    }));
    const data = r.event.data as Record<string, { token: string }>;
    expect(data['a']?.token).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(data['a']?.token).toBe(data['b']?.token);
    expect(data['a']?.token).toBe((r.event.context as Record<string, unknown>)['secret']);
    expect(data['c']?.token).not.toBe(data['a']?.token);
  });

  it('hashes objects whatever their key order, and distinguishes a number from its string', () => {
    const masker = compileMasking({ defaultStrategy: 'hash', hashKey: HASH_KEY });
    const a = masker.maskEvent('t', event({ data: { secret: { x: 1, y: [true, null] } } })).event.data;
    const b = masker.maskEvent('t', event({ data: { secret: { y: [true, null], x: 1 } } })).event.data;
    const n = masker.maskEvent('t', event({ data: { secret: 1 } })).event.data;
    const s = masker.maskEvent('t', event({ data: { secret: '1' } })).event.data;
    expect(a).toEqual(b);
    expect(n).not.toEqual(s);
  });

  it('gives a different hash under a different key', () => {
    const one = maskData({ token: 'value' }, { defaultStrategy: 'hash', hashKey: HASH_KEY });
    const two = maskData({ token: 'value' }, { defaultStrategy: 'hash', hashKey: 'another-hash-key-0123456789' });
    expect(one.event.data?.['token']).not.toBe(two.event.data?.['token']);
  });

  it('removes the key under drop and still lists its path', () => {
    const r = maskData({ keep: 1, password: 'x', nested: { apiKey: 'y', other: 2 } }, { defaultStrategy: 'drop' });
    expect(r.event.data).toEqual({ keep: 1, nested: { other: 2 } });
    expect(Object.keys(r.event.data ?? {})).toEqual(['keep', 'nested']);
    expect(r.masked).toEqual(['/data/password', '/data/nested/apiKey']);
  });

  it('drops old and new of a sensitive change but keeps the field name', () => {
    const r = compileMasking({ defaultStrategy: 'drop' }).maskEvent('t1', event({
      changes: [{ field: 'password', old: 'a', new: 'b' }],
    }));
    expect(r.event.changes).toEqual([{ field: 'password' }]);
    expect(r.masked).toEqual(['/changes/0/old', '/changes/0/new']);
  });

  it('applies each rule its own strategy; explicit rules win over the built-in keys', () => {
    const r = maskData(
      { iban: 'DE89370400440532013000', password: 'long-enough-password', session_token: 'abcdefghij' },
      { hashKey: HASH_KEY, rules: [{ key: 'iban', strategy: 'redact' }, { key: 'password', strategy: 'hash' }] },
    );
    expect(r.event.data?.['iban']).toBe('[REDACTED]');
    expect(r.event.data?.['password']).toMatch(/^hmac-sha256:/);
    expect(r.event.data?.['session_token']).toBe('••••••••ghij');
  });

  it('defaults a rule without a strategy to partial', () => {
    expect(maskData({ iban: 'DE89370400440532013000' }, { rules: [{ key: 'iban' }] }).event.data).toEqual({ iban: '••••••••3000' });
  });

  it('matches /regex/ rules against the key as sent, with flags', () => {
    const config = { rules: [{ key: '/^x-internal-/i', strategy: 'redact' as const }] };
    expect(maskData({ 'X-Internal-Route': 'a', 'x_internal_route': 'b' }, config).event.data)
      .toEqual({ 'X-Internal-Route': '[REDACTED]', 'x_internal_route': 'b' });
  });

  it('ignores the g and y flags, which would make a regex rule match only every other time', () => {
    const masker = compileMasking({ rules: [{ key: '/pin/g', strategy: 'redact' }] });
    for (let i = 0; i < 3; i++) {
      expect(masker.maskEvent('t', event({ data: { pin: '1' } })).event.data).toEqual({ pin: '[REDACTED]' });
    }
  });

  it('matches short rule names only as whole words of the key', () => {
    const config = { rules: [{ key: 'pin', strategy: 'redact' as const }] };
    expect(maskData({ pin: 1, user_pin: 2, PINCode: 3, shipping: 4, pinned: 5, spinner: 6 }, config).event.data)
      .toEqual({ pin: '[REDACTED]', user_pin: '[REDACTED]', PINCode: '[REDACTED]', shipping: 4, pinned: 5, spinner: 6 });
  });

  it('turns the built-in keys off with defaults: false, keeping explicit rules', () => {
    const r = maskData({ password: 'x', iban: 'y' }, { defaults: false, rules: [{ key: 'iban', strategy: 'redact' }] });
    expect(r.event.data).toEqual({ password: 'x', iban: '[REDACTED]' });
  });
});

describe('compileMasking: tenants', () => {
  const config: MaskingConfig = {
    rules: [{ key: 'iban', strategy: 'redact' }],
    tenants: {
      acme: [{ key: 'patient id', strategy: 'redact' }, { key: 'password', strategy: 'drop' }],
    },
  };

  it('adds a tenant\'s rules to the global and built-in ones for that tenant only', () => {
    const masker = compileMasking(config);
    const data = { patientId: 'p-1', iban: 'DE89', token: 'abc' };
    expect(masker.maskEvent('acme', event({ data })).event.data).toEqual({ patientId: '[REDACTED]', iban: '[REDACTED]', token: '[REDACTED]' });
    expect(masker.maskEvent('other', event({ data })).event.data).toEqual({ patientId: 'p-1', iban: '[REDACTED]', token: '[REDACTED]' });
  });

  it('lets a tenant rule choose a stricter strategy for a built-in key', () => {
    const masker = compileMasking(config);
    expect(masker.maskEvent('acme', event({ data: { password: 'long-enough-password' } })).event.data).toEqual({});
    expect(masker.maskEvent('other', event({ data: { password: 'long-enough-password' } })).event.data).toEqual({ password: '••••••••word' });
  });

  it('treats a tenant named like an Object.prototype member as any other tenant', () => {
    const masker = compileMasking(config);
    expect(masker.maskEvent('constructor', event({ data: { patientId: 'p' } })).event.data).toEqual({ patientId: 'p' });
  });
});

describe('compileMasking: copying and paths', () => {
  it('never mutates the input event, even deeply frozen', () => {
    const input = deepFreeze(event({
      data: { db: { password: 'correct-horse-battery' }, list: [{ token: 'abc' }], keep: { a: 1 } },
      context: { authorization: 'Bearer x' },
      changes: [{ field: 'password', old: 'a', new: 'b' }, { field: 'cfg', new: { secret: 's' } }],
    }));
    const before = JSON.stringify(input);
    for (const defaultStrategy of ['partial', 'redact', 'hash', 'drop'] as const) {
      const r = compileMasking({ defaultStrategy, hashKey: HASH_KEY }).maskEvent('t1', input);
      expect(r.event).not.toBe(input);
    }
    expect(JSON.stringify(input)).toBe(before);
  });

  it('returns the same event object when nothing is sensitive', () => {
    const input = event({ data: { a: { b: [1, { c: 'd' }] } }, context: { ip: '1.2.3.4' }, changes: [{ field: 'a', old: { x: 1 } }] });
    const r = compileMasking({}).maskEvent('t1', input);
    expect(r.event).toBe(input);
    expect(r.masked).toEqual([]);
  });

  it('copies only the containers on the way to a masked value', () => {
    const untouched = { big: [1, 2, 3] };
    const input = event({ data: { untouched, path: { password: 'x' } }, context: { ip: '1' } });
    const r = compileMasking({}).maskEvent('t1', input);
    expect(r.event.data?.['untouched']).toBe(untouched);
    expect(r.event.context).toBe(input.context);
    expect(r.event.data).not.toBe(input.data);
  });

  it('escapes ~ and / in masked paths', () => {
    expect(maskData({ 'a/b': { 'pass~word': 'x', 'api/key': 'y' } }).masked).toEqual(['/data/a~1b/pass~0word', '/data/a~1b/api~1key']);
  });

  it('records the exact path of a masked value even under a very long key', () => {
    const key = `${'k'.repeat(1000)}_password`;
    expect(maskData({ [key]: 'x' }).masked).toEqual([`/data/${key}`]);
  });

  it('copies an own "__proto__" key as data, without changing any prototype', () => {
    const data = JSON.parse('{"__proto__":{"polluted":true},"password":"x"}') as Record<string, unknown>;
    const r = maskData(data);
    const out = r.event.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(out['password']).toBe('[REDACTED]');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('redacts, rather than walks, values nested deeper than any validated event can be', () => {
    let deep: unknown = { password: 'x' };
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const r = maskData({ deep });
    expect(r.masked).toHaveLength(1);
    expect(r.masked[0]).toMatch(/^\/data\/deep(\/a){63}$/);
  });

  it('stays correct for more distinct keys than its cache holds', () => {
    const masker = compileMasking({});
    const data: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) data[`field_${i}`] = i;
    data['password'] = 'x';
    for (let round = 0; round < 2; round++) {
      expect(masker.maskEvent('t1', event({ data })).masked).toEqual(['/data/password']);
    }
  });
});

describe('compileMasking: refusing bad configuration', () => {
  it('accepts an empty configuration', () => {
    expect(() => compileMasking({})).not.toThrow();
  });

  it.each([
    ['an empty key', { rules: [{ key: '' }] }, '/masking/rules/0/key', 'must name a key'],
    ['a key of separators only', { rules: [{ key: ' _-' }] }, '/masking/rules/0/key', 'must name a key'],
    ['a key that is not a string', { rules: [{ key: 5 }] }, '/masking/rules/0/key', 'must be a key name'],
    ['a rule without a key', { rules: [{ strategy: 'redact' }] }, '/masking/rules/0/key', 'must be a key name'],
    ['an invalid regex', { rules: [{ key: '/[a-/' }] }, '/masking/rules/0/key', 'not a valid regular expression'],
    ['invalid regex flags', { rules: [{ key: '/a/q' }] }, '/masking/rules/0/key', 'not a valid regular expression'],
    ['an unclosed regex', { rules: [{ key: '/abc' }] }, '/masking/rules/0/key', 'no closing /'],
    ['an empty regex', { rules: [{ key: '//' }] }, '/masking/rules/0/key', 'mask every key'],
    ['an unknown strategy', { rules: [{ key: 'iban', strategy: 'scramble' }] }, '/masking/rules/0/strategy', 'unknown strategy "scramble"'],
    ['hash without a hashKey', { rules: [{ key: 'iban', strategy: 'hash' }] }, '/masking/rules/0/strategy', 'needs masking.hashKey'],
    ['a hash default strategy without a hashKey', { defaultStrategy: 'hash' }, '/masking/defaultStrategy', 'needs masking.hashKey'],
    ['an unknown default strategy', { defaultStrategy: 'mask' }, '/masking/defaultStrategy', 'unknown strategy'],
    ['a hashKey shorter than 16 characters', { hashKey: 'short' }, '/masking/hashKey', 'at least 16 characters'],
    ['a hashKey that is not a string', { hashKey: 1234567890123456789 }, '/masking/hashKey', 'at least 16 characters'],
    ['defaults that is not a boolean', { defaults: 'yes' }, '/masking/defaults', 'true or false'],
    ['rules that are not an array', { rules: { key: 'x' } }, '/masking/rules', 'must be an array'],
    ['a rule that is not an object', { rules: ['iban'] }, '/masking/rules/0', 'must be a rule'],
    ['an unknown rule field', { rules: [{ key: 'iban', stratgy: 'redact' }] }, '/masking/rules/0/stratgy', 'unknown rule field'],
    ['an unknown option', { rule: [] }, '/masking/rule', 'unknown option'],
    ['tenants that are not an object', { tenants: [] }, '/masking/tenants', 'must be an object'],
    ['a bad tenant rule', { tenants: { acme: [{ key: '' }] } }, '/masking/tenants/acme/0/key', 'must name a key'],
    ['a tenant hash rule without a hashKey', { tenants: { 'a/b': [{ key: 'x', strategy: 'hash' }] } }, '/masking/tenants/a~1b/0/strategy', 'needs masking.hashKey'],
  ])('refuses %s', (_name, config, path, message) => {
    const details = refusal(config);
    expect(details).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('refuses a configuration that is not an object', () => {
    expect(refusal(null)).toEqual([{ path: '/masking', message: 'must be an object' }]);
  });

  it('lists every bad rule at once', () => {
    const details = refusal({
      hashKey: 'short',
      rules: [{ key: 'ok' }, { key: '' }, { key: '/(/' }, { key: 'x', strategy: 'nope' }],
      tenants: { acme: [{ key: 'fine' }, { key: '/a/z' }] },
    });
    expect(details.map((d) => d.path)).toEqual([
      '/masking/hashKey', '/masking/rules/1/key', '/masking/rules/2/key', '/masking/rules/3/strategy', '/masking/tenants/acme/1/key',
    ]);
  });

  it('does not ask for a hashKey when the built-in keys using hash are turned off', () => {
    expect(() => compileMasking({ defaults: false, defaultStrategy: 'hash' })).not.toThrow();
  });
});
