import { isPlainObject, type ErrorDetail, type SubscriptionTargetRecord } from '@vellum/core';
import type { DeliveryTarget, DeliveryTargets, ParsedTarget } from '../DeliveryTarget.ts';
import type { VellumConfig } from '../../config/VellumConfig.ts';
import type { TargetKind, TargetLog } from './targetKind.ts';
import { WebhookAddressGuard, type ResolveHost } from './webhook/WebhookAddressGuard.ts';
import { webhookKind } from './webhook/webhookKind.ts';
import { natsKind } from './nats/natsKind.ts';
import { redisKind } from './redis/redisKind.ts';

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
  const kindOf = (target: SubscriptionTargetRecord): TargetKind => {
    const kind = (kinds as Record<string, TargetKind>)[target.kind];
    if (kind === undefined || !Object.hasOwn(kinds, target.kind)) throw new Error(`unknown target kind in a stored subscription: ${String(target.kind).slice(0, 32)}`);
    return kind;
  };
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
    view: (target) => kindOf(target).view(target),
    open(target): DeliveryTarget {
      if (closed) throw new Error('delivery targets are closed');
      return kindOf(target).open(target);
    },
    async close() {
      closed = true;
      await Promise.allSettled(Object.values(kinds).map((k) => k.close()));
    },
  };
}
