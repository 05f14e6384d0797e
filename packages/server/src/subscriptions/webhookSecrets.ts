import type { SubscriptionTargetRecord } from '@vellum/core';
import type { WebhookTargetRecord } from '../delivery/targets/webhook/webhookSecrets.ts';

/**
 * The one place the subscription API reads a secret out of a stored target: to show, once, the secret the webhook
 * target generated for a subscription created without one. Everything else about targets is the targets' business
 * (app.deliveryTargets), and no other answer carries a secret.
 */
export function generatedWebhookSecret(input: unknown, stored: SubscriptionTargetRecord): string | null {
  if (stored.kind !== 'webhook') return null;
  const given = typeof input === 'object' && input !== null && (input as Record<string, unknown>).secret !== undefined;
  if (given) return null;
  const current = (stored as WebhookTargetRecord).secrets?.find((s) => s.expiresAt === null);
  return typeof current?.secret === 'string' ? current.secret : null;
}
