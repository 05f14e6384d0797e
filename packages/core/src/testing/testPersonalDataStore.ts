import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PersonalDataStore } from '../store/PersonalDataStore.ts';

/** A fresh, empty PersonalDataStore and how to dispose of it. */
export interface PersonalDataStoreHandle {
  store: PersonalDataStore;
  close(): Promise<void>;
}

export type PersonalDataStoreFactory = () => Promise<PersonalDataStoreHandle>;

const key = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);
const hex = (k: Uint8Array | null | undefined): string | null | undefined =>
  k === null || k === undefined ? k : Buffer.from(k).toString('hex');

/** The contract every PersonalDataStore must meet, as a vitest suite: call it at the top level of a spec file. */
export function testPersonalDataStore(name: string, factory: PersonalDataStoreFactory): void {
  describe(`PersonalDataStore contract: ${name}`, () => {
    let handle: PersonalDataStoreHandle | undefined;
    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle?.close();
      handle = undefined;
    });
    const store = (): PersonalDataStore => handle!.store;

    it('creates a key from the first candidate and returns that one ever after', async () => {
      expect(hex(await store().subjectKey('t1', 'user:1', key(1)))).toBe(hex(key(1)));
      expect(hex(await store().subjectKey('t1', 'user:1', key(2)))).toBe(hex(key(1)));
    });

    it('keeps subjects and tenants apart', async () => {
      await store().subjectKey('t1', 'user:1', key(1));
      expect(hex(await store().subjectKey('t1', 'user:2', key(2)))).toBe(hex(key(2)));
      expect(hex(await store().subjectKey('t2', 'user:1', key(3)))).toBe(hex(key(3)));
    });

    it('creates many keys at once, keeping existing and forgotten ones', async () => {
      await store().subjectKey('t1', 'user:1', key(1));
      await store().forgetSubject('t1', 'user:2', '2026-11-26T00:00:00.000Z');
      const keys = await store().subjectKeysOrCreate('t1', new Map([['user:1', key(9)], ['user:2', key(9)], ['user:3', key(3)]]));
      expect([...keys.keys()].sort()).toEqual(['user:1', 'user:2', 'user:3']);
      expect(hex(keys.get('user:1'))).toBe(hex(key(1)));
      expect(keys.get('user:2')).toBeNull();
      expect(hex(keys.get('user:3'))).toBe(hex(key(3)));
      expect(hex(await store().subjectKey('t1', 'user:3', key(4)))).toBe(hex(key(3)));
      expect((await store().subjectKeysOrCreate('t1', new Map())).size).toBe(0);
    });

    it('creates overlapping sets of new keys concurrently, in any order, and every caller gets the same key', async () => {
      // Ingest nodes offer the new subjects of whatever events they hold at once, in the order they came. Two offers
      // that name the same subjects in different orders must not lock each other out (PostgreSQL once answered such
      // a pair with "deadlock detected" after a second's wait, failing the requests).
      for (let round = 0; round < 5; round++) {
        const subjects = Array.from({ length: 500 }, (_, i) => `user:${round}:${i}`);
        const offers = Array.from({ length: 8 }, (_, n) => {
          const order = n % 2 === 0 ? [...subjects] : [...subjects].reverse();
          const rotated = [...order.slice(n * 50), ...order.slice(0, n * 50)];
          return store().subjectKeysOrCreate('t1', new Map(rotated.map((s) => [s, key(n + 1)])));
        });
        const results = await Promise.all(offers);
        const stored = await store().subjectKeys('t1', subjects);
        for (const subject of subjects) {
          const agreed = hex(stored.get(subject));
          expect(agreed).toMatch(/^([0-9a-f]{2})\1{31}$/);
          for (const result of results) expect(hex(result.get(subject))).toBe(agreed);
        }
      }
    });

    it('reads keys in a batch: unknown subjects are absent, forgotten ones null', async () => {
      await store().subjectKey('t1', 'user:1', key(1));
      await store().subjectKey('t1', 'user:2', key(2));
      await store().subjectKey('t2', 'user:3', key(3));
      await store().forgetSubject('t1', 'user:2', '2026-11-26T00:00:00.000Z');
      const keys = await store().subjectKeys('t1', ['user:1', 'user:2', 'user:3', 'user:4']);
      expect([...keys.keys()].sort()).toEqual(['user:1', 'user:2']);
      expect(hex(keys.get('user:1'))).toBe(hex(key(1)));
      expect(keys.get('user:2')).toBeNull();
      expect((await store().subjectKeys('t1', [])).size).toBe(0);
    });

    it('forgets: the key is gone for good, and never recreated', async () => {
      await store().subjectKey('t1', 'user:1', key(1));
      expect(await store().forgetSubject('t1', 'user:1', '2026-11-26T00:00:00.000Z'))
        .toEqual({ forgotten: true, forgottenAt: '2026-11-26T00:00:00.000Z' });
      expect(await store().subjectKey('t1', 'user:1', key(9))).toBeNull();
      expect(await store().forgetSubject('t1', 'user:1', '2026-11-27T00:00:00.000Z'))
        .toEqual({ forgotten: false, forgottenAt: '2026-11-26T00:00:00.000Z' });
    });

    it('forgetting a subject without a key leaves a tombstone, so it never gets one', async () => {
      expect(await store().forgetSubject('t1', 'user:5', '2026-11-26T00:00:00.000Z'))
        .toEqual({ forgotten: false, forgottenAt: '2026-11-26T00:00:00.000Z' });
      expect(await store().subjectKey('t1', 'user:5', key(5))).toBeNull();
    });

    it("forgetting in one tenant leaves another tenant's subject of the same name alone", async () => {
      await store().subjectKey('t1', 'user:1', key(1));
      await store().subjectKey('t2', 'user:1', key(2));
      await store().forgetSubject('t2', 'user:1', '2026-11-26T00:00:00.000Z');
      expect(hex(await store().subjectKey('t1', 'user:1', key(7)))).toBe(hex(key(1)));
    });
  });
}
