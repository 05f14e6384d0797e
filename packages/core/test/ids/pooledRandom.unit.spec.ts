import { describe, expect, it } from 'vitest';
import { pooledRandom } from '../../src/ids/pooledRandom.ts';

describe('pooledRandom', () => {
  it('hands out the requested number of bytes, each call its own copy', () => {
    const random = pooledRandom(64);
    const a = random(10);
    const b = random(10);
    expect(a).toHaveLength(10);
    expect(b).toHaveLength(10);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    const before = Buffer.from(a);
    for (let i = 0; i < 20; i++) random(10); // refills the pool several times
    expect(Buffer.from(a).equals(before)).toBe(true);
  });

  it('refills when the pool runs out and serves requests larger than the pool', () => {
    const random = pooledRandom(16);
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(Buffer.from(random(10)).toString('hex'));
    expect(seen.size).toBe(100);
    expect(random(100)).toHaveLength(100);
  });
});
