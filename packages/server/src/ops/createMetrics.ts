import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface VellumMetrics {
  registry: Registry;
  eventsIngested: Counter<never>;
  eventsRejected: Counter<'reason'>;
  commitDuration: Histogram<never>;
  commitBatchEvents: Histogram<never>;
  ingestQueueDepth: Gauge<never>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  rateLimited: Counter<'limit'>;
  integrityLag: Gauge<never>;
  integrationDuration: Histogram<never>;
  leavesIntegrated: Counter<never>;
  checkpointsSigned: Counter<never>;
  integrityErrors: Counter<'task'>;
  retentionPrunedEvents: Counter<never>;
  retentionRuns: Counter<'outcome'>;
  liveConnections: Gauge<'transport'>;
  liveCatchingUp: Gauge<never>;
  liveEventsSent: Counter<'transport'>;
  liveLagClosed: Counter<never>;
  deliveryLagPositions: Gauge<'subscription'>;
  deliveryLagSeconds: Gauge<'subscription'>;
  deliveryAttempts: Counter<'subscription' | 'outcome'>;
  deliveryFailures: Counter<'subscription'>;
  deliveryDeadLetters: Counter<'subscription'>;
  deliveryBreakerState: Gauge<'subscription'>;
}

/**
 * Our own registry rather than prom-client's global one: several apps in one process (tests) must not
 * share or clash over metrics.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}): VellumMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    eventsIngested: new Counter({
      name: 'vellum_events_ingested_total',
      help: 'Events durably committed (duplicates of earlier events are not counted).',
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'vellum_events_rejected_total',
      help: 'Events refused at ingestion, by reason (the error code, lowercase).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    commitDuration: new Histogram({
      name: 'vellum_commit_duration_seconds',
      help: 'Time one group commit took, from store.append to its durable return.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    commitBatchEvents: new Histogram({
      name: 'vellum_commit_batch_events',
      help: 'Events written by one group commit.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    }),
    ingestQueueDepth: new Gauge({
      name: 'vellum_ingest_queue_depth',
      help: 'Events waiting for a group commit.',
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'vellum_http_request_duration_seconds',
      help: 'HTTP request durations by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'vellum_rate_limited_requests_total',
      // By bucket kind only: a label per key or tenant would grow the series without bound.
      help: 'Requests refused with 429 RATE_LIMITED, by the bucket that was empty (key, or else tenant).',
      labelNames: ['limit'],
      registers: [registry],
    }),
    integrityLag: new Gauge({
      name: 'vellum_integrity_lag_events',
      // One number for all tenants: a series per tenant would grow without bound.
      help: 'Committed events not yet in their tenant\'s Merkle tree, summed over tenants, as this node last saw them.',
      registers: [registry],
    }),
    integrationDuration: new Histogram({
      name: 'vellum_integrity_integration_duration_seconds',
      help: 'Time to integrate one chunk of leaves into a tenant\'s tree: read the leaves, hash, store the nodes and the new state.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    leavesIntegrated: new Counter({
      name: 'vellum_integrity_leaves_integrated_total',
      help: 'Events this node appended to Merkle trees (a chunk another node integrated first is not counted).',
      registers: [registry],
    }),
    checkpointsSigned: new Counter({
      name: 'vellum_checkpoints_signed_total',
      help: 'Checkpoints this node signed and saved.',
      registers: [registry],
    }),
    retentionPrunedEvents: new Counter({
      name: 'vellum_retention_pruned_events_total',
      help: 'Events this node removed by applying retention policies.',
      registers: [registry],
    }),
    retentionRuns: new Counter({
      name: 'vellum_retention_runs_total',
      help: 'Retention runs on this node, by outcome (pruned, nothing, failed).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    integrityErrors: new Counter({
      name: 'vellum_integrity_errors_total',
      help: 'Integration passes or checkpoint rounds that failed and will be retried, by task (integrate, checkpoint).',
      labelNames: ['task'],
      registers: [registry],
    }),
    liveConnections: new Gauge({
      name: 'vellum_live_connections',
      help: 'Open live streams on this node, by transport (sse, ws).',
      labelNames: ['transport'],
      registers: [registry],
    }),
    liveCatchingUp: new Gauge({
      name: 'vellum_live_catching_up',
      help: 'Live streams reading from the store at their own pace (resuming, or detached after filling their buffer).',
      registers: [registry],
    }),
    liveEventsSent: new Counter({
      name: 'vellum_live_events_sent_total',
      help: 'Events written to live streams, by transport (sse, ws).',
      labelNames: ['transport'],
      registers: [registry],
    }),
    liveLagClosed: new Counter({
      name: 'vellum_live_lag_closed_total',
      help: 'Live streams closed for falling more than live.maxLagEvents behind the head (told where to resume).',
      registers: [registry],
    }),
    // Per subscription (at most limits × tenants series); each node reports the subscriptions it holds a lease on.
    deliveryLagPositions: new Gauge({
      name: 'vellum_delivery_lag_positions',
      help: 'Log positions after a subscription\'s cursor (head minus cursor), by subscription id.',
      labelNames: ['subscription'],
      registers: [registry],
    }),
    deliveryLagSeconds: new Gauge({
      name: 'vellum_delivery_lag_seconds',
      help: 'Age of a subscription\'s oldest undelivered event (0 when caught up), by subscription id.',
      labelNames: ['subscription'],
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: 'vellum_delivery_attempts_total',
      help: 'Delivery attempts on this node by subscription id and outcome (delivered, failed, gone, dead-lettered; skipped: circuit breaker open).',
      labelNames: ['subscription', 'outcome'],
      registers: [registry],
    }),
    deliveryFailures: new Counter({
      name: 'vellum_delivery_failures_total',
      help: 'Delivery attempts on this node that failed (the receiver refused, timed out or was unreachable), by subscription id.',
      labelNames: ['subscription'],
      registers: [registry],
    }),
    deliveryDeadLetters: new Counter({
      name: 'vellum_delivery_dead_letters_total',
      help: 'Batches parked in dead letters after their last attempt, by subscription id.',
      labelNames: ['subscription'],
      registers: [registry],
    }),
    deliveryBreakerState: new Gauge({
      name: 'vellum_delivery_breaker_state',
      help: 'The circuit breaker of a subscription\'s endpoint as this node sees it: 0 closed, 1 half-open, 2 open.',
      labelNames: ['subscription'],
      registers: [registry],
    }),
  };
}
