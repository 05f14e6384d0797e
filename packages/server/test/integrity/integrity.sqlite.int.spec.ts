import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/createStore.ts';
import { makeTestApp, tempSqliteStore } from '../support/testApp.ts';
import { describeIntegrity } from './describeIntegrity.ts';
import { expectConsistency, expectInclusion, ingest, integrityConfig, latestCheckpoint } from './integritySupport.ts';

describeIntegrity('SQLite', async () => {
  const temp = await tempSqliteStore();
  // The app closes the store; only the directory is left.
  return { store: temp.store, cleanup: async () => temp.cleanup() };
});

describe('integrity on SQLite across a restart', () => {
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((c) => c()));

  it('keeps the signing key and the tree: old checkpoints still verify and new ones extend them', async () => {
    const temp = await tempSqliteStore();
    cleanups.push(temp.cleanup);
    const one = await makeTestApp({ store: temp.store, config: { logLevel: 'warn', integrity: integrityConfig({ origin: null }) } });
    const before = await ingest(one.app, 'default', 120, 40);
    await one.app.integrity.settle();
    const first = await latestCheckpoint(one.app, 'default');
    await one.app.close();

    const two = await makeTestApp({ store: await createStore(`sqlite:${temp.file}`), config: { logLevel: 'warn', integrity: integrityConfig({ origin: null }) } });
    try {
      const after = await ingest(two.app, 'default', 80, 40);
      await two.app.integrity.settle();
      const second = await latestCheckpoint(two.app, 'default');
      expect(second.publicKey).toBe(first.publicKey);
      // The origin chosen by the first start (from the host name) is kept too, so the verifier key is the same string.
      expect(second.verifierKey).toBe(first.verifierKey);
      expect(second.verifierKey.startsWith('vellum')).toBe(true);
      expect(second.treeSize).toBe(200);
      await expectConsistency(two.app, 'default', first, second);
      for (const e of [before[0]!, before[119]!]) await expectInclusion(two.app, 'default', e, first);
      for (const e of [before[0]!, after[79]!]) await expectInclusion(two.app, 'default', e, second);
    } finally {
      await two.app.close();
    }
  });

  it('stops integrating before the store closes, whatever it is in the middle of', async () => {
    const temp = await tempSqliteStore();
    cleanups.push(temp.cleanup);
    const t = await makeTestApp({ store: temp.store, config: { logLevel: 'info', integrity: integrityConfig() } });
    await ingest(t.app, 'default', 3_000, 1_000);
    // Closing while the integrator is (likely) between chunks or in one: it must finish or stop, never hit a closed store.
    await t.app.close();
    const errors = t.logs.filter((line) => JSON.parse(line).level >= 50);
    expect(errors).toEqual([]);
    // Whatever was left is picked up by the next start.
    const again = await makeTestApp({ store: await createStore(`sqlite:${temp.file}`), config: { logLevel: 'warn', integrity: integrityConfig() } });
    try {
      await again.app.integrity.settle();
      expect((await latestCheckpoint(again.app, 'default')).treeSize).toBe(3_000);
    } finally {
      await again.app.close();
    }
  });
});
