import { describe, expect, it } from 'vitest';
import {
  checkPersonalPaths, decryptPersonalValue, encryptPersonalValue, ERASED, hashEvent, hasSealedFields, isSealedValue,
  openPersonalFields, sealPersonalFields, subjectOf,
} from '../../src/index.ts';

const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(8);
const PATHS = ['actor.name', 'actor.email', 'context.ip'];
const binding = { tenant: 'acme', subject: 'user:5', path: 'actor.name' };

const anEvent = () => ({
  id: 'e1',
  tenant: 'acme',
  type: 'user.login',
  actor: { type: 'user', id: '5', name: 'Ana Canary', email: 'ana@example.com' },
  context: { ip: '192.0.2.7', route: 'login' },
  data: { n: 1 },
});

describe('personal value encryption', () => {
  it('round-trips any JSON value as vpd1:<base64url>', () => {
    for (const value of ['Ana', 42, { a: [1, 'x'] }, true, '']) {
      const sealed = encryptPersonalValue(value, key, binding);
      expect(sealed).toMatch(/^vpd1:[A-Za-z0-9_-]+$/);
      expect(isSealedValue(sealed)).toBe(true);
      expect(decryptPersonalValue(sealed, key, binding)).toEqual(value);
    }
  });

  it('uses a fresh IV each time, and IV ‖ ciphertext ‖ 16-byte tag', () => {
    const a = encryptPersonalValue('Ana', key, binding);
    expect(a).not.toBe(encryptPersonalValue('Ana', key, binding));
    const bytes = Buffer.from(a.slice(5), 'base64url');
    expect(bytes.length).toBe(12 + JSON.stringify('Ana').length + 16);
  });

  it('binds tenant, subject and path: a moved ciphertext does not decrypt', () => {
    const sealed = encryptPersonalValue('Ana', key, binding);
    expect(() => decryptPersonalValue(sealed, key, { ...binding, path: 'actor.email' })).toThrow();
    expect(() => decryptPersonalValue(sealed, key, { ...binding, subject: 'user:6' })).toThrow();
    expect(() => decryptPersonalValue(sealed, key, { ...binding, tenant: 'globex' })).toThrow();
    expect(() => decryptPersonalValue(sealed, otherKey, binding)).toThrow();
    expect(() => decryptPersonalValue('vpd1:AAAA', key, binding)).toThrow();
    expect(() => decryptPersonalValue('vpd1:' + 'A'.repeat(60), key, binding)).toThrow();
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => encryptPersonalValue('x', new Uint8Array(16), binding)).toThrow(/32 bytes/);
  });
});

describe('sealPersonalFields / openPersonalFields', () => {
  it('seals the configured paths only, without changing the input, and opens them again', () => {
    const event = anEvent();
    const before = structuredClone(event);
    const sealed = sealPersonalFields(event, PATHS, key, 'acme');
    expect(event).toEqual(before);
    expect(isSealedValue(sealed.actor.name)).toBe(true);
    expect(isSealedValue(sealed.actor.email)).toBe(true);
    expect(isSealedValue(sealed.context.ip)).toBe(true);
    expect(sealed.actor.id).toBe('5');
    expect(sealed.context.route).toBe('login');
    expect(sealed.data).toBe(event.data);
    expect(JSON.stringify(sealed)).not.toMatch(/Canary|ana@|192\.0\.2\.7/);
    expect(hasSealedFields(sealed, PATHS)).toBe(true);
    expect(hasSealedFields(event, PATHS)).toBe(false);
    expect(openPersonalFields(sealed, PATHS, key)).toEqual(event);
  });

  it('skips absent and null fields', () => {
    const event = { ...anEvent(), actor: { type: 'user', id: '5', name: null } } as unknown as ReturnType<typeof anEvent>;
    const { context: _c, ...noContext } = event;
    const sealed = sealPersonalFields(noContext, PATHS, key, 'acme');
    expect(sealed).toEqual(noContext);
  });

  it('reads [erased] with no key, a wrong key, or a ciphertext moved to another field or subject', () => {
    const sealed = sealPersonalFields(anEvent(), PATHS, key, 'acme');
    const erased = openPersonalFields(sealed, PATHS, null);
    expect(erased.actor).toEqual({ type: 'user', id: '5', name: ERASED, email: ERASED });
    expect(erased.context).toEqual({ ip: ERASED, route: 'login' });
    expect(openPersonalFields(sealed, PATHS, otherKey).actor.name).toBe(ERASED);
    const swapped = { ...sealed, actor: { ...sealed.actor, name: sealed.actor.email } };
    expect(openPersonalFields(swapped, PATHS, key).actor.name).toBe(ERASED);
    const otherSubject = { ...sealed, actor: { ...sealed.actor, id: '6' } };
    expect(openPersonalFields(otherSubject, PATHS, key).actor.name).toBe(ERASED);
  });

  it('stores [erased] directly for a forgotten subject (null key), and always encrypts a client-sent vpd1: string', () => {
    expect(sealPersonalFields(anEvent(), PATHS, null, 'acme').actor.name).toBe(ERASED);
    const planted = { ...anEvent(), actor: { type: 'user', id: '5', name: 'vpd1:AAAA' } };
    const sealed = sealPersonalFields(planted, PATHS, key, 'acme');
    expect(sealed.actor.name).not.toBe('vpd1:AAAA');
    expect(openPersonalFields(sealed, PATHS, key).actor.name).toBe('vpd1:AAAA');
  });

  it('leaves the hash of the stored (sealed) form intact however it is read', () => {
    const sealed = sealPersonalFields(anEvent(), PATHS, key, 'acme');
    const h = hashEvent(sealed as never);
    openPersonalFields(sealed, PATHS, null);
    expect(hashEvent(sealed as never)).toBe(h);
  });

  it('names the subject after the actor', () => {
    expect(subjectOf(anEvent())).toBe('user:5');
  });
});

describe('checkPersonalPaths', () => {
  it('accepts paths under actor, entity, context and data', () => {
    expect(checkPersonalPaths(['actor.name', 'entity.name', 'context.ip', 'data.customer.email'])).toEqual([]);
  });
  it('refuses identifying and indexed fields, top-level fields and odd names', () => {
    for (const bad of ['actor.id', 'actor.type', 'entity.id', 'entity.type.x', 'type', 'stream.x', 'actor.', 'data.__proto__']) {
      expect(checkPersonalPaths([bad]), bad).toHaveLength(1);
    }
  });
});
