import type { FastifyRequest } from 'fastify';
import { sharedPlugin } from '../http/definePlugin.ts';
import { retentionRoutes } from './retentionRoutes.ts';
import { RetentionService } from './RetentionService.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Retention policies' runs on this node: run(tenant, …) for the API, sweep() for the sweeper and tests. */
    retention: RetentionService;
  }
}

/**
 * Retention policies, their API and the sweeper that applies them. Registered after the integrity plugin (it needs
 * the signing key for archives); the sweeper runs on nodes with `retention.enabled`, every
 * `retention.sweepIntervalSeconds`, starting one interval after start-up, never two sweeps at once, and stops
 * (finishing the tenant in hand) before the store closes.
 */
export const retentionPlugin = sharedPlugin('vellum-retention', async (app) => {
  const options = app.vellumConfig.retention;
  const log = app.log.child({ component: 'retention' });
  const service = new RetentionService({
    store: app.store,
    archiveDir: options.archiveDir,
    key: app.integrity.key,
    now: app.clock,
    log,
    onOutcome: (outcome) => app.metrics.retentionRuns.inc({ outcome }),
    onPruned: async (record, request) => {
      app.metrics.retentionPrunedEvents.inc(record.eventsRemoved);
      // Counts and positions only: never an event's contents.
      await app.audit.record((request as FastifyRequest | undefined) ?? null, {
        type: 'vellum.retention.pruned',
        action: 'delete',
        severity: 'medium',
        entity: { type: 'Tenant', id: record.tenant },
        data: {
          retentionTenant: record.tenant,
          prunedThrough: record.prunedThrough,
          eventsRemoved: record.eventsRemoved,
          checkpointSize: record.checkpointSize,
          archive: record.archive,
        },
      });
    },
  });
  app.decorate('retention', service);

  if (options.enabled) {
    let timer: NodeJS.Timeout | undefined;
    let sweeping: Promise<unknown> | null = null;
    let closing = false;
    const schedule = (): void => {
      if (closing) return;
      timer = setTimeout(() => {
        sweeping = service.sweep().catch((err: unknown) => log.error({ err }, 'retention sweep failed')).finally(() => {
          sweeping = null;
          schedule();
        });
      }, options.sweepIntervalSeconds * 1000);
      timer.unref();
    };
    app.addHook('onReady', async () => schedule());
    app.addHook('onClose', async () => {
      closing = true;
      clearTimeout(timer);
      await sweeping;
    });
  }

  await app.register(retentionRoutes, { service });
});
