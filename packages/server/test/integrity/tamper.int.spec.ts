/**
 * The tamper test (DESIGN.md, "Guarantees" → Integrity): an attacker with the database file or a superuser
 * connection bypasses the append-only triggers (and row-level security) and edits, deletes, inserts, reorders,
 * moves and truncates events — recomputing hashes where that helps them. Every change to what a previously
 * exported, signed checkpoint covers must make verification fail; growth after the checkpoint must not.
 *
 * Each store gets a few hundred varied events per tenant through the real HTTP app, a checkpoint exported and
 * signed with the test's own Ed25519 key, more legitimate appends, then VELLUM_TAMPER_TRIALS (default 1,000)
 * seeded trials (VELLUM_TAMPER_SEED), each in a transaction read back through its own connection — page by page, the
 * way `vellum verify --store` reads — and rolled back. A third tenant's log, longer than one such page, gets
 * VELLUM_TAMPER_BOUNDARY_TRIALS (default 24) forged rows sharing the position where a page ends. On SQLite the real
 * `vellum verify` also runs on tampered copies of the file (one of them edited byte by byte, no SQL at all).
 *
 *   npx vitest run packages/server/test/integrity/tamper.int.spec.ts
 *   VELLUM_TAMPER_SEED=7 VELLUM_TAMPER_TRIALS=10000 npx vitest run packages/server/test/integrity/tamper.int.spec.ts
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { tempSqliteStore } from '../support/testApp.ts';
import { dropStoreSchema, openPostgresStore } from '../../src/store/postgres/index.ts';
import { tableNames } from '../../src/store/postgres/sqlNames.ts';
import { sql } from '../store/postgresTestSupport.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { planBoundary, type World } from './tamper/attacks.ts';
import { checkpointFileFor, CLI_CASES, copyDatabase, namesPosition, verifyCli } from './tamper/cliCases.ts';
import { testSigningKey } from './tamper/checkpoint.ts';
import { VICTIM } from './tamper/fixture.ts';
import { envCount, envSeed, Rng } from './tamper/random.ts';
import { mainPlan, runTrials, summarize, type StoreRun } from './tamper/runTrials.ts';
import { readWorld, seedStore, SIZES, type SeededStore } from './tamper/setup.ts';
import { postgresTarget } from './tamper/postgresTarget.ts';
import { sqliteTarget } from './tamper/sqliteTarget.ts';
import { VERIFY_PAGE, type TamperTarget } from './tamper/target.ts';
import { describeOutcome, verifyEvents } from './tamper/verify.ts';

const SEED = envSeed('VELLUM_TAMPER_SEED', 20261126);
const TRIALS = envCount('VELLUM_TAMPER_TRIALS', 1000);
const BOUNDARY_TRIALS = envCount('VELLUM_TAMPER_BOUNDARY_TRIALS', 24);
const KEY = testSigningKey();
// Generous: 1,000 trials take seconds, but the count can be raised and two cores are shared.
const TRIALS_TIMEOUT = 120_000 + TRIALS * 200;

const pgUrl = await service('postgres');

/** The checks every store gets, once `open` has seeded it and opened a tamper target on it. */
function describeTamperSuite(open: () => Promise<{ target: TamperTarget; seeded: SeededStore; refusesWithoutBypass: () => Promise<void> }>): void {
  let target: TamperTarget;
  let seeded: SeededStore;
  let world: World;
  let refusesWithoutBypass: () => Promise<void>;

  beforeAll(async () => {
    ({ target, seeded, refusesWithoutBypass } = await open());
    world = await readWorld(target, seeded);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('stores what the API returned, and the checkpoint covers the first phase only', () => {
    for (const log of [world.victim, world.neighbour, world.big]) {
      const sizes = SIZES[log.tenant as keyof typeof SIZES];
      expect(log.events, log.tenant).toEqual(seeded.exported[log.tenant]);
      expect(log.events.map((e) => e.position)).toEqual(Array.from({ length: sizes.checkpointed + sizes.grown }, (_, i) => i + 1));
      expect(log.checkpoint.treeSize).toBe(sizes.checkpointed);
    }
  });

  it('refuses UPDATE and DELETE on events unless the attacker bypasses the protection (which each trial does)', async () => {
    await refusesWithoutBypass();
  });

  it('controls: the untampered log verifies at the checkpoint size, grown past it, and for the neighbour', async () => {
    for (const log of [world.victim, world.neighbour, world.big]) {
      const events = await target.read(log.tenant);
      const atCheckpoint = await verifyEvents(events.slice(0, log.checkpoint.treeSize), log.checkpoint, KEY.verifier);
      const grown = await verifyEvents(events, log.checkpoint, KEY.verifier);
      expect(describeOutcome(atCheckpoint), `${log.tenant} at the checkpoint`).toBe('ok');
      expect(describeOutcome(grown), `${log.tenant} grown`).toBe('ok');
      if (grown.kind === 'report') {
        expect(grown.report).toMatchObject({ events: events.length, checkpoint: { treeSize: log.checkpoint.treeSize, signatureValid: true, rootMatches: true } });
      }
    }
  });

  it(`detects every one of ${TRIALS} seeded tampering trials (VELLUM_TAMPER_SEED=${SEED})`, async () => {
    const run: StoreRun = await runTrials(target, mainPlan(world), KEY.verifier, { seed: SEED, count: TRIALS });
    console.log(summarize(run));
    const failed = run.results.filter((r) => !r.passed).map((r) => `${r.trial.kind} [${r.trial.variant}] ${r.trial.description}: ${r.failure}`);
    expect(failed).toEqual([]);
    expect(run.results.filter((r) => r.trial.kind.startsWith('control')).length).toBeGreaterThan(0);
  }, TRIALS_TIMEOUT);

  // The verifier reads a log in pages keyed on position (position > last of the previous page). Rows that share
  // the position ending a page — possible once the attacker drops the uniqueness — must not go unseen.
  it(`detects forged events sharing the position at a page boundary of the verifier's reads (${BOUNDARY_TRIALS} trials)`, async () => {
    const run = await runTrials(target, { logs: [world.big], tamper: (rng) => planBoundary(rng, world, VERIFY_PAGE) }, KEY.verifier, { seed: SEED + 1, count: BOUNDARY_TRIALS });
    console.log(summarize(run));
    const failed = run.results.filter((r) => !r.passed).map((r) => `[${r.trial.variant}] ${r.trial.description}: ${r.failure}`);
    expect(failed).toEqual([]);
  }, TRIALS_TIMEOUT);
}

describe('tamper test on SQLite', () => {
  let cleanup: (() => void) | undefined;
  let file: string;
  let dir: string;
  let seeded: SeededStore;
  afterAll(() => cleanup?.());

  describeTamperSuite(async () => {
    const temp = await tempSqliteStore();
    cleanup = temp.cleanup;
    ({ file, dir } = temp);
    seeded = await seedStore(temp.store, new Rng(SEED), KEY);
    for (const [tenant, checkpoint] of Object.entries(seeded.checkpoints)) writeFileSync(checkpointFileFor(dir, tenant), checkpoint.note);
    return {
      seeded,
      target: sqliteTarget(temp.file),
      async refusesWithoutBypass() {
        const db = new Database(temp.file);
        try {
          expect(() => db.prepare("UPDATE events SET body = body WHERE tenant = ? AND position = 1").run(VICTIM)).toThrow(/append-only/);
          expect(() => db.prepare('DELETE FROM events WHERE tenant = ? AND position = 1').run(VICTIM)).toThrow(/append-only/);
        } finally {
          db.close();
        }
      },
    };
  });

  // The real command on files an attacker handed back: `vellum verify --store sqlite:<file> --checkpoint --key`.
  describe('vellum verify --store on tampered copies of the file', () => {
    let world: World;
    beforeAll(async () => {
      const reader = sqliteTarget(file);
      try {
        world = await readWorld(reader, seeded);
      } finally {
        await reader.close();
      }
    });

    it.each(CLI_CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
      const copy = path.join(dir, `cli-${i}.db`);
      copyDatabase(file, copy);
      const done = await c.tamper(copy, world, new Rng(SEED + 100 + i));
      const tenant = c.tenant(world);
      const run = await verifyCli(copy, tenant, checkpointFileFor(dir, tenant), KEY.verifier);
      const context = `${c.name}: ${done.detail}\n${run.out}${run.err}`;
      expect(run.code, context).toBe(c.exit);
      if (c.says !== undefined) expect(run.out, context).toMatch(c.says);
      for (const position of done.positions) expect(namesPosition(run.out, position), `names position ${position} — ${context}`).toBe(true);
    });
  });
});

describe.skipIf(!pgUrl)('tamper test on PostgreSQL', () => {
  const url = pgUrl as string;
  const schema = `vellum_tamper_${process.pid}_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await dropStoreSchema(url, schema);
  });

  describeTamperSuite(async () => {
    const store = (await openPostgresStore({ url, schema, poolSize: 4 })) as unknown as VellumStore;
    const seeded = await seedStore(store, new Rng(SEED), KEY);
    const events = tableNames(schema).events;
    return {
      seeded,
      target: await postgresTarget(url, schema),
      async refusesWithoutBypass() {
        // Row-level security is forced on the table, and binds the application's role; a superuser is above it.
        const [rls] = await sql<{ forced: boolean }>(url, `SELECT relforcerowsecurity AS forced FROM pg_class WHERE oid = '${events}'::regclass`);
        expect(rls?.forced).toBe(true);
        const [seen] = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM ${events} WHERE tenant = $1`, [VICTIM]);
        expect(Number(seen?.n)).toBe(SIZES[VICTIM].checkpointed + SIZES[VICTIM].grown);
        // Even the superuser is refused by the triggers until it disables them.
        await expect(sql(url, `UPDATE ${events} SET body = body WHERE tenant = $1 AND position = 1`, [VICTIM])).rejects.toThrow(/append-only/);
        await expect(sql(url, `DELETE FROM ${events} WHERE tenant = $1 AND position = 1`, [VICTIM])).rejects.toThrow(/append-only/);
        await expect(sql(url, `TRUNCATE ${events}`)).rejects.toThrow(/append-only/);
      },
    };
  });
});

