import type { StoredEvent } from '@vellum/core';
import { makeTestApp, type TestApp } from '../../support/testApp.ts';
import type { VellumStore } from '../../../src/store/VellumStore.ts';
import type { PristineLog, World } from './attacks.ts';
import { exportCheckpoint, type ExportedCheckpoint, type TestSigningKey } from './checkpoint.ts';
import { BIG, createTenants, ingestVaried, NEIGHBOUR, TENANTS, VICTIM } from './fixture.ts';
import type { Rng } from './random.ts';
import type { TamperTarget } from './target.ts';

/** How big the logs are: checkpointed first, then grown by legitimate appends the checkpoint does not cover. */
export const SIZES = {
  [VICTIM]: { checkpointed: 300, grown: 40 },
  [NEIGHBOUR]: { checkpointed: 60, grown: 12 },
  // Past one page of the verifier's reads (VERIFY_PAGE), for the page-boundary trials.
  [BIG]: { checkpointed: 1010, grown: 5 },
} as const;

/** A tenant's whole log through the HTTP API (GET /v1/export, oldest first, form=stored: as hashed): what an auditor exports. */
export async function exportLog(t: TestApp, tenant: string): Promise<StoredEvent[]> {
  const res = await t.app.inject({ method: 'GET', url: '/v1/export?format=ndjson&order=asc&form=stored', headers: { ...t.auth(), 'vellum-tenant': tenant } });
  if (res.statusCode !== 200) throw new Error(`export of ${tenant} answered ${res.statusCode}: ${res.body}`);
  return res.body.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as StoredEvent);
}

export interface SeededStore {
  /** Per tenant: the checkpoint exported after the first phase, and every event the API returned at the end. */
  checkpoints: Record<string, ExportedCheckpoint>;
  exported: Record<string, StoredEvent[]>;
}

/**
 * Through the real HTTP app on `store`: both tenants' logs filled with varied events, each exported and
 * checkpointed (signed with the test's key), then grown past the checkpoint. Closes the app (and the store).
 */
export async function seedStore(store: VellumStore, rng: Rng, key: TestSigningKey): Promise<SeededStore> {
  const t = await makeTestApp({ store, config: { logLevel: 'warn' } });
  try {
    await createTenants(t);
    // Interleaved in six rounds, so the tenants' rows mix in the table as they would in service.
    for (let round = 0; round < 6; round++) {
      for (const tenant of TENANTS) {
        const { checkpointed } = SIZES[tenant];
        const from = Math.floor((checkpointed * round) / 6);
        await ingestVaried(t, tenant, Math.floor((checkpointed * (round + 1)) / 6) - from, rng, from);
      }
    }
    const checkpoints: Record<string, ExportedCheckpoint> = {};
    for (const tenant of TENANTS) checkpoints[tenant] = exportCheckpoint(tenant, await exportLog(t, tenant), key);
    for (const tenant of TENANTS) await ingestVaried(t, tenant, SIZES[tenant].grown, rng, 100_000);
    const exported: Record<string, StoredEvent[]> = {};
    for (const tenant of TENANTS) exported[tenant] = await exportLog(t, tenant);
    return { checkpoints, exported };
  } finally {
    await t.app.close();
  }
}

/** The pristine logs as the table holds them (read through the target, outside any trial). */
export async function readWorld(target: TamperTarget, seeded: SeededStore): Promise<World> {
  const log = async (tenant: string): Promise<PristineLog> => ({
    tenant,
    events: await target.read(tenant),
    checkpoint: seeded.checkpoints[tenant] as ExportedCheckpoint,
  });
  return { victim: await log(VICTIM), neighbour: await log(NEIGHBOUR), big: await log(BIG) };
}
