import { describe } from 'vitest';
import { describeAppendContract } from './contract/describeAppendContract.ts';
import { describeConcurrencyContract } from './contract/describeConcurrencyContract.ts';
import { describeCursorStabilityContract } from './contract/describeCursorStabilityContract.ts';
import { describeIdempotencyContract } from './contract/describeIdempotencyContract.ts';
import { describeSearchContract } from './contract/describeSearchContract.ts';
import { describeStatsContract } from './contract/describeStatsContract.ts';
import { describeStreamContract } from './contract/describeStreamContract.ts';
import type { StoreFactory } from './storeHarness.ts';

export type { StoreFactory } from './storeHarness.ts';

/**
 * The contract every EventStore must meet, as a vitest suite: call it at the top level of a spec file.
 *
 * ```ts
 * testEventStore('SqliteEventStore', {
 *   create: async () => openStore(tempFile()),
 *   destroy: async (store) => { await store.close(); removeTempFile(); },
 * });
 * ```
 *
 * `create` must return a new, empty store each time it is called. It is called before every test, except
 * in the read-only `search` and `stats` groups, which each create one store, load a fixture of a few
 * hundred events into it once (beforeAll) and only read from it. `destroy` (default: `store.close()`) is
 * called after each test, or after the group for the shared stores.
 *
 * The suite prepares its events with `prepareEvent` and deterministic ids and times (no clock), and checks
 * results against the reference semantics: `sealEvent` for what is stored, `matchesFilter` for search and
 * stats, and position order. Across tenants (`ALL_TENANTS`) the expected order is commit order.
 * Stats rows are sorted by bucket, then count descending, then key ascending with a null key first.
 */
export function testEventStore(name: string, factory: StoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    describeAppendContract(factory);
    describeConcurrencyContract(factory);
    describeIdempotencyContract(factory);
    describeStreamContract(factory);
    describeSearchContract(factory);
    describeCursorStabilityContract(factory);
    describeStatsContract(factory);
  });
}
