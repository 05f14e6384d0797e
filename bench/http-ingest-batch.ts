/**
 * HTTP ingest, batches: 50 clients each POSTing { events: [100 events] } to /v1/events and waiting for the
 * durable 201, against a fresh store; then the bare drivers and Emmett writing the same batches.
 * Target (2 cores): >= 30,000 events/s on both stores, server RSS < 300 MB.
 *   node --import tsx bench/http-ingest-batch.ts [--store sqlite|postgres] [--clients 50] [--duration 30] [--events N]
 */
import { parseBenchArgs } from './lib/benchArgs.ts';
import { runIngestBench } from './lib/ingestBench.ts';
import { printMachine } from './lib/machine.ts';

const args = parseBenchArgs({ clients: 50, batch: 100, durationS: 30, warmupS: 3 });
printMachine('http-ingest-batch: POST /v1/events, batches, closed loop');
await runIngestBench({
  args,
  barePgClients: [args.clients],
  pgModes: ['insert', 'copy'],
  targets: (store, vellum) => [
    { what: `${store} events/s`, goal: '>= 30,000', actual: vellum.result.eventsPerS, unit: 'events/s', limit: 30_000, kind: 'min' },
    { what: `${store} server RSS peak`, goal: '< 300 MB', actual: (vellum.rssMb ?? 0) * 1.048576, unit: 'MB', limit: 300, kind: 'max' },
  ],
});
