import { describe, expect, it } from 'vitest';
import { isVellumError } from '@vellum/core';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { DEFAULT_CONFIG } from '../../src/config/defaults.ts';

describe('rate limit configuration', () => {
  it('defaults to 1,000/s burst 2,000 per key and 5,000/s burst 10,000 per tenant', () => {
    expect(DEFAULT_CONFIG.rateLimits).toEqual({ perKeyPerSecond: 1_000, perKeyBurst: 2_000, perTenantPerSecond: 5_000, perTenantBurst: 10_000 });
  });

  it('reads the environment and the file', () => {
    const { config } = loadConfig({
      env: { VELLUM_RATE_LIMIT_PER_SECOND: '200', VELLUM_RATE_LIMIT_BURST: '50', VELLUM_TENANT_RATE_LIMIT_PER_SECOND: '0', VELLUM_TENANT_RATE_LIMIT_BURST: '0', VELLUM_CONFIG: 'v.json' },
      readFile: () => JSON.stringify({ rateLimits: { perKeyPerSecond: 7, perTenantBurst: 3 } }),
    });
    expect(config.rateLimits).toEqual({ perKeyPerSecond: 200, perKeyBurst: 50, perTenantPerSecond: 0, perTenantBurst: 0 });
    const fromFile = loadConfig({ env: { VELLUM_CONFIG: 'v.json' }, readFile: () => JSON.stringify({ rateLimits: { perKeyPerSecond: 7, perTenantBurst: 30 } }) });
    expect(fromFile.config.rateLimits).toEqual({ ...DEFAULT_CONFIG.rateLimits, perKeyPerSecond: 7, perTenantBurst: 30 });
  });

  it('refuses a burst below 1 for a rate above 0, and anything but whole numbers', () => {
    let caught: unknown;
    try {
      loadConfig({ env: { VELLUM_RATE_LIMIT_BURST: '0', VELLUM_TENANT_RATE_LIMIT_PER_SECOND: '1.5' } });
    } catch (err) {
      caught = err;
    }
    if (!isVellumError(caught)) throw new Error('expected INVALID_CONFIG');
    expect(caught.details.map((d) => d.path).sort()).toEqual(['/rateLimits/perKeyBurst', '/rateLimits/perTenantPerSecond']);
    expect(caught.details.find((d) => d.path === '/rateLimits/perKeyBurst')?.message).toContain('a rate of 0 means no limit');
  });
});
