import type { SubscriptionTargetRecord } from '@vellum/core';

/**
 * A webhook target with a fresh signing secret, the old one kept for `graceSeconds` beside it. Delegates to the
 * targets' own rotateWebhookSecret (the stored form of secrets is theirs).
 */
export function rotateSecretOf(_target: SubscriptionTargetRecord, _graceSeconds: number, _now: number): { target: SubscriptionTargetRecord; secret: string } {
  throw new Error('rotateSecretOf: waiting for the webhook target (rotateWebhookSecret)');
}
