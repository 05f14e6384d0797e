import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { API_KEY_PATTERN, generateApiKey, isWellFormedApiKey, keyPrefix } from '../../src/auth/generateApiKey.ts';
import { hashApiKey, hashesEqual } from '../../src/auth/hashApiKey.ts';
import { extractApiKey } from '../../src/auth/authenticate.ts';
import { hasScope } from '../../src/auth/scopes.ts';

describe('API key primitives', () => {
  it('generates vk_ keys of 36 base62 characters ending in a valid checksum, all different', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    for (const k of keys) {
      expect(k).toMatch(API_KEY_PATTERN);
      expect(isWellFormedApiKey(k)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('matches the regular expression the README gives secret scanners', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(API_KEY_PATTERN.source);
  });

  it('refuses a key whose checksum does not match: every single-character typo and every truncation', () => {
    const key = generateApiKey();
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let typos = 0;
    for (let i = 3; i < key.length; i++) {
      for (const c of alphabet) {
        if (c === key[i]) continue;
        const typo = key.slice(0, i) + c + key.slice(i + 1);
        // CRC32 catches every single-symbol change; the base62 encoding of it keeps that property.
        expect(isWellFormedApiKey(typo), typo).toBe(false);
        typos++;
      }
    }
    expect(typos).toBe(36 * 61);
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key}0`)).toBe(false);
    expect(isWellFormedApiKey(key.replace('vk_', 'vx_'))).toBe(false);
    expect(isWellFormedApiKey(` ${key}`)).toBe(false);
  });

  it('draws the random part uniformly: every base62 character, no bias toward the low ones', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of generateApiKey().slice(3, 33)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const values = [...counts.values()];
    // 60,000 draws over 62 symbols: about 968 each; a modulo bias would skew a few by ~25%.
    expect(Math.min(...values)).toBeGreaterThan(790);
    expect(Math.max(...values)).toBeLessThan(1150);
  });

  it('shows only the format prefix and four characters of a key', () => {
    expect(keyPrefix('vk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789')).toBe('vk_AbCd');
  });

  it('hashes keys with SHA-256 and compares hashes', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashesEqual(hashApiKey('a'), hashApiKey('a'))).toBe(true);
    expect(hashesEqual(hashApiKey('a'), hashApiKey('b'))).toBe(false);
    expect(hashesEqual(hashApiKey('a'), 'abcd')).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
  });

  it('reads the key from Authorization: Bearer or X-API-Key, and refuses other schemes', () => {
    expect(extractApiKey({ authorization: 'Bearer k1' })).toBe('k1');
    expect(extractApiKey({ authorization: 'bearer   k1 ' })).toBe('k1');
    expect(extractApiKey({ 'x-api-key': ' k2 ' })).toBe('k2');
    expect(extractApiKey({})).toBeNull();
    expect(() => extractApiKey({ authorization: 'Basic abc' })).toThrow(/Bearer/);
    expect(extractApiKey({ authorization: 'Basic abc', 'x-api-key': 'k3' })).toBe('k3');
  });

  it('grants every scope to admin and only the listed ones otherwise', () => {
    expect(hasScope(['admin'], 'keys:manage')).toBe(true);
    expect(hasScope(['events:read'], 'events:read')).toBe(true);
    expect(hasScope(['events:read'], 'events:write')).toBe(false);
  });
});
