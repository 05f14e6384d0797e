import type { Fingerprinter, Masker } from '@vellum/core';
import type { AuthContext, KeyResolver } from '../auth/authenticate.ts';
import type { TenantDirectory } from '../auth/TenantDirectory.ts';
import type { ViewerTokenService } from '../auth/viewerTokens.ts';
import type { RouteScope } from '../auth/scopes.ts';
import type { VellumConfig } from '../config/VellumConfig.ts';
import type { GroupCommitWriter } from '../ingest/GroupCommitWriter.ts';
import type { VellumMetrics } from '../ops/createMetrics.ts';
import type { VellumStore } from '../store/VellumStore.ts';
import type { SelfAudit } from '../audit/auditPlugin.ts';
import type { IntegrityService } from '../integrity/integrityPlugin.ts';
import type { PersonalDataService } from '../personal/PersonalDataService.ts';
import type { LogSignal } from '../live/LogSignal.ts';
import type { DeliveryService } from '../delivery/DeliveryService.ts';
import type { DeliveryTargets } from '../delivery/DeliveryTarget.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route requires; every route declares one unless it is `public` (ops routes). */
    scope?: RouteScope;
    /** Reachable without a key: health, readiness, metrics, the OpenAPI document. */
    public?: boolean;
    /**
     * Self-audit: `always` records every successful call in the system tenant (exports); `viewer` records
     * calls made with viewer tokens (searches, trails, live streams).
     */
    audit?: 'always' | 'viewer';
  }
  interface FastifyInstance {
    vellumConfig: VellumConfig;
    masker: Masker;
    /** Keyed (HMAC) idempotency fingerprints; the key is a store secret shared by every node. */
    fingerprint: Fingerprinter;
    store: VellumStore;
    metrics: VellumMetrics;
    writer: GroupCommitWriter;
    /** Resolves API keys (cached briefly); `forget()` after a revocation on this node. */
    keyResolver: KeyResolver;
    tenants: TenantDirectory;
    /** Vellum's own security events, recorded in the system tenant. */
    audit: SelfAudit;
    viewerTokens: ViewerTokenService;
    /** The Merkle integrator and checkpointer's public face: the signing key, the origin, settle() for tests. */
    integrity: IntegrityService;
    /** Crypto-shredding: seals personal fields at ingest, opens them at reads, forgets subjects. */
    personalData: PersonalDataService;
    /** Raised whenever a tenant's log grows (on this node, or on another through NATS). */
    logSignal: LogSignal;
    /** Durable subscriptions' delivery workers on this node. */
    delivery: DeliveryService;
    /** Target kinds (webhook, nats, redis): parse, show without secrets, open senders. */
    deliveryTargets: DeliveryTargets;
    /** Milliseconds clock; tests pass their own. */
    clock: () => number;
    /** Every route the auth plugin saw ('GET /v1/events' → its scope, or 'public'). */
    routeScopes: ReadonlyMap<string, RouteScope | 'public'>;
    /** True from the moment a graceful shutdown begins. */
    shuttingDown: () => boolean;
  }
  interface FastifyRequest {
    /** Set by the auth plugin on every non-public route before the handler runs. */
    auth: AuthContext;
  }
}

export {};
