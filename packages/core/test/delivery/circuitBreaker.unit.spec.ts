import { describe, it, expect } from 'vitest';
import { CircuitBreaker } from '../../src/delivery/circuitBreaker.ts';

function breaker(failureThreshold = 3, cooldownMs = 60_000) {
  const clock = { now: 1_000_000 };
  return { clock, b: new CircuitBreaker({ failureThreshold, cooldownMs, clock: () => clock.now }) };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold; a success resets the count', () => {
    const { b } = breaker();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    expect(b.consecutiveFailures).toBe(2);
  });

  it('opens at the threshold and refuses until the cool-down ends', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i += 1) b.failure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.reopensAt).toBe(clock.now + 60_000);
    clock.now += 59_999;
    expect(b.tryAcquire()).toBe(false);
  });

  it('half-open lets exactly one trial through; its success closes it', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i += 1) b.failure();
    clock.now += 60_000;
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    expect(b.reopensAt).toBeNull();
  });

  it('a failed trial opens it again for a whole cool-down', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i += 1) b.failure();
    clock.now += 60_000;
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    clock.now += 59_999;
    expect(b.state).toBe('open');
    clock.now += 1;
    expect(b.tryAcquire()).toBe(true);
  });

  it('a threshold below 1 is taken as 1', () => {
    const { b } = breaker(0);
    b.failure();
    expect(b.state).toBe('open');
  });
});
