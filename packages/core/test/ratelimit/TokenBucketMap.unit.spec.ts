import { describe, expect, it } from 'vitest';
import { TokenBucketMap } from '../../src/ratelimit/TokenBucketMap.ts';

const LIMIT = { perSecond: 10, burst: 5 };

function drain(map: TokenBucketMap, name: string, now: number): void {
  const bucket = map.bucket(name, LIMIT, now);
  while (bucket.take(now).allowed);
}

describe('TokenBucketMap', () => {
  it('keeps one bucket per name, independent of the others', () => {
    const map = new TokenBucketMap({ maxBuckets: 10 });
    drain(map, 'a', 0);
    expect(map.bucket('a', LIMIT, 0)).toBe(map.bucket('a', LIMIT, 0));
    expect(map.bucket('a', LIMIT, 0).take(0).allowed).toBe(false);
    expect(map.bucket('b', LIMIT, 0).take(0)).toMatchObject({ allowed: true, remaining: 4 });
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe(map.bucket('a', LIMIT, 0));
    expect(map.get('c')).toBeUndefined();
    expect(map.size).toBe(2);
  });

  it('applies a changed limit to the existing bucket', () => {
    const map = new TokenBucketMap({ maxBuckets: 10 });
    drain(map, 'a', 0);
    const bucket = map.bucket('a', { perSecond: 1_000, burst: 50 }, 0);
    expect(bucket.limit).toEqual({ perSecond: 1_000, burst: 50 });
    // Drained at 0 under the old limit; 10 ms at 1,000/s earns 10.
    expect(bucket.peek(10).remaining).toBe(9);
  });

  it('stays bounded however many names come', () => {
    const map = new TokenBucketMap({ maxBuckets: 1_000 });
    for (let i = 0; i < 100_000; i++) {
      map.bucket(`key-${i}`, LIMIT, i).take(i);
      if (map.size > 1_000) throw new Error(`${map.size} buckets after ${i + 1} names`);
    }
    expect(map.size).toBeGreaterThan(800);
  });

  it('drops full buckets first, keeping the ones still counting', () => {
    const map = new TokenBucketMap({ maxBuckets: 10 });
    // Five drained at t = 1000, so still far from full at 1100; five merely touched long ago (full again).
    for (let i = 0; i < 5; i++) map.bucket(`idle-${i}`, LIMIT, 0).take(0);
    for (let i = 0; i < 5; i++) drain(map, `busy-${i}`, 1_000);
    map.bucket('new', LIMIT, 1_100);
    for (let i = 0; i < 5; i++) {
      // Still drained (0.1 s at 10/s = one token): the map did not forget what they used.
      expect(map.bucket(`busy-${i}`, LIMIT, 1_100).take(1_100)).toMatchObject({ allowed: true, remaining: 0 });
    }
    expect(map.size).toBe(6);
  });

  it('drops the least recently used when no bucket is full', () => {
    const map = new TokenBucketMap({ maxBuckets: 10 });
    for (let i = 0; i < 10; i++) drain(map, `k${i}`, 0);
    // k0 is used again, so k1 is now the least recently used.
    drain(map, 'k0', 0);
    map.bucket('new', LIMIT, 0);
    // A tenth (one) made room for the new one.
    expect(map.size).toBe(10);
    expect(map.bucket('k0', LIMIT, 0).take(0).allowed).toBe(false);
    expect(map.bucket('k1', LIMIT, 0).take(0).allowed).toBe(true);
  });

  it('sweeps full buckets on request', () => {
    const map = new TokenBucketMap({ maxBuckets: 10 });
    drain(map, 'a', 0);
    map.bucket('b', LIMIT, 0);
    expect(map.sweep(0)).toBe(1);
    expect(map.size).toBe(1);
    expect(map.sweep(500)).toBe(1);
    expect(map.size).toBe(0);
  });

  it('refuses a bound it cannot keep', () => {
    for (const maxBuckets of [0, -1, 1.5, Number.NaN]) expect(() => new TokenBucketMap({ maxBuckets })).toThrow(RangeError);
  });
});
