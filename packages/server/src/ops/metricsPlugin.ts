import { sharedPlugin } from '../http/definePlugin.ts';
import { createMetrics, type VellumMetrics } from './createMetrics.ts';

export interface MetricsPluginOptions {
  metrics?: VellumMetrics;
}

/** Our Prometheus registry, and the duration of every request labelled by route pattern (bounded cardinality). */
export const metricsPlugin = sharedPlugin<MetricsPluginOptions>('vellum-metrics', async (app, options) => {
  const metrics = options.metrics ?? createMetrics();
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
});
