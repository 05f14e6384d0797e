import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { DEFAULT_CONFIG } from '../../src/config/defaults.ts';

describe('integrity configuration', () => {
  it('defaults to on, an origin chosen at first start, a checkpoint every 1,000 events or 10 seconds', () => {
    expect(DEFAULT_CONFIG.integrity).toEqual({ enabled: true, origin: null, checkpointEvery: 1_000, checkpointIntervalSeconds: 10 });
  });

  it('reads the environment', () => {
    const { config } = loadConfig({
      env: { VELLUM_INTEGRITY_ENABLED: 'false', VELLUM_INTEGRITY_ORIGIN: 'audit.example.com', VELLUM_CHECKPOINT_EVERY: '250', VELLUM_CHECKPOINT_INTERVAL_SECONDS: '60' },
    });
    expect(config.integrity).toEqual({ enabled: false, origin: 'audit.example.com', checkpointEvery: 250, checkpointIntervalSeconds: 60 });
  });

  it('refuses an origin a signed note cannot carry and sizes out of range, listing each', () => {
    expect(() => loadConfig({ env: { VELLUM_INTEGRITY_ORIGIN: 'two words', VELLUM_CHECKPOINT_EVERY: '0', VELLUM_CHECKPOINT_INTERVAL_SECONDS: 'soon' } })).toThrow(
      expect.objectContaining({
        details: [
          { path: '/integrity/origin', message: expect.stringMatching(/^must be a log name .* no spaces or \+ \(from VELLUM_INTEGRITY_ORIGIN/) },
          { path: '/integrity/checkpointEvery', message: 'must be a whole number from 1 to 10000000 (from VELLUM_CHECKPOINT_EVERY, got "0")' },
          { path: '/integrity/checkpointIntervalSeconds', message: 'must be a whole number from 1 to 86400 (from VELLUM_CHECKPOINT_INTERVAL_SECONDS, got "soon")' },
        ],
      }),
    );
    expect(() => loadConfig({ env: { VELLUM_INTEGRITY_ORIGIN: 'vellum+1' } })).toThrow(/integrity\/origin/);
  });
});
