import './fastifyTypes.ts';
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { compileMasking } from '@vellum/core';
import type { Masker } from '@vellum/core';
import type { VellumConfig } from '../config/VellumConfig.ts';
import type { VellumStore } from '../store/VellumStore.ts';
import type { VellumMetrics } from '../ops/createMetrics.ts';
import { createLogger } from '../logging/createLogger.ts';
import { errorsPlugin } from './errorsPlugin.ts';
import { lifecyclePlugin } from './lifecyclePlugin.ts';
import { metricsPlugin } from '../ops/metricsPlugin.ts';
import { storePlugin } from '../store/storePlugin.ts';
import { authPlugin } from '../auth/authPlugin.ts';
import { rateLimitPlugin } from '../ratelimit/rateLimitPlugin.ts';
import { auditPlugin } from '../audit/auditPlugin.ts';
import { ingestPlugin } from '../ingest/ingestPlugin.ts';
import { keyRoutes } from '../access/keyRoutes.ts';
import { tenantRoutes } from '../access/tenantRoutes.ts';
import { viewerTokenRoutes } from '../auth/viewerTokenRoutes.ts';
import { queryRoutes } from '../query/queryRoutes.ts';
import { integrityPlugin } from '../integrity/integrityPlugin.ts';
import { exportRoutes } from '../query/exportRoutes.ts';
import { opsRoutes } from '../ops/opsRoutes.ts';
import { registerOpenapi } from '../ops/openapiPlugin.ts';
import { personalPlugin } from '../personal/personalPlugin.ts';
import { forgetRoutes } from '../personal/forgetRoutes.ts';
import { logSignalPlugin } from '../live/logSignalPlugin.ts';
import { livePlugin } from '../live/livePlugin.ts';
import { deliveryPlugin } from '../delivery/deliveryPlugin.ts';
import { subscriptionRoutes } from '../delivery/subscriptionRoutes.ts';
import { retentionPlugin } from '../retention/retentionPlugin.ts';
import { VERSION } from '../version.ts';

export interface BuildAppOptions {
  /** Validated configuration (loadConfig). */
  config: VellumConfig;
  /** Masking compiled by loadConfig; compiled here from config.masking when absent. */
  masker?: Masker;
  /** Use this store instead of opening config.store. The app closes it on shutdown either way. */
  store?: VellumStore;
  /** A logger to use as is; otherwise one is made at config.logLevel writing to stdout. */
  logger?: Logger;
  /** Where the one-time bootstrap key block goes (default: process.stdout). */
  announce?: (text: string) => void;
  /** Milliseconds clock (default Date.now). */
  clock?: () => number;
  metrics?: VellumMetrics;
  /** PEM contents: serve HTTPS. */
  https?: { cert: Buffer | string; key: Buffer | string };
}

/**
 * The Vellum HTTP server: one plugin per feature, registered in dependency order. Shutdown runs in the
 * reverse order — stop taking requests, let in-flight commits finish, then close the store.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const fastifyOptions = {
    loggerInstance: logger,
    // The ingest route sets its own limit from the configuration; other routes take no real body.
    bodyLimit: 64 * 1024,
    // Our lifecycle plugin answers in our error format instead.
    return503OnClosing: false,
    genReqId: () => randomUUID(),
    // Stream names (entity type + id) can be long; the default of 100 would turn them into 404s.
    routerOptions: { maxParamLength: 1024 },
    ...(options.https === undefined ? {} : { https: options.https }),
  };
  const app = Fastify(fastifyOptions) as unknown as FastifyInstance;

  // Schemas document the API (OpenAPI); the core validators decide what is valid and report every problem,
  // and JSON.stringify writes responses, so a schema can never silently drop a field of an event.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only: a text/plain body is refused with 415 rather than reaching a validator as a string.
  app.removeContentTypeParser('text/plain');

  app.decorate('vellumConfig', config);
  app.decorate('masker', options.masker ?? compileMasking(config.masking));
  app.decorate('clock', options.clock ?? Date.now);

  try {
    await app.register(errorsPlugin);
    await registerOpenapi(app, VERSION);
    await app.register(lifecyclePlugin);
    await app.register(metricsPlugin, { ...(options.metrics === undefined ? {} : { metrics: options.metrics }) });
    await app.register(storePlugin, { location: config.store, migrate: config.migrateOnStart, ...(options.store === undefined ? {} : { store: options.store }) });
    await app.register(authPlugin, { bootstrapKey: config.bootstrapKey, ...(options.announce === undefined ? {} : { announce: options.announce }) });
    await app.register(rateLimitPlugin);
    await app.register(auditPlugin);
    await app.register(personalPlugin);
    await app.register(ingestPlugin, config.ingest);
    await app.register(logSignalPlugin);
    await app.register(keyRoutes);
    await app.register(tenantRoutes);
    await app.register(viewerTokenRoutes);
    await app.register(queryRoutes);
    await app.register(integrityPlugin, config.integrity);
    await app.register(exportRoutes);
    await app.register(forgetRoutes);
    await app.register(livePlugin);
    await app.register(deliveryPlugin);
    await app.register(subscriptionRoutes);
    await app.register(retentionPlugin);
    await app.register(opsRoutes);
  } catch (err) {
    // A plugin failed part-way (say, the store opened but the key table could not be read): release what
    // the others opened before reporting the failure.
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
