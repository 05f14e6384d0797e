import { sealEvent } from '@vellum/core';
import type { AppendBatch, AppendOutcome, AppendResult } from '@vellum/core';
import type { PgClient } from './PgPool.ts';
import { BEGIN_ALL_TENANTS, type TenantPool } from './TenantPool.ts';
import type { AppendStatements } from './appendSql.ts';
import { run } from './statement.ts';
import { appendLookups, pairKey, planAppend, settleDuplicates, type AppendLookups, type AppendPlan, type AppendState, type PlannedEvent } from './planAppend.ts';
import { columnText, eventColumnArrays, type EventRow } from './eventColumns.ts';
import { toStoreError } from './storeUnavailable.ts';

/** Deadlocks are possible only in the rare race of two nodes creating the same new tenants; the retry is safe. */
const DEADLOCK_ATTEMPTS = 3;
/**
 * Events per INSERT. A group commit of thousands is written in chunks so that sealing (hashing) the next
 * chunk overlaps the database inserting this one; a commit then takes about max(sealing, inserting) rather
 * than their sum.
 */
const CHUNK = 250;

/**
 * One append call = one transaction = one durable commit (the connection runs with synchronous_commit=on).
 * It writes for many tenants at once, so it runs in the system-wide scope ('*', set with BEGIN: no extra round
 * trip). BEGIN; lock the tenants and read their heads (one function call); decide every batch in memory; seal and
 * insert the events chunk by chunk, the last chunk with the request keys and new heads; COMMIT.
 */
export async function appendBatches(pool: TenantPool, sql: AppendStatements, batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
  if (batches.length === 0) return [];
  const lookups = appendLookups(batches);
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect(null);
    let broken: Error | undefined;
    try {
      await client.query({ text: BEGIN_ALL_TENANTS });
      const plan = planAppend(batches, await readState(client, sql, lookups));
      if (plan.events.length > 0 || plan.requestKeys.length > 0) await writePlan(client, sql, plan);
      await client.query({ text: 'COMMIT' });
      return plan.outcomes;
    } catch (e) {
      await client.query({ text: 'ROLLBACK' }).catch((rollbackError: unknown) => { broken = rollbackError as Error; });
      const code = (e as { code?: unknown }).code;
      if (code === '40P01' && attempt < DEADLOCK_ATTEMPTS) continue;
      throw toStoreError(e);
    } finally {
      client.release(broken);
    }
  }
}

async function readState(client: PgClient, sql: AppendStatements, lookups: AppendLookups): Promise<AppendState> {
  const { rows } = await client.query<{ kind: 'p' | 's' | 'e' | 'r'; tenant: string; name: string | null; version: string | null; fingerprint: string | null; payload: string | null }>(
    run(sql.lockHeads, [lookups.tenants, ...columns(lookups.streams), ...columns(lookups.eventKeys), ...columns(lookups.requestKeys)]),
  );
  const state: AppendState = { positions: new Map(), streamVersions: new Map(), eventKeys: new Map(), requestKeys: new Map() };
  for (const r of rows) {
    if (r.kind === 'p') {
      state.positions.set(r.tenant, Number(r.version));
      continue;
    }
    const key = pairKey(r.tenant, r.name ?? '');
    if (r.kind === 's') {
      if (r.version !== null) state.streamVersions.set(key, Number(r.version));
    } else if (r.kind === 'e') {
      const e = JSON.parse(r.payload ?? 'null') as AppendResult;
      state.eventKeys.set(key, { fingerprint: r.fingerprint ?? '', result: { id: e.id, position: e.position, stream: e.stream, streamVersion: e.streamVersion, hash: e.hash } });
    } else {
      state.requestKeys.set(key, { fingerprint: r.fingerprint ?? '', results: JSON.parse(r.payload ?? '[]') as AppendResult[] });
    }
  }
  return state;
}

const columns = (pairs: ReadonlyArray<[string, string]>): [string[], string[]] => [pairs.map((p) => p[0]), pairs.map((p) => p[1])];

/**
 * Seals chunk k+1 while the database inserts chunk k: each INSERT is sent as soon as the previous one is done,
 * and the sealing in between runs while it is on the wire and in the database.
 */
async function writePlan(client: PgClient, sql: AppendStatements, plan: AppendPlan): Promise<void> {
  let inFlight: Promise<unknown> | undefined;
  for (let from = 0; from < plan.events.length || inFlight === undefined; from += CHUNK) {
    const rows = plan.events.slice(from, from + CHUNK).map(seal);
    const last = from + CHUNK >= plan.events.length;
    if (inFlight !== undefined) await inFlight;
    if (last) {
      settleDuplicates(plan);
      inFlight = client.query(run(sql.write, [...eventColumnArrays(rows), ...finishValues(plan)]));
    } else {
      inFlight = client.query(run(sql.insertEvents, eventColumnArrays(rows)));
    }
    // Awaited on the next turn or below; until then a failure must not count as an unhandled rejection.
    inFlight.catch(() => {});
  }
  await inFlight;
}

function seal(p: PlannedEvent): EventRow {
  const event = sealEvent(p.unsealed, p.position, p.streamVersion);
  p.result.hash = event.hash;
  return { event, fingerprint: p.fingerprint };
}

function finishValues(plan: AppendPlan): unknown[] {
  const rk = plan.requestKeys;
  return [
    rk.map((r) => columnText(r.tenant)), rk.map((r) => columnText(r.key)), rk.map((r) => r.fingerprint), rk.map((r) => JSON.stringify(r.results)),
    [...plan.heads.keys()], [...plan.heads.values()],
  ];
}
