import type { SubscriptionTargetRecord } from '@vellum/core';
import { rotateWebhookSecret, type WebhookTargetRecord } from '../delivery/targets/webhook/webhookSecrets.ts';

/**
 * A webhook target with a fresh signing secret, the old one kept for `graceSeconds` beside it. The stored form of
 * secrets is the webhook target's, so this only hands over (the caller has checked the kind).
 */
export function rotateSecretOf(target: SubscriptionTargetRecord, graceSeconds: number, nowMs: number): { target: SubscriptionTargetRecord; secret: string } {
  return rotateWebhookSecret(target as WebhookTargetRecord, nowMs, graceSeconds);
}
