import { sharedPlugin } from '../http/definePlugin.ts';
import type { IntegrityOptions } from '../config/VellumConfig.ts';
import { Checkpointer } from './Checkpointer.ts';
import { loadSigningKey, resolveOrigin, type CheckpointSigningKey } from './checkpointKey.ts';
import { integrityRoutes } from './integrityRoutes.ts';
import { MerkleIntegrator } from './MerkleIntegrator.ts';

export type IntegrityPluginOptions = IntegrityOptions & {
  /** Leaves per integration transaction (tests make it small to exercise chunking). */
  chunkSize?: number;
  /** How often to look for other nodes' commits. */
  pollIntervalMs?: number;
};

/** What the app exposes about integrity (`app.integrity`). */
export interface IntegrityService {
  enabled: boolean;
  /** The log name; a tenant's checkpoints say `<origin>/<tenant>`. */
  origin: string;
  key: Pick<CheckpointSigningKey, 'name' | 'publicKey' | 'verifierKey'>;
  /**
   * Integrates every tenant up to its log and signs a checkpoint for each tree that grew, now: for tests and
   * tools. Rejects when the store fails. Does nothing when integrity is disabled.
   */
  settle(): Promise<void>;
}

/**
 * The Merkle integrator, the checkpointer and the integrity routes. The key and the origin are loaded even when
 * integration is off, so the routes keep serving what was integrated before. Registered after the ingest plugin:
 * Fastify runs onClose hooks in reverse order, so both workers stop (finishing the chunk or signature in hand)
 * before the writer drains and the store closes. Events committed after that are integrated on the next start.
 */
export const integrityPlugin = sharedPlugin<IntegrityPluginOptions>('vellum-integrity', async (app, options) => {
  const { store, metrics, writer } = app;
  const log = app.log.child({ component: 'integrity' });
  const origin = await resolveOrigin(store, options.origin);
  const key = await loadSigningKey(store, origin);

  let settle = async (): Promise<void> => undefined;
  if (options.enabled) {
    const checkpointer = new Checkpointer({
      store,
      key,
      origin,
      every: options.checkpointEvery,
      intervalMs: options.checkpointIntervalSeconds * 1000,
      log,
      now: app.clock,
      onSigned: () => metrics.checkpointsSigned.inc(),
      onError: () => metrics.integrityErrors.inc({ task: 'checkpoint' }),
    });
    const integrator = new MerkleIntegrator({
      store,
      log,
      now: app.clock,
      ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
      observer: {
        onChunk: ({ leaves, durationSeconds }) => {
          metrics.leavesIntegrated.inc(leaves);
          metrics.integrationDuration.observe(durationSeconds);
        },
        onLag: (events) => metrics.integrityLag.set(events),
        onGrown: (tenant, size) => checkpointer.grown(tenant, size),
        onError: () => metrics.integrityErrors.inc({ task: 'integrate' }),
      },
    });
    writer.onCommitted(() => integrator.wake());
    // Not before the app is ready: a plugin registered later may still fail the start-up.
    app.addHook('onReady', async () => {
      integrator.start();
      await checkpointer.start();
    });
    app.addHook('onClose', async () => {
      await integrator.close();
      await checkpointer.close();
    });
    settle = async () => {
      await integrator.catchUp();
      await checkpointer.signNow();
    };
  }

  app.decorate('integrity', {
    enabled: options.enabled,
    origin,
    key: { name: key.name, publicKey: key.publicKey, verifierKey: key.verifierKey },
    settle,
  } satisfies IntegrityService);
  await app.register(integrityRoutes);
});
