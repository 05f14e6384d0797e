import { describe, expect, it } from 'vitest';
import { generateApiKey, keyPrefix } from '../../src/auth/generateApiKey.ts';
import { hashApiKey, hashesEqual } from '../../src/auth/hashApiKey.ts';
import { extractApiKey } from '../../src/auth/authenticate.ts';
import { hasScope } from '../../src/auth/scopes.ts';

describe('API key primitives', () => {
  it('generates vk_ keys of 32 base62 characters, all different', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    for (const k of keys) expect(k).toMatch(/^vk_[0-9A-Za-z]{32}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('uses every base62 character with no bias toward the low ones', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of generateApiKey().slice(3)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const values = [...counts.values()];
    // 64,000 draws over 62 symbols: about 1032 each; a modulo bias would skew a few by ~25%.
    expect(Math.min(...values)).toBeGreaterThan(850);
    expect(Math.max(...values)).toBeLessThan(1220);
  });

  it('shows only a short prefix of a key', () => {
    expect(keyPrefix('vk_AbCdEfGhIjKlMnOpQrStUvWxYz012345')).toBe('vk_AbCd');
    expect(keyPrefix('0123456789abcdef')).toBe('0123');
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
