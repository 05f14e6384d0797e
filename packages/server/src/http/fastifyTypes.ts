import type { Masker } from '@vellum/core';
import type { AuthContext } from '../auth/authenticate.ts';
import type { Scope } from '../auth/scopes.ts';
import type { VellumConfig } from '../config/VellumConfig.ts';
import type { GroupCommitWriter } from '../ingest/GroupCommitWriter.ts';
import type { VellumMetrics } from '../ops/createMetrics.ts';
import type { VellumStore } from '../store/VellumStore.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route requires; every route declares one unless it is `public` (ops routes). */
    scope?: Scope;
    /** Reachable without a key: health, readiness, metrics, the OpenAPI document. */
    public?: boolean;
  }
  interface FastifyInstance {
    vellumConfig: VellumConfig;
    masker: Masker;
    store: VellumStore;
    metrics: VellumMetrics;
    writer: GroupCommitWriter;
    /** Milliseconds clock; tests pass their own. */
    clock: () => number;
    /** Every route the auth plugin saw ('GET /v1/events' → its scope, or 'public'). */
    routeScopes: ReadonlyMap<string, Scope | 'public'>;
    /** True from the moment a graceful shutdown begins. */
    shuttingDown: () => boolean;
  }
  interface FastifyRequest {
    /** Set by the auth plugin on every non-public route before the handler runs. */
    auth: AuthContext;
  }
}

export {};
