import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, SDK_DEFAULTS, traceIdOf } from '../src/index.ts';

const policy = { ...SDK_DEFAULTS.retry, baseMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it('draws uniformly below a ceiling that doubles per attempt', () => {
    expect(backoffDelay(policy, 1, 0.999)).toBe(99);
    expect(backoffDelay(policy, 3, 0.999)).toBe(399);
    expect(backoffDelay(policy, 3, 0)).toBe(0);
  });

  it('never exceeds maxMs, even after many attempts', () => {
    expect(backoffDelay(policy, 60, 0.999)).toBe(999);
  });

  it('waits at least the Retry-After, capped by maxRetryAfterMs', () => {
    expect(backoffDelay(policy, 1, 0.5, 5000)).toBe(5000);
    expect(backoffDelay({ ...policy, maxRetryAfterMs: 2000 }, 1, 0.5, 60_000)).toBe(2000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe('traceIdOf', () => {
  it('takes the trace id of a valid traceparent only', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf('garbage')).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});
