import { describe, it, expect } from 'vitest';
import { makeTestApp } from '../support/testApp.ts';

describe('delivery plugin', () => {
  it('decorates app.delivery and app.deliveryTargets', async () => {
    const { app } = await makeTestApp();
    try {
      expect(typeof app.delivery.wake).toBe('function');
      const parsed = await app.deliveryTargets.parse({ kind: 'nope' }, '/target', null);
      expect(parsed.ok).toBe(false);
    } finally {
      await app.close();
    }
  });
});
