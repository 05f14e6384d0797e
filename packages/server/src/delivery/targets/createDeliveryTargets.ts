import { isPlainObject, type ErrorDetail, type SubscriptionTargetRecord } from '@vellum/core';
import type { DeliveryTarget, DeliveryTargets, ParsedTarget } from '../DeliveryTarget.ts';
import type { VellumConfig } from '../../config/VellumConfig.ts';
import type { TargetKind, TargetLog } from './targetKind.ts';
import { WebhookAddressGuard, type ResolveHost } from './webhook/WebhookAddressGuard.ts';
import { webhookKind } from './webhook/webhookKind.ts';
import { natsKind } from './nats/natsKind.ts';
import { redisKind } from './redis/redisKind.ts';
import type { WebhookSecret } from './webhook/webhookSecrets.ts';

export { rotateWebhookSecret, type WebhookTargetRecord, type WebhookSecret } from './webhook/webhookSecrets.ts';
export type { TargetLog } from './targetKind.ts';

export interface DeliveryTargetsOptions {
  config: { delivery: Pick<VellumConfig['delivery'], 'webhookAllow' | 'requestTimeoutSeconds'>; nats: VellumConfig['nats']; redis: VellumConfig['redis'] };
  log: TargetLog;
  /** Milliseconds clock (secrets' dates, webhook timestamps); Date.now by default. */
  clock?: () => number;
  /** DNS for the webhook address guard (tests play DNS rebinding through it); the system resolver by default. */
  resolveHost?: ResolveHost;
}

const KINDS = ['webhook', 'nats', 'redis'] as const;

const unusable = (error: string): DeliveryTarget => ({
  endpoint: 'unusable',
  retrySchedule: null,
  deliver: async () => ({ ok: false, kind: 'retry', error, statusCode: null, retryAfterMs: null }),
});

/** A sender whose unexpected throw (a bug, a damaged record) is a failed attempt in words, as the seam promises. */
function guarded(sender: DeliveryTarget, log: TargetLog): DeliveryTarget {
  return {
    endpoint: sender.endpoint,
    retrySchedule: sender.retrySchedule,
    async deliver(batch, signal) {
      try {
        return await sender.deliver(batch, signal);
      } catch (e) {
        log.error({ subscription: batch.subscription.id, endpoint: sender.endpoint, error: e instanceof Error ? e.name : 'error' }, 'a delivery target failed unexpectedly');
        return { ok: false, kind: 'retry', error: 'the target failed unexpectedly; see the server log', statusCode: null, retryAfterMs: null };
      }
    },
  };
}

/**
 * The secret to show once after a create or update: the webhook's current secret when `parse` made or took a new
 * one (not kept from `previous`); null otherwise. The API answers it in that response only, as with API keys.
 */
export function newWebhookSecret(target: SubscriptionTargetRecord, previous: SubscriptionTargetRecord | null): string | null {
  if (target.kind !== 'webhook' || !Array.isArray(target.secrets)) return null;
  const current = (target.secrets as WebhookSecret[]).find((s) => s.expiresAt === null)?.secret ?? null;
  if (current === null) return null;
  const before = previous?.kind === 'webhook' && Array.isArray(previous.secrets) ? (previous.secrets as WebhookSecret[]) : [];
  return before.some((s) => s.secret === current) ? null : current;
}

/**
 * The target kinds a subscription may deliver to (webhook, nats, redis) behind the DeliveryTargets seam: the API
 * checks and shows targets through it, the delivery workers open senders. NATS and Redis connections are opened
 * on first use and closed by close(). Throws INVALID_CONFIG when delivery.webhookAllow holds something that is
 * neither a host name nor a CIDR.
 */
export function createDeliveryTargets(options: DeliveryTargetsOptions): DeliveryTargets {
  const clock = options.clock ?? Date.now;
  const requestTimeoutMs = options.config.delivery.requestTimeoutSeconds * 1000;
  const guard = new WebhookAddressGuard(options.config.delivery.webhookAllow, options.resolveHost);
  const kinds: Record<(typeof KINDS)[number], TargetKind> = {
    webhook: webhookKind({ guard, requestTimeoutMs, clock, log: options.log }),
    nats: natsKind({ url: options.config.nats.url, requestTimeoutMs, log: options.log }),
    redis: redisKind({ url: options.config.redis.url, requestTimeoutMs, log: options.log }),
  };
  const kindOf = (target: SubscriptionTargetRecord): TargetKind | null =>
    typeof target?.kind === 'string' && Object.hasOwn(kinds, target.kind) ? kinds[target.kind as (typeof KINDS)[number]] : null;
  let closed = false;

  return {
    async parse(input: unknown, path: string, previous: SubscriptionTargetRecord | null): Promise<ParsedTarget> {
      if (!isPlainObject(input)) {
        return { ok: false, problems: [{ path, message: `must be an object with a kind (${KINDS.join(', ')}) and the kind's settings` }] };
      }
      const kind = input.kind;
      if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
        const problems: ErrorDetail[] = [{ path: `${path}/kind`, message: `must be one of ${KINDS.join(', ')}` }];
        return { ok: false, problems };
      }
      return kinds[kind as (typeof KINDS)[number]].parse(input, path, previous);
    },
    view(target) {
      const kind = kindOf(target);
      return kind === null ? { kind: String(target?.kind).slice(0, 32) } : kind.view(target);
    },
    open(target): DeliveryTarget {
      if (closed) throw new Error('delivery targets are closed');
      const kind = kindOf(target);
      // A stored target this server cannot use (a newer kind, a damaged record) fails its deliveries, in words,
      // instead of throwing into the worker.
      try {
        if (kind !== null) return guarded(kind.open(target), options.log);
      } catch (e) {
        options.log.error({ kind: target.kind, error: e instanceof Error ? e.name : 'error' }, 'a stored delivery target could not be opened');
      }
      return unusable(`the stored target (kind ${String(target?.kind).slice(0, 32)}) is not one this server can deliver to`);
    },
    async close() {
      closed = true;
      await Promise.allSettled(Object.values(kinds).map((k) => k.close()));
    },
  };
}
