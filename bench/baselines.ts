/**
 * The raw baselines alone, without Vellum: what the bare drivers and Emmett do on this machine with the
 * ingest benches' rows and batch sizes. The ingest benches run the same subjects beside Vellum in the same
 * run; this one is for recording the floor on a machine (RESULTS.md) or checking the database setup.
 *   node --import tsx bench/baselines.ts [--store sqlite|postgres] [--clients 50] [--duration 15] [--events N]
 */
import { parseBenchArgs } from './lib/benchArgs.ts';
import { buildEventRing } from './lib/EventRing.ts';
import { boundsOf, measureBarePg, measureBareSqlite, measureEmmett } from './lib/ingestBench.ts';
import { printMachine } from './lib/machine.ts';
import { printThroughput, type ReportRow } from './lib/report.ts';
import { cleanAll } from './lib/tempStore.ts';

const args = parseBenchArgs({ clients: 50, durationS: 15 });
printMachine('baselines: bare drivers and Emmett, no Vellum');
try {
  for (const batch of [100, 1]) {
    const bounds = boundsOf({ ...args, batch });
    const ring = buildEventRing({ size: Math.max(50_000, batch * 500), batchSize: batch, seed: args.seed });
    for (const store of args.stores) {
      console.log(`\n--- ${store}, ${batch === 1 ? 'single events' : `batches of ${batch}`} (mean ${ring.meanEventBytes.toFixed(0)} bytes/event) ---`);
      const rows: ReportRow[] = [];
      if (store === 'sqlite') {
        rows.push(await measureBareSqlite(ring, bounds, true));
        rows.push(await measureBareSqlite(ring, bounds, false));
      } else {
        const clients = batch === 1 ? [...new Set([16, args.clients])] : [args.clients];
        for (const c of clients) rows.push(await measureBarePg(ring, bounds, 'insert', c));
        if (batch > 1) rows.push(await measureBarePg(ring, bounds, 'copy', args.clients));
        if (!args.skipEmmett) rows.push(await measureEmmett(ring, bounds, args.clients));
      }
      printThroughput(rows, rows[0]!.subject);
    }
  }
} finally {
  await cleanAll();
}
