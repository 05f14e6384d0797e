import { describe, expect, it } from 'vitest';
import { createPreparedFactory } from '../makePrepared.ts';
import { appendCommitted, useFreshStore } from '../storeHarness.ts';
import type { StoreFactory } from '../storeHarness.ts';

export function describeStreamContract(factory: StoreFactory): void {
  describe('readStream', () => {
    const store = useFreshStore(factory);
    const prepare = createPreparedFactory();
    const STREAM = 'Invoice:1';
    const invoice = (tenant = 'acme') => prepare({ tenant, entity: { type: 'Invoice', id: '1' } });

    /** Five versions of Invoice:1 interleaved with another stream, so versions and positions differ. */
    async function fiveVersions(): Promise<string[]> {
      const events = [invoice(), prepare(), invoice(), invoice(), prepare(), invoice(), invoice()];
      await appendCommitted(store(), 'acme', events);
      return events.filter((p) => p.event.stream === STREAM).map((p) => p.event.id);
    }
    const versionsOf = (page: { events: Array<{ streamVersion: number }> }) => page.events.map((e) => e.streamVersion);

    it('reads a stream forward from version 1 with the current version', async () => {
      const ids = await fiveVersions();
      const page = await store().readStream('acme', STREAM, { direction: 'forward', limit: 100 });
      expect(page.stream).toBe(STREAM);
      expect(page.version).toBe(5);
      expect(page.events.map((e) => e.id)).toEqual(ids);
      expect(versionsOf(page)).toEqual([1, 2, 3, 4, 5]);
      expect(page.events.every((e) => e.stream === STREAM && e.tenant === 'acme')).toBe(true);
    });

    it('reads forward from a given version up to the limit', async () => {
      await fiveVersions();
      expect(versionsOf(await store().readStream('acme', STREAM, { direction: 'forward', fromVersion: 2, limit: 2 }))).toEqual([2, 3]);
      expect(versionsOf(await store().readStream('acme', STREAM, { direction: 'forward', fromVersion: 4, limit: 10 }))).toEqual([4, 5]);
    });

    it('reads backward from the newest version by default', async () => {
      await fiveVersions();
      const page = await store().readStream('acme', STREAM, { direction: 'backward', limit: 3 });
      expect(versionsOf(page)).toEqual([5, 4, 3]);
      expect(page.version).toBe(5);
    });

    it('reads backward from a given version', async () => {
      await fiveVersions();
      expect(versionsOf(await store().readStream('acme', STREAM, { direction: 'backward', fromVersion: 3, limit: 10 }))).toEqual([3, 2, 1]);
      expect(versionsOf(await store().readStream('acme', STREAM, { direction: 'backward', fromVersion: 2, limit: 1 }))).toEqual([2]);
    });

    it('reports the current version even when the page holds fewer events', async () => {
      await fiveVersions();
      const page = await store().readStream('acme', STREAM, { direction: 'forward', fromVersion: 1, limit: 1 });
      expect(page.version).toBe(5);
      expect(versionsOf(page)).toEqual([1]);
    });

    it('returns no events but the current version when reading forward past the end', async () => {
      await fiveVersions();
      const page = await store().readStream('acme', STREAM, { direction: 'forward', fromVersion: 6, limit: 10 });
      expect(page).toEqual({ stream: STREAM, version: 5, events: [] });
    });

    it('reports version 0 and no events for a stream without events', async () => {
      await fiveVersions();
      expect(await store().readStream('acme', 'Invoice:404', { direction: 'forward', limit: 10 })).toEqual({ stream: 'Invoice:404', version: 0, events: [] });
      expect(await store().readStream('acme', 'Invoice:404', { direction: 'backward', limit: 10 })).toEqual({ stream: 'Invoice:404', version: 0, events: [] });
    });

    it("keeps streams per tenant: another tenant's stream of the same name is separate", async () => {
      await fiveVersions();
      await appendCommitted(store(), 'globex', [invoice('globex')]);
      const globex = await store().readStream('globex', STREAM, { direction: 'forward', limit: 10 });
      expect(globex.version).toBe(1);
      expect(globex.events.map((e) => e.tenant)).toEqual(['globex']);
      expect((await store().readStream('acme', STREAM, { direction: 'forward', limit: 10 })).version).toBe(5);
      expect((await store().readStream('initech', STREAM, { direction: 'forward', limit: 10 })).version).toBe(0);
    });
  });
}
