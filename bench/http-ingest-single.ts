/**
 * HTTP ingest, single events: 50 clients each POSTing one event and waiting for the durable 201 (the
 * server must group-commit concurrent requests to get anywhere near the target); then the bare drivers
 * committing one row at a time (pg with 16 and 50 connections) and Emmett appending one event per call.
 * Target (2 cores): >= 10,000 acknowledged events/s with p99 < 20 ms, server RSS < 300 MB.
 *   node --import tsx bench/http-ingest-single.ts [--store sqlite|postgres] [--clients 50] [--duration 30] [--events N]
 */
import { parseBenchArgs } from './lib/benchArgs.ts';
import { runIngestBench } from './lib/ingestBench.ts';
import { printMachine } from './lib/machine.ts';

const args = parseBenchArgs({ clients: 50, batch: 1, durationS: 30, warmupS: 3 });
printMachine('http-ingest-single: POST /v1/events, one event per request, closed loop');
await runIngestBench({
  args,
  barePgClients: [...new Set([16, args.clients])],
  pgModes: ['insert'],
  targets: (store, vellum) => [
    { what: `${store} acknowledged events/s`, goal: '>= 10,000', actual: vellum.result.eventsPerS, unit: 'events/s', limit: 10_000, kind: 'min' },
    { what: `${store} request p99`, goal: '< 20 ms', actual: vellum.result.latency.p99, unit: 'ms', limit: 20, kind: 'max' },
    { what: `${store} server RSS peak`, goal: '< 300 MB', actual: (vellum.rssMb ?? 0) * 1.048576, unit: 'MB', limit: 300, kind: 'max' },
  ],
});
