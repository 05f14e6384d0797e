import { randomBytes } from 'node:crypto';
import { keyedFingerprinter, pooledRandom } from '@vellum/core';
import { sharedPlugin } from '../http/definePlugin.ts';
import { GroupCommitWriter } from './GroupCommitWriter.ts';
import { ingestRoutes } from './ingestRoutes.ts';
import type { IngestOptions } from '../config/VellumConfig.ts';

export type IngestPluginOptions = IngestOptions;

/** The store secret that keys idempotency fingerprints, shared by every node (so a retry may land on any node). */
export const FINGERPRINT_SECRET_NAME = 'idempotency-fingerprint-key';

/**
 * The group-commit writer (shared, so readiness and metrics can see it) and POST /v1/events. On shutdown
 * the writer stops taking batches and finishes what it holds before the store closes: this plugin is
 * registered after the store plugin, and Fastify runs onClose hooks in reverse order.
 */
export const ingestPlugin = sharedPlugin<IngestPluginOptions>('vellum-ingest', async (app, options) => {
  const { metrics } = app;
  const fingerprintKey = await app.store.getOrCreateSecret(FINGERPRINT_SECRET_NAME, randomBytes(32).toString('base64url'));
  app.decorate('fingerprint', keyedFingerprinter(fingerprintKey));
  const writer = new GroupCommitWriter({
    store: app.store,
    maxQueuedEvents: options.maxQueuedEvents,
    maxEventsPerCommit: options.maxEventsPerCommit,
    retryAfterSeconds: options.retryAfterSeconds,
    maxCommitsInFlight: app.store.appendPipelineDepth ?? 1,
    now: app.clock,
    observer: {
      onCommit: ({ events, durationSeconds }) => {
        metrics.commitDuration.observe(durationSeconds);
        metrics.commitBatchEvents.observe(events);
      },
      onQueueDepth: (depth) => metrics.ingestQueueDepth.set(depth),
      onCommitFailed: (err, info) => app.log.error({ err, ...info }, 'group commit failed'),
    },
  });
  app.decorate('writer', writer);
  app.addHook('onClose', async () => {
    await writer.close();
  });
  await app.register(ingestRoutes, { random: pooledRandom() });
});
