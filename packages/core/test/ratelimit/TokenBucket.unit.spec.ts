import { describe, expect, it } from 'vitest';
import { TokenBucket, type BucketLimit } from '../../src/ratelimit/TokenBucket.ts';
import { seededRandom } from '../../src/testing/queryFixture.ts';

/** A client that asks every `stepMs` from 0 to `durationMs` inclusive and counts what it was let through. */
function greedyAdmitted(limit: BucketLimit, durationMs: number, stepMs = 1): number {
  const bucket = new TokenBucket(limit, 0);
  let admitted = 0;
  for (let t = 0; t <= durationMs; t += stepMs) {
    // Several tries per instant: a greedy client drains whatever is there.
    while (bucket.take(t).allowed) admitted++;
  }
  return admitted;
}

describe('TokenBucket', () => {
  it('starts full: the whole burst at once, then a refusal', () => {
    const bucket = new TokenBucket({ perSecond: 200, burst: 50 }, 1_000);
    for (let i = 49; i >= 0; i--) {
      expect(bucket.take(1_000)).toEqual({ allowed: true, remaining: i, retryAfterMs: 0, resetMs: (50 - i) * 5 });
    }
    expect(bucket.take(1_000)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 5, resetMs: 250 });
  });

  it('says exactly when the next take succeeds, and a refused take costs nothing', () => {
    const bucket = new TokenBucket({ perSecond: 3, burst: 1 }, 0);
    expect(bucket.take(0).allowed).toBe(true);
    // One token every 333⅓ ms: it is whole after 334 ms, not before.
    for (let t = 0; t < 334; t += 7) {
      const r = bucket.take(t);
      expect(r.allowed).toBe(false);
      expect(r.retryAfterMs).toBe(334 - t);
    }
    expect(bucket.take(333).allowed).toBe(false);
    expect(bucket.take(334)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('counts the time until the bucket is full again', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 20 }, 0);
    for (let i = 0; i < 15; i++) bucket.take(0);
    expect(bucket.peek(0)).toEqual({ allowed: true, remaining: 4, retryAfterMs: 0, resetMs: 1_600 });
    expect(bucket.peek(1_000)).toMatchObject({ remaining: 14, resetMs: 600 });
    expect(bucket.peek(1_500)).toMatchObject({ remaining: 20 - 1, resetMs: 100 });
  });

  it('saves up no more than the burst, however long it idles', () => {
    const bucket = new TokenBucket({ perSecond: 1_000, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) bucket.take(0);
    expect(bucket.peek(86_400_000)).toMatchObject({ remaining: 4, resetMs: 1 });
    expect(bucket.isFull(86_400_000)).toBe(true);
    let admitted = 0;
    while (bucket.take(86_400_000).allowed) admitted++;
    expect(admitted).toBe(5);
  });

  it('admits exactly burst + rate × time to a greedy client under a simulated clock', () => {
    const cases: Array<[BucketLimit, number]> = [
      [{ perSecond: 200, burst: 50 }, 10_000],
      [{ perSecond: 1_000, burst: 2_000 }, 10_000],
      [{ perSecond: 7, burst: 3 }, 60_000],
      [{ perSecond: 1, burst: 1 }, 10_000],
      [{ perSecond: 5_000, burst: 10_000 }, 2_000],
    ];
    for (const [limit, durationMs] of cases) {
      expect(greedyAdmitted(limit, durationMs), JSON.stringify(limit)).toBe(limit.burst + Math.floor((limit.perSecond * durationMs) / 1_000));
    }
  });

  it('does not depend on how often the client asks, as long as the bucket never sits full (≤ burst / rate apart)', () => {
    // burst / rate = 250 ms: a client asking at least that often loses nothing that was earned.
    for (const step of [1, 3, 10, 97, 250]) {
      // Compare at the last instant asked (10 s is not a multiple of every step).
      const last = Math.floor(10_000 / step) * step;
      expect(greedyAdmitted({ perSecond: 200, burst: 50 }, 10_000, step), `step ${step}`).toBe(50 + Math.floor((200 * last) / 1_000));
    }
  });

  it('property: over random arrivals no window admits more than burst + rate × its length, and retryAfterMs is exact', () => {
    const random = seededRandom(20_240_601);
    for (let run = 0; run < 150; run++) {
      const limit = { perSecond: 1 + Math.floor(random() * 500), burst: 1 + Math.floor(random() * 40) };
      const fail = (what: string) => { throw new Error(`run ${run} with ${JSON.stringify(limit)}: ${what}`); };
      const bucket = new TokenBucket(limit, 0);
      const admittedAt: number[] = [];
      let t = 0;
      for (let i = 0; i < 400; i++) {
        t += Math.floor(random() * random() * 50);
        const peeked = bucket.peek(t);
        const taken = bucket.take(t);
        if (JSON.stringify(taken) !== JSON.stringify(peeked)) fail(`peek ${JSON.stringify(peeked)} but take ${JSON.stringify(taken)} at ${t}`);
        if (taken.remaining < 0 || taken.remaining >= limit.burst) fail(`remaining ${taken.remaining}`);
        if (taken.allowed) {
          admittedAt.push(t);
        } else if (random() < 0.5) {
          // Not a millisecond early, and right on time (the clock only moves forward: the next arrival is later).
          if (taken.retryAfterMs <= 0) fail(`refused with retryAfterMs ${taken.retryAfterMs}`);
          if (bucket.peek(t + taken.retryAfterMs - 1).allowed) fail(`admitted 1 ms before retryAfterMs at ${t}`);
          if (!bucket.peek(t + taken.retryAfterMs).allowed) fail(`still refused after retryAfterMs at ${t}`);
          t += taken.retryAfterMs;
        }
      }
      // The window from the i-th to the j-th admission holds j - i + 1 of them.
      for (let i = 0; i < admittedAt.length; i++) {
        for (let j = i; j < admittedAt.length; j++) {
          const allowance = limit.burst + Math.floor((limit.perSecond * (admittedAt[j]! - admittedAt[i]!)) / 1_000);
          if (j - i + 1 > allowance) fail(`${j - i + 1} admitted in ${admittedAt[j]! - admittedAt[i]!} ms`);
        }
      }
      expect(admittedAt.length).toBeGreaterThan(0);
    }
  });

  it('property: a refused take leaves the bucket exactly as it was', () => {
    const random = seededRandom(7);
    for (let run = 0; run < 100; run++) {
      const limit = { perSecond: 1 + Math.floor(random() * 100), burst: 1 + Math.floor(random() * 10) };
      const a = new TokenBucket(limit, 0);
      const b = new TokenBucket(limit, 0);
      let t = 0;
      for (let i = 0; i < 200; i++) {
        t += Math.floor(random() * 30);
        const r = a.take(t);
        // b is told only of the takes that succeeded (and of the time): it must answer the same.
        if (r.allowed) expect(b.take(t)).toEqual(r);
        else expect(b.peek(t)).toEqual(r);
      }
    }
  });

  it('earns nothing when the clock steps back, and does not wait for it to catch up', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 1 }, 1_000_000);
    expect(bucket.take(1_000_000).allowed).toBe(true);
    expect(bucket.take(400_000).allowed).toBe(false);
    expect(bucket.take(400_099).allowed).toBe(false);
    expect(bucket.take(400_100).allowed).toBe(true);
  });

  it('works with fractional milliseconds (performance.now)', () => {
    const bucket = new TokenBucket({ perSecond: 200, burst: 50 }, 0.25);
    let admitted = 0;
    for (let t = 0.25; t <= 10_000.25; t += 0.37) while (bucket.take(t).allowed) admitted++;
    expect(Math.abs(admitted - 2_050)).toBeLessThanOrEqual(1);
  });

  it('keeps what was earned, up to the new burst, when its limit changes', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 100 }, 0);
    for (let i = 0; i < 40; i++) bucket.take(0);
    bucket.setLimit({ perSecond: 10, burst: 30 }, 0);
    // peek answers as a take would: the remaining count is after this one.
    expect(bucket.peek(0).remaining).toBe(29);
    bucket.setLimit({ perSecond: 1_000, burst: 300 }, 0);
    expect(bucket.peek(0).remaining).toBe(29);
    expect(bucket.peek(100).remaining).toBe(129);
    expect(bucket.limit).toEqual({ perSecond: 1_000, burst: 300 });
  });

  it('takes several tokens at once, and never a cost larger than the burst', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 10 }, 0);
    expect(bucket.take(0, 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(bucket.take(0, 7)).toMatchObject({ allowed: false, remaining: 3, retryAfterMs: 40 });
    expect(bucket.take(0, 11)).toMatchObject({ allowed: false, retryAfterMs: Number.POSITIVE_INFINITY });
  });

  it('refuses a limit it cannot honour', () => {
    for (const limit of [{ perSecond: 0, burst: 1 }, { perSecond: -1, burst: 1 }, { perSecond: Number.NaN, burst: 1 }, { perSecond: 1, burst: 0.5 }, { perSecond: 1, burst: Number.POSITIVE_INFINITY }]) {
      expect(() => new TokenBucket(limit, 0), JSON.stringify(limit)).toThrow(RangeError);
    }
  });
});
