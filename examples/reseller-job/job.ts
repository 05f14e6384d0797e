/**
 * The reseller status job, with its classic gap: the job disables resellers over their traffic limit and records
 * `reseller.auto_disabled` for each, but the monthly reset re-enables them with one bare SQL UPDATE and records
 * nothing. Change capture on `resellers.status` is the safety net: the reset is captured as `reseller.updated`,
 * while the job's own changes are folded into its `reseller.auto_disabled` events instead of being stored twice.
 *
 *   VELLUM_URL=http://127.0.0.1:7070 VELLUM_KEY=… DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *     node --import tsx examples/reseller-job/job.ts
 *
 * It creates the schema `reseller_demo`, installs capture (as `vellum capture install` does), runs the capture
 * worker in-process (as `vellum capture run` does), prints the trail of each reseller and drops the schema.
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createClient } from '@vellum/sdk';
// Exported from @vellum/sdk once its index lists it.
import { withAuditContext } from '@vellum/sdk';
import { installCapture } from '../../packages/server/src/capture/installCapture.ts';
import { CaptureWorker } from '../../packages/server/src/capture/CaptureWorker.ts';

const GRACE_MS = 1000;
const JOB_ACTOR = { type: 'service', id: 'reseller-status-job' };

export async function runResellerDemo(options: { url: string; apiKey: string; databaseUrl: string; schema?: string; log?: (line: string) => void }) {
  const schema = options.schema ?? 'reseller_demo';
  const log = options.log ?? console.log;
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  const vellum = createClient({ url: options.url, apiKey: options.apiKey }); // direct mode: record() awaits the 201
  const worker = new CaptureWorker({
    databaseUrl: options.databaseUrl,
    url: options.url,
    key: options.apiKey,
    schema: `${schema}_capture`,
    graceMs: GRACE_MS,
    pollMs: 100,
    log: (line) => log(`  [worker] ${line}`),
  });
  try {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_capture CASCADE; CREATE SCHEMA ${schema}`);
    await db.query(`CREATE TABLE ${schema}.resellers (id int PRIMARY KEY, name text, status text NOT NULL, traffic_used int, traffic_limit int)`);
    await db.query(`INSERT INTO ${schema}.resellers VALUES (1, 'Acme', 'active', 120, 100), (2, 'Globex', 'active', 50, 100), (3, 'Initech', 'active', 300, 100)`);
    // = vellum capture install --table reseller_demo.resellers --columns status --entity-type Reseller --schema reseller_demo_capture
    await installCapture(db, { table: `${schema}.resellers`, columns: ['status'], entityType: 'Reseller', idColumn: 'id', schema: `${schema}_capture`, operations: ['update'] });
    worker.start();

    // 1. The job: disable resellers over their limit, each with its domain event (the careful code path).
    const { rows: over } = await db.query<{ id: number }>(`SELECT id FROM ${schema}.resellers WHERE status = 'active' AND traffic_used > traffic_limit ORDER BY id`);
    for (const { id } of over) {
      await withAuditContext(db, { actor: JOB_ACTOR, source: 'system' }, (tx) => tx.query(`UPDATE ${schema}.resellers SET status = 'disabled' WHERE id = $1`, [id]));
      await vellum.record({
        type: 'reseller.auto_disabled',
        actor: JOB_ACTOR,
        source: 'system',
        severity: 'medium',
        entity: { type: 'Reseller', id: String(id) },
        changes: [{ field: 'status', old: 'active', new: 'disabled' }],
        data: { reason: 'traffic limit exceeded' },
      });
      log(`job: disabled reseller ${id} and recorded reseller.auto_disabled`);
    }

    // 2. The forgetful code path: a bulk reset with no event at all.
    const reset = await db.query(`UPDATE ${schema}.resellers SET status = 'active', traffic_used = 0 WHERE status = 'disabled'`);
    log(`reset: re-enabled ${reset.rowCount} reseller(s) with a bare UPDATE, no event recorded`);

    // 3. Wait for the worker to settle everything (the grace, then fold-in or record).
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}_capture.outbox`);
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await worker.stop();
    log(`worker: recorded ${worker.stats.recorded} captured event(s), folded ${worker.stats.foldedChanges} change(s) into the job's events`);

    const trails: Record<string, string[]> = {};
    for (const id of ['1', '2', '3']) {
      trails[id] = [];
      for await (const e of vellum.search({ entityType: 'Reseller', entityId: id, order: 'asc' })) {
        const c = e.changes?.[0];
        trails[id].push(`${e.type} by ${e.actor.type}:${e.actor.id}${c === undefined ? '' : ` (${c.field}: ${String(c.old)} → ${String(c.new)})`}`);
      }
      log(`trail of reseller ${id}:${trails[id].length === 0 ? ' (nothing)' : ''}`);
      for (const line of trails[id]) log(`  ${line}`);
    }
    return { trails, stats: worker.stats };
  } finally {
    await worker.stop();
    await vellum.close();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_capture CASCADE`).catch(() => {});
    await db.end();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const apiKey = process.env.VELLUM_KEY;
  if (apiKey === undefined) throw new Error('set VELLUM_KEY to a key with events:write and events:read');
  await runResellerDemo({
    url: process.env.VELLUM_URL ?? 'http://127.0.0.1:7070',
    apiKey,
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
}
